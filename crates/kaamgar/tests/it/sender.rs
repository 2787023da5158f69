//! The outbox sender against a fake Graph API (wiremock): what kaamgar sends, and what it does with Meta's answers.

use crate::common;

use kaamgar::whatsapp_sender::{GraphClient, Sender, WINDOW_CLOSED};
use kaamgar_store::{NewOutbound, Store};
use serde_json::json;
use std::sync::Arc;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn msg(contact: &str, text: &str) -> NewOutbound {
    NewOutbound {
        contact: contact.into(),
        phone_number_id: "106540352242922".into(),
        request: json!({"messaging_product":"whatsapp","recipient_type":"individual","to":contact,
                        "type":"text","text":{"preview_url":false,"body":text}})
        .to_string(),
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

fn delivered<'a>(id: &'a str, status: &'a str) -> kaamgar_store::Delivery<'a> {
    kaamgar_store::Delivery {
        provider_id: id,
        status,
        code: None,
        error: None,
        window_closed: false,
    }
}
