//! The outbox sender against a fake Graph API (wiremock): what kaamgar sends, and what it does with Meta's answers.

use crate::common;

use kaamgar::whatsapp_sender::{GraphClient, Sender, WINDOW_CLOSED};
use kaamgar_domain::channel::Channel;
use kaamgar_domain::conversation::{Choice, Reply};
use kaamgar_store::{NewOutbound, Store};
use serde_json::json;
use std::sync::Arc;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn msg(contact: &str, text: &str) -> NewOutbound {
    NewOutbound {
        contact: contact.into(),
        channel: Channel::WhatsApp,
        sender_id: "106540352242922".into(),
        recipient: Some(contact.into()),
        message: Reply::Text { body: text.into() },
        fallback: None,
    }
}

#[tokio::test]
async fn messages_reach_the_graph_api_and_meta_answers_decide_their_fate() {
    let t = common::sqlite_app().await;
    let graph = MockServer::start().await;
    let error = |code: i64| {
        ResponseTemplate::new(400).set_body_json(
            json!({"error":{"message":"m","type":"OAuthException","code":code,"fbtrace_id":"X"}}),
        )
    };
    Mock::given(method("POST"))
        .and(path("/v23.0/106540352242922/messages"))
        .and(header("authorization", "Bearer test-token"))
        .and(body_json(json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"919800000001","type":"text","text":{"preview_url":false,"body":"नमस्ते"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"messaging_product":"whatsapp","contacts":[{"input":"919800000001","wa_id":"919800000001"}],"messages":[{"id":"wamid.SENT1"}]})))
        .expect(1)
        .mount(&graph)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"919800000002","type":"text","text":{"preview_url":false,"body":"busy"}})))
        .respond_with(error(130_429))
        .mount(&graph)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"919800000003","type":"text","text":{"preview_url":false,"body":"late"}})))
        .respond_with(error(WINDOW_CLOSED))
        .mount(&graph)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"919800000004","type":"text","text":{"preview_url":false,"body":"down"}})))
        .respond_with(ResponseTemplate::new(503))
        .mount(&graph)
        .await;

    let store: Arc<dyn Store> = t.app.store.clone();
    let ids = store
        .enqueue_outbound(
            &[
                msg("919800000001", "नमस्ते"),
                msg("919800000002", "busy"),
                msg("919800000003", "late"),
                msg("919800000004", "down"),
            ],
            1000,
        )
        .await
        .unwrap();
    let client = GraphClient::new(&format!("{}/v23.0", graph.uri()), "test-token").unwrap();
    let sender = Sender::new(store.clone(), client, 80.0);
    assert_eq!(sender.run_once(1000).await.unwrap(), 4);

    let sent = store.outbound(ids[0]).await.unwrap();
    assert_eq!(
        (sent.state.as_str(), sent.wamid.as_deref()),
        ("sent", Some("wamid.SENT1"))
    );
    let throttled = store.outbound(ids[1]).await.unwrap();
    assert_eq!(
        (throttled.state.as_str(), throttled.error_code),
        ("queued", Some(130_429))
    );
    let window = store.outbound(ids[2]).await.unwrap();
    assert_eq!(
        (window.state.as_str(), window.error_code),
        ("failed", Some(WINDOW_CLOSED))
    );
    let down = store.outbound(ids[3]).await.unwrap();
    assert_eq!(down.state, "queued", "a server error is retried");

    // Nothing is due again until the backoff has passed.
    assert_eq!(sender.run_once(1001).await.unwrap(), 0);
    assert!(sender.run_once(1000 + 300).await.unwrap() >= 1);
    // Delivery statuses from the webhook find the message by Meta's id.
    assert!(
        store
            .outbound_delivery(&delivered("wamid.SENT1", "delivered"), 0)
            .await
            .unwrap()
    );
    t.cleanup().await;
}

#[tokio::test]
async fn a_message_whose_outcome_cannot_be_recorded_does_not_stop_the_others_and_is_sent_later() {
    use sqlx::Connection;
    let t = common::sqlite_app().await;
    let graph = MockServer::start().await;
    // Meta accepted the second message before its outcome failed to be recorded, so it is sent twice: sending is at
    // least once, never lost.
    for (to, times) in [
        ("919800000011", 1),
        ("919800000012", 2),
        ("919800000013", 1),
    ] {
        Mock::given(method("POST"))
            .and(wiremock::matchers::body_partial_json(json!({ "to": to })))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"messaging_product":"whatsapp","messages":[{"id":format!("wamid.{to}")}]}),
            ))
            .expect(times)
            .mount(&graph)
            .await;
    }
    let store: Arc<dyn Store> = t.app.store.clone();
    let ids = store
        .enqueue_outbound(
            &[
                msg("919800000011", "one"),
                msg("919800000012", "two"),
                msg("919800000013", "three"),
            ],
            1000,
        )
        .await
        .unwrap();
    // The database refuses to record the second message as sent (as a full disk or a lost connection would).
    let url = format!("sqlite://{}", t.dir.path().join("k.db").display());
    let mut raw = sqlx::sqlite::SqliteConnection::connect(&url).await.unwrap();
    let trigger = format!(
        "CREATE TRIGGER refuse_one BEFORE UPDATE OF state ON outbox \
         WHEN NEW.id = {} AND NEW.state = 'sent' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
        ids[1]
    );
    sqlx::query(sqlx::AssertSqlSafe(trigger))
        .execute(&mut raw)
        .await
        .unwrap();
    let client = GraphClient::new(&format!("{}/v23.0", graph.uri()), "test-token").unwrap();
    let sender = Sender::new(store.clone(), client, 1000.0);
    assert_eq!(sender.run_once(1000).await.unwrap(), 3);
    let state = |id: i64| {
        let store = store.clone();
        async move { store.outbound(id).await.unwrap().state }
    };
    assert_eq!(state(ids[0]).await, "sent");
    assert_eq!(state(ids[1]).await, "sending", "stays claimed");
    assert_eq!(
        state(ids[2]).await,
        "sent",
        "the batch went on after the failure"
    );

    // Once the database accepts writes again, the stuck message is requeued and sent.
    sqlx::query("DROP TRIGGER refuse_one")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    assert_eq!(store.requeue_stuck_outbound(1001).await.unwrap(), 1);
    assert_eq!(sender.run_once(1002).await.unwrap(), 1);
    assert_eq!(state(ids[1]).await, "sent");
    graph.verify().await;
    t.cleanup().await;
}

