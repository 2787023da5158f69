//! Single-worker reads and writes, lists with filters, removal, erasure and the change feed.
//! Every write raises the change sequence in the same transaction.

use crate::columns;
use crate::rows::{
    DATA_COLUMNS, SELECT_WORKER, bind_data, content_hash, placeholders, worker_from_row,
};
use crate::{
    Backend, ChangeCursor, MatchRow, Page, RegistryStore, Result, SqlStore, StoreError,
    WorkerChange, WorkerFilter,
};
use kaamgar_domain::worker::{Availability, NewWorker, Worker};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

/// Constraint names are part of the schema contract (both migration folders use them); errors are mapped on the
/// constraint, never on message text.
const PHONE_UNIQUE: &str = "workers_phone_key";

fn map_unique(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        // SQLite does not report constraint names; its only unique constraint on workers is the phone.
        if db.constraint().is_none_or(|c| c == PHONE_UNIQUE) {
            return StoreError::PhoneTaken;
        }
    }
    StoreError::Database(e)
}

/// A live (not removed) worker by id, on the pool or inside a caller's transaction.
pub(crate) async fn worker_in<'e, E>(executor: E, id: i64) -> Result<Option<Worker>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let sql = format!("{SELECT_WORKER} WHERE id = $1 AND deleted_at IS NULL");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(worker_from_row).transpose()
}

/// A live worker by phone, on the pool or inside a caller's transaction.
pub(crate) async fn worker_by_phone_in<'e, E>(
    executor: E,
    phone: kaamgar_domain::PhoneNumber,
) -> Result<Option<Worker>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let sql = format!("{SELECT_WORKER} WHERE phone = $1 AND deleted_at IS NULL");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(phone.e164())
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(worker_from_row).transpose()
}

/// Refuses a phone whose owner asked to be erased: registering again needs their own action, not an official's
/// form or an old list. Checked inside the transaction that would insert them.
pub(crate) async fn refuse_erased_in<'e, E>(
    executor: E,
    key: &crate::PhoneKey,
    phone: kaamgar_domain::PhoneNumber,
) -> Result<()>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let hit: Option<i64> = sqlx::query_scalar("SELECT 1 FROM erasures WHERE phone_hash = $1")
        .bind(key.hash(phone))
        .fetch_optional(executor)
        .await?;
    if hit.is_some() {
        Err(StoreError::Erased)
    } else {
        Ok(())
    }
}

impl SqlStore {
    /// Inserts one worker; with an audit row, both in one transaction (the row's target becomes `worker:{id}`).
    pub(crate) async fn insert_worker(
        &self,
        w: &NewWorker,
        now: i64,
        audit: Option<&crate::AuditEntry>,
    ) -> Result<Worker> {
        let mut tx = self.write.begin().await?;
        refuse_erased_in(&mut *tx, self.phone_key()?, w.phone).await?;
        let id = insert_worker_in(&mut tx, self.backend, w, now).await?;
        if let Some(a) = audit {
            let a = crate::AuditEntry {
                target: Some(format!("worker:{id}")),
                ..a.clone()
            };
            crate::accounts::insert_audit(&mut *tx, &a).await?;
        }
        tx.commit().await?;
        self.get_worker(id).await
    }

    async fn replace_in(
        &self,
        tx: &mut sqlx::Transaction<'static, Any>,
        id: i64,
        w: &NewWorker,
        now: i64,
    ) -> Result<()> {
        let seq = SqlStore::next_seq(tx).await?;
        let sets: Vec<String> = DATA_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let n = DATA_COLUMNS.len();
        let sql = format!(
            "UPDATE workers SET {}, updated_at = ${}, seq = ${} WHERE id = ${} AND deleted_at IS NULL",
            sets.join(", "),
            n + 1,
            n + 2,
            n + 3
        );
        let q = bind_data(sqlx::query(AssertSqlSafe(sql)), w, content_hash(w))
            .bind(now)
            .bind(seq)
            .bind(id);
        let done = q.execute(&mut **tx).await.map_err(map_unique)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        write_trades(tx, self.backend, &[(id, w)]).await?;
        Ok(())
    }

    /// Sets one column of a live worker (availability, verification) and raises the change sequence.
    pub(crate) async fn set_column<T>(
        &self,
        id: i64,
        column: &'static str,
        value: T,
        now: i64,
    ) -> Result<Worker>
    where
        T: for<'q> sqlx::Encode<'q, Any> + sqlx::Type<Any> + Send + 'static,
    {
        self.update_live(id, column, value, now).await?;
        self.get_worker(id).await
    }

