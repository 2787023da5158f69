//! The report of rejected rows: a CSV an official can open in Excel (UTF-8 with BOM so Devanagari shows), and an
//! in-memory form for the API.

use kaamgar_domain::import::RowError;
use serde::Serialize;
use std::io::Write;

/// Makes a free-text cell safe to open in a spreadsheet: text starting with `=`, `+`, `-` or `@` would run as a
/// formula in Excel, so it gets a leading apostrophe (which Excel hides and the importer ignores).
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{text}")),
        _ => std::borrow::Cow::Borrowed(text),
    }
}

pub trait ReportSink: Send {
    fn write(&mut self, sheet: Option<&str>, e: &RowError) -> std::io::Result<()>;
    fn finish(&mut self) -> std::io::Result<()>;
    fn count(&self) -> u64;
}

/// Writes `sheet,line,column,value,code,reason` rows.
pub struct CsvReport<W: Write + Send> {
    out: csv::Writer<W>,
    count: u64,
}

impl<W: Write + Send> CsvReport<W> {
    pub fn new(mut w: W) -> std::io::Result<Self> {
        w.write_all("\u{feff}".as_bytes())?;
        let mut out = csv::Writer::from_writer(w);
        out.write_record(["sheet", "line", "column", "value", "code", "reason"])?;
        Ok(CsvReport { out, count: 0 })
    }

    pub fn into_inner(self) -> Option<W> {
        self.out.into_inner().ok()
    }
}

impl<W: Write + Send> ReportSink for CsvReport<W> {
    fn write(&mut self, sheet: Option<&str>, e: &RowError) -> std::io::Result<()> {
        self.count += 1;
        let line = e.line.to_string();
        self.out.write_record([
            sheet.unwrap_or(""),
            &line,
            &e.column,
            &e.value,
            e.code,
            &e.reason,
        ])?;
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
    fn count(&self) -> u64 {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formulas_in_free_text_are_neutralised() {
        assert_eq!(
            spreadsheet_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("रमेश"), "रमेश");
    }
}

/// One rejected cell as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportedError {
    pub sheet: Option<String>,
    #[serde(flatten)]
    pub error: RowError,
}

/// Keeps the first `limit` errors and counts the rest.
pub struct MemoryReport {
    pub errors: Vec<ReportedError>,
    limit: usize,
    count: u64,
}

impl MemoryReport {
    pub fn new(limit: usize) -> Self {
        MemoryReport {
            errors: Vec::new(),
            limit,
            count: 0,
        }
    }
}

impl ReportSink for MemoryReport {
    fn write(&mut self, sheet: Option<&str>, e: &RowError) -> std::io::Result<()> {
        self.count += 1;
        if self.errors.len() < self.limit {
            self.errors.push(ReportedError {
                sheet: sheet.map(str::to_string),
                error: e.clone(),
            });
        }
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn count(&self) -> u64 {
        self.count
    }
}
