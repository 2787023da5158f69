//! Bulk import of skill-mapping lists (CSV or XLSX): a blocking reader thread parses and validates rows, the async
//! side writes them batch by batch. Memory stays bounded (a few batches in flight), every rejected row is reported,
//! and nothing is written before a usable header row has been found.

pub mod command;
pub mod record;
pub mod report;
pub mod source;
pub mod xlsx_guard;

use anyhow::Context;
use kaamgar_domain::import::{
    HEADER_SEARCH_ROWS, Header, ImportDefaults, RowError, RowMapper, RowOutcome, Severity,
};
use kaamgar_domain::places::PlaceDirectory;
use kaamgar_domain::trade::TradeCatalogue;
use kaamgar_domain::worker::ConsentMethod;
use kaamgar_store::{BATCH_ROWS, BatchRow, ImportSummary, Store};
use report::ReportSink;
use serde::Serialize;
use source::{CsvRows, Format, Input, Row, XlsxBook};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub file_name: String,
    /// Where the records come from when the list has no source column.
    pub source: String,
    /// How consent was collected when the list has no consent column.
    pub consent: ConsentMethod,
    pub now: i64,
    /// Rows outside this jurisdiction are rejected (uploads by block officers and district administrators).
    pub only: Option<kaamgar_domain::access::Scope>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SheetNote {
    pub sheet: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub run: i64,
    pub summary: ImportSummary,
    /// Columns that were not recognised and so not imported.
    pub unrecognised_columns: Vec<String>,
    /// Sheets skipped (no header) in a workbook.
    pub skipped_sheets: Vec<SheetNote>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file as a whole cannot be imported; nothing was written. The message is for the person uploading.
    #[error("{0}")]
    Rejected(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Progress counters the caller may display: units done and total (bytes for CSV, rows for XLSX).
pub use kaamgar_app::imports::ImportProgress as Progress;

enum Msg {
    Header { unrecognised: Vec<String> },
    SheetSkipped(SheetNote),
    Batch(Batch),
    Failed(ImportError),
}

/// One batch of a sheet as the reader hands it to the writer.
struct Batch {
    sheet: Option<String>,
    rows: Vec<BatchRow>,
    errors: Vec<RowError>,
    empty: u64,
    seen: u64,
}

/// Imports one list. `report` receives every rejected row.
pub async fn import_list(
    store: &dyn Store,
    trades: Arc<TradeCatalogue>,
    places: Arc<PlaceDirectory>,
    input: Input,
    opts: &ImportOptions,
    report: &mut dyn ReportSink,
    progress: Arc<Progress>,
) -> Result<ImportOutcome, ImportError> {
    // Two batches in flight: one being written, one ready.
    let (tx, mut rx) = mpsc::channel::<Msg>(2);
    let defaults = ImportDefaults {
        source: opts.source.clone(),
        consent: kaamgar_domain::worker::Consent {
            given_at: opts.now,
            method: opts.consent,
        },
        languages: vec!["hi".into()],
        only: opts.only.clone(),
    };
    let name = opts.file_name.clone();
    let reader = tokio::task::spawn_blocking(move || {
        if let Err(e) = produce(input, &name, &trades, &places, defaults, &tx, &progress) {
            let _ = tx.blocking_send(Msg::Failed(e));
        }
    });

    let mut run: Option<i64> = None;
    let mut summary = ImportSummary::default();
    let mut unrecognised = Vec::new();
    let mut skipped_sheets = Vec::new();
    let mut failure: Option<ImportError> = None;
    let started = std::time::Instant::now();
    let mut db_time = std::time::Duration::ZERO;
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Header { unrecognised: u } => {
                for c in u {
                    if !unrecognised.contains(&c) {
                        unrecognised.push(c);
                    }
                }
                if run.is_none() {
                    run = Some(
                        store
                            .begin_import(&opts.file_name, opts.now)
                            .await
                            .context("recording the import run")?,
                    );
                }
            }
            Msg::SheetSkipped(note) => skipped_sheets.push(note),
            Msg::Batch(batch) => {
                let Some(run) = run else { continue };
                db_time += write_batch(store, run, opts.now, batch, &mut summary, report).await?;
            }
            Msg::Failed(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(rx);
    reader
        .await
        .context("the file reader stopped unexpectedly")?;
    report.finish().context("finishing the error report")?;
    if let Some(run) = run {
        let status = if failure.is_some() { "failed" } else { "done" };
        store
            .finish_import(run, status, &summary, opts.now)
            .await
            .context("recording the import result")?;
    }
    tracing::info!(
        import.file = %opts.file_name,
        import.rows = summary.rows,
        import.rejected = summary.rejected,
        duration_ms = started.elapsed().as_millis() as u64,
        db_ms = db_time.as_millis() as u64,
        "import finished"
    );
    if let Some(e) = failure {
        return Err(e);
    }
    let Some(run) = run else {
        return Err(nothing_to_import(&skipped_sheets));
    };
    Ok(ImportOutcome {
        run,
        summary,
        unrecognised_columns: unrecognised,
        skipped_sheets,
    })
}

/// Counts one batch into `summary`, reports its problems and writes its workers. Returns the time spent in the
/// store.
async fn write_batch(
    store: &dyn Store,
    run: i64,
    now: i64,
    batch: Batch,
    summary: &mut ImportSummary,
    report: &mut dyn ReportSink,
) -> Result<std::time::Duration, ImportError> {
    let Batch {
        sheet,
        rows,
        errors,
        empty,
        seen,
    } = batch;
    summary.rows += seen;
    summary.empty += empty;
    let lines_of = |severity: Severity| {
        errors
            .iter()
            .filter(|e| e.severity == severity)
            .map(|e| e.line)
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u64
    };
    summary.rejected += lines_of(Severity::Rejected);
    summary.warned += lines_of(Severity::Warning);
    for e in &errors {
        report
            .write(sheet.as_deref(), e)
            .context("writing the error report")?;
    }
    let t = std::time::Instant::now();
    let out = store
        .import_batch(run, &rows, now)
        .await
        .context("writing a batch of workers")?;
    let spent = t.elapsed();
    summary.inserted += out.inserted;
    summary.updated += out.updated;
    summary.unchanged += out.unchanged;
    summary.rejected += out.skipped.len() as u64;
    for s in out.skipped {
        let e = RowError::rejected(s.line, String::new(), String::new(), s.code, s.reason);
        report
            .write(sheet.as_deref(), &e)
            .context("writing the error report")?;
    }
    Ok(spent)
}

/// The error for a file that had no sheet with a header: why each sheet was skipped, or that it is empty.
fn nothing_to_import(skipped_sheets: &[SheetNote]) -> ImportError {
    let why = skipped_sheets
        .iter()
        .map(|s| format!("{}: {}", s.sheet, s.note))
        .collect::<Vec<_>>()
        .join("; ");
    ImportError::Rejected(if why.is_empty() {
        "the file is empty".into()
    } else {
        why
    })
}

/// Runs on a blocking thread: reads, finds headers, validates rows and sends batches.
fn produce(
    mut input: Input,
    name: &str,
    trades: &TradeCatalogue,
    places: &PlaceDirectory,
    defaults: ImportDefaults,
    tx: &mpsc::Sender<Msg>,
    progress: &Progress,
) -> Result<(), ImportError> {
    let head = source::head_of(&mut input, 64 * 1024)?;
    if head.is_empty() {
        return Err(ImportError::Rejected(format!("'{name}' is empty")));
    }
    let format =
        source::sniff_format(&head, name).map_err(|e| ImportError::Rejected(e.to_string()))?;
    match format {
        Format::Csv => {
            if let Input::File(f) = &input {
                progress.total.store(
                    f.get_ref().metadata().map(|m| m.len()).unwrap_or(0),
                    Ordering::Relaxed,
                );
            } else if let Input::Memory(m) = &input {
                progress
                    .total
                    .store(m.get_ref().len() as u64, Ordering::Relaxed);
            }
            let counted = source::Counting {
                inner: input,
                count: Arc::new(AtomicU64::new(0)),
            };
            let count = counted.count.clone();
            let mut rows = CsvRows::new(&head, counted);
            let mut sheet = SheetState::new(None, trades, places, defaults, tx);
            while let Some(row) = rows.next_row().map_err(|e| {
                ImportError::Rejected(format!("'{name}' is not a readable CSV file: {e:#}"))
            })? {
                progress
                    .done
                    .store(count.load(Ordering::Relaxed), Ordering::Relaxed);
                if !sheet.push(row) {
                    break;
                }
            }
            sheet.finish();
            Ok(())
        }
        Format::Xlsx => {
            let mut book = XlsxBook::open(input)
                .map_err(|e| ImportError::Rejected(format!("'{name}': {e:#}")))?;
            let names = book.sheets.clone();
            if names.is_empty() {
                return Err(ImportError::Rejected(format!("'{name}' has no sheets")));
            }
            for sheet_name in &names {
                let mut sheet = SheetState::new(
                    Some(sheet_name.clone()),
                    trades,
                    places,
                    defaults.clone(),
                    tx,
                );
                book.for_each_row(sheet_name, |row| {
                    progress.done.fetch_add(1, Ordering::Relaxed);
                    Ok(sheet.push(row))
                })
                .map_err(|e| ImportError::Rejected(format!("'{name}': {e:#}")))?;
                if sheet.gone {
                    return Ok(());
                }
                sheet.finish();
            }
            Ok(())
        }
    }
}

/// Header search and batching for one sheet (or the one CSV table).
struct SheetState<'a> {
    sheet: Option<String>,
    trades: &'a TradeCatalogue,
    places: &'a PlaceDirectory,
    defaults: Option<ImportDefaults>,
    tx: &'a mpsc::Sender<Msg>,
    pending: Vec<Row>,
    mapper: Option<RowMapper<'a>>,
    rows: Vec<BatchRow>,
    errors: Vec<RowError>,
    empty: u64,
    seen: u64,
    /// The sheet has no usable header: its rows are not read.
    skipped: bool,
    /// The receiving side stopped: stop reading altogether.
    gone: bool,
}

impl<'a> SheetState<'a> {
    fn new(
        sheet: Option<String>,
        trades: &'a TradeCatalogue,
        places: &'a PlaceDirectory,
        defaults: ImportDefaults,
        tx: &'a mpsc::Sender<Msg>,
    ) -> Self {
        SheetState {
            sheet,
            trades,
            places,
            defaults: Some(defaults),
            tx,
            pending: Vec::new(),
            mapper: None,
            rows: Vec::new(),
            errors: Vec::new(),
            empty: 0,
            seen: 0,
            skipped: false,
            gone: false,
        }
    }

    /// Takes one row; returns false when this sheet should not be read further.
    fn push(&mut self, row: Row) -> bool {
        if self.skipped || self.gone {
            return false;
        }
        if self.mapper.is_none() {
            self.pending.push(row);
            if self.pending.len() >= HEADER_SEARCH_ROWS {
                return self.choose_header();
            }
            return true;
        }
        self.map_row(row)
    }

    fn send(&mut self, msg: Msg) -> bool {
        if self.tx.blocking_send(msg).is_err() {
            self.gone = true;
        }
        !self.gone
    }

    fn choose_header(&mut self) -> bool {
        let pending = std::mem::take(&mut self.pending);
        let headers: Vec<Header> = pending
            .iter()
            .map(|(_, cells)| Header::recognise(cells))
            .collect();
        let usable = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.missing_required().is_empty())
            .max_by_key(|(i, h)| (h.score(), usize::MAX - i));
        let Some((at, header)) = usable.map(|(i, h)| (i, h.clone())) else {
            let best_missing = headers
                .iter()
                .max_by_key(|h| h.score())
                .map(|h| h.missing_required().join(", "))
                .unwrap_or_default();
            let first = pending
                .iter()
                .map(|(_, c)| {
                    c.iter()
                        .filter(|x| !x.trim().is_empty())
                        .take(12)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" | ")
                })
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            let note = format!(
                "no header row with name, mobile and skill columns in the first {HEADER_SEARCH_ROWS} rows (missing: {best_missing}); first row seen: {}",
                first.chars().take(200).collect::<String>()
            );
            let sheet = self.sheet.clone().unwrap_or_else(|| "file".into());
            self.skipped = true;
            self.send(Msg::SheetSkipped(SheetNote { sheet, note }));
            return false;
        };
        if !self.send(Msg::Header {
            unrecognised: header.unrecognised(),
        }) {
            return false;
        }
        let defaults = self
            .defaults
            .take()
            .unwrap_or_else(|| ImportDefaults::survey(0, ""));
        self.mapper = Some(RowMapper::new(header, self.trades, self.places, defaults));
        for row in pending.into_iter().skip(at + 1) {
            if !self.map_row(row) {
                return false;
            }
        }
        true
    }

    fn map_row(&mut self, (line, cells): Row) -> bool {
        let Some(mapper) = &self.mapper else {
            return true;
        };
        self.seen += 1;
        match mapper.map(line, &cells) {
            RowOutcome::Worker(w, warnings) => {
                self.rows.push(BatchRow::new(line, *w));
                self.errors.extend(warnings);
            }
            RowOutcome::Empty => {
                self.empty += 1;
                self.seen -= 1;
            }
            RowOutcome::Rejected(errs) => self.errors.extend(errs),
        }
        // A sheet of rejected rows is sent on in batches too, so its problems are never all held at once.
        if self.rows.len() >= BATCH_ROWS || self.errors.len() >= BATCH_ROWS {
            return self.flush();
        }
        true
    }

    fn flush(&mut self) -> bool {
        let msg = Msg::Batch(Batch {
            sheet: self.sheet.clone(),
            rows: std::mem::take(&mut self.rows),
            errors: std::mem::take(&mut self.errors),
            empty: std::mem::take(&mut self.empty),
            seen: std::mem::take(&mut self.seen),
        });
        self.send(msg)
    }

    fn finish(mut self) {
        if self.skipped || self.gone {
            return;
        }
        if self.mapper.is_none() && !self.pending.is_empty() {
            self.choose_header();
        } else if self.mapper.is_none() {
            let sheet = self.sheet.clone().unwrap_or_else(|| "file".into());
            self.send(Msg::SheetSkipped(SheetNote {
                sheet,
                note: "no rows".into(),
            }));
        }
        if self.mapper.is_some() && !self.gone {
            self.flush();
        }
    }
}
