//! The record of an uploaded list, whichever door it came through (dashboard, API, command line): the upload row
//! and its audit row written together before the import starts, and how it ended with its capped report.

use crate::dashboard::audit::{self, Actor, Outcome};
use crate::{AppState, ImportFailure, ImportResult};
use kaamgar_domain::access::Scope;
use kaamgar_store::{ImportSummary, NewUpload, UploadEnd};

pub use kaamgar_app::imports::upload_area;

/// Records an upload (queued) and its audit row in one transaction; returns the upload's id.
pub(crate) async fn record_upload(
    state: &AppState,
    who: Actor<'_>,
    origin: &'static str,
    scope: &Scope,
    file_name: &str,
) -> Result<i64, kaamgar_store::StoreError> {
    let area = upload_area(&state.places, scope);
    let entry = audit::entry(
        state,
        who,
        "upload",
        None,
        Outcome::Ok,
        Some(format!("{file_name} ({origin})")),
    );
    state
        .store
        .create_upload(
            &NewUpload {
                user_id: who.user_id,
                origin,
                district: area.district,
                block: area.block,
                file_name: file_name.to_string(),
            },
            state.clock.now(),
            &entry,
        )
        .await
}

/// Records how an upload ended, with the stored copy of its report. A failure to record is logged: the import
/// itself has happened.
pub(crate) async fn record_end(
    state: &AppState,
    id: i64,
    result: &Result<ImportResult, ImportFailure>,
) {
    let (status, run, summary, message, report) = match result {
        Ok(r) => {
            let s = &r.summary;
            let summary = ImportSummary {
                rows: s.rows,
                inserted: s.inserted,
                updated: s.updated,
                unchanged: s.unchanged,
                rejected: s.rejected,
                warned: s.warned,
                empty: s.empty,
            };
            let report = r.report_csv.as_deref().map(String::from_utf8_lossy);
            ("done", Some(r.run), summary, None, report)
        }
        Err(ImportFailure::Rejected(m)) => (
            "rejected",
            None,
            ImportSummary::default(),
            Some(m.as_str()),
            None,
        ),
        Err(ImportFailure::Internal(m)) => {
            tracing::error!(upload.id = id, error = %m, "upload failed");
            ("failed", None, ImportSummary::default(), None, None)
        }
    };
    let end = UploadEnd {
        status,
        run_id: run,
        summary,
        message,
        report: report.as_deref(),
    };
    if let Err(e) = state.store.finish_upload(id, &end, state.clock.now()).await {
        tracing::error!(upload.id = id, error = %e, "recording the end of an upload failed");
    }
}
