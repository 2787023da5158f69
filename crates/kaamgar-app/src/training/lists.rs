//! A list of trainees enrolled (or invited) into a batch in one go, from any door — the command line, the API,
//! the dashboard — each row decided on its own as one trainee would be, with a report naming every row's outcome
//! and reason. Reading the file (CSV in the encodings offices export, or XLSX; Hindi or English headers) is the
//! binary's, behind [`TraineeLists`].

use super::{By, Result, Training, TrainingError};
use crate::export::{spreadsheet_safe, write_line};
use kaamgar_domain::ids::BatchId;
use kaamgar_domain::training::model::TraineeForm;
use kaamgar_domain::training::rules::EnrolmentStatus;

/// Reads the trainees of a list with their line numbers (implemented where the spreadsheet readers are).
pub trait TraineeLists: Send + Sync + std::fmt::Debug {
    /// `Err` with a message for the person who sent it when the file is not a list of trainees.
    fn read(&self, body: Vec<u8>, file_name: &str) -> Result<Vec<(u64, TraineeForm)>, String>;
}

/// One row's outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListLine {
    /// The row's line in the file.
    pub line: u64,
    pub name: String,
    /// enrolled, waiting, invited or refused.
    pub outcome: &'static str,
    /// Why it was refused (a stable code), empty otherwise.
    pub code: String,
    pub reason: String,
}

/// Every row's outcome, in the list's order, and the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListReport {
    pub rows: usize,
    pub enrolled: usize,
    pub waiting: usize,
    pub invited: usize,
    pub refused: usize,
    pub lines: Vec<ListLine>,
}

impl ListReport {
    /// The report as CSV (line, name, outcome, code, reason), every cell formula-safe.
    pub fn csv(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 * (self.lines.len() + 1));
        write_line(&mut out, &["line", "name", "outcome", "code", "reason"]);
        for l in &self.lines {
            write_line(
                &mut out,
                &[
                    l.line.to_string(),
                    spreadsheet_safe(&l.name).into_owned(),
                    l.outcome.to_string(),
                    l.code.clone(),
                    spreadsheet_safe(&l.reason).into_owned(),
                ],
            );
        }
        out
    }
}

impl TrainingError {
    /// A stable code and a message for a person, as reports and API answers give them.
    pub fn code_and_message(&self) -> (String, String) {
        let code = match self {
            TrainingError::Enrol(r) => r.code().to_string(),
            TrainingError::Invalid(f) => f.first().map_or("invalid", |f| f.code).to_string(),
            TrainingError::Attendance(a) => a.code().to_string(),
            TrainingError::Refused { code, .. } => (*code).to_string(),
            TrainingError::Denied(_) => "forbidden".into(),
            TrainingError::Store(s) => s.code().into(),
        };
        let message = match self {
            TrainingError::Invalid(f) => f
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            TrainingError::Store(_) => "could not be stored".into(),
            other => other.to_string(),
        };
        (code, message)
    }
}

/// How the rows are taken in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListHow {
    /// A full batch puts the rest on the waiting list instead of refusing them.
    pub wait_if_full: bool,
    /// Send each a WhatsApp invitation instead of enrolling them.
    pub invite: bool,
}

/// Most rows an uploaded list may have (a batch holds at most 1,000 seats).
pub const MAX_ROWS: usize = 10_000;

