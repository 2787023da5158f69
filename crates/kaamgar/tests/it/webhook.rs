//! The WhatsApp webhook as Meta calls it: verification, signed notifications stored once before the 200, and every
//! kind of bad request refused with nothing stored — on SQLite and (when configured) PostgreSQL.

use crate::common;
use kaamgar_store::prelude::*;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{call, get};
use hmac::{Hmac, Mac};
use kaamgar_web::WhatsAppSecrets;
use sha2::Sha256;
use std::sync::Arc;

const SECRET: &str = "app-secret-for-tests";

fn router(t: &common::TestApp, configured: bool) -> axum::Router {
    let mut state = kaamgar::serve::state(&t.app).unwrap();
    if configured {
        state.whatsapp = WhatsAppSecrets {
            verify_token: Some(Arc::from("verify-me")),
            app_secret: Some(Arc::from(SECRET)),
        };
    }
    kaamgar_web::router(state)
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

fn post(body: &[u8], signature: Option<&str>, content_type: &str) -> Request<Body> {
    let mut r = Request::post("/webhooks/whatsapp").header(header::CONTENT_TYPE, content_type);
    if let Some(s) = signature {
        r = r.header("X-Hub-Signature-256", s);
    }
    r.body(Body::from(body.to_vec())).unwrap()
}

fn notification() -> String {
    r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sunita"},"wa_id":"919876543210"},{"profile":{"name":"Ramesh"},"wa_id":"919800000001","user_id":"IN.1648738043044942"}],"messages":[{"from":"919876543210","id":"wamid.T1","timestamp":"1749416383","type":"text","text":{"body":"plumber chahiye marhaura me"}},{"from":"919800000001","id":"wamid.T2","timestamp":"1749416384","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"accept:1","title":"स्वीकार"}}}]},"field":"messages"}]},{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.OUT9","status":"failed","timestamp":"1749416385","recipient_id":"919800000002","errors":[{"code":131047,"title":"Re-engagement message"}]}]},"field":"messages"}]}]}"#.to_string()
}

async fn pending(t: &common::TestApp) -> usize {
    t.app.store.pending_inbound(100).await.unwrap().len()
}

#[tokio::test]
async fn meta_verification_echoes_the_challenge_only_for_the_right_token() {
    let t = common::sqlite_app().await;
    let r = router(&t, true);
    let ok = Request::get(
        "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444",
    )
    .body(Body::empty())
    .unwrap();
    let res = tower::ServiceExt::oneshot(r.clone(), ok).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&body[..], b"1158201444");
    for uri in [
        "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
        "/webhooks/whatsapp?hub.verify_token=verify-me&hub.challenge=1",
        "/webhooks/whatsapp",
    ] {
        let (s, _) = call(&r, get(uri)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{uri}");
    }
    let (s, _) = call(
        &router(&t, false),
        get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1"),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    t.cleanup().await;
}

#[tokio::test]
async fn a_signed_notification_is_stored_before_the_200_and_a_redelivery_only_once() {
    for t in common::apps().await {
        let r = router(&t, true);
        let body = notification();
        let (s, v) = call(
            &r,
            post(
                body.as_bytes(),
                Some(&sign(body.as_bytes())),
                "application/json",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["stored"].as_u64(), v["duplicates"].as_u64()),
            (Some(3), Some(0)),
            "{v}"
        );
        let events = t.app.store.pending_inbound(100).await.unwrap();
        assert_eq!(events.len(), 3);
        let contacts: Vec<&str> = events.iter().map(|e| e.contact.as_str()).collect();
        assert!(
            contacts.contains(&"IN.1648738043044942"),
            "keyed on the business-scoped id: {contacts:?}"
        );
        assert!(events.iter().any(|e| e.payload.contains("131047")));

        let (s, v) = call(
            &r,
            post(
                body.as_bytes(),
                Some(&sign(body.as_bytes())),
                "application/json; charset=utf-8",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (v["stored"].as_u64(), v["duplicates"].as_u64()),
            (Some(0), Some(3)),
            "{v}"
        );
        assert_eq!(pending(&t).await, 3);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_message_without_a_type_is_recorded_and_the_valid_messages_beside_it_are_stored() {
    for t in common::apps().await {
        let r = router(&t, true);
        // The second message has no "type" (seen from a misbehaving client); the first and third are fine.
        let body = notification().replace(
            r#"{"from":"919800000001","id":"wamid.T2","timestamp":"1749416384","type":"interactive","#,
            r#"{"from":"919800000001","id":"wamid.T2","timestamp":"1749416384","#,
        );
        assert!(!body.contains(r#""timestamp":"1749416384","type""#));
        let (s, v) = call(
            &r,
            post(
                body.as_bytes(),
                Some(&sign(body.as_bytes())),
                "application/json",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["stored"].as_u64(), Some(3), "{v}");
        let events = t.app.store.pending_inbound(100).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == "message").count(),
            1,
            "{kinds:?}"
        );
        assert_eq!(
            kinds.iter().filter(|k| **k == "status").count(),
            1,
            "{kinds:?}"
        );
        let bad = events
            .iter()
            .find(|e| e.kind == "rejected")
            .expect("the bad one is recorded");
        assert!(bad.payload.contains("wamid.T2"), "{}", bad.payload);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn bad_requests_are_refused_and_nothing_is_stored() {
    let t = common::sqlite_app().await;
    let r = router(&t, true);
    let body = notification();
    let good = sign(body.as_bytes());
    let tampered = body.replace("marhaura", "chapra");
    let malformed = b"{\"object\":\"whatsapp_business_account\",\"entry\":[".to_vec();
    let page = br#"{"object":"page","entry":[]}"#.to_vec();
    let huge = vec![b' '; kaamgar_web::MAX_WEBHOOK_BYTES + 1];
    let cases: Vec<(Request<Body>, StatusCode)> = vec![
        (
            post(body.as_bytes(), None, "application/json"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            post(body.as_bytes(), Some("sha256=00"), "application/json"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            post(tampered.as_bytes(), Some(&good), "application/json"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            post(&malformed, Some(&sign(&malformed)), "application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            post(&page, Some(&sign(&page)), "application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            post(body.as_bytes(), Some(&good), "text/plain"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            post(&huge, Some(&sign(&huge)), "application/json"),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (i, (req, want)) in cases.into_iter().enumerate() {
        let (s, v) = call(&r, req).await;
        assert_eq!(s, want, "case {i}: {v}");
    }
    assert_eq!(pending(&t).await, 0, "nothing stored");
    // Without an app secret the webhook refuses everything.
    let (s, v) = call(
        &router(&t, false),
        post(body.as_bytes(), Some(&good), "application/json"),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(pending(&t).await, 0);
    t.cleanup().await;
}
