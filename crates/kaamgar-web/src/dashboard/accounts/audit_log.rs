//! The audit log's page (administrators).

use crate::AppState;
use crate::dashboard::i18n::when;
use crate::dashboard::session::Official;
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use kaamgar_domain::access::Permission;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct AuditParams {
    before: Option<i64>,
}

#[derive(Debug)]
struct Entry {
    at: String,
    actor: String,
    action: String,
    target: String,
    outcome: String,
    detail: String,
    ip: String,
}

/// A timed job set aside after its last attempt.
#[derive(Debug)]
struct DeadJob {
    at: String,
    kind: String,
    target: String,
    attempts: i64,
    error: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<Entry>,
    next: Option<String>,
    /// Background jobs that failed for good, newest first (first page only).
    dead: Vec<DeadJob>,
}

/// Dead jobs shown above the log.
const DEAD_JOBS_SHOWN: i64 = 20;

const PAGE_SIZE: i64 = 100;

/// The audit log: everything for a state administrator; for a district administrator, what the district's own
/// officials did (failed sign-ins under unknown names belong to no district and show to the state only).
pub async fn audit_log(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Query(q): Query<AuditParams>,
) -> Result<Response, DashError> {
    o.require(Permission::ViewAudit)?;
    let rows = state
        .store
        .audit_log(q.before.unwrap_or(i64::MAX), PAGE_SIZE, o.scope.district())
        .await?;
    let next = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|(id, _)| format!("/audit?before={id}")))
        .flatten();
    let entries = rows
        .into_iter()
        .map(|(_, e)| Entry {
            at: when(e.at),
            actor: e.actor,
            action: e.action,
            target: e.target.unwrap_or_default(),
            outcome: e.outcome,
            detail: e.detail.unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
        })
        .collect();
    let dead = if q.before.is_none() {
        state.store.dead_jobs(DEAD_JOBS_SHOWN).await?
    } else {
        Vec::new()
    };
    let dead = dead
        .into_iter()
        .map(|j| DeadJob {
            at: when(j.dead_at.unwrap_or(j.due_at)),
            target: j
                .job()
                .map_or_else(|| format!("{}:{}", j.kind, j.subject), |job| job.target()),
            kind: j.kind,
            attempts: j.attempts,
            error: j.last_error.unwrap_or_default(),
        })
        .collect();
    Ok(render(&AuditPage {
        chrome: Chrome::new(&o, "audit", &uri),
        entries,
        next,
        dead,
    }))
}