impl Training {
    /// Reads an uploaded list and enrols (or invites) its rows; a file that is not a list of trainees is refused
    /// whole, with the reason, before anything is written.
    pub async fn enrol_file(
        &self,
        by: By<'_>,
        batch: BatchId,
        body: Vec<u8>,
        file_name: &str,
        how: ListHow,
        now: i64,
    ) -> Result<ListReport> {
        self.managed_batch(by.caller, batch).await?;
        let Some(lists) = self.lists.clone() else {
            return Err(TrainingError::refused(
                "lists_unavailable",
                "this server cannot read lists",
            ));
        };
        let name = file_name.to_string();
        // Reading a workbook is CPU work: off the async threads.
        let rows = tokio::task::spawn_blocking(move || lists.read(body, &name))
            .await
            .map_err(|e| TrainingError::refused("list_unreadable", e.to_string()))?
            .map_err(|m| TrainingError::refused("list_unreadable", m))?;
        if rows.is_empty() {
            return Err(TrainingError::refused(
                "list_empty",
                "the list has a header but no trainees",
            ));
        }
        if rows.len() > MAX_ROWS {
            return Err(TrainingError::refused(
                "list_too_long",
                format!("at most {MAX_ROWS} rows in one list"),
            ));
        }
        self.enrol_list(by, batch, &rows, how, now).await
    }

    /// Enrols (or invites) every row of a list, in chunks, each row on its own; the batch and the caller's right
    /// to change it are checked first, so a refused caller changes nothing.
    pub async fn enrol_list(
        &self,
        by: By<'_>,
        batch: BatchId,
        rows: &[(u64, TraineeForm)],
        how: ListHow,
        now: i64,
    ) -> Result<ListReport> {
        self.managed_batch(by.caller, batch).await?;
        let mut report = ListReport {
            rows: rows.len(),
            ..ListReport::default()
        };
        for chunk in rows.chunks(super::enrol::MAX_PER_CALL) {
            let forms: Vec<TraineeForm> = chunk.iter().map(|(_, f)| f.clone()).collect();
            let answers = if how.invite {
                self.invite_many(by, batch, &forms, now).await
            } else {
                self.enrol_many(by, batch, &forms, how.wait_if_full, "list", now)
                    .await
            };
            // A failure of the whole chunk (the database gone) after earlier chunks were stored: the report still
            // says which rows were taken in and which were not.
            let answers = match answers {
                Ok(a) => a,
                Err(e) if report.lines.is_empty() => return Err(e),
                Err(e) => {
                    let (code, reason) = e.code_and_message();
                    for (line, f) in &rows[report.lines.len()..] {
                        report.refused += 1;
                        report.lines.push(ListLine {
                            line: *line,
                            name: f.name.clone().unwrap_or_default(),
                            outcome: "refused",
                            code: code.clone(),
                            reason: reason.clone(),
                        });
                    }
                    return Ok(report);
                }
            };
            for ((line, f), a) in chunk.iter().zip(answers) {
                let (outcome, code, reason) = match a {
                    Ok(o) => {
                        let (n, word) = match o.status {
                            EnrolmentStatus::Waiting => (&mut report.waiting, "waiting"),
                            EnrolmentStatus::Invited => (&mut report.invited, "invited"),
                            _ => (&mut report.enrolled, "enrolled"),
                        };
                        *n += 1;
                        (word, String::new(), String::new())
                    }
                    Err(e) => {
                        report.refused += 1;
                        let (c, m) = e.code_and_message();
                        ("refused", c, m)
                    }
                };
                report.lines.push(ListLine {
                    line: *line,
                    name: f.name.clone().unwrap_or_default(),
                    outcome,
                    code,
                    reason,
                });
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_is_csv_and_formula_safe() {
        let r = ListReport {
            lines: vec![ListLine {
                line: 4,
                name: "=HYPERLINK(\"x\")".into(),
                outcome: "refused",
                code: "invalid_phone".into(),
                reason: "phone: not a mobile number, 10 digits".into(),
            }],
            ..ListReport::default()
        };
        let csv = String::from_utf8(r.csv()).unwrap();
        let second = csv.lines().nth(1).unwrap();
        assert!(
            second.starts_with("4,\"'=HYPERLINK(\"\"x\"\")\",refused,invalid_phone,"),
            "{csv}"
        );
        assert!(
            second.ends_with("\"phone: not a mobile number, 10 digits\""),
            "{csv}"
        );
    }
}
