//! The WhatsApp Cloud API webhook: `GET /webhooks/whatsapp` answers Meta's verification, `POST` checks the
//! `X-Hub-Signature-256` HMAC of the raw body in constant time, parses every event and stores them all in one
//! transaction before answering 200, so an event Meta was told about is never lost; a redelivery is recognised and
//! not stored twice. Processing happens afterwards, from the inbox.

use crate::extract::constant_time_eq;
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use kaamgar_domain::whatsapp::parse_webhook;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Meta's notifications are a few kilobytes; anything near this is not one.
pub const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct Verification {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// `GET /webhooks/whatsapp`: echoes the challenge when the verify token matches.
pub async fn verify(State(state): State<AppState>, Query(v): Query<Verification>) -> Response {
    let Some(expected) = state.whatsapp.verify_token.as_deref() else {
        return (
            StatusCode::FORBIDDEN,
            "WhatsApp verification is not configured",
        )
            .into_response();
    };
    let token_ok = v
        .token
        .as_deref()
        .is_some_and(|t| constant_time_eq(t.as_bytes(), expected.as_bytes()));
    match (v.mode.as_deref(), token_ok, v.challenge) {
        (Some("subscribe"), true, Some(challenge)) if challenge.len() <= 512 => {
            (StatusCode::OK, challenge).into_response()
        }
        _ => (StatusCode::FORBIDDEN, "verification failed").into_response(),
    }
}

#[derive(Debug, Serialize)]
pub struct Received {
    pub stored: usize,
    pub duplicates: usize,
}

/// `POST /webhooks/whatsapp`: signature, parse, store, then 200.
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Received>, ApiError> {
    let Some(secret) = state.whatsapp.app_secret.as_deref() else {
        return Err(ApiError::Unavailable {
            code: "whatsapp_not_configured",
            message: "KAAMGAR_WHATSAPP_APP_SECRET is not set".into(),
        });
    };
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json {
        return Err(ApiError::UnsupportedMediaType(
            "the webhook takes application/json".into(),
        ));
    }
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unsigned {
            code: "signature_missing",
            message: "X-Hub-Signature-256 is missing".into(),
        })?;
    if !signature_matches(secret.as_bytes(), &body, signature) {
        tracing::warn!(bytes = body.len(), "webhook with a bad signature refused");
        return Err(ApiError::Unsigned {
            code: "signature_invalid",
            message: "X-Hub-Signature-256 does not match the body".into(),
        });
    }
    let events = parse_webhook(&body)
        .map_err(|e| ApiError::bad_request("webhook_invalid", e.to_string()))?;
    let rows = events
        .iter()
        .map(|e| kaamgar_app::conversation::inbox_row(e, e.contact_key().unwrap_or("unknown")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| ApiError::Internal(err.to_string()))?;
    let (stored, duplicates) = state
        .inbox
        .write(rows, state.clock.now())
        .await
        .map_err(ApiError::Internal)?;
    if stored > 0
        && let Some(bot) = &state.bot
    {
        bot.inbound.notify_one();
    }
    let rejected = events
        .iter()
        .filter(|e| matches!(e, kaamgar_domain::whatsapp::InboundEvent::Rejected(_)))
        .count();
    if rejected > 0 {
        tracing::warn!(
            webhook.rejected = rejected,
            "webhook events that could not be read were recorded"
        );
        metrics::counter!("kaamgar_webhook_events_total", "outcome" => "rejected")
            .increment(rejected as u64);
    }
    metrics::counter!("kaamgar_webhook_events_total", "outcome" => "stored")
        .increment(stored as u64);
    metrics::counter!("kaamgar_webhook_events_total", "outcome" => "duplicate")
        .increment(duplicates as u64);
    Ok(Json(Received { stored, duplicates }))
}

/// `sha256=<hex>` of HMAC-SHA256(secret, body), compared in constant time.
pub fn signature_matches(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Some(given) = decode_hex(hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256={hex}")
    }

    #[test]
    fn a_signature_matches_only_its_body_and_secret() {
        let sig = sign(b"s3cret", b"{\"a\":1}");
        assert!(signature_matches(b"s3cret", b"{\"a\":1}", &sig));
        assert!(signature_matches(
            b"s3cret",
            b"{\"a\":1}",
            &sig.to_uppercase().replace("SHA256=", "sha256=")
        ));
        assert!(!signature_matches(b"s3cret", b"{\"a\":2}", &sig));
        assert!(!signature_matches(b"other", b"{\"a\":1}", &sig));
        assert!(!signature_matches(b"s3cret", b"{\"a\":1}", "sha256=zz"));
        assert!(!signature_matches(b"s3cret", b"{\"a\":1}", "sha1=abc"));
        assert!(!signature_matches(b"s3cret", b"{\"a\":1}", ""));
    }
}
