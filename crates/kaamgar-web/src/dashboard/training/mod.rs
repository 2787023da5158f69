//! Training's pages: `batches` (`/training`, every batch by programme and phase with the programme's totals),
//! `batch` (a batch's register and, for whoever runs it, the attendance list to tick), `enrol_list` (a list of
//! trainees uploaded from the batch page, every row's outcome shown), `trainee` (one trainee's
//! record), and `verify` — the public check of a certificate (`/verify/{id}`) and the districts' signed
//! revocation lists (`/status-lists/{id}`), open to anyone holding a certificate.

mod batch;
mod batches;
mod enrol_list;
mod qr;
mod trainee;
mod verify;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub(super) fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/training", get(batches::list))
        .route("/training/batches/{id}", get(batch::show))
        .route("/training/batches/{id}/attendance", post(batch::mark))
        .route(
            "/training/batches/{id}/enrolments",
            post(enrol_list::upload)
                .layer(DefaultBodyLimit::max(state.max_upload_bytes + 64 * 1024)),
        )
        .route("/training/enrolments/{id}", get(trainee::show))
        .route("/verify/{id}", get(verify::page))
        .route("/verify/{id}/certificate.pdf", get(verify::pdf))
        .route("/status-lists/{id}", get(verify::status_list))
}
