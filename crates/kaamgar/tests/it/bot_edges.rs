//! The bot's edges: media it cannot read, an unreadable stored event, a message refused for a closed window, and the
//! web chat on the same engine with its bad input.

use crate::bot_support;
use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use bot_support::*;
use common::{call, get};
use kaamgar_domain::channel::Channel;
use kaamgar_domain::conversation::Reply;
use kaamgar_store::{NewInboxEvent, NewOutbound, OutMessage};
use serde_json::{Value, json};

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
    for i in 0..kaamgar_app::conversation::MAX_ATTEMPTS + 1 {
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
    let template = Reply::Template {
        name: "new_lead".into(),
        language: "hi".into(),
        body_params: vec!["प्लंबर".into()],
        quick_replies: vec!["lead_yes".into()],
        document: None,
    };
    let ids = b
        .store
        .enqueue_outbound(
            &[NewOutbound {
                contact: W1.into(),
                channel: Channel::WhatsApp,
                sender_id: PNID.into(),
                recipient: Some(W1.into()),
                message: Reply::Text {
                    body: "काम है".into(),
                },
                fallback: Some(template.clone()),
            }],
            T0,
        )
        .await
        .unwrap();
    b.store
        .claim_outbound(Channel::WhatsApp, 10, T0)
        .await
        .unwrap();
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
    let job = b
        .store
        .claim_outbound(Channel::WhatsApp, 10, T0 + 2)
        .await
        .unwrap();
    assert_eq!(job[0].message, OutMessage::Reply(template));
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

fn desk_entry(action: &str, at: i64) -> kaamgar_store::AuditEntry {
    kaamgar_store::AuditEntry {
        at,
        user_id: None,
        actor: "desk".into(),
        action: action.into(),
        target: Some("request:1".into()),
        outcome: "ok".into(),
        detail: None,
        ip: None,
    }
}

#[tokio::test]
async fn an_official_asks_another_worker_and_closes_a_request_the_bot_follows() {
    use kaamgar_app::conversation::desk;
    use kaamgar_domain::ids::RequestId;
    use kaamgar_domain::request::CloseReason;
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let out = b.text(CITIZEN, T0, "I need a plumber in Marhaura").await;
    let ids: Vec<String> = only(&out, CITIZEN)
        .choices
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let (first, first_name) = worker_of(b.store.as_ref(), &ids[0]).await;
    b.text(&first, T0 - 100, "hello").await;
    b.tap(CITIZEN, T0 + 10, &ids[0]).await;
    // The first worker sits on the lead; the office asks for another worker.
    desk::ask_another(
        b.store.as_ref(),
        RequestId(1),
        &desk_entry("request.reoffer", T0 + 60),
    )
    .await
    .unwrap();
    let out = b.run(T0 + 61).await;
    assert!(
        only(&out, &first).text.contains("no longer open"),
        "the first worker is told the lead is gone: {out:#?}"
    );
    let (_, r) = call(&b.router, get("/api/v1/requests/1")).await;
    assert_eq!(r["status"], "offered");
    let offers = r["offers"].as_array().unwrap();
    assert_eq!(offers.len(), 2, "{r}");
    assert_eq!(offers[0]["status"], "withdrawn");
    assert_eq!(offers[1]["status"], "offered");
    assert_ne!(offers[0]["worker_id"], offers[1]["worker_id"]);
    let second = b
        .store
        .get_worker(offers[1]["worker_id"].as_i64().unwrap())
        .await
        .unwrap();
    let told = only(&out, CITIZEN);
    assert!(
        told.text.contains(&second.data.name) && !told.text.contains(&first_name),
        "the citizen hears who is asked now: {}",
        told.text
    );
    // With nobody else free, asking again changes nothing: the second worker keeps the lead.
    for w in b
        .store
        .list_workers(
            &Default::default(),
            kaamgar_store::Page {
                after: 0,
                limit: 10,
            },
        )
        .await
        .unwrap()
    {
        if w.id != second.id {
            b.store
                .set_availability(w.id, kaamgar_domain::worker::Availability::Busy, T0 + 70)
                .await
                .unwrap();
        }
    }
    desk::ask_another(
        b.store.as_ref(),
        RequestId(1),
        &desk_entry("request.reoffer", T0 + 80),
    )
    .await
    .unwrap();
    assert!(b.run(T0 + 81).await.is_empty(), "nobody told anything");
    let (_, r) = call(&b.router, get("/api/v1/requests/1")).await;
    assert_eq!(r["offers"].as_array().unwrap().len(), 2);
    assert_eq!(r["offers"][1]["status"], "offered");
    let log = b.store.audit_log(i64::MAX, 10, None).await.unwrap();
    assert!(
        log.iter().any(|(_, a)| a.action == "request.reoffer"),
        "audited with the change"
    );

    // Closed by the office: the open lead is withdrawn, the reason kept, and nothing more can be done to it.
    desk::close(
        b.store.as_ref(),
        RequestId(1),
        CloseReason::ServedOutside,
        &desk_entry("request.close", T0 + 120),
    )
    .await
    .unwrap();
    let (_, r) = call(&b.router, get("/api/v1/requests/1")).await;
    assert_eq!(r["status"], "cancelled");
    assert_eq!(r["offers"][1]["status"], "withdrawn");
    let again = desk::close(
        b.store.as_ref(),
        RequestId(1),
        CloseReason::Duplicate,
        &desk_entry("request.close", T0 + 130),
    )
    .await;
    assert!(
        matches!(again, Err(desk::DeskError::Refused(_))),
        "{again:?}"
    );
    let again = desk::ask_another(
        b.store.as_ref(),
        RequestId(1),
        &desk_entry("request.reoffer", T0 + 140),
    )
    .await;
    assert!(matches!(again, Err(desk::DeskError::Refused(_))));
    let log = b.store.audit_log(i64::MAX, 10, None).await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|(_, a)| a.action == "request.close")
            .count(),
        1,
        "a refused change writes no audit row of its own here: {log:?}"
    );
    assert!(b.run(T0 + 200).await.is_empty(), "nothing else happens");
    t.cleanup().await;
}