#[tokio::test]
async fn the_sender_renders_replies_for_whatsapp_and_sends_older_rows_as_they_were_stored() {
    let t = common::sqlite_app().await;
    let graph = MockServer::start().await;
    let ok = |id: &str| {
        ResponseTemplate::new(200)
            .set_body_json(json!({"messaging_product":"whatsapp","messages":[{"id":id}]}))
    };
    // A person known only by their business-scoped user id is addressed by it.
    Mock::given(method("POST"))
        .and(body_json(json!({"messaging_product":"whatsapp","recipient_type":"individual",
            "recipient":"IN.1349120865530274191","type":"interactive","interactive":{"type":"button",
            "body":{"text":"काम मिला?"},"action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"हाँ"}}]}}})))
        .respond_with(ok("wamid.BSUID"))
        .expect(1)
        .mount(&graph)
        .await;
    // A row queued before the outbox kept replies holds Graph's own body, sent byte for byte.
    let old = r#"{"messaging_product":"whatsapp","recipient_type":"individual","to":"919800000021","type":"text","text":{"preview_url":false,"body":"पुराना"}}"#;
    Mock::given(method("POST"))
        .and(body_json(
            serde_json::from_str::<serde_json::Value>(old).unwrap(),
        ))
        .respond_with(ok("wamid.OLD"))
        .expect(1)
        .mount(&graph)
        .await;
    let store: Arc<dyn Store> = t.app.store.clone();
    let buttons = NewOutbound {
        recipient: Some("IN.1349120865530274191".into()),
        message: Reply::Buttons {
            body: "काम मिला?".into(),
            buttons: vec![Choice {
                id: "yes".into(),
                title: "हाँ".into(),
                description: None,
            }],
            footer: None,
        },
        ..msg("IN.1349120865530274191", "")
    };
    // A reply WhatsApp cannot take (no buttons) fails at once, without a call; a web chat reply is never claimed.
    let broken = NewOutbound {
        message: Reply::Buttons {
            body: "x".into(),
            buttons: vec![],
            footer: None,
        },
        ..msg("919800000022", "")
    };
    let local = NewOutbound {
        contact: "web:abc".into(),
        channel: Channel::Web,
        sender_id: String::new(),
        recipient: None,
        ..msg("", "web")
    };
    let ids = store
        .enqueue_outbound(&[buttons, broken, local], 1000)
        .await
        .unwrap();
    let url = format!("sqlite://{}", t.dir.path().join("k.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO outbox (contact, sender_id, message, state, next_at, created_at) \
         VALUES ('919800000021', '106540352242922', $1, 'queued', 1000, 1000)",
    )
    .bind(old)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let client = GraphClient::new(&format!("{}/v23.0", graph.uri()), "test-token").unwrap();
    let sender = Sender::new(store.clone(), client, 1000.0);
    assert_eq!(
        sender.run_once(1000).await.unwrap(),
        3,
        "the web chat's reply is not WhatsApp's"
    );
    let rec = |id: i64| {
        let store = store.clone();
        async move { store.outbound(id).await.unwrap() }
    };
    assert_eq!(rec(ids[0]).await.wamid.as_deref(), Some("wamid.BSUID"));
    let broken = rec(ids[1]).await;
    assert_eq!(broken.state, "failed");
    assert!(
        broken.error.unwrap().contains("buttons"),
        "the reason is kept"
    );
    assert_eq!(rec(ids[2]).await.state, "local");
    assert_eq!(rec(ids[2] + 1).await.wamid.as_deref(), Some("wamid.OLD"));
    graph.verify().await;
    t.cleanup().await;
}

fn delivered<'a>(id: &'a str, status: &'a str) -> kaamgar_store::Delivery<'a> {
    kaamgar_store::Delivery {
        provider_id: id,
        status,
        code: None,
        error: None,
        window_closed: false,
    }
}
