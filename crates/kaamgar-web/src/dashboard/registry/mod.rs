//! The registry's pages: the list of workers with filters, a worker's profile, and the edit, verification and
//! erasure forms.

mod profile;
mod worker_edit;
mod workers;

pub(crate) use workers::{Choice, trade_name};

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/workers", get(workers::list))
        .route(
            "/workers/{id}",
            get(profile::profile).post(worker_edit::save),
        )
        .route("/workers/{id}/edit", get(worker_edit::edit))
        .route("/workers/{id}/verify", post(worker_edit::verify))
        .route("/workers/{id}/erasure", post(worker_edit::erasure))
}
