//! Service requests as officials see them: the list, and a request with its offers and its conversation.

mod requests;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(requests::list))
        .route("/requests/{id}", get(requests::detail))
}
