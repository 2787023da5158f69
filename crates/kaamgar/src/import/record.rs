//! A list imported from the command line is recorded like a dashboard upload: it is listed on the dashboard's
//! uploads page of its district with its report, and written in the audit log. With `--as NAME` it is the
//! account's upload, limited to the account's jurisdiction as on the dashboard.

use super::report::{CsvReport, ReportSink, STORED_REPORT_ROWS};
use super::{ImportError, ImportOutcome};
use crate::app::App;
use anyhow::{Context, Result, bail};
use kaamgar_domain::access::{Caller, Permission, Scope};
use kaamgar_domain::import::RowError;
use kaamgar_store::{
    AccountStore, AuditEntry, DashboardStore, ImportSummary, NewUpload, StoreError, UploadEnd,
};

/// The upload row of a command-line import and who made it.
pub struct Recorded {
    pub id: i64,
    user_id: Option<i64>,
    actor: String,
    /// Rows outside this jurisdiction are rejected (`--as` a district or block account).
    pub only: Option<Scope>,
}

/// Records the start of a command-line import and checks `--as`.
pub async fn begin(
    app: &App,
    as_user: Option<&str>,
    file_name: &str,
    now: i64,
) -> Result<Recorded> {
    let caller = match as_user {
        Some(name) => {
            let user = match app.store.user_by_name(name).await {
                Ok(u) => u,
                Err(StoreError::NotFound) => bail!("--as {name}: there is no such account"),
                Err(e) => return Err(e.into()),
            };
            let Some(caller) = kaamgar_app::accounts::caller_of(&user).filter(|_| !user.disabled)
            else {
                bail!("--as {name}: the account is disabled or has no valid role");
            };
            caller
        }
        None => Caller::operator("command line"),
    };
    // The same check as the dashboard's upload page and the API's import route.
    if let Err(denied) = caller.authorize(Permission::UploadLists) {
        bail!("--as {}: {denied}", caller.name);
    }
    let Caller {
        user_id,
        name: actor,
        scope,
        ..
    } = caller;
    let area = kaamgar_app::imports::upload_area(&app.places, &scope);
    let entry = AuditEntry {
        at: now,
        user_id,
        actor: actor.clone(),
        action: "upload".into(),
        target: None,
        outcome: "ok".into(),
        detail: Some(format!("{file_name} (cli)")),
        ip: None,
    };
    let id = app
        .store
        .create_upload(
            &NewUpload {
                user_id,
                origin: "cli",
                district: area.district,
                block: area.block,
                file_name: file_name.to_string(),
            },
            now,
            &entry,
        )
        .await
        .context("recording the upload")?;
    app.store
        .start_upload(id)
        .await
        .context("recording the upload")?;
    Ok(Recorded {
        id,
        user_id,
        actor,
        only: (scope != Scope::All).then_some(scope),
    })
}

/// Records how the import ended, with the stored copy of its report.
pub async fn finish(
    app: &App,
    rec: &Recorded,
    result: &Result<ImportOutcome, ImportError>,
    report: Option<String>,
    now: i64,
) -> Result<()> {
    let (status, run, summary, message) = match result {
        Ok(o) => ("done", Some(o.run), o.summary.clone(), None),
        Err(ImportError::Rejected(m)) => {
            ("rejected", None, ImportSummary::default(), Some(m.clone()))
        }
        Err(ImportError::Internal(e)) => (
            "failed",
            None,
            ImportSummary::default(),
            Some(format!("{e:#}")),
        ),
    };
    let end = UploadEnd {
        status,
        run_id: run,
        summary,
        message: message.as_deref(),
        report: report.as_deref().filter(|_| status == "done"),
    };
    app.store
        .finish_upload(rec.id, &end, now)
        .await
        .context("recording the end of the upload")?;
    if status != "done" {
        let _ = app
            .store
            .audit(&AuditEntry {
                at: now,
                user_id: rec.user_id,
                actor: rec.actor.clone(),
                action: "upload".into(),
                target: Some(format!("upload:{}", rec.id)),
                outcome: "failed".into(),
                detail: message,
                ip: None,
            })
            .await;
    }
    Ok(())
}

/// Writes the report to the official's file and keeps a capped copy for the dashboard.
pub struct Tee<'a> {
    pub file: &'a mut dyn ReportSink,
    pub stored: CsvReport<Vec<u8>>,
}

impl<'a> Tee<'a> {
    pub fn new(file: &'a mut dyn ReportSink) -> std::io::Result<Self> {
        Ok(Tee {
            file,
            stored: CsvReport::with_limit(Vec::new(), STORED_REPORT_ROWS)?,
        })
    }

    /// The stored copy, once finished.
    pub fn stored(self) -> Option<String> {
        self.stored
            .into_inner()
            .and_then(|b| String::from_utf8(b).ok())
    }
}

impl ReportSink for Tee<'_> {
    fn write(&mut self, sheet: Option<&str>, e: &RowError) -> std::io::Result<()> {
        self.file.write(sheet, e)?;
        self.stored.write(sheet, e)
    }
    fn finish(&mut self) -> std::io::Result<()> {
        self.file.finish()?;
        self.stored.finish()
    }
    fn count(&self) -> u64 {
        self.file.count()
    }
}
