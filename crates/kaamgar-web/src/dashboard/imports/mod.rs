//! List uploads: the upload form and the list of uploads, an upload's progress and its rejected-row report.

mod uploads;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

pub use uploads::UploadTracker;

pub(super) fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/uploads",
            get(uploads::list)
                .post(uploads::upload)
                .layer(DefaultBodyLimit::max(state.max_upload_bytes + 64 * 1024)),
        )
        .route("/uploads/{id}", get(uploads::status))
        .route("/uploads/{id}/report.csv", get(uploads::report))
}
