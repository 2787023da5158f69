//! List upload through the API. The list (CSV or XLSX) is the request body, or the part `file` of a multipart form;
//! the answer is a summary and the first rejected rows, or the rejected-row report as CSV with `?report=csv`. Each
//! upload is recorded like a dashboard upload (origin `api`).

use crate::extract::ApiScope;
use crate::{ApiError, AppState};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, FromRequest};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use kaamgar_domain::access::Scope;
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use kaamgar_app::imports::{
    ImportCounts, ImportFailure, ImportProgress, ImportRequest, ImportResult, ListImporter,
    SkippedSheet,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The original file name, for the import record.
    pub file_name: Option<String>,
    /// `csv` to receive the rejected-row report as a CSV file instead of JSON.
    pub report: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/imports", params(ImportQuery),
    request_body(description = "the list file: CSV (any common encoding) or XLSX, as the body, or as the part `file` of a multipart/form-data body",
        content((Vec<u8> = "text/csv"), (UploadForm = "multipart/form-data"))),
    responses((status = 200, description = "the import's summary, or with `report=csv` the report as CSV",
        content((ImportResult = "application/json"), (String = "text/csv"))), (status = 413, description = "file too large"), (status = 415, description = "not a spreadsheet content type"), (status = 422, description = "file cannot be imported; nothing was written")))]
pub async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<ImportQuery>,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let want_csv = wants_csv(q.report.as_deref())?;
    let limit = state.max_upload_bytes;
    let (name, body) = uploaded_list(&state, req, q.file_name, "import_empty", limit).await?;
    let gate = &state.dashboard.imports;
    let ticket = gate.enter().ok_or_else(|| ApiError::Unavailable {
        code: "import_busy",
        message: "several lists are being imported; try again in a few minutes".into(),
    })?;
    let id =
        crate::upload_record::record_upload(&state, caller.actor(), "api", &caller.scope, &name)
            .await?;
    let req = ImportRequest {
        file_name: name,
        body: body.into(),
        only: (caller.scope != Scope::All).then(|| caller.scope.clone()),
        progress: Arc::default(),
    };
    // The import runs in a task of its own, so a client that gives up (or the request timeout) does not leave the
    // recorded upload queued: it is imported and its end recorded all the same, and it is listed with the uploads.
    let st = state.clone();
    let import = tokio::spawn(async move {
        let _turn = ticket.turn().await;
        if let Err(e) = st.store.start_upload(id).await {
            tracing::warn!(upload.id = id, error = %e, "recording the start of an upload failed");
        }
        let result = st.importer.import(req).await;
        crate::upload_record::record_end(&st, id, &result).await;
        st.dashboard.stats.invalidate();
        result
    });
    let result = import
        .await
        .map_err(|e| ApiError::Internal(format!("the import task stopped: {e}")))?;
    match result {
        Ok(mut result) => match result.report_csv.take() {
            Some(csv) if want_csv => Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"rejected-rows.csv\"",
                    ),
                ],
                csv,
            )
                .into_response()),
            _ => Ok(Json(result).into_response()),
        },
        Err(ImportFailure::Rejected(message)) => Err(ApiError::Unprocessable {
            code: "import_rejected",
            message,
        }),
        Err(ImportFailure::Internal(detail)) => Err(ApiError::Internal(detail)),
    }
}

/// Whether the report is wanted as CSV (`report=csv`) rather than JSON.
pub(crate) fn wants_csv(report: Option<&str>) -> Result<bool, ApiError> {
    match report {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(ApiError::bad_request(
            "invalid_query",
            "report must be json or csv",
        )),
    }
}

/// An uploaded list with the name it is recorded under (the query's, else the form part's, at most 200
/// characters); an empty file is refused with `empty_code`, one over `limit` bytes as too large.
pub(crate) async fn uploaded_list(
    state: &AppState,
    req: axum::extract::Request,
    file_name: Option<String>,
    empty_code: &'static str,
    limit: usize,
) -> Result<(String, Bytes), ApiError> {
    let (part_name, body) = list_body(state, req, limit).await?;
    if body.is_empty() {
        return Err(ApiError::Unprocessable {
            code: empty_code,
            message: "the uploaded file is empty".into(),
        });
    }
    let name = file_name
        .or(part_name)
        .unwrap_or_else(|| "upload".into())
        .chars()
        .take(200)
        .collect();
    Ok((name, body))
}

