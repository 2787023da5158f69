//! The audit log: every write through the dashboard, every read of personal data (a worker's profile, a request's
//! conversation, a rejected-row report), and every refused attempt (wrong password, forged form, someone else's
//! record) is written with who, what, when and from where.

use crate::AppState;
use crate::dashboard::DashError;
use crate::dashboard::session::Official;
use kaamgar_store::AuditEntry;

/// Who did it.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: Option<i64>,
    pub name: &'a str,
    pub ip: Option<&'a str>,
}

impl<'a> From<&'a Official> for Actor<'a> {
    fn from(o: &'a Official) -> Self {
        Actor {
            user_id: Some(o.id()),
            name: &o.name,
            ip: o.ip.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Refused: no permission, outside the jurisdiction, a bad password or CSRF token.
    Denied,
    /// Refused as malformed: nothing changed.
    Invalid,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Invalid => "invalid",
        }
    }
}

/// Writes one entry. A read of personal data must not happen unrecorded, so a failure here is an error.
pub async fn record(
    state: &AppState,
    who: Actor<'_>,
    action: &str,
    target: Option<String>,
    outcome: Outcome,
    detail: Option<String>,
) -> Result<(), DashError> {
    let entry = entry(state, who, action, target, outcome, detail);
    state.store.audit(&entry).await.map_err(DashError::from)
}

/// The audit row of an action, for a store write that records it in its own transaction.
pub fn entry(
    state: &AppState,
    who: Actor<'_>,
    action: &str,
    target: Option<String>,
    outcome: Outcome,
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry {
        at: state.clock.now(),
        user_id: who.user_id,
        actor: who.name.chars().take(120).collect(),
        action: action.to_string(),
        target,
        outcome: outcome.as_str().to_string(),
        detail: detail.map(|d| d.chars().take(500).collect()),
        ip: who.ip.map(str::to_string),
    }
}

/// Records a refusal and returns the error to show.
pub async fn refuse(
    state: &AppState,
    who: &Official,
    action: &str,
    target: Option<String>,
    err: DashError,
) -> DashError {
    let outcome = match err {
        DashError::BadRequest(_) => Outcome::Invalid,
        _ => Outcome::Denied,
    };
    let detail = match &err {
        DashError::BadRequest(m) => Some(m.clone()),
        DashError::Csrf => Some("csrf token mismatch".into()),
        _ => None,
    };
    match record(state, who.into(), action, target, outcome, detail).await {
        Ok(()) => err,
        Err(e) => e,
    }
}
