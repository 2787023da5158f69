//! The WhatsApp bot end to end: Meta's webhook payloads in, the bot's messages out (read back from the outbox, and
//! once through the sender to a fake Graph API), for every flow of the issue in Hindi and English; redelivery,
//! restart, floods, expired buttons and unreadable events.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{HINDI_HEADER, call, csv, get, import_bytes};
use hmac::{Hmac, Mac};
use kaamgar_domain::whatsapp::outbound::{Rendered, render};
use kaamgar_store::{NewInboxEvent, NewOutbound, Store};
use kaamgar_web::WhatsAppSecrets;
use kaamgar_web::bot::BotService;
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::Arc;

const SECRET: &str = "bot-test-secret";
const PNID: &str = "106540352242922";
const T0: i64 = 1_780_000_000;
const CITIZEN: &str = "919123456780";
const W1: &str = "919800000001";

struct Bot {
    router: axum::Router,
    bot: Arc<BotService>,
    store: Arc<dyn Store>,
    seq: std::cell::Cell<u32>,
}

async fn setup(t: &common::TestApp) -> Bot {
    let rows: Vec<[String; 8]> = (1..=5)
        .map(|i| {
            [
                i.to_string(),
                format!("मिस्त्री {i}"),
                format!("98000000{i:02}"),
                "पुरुष".into(),
                "35".into(),
                "plumber".into(),
                "Marhaura".into(),
                "Saran".into(),
            ]
        })
        .collect();
    let mut all: Vec<&[&str]> = vec![&HINDI_HEADER];
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    all.extend(refs.iter().map(Vec::as_slice));
    let (out, _) = import_bytes(&t.app, "plumbers.csv", csv(&all)).await;
    assert_eq!(out.unwrap().summary.inserted, 5);
    let mut state = kaamgar::serve::state(&t.app).unwrap();
    state.whatsapp = WhatsAppSecrets {
        verify_token: Some(Arc::from("v")),
        app_secret: Some(Arc::from(SECRET)),
    };
    let bot = state.bot.clone().unwrap();
    Bot {
        router: kaamgar_web::router(state),
        bot,
        store: t.app.store.clone(),
        seq: std::cell::Cell::new(0),
    }
}

fn envelope(contacts: Value, messages: Value) -> Value {
    json!({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
        "messaging_product":"whatsapp",
        "metadata":{"display_phone_number":"15550783881","phone_number_id":PNID},
        "contacts":contacts,"messages":messages},"field":"messages"}]}]})
}

impl Bot {
    fn next_id(&self) -> String {
        self.seq.set(self.seq.get() + 1);
        format!("wamid.HBgM{:06}", self.seq.get())
    }

    /// One message as Meta sends it: `kind` is the message object without from/id/timestamp.
    fn message(&self, from: &str, at: i64, kind: Value) -> Value {
        let mut m = kind;
        m["from"] = json!(from);
        m["id"] = json!(self.next_id());
        m["timestamp"] = json!(at.to_string());
        envelope(
            json!([{"profile":{"name":"Test"},"wa_id":from}]),
            json!([m]),
        )
    }

    async fn post(&self, body: &Value) -> StatusCode {
        let bytes = body.to_string().into_bytes();
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(&bytes);
        let sig: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let req = Request::post("/webhooks/whatsapp")
            .header(header::CONTENT_TYPE, "application/json")
            .header("X-Hub-Signature-256", format!("sha256={sig}"))
            .body(Body::from(bytes))
            .unwrap();
        call(&self.router, req).await.0
    }

    /// Sends and lets the bot handle everything pending at `at`; returns what it sent to each contact.
    async fn say(&self, from: &str, at: i64, kind: Value) -> Vec<(String, Rendered)> {
        assert_eq!(
            self.post(&self.message(from, at, kind)).await,
            StatusCode::OK
        );
        self.run(at).await
    }

    async fn text(&self, from: &str, at: i64, text: &str) -> Vec<(String, Rendered)> {
        self.say(from, at, json!({"type":"text","text":{"body":text}}))
            .await
    }

