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
            .outbound_delivery("wamid.SENT1", "delivered", None, None, 0)
            .await
            .unwrap()
    );
    t.cleanup().await;
}
