//! The JSON API under `/api/v1`, one module per capability, each with its `routes()`; every route needs an API
//! token and answers `no-store`. The OpenAPI document is generated from the handlers' annotations.

mod certificates;
pub(crate) mod imports;
mod matching;
pub(crate) mod openapi;
mod places;
mod requests;
mod training;
mod training_acts;
pub(crate) mod training_lists;
pub(crate) mod workers;

use crate::{AppState, extract};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};

/// JSON bodies are small; only list uploads may be large.
const JSON_LIMIT: usize = 64 * 1024;

/// The API's URL space (under `/api/v1`).
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(workers::routes()) // /workers, /workers/{id}[/availability|/verification|/erasure]
        .merge(matching::routes()) // /match
        .merge(requests::routes()) // /requests, /requests/{id}
        .merge(places::routes()) // /trades, /places/pin/{pin}, /places/blocks, /places/nearest
        .merge(training::routes()) // /centres, /programmes, /batches[/{id}/enrolments|attendance|assessments|completion]
        .merge(certificates::routes()) // /certificates[/{id}[/revocation|/reissue]]
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .merge(imports::routes(state)) // /imports (its own body limit)
        .merge(training_lists::routes(state)) // /batches/{id}/enrolments/upload (the same)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            extract::require_token,
        ))
        // Answers carry personal data: no browser or proxy keeps them.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

use tower_http::set_header::SetResponseHeaderLayer;