    async fn tap(&self, from: &str, at: i64, id: &str) -> Vec<(String, Rendered)> {
        self.say(from, at, json!({"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":id,"title":"x"}}}))
            .await
    }

    async fn pick(&self, from: &str, at: i64, id: &str) -> Vec<(String, Rendered)> {
        self.say(from, at, json!({"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":id,"title":"x","description":"d"}}}))
            .await
    }

    async fn template_tap(&self, from: &str, at: i64, payload: &str) -> Vec<(String, Rendered)> {
        self.say(from, at, json!({"context":{"from":"15550783881","id":"wamid.LEAD"},"type":"button","button":{"payload":payload,"text":"हाँ"}}))
            .await
    }

    async fn run(&self, at: i64) -> Vec<(String, Rendered)> {
        let msgs = self.bot.drain(at).await.unwrap();
        msgs.iter()
            .map(|m| {
                (
                    m.contact.clone(),
                    render(&serde_json::from_str(&m.request).unwrap()),
                )
            })
            .collect()
    }
}

/// The WhatsApp id and name of the worker a pick button is for.
async fn worker_of(store: &dyn Store, pick_id: &str) -> (String, String) {
    let w: i64 = pick_id.rsplit(':').next().unwrap().parse().unwrap();
    let w = store.get_worker(w).await.unwrap();
    (
        w.data.phone.e164().trim_start_matches('+').to_string(),
        w.data.name,
    )
}

fn to<'a>(msgs: &'a [(String, Rendered)], who: &str) -> Vec<&'a Rendered> {
    msgs.iter()
        .filter(|(c, _)| c == who)
        .map(|(_, r)| r)
        .collect()
}

fn only<'a>(msgs: &'a [(String, Rendered)], who: &str) -> &'a Rendered {
    let v = to(msgs, who);
    assert_eq!(v.len(), 1, "one message to {who}: {msgs:#?}");
    v[0]
}

