//! The public check of a certificate: `/verify/{id}` says in Hindi and English whether it is valid, revoked,
//! expired or unknown, and shows only what the certificate itself says (never a phone number). `?format=json`
//! answers the same for machines. `/status-lists/{id}` is the district's revocation list, signed afresh.

use super::super::i18n::Lang;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use kaamgar_app::training::TrainingError;
use kaamgar_domain::training::check::Verdict;
use kaamgar_store::StoreError;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct VerifyParams {
    format: Option<String>,
    lang: Option<String>,
}

/// What the page shows of a certificate: only fields the credential carries.
#[derive(Debug, Default)]
pub struct Shown {
    pub name: String,
    pub office: String,
    pub certificate_en: String,
    pub certificate_hi: String,
    pub programme_en: String,
    pub programme_hi: String,
    pub centre: String,
    pub district: String,
    pub hours: String,
    pub completed: String,
    pub valid_from: String,
    pub valid_until: String,
    pub issuer: String,
}

fn shown(v: &Value) -> Shown {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let subject = v.get("credentialSubject").cloned().unwrap_or_default();
    let a = subject.get("achievement").cloned().unwrap_or_default();
    Shown {
        name: s(&subject, "name"),
        office: s(&subject, "office"),
        certificate_en: s(&a, "certificate"),
        certificate_hi: s(&a, "certificateHi"),
        programme_en: s(&a, "name"),
        programme_hi: s(&a, "nameHi"),
        centre: s(&a, "centre"),
        district: s(&a, "district"),
        hours: a.get("hours").map(Value::to_string).unwrap_or_default(),
        completed: s(&subject, "completed"),
        valid_from: s(v, "validFrom").chars().take(10).collect(),
        valid_until: s(v, "validUntil").chars().take(10).collect(),
        issuer: s(v, "issuer"),
    }
}

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    pub lang: Lang,
    /// valid, revoked, expired, not_yet_valid, invalid or not_found.
    pub state: &'static str,
    pub id: String,
    pub shown: Option<Shown>,
}

impl VerifyPage {
    fn t(&self, key: &str) -> &'static str {
        self.lang.s(key)
    }

    fn verdict_text(&self) -> &'static str {
        self.lang.s(&format!("cert_{}", self.state))
    }
}

fn state_of(v: &Verdict) -> &'static str {
    match v {
        Verdict::Valid => "valid",
        Verdict::Revoked | Verdict::Suspended => "revoked",
        Verdict::Expired => "expired",
        Verdict::NotYetValid => "not_yet_valid",
        _ => "invalid",
    }
}

/// `GET /verify/{id}`: public, no sign-in.
pub async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<VerifyParams>,
    headers: HeaderMap,
) -> Response {
    let lang = match q.lang.as_deref() {
        Some("en") => Lang::En,
        Some("hi") => Lang::Hi,
        _ => headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map_or(Lang::Hi, Lang::from_accept),
    };
    let found = state.training.verify(&id, state.clock.now()).await;
    let (status, verdict, shown) = match &found {
        Ok(a) => (
            StatusCode::OK,
            state_of(&a.verdict),
            Some(shown(&a.credential)),
        ),
        Err(TrainingError::Store(StoreError::NotFound)) => {
            (StatusCode::NOT_FOUND, "not_found", None)
        }
        Err(e) => {
            tracing::error!(error = %e, "a certificate could not be checked");
            (StatusCode::INTERNAL_SERVER_ERROR, "invalid", None)
        }
    };
    if q.format.as_deref() == Some("json") {
        let body = serde_json::json!({
            "id": id.chars().take(64).collect::<String>(),
            "status": verdict,
            "credential": found.ok().map(|a| a.credential),
        });
        return (
            status,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(body),
        )
            .into_response();
    }
    let page = VerifyPage {
        lang,
        state: verdict,
        id: id.chars().take(64).collect(),
        shown,
    };
    match page.render() {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the verify page did not render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// PDFs being drawn at once.
static PDF_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// `GET /verify/{id}/certificate.pdf`: the certificate to print or send, with its QR code (drawn off the async
/// runtime). A withdrawn one still prints, so its holder sees what was withdrawn; an erased one is gone.
pub async fn pdf(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(maker) = state.certificate_pdf.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // Drawing a PDF takes a core for a few milliseconds; anyone may ask, so only two are drawn at a time.
    let Ok(_slot) = PDF_SLOTS.try_acquire() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
        )
            .into_response();
    };
    let answer = match state.training.verify(&id, state.clock.now()).await {
        Ok(a) if !a.credential.is_null() => a,
        Ok(_) | Err(TrainingError::Store(StoreError::NotFound)) => {
            return StatusCode::NOT_FOUND.into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "a certificate could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let url = format!(
        "{}/verify/{}",
        state.training.issuer.public_url, answer.certificate.id
    );
    let name = format!("certificate-{}.pdf", answer.certificate.id);
    let stamp = match answer.verdict {
        Verdict::Valid => None,
        Verdict::Revoked | Verdict::Suspended => Some("रद्द · REVOKED"),
        Verdict::Expired => Some("समाप्त · EXPIRED"),
        Verdict::NotYetValid => Some("अभी मान्य नहीं · NOT YET VALID"),
        _ => Some("मान्य नहीं · NOT VALID"),
    };
    let made =
        tokio::task::spawn_blocking(move || maker.render(&answer.credential, &url, stamp)).await;
    match made {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{name}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        other => {
            tracing::error!(error = ?other.map(|r| r.err()), "a certificate PDF could not be drawn");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /status-lists/{id}`: the district's revocation list as a signed `BitstringStatusListCredential`.
pub async fn status_list(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.training.status_list(id, state.clock.now()).await {
        Ok(v) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            v.to_string(),
        )
            .into_response(),
        Err(TrainingError::Store(StoreError::NotFound)) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a status list could not be signed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
