//! The list import use case as the front doors see it: a request (the file and who may import what), its result
//! (counts, the first problems, the capped report), progress for a page to show, and where an upload is listed.
//! The file readers implement [`ListImporter`] in the binary; the web crate and the command line call it.

use async_trait::async_trait;
use kaamgar_domain::access::Scope;
use kaamgar_store::Area;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The list import use case, implemented where the file readers live.
#[async_trait]
pub trait ListImporter: Send + Sync {
    async fn import(&self, req: ImportRequest) -> Result<ImportResult, ImportFailure>;
}

/// One uploaded list to import.
#[derive(Debug)]
pub struct ImportRequest {
    pub file_name: String,
    pub body: Vec<u8>,
    /// Rows placed outside this jurisdiction are rejected.
    pub only: Option<Scope>,
    /// Updated while the import runs (for the dashboard's progress bar).
    pub progress: Arc<ImportProgress>,
}

/// Progress of an import: units done and total (bytes for CSV, rows for XLSX).
#[derive(Debug, Default)]
pub struct ImportProgress {
    pub done: AtomicU64,
    pub total: AtomicU64,
}

impl ImportProgress {
    /// Percent done, 0–100.
    pub fn percent(&self) -> u8 {
        let total = self.total.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed).min(total);
        (done * 100).checked_div(total).map_or(0, |p| p as u8)
    }
}

#[derive(Debug)]
pub enum ImportFailure {
    /// The file cannot be imported as a whole; nothing was written.
    Rejected(String),
    Internal(String),
}

// An import's counts as the API answers them: the store's `ImportSummary` with its OpenAPI schema (the store crate
// carries no schema types). A plain comment, so the public document stays as it is.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportCounts {
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Rows imported with a warning (a doubtful value kept or left empty); the report lists each.
    pub warned: u64,
    pub empty: u64,
}

impl From<&kaamgar_store::ImportSummary> for ImportCounts {
    fn from(s: &kaamgar_store::ImportSummary) -> Self {
        ImportCounts {
            rows: s.rows,
            inserted: s.inserted,
            updated: s.updated,
            unchanged: s.unchanged,
            rejected: s.rejected,
            warned: s.warned,
            empty: s.empty,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkippedSheet {
    pub sheet: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    pub run: i64,
    pub summary: ImportCounts,
    pub unrecognised_columns: Vec<String>,
    pub skipped_sheets: Vec<SkippedSheet>,
    /// The first rejected rows (sheet, line, column, value, code, reason).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub errors: Vec<serde_json::Value>,
    /// All rejected cells and rows, of which `errors` shows the first.
    pub errors_total: u64,
    #[serde(skip)]
    pub report_csv: Option<Vec<u8>>,
}

/// The district and block an upload is listed under: the uploader's jurisdiction, or the service area's district
/// when the area is one district (so its officials see a list imported by the state or the command line).
pub fn upload_area(places: &kaamgar_domain::places::PlaceDirectory, scope: &Scope) -> Area {
    let mut area = Area::of(scope);
    if area.district.is_none() {
        let districts = places.area();
        if let [only] = districts {
            area.district = places.district(*only).map(|d| d.name.clone());
        }
    }
    area
}