#[tokio::test]
async fn a_citizen_in_hindi_is_connected_to_a_worker_who_accepts_then_rates_the_work() {
    for t in common::apps().await {
        let b = setup(&t).await;
        let out = b.text(CITIZEN, T0, "plumber chahiye marhaura me").await;
        let list = only(&out, CITIZEN);
        assert_eq!(list.kind, "interactive");
        assert!(
            list.text.contains("प्लंबर") && list.text.contains("Marhaura"),
            "{}",
            list.text
        );
        assert_eq!(list.choices.len(), 3, "the three best");
        let raw = serde_json::to_string(&out).unwrap();
        assert!(
            !raw.contains("98000000"),
            "no worker's number before they accept"
        );

        let chosen = list.choices[0].id.clone();
        let worker_id: i64 = chosen.rsplit(':').next().unwrap().parse().unwrap();
        let worker = b.store.get_worker(worker_id).await.unwrap();
        let worker_wa = worker.data.phone.e164().trim_start_matches('+').to_string();
        let out = b.pick(CITIZEN, T0 + 20, &chosen).await;
        assert!(
            only(&out, CITIZEN).text.contains("पूछा है"),
            "the citizen is told"
        );
        // The worker never wrote to us: outside the 24-hour window only the approved template may go.
        let lead = only(&out, &worker_wa);
        assert_eq!(lead.kind, "template");
        assert!(lead.text.starts_with("[kaamgar_lead]"), "{}", lead.text);
        let accept = lead
            .choices
            .iter()
            .find(|c| c.id.ends_with(":yes"))
            .unwrap()
            .id
            .clone();

        let out = b.template_tap(&worker_wa, T0 + 60, &accept).await;
        assert!(
            only(&out, &worker_wa).text.contains("+919123456780"),
            "the worker gets the citizen's number"
        );
        let told = only(&out, CITIZEN);
        assert!(
            told.text.contains(&worker.data.phone.e164()) && told.text.contains(&worker.data.name)
        );

        let (s, body) = call(&b.router, get("/api/v1/requests?status=accepted")).await;
        assert_eq!(s, StatusCode::OK);
        let req = &body["requests"][0];
        assert_eq!(
            req["citizen_phone"], "+91XXXXXX6780",
            "masked for officials"
        );
        let (_, detail) = call(&b.router, get(&format!("/api/v1/requests/{}", req["id"]))).await;
        assert_eq!(detail["offers"][0]["status"], "accepted");

        // A day later the citizen is asked; their window has closed, so the follow-up is a template too.
        let out = b.run(T0 + 24 * 3600 + 120).await;
        let follow = only(&out, CITIZEN);
        assert!(
            follow.text.starts_with("[kaamgar_follow_up]"),
            "{}",
            follow.text
        );
        let done = follow
            .choices
            .iter()
            .find(|c| c.id.ends_with(":yes"))
            .unwrap()
            .id
            .clone();
        let out = b.template_tap(CITIZEN, T0 + 25 * 3600, &done).await;
        assert_eq!(only(&out, CITIZEN).choices.len(), 5, "rate 1 to 5");
        let out = b.text(CITIZEN, T0 + 25 * 3600 + 10, "5").await;
        assert!(only(&out, CITIZEN).text.contains("धन्यवाद"));
        let rated = b.store.get_worker(worker_id).await.unwrap();
        assert_eq!(
            (rated.rating_sum, rated.rating_count),
            (5, 1),
            "the rating reaches the registry"
        );
        let (_, rated_list) = call(&b.router, get("/api/v1/requests?status=rated")).await;
        assert_eq!(rated_list["requests"].as_array().unwrap().len(), 1);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn in_english_a_decline_and_a_silence_pass_the_lead_on_and_a_late_accept_changes_nothing() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let out = b.text(CITIZEN, T0, "I need a plumber in Marhaura").await;
    let list = only(&out, CITIZEN);
    assert!(
        list.text.contains("Plumber found near Marhaura"),
        "{}",
        list.text
    );
    let ids: Vec<String> = list.choices.iter().map(|c| c.id.clone()).collect();
    let (first, first_name) = worker_of(b.store.as_ref(), &ids[0]).await;
    let (second, second_name) = worker_of(b.store.as_ref(), &ids[1]).await;
    // The first worker wrote to us recently, so the lead comes with buttons rather than a template.
    b.text(&first, T0 - 100, "hello").await;
    let out = b.tap(CITIZEN, T0 + 10, &ids[0]).await;
    let lead = only(&out, &first);
    assert_eq!(lead.kind, "interactive");
    let decline = lead
        .choices
        .iter()
        .find(|c| c.id.ends_with(":no"))
        .unwrap()
        .id
        .clone();

    let out = b.tap(&first, T0 + 30, &decline).await;
    assert!(only(&out, &first).text.contains("other work"));
    let told = only(&out, CITIZEN);
    assert!(
        told.text.contains(&first_name)
            && told.text.contains(&second_name)
            && told.text.contains("cannot come"),
        "{}",
        told.text
    );
    let second_lead = only(&out, &second);
    let late_accept = second_lead
        .choices
        .iter()
        .find(|c| c.id.ends_with(":yes"))
        .unwrap()
        .id
        .clone();

    // Fifteen minutes of silence: the next one is asked and the citizen told.
    let out = b.run(T0 + 30 + 15 * 60 + 1).await;
    assert!(only(&out, CITIZEN).text.contains("did not answer in time"));
    assert_eq!(
        to(&out, &second).len(),
        0,
        "outside the window nothing free-form goes to the silent worker"
    );

    let out = b.template_tap(&second, T0 + 1000, &late_accept).await;
    assert!(
        only(&out, &second).text.contains("खुला नहीं"),
        "an expired Accept button (Hindi: the worker never wrote)"
    );
    assert_eq!(to(&out, CITIZEN).len(), 0, "the citizen is not disturbed");
    let (_, r) = call(&b.router, get("/api/v1/requests/1")).await;
    assert_eq!(r["status"], "offered");
    let statuses: Vec<&str> = r["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["declined", "expired", "offered"]);

    let out = b.text(CITIZEN, T0 + 1100, "cancel").await;
    assert!(only(&out, CITIZEN).text.contains("cancelled"));
    let (_, r) = call(&b.router, get("/api/v1/requests/1")).await;
    assert_eq!(r["status"], "cancelled");
    assert_eq!(r["offers"][2]["status"], "withdrawn");
    t.cleanup().await;
}

#[tokio::test]
async fn a_worker_registers_in_a_few_steps_pauses_leads_and_opts_out() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let me = "919700000042";
    let out = b.text(me, T0, "I am an electrician, I want work").await;
    assert!(
        only(&out, me).text.contains("Where do you want work"),
        "{:?}",
        out
    );
    let out = b
        .say(me, T0 + 5, json!({"type":"location","location":{"latitude":25.955,"longitude":84.81,"name":"Home"}}))
        .await;
    let consent = only(&out, me);
    assert!(consent.text.contains("Do you agree"));
    let out = b.tap(me, T0 + 10, "consent:yes").await;
    assert!(only(&out, me).text.contains("registered as Electrician"));
    let w = b
        .store
        .list_workers(
            &Default::default(),
            kaamgar_store::Page {
                after: 0,
                limit: 100,
            },
        )
        .await
        .unwrap();
    let mine = w
        .iter()
        .find(|w| w.data.phone.e164() == "+919700000042")
        .expect("registered");
    assert_eq!(mine.data.place.district, "Saran");
    assert!(
        !mine.verified,
        "self-registered workers wait for an official"
    );

    let out = b.text(me, T0 + 20, "व्यस्त").await;
    assert!(
        only(&out, me).text.contains("काम के संदेश नहीं"),
        "Devanagari switches the reply to Hindi"
    );
    assert_eq!(
        b.store.get_worker(mine.id).await.unwrap().data.availability,
        kaamgar_domain::worker::Availability::Busy
    );
    let out = b.text(me, T0 + 30, "khali").await;
    assert!(only(&out, me).text.contains("फिर से"));
    let out = b.text(me, T0 + 40, "English").await;
    assert!(only(&out, me).text.contains("English"));
    let out = b.text(me, T0 + 50, "main welder hoon").await;
    assert!(
        only(&out, me).text.contains("registered as Electrician"),
        "recognised, and English stays chosen"
    );
    let out = b.text(me, T0 + 60, "STOP").await;
    assert!(only(&out, me).text.contains("no more messages"));
    let out = b.text(me, T0 + 70, "plumber chahiye").await;
    assert!(
        only(&out, me).text.contains("START"),
        "after stop only the way back is offered"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn a_redelivered_message_is_handled_once_and_a_restart_loses_nothing() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let msg = b.message(CITIZEN, T0, json!({"type":"text","text":{"body":"नमस्ते"}}));
    assert_eq!(b.post(&msg).await, StatusCode::OK);
    assert_eq!(b.post(&msg).await, StatusCode::OK, "Meta redelivers");
    // The process dies before handling anything; a new one takes over from the inbox.
    drop(b.bot);
    let state = kaamgar::serve::state(&t.app).unwrap();
    let again = state.bot.clone().unwrap();
    let out = again.drain(T0 + 5).await.unwrap();
    assert_eq!(out.len(), 1, "one welcome for one message: {out:?}");
    assert!(again.drain(T0 + 6).await.unwrap().is_empty());
    assert_eq!(b.store.pending_inbound(10).await.unwrap().len(), 0);
    t.cleanup().await;
}

#[tokio::test]
async fn a_flood_from_one_number_is_cut_while_other_conversations_go_on() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let mut messages = Vec::new();
    for i in 0..40 {
        let mut m = json!({"type":"text","text":{"body":format!("spam {i}")}});
        m["from"] = json!(W1);
        m["id"] = json!(b.next_id());
        m["timestamp"] = json!(T0.to_string());
        messages.push(m);
    }
    let mut other = json!({"type":"text","text":{"body":"hello"}});
    other["from"] = json!(CITIZEN);
    other["id"] = json!(b.next_id());
    other["timestamp"] = json!(T0.to_string());
    messages.push(other);
    let body = envelope(
        json!([{"profile":{"name":"A"},"wa_id":W1},{"profile":{"name":"B"},"wa_id":CITIZEN}]),
        Value::Array(messages),
    );
    assert_eq!(b.post(&body).await, StatusCode::OK);
    let out = b.run(T0).await;
    let flood = to(&out, W1);
    assert!(
        flood.len() <= 9,
        "a burst of 8 and one slow-down, not 40: {}",
        flood.len()
    );
    assert!(
        flood.iter().any(|r| r.text.contains("तेज़ी")),
        "told to slow down once"
    );
    assert_eq!(
        to(&out, CITIZEN).len(),
        1,
        "the other conversation is answered"
    );
    assert_eq!(
        b.store.pending_inbound(100).await.unwrap().len(),
        0,
        "all stored and handled"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn media_is_answered_politely_and_an_unreadable_event_does_not_block_the_contact() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let out = b
        .say(
            CITIZEN,
            T0,
            json!({"type":"image","image":{"id":"1","mime_type":"image/jpeg","sha256":"x"}}),
        )
        .await;
    assert!(only(&out, CITIZEN).text.contains("सिर्फ़ लिखा हुआ"));
    let junk = NewInboxEvent {
        key: "m:junk".into(),
        kind: "message".into(),
        contact: CITIZEN.into(),
        payload: "{not json".into(),
    };
    b.store.ingest_inbound(&[junk], T0).await.unwrap();
    assert_eq!(
        b.post(&b.message(CITIZEN, T0 + 1, json!({"type":"text","text":{"body":"hi"}})))
            .await,
        StatusCode::OK
    );
    let mut answered = 0;
    for i in 0..kaamgar_web::bot::MAX_ATTEMPTS + 1 {
        answered += to(&b.run(T0 + 2 + i).await, CITIZEN).len();
    }
    assert_eq!(
        answered, 1,
        "the later message is answered once the broken one is set aside"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn a_message_refused_for_a_closed_window_is_sent_again_as_its_template() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let ids = b
        .store
        .enqueue_outbound(
            &[NewOutbound {
                contact: W1.into(),
                phone_number_id: PNID.into(),
                request: json!({"type":"interactive"}).to_string(),
                fallback: Some(json!({"type":"template"}).to_string()),
            }],
            T0,
        )
        .await
        .unwrap();
    b.store.claim_outbound(10, T0).await.unwrap();
    b.store
        .outbound_sent(ids[0], "wamid.LEAD1", T0)
        .await
        .unwrap();
    let status = json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp",
        "metadata":{"display_phone_number":"15550783881","phone_number_id":PNID},
        "statuses":[{"id":"wamid.LEAD1","status":"failed","timestamp":T0.to_string(),"recipient_id":W1,
        "errors":[{"code":131047,"title":"Re-engagement message"}]}]},"field":"messages"}]}]});
    assert_eq!(b.post(&status).await, StatusCode::OK);
    b.run(T0 + 1).await;
    let rec = b.store.outbound(ids[0]).await.unwrap();
    assert_eq!(rec.state, "queued", "back in the queue");
    let job = b.store.claim_outbound(10, T0 + 2).await.unwrap();
    assert_eq!(job[0].request, json!({"type":"template"}).to_string());
    t.cleanup().await;
}

