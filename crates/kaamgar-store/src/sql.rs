//! The SQL store: connecting, SQLite pragmas, migrations per backend, and the `Store` trait wired to the query
//! modules. One code path over `AnyPool`; the few dialect differences are decided by `Backend`.

use crate::{
    BatchOutcome, BatchRow, ChangeCursor, ImportRunRecord, ImportSummary, InboxEvent,
    IngestOutcome, LeadRecord, LgdData, MatchRow, NewInboxEvent, NewOutbound, OutboundJob,
    OutboundRecord, Page, Result, Store, StoreError, WorkerChange, WorkerFilter,
};
use async_trait::async_trait;
use kaamgar_domain::places::{LgdBlock, LgdDistrict};
use kaamgar_domain::request::OfferStatus;
use kaamgar_domain::worker::{Availability, NewWorker, Worker};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor, Row};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The store over SQLite or PostgreSQL. SQLite has one writer, so writes go through a one-connection pool and
/// reads through a small pool of their own (WAL lets them run beside the writer).
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) read: AnyPool,
    pub(crate) write: AnyPool,
    pub(crate) backend: Backend,
    /// The erasure register's key, adopted after connecting ([`SqlStore::adopt_phone_key`]).
    pub(crate) phone_key: Option<crate::PhoneKey>,
}

impl SqlStore {
    /// Connects to `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                format!(
                    "unsupported database URL scheme in '{}'; use sqlite:// or postgres://",
                    redact(url)
                )
                .into(),
            )));
        };
        match backend {
            Backend::Postgres => {
                let opts = AnyConnectOptions::from_str(url)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?;
                Ok(SqlStore {
                    read: pool.clone(),
                    write: pool,
                    backend,
                    phone_key: None,
                })
            }
            Backend::Sqlite => {
                let url = sqlite_url(url);
                let opts = AnyConnectOptions::from_str(&url)?;
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(sqlite_pragmas)
                    .connect_with(opts.clone())
                    .await?;
                let read = AnyPoolOptions::new()
                    .max_connections(4)
                    .after_connect(sqlite_pragmas)
                    .connect_with(opts)
                    .await?;
                Ok(SqlStore {
                    read,
                    write,
                    backend,
                    phone_key: None,
                })
            }
        }
    }

    /// Raises the change sequence inside a write transaction and returns the new value. On PostgreSQL the row
    /// lock serialises registry writers, so sequence order is commit order and a follower never skips a change.
    pub(crate) async fn next_seq(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<i64> {
        let seq: i64 = sqlx::query_scalar(
            "UPDATE change_seq SET value = value + 1 WHERE id = 1 RETURNING value",
        )
        .fetch_one(&mut **tx)
        .await?;
        Ok(seq)
    }
}

type ConnectFuture<'c> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

/// WAL for readers beside the writer, NORMAL sync (safe under WAL), a generous busy timeout, foreign keys.
fn sqlite_pragmas(
    conn: &mut sqlx::AnyConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> ConnectFuture<'_> {
    Box::pin(async move {
        conn.execute(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; \
             PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=10000;",
        )
        .await?;
        Ok(())
    })
}

