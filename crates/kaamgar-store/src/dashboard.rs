//! What the officials' dashboard reads in bulk: registry and request counts for a district or block (the web layer
//! caches them), and list uploads made through the dashboard with their rejected-row reports.

use crate::{ImportSummary, Result, SqlStore, StoreError};
use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Row};

/// Where the counts are taken: the whole database, a district, or a block of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Area {
    pub district: Option<String>,
    pub block: Option<String>,
}

/// Workers counted by block, trade, availability, verification and source.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerCount {
    pub block: Option<String>,
    pub trade: String,
    pub availability: String,
    pub verified: bool,
    pub source: String,
    pub count: i64,
}

/// A request as the overview reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestPoint {
    pub block: Option<String>,
    pub status: String,
    pub created_at: i64,
    pub accepted_at: Option<i64>,
}

impl Area {
    /// The area a jurisdiction covers.
    pub fn of(scope: &kaamgar_domain::access::Scope) -> Area {
        Area {
            district: scope.district().map(str::to_string),
            block: scope.block().map(str::to_string),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUpload {
    /// The uploading account; `None` for `kaamgar import` run without `--as`.
    pub user_id: Option<i64>,
    /// `dashboard`, `api` or `cli`.
    pub origin: &'static str,
    pub district: Option<String>,
    pub block: Option<String>,
    pub file_name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UploadRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub origin: String,
    pub district: Option<String>,
    pub block: Option<String>,
    pub file_name: String,
    /// `queued`, `running`, `done`, `rejected` (the file as a whole) or `failed` (an internal error).
    pub status: String,
    pub run_id: Option<i64>,
    pub summary: ImportSummary,
    pub message: Option<String>,
    pub has_report: bool,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// How an upload ended.
#[derive(Debug, Clone)]
pub struct UploadEnd<'a> {
    pub status: &'a str,
    pub run_id: Option<i64>,
    pub summary: ImportSummary,
    pub message: Option<&'a str>,
    pub report: Option<&'a str>,
}

#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// Workers matching the filter, counted up to `cap + 1`.
    async fn count_workers_upto(&self, f: &crate::WorkerFilter, cap: i64) -> Result<i64>;
    /// Brings the search keys and the worker counts up to date with the registry's changes, or takes at most
    /// `batches` steps of 2,000 changes (a page must not wait for a whole import); returns how many changes were
    /// read (none: one cheap read, no write).
    async fn catch_up_index(&self, batches: Option<usize>) -> Result<u64>;
    /// The number of workers a filter without a search matches, from the maintained counts as far as they have
    /// followed the registry; `None` for a search.
    async fn worker_total(&self, f: &crate::WorkerFilter) -> Result<Option<i64>>;
    async fn worker_counts(&self, area: &Area) -> Result<Vec<WorkerCount>>;
    /// Requests created at or after `since`.
    async fn request_points(&self, area: &Area, since: i64) -> Result<Vec<RequestPoint>>;
    /// Records an upload (queued) and its audit row in one transaction; the audit row's target is set to
    /// `upload:{id}`.
    async fn create_upload(
        &self,
        u: &NewUpload,
        now: i64,
        audit: &crate::AuditEntry,
    ) -> Result<i64>;
    async fn finish_upload(&self, id: i64, end: &UploadEnd<'_>, now: i64) -> Result<()>;
    /// A queued upload's turn has come.
    async fn start_upload(&self, id: i64) -> Result<()>;
    /// Marks uploads left `queued` or `running` by a server that stopped as failed; returns how many. Called at
    /// start-up.
    async fn fail_interrupted_uploads(&self, now: i64) -> Result<u64>;
    async fn upload(&self, id: i64) -> Result<UploadRow>;
    async fn upload_report(&self, id: i64) -> Result<Option<String>>;
    /// Uploads inside the area, newest first.
    async fn list_uploads(&self, area: &Area, limit: i64) -> Result<Vec<UploadRow>>;
}

/// `WHERE` conditions for an area, numbered from `$start`.
fn area_sql(area: &Area, start: usize) -> (String, Vec<String>) {
    let mut cond = String::new();
    let mut binds = Vec::new();
    for (col, v) in [("district", &area.district), ("block", &area.block)] {
        if let Some(v) = v {
            binds.push(v.clone());
            cond.push_str(&format!(" AND {col} = ${}", start + binds.len() - 1));
        }
    }
    (cond, binds)
}

const UPLOAD_COLUMNS: &str = "id, user_id, origin, district, block, file_name, status, run_id, rows_total, rows_inserted, \
     rows_updated, rows_unchanged, rows_rejected, rows_empty, rows_warned, message, report IS NOT NULL AS has_report, \
     created_at, finished_at";

fn upload_from(r: &sqlx::any::AnyRow) -> Result<UploadRow> {
    let has_report: bool = match r.try_get::<bool, _>("has_report") {
        Ok(b) => b,
        Err(_) => r.try_get::<i64, _>("has_report")? != 0,
    };
    Ok(UploadRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        origin: r.try_get("origin")?,
        district: r.try_get("district")?,
        block: r.try_get("block")?,
        file_name: r.try_get("file_name")?,
        status: r.try_get("status")?,
        run_id: r.try_get("run_id")?,
        summary: crate::batch::summary_from(r)?,
        message: r.try_get("message")?,
        has_report,
        created_at: r.try_get("created_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

#[async_trait]
impl DashboardStore for SqlStore {
    async fn count_workers_upto(&self, f: &crate::WorkerFilter, cap: i64) -> Result<i64> {
        self.count(f, Some(cap)).await
    }

    async fn catch_up_index(&self, batches: Option<usize>) -> Result<u64> {
        self.index_catch_up(batches).await
    }

    async fn worker_total(&self, f: &crate::WorkerFilter) -> Result<Option<i64>> {
        self.tally_total(f).await
    }

    async fn worker_counts(&self, area: &Area) -> Result<Vec<WorkerCount>> {
        let (cond, binds) = area_sql(area, 1);
        let sql = format!(
            "SELECT block, trade, availability, verified, source, COUNT(*) AS n \
             FROM workers WHERE deleted_at IS NULL{cond} GROUP BY block, trade, availability, verified, source"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok(WorkerCount {
                    block: r.try_get("block")?,
                    trade: r.try_get("trade")?,
                    availability: r.try_get("availability")?,
                    verified: r.try_get::<i64, _>("verified")? != 0,
                    source: r.try_get("source")?,
                    count: r.try_get("n")?,
                })
            })
            .collect()
    }

    async fn request_points(&self, area: &Area, since: i64) -> Result<Vec<RequestPoint>> {
        let (cond, binds) = area_sql(area, 2);
        let sql = format!(
            "SELECT block, status, created_at, accepted_at FROM service_requests \
             WHERE created_at >= $1{cond}"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(since);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok(RequestPoint {
                    block: r.try_get("block")?,
                    status: r.try_get("status")?,
                    created_at: r.try_get("created_at")?,
                    accepted_at: r.try_get("accepted_at")?,
                })
            })
            .collect()
    }

    async fn create_upload(
        &self,
        u: &NewUpload,
        now: i64,
        audit: &crate::AuditEntry,
    ) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO uploads (user_id, district, block, file_name, status, created_at, origin) \
             VALUES ($1, $2, $3, $4, 'queued', $5, $6) RETURNING id",
        )
        .bind(u.user_id)
        .bind(&u.district)
        .bind(&u.block)
        .bind(&u.file_name)
        .bind(now)
        .bind(u.origin)
        .fetch_one(&mut *tx)
        .await?;
        let audit = crate::AuditEntry {
            target: Some(format!("upload:{id}")),
            ..audit.clone()
        };
        crate::accounts::insert_audit(&mut *tx, &audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn finish_upload(&self, id: i64, end: &UploadEnd<'_>, now: i64) -> Result<()> {
        let s = &end.summary;
        let n = |v: u64| v.min(i64::MAX as u64) as i64;
        sqlx::query(
            "UPDATE uploads SET status = $1, run_id = $2, rows_total = $3, rows_inserted = $4, rows_updated = $5, \
             rows_unchanged = $6, rows_rejected = $7, rows_empty = $8, message = $9, report = $10, finished_at = $11, \
             rows_warned = $12 WHERE id = $13",
        )
        .bind(end.status)
        .bind(end.run_id)
        .bind(n(s.rows))
        .bind(n(s.inserted))
        .bind(n(s.updated))
        .bind(n(s.unchanged))
        .bind(n(s.rejected))
        .bind(n(s.empty))
        .bind(end.message)
        .bind(end.report)
        .bind(now)
        .bind(n(s.warned))
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn start_upload(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE uploads SET status = 'running' WHERE id = $1 AND status = 'queued'")
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn fail_interrupted_uploads(&self, now: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE uploads SET status = 'failed', finished_at = $1, message = $2 \
             WHERE status IN ('queued', 'running')",
        )
        .bind(now)
        .bind("the server stopped during the import; rows of whole batches may be saved: upload the list again")
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }

    async fn upload(&self, id: i64) -> Result<UploadRow> {
        let sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        upload_from(&row)
    }

    async fn upload_report(&self, id: i64) -> Result<Option<String>> {
        let r: Option<Option<String>> =
            sqlx::query_scalar("SELECT report FROM uploads WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
        r.ok_or(StoreError::NotFound)
    }

    async fn list_uploads(&self, area: &Area, limit: i64) -> Result<Vec<UploadRow>> {
        let (cond, binds) = area_sql(area, 2);
        let sql = format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id > 0{cond} ORDER BY id DESC LIMIT $1"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(limit);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter().map(upload_from).collect()
    }
}
