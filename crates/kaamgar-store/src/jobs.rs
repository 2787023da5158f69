//! The one job queue (`jobs`, migration 0009): every timed or background task of every capability. A job is unique
//! by (kind, subject); a runner claims due jobs for a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so runners in
//! several processes never take the same job; SQLite has one writer), finishes a job in the same transaction as the
//! work it did, or records a failed run: due again after a backoff, or dead after its last attempt.

use crate::{Backend, Result, SqlStore};
use async_trait::async_trait;
use kaamgar_domain::jobs::{Job, JobKind};
use sqlx::{Any, Row, Transaction};

/// A job as the queue holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: i64,
    /// The stored kind; [`JobRow::job`] reads it.
    pub kind: String,
    pub subject: i64,
    pub due_at: i64,
    /// Failed runs so far.
    pub attempts: i64,
    pub last_error: Option<String>,
    /// When it was set aside after its last failed attempt.
    pub dead_at: Option<i64>,
    /// This claim's number: finishing or failing the job counts only while it is still the job's latest claim (not
    /// claimed again after the lease, not scheduled anew meanwhile).
    pub claim: i64,
}

impl JobRow {
    /// The typed job; `None` for a kind this version does not know (a runner sets it aside).
    pub fn job(&self) -> Option<Job> {
        JobKind::parse(&self.kind).map(|k| Job::new(k, self.subject))
    }
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Schedules a job (or moves it, starting afresh if it had failed or finished) outside any other write.
    async fn schedule_job(&self, job: Job, due_at: i64) -> Result<()>;
    /// Takes up to `limit` jobs due by `now`, oldest first, and hides them from other runners until
    /// `now + lease_secs`; a runner that dies leaves them due again then.
    async fn claim_jobs(&self, now: i64, lease_secs: i64, limit: i64) -> Result<Vec<JobRow>>;
    /// Records a failed run of the claimed `job`: due again at `retry_at`, or set aside (dead) when `None`. Nothing
    /// changes when the job was claimed again or scheduled anew since.
    async fn fail_job(
        &self,
        job: &JobRow,
        error: &str,
        now: i64,
        retry_at: Option<i64>,
    ) -> Result<()>;
    /// Jobs set aside after their last attempt, newest first.
    async fn dead_jobs(&self, limit: i64) -> Result<Vec<JobRow>>;
}

const JOB_COLUMNS: &str = "id, kind, subject, due_at, attempts, last_error, dead_at, claim";

/// Schedules `job` inside a caller's transaction (the bot schedules its jobs with the change that caused them).
pub(crate) async fn schedule_in(
    tx: &mut Transaction<'static, Any>,
    job: Job,
    due_at: i64,
) -> Result<()> {
    schedule_query(job, due_at).execute(&mut **tx).await?;
    Ok(())
}

/// Marks the claimed job done inside the transaction of the work it did: both land or neither. A job scheduled
/// anew while it ran stays scheduled.
pub(crate) async fn finish_in(
    tx: &mut Transaction<'static, Any>,
    job: &JobRow,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE jobs SET done_at = $1 WHERE id = $2 AND claim = $3")
        .bind(now)
        .bind(job.id)
        .bind(job.claim)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn schedule_query(job: Job, due_at: i64) -> crate::rows::AnyQuery<'static> {
    sqlx::query(
        "INSERT INTO jobs (kind, subject, due_at) VALUES ($1, $2, $3) \
         ON CONFLICT (kind, subject) DO UPDATE SET due_at = $3, done_at = NULL, attempts = 0, \
         last_error = NULL, dead_at = NULL, claim = jobs.claim + 1",
    )
    .bind(job.kind.as_str())
    .bind(job.subject)
    .bind(due_at)
}

fn job_from(r: &sqlx::any::AnyRow) -> Result<JobRow> {
    Ok(JobRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        due_at: r.try_get("due_at")?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        dead_at: r.try_get("dead_at")?,
        claim: r.try_get("claim")?,
    })
}

#[async_trait]
impl JobStore for SqlStore {
    async fn schedule_job(&self, job: Job, due_at: i64) -> Result<()> {
        schedule_query(job, due_at).execute(&self.write).await?;
        Ok(())
    }

    async fn claim_jobs(&self, now: i64, lease_secs: i64, limit: i64) -> Result<Vec<JobRow>> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // The claim moves the due time past the lease: finishing or failing the job sets it for good.
        let sql = format!(
            "UPDATE jobs SET due_at = $1, claim = claim + 1 WHERE id IN (SELECT id FROM jobs \
             WHERE done_at IS NULL AND dead_at IS NULL AND due_at <= $2 ORDER BY due_at, id LIMIT $3{lock}) \
             RETURNING {JOB_COLUMNS}"
        );
        let mut tx = self.write.begin().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now + lease_secs)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut jobs: Vec<JobRow> = rows.iter().map(job_from).collect::<Result<_>>()?;
        // RETURNING gives no order, and the claim has moved the due times: they run in id order (the order they
        // were first scheduled in), which for a batch claimed at one moment is close enough to due order.
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    async fn fail_job(
        &self,
        job: &JobRow,
        error: &str,
        now: i64,
        retry_at: Option<i64>,
    ) -> Result<()> {
        let error: String = error.chars().take(1000).collect();
        let q = match retry_at {
            Some(at) => sqlx::query(
                "UPDATE jobs SET attempts = attempts + 1, last_error = $1, due_at = $2 WHERE id = $3 AND claim = $4",
            )
            .bind(error)
            .bind(at),
            None => sqlx::query(
                "UPDATE jobs SET attempts = attempts + 1, last_error = $1, dead_at = $2 WHERE id = $3 AND claim = $4",
            )
            .bind(error)
            .bind(now),
        };
        q.bind(job.id).bind(job.claim).execute(&self.write).await?;
        Ok(())
    }

    async fn dead_jobs(&self, limit: i64) -> Result<Vec<JobRow>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id DESC LIMIT $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(job_from).collect()
    }
}

/// The job queue's writes inside a [`Tx`](crate::Tx): scheduling a job with the change that calls for it, finishing
/// one with the changes its run made.
#[async_trait]
pub trait JobWrites: Send {
    /// Schedules (or moves) a job, with this event's other changes.
    async fn schedule(&mut self, job: kaamgar_domain::jobs::Job, due_at: i64) -> Result<()>;
    /// Marks a claimed job done, with the changes its run made.
    async fn finish_job(&mut self, job: &crate::JobRow, now: i64) -> Result<()>;
}

#[async_trait]
impl crate::JobWrites for crate::SqlTx {
    async fn schedule(&mut self, job: kaamgar_domain::jobs::Job, due_at: i64) -> Result<()> {
        crate::jobs::schedule_in(&mut self.tx, job, due_at).await
    }

    async fn finish_job(&mut self, job: &crate::JobRow, now: i64) -> Result<()> {
        crate::jobs::finish_in(&mut self.tx, job, now).await
    }
}
