//! The list import use case as the CLI and the HTTP API call it.

use crate::app::{App, now};
use crate::import::record::Tee;
use crate::import::report::{MemoryReport, ReportSink};
use crate::import::source::Input;
use crate::import::{ImportError, ImportOptions, ImportOutcome, Progress, import_list};
use async_trait::async_trait;
use kaamgar_app::imports::{
    ImportCounts, ImportFailure, ImportRequest, ImportResult, ListImporter, SkippedSheet,
};
use kaamgar_domain::worker::ConsentMethod;
use std::io::Cursor;
use std::sync::Arc;

/// Errors shown to an API client at most; the CSV report has them all.
const API_ERRORS_SHOWN: usize = 1000;

pub async fn run(
    app: &App,
    input: Input,
    opts: &ImportOptions,
    report: &mut dyn ReportSink,
    progress: Arc<Progress>,
) -> Result<ImportOutcome, ImportError> {
    import_list(
        app.store.as_ref(),
        app.trades.clone(),
        app.places.clone(),
        input,
        opts,
        report,
        progress,
    )
    .await
}

#[derive(Debug, Clone)]
pub struct ApiImporter {
    pub app: App,
}

#[async_trait]
impl ListImporter for ApiImporter {
    async fn import(&self, req: ImportRequest) -> Result<ImportResult, ImportFailure> {
        let ImportRequest {
            file_name,
            body,
            only,
            progress,
        } = req;
        let opts = ImportOptions {
            file_name,
            source: "uploaded list".into(),
            consent: ConsentMethod::SurveyForm,
            now: now(),
            only,
        };
        let input = Input::Memory(Cursor::new(body));
        // The first problems for a JSON answer, and the capped CSV report that is stored with the upload.
        let mut shown = MemoryReport::new(API_ERRORS_SHOWN);
        let mut report =
            Tee::new(&mut shown).map_err(|e| ImportFailure::Internal(e.to_string()))?;
        let outcome = run(&self.app, input, &opts, &mut report, progress).await;
        let total = report.count();
        let csv = report.stored().map(String::into_bytes);
        let errors = shown
            .errors
            .iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .collect();
        let o = outcome.map_err(|e| match e {
            ImportError::Rejected(m) => ImportFailure::Rejected(m),
            ImportError::Internal(e) => ImportFailure::Internal(format!("{e:#}")),
        })?;
        tracing::info!(
            import.run = o.run,
            import.rows = o.summary.rows,
            import.rejected = o.summary.rejected,
            "list imported through the API"
        );
        Ok(ImportResult {
            run: o.run,
            summary: ImportCounts::from(&o.summary),
            unrecognised_columns: o.unrecognised_columns,
            skipped_sheets: o
                .skipped_sheets
                .into_iter()
                .map(|n| SkippedSheet {
                    sheet: n.sheet,
                    note: n.note,
                })
                .collect(),
            errors,
            errors_total: total,
            report_csv: csv,
        })
    }
}
