//! The whole URL space in one screen; each part's routes are declared beside its handlers.
//!
//! | path | part |
//! | --- | --- |
//! | `/`, `/signin`, `/signout`, `/lang`, `/workers…`, `/uploads…`, `/requests…`, `/training…`, `/audit`, `/static/app.css` | the dashboard (`dashboard::routes`, a folder per capability) |
//! | `/verify/{id}`, `/status-lists/{id}` | public: a certificate's check and the districts' signed revocation lists (`dashboard::training`) |
//! | `/api/v1/workers…`, `/imports`, `/match`, `/requests…`, `/trades`, `/places/…`, `/centres…`, `/programmes…`, `/batches…`, `/certificates…` | the API (`api::routes`, a module per capability) |
//! | `/api/v1/openapi.json` | the API's document |
//! | `/chat`, `/chat/messages`, `/webhooks/whatsapp` | the channels (`channels::routes`) |
//! | `/healthz`, `/metrics` | operations |

use crate::{AppState, api, channels, dashboard, health};
use axum::Router;
use axum::routing::get;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(dashboard::routes(&state))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/openapi.json", get(api::openapi::document))
        .nest("/api/v1", api::routes(&state))
        .merge(channels::routes())
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
