//! The web chat at `/chat`: the same bot as WhatsApp, for people without it. A browser gets an anonymous chat id in
//! an HttpOnly cookie; what it sends is stored in the inbox like a WhatsApp message (contact `web:<id>`) and handled
//! by the same engine; the replies are read back from the transcript. The page itself is static.

use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use kaamgar_app::conversation::shown;
use kaamgar_domain::conversation::Shown;
use kaamgar_domain::whatsapp::{ContactRef, InboundEvent, InboundMessage, MessageBody};
use kaamgar_store::Said;
use serde::{Deserialize, Serialize};

/// A chat message is small.
pub(super) const BODY_LIMIT: usize = 64 * 1024;

const PAGE: &str = include_str!("../../assets/chat.html");
const COOKIE: &str = "kaamgar_chat";
/// Longest text accepted, as on WhatsApp.
const MAX_TEXT: usize = 4096;

fn chat_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn new_id() -> Result<String, ApiError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// `GET /chat`: the page; a first visit gets its chat id.
pub async fn page(headers: HeaderMap) -> Result<Response, ApiError> {
    let mut resp = Html(PAGE).into_response();
    if chat_id(&headers).is_none() {
        let cookie = format!(
            "{COOKIE}={}; Path=/chat; HttpOnly; SameSite=Strict; Max-Age=2592000",
            new_id()?
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The page is one file with its own inline style and script; nothing else may load or frame it.
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    Ok(resp)
}

#[derive(Debug, Serialize)]
pub struct Line {
    pub id: i64,
    pub from_bot: bool,
    pub at: i64,
    #[serde(flatten)]
    pub shown: Shown,
}

#[derive(Debug, Serialize)]
pub struct Lines {
    pub lines: Vec<Line>,
}

fn missing_session() -> ApiError {
    ApiError::BadRequest {
        code: "chat_session_missing",
        message: "open /chat first: the chat id cookie is missing".into(),
    }
}

/// `GET /chat/messages`: the conversation so far (the last 60 lines).
pub async fn lines(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Lines>, ApiError> {
    let id = chat_id(&headers).ok_or_else(missing_session)?;
    let rows = state.store.chat_lines(&web_key(&id), 60).await?;
    let lines = rows
        .into_iter()
        .map(|r| Line {
            id: r.id,
            from_bot: matches!(r.said, Said::Bot(_)),
            at: r.at,
            shown: shown(&r.said),
        })
        .collect();
    Ok(Json(Lines { lines }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sent {
    pub text: Option<String>,
    /// A tapped choice: its id and title.
    pub choice: Option<SentChoice>,
    pub location: Option<SentLocation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentChoice {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentLocation {
    pub lat: f64,
    pub lon: f64,
}

/// `POST /chat/messages`: stores what the person sent; the reply appears in `GET /chat/messages` shortly after.
pub async fn send(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::extract::ApiJson(sent): crate::extract::ApiJson<Sent>,
) -> Result<impl IntoResponse, ApiError> {
    let id = chat_id(&headers).ok_or_else(missing_session)?;
    let bad = |m: &str| ApiError::BadRequest {
        code: "chat_message_invalid",
        message: m.into(),
    };
    let body = match (sent.text, sent.choice, sent.location) {
        (Some(t), None, None) => {
            let t = t.trim().to_string();
            if t.is_empty() || t.chars().count() > MAX_TEXT {
                return Err(bad("text must be 1 to 4096 characters"));
            }
            MessageBody::Text { body: t }
        }
        (None, Some(c), None) => {
            if c.id.is_empty() || c.id.len() > 256 || c.title.chars().count() > 100 {
                return Err(bad(
                    "a choice needs an id of at most 256 bytes and a short title",
                ));
            }
            MessageBody::ButtonReply {
                id: c.id,
                title: c.title,
            }
        }
        (None, None, Some(l)) => {
            if !(l.lat.is_finite()
                && l.lon.is_finite()
                && l.lat.abs() <= 90.0
                && l.lon.abs() <= 180.0)
            {
                return Err(bad("lat and lon must be coordinates"));
            }
            MessageBody::Location {
                lat: l.lat,
                lon: l.lon,
                name: None,
                address: None,
            }
        }
        _ => return Err(bad("send exactly one of text, choice or location")),
    };
    let now = state.clock.now();
    let key = web_key(&id);
    let event = InboundEvent::Message(InboundMessage {
        id: format!("web-{id}-{}", new_id()?),
        phone_number_id: String::new(),
        from: ContactRef {
            wa_id: None,
            user_id: Some(key.clone()),
            name: None,
        },
        timestamp: now,
        body,
        context_id: None,
    });
    let row = kaamgar_app::conversation::inbox_row(&event, &key)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .inbox
        .write(vec![row], now)
        .await
        .map_err(ApiError::Internal)?;
    if let Some(bot) = &state.bot {
        bot.inbound.notify_one();
    }
    Ok(StatusCode::ACCEPTED)
}

/// The contact key of a web chat session.
fn web_key(id: &str) -> String {
    kaamgar_domain::channel::ContactKey::new(kaamgar_domain::channel::Channel::Web, id).to_string()
}