/// The list of an upload request: the whole body under a spreadsheet content type, or the part `file` of a
/// `multipart/form-data` body (with its file name). Other content types are refused before the body is read.
async fn list_body(
    state: &AppState,
    req: axum::extract::Request,
    limit: usize,
) -> Result<(Option<String>, Bytes), ApiError> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the file is larger than {} MB; split the list",
            limit.div_ceil(1024 * 1024)
        ))
    };
    if is_multipart(req.headers()) {
        let mut form = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| ApiError::bad_request("invalid_body", e.body_text()))?;
        loop {
            let field = match form.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(e) => return Err(ApiError::bad_request("invalid_body", e.body_text())),
            };
            if field.name() != Some("file") {
                continue;
            }
            let name = field.file_name().map(str::to_string);
            return match field.bytes().await {
                Ok(b) => Ok((name, b)),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
                Err(e) => Err(ApiError::bad_request("invalid_body", e.body_text())),
            };
        }
        return Err(ApiError::bad_request(
            "invalid_body",
            "the multipart body has no part named file",
        ));
    }
    if !is_spreadsheet_type(req.headers()) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the list as the body with Content-Type one of: {}, or as the part file of multipart/form-data",
            SPREADSHEET_TYPES.join(", ")
        )));
    }
    let body = Bytes::from_request(req, state).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => too_large(),
        other => ApiError::bad_request("invalid_body", other.body_text()),
    })?;
    Ok((None, body))
}

fn is_multipart(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// A list sent as a multipart form (`curl -F file=@list.csv`). Only the OpenAPI document uses this type: the handler
/// reads the form part by part (`list_body`).
#[derive(Debug, utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "describes the form in the OpenAPI document; never built"
)]
pub struct UploadForm {
    /// The list file, CSV or XLSX; its file name is kept with the upload.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Content types a list upload may carry besides `multipart/form-data`. Every call needs a bearer token, which no
/// page on another site can add to a form it posts; a plain form's `text/plain` or urlencoded body is refused all
/// the same, so a list never arrives as form text.
pub const SPREADSHEET_TYPES: [&str; 6] = [
    "text/csv",
    "application/csv",
    "text/tab-separated-values",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "application/octet-stream",
];

fn is_spreadsheet_type(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            SPREADSHEET_TYPES
                .iter()
                .any(|s| s.eq_ignore_ascii_case(t.trim()))
        })
}

/// One list import at a time per server: an import fills the single SQLite writer (or a PostgreSQL connection)
/// for seconds, and several at once only make each slower and multiply memory. The others wait their turn in
/// arrival order, visibly (`queued`); beyond [`ImportGate::MAX_WAITING`] an upload is refused until one finishes.
#[derive(Debug, Clone)]
pub struct ImportGate(Arc<GateInner>);

#[derive(Debug)]
struct GateInner {
    turn: Arc<tokio::sync::Semaphore>,
    waiting: AtomicU64,
}

impl Default for ImportGate {
    fn default() -> Self {
        ImportGate(Arc::new(GateInner {
            turn: Arc::new(tokio::sync::Semaphore::new(1)),
            waiting: AtomicU64::new(0),
        }))
    }
}

/// A place in the import queue; dropping it leaves the queue.
#[derive(Debug)]
pub struct ImportTicket(Arc<GateInner>);

impl ImportGate {
    /// Uploads that may wait behind the running one (each holds its file in memory meanwhile).
    pub const MAX_WAITING: u64 = 4;

    /// Joins the queue, or `None` when it is full.
    pub fn enter(&self) -> Option<ImportTicket> {
        let inner = &self.0;
        let mut n = inner.waiting.load(Ordering::Relaxed);
        loop {
            if n > Self::MAX_WAITING {
                return None;
            }
            match inner
                .waiting
                .compare_exchange(n, n + 1, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return Some(ImportTicket(inner.clone())),
                Err(now) => n = now,
            }
        }
    }
}

impl ImportTicket {
    /// Waits for this upload's turn; the turn lasts as long as the permit.
    pub async fn turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.0.turn.clone().acquire_owned().await.ok()
    }
}

impl Drop for ImportTicket {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

/// `/imports`: list uploads, with their own body limit.
pub(super) fn routes(state: &AppState) -> Router<AppState> {
    Router::new().route(
        "/imports",
        post(upload).layer(DefaultBodyLimit::max(state.max_upload_bytes)),
    )
}

#[cfg(test)]
mod gate_tests {
    use super::ImportGate;

    #[tokio::test]
    async fn imports_take_turns_and_a_full_queue_refuses() {
        let gate = ImportGate::default();
        let first = gate.enter().unwrap();
        let turn = first.turn().await.unwrap();
        let waiting: Vec<_> = (0..ImportGate::MAX_WAITING)
            .map(|_| gate.enter().unwrap())
            .collect();
        assert!(gate.enter().is_none(), "the queue is full");
        let second = &waiting[0];
        let pending =
            tokio::time::timeout(std::time::Duration::from_millis(50), second.turn()).await;
        assert!(pending.is_err(), "the second waits while the first runs");
        drop(turn);
        drop(first);
        assert!(second.turn().await.is_some());
        assert!(gate.enter().is_some(), "a place is free again");
    }
}
