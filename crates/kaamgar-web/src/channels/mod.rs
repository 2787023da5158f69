//! The ways people talk to kaamgar over HTTP: WhatsApp's webhook and the web chat. Both write to the inbox; the
//! conversation service answers through the outbox.

mod chat;
pub mod inbox_writer;
mod whatsapp;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

pub use whatsapp::{MAX_WEBHOOK_BYTES, signature_matches};

/// `/chat`, `/chat/messages` and `/webhooks/whatsapp`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/chat", get(chat::page))
        .route(
            "/chat/messages",
            get(chat::lines)
                .post(chat::send)
                .layer(DefaultBodyLimit::max(chat::BODY_LIMIT)),
        )
        .route(
            "/webhooks/whatsapp",
            get(whatsapp::verify)
                .post(whatsapp::receive)
                .layer(DefaultBodyLimit::max(whatsapp::MAX_WEBHOOK_BYTES)),
        )
}