    /// Updates one column of a worker that is not removed, in its own transaction with a new change sequence.
    async fn update_live<T>(&self, id: i64, column: &'static str, value: T, now: i64) -> Result<()>
    where
        T: for<'q> sqlx::Encode<'q, Any> + sqlx::Type<Any> + Send + 'static,
    {
        let mut tx = self.write.begin().await?;
        update_live_in(&mut tx, id, column, value, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn erase_in(
        &self,
        tx: &mut sqlx::Transaction<'static, Any>,
        id: i64,
        reason: &str,
        now: i64,
    ) -> Result<()> {
        let row = sqlx::query("SELECT phone FROM workers WHERE id = $1 AND erased_at IS NULL")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound);
        };
        let phone: String = row.try_get("phone")?;
        let seq = SqlStore::next_seq(tx).await?;
        if let Ok(p) = kaamgar_domain::PhoneNumber::parse(&phone) {
            sqlx::query("INSERT INTO erasures (phone_hash, erased_at, reason, keyed) VALUES ($1, $2, $3, 1) ON CONFLICT (phone_hash) DO NOTHING")
                .bind(self.phone_hash(p)?)
                .bind(now)
                .bind(reason.chars().take(500).collect::<String>())
                .execute(&mut **tx)
                .await?;
        }
        // Trade, block and district stay so that counts remain right; everything that identifies the person goes.
        sqlx::query(
            "UPDATE workers SET phone = $1, name = '', gender = NULL, age = NULL, village = NULL, panchayat = NULL, \
             pin = NULL, languages = '', source = '', import_run = NULL, import_line = NULL, \
             deleted_at = COALESCE(deleted_at, $2), erased_at = $2, updated_at = $2, seq = $3 WHERE id = $4",
        )
        .bind(format!("erased:{id}"))
        .bind(now)
        .bind(seq)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        // Their training records keep the counts, not the person: the copied name and number go, and a
        // certificate's stored copy (it names them) is withdrawn.
        sqlx::query(
            "UPDATE certificates SET credential = '{}', revoked_at = COALESCE(revoked_at, $2), \
             revoke_reason = COALESCE(revoke_reason, 'erased') \
             WHERE enrolment_id IN (SELECT id FROM training_enrolments WHERE worker_id = $1)",
        )
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE training_enrolments SET name = '', phone = 'erased:' || CAST(id AS TEXT), office = NULL, \
             panchayat = NULL, status = 'withdrawn', updated_at = $2 WHERE worker_id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Workers matching the filter; with `cap`, counting stops after `cap + 1` (a list page only needs to say
    /// "more than 10,000", and counting a whole registry costs a full scan).
    pub(crate) async fn count(&self, f: &WorkerFilter, cap: Option<i64>) -> Result<i64> {
        let (cond, binds) = filter_sql(self.backend, f, 1);
        let sql = match cap {
            None => format!("SELECT COUNT(*) AS n FROM workers WHERE {cond}"),
            Some(c) => format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM workers WHERE {cond} LIMIT {}) capped",
                c.max(0) + 1
            ),
        };
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        Ok(q.fetch_one(&self.read).await?.try_get("n")?)
    }
}

/// Replaces the `worker_trades` rows of these workers (primary first), in two statements.
/// Inserts a worker inside a caller's transaction, raising the change sequence; returns the new id.
pub(crate) async fn insert_worker_in(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    w: &NewWorker,
    now: i64,
) -> Result<i64> {
    let seq = SqlStore::next_seq(tx).await?;
    let sql = format!(
        "INSERT INTO workers ({}, created_at, updated_at, seq) VALUES {} RETURNING id",
        DATA_COLUMNS.join(", "),
        placeholders(backend, 1, DATA_COLUMNS.len() + 3, 0)
    );
    let q = bind_data(sqlx::query(AssertSqlSafe(sql)), w, content_hash(w))
        .bind(now)
        .bind(now)
        .bind(seq);
    let id: i64 = q
        .fetch_one(&mut **tx)
        .await
        .map_err(map_unique)?
        .try_get("id")?;
    write_trades(tx, backend, &[(id, w)]).await?;
    Ok(id)
}

pub(crate) async fn write_trades(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    workers: &[(i64, &NewWorker)],
) -> Result<()> {
    if workers.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = workers.iter().map(|(id, _)| *id).collect();
    let sql = format!(
        "DELETE FROM worker_trades WHERE worker_id {}",
        columns::set_sql(backend, 1, "bigint", ids.len())
    );
    columns::bind_set(backend, sqlx::query(AssertSqlSafe(sql)), &ids)
        .execute(&mut **tx)
        .await?;
    insert_trades(tx, backend, workers).await
}

/// Inserts the `worker_trades` rows of workers that have none yet.
pub(crate) async fn insert_trades(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    workers: &[(i64, &NewWorker)],
) -> Result<()> {
    let mut rows: Vec<(i64, String, i64)> = Vec::with_capacity(workers.len() * 2);
    for (id, w) in workers {
        rows.push((*id, w.trade.clone(), 1));
        for t in w.other_trades.iter().filter(|t| **t != w.trade) {
            rows.push((*id, t.clone(), 0));
        }
    }
    for chunk in rows.chunks(5000) {
        let q = match backend {
            Backend::Sqlite => {
                let sql = format!(
                    "INSERT INTO worker_trades (worker_id, trade, is_primary) VALUES {}",
                    placeholders(backend, chunk.len(), 3, 0)
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (id, t, p) in chunk {
                    q = q.bind(*id).bind(t.clone()).bind(*p);
                }
                q
            }
            Backend::Postgres => {
                let sql = format!(
                    "INSERT INTO worker_trades (worker_id, trade, is_primary) SELECT * FROM unnest({}, {}, {})",
                    columns::array(1, "bigint"),
                    columns::array(2, "text"),
                    columns::array(3, "bigint")
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(columns::join(chunk.iter().map(|r| Some(r.0.to_string()))))
                    .bind(columns::join(chunk.iter().map(|r| Some(r.1.clone()))))
                    .bind(columns::join(chunk.iter().map(|r| Some(r.2.to_string()))))
            }
        };
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// WHERE clause and text binds for a filter, numbering placeholders from `start`.
fn filter_sql(backend: Backend, f: &WorkerFilter, start: usize) -> (String, Vec<String>) {
    let mut cond = vec!["deleted_at IS NULL".to_string()];
    let mut binds: Vec<String> = Vec::new();
    let mut push = |clause: &str, v: String| {
        binds.push(v);
        cond.push(clause.replace('?', &format!("${}", start + binds.len() - 1)));
    };
    if let Some(t) = &f.trade {
        push(
            "id IN (SELECT worker_id FROM worker_trades WHERE trade = ?)",
            t.clone(),
        );
    }
    if let Some(d) = &f.district {
        push("district = ?", d.clone());
    }
    if let Some(b) = &f.block {
        push("block = ?", b.clone());
    }
    if let Some(a) = f.availability {
        push("availability = ?", a.as_str().to_string());
    }
    if let Some(s) = &f.source {
        push("source = ?", s.clone());
    }
    if let Some(q) = &f.search {
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 4 && digits.len() == q.chars().filter(|c| !c.is_whitespace()).count() {
            // SQLite scans the unique phone index, which holds the rowid, and looks up only the matches.
            let clause = match backend {
                Backend::Sqlite => "id IN (SELECT id FROM workers WHERE phone LIKE ? ESCAPE '\\')",
                Backend::Postgres => "phone LIKE ? ESCAPE '\\'",
            };
            push(clause, format!("%{}", like_escape(&digits)));
        } else {
            // Every word of the search starts a word of the name, village or panchayat, in either script: the
            // phonetic keys kept by search_index.rs ("ranjeet" finds "रंजीत"), a prefix range on an index.
            let words = kaamgar_domain::text::word_skeletons(q);
            if words.is_empty() {
                cond.push("1 = 0".into());
            }
            for w in words.iter().take(4) {
                let (from, to) = crate::search_index::prefix_range(w);
                let n = start + binds.len();
                binds.push(from);
                binds.push(to);
                cond.push(format!(
                    "id IN (SELECT worker_id FROM worker_search WHERE key >= ${n} AND key < ${})",
                    n + 1
                ));
            }
        }
    }
    if let Some(v) = f.verified {
        cond.push(if v {
            "verified = 1".into()
        } else {
            "verified = 0".into()
        });
    }
    (cond.join(" AND "), binds)
}

/// Escapes LIKE's wildcards so that a search for "50%" or "a_b" means those characters.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Updates one column of a worker that is not removed, inside `tx`, with a new change sequence.
pub(crate) async fn update_live_in<T>(
    tx: &mut sqlx::Transaction<'static, Any>,
    id: i64,
    column: &'static str,
    value: T,
    now: i64,
) -> Result<()>
where
    T: for<'q> sqlx::Encode<'q, Any> + sqlx::Type<Any> + Send + 'static,
{
    let seq = SqlStore::next_seq(tx).await?;
    let sql = format!(
        "UPDATE workers SET {column} = $1, updated_at = $2, seq = $3 WHERE id = $4 AND deleted_at IS NULL"
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(value)
        .bind(now)
        .bind(seq)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

#[async_trait::async_trait]
impl RegistryStore for SqlStore {
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
    async fn set_availability(&self, id: i64, a: Availability, now: i64) -> Result<Worker> {
        self.set_column(id, "availability", a.as_str().to_string(), now)
            .await
    }
    async fn set_verified(&self, id: i64, verified: bool, now: i64) -> Result<Worker> {
        self.set_column(id, "verified", i64::from(verified), now)
            .await
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

    async fn get_worker(&self, id: i64) -> Result<Worker> {
        worker_in(&self.read, id).await?.ok_or(StoreError::NotFound)
    }

    async fn update_worker(&self, id: i64, w: &NewWorker, now: i64) -> Result<Worker> {
        let mut tx = self.write.begin().await?;
        self.replace_in(&mut tx, id, w, now).await?;
        tx.commit().await?;
        self.get_worker(id).await
    }

    async fn remove_worker(&self, id: i64, now: i64) -> Result<()> {
        self.update_live(id, "deleted_at", now, now).await
    }

    async fn erase_worker(&self, id: i64, reason: &str, now: i64) -> Result<()> {
        let mut tx = self.write.begin().await?;
        self.erase_in(&mut tx, id, reason, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A change an official makes to one worker, written in one transaction with its audit row: the change and
    /// its record land together or not at all.
    async fn change_worker_audited(
        &self,
        id: i64,
        change: &crate::WorkerWrite<'_>,
        now: i64,
        audit: &crate::AuditEntry,
    ) -> Result<()> {
        use crate::WorkerWrite as W;
        let mut tx = self.write.begin().await?;
        match change {
            W::Replace(w) => self.replace_in(&mut tx, id, w, now).await?,
            W::Verified(v) => update_live_in(&mut tx, id, "verified", i64::from(*v), now).await?,
            W::Availability(a) => {
                update_live_in(&mut tx, id, "availability", a.as_str().to_string(), now).await?
            }
            W::Remove => update_live_in(&mut tx, id, "deleted_at", now, now).await?,
            W::Erase { reason } => self.erase_in(&mut tx, id, reason, now).await?,
        }
        crate::accounts::insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_workers(&self, f: &WorkerFilter, page: Page) -> Result<Vec<Worker>> {
        let (cond, binds) = filter_sql(self.backend, f, 1);
        let n = binds.len();
        let sql = format!(
            "{SELECT_WORKER} WHERE {cond} AND id > ${} ORDER BY id LIMIT ${}",
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        let rows = q
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(worker_from_row).collect()
    }

    async fn changes_since(&self, after: ChangeCursor, limit: i64) -> Result<Vec<WorkerChange>> {
        // `seq >= $1` keeps the seq index usable; the rest skips what the cursor has already passed.
        let sql = SELECT_WORKER.replace(
            "FROM workers",
            "FROM workers WHERE seq >= $1 AND (seq > $1 OR id > $2) ORDER BY seq, id LIMIT $3",
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after.seq)
            .bind(after.id)
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                let seq: i64 = r.try_get("seq")?;
                let deleted: Option<i64> = r.try_get("deleted_at")?;
                let worker = if deleted.is_some() {
                    None
                } else {
                    Some(worker_from_row(r)?)
                };
                Ok(WorkerChange { id, seq, worker })
            })
            .collect()
    }

    async fn match_changes_since(&self, after: ChangeCursor, limit: i64) -> Result<Vec<MatchRow>> {
        let sql = format!(
            "SELECT id, seq, deleted_at, trade, other_trades, lat, lon, availability, verified, rating_sum, \
             rating_count, experience_years, {} AS certified FROM workers \
             WHERE seq >= $1 AND (seq > $1 OR id > $2) ORDER BY seq, id LIMIT $3",
            crate::training::CERTIFIED_IN_TRADE
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after.seq)
            .bind(after.id)
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                let deleted: Option<i64> = r.try_get("deleted_at")?;
                let availability: String = r.try_get("availability")?;
                let verified: i64 = r.try_get("verified")?;
                let certified: i64 = r.try_get("certified")?;
                let experience: Option<i64> = r.try_get("experience_years")?;
                Ok(MatchRow {
                    id: r.try_get("id")?,
                    seq: r.try_get("seq")?,
                    removed: deleted.is_some(),
                    trade: r.try_get("trade")?,
                    other_trades: crate::rows::list(r.try_get("other_trades")?),
                    lat: r.try_get("lat")?,
                    lon: r.try_get("lon")?,
                    available: availability
                        == kaamgar_domain::worker::Availability::Available.as_str(),
                    verified: verified != 0,
                    certified: certified != 0,
                    rating_sum: r.try_get("rating_sum")?,
                    rating_count: r.try_get("rating_count")?,
                    experience_years: experience.and_then(|x| u8::try_from(x).ok()),
                })
            })
            .collect()
    }
}