#[tokio::test]
async fn the_web_chat_talks_to_the_same_bot_and_refuses_bad_input() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let res = tower::ServiceExt::oneshot(b.router.clone(), get("/chat"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let jar = cookie.split(';').next().unwrap().to_string();
    let post = |body: Value, with_cookie: bool| {
        let mut r =
            Request::post("/chat/messages").header(header::CONTENT_TYPE, "application/json");
        if with_cookie {
            r = r.header(header::COOKIE, jar.clone());
        }
        r.body(Body::from(body.to_string())).unwrap()
    };
    let (s, _) = call(
        &b.router,
        post(json!({"text": "I need a plumber in Marhaura"}), true),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    b.run(T0).await;
    let mut req = get("/chat/messages");
    req.headers_mut()
        .insert(header::COOKIE, jar.parse().unwrap());
    let (s, lines) = call(&b.router, req).await;
    assert_eq!(s, StatusCode::OK);
    let lines = lines["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let reply = lines.iter().find(|l| l["from_bot"] == true).unwrap();
    assert_eq!(
        reply["choices"].as_array().unwrap().len(),
        3,
        "the same three candidates"
    );
    for (bad, with_cookie) in [
        (json!({"text": ""}), true),
        (json!({"text": "x".repeat(5000)}), true),
        (
            json!({"text": "a", "location": {"lat": 1.0, "lon": 2.0}}),
            true,
        ),
        (json!({"location": {"lat": 900.0, "lon": 2.0}}), true),
        (json!({"text": "hi"}), false),
    ] {
        let (s, body) = call(&b.router, post(bad, with_cookie)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    }
    t.cleanup().await;
}
