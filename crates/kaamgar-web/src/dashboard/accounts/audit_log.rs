//! The audit log's page (administrators): who did what to which record, in words, filtered by person, action and
//! day; timed jobs that failed for good are shown above it.

use crate::AppState;
use crate::dashboard::i18n::{Lang, day_start, when};
use crate::dashboard::registry::Choice;
use crate::dashboard::session::{Official, urlencode};
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use kaamgar_domain::access::Permission;
use kaamgar_domain::request::CloseReason;
use kaamgar_store::{AuditEntry, AuditFilter};
use serde::Deserialize;

/// Every action kaamgar writes to the log, in the order the filter offers them.
const OWN_ACTIONS: [&str; 19] = [
    "signin",
    "signout",
    "worker.view",
    "workers.list",
    "worker.add",
    "worker.create",
    "worker.edit",
    "worker.availability",
    "worker.verify",
    "worker.erase",
    "worker.remove",
    "worker.export",
    "upload",
    "upload.view",
    "upload.report",
    "request.view",
    "request.call",
    "request.reoffer",
    "request.close",
];

/// Every action kaamgar writes to the audit log: the registry's, requests' and accounts' own, then each
/// programme module's.
pub fn actions() -> impl Iterator<Item = &'static str> {
    OWN_ACTIONS
        .into_iter()
        .chain(kaamgar_app::training::AUDIT_ACTIONS)
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    before: Option<i64>,
    who: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl AuditParams {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    fn next_href(&self, last: i64) -> String {
        let mut href = format!("/audit?before={last}");
        for (k, v) in [
            ("who", &self.who),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = Self::given(v) {
                href.push_str(&format!("&{k}={}", urlencode(v)));
            }
        }
        href
    }
}

#[derive(Debug)]
struct Entry {
    at: String,
    actor: String,
    /// What was done, in words.
    action: String,
    /// The record it was done to, with the page it opens when there is one.
    target: String,
    target_href: Option<String>,
    outcome: String,
    outcome_text: &'static str,
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
    who: String,
    actions: Vec<Choice>,
    from: String,
    to: String,
    error: Option<String>,
}

/// Dead jobs shown above the log.
const DEAD_JOBS_SHOWN: i64 = 20;

const PAGE_SIZE: i64 = 100;

/// A record named in words, and its page.
fn target_words(lang: Lang, target: &str) -> (String, Option<String>) {
    let Some((kind, id)) = target.split_once(':') else {
        return (target.to_string(), None);
    };
    let (key, href) = match kind {
        "worker" => ("worker", Some(format!("/workers/{id}"))),
        "request" => ("request", Some(format!("/requests/{id}"))),
        "upload" => ("upload_one", Some(format!("/uploads/{id}"))),
        "offer" => ("offer_one", None),
        _ => return (target.to_string(), None),
    };
    // Only a plain number becomes a link.
    let href = href.filter(|_| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    (format!("{} #{id}", lang.s(key)), href)
}

fn entry(lang: Lang, e: AuditEntry) -> Entry {
    let (target, target_href) = e
        .target
        .as_deref()
        .map_or((String::new(), None), |t| target_words(lang, t));
    let detail = e.detail.unwrap_or_default();
    let detail = match (e.action.as_str(), CloseReason::parse(&detail)) {
        ("request.close", Some(r)) => lang.s(r.note()).to_string(),
        _ => detail,
    };
    Entry {
        at: when(e.at),
        action: lang
            .get(&format!("act:{}", e.action))
            .map_or_else(|| e.action.clone(), str::to_string),
        actor: e.actor,
        target,
        target_href,
        outcome_text: lang.get(&format!("out:{}", e.outcome)).unwrap_or("?"),
        outcome: e.outcome,
        detail,
        ip: e.ip.unwrap_or_default(),
    }
}

/// The filter the page asks for, or why it cannot be read.
fn filter_of(o: &Official, q: &AuditParams) -> Result<AuditFilter, String> {
    let lang = o.lang;
    let day = |v: &Option<String>| -> Result<Option<i64>, String> {
        AuditParams::given(v)
            .map(|d| day_start(d).ok_or_else(|| format!("{} '{d}'", lang.s("err_bad_date"))))
            .transpose()
    };
    let action = AuditParams::given(&q.action);
    if let Some(a) = action
        && !actions().any(|x| x == a)
    {
        return Err(format!("{} '{a}'", lang.s("err_unknown_action")));
    }
    Ok(AuditFilter {
        district: o.scope.district().map(str::to_string),
        actor: AuditParams::given(&q.who).map(str::to_string),
        action: action.map(str::to_string),
        target: None,
        from: day(&q.from)?,
        to: day(&q.to)?.map(|t| t + 86_400),
    })
}

/// The audit log: everything for a state administrator; for a district administrator, what the district's own
/// officials did (failed sign-ins under unknown names belong to no district and show to the state only).
pub async fn audit_log(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Query(q): Query<AuditParams>,
) -> Result<Response, DashError> {
    o.require(Permission::ViewAudit)?;
    let lang = o.lang;
    let (rows, error) = match filter_of(&o, &q) {
        Ok(f) => {
            let before = q.before.unwrap_or(i64::MAX);
            (state.store.audit_find(&f, before, PAGE_SIZE).await?, None)
        }
        Err(e) => (Vec::new(), Some(e)),
    };
    let next = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|(id, _)| q.next_href(*id)))
        .flatten();
    let entries = rows.into_iter().map(|(_, e)| entry(lang, e)).collect();
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
    let chosen = AuditParams::given(&q.action);
    let actions = actions()
        .map(|a| Choice {
            value: a.to_string(),
            label: lang.get(&format!("act:{a}")).unwrap_or(a).to_string(),
            selected: chosen == Some(a),
        })
        .collect();
    Ok(render(&AuditPage {
        chrome: Chrome::new(&o, "audit", &uri),
        entries,
        next,
        dead,
        who: AuditParams::given(&q.who).unwrap_or_default().to_string(),
        actions,
        from: AuditParams::given(&q.from).unwrap_or_default().to_string(),
        to: AuditParams::given(&q.to).unwrap_or_default().to_string(),
        error,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_outcome_has_words_in_both_languages() {
        for lang in [Lang::Hi, Lang::En] {
            for a in actions() {
                assert!(lang.get(&format!("act:{a}")).is_some(), "{a}");
            }
            for o in ["ok", "denied", "invalid"] {
                assert!(lang.get(&format!("out:{o}")).is_some(), "{o}");
            }
        }
        assert_eq!(
            target_words(Lang::En, "worker:12"),
            ("Worker #12".to_string(), Some("/workers/12".to_string()))
        );
        assert_eq!(target_words(Lang::En, "worker:1/../x").1, None);
        assert_eq!(target_words(Lang::En, "signin").0, "signin");
    }
}
