//! Service requests as officials see them: the list with its filters, a request with its offers and its
//! conversation, and what an official does to a request that waits (offer it to another worker, call the
//! citizen, close it).

mod request;
mod request_actions;
mod requests;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(requests::list))
        .route("/requests/{id}", get(request::detail))
        .route("/requests/{id}/reoffer", post(request_actions::reoffer))
        .route("/requests/{id}/close", post(request_actions::close))
        .route("/requests/{id}/call", post(request_actions::call))
}
