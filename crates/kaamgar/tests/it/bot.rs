//! The WhatsApp bot end to end: Meta's webhook payloads in, the bot's messages out (read back from the outbox), for
//! every flow of the issue in Hindi and English; redelivery, restart and floods.

use crate::bot_support;
use crate::common;

use axum::http::StatusCode;
use bot_support::*;
use common::{call, get};
use serde_json::{Value, json};

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
    assert!(
        only(&out, me).text.contains("How many years"),
        "experience is asked: {out:?}"
    );
    let out = b.text(me, T0 + 7, "8 years").await;
    let consent = only(&out, me);
    assert!(consent.text.contains("Do you agree") && consent.text.contains("8 years"));
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
    assert_eq!(
        mine.data.experience_years,
        Some(8),
        "years of work, never an age"
    );
    assert_eq!(mine.data.age, None);
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
async fn typed_answers_work_where_buttons_were_shown() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let out = b.text(CITIZEN, T0, "plumber chahiye marhaura me").await;
    let chosen = only(&out, CITIZEN).choices[0].id.clone();
    let (worker_wa, _) = worker_of(b.store.as_ref(), &chosen).await;
    let out = b.pick(CITIZEN, T0 + 20, &chosen).await;
    assert_eq!(only(&out, &worker_wa).kind, "template");
    // The worker types instead of tapping.
    let out = b.text(&worker_wa, T0 + 60, "haan ji kar dunga").await;
    assert!(
        only(&out, &worker_wa).text.contains("+919123456780"),
        "a typed yes accepts the lead"
    );
    assert!(!to(&out, CITIZEN).is_empty(), "the citizen is told");
    // A typed answer with no question open is read as a message, not as an answer.
    let out = b.text(&worker_wa, T0 + 90, "haan").await;
    assert!(
        !only(&out, &worker_wa).text.contains("+919123456780"),
        "nothing is accepted twice"
    );
    // The day after, the citizen answers the follow-up in words.
    let out = b.run(T0 + 24 * 3600 + 120).await;
    assert!(
        !to(&out, CITIZEN).is_empty(),
        "asked whether the work was done"
    );
    let out = b.text(CITIZEN, T0 + 25 * 3600, "haan kaam ho gaya").await;
    assert_eq!(only(&out, CITIZEN).choices.len(), 5, "rate 1 to 5");
    t.cleanup().await;
}

#[tokio::test]
async fn a_complaint_or_a_question_is_answered_without_a_search() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    for (msg, says) in [
        ("kal jo mistri aaya tha usne paise zyada liye", "शिकायत"),
        ("ration card kaise banega", "योजनाओं"),
        (
            "Thank you, the plumber did good work",
            "Thank you for telling us",
        ),
    ] {
        let out = b.text(CITIZEN, T0, msg).await;
        let reply = only(&out, CITIZEN);
        assert!(reply.text.contains(says), "{msg}: {}", reply.text);
        assert!(
            !reply.choices.iter().any(|c| c.id.starts_with("pick:")),
            "{msg}: no workers offered"
        );
    }
    let (_, list) = call(&b.router, get("/api/v1/requests")).await;
    assert_eq!(
        list["requests"].as_array().unwrap().len(),
        0,
        "no request opened"
    );
    t.cleanup().await;
}
