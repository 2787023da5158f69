//! The registry's pages: the list of workers with filters and its download, a worker's profile, adding one
//! worker, and the edit, verification and erasure forms.

mod download;
mod profile;
mod worker_edit;
mod worker_new;
mod workers;

pub(crate) use workers::{Choice, choices, trade_name, trade_options};

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/workers", get(workers::list).post(worker_new::create))
        .route("/workers/new", get(worker_new::form))
        .route("/workers/export.csv", get(download::download))
        .route(
            "/workers/{id}",
            get(profile::profile).post(worker_edit::save),
        )
        .route("/workers/{id}/edit", get(worker_edit::edit))
        .route("/workers/{id}/verify", post(worker_edit::verify))
        .route("/workers/{id}/erasure", post(worker_edit::erasure))
}