impl SqlStore {
    /// Applies the migrations up to and including `version` only: upgrade tests fill a database as an older
    /// version left it, then migrate the rest.
    pub async fn migrate_to(&self, version: i64) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run_to(version, &self.write).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run_to(version, &self.write).await?,
        }
        Ok(())
    }

    /// Runs SQL as given. Only for upgrade tests, which write rows the current code no longer writes.
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &str) -> Result<()> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Closes both pools (tests drop their database afterwards).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// `sqlite://kaamgar.db` → `sqlite://kaamgar.db?mode=rwc` so a fresh machine gets a database file.
/// `sqlite::memory:` becomes a named shared in-memory database: the Any driver parses the URL again for every
/// connection, and a plain `:memory:` would give each connection an empty database of its own.
fn sqlite_url(url: &str) -> String {
    static MEMORY_DBS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if url.contains(":memory:") {
        let n = MEMORY_DBS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!(
            "sqlite:file:kaamgar-memory-{}-{n}?mode=memory&cache=shared",
            std::process::id()
        )
    } else if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.write).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.write).await?,
        }
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn create_worker(&self, w: &NewWorker, now: i64) -> Result<Worker> {
        self.insert_worker(w, now, None).await
    }
    async fn create_worker_audited(
        &self,
        w: &NewWorker,
        now: i64,
        audit: &crate::AuditEntry,
    ) -> Result<Worker> {
        self.insert_worker(w, now, Some(audit)).await
    }
    async fn get_worker(&self, id: i64) -> Result<Worker> {
        self.fetch_worker(id).await
    }
    async fn update_worker(&self, id: i64, w: &NewWorker, now: i64) -> Result<Worker> {
        self.replace_worker(id, w, now).await
    }
    async fn set_availability(&self, id: i64, a: Availability, now: i64) -> Result<Worker> {
        self.set_column(id, "availability", a.as_str().to_string(), now)
            .await
    }
    async fn set_verified(&self, id: i64, verified: bool, now: i64) -> Result<Worker> {
        self.set_column(id, "verified", i64::from(verified), now)
            .await
    }
    async fn remove_worker(&self, id: i64, now: i64) -> Result<()> {
        self.soft_delete(id, now).await
    }
    async fn erase_worker(&self, id: i64, reason: &str, now: i64) -> Result<()> {
        self.erase(id, reason, now).await
    }
    async fn change_worker_audited(
        &self,
        id: i64,
        change: &crate::WorkerWrite<'_>,
        now: i64,
        audit: &crate::AuditEntry,
    ) -> Result<()> {
        self.audited(id, change, now, audit).await
    }
    async fn list_workers(&self, filter: &WorkerFilter, page: Page) -> Result<Vec<Worker>> {
        self.list(filter, page).await
    }
    async fn count_workers(&self, filter: &WorkerFilter) -> Result<i64> {
        self.count(filter, None).await
    }
    async fn current_seq(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT value FROM change_seq WHERE id = 1")
                .fetch_one(&self.read)
                .await?,
        )
    }
    async fn changes_since(&self, after: ChangeCursor, limit: i64) -> Result<Vec<WorkerChange>> {
        self.changes(after, limit).await
    }
    async fn match_changes_since(&self, after: ChangeCursor, limit: i64) -> Result<Vec<MatchRow>> {
        self.match_changes(after, limit).await
    }
    async fn lead_history(&self, since: Option<i64>, memory: i64) -> Result<Vec<LeadRecord>> {
        let since = match since {
            Some(t) => t,
            None => {
                let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(offered_at) FROM offers")
                    .fetch_one(&self.read)
                    .await?;
                match newest {
                    Some(t) => t.saturating_sub(memory),
                    None => return Ok(Vec::new()),
                }
            }
        };
        let rows = sqlx::query(
            "SELECT id, worker_id, offered_at, status, answered_at FROM offers \
             WHERE offered_at >= $1 OR answered_at >= $1 ORDER BY offered_at, id",
        )
        .bind(since)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                let answered: Option<i64> = r.try_get("answered_at")?;
                let refused = [OfferStatus::Declined, OfferStatus::Expired]
                    .iter()
                    .any(|o| o.as_str() == status);
                Ok(LeadRecord {
                    offer_id: r.try_get("id")?,
                    worker_id: r.try_get("worker_id")?,
                    offered_at: r.try_get("offered_at")?,
                    refused_at: answered.filter(|_| refused),
                })
            })
            .collect()
    }
    async fn begin_import(&self, file_name: &str, now: i64) -> Result<i64> {
        self.start_run(file_name, now).await
    }
    async fn import_batch(&self, run: i64, rows: &[BatchRow], now: i64) -> Result<BatchOutcome> {
        self.upsert_batch(run, rows, now).await
    }
    async fn finish_import(
        &self,
        run: i64,
        status: &str,
        summary: &ImportSummary,
        now: i64,
    ) -> Result<()> {
        self.end_run(run, status, summary, now).await
    }
    async fn import_run(&self, run: i64) -> Result<ImportRunRecord> {
        self.fetch_run(run).await
    }
    async fn ingest_inbound(&self, events: &[NewInboxEvent], now: i64) -> Result<IngestOutcome> {
        self.ingest(events, now).await
    }
    async fn pending_inbound(&self, limit: i64) -> Result<Vec<InboxEvent>> {
        self.pending(limit).await
    }
    async fn finish_inbound(&self, id: i64, error: Option<&str>, now: i64) -> Result<()> {
        self.finish(id, error, now).await
    }
    async fn enqueue_outbound(&self, msgs: &[NewOutbound], now: i64) -> Result<Vec<i64>> {
        self.enqueue(msgs, now).await
    }
    async fn claim_outbound(&self, limit: i64, now: i64) -> Result<Vec<OutboundJob>> {
        self.claim(limit, now).await
    }
    async fn outbound_sent(&self, id: i64, wamid: &str, now: i64) -> Result<()> {
        self.sent(id, wamid, now).await
    }
    async fn outbound_retry(
        &self,
        id: i64,
        next_at: i64,
        code: Option<i64>,
        error: &str,
    ) -> Result<()> {
        self.retry(id, next_at, code, error).await
    }
    async fn outbound_failed(&self, id: i64, code: Option<i64>, error: &str) -> Result<()> {
        self.failed(id, code, error).await
    }
    async fn outbound_delivery(
        &self,
        wamid: &str,
        status: &str,
        code: Option<i64>,
        error: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        self.delivery(wamid, status, code, error, now).await
    }
    async fn outbound_use_fallback(&self, id: i64, now: i64) -> Result<bool> {
        self.use_fallback(id, now).await
    }
    async fn requeue_stuck_outbound(&self, claimed_before: i64) -> Result<u64> {
        self.requeue(claimed_before).await
    }
    async fn outbound(&self, id: i64) -> Result<OutboundRecord> {
        self.outbound_record(id).await
    }
    async fn begin_bot(&self) -> Result<Box<dyn crate::BotTx>> {
        self.begin_bot_tx().await
    }
    async fn abandon_inbound(&self, id: i64, error: &str, now: i64) -> Result<()> {
        self.abandon(id, error, now).await
    }
    async fn chat_lines(&self, contact: &str, limit: i64) -> Result<Vec<crate::ChatLine>> {
        SqlStore::chat_lines(self, contact, limit).await
    }
    async fn list_requests(
        &self,
        f: &crate::RequestFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<crate::RequestRow>> {
        SqlStore::list_requests(self, f, after, limit).await
    }
    async fn request_with_offers(
        &self,
        id: i64,
    ) -> Result<(crate::RequestRow, Vec<crate::OfferRow>)> {
        SqlStore::request_with_offers(self, id).await
    }
    async fn replace_lgd(&self, data: &LgdData) -> Result<()> {
        self.write_lgd(data).await
    }
    async fn lgd(&self) -> Result<(Vec<LgdDistrict>, Vec<LgdBlock>)> {
        self.read_lgd().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_of_a_database_url() {
        assert_eq!(
            redact("postgres://kaam:secret@db:5432/k"),
            "postgres://kaam:***@db:5432/k"
        );
        assert_eq!(redact("sqlite://kaamgar.db"), "sqlite://kaamgar.db");
    }

    #[test]
    fn sqlite_urls_create_the_file() {
        assert_eq!(sqlite_url("sqlite://k.db"), "sqlite://k.db?mode=rwc");
        assert!(sqlite_url("sqlite::memory:").contains("mode=memory&cache=shared"));
    }
}
