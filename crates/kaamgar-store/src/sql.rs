//! The SQL store: connecting, SQLite pragmas and migrations per backend. Each capability's trait is implemented in
//! its own module (`workers`, `batch`, `inbox`, `outbox`, `bot_reads`, `lgd`, `accounts`, `dashboard`, `jobs`).
//! One code path over `AnyPool`; the few dialect differences are decided by `Backend`.

use crate::{Result, Store, StoreError};
use async_trait::async_trait;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
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
    async fn begin(&self) -> Result<Box<dyn crate::Tx>> {
        let phone_key = self.phone_key()?.clone();
        let tx = self.write.begin().await?;
        Ok(Box::new(crate::SqlTx {
            tx,
            backend: self.backend,
            phone_key,
            touched_workers: Vec::new(),
        }))
    }

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
