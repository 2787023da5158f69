//! Timed and background work as typed jobs: what is to be done (the kind) and to what (the subject). One queue
//! serves every capability; a job is unique by (kind, subject), so scheduling it again moves it instead of adding a
//! second one. A run that fails is retried with backoff and set aside (dead) after its last attempt, for officials
//! to see; it never holds up the jobs behind it.

/// What a job does. Each capability adds its kinds here; the text form is what the queue stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// A lead offered to a worker who has not answered in time: it expires and the next worker is asked.
    LeadExpiry,
    /// The day after a connection: ask the citizen whether the work was done.
    FollowUp,
    /// A request the citizen kept open: search again, and show them who turned free.
    Watch,
    /// An official asked for the request to be offered to another worker: the pending lead gives way and the next
    /// free worker is asked.
    Reoffer,
    /// A training batch's last session has ended: completion is decided and certificates issued.
    BatchEnd,
}

impl JobKind {
    pub const ALL: [JobKind; 5] = [
        JobKind::LeadExpiry,
        JobKind::FollowUp,
        JobKind::Watch,
        JobKind::Reoffer,
        JobKind::BatchEnd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::LeadExpiry => "lead_expiry",
            JobKind::FollowUp => "follow_up",
            JobKind::Watch => "watch_request",
            JobKind::Reoffer => "reoffer",
            JobKind::BatchEnd => "batch_end",
        }
    }

    /// The kind stored as `s`; `None` for a kind this version does not know (written by a newer one).
    pub fn parse(s: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What the subject id names, as the audit log writes targets (`offer:12`).
    pub fn subject_kind(self) -> &'static str {
        match self {
            JobKind::LeadExpiry => "offer",
            JobKind::FollowUp | JobKind::Watch | JobKind::Reoffer => "request",
            JobKind::BatchEnd => "batch",
        }
    }
}

/// A job to schedule: its kind and the id of what it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Job {
    pub kind: JobKind,
    pub subject: i64,
}

impl Job {
    pub fn new(kind: JobKind, subject: i64) -> Self {
        Job { kind, subject }
    }

    /// A lead not answered in time.
    pub fn lead_expiry(offer: crate::ids::OfferId) -> Self {
        Job::new(JobKind::LeadExpiry, offer.0)
    }

    /// The next day's question whether the work was done.
    pub fn follow_up(request: crate::ids::RequestId) -> Self {
        Job::new(JobKind::FollowUp, request.0)
    }

    /// The next search for a request kept open.
    pub fn watch(request: crate::ids::RequestId) -> Self {
        Job::new(JobKind::Watch, request.0)
    }

    /// A training batch's end.
    pub fn batch_end(batch: crate::ids::BatchId) -> Self {
        Job::new(JobKind::BatchEnd, batch.0)
    }

    /// An official's "offer it to another worker".
    pub fn reoffer(request: crate::ids::RequestId) -> Self {
        Job::new(JobKind::Reoffer, request.0)
    }

    /// The job's subject as the audit log names targets (`offer:12`, `request:7`).
    pub fn target(&self) -> String {
        format!("{}:{}", self.kind.subject_kind(), self.subject)
    }
}

/// Runs of a job before it is set aside as dead.
pub const MAX_ATTEMPTS: i64 = 6;

/// How long a claimed job is hidden from other runners. A runner that dies leaves its job due again after this.
pub const LEASE_SECS: i64 = 300;

/// When a job that has now failed `attempts` times runs again: 30 s doubling (30 s … 8 min), or never after
/// [`MAX_ATTEMPTS`] (it is dead).
pub fn retry_at(attempts: i64, now: i64) -> Option<i64> {
    (attempts < MAX_ATTEMPTS).then(|| now + (30i64 << (attempts - 1).clamp(0, 10)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_job_backs_off_and_is_set_aside_after_its_last_attempt() {
        assert_eq!(retry_at(1, 1000), Some(1030));
        assert_eq!(retry_at(2, 1000), Some(1060));
        assert_eq!(retry_at(5, 1000), Some(1000 + 480));
        assert_eq!(retry_at(MAX_ATTEMPTS, 1000), None);
    }

    #[test]
    fn kinds_read_back_from_their_stored_form_and_unknown_ones_are_none() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(JobKind::parse("toolkit_call"), None);
        assert_eq!(Job::new(JobKind::LeadExpiry, 12).target(), "offer:12");
        assert_eq!(Job::new(JobKind::FollowUp, 7).target(), "request:7");
    }
}
