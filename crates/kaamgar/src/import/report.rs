//! The report of rejected rows: a CSV an official can open in Excel (UTF-8 with BOM so Devanagari shows), and an
//! in-memory form for the API.

use kaamgar_domain::import::RowError;
use serde::Serialize;
use std::io::Write;

pub use kaamgar_app::export::spreadsheet_safe;

pub trait ReportSink: Send {
    fn write(&mut self, sheet: Option<&str>, e: &RowError) -> std::io::Result<()>;
    fn finish(&mut self) -> std::io::Result<()>;
    fn count(&self) -> u64;
}

/// Problems a stored report keeps (dashboard and API uploads); the rest are counted by reason.
pub const STORED_REPORT_ROWS: u64 = 10_000;

/// The report's columns, named in English and Hindi (officials open it in Excel).
pub const REPORT_COLUMNS: [&str; 8] = [
    "sheet / शीट",
    "line / पंक्ति",
    "column / कॉलम",
    "value / मान",
    "outcome / परिणाम",
    "code",
    "reason (हिंदी)",
    "reason (English)",
];

/// Writes one row per problem — rejected rows and warnings, each with its code and its reason in Hindi and
/// English — every text cell safe to open in a spreadsheet. With a limit,
/// only the first problems are written, followed by a count of all problems by reason, so a file of a million bad
/// rows cannot make a report of hundreds of megabytes.
pub struct CsvReport<W: Write + Send> {
    out: csv::Writer<W>,
    count: u64,
    limit: Option<u64>,
    by_code: std::collections::BTreeMap<&'static str, u64>,
    finished: bool,
}

impl<W: Write + Send> CsvReport<W> {
    pub fn new(w: W) -> std::io::Result<Self> {
        Self::build(w, None)
    }

    /// A report that keeps the first `limit` problems and counts the rest by reason.
    pub fn with_limit(w: W, limit: u64) -> std::io::Result<Self> {
        Self::build(w, Some(limit))
    }

    fn build(mut w: W, limit: Option<u64>) -> std::io::Result<Self> {
        w.write_all("\u{feff}".as_bytes())?;
        let mut out = csv::Writer::from_writer(w);
        out.write_record(REPORT_COLUMNS)?;
        Ok(CsvReport {
            out,
            count: 0,
            limit,
            by_code: Default::default(),
            finished: false,
        })
    }

    pub fn into_inner(self) -> Option<W> {
        self.out.into_inner().ok()
    }
}

impl<W: Write + Send> ReportSink for CsvReport<W> {
    fn write(&mut self, sheet: Option<&str>, e: &RowError) -> std::io::Result<()> {
        self.count += 1;
        *self.by_code.entry(e.code).or_default() += 1;
        if self.limit.is_some_and(|l| self.count > l) {
            return Ok(());
        }
        let line = e.line.to_string();
        let outcome = format!("{} / {}", e.severity.as_str(), e.severity.hindi());
        self.out.write_record([
            &*spreadsheet_safe(sheet.unwrap_or("")),
            &line,
            &spreadsheet_safe(&e.column),
            &spreadsheet_safe(&e.value),
            &outcome,
            e.code,
            e.reason_hi,
            &spreadsheet_safe(&e.reason),
        ])?;
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        if let Some(limit) = self.limit.filter(|l| self.count > *l && !self.finished) {
            let note = format!(
                "the first {limit} of {} problems are listed; all of them are counted by reason below",
                self.count
            );
            self.out.write_record([
                "",
                "",
                "",
                "",
                "",
                "report_truncated",
                "रिपोर्ट में पहली समस्याएँ ही हैं; सभी की गिनती नीचे है",
                &note,
            ])?;
            for (code, n) in &self.by_code {
                let hi = kaamgar_domain::import::issues::hindi(code);
                let count = n.to_string();
                self.out.write_record([
                    "",
                    "",
                    "",
                    &count,
                    "",
                    code,
                    hi,
                    "problems with this code",
                ])?;
            }
        }
        self.finished = true;
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

    #[test]
    fn a_stored_report_keeps_the_first_problems_counts_all_and_quotes_formulas() {
        use super::{CsvReport, ReportSink};
        use kaamgar_domain::import::RowError;
        let mut r = CsvReport::with_limit(Vec::new(), 3).unwrap();
        for line in 1..=10u64 {
            let code = if line % 2 == 0 {
                "phone_invalid"
            } else {
                "trade_missing"
            };
            let e = RowError::rejected(
                line,
                "mobile".into(),
                "=cmd|' /C calc'!A0".into(),
                code,
                "bad".into(),
            );
            r.write(Some("Sheet1"), &e).unwrap();
        }
        r.finish().unwrap();
        r.finish().unwrap();
        assert_eq!(r.count(), 10);
        let text = String::from_utf8(r.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Header, three problems, the truncation note, two counts.
        assert_eq!(lines.len(), 1 + 3 + 1 + 2, "{text}");
        assert!(lines[1].contains("'=cmd"), "{}", lines[1]);
        assert!(text.contains("report_truncated"));
        assert!(
            text.contains(",5,,phone_invalid,") && text.contains(",5,,trade_missing,"),
            "{text}"
        );
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
