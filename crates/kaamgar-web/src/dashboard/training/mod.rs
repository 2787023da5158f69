//! Training's pages. `verify`: the public check of a certificate (`/verify/{id}`) and the districts' signed
//! revocation lists (`/status-lists/{id}`), both open to anyone holding a certificate.

mod verify;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/verify/{id}", get(verify::page))
        .route("/status-lists/{id}", get(verify::status_list))
}
