//! The whole URL space in one screen.

use crate::{
    AppState, chat, dashboard, extract, health, imports, matching, openapi, reference, requests,
    whatsapp, workers,
};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// JSON bodies are small; only list uploads may be large.
const JSON_LIMIT: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/workers", get(workers::list).post(workers::create))
        .route(
            "/workers/{id}",
            get(workers::get)
                .put(workers::replace)
                .delete(workers::remove),
        )
        .route(
            "/workers/{id}/availability",
            post(workers::set_availability),
        )
        .route("/workers/{id}/verification", post(workers::set_verified))
        .route("/workers/{id}/erasure", post(workers::erase))
        .route(
            "/imports",
            post(imports::upload).layer(DefaultBodyLimit::max(state.max_upload_bytes)),
        )
        .route("/match", get(matching::find))
        .route("/requests", get(requests::list))
        .route("/requests/{id}", get(requests::get))
        .route("/trades", get(reference::trades))
        .route("/places/pin/{pin}", get(reference::by_pin))
        .route("/places/blocks", get(reference::blocks))
        .route("/places/nearest", get(reference::nearest))
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            extract::require_token,
        ))
        // Answers carry personal data: no browser or proxy keeps them.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    Router::new()
        .merge(dashboard::routes(&state))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/openapi.json", get(openapi::document))
        .nest("/api/v1", api)
        .route("/chat", get(chat::page))
        .route(
            "/chat/messages",
            get(chat::lines)
                .post(chat::send)
                .layer(DefaultBodyLimit::max(JSON_LIMIT)),
        )
        .route(
            "/webhooks/whatsapp",
            get(whatsapp::verify)
                .post(whatsapp::receive)
                .layer(DefaultBodyLimit::max(whatsapp::MAX_WEBHOOK_BYTES)),
        )
        .layer(axum::middleware::from_fn(dashboard::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            health::check_host,
        ))
        .layer(axum::middleware::from_fn(health::track))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(120),
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(health::request_span))
        .with_state(state)
}
