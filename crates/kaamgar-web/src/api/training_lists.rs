//! `POST /api/v1/batches/{id}/enrolments/upload`: a list of trainees (CSV or XLSX, Hindi or English headers) as
//! the body or the part `file` of a multipart form, each row enrolled — or invited — on its own; the answer is
//! every row's outcome, or the same report as CSV with `?report=csv`.

use super::imports::{uploaded_list, wants_csv};
use super::training::by;
use crate::extract::{ApiPath, ApiQuery, ApiScope};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router, routing};
use kaamgar_app::training::{ListHow, ListReport, TrainingError};
use kaamgar_domain::ids::BatchId;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The original file name (tells CSV from XLSX when the content does not).
    pub file_name: Option<String>,
    /// When the batch is full: the waiting list (true) or refuse (false, the default).
    pub wait_if_full: Option<bool>,
    /// Send each a WhatsApp invitation instead of enrolling them.
    pub invite: Option<bool>,
    /// `csv` for the report as a CSV file.
    pub report: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/batches/{id}/enrolments/upload",
    params(("id" = i64, Path, description = "the batch's id"), ListQuery),
    request_body(description = "the list: CSV (any common encoding) or XLSX, as the body or the part `file` of a multipart/form-data body; columns नाम/name, मोबाइल/phone, पद/office, पंचायत/panchayat, प्रखंड/block, जिला/district, or worker id",
        content((Vec<u8> = "text/csv"), (super::imports::UploadForm = "multipart/form-data"))),
    responses((status = 200, description = "every row's outcome, or with `report=csv` the report as CSV",
        content((ListReport = "application/json"), (String = "text/csv"))),
        (status = 413, description = "file too large"), (status = 415, description = "not a spreadsheet content type"),
        (status = 422, body = crate::error::ErrorBody, description = "not a list of trainees; nothing was written")))]
pub async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let want_csv = wants_csv(q.report.as_deref())?;
    // The caller's right to the batch before the body is read.
    state.training.managed_batch(&caller, BatchId(id)).await?;
    let limit = list_limit(&state);
    let (name, body) = uploaded_list(&state, req, q.file_name, "list_empty", limit).await?;
    let how = ListHow {
        wait_if_full: q.wait_if_full.unwrap_or(false),
        invite: q.invite.unwrap_or(false),
    };
    let report = state
        .training
        .enrol_file(
            by(&caller),
            BatchId(id),
            Vec::from(body),
            &name,
            how,
            state.clock.now(),
        )
        .await
        .map_err(list_error)?;
    if want_csv {
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"enrolment-report.csv\"",
                ),
            ],
            report.csv(),
        )
            .into_response());
    }
    Ok(Json(report).into_response())
}

/// A file that is not a list of trainees is the request's fault (422), not a conflict.
fn list_error(e: TrainingError) -> ApiError {
    match e {
        TrainingError::Refused { code, message } if code.starts_with("list_") => {
            ApiError::Unprocessable { code, message }
        }
        other => other.into(),
    }
}

/// Most bytes a list of trainees may have: 10,000 rows of CSV are about 1 MB, as XLSX less.
pub const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

/// The body limit of a trainee list (the server's upload limit when that is lower).
pub fn list_limit(state: &AppState) -> usize {
    MAX_LIST_BYTES.min(state.max_upload_bytes)
}

/// The upload route, with the list's own body limit.
pub(super) fn routes(state: &AppState) -> Router<AppState> {
    Router::new().route(
        "/batches/{id}/enrolments/upload",
        routing::post(upload).layer(DefaultBodyLimit::max(list_limit(state))),
    )
}
