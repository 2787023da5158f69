//! The dashboard's search keys and worker counts, kept by following the registry's change sequence.
//!
//! Writers (imports, edits, the bot) only raise `seq`, as they already do for the matching index. A follower
//! ([`SqlStore::index_catch_up`]) reads the workers changed since the cursor in `index_state`, replaces their
//! search keys and moves their share of `worker_tally` (taking back what `worker_facets` says they added before).
//! Each batch is one transaction that starts by locking `index_state`, so two followers (two processes on one
//! database) never count a change twice; imports stay as fast as before.

use crate::columns::{bind_set, set_sql};
use crate::rows::{AnyQuery, placeholders};
use crate::{Backend, Result, SqlStore};
use kaamgar_domain::filter::WorkerFilter;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeSet, HashMap};

/// Workers read per transaction.
const BATCH: i64 = 2_000;
/// Values bound per multi-row INSERT: statements of a few hundred values are the fastest through the driver
/// (binding cost grows faster than linearly with a statement's size).
const BINDS: usize = 400;
/// Search keys kept per worker (name, village and panchayat words).
const KEYS_PER_WORKER: usize = 16;

/// What one worker adds to the counts.
#[derive(Debug, Clone, PartialEq)]
struct Facets {
    district: String,
    block: String,
    /// The primary trade first.
    trades: Vec<String>,
    availability: String,
    verified: i64,
    source: String,
}

/// (district, block, trade, is_primary, availability, verified, source).
type TallyKey = (String, String, String, i64, String, i64, String);

impl Facets {
    fn add_to(&self, delta: i64, tally: &mut HashMap<TallyKey, i64>) {
        for (i, t) in self.trades.iter().enumerate() {
            let key = (
                self.district.clone(),
                self.block.clone(),
                t.clone(),
                i64::from(i == 0),
                self.availability.clone(),
                self.verified,
                self.source.clone(),
            );
            *tally.entry(key).or_default() += delta;
        }
    }

    fn trades_text(&self) -> String {
        self.trades.join(",")
    }
}

/// The search keys of a worker: the phonetic skeleton of every word of the name, village and panchayat.
pub(crate) fn search_keys(parts: &[Option<&str>]) -> BTreeSet<String> {
    parts
        .iter()
        .flatten()
        .flat_map(|p| kaamgar_domain::text::word_skeletons(p))
        .take(KEYS_PER_WORKER)
        .collect()
}

/// The key range `[from, to)` holding every key that starts with `prefix` (keys are ASCII letters and digits).
pub(crate) fn prefix_range(prefix: &str) -> (String, String) {
    (prefix.to_string(), format!("{prefix}{{"))
}

/// Inserts `rows` into a table in statements of about [`BINDS`] values, each row bound by `bind`.
async fn insert_rows<T, F>(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    (head, tail): (&str, &str),
    cols: usize,
    rows: &[T],
    bind: F,
) -> Result<()>
where
    F: for<'a> Fn(AnyQuery<'a>, &'a T) -> AnyQuery<'a>,
{
    for chunk in rows.chunks((BINDS / cols).max(1)) {
        let sql = format!(
            "{head} VALUES {} {tail}",
            placeholders(backend, chunk.len(), cols, 0)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            q = bind(q, r);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// One changed worker as the follower reads it: their search keys and facets, or `None` when removed.
struct Changed {
    id: i64,
    now: Option<(BTreeSet<String>, Facets)>,
}

impl Changed {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Changed> {
        let id: i64 = r.try_get("id")?;
        let deleted: Option<i64> = r.try_get("deleted_at")?;
        if deleted.is_some() {
            return Ok(Changed { id, now: None });
        }
        let name: String = r.try_get("name")?;
        let village: Option<String> = r.try_get("village")?;
        let panchayat: Option<String> = r.try_get("panchayat")?;
        let keys = search_keys(&[Some(&name), village.as_deref(), panchayat.as_deref()]);
        let mut trades = vec![r.try_get::<String, _>("trade")?];
        for t in crate::rows::list(r.try_get("other_trades")?) {
            if !trades.contains(&t) {
                trades.push(t);
            }
        }
        let block: Option<String> = r.try_get("block")?;
        let facets = Facets {
            district: r.try_get("district")?,
            block: block.unwrap_or_default(),
            trades,
            availability: r.try_get("availability")?,
            verified: r.try_get("verified")?,
            source: r.try_get("source")?,
        };
        Ok(Changed {
            id,
            now: Some((keys, facets)),
        })
    }
}

impl SqlStore {
    /// Follows the change sequence until the search keys and counts are current, or for at most `batches`
    /// transactions; returns how many worker changes were read. When nothing changed this is one indexed read and
    /// no write.
    pub(crate) async fn index_catch_up(&self, batches: Option<usize>) -> Result<u64> {
        let mut total = 0;
        for _ in 0..batches.unwrap_or(usize::MAX) {
            let (seq, last_id): (i64, i64) = {
                let r = sqlx::query("SELECT seq, last_id FROM index_state WHERE id = 1")
                    .fetch_one(&self.read)
                    .await?;
                (r.try_get("seq")?, r.try_get("last_id")?)
            };
            let behind: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM workers WHERE seq >= $1 AND (seq > $1 OR id > $2) LIMIT 1",
            )
            .bind(seq)
            .bind(last_id)
            .fetch_optional(&self.read)
            .await?;
            if behind.is_none() {
                return Ok(total);
            }
            let n = self.index_batch().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
        Ok(total)
    }

    /// One step of the follower: the next [`BATCH`] changes since the cursor, in one transaction.
    async fn index_batch(&self) -> Result<u64> {
        let mut tx = self.write.begin().await?;
        // Taking the row first serialises followers (PostgreSQL's row lock, SQLite's write lock).
        sqlx::query("UPDATE index_state SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query("SELECT seq, last_id FROM index_state WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let (seq, last_id): (i64, i64) = (r.try_get("seq")?, r.try_get("last_id")?);
        let rows = sqlx::query(
            "SELECT id, seq, deleted_at, name, village, panchayat, district, block, trade, other_trades, \
             availability, verified, source FROM workers WHERE seq >= $1 AND (seq > $1 OR id > $2) \
             ORDER BY seq, id LIMIT $3",
        )
        .bind(seq)
        .bind(last_id)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last() else {
            tx.commit().await?;
            return Ok(0);
        };
        let cursor: (i64, i64) = (last.try_get("seq")?, last.try_get("id")?);
        let changed: Vec<Changed> = rows.iter().map(Changed::from_row).collect::<Result<_>>()?;
        let ids: Vec<i64> = changed.iter().map(|c| c.id).collect();
        // What the workers added before is taken back, what they are now is added.
        let mut tally: HashMap<TallyKey, i64> = HashMap::new();
        for f in self.facets_of(&mut tx, &ids).await? {
            f.add_to(-1, &mut tally);
        }
        for (_, f) in changed.iter().filter_map(|c| c.now.as_ref()) {
            f.add_to(1, &mut tally);
        }
        for chunk in ids.chunks(BINDS) {
            for table in ["worker_search", "worker_facets"] {
                let sql = format!(
                    "DELETE FROM {table} WHERE worker_id {}",
                    set_sql(self.backend, 1, "bigint", chunk.len())
                );
                bind_set(self.backend, sqlx::query(AssertSqlSafe(sql)), chunk)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        self.write_index(&mut tx, &changed, tally).await?;
        sqlx::query("UPDATE index_state SET seq = $1, last_id = $2 WHERE id = 1")
            .bind(cursor.0)
            .bind(cursor.1)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(changed.len() as u64)
    }

    /// What these workers last added to the counts.
    async fn facets_of(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        ids: &[i64],
    ) -> Result<Vec<Facets>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BINDS) {
            let sql = format!(
                "SELECT district, block, trades, availability, verified, source FROM worker_facets \
                 WHERE worker_id {}",
                set_sql(self.backend, 1, "bigint", chunk.len())
            );
            let rows = bind_set(self.backend, sqlx::query(AssertSqlSafe(sql)), chunk)
                .fetch_all(&mut **tx)
                .await?;
            for r in &rows {
                let trades: String = r.try_get("trades")?;
                out.push(Facets {
                    district: r.try_get("district")?,
                    block: r.try_get("block")?,
                    trades: trades.split(',').map(str::to_string).collect(),
                    availability: r.try_get("availability")?,
                    verified: r.try_get("verified")?,
                    source: r.try_get("source")?,
                });
            }
        }
        Ok(out)
    }

    /// Writes the changed workers' keys and facets and moves the counts by `tally`.
    async fn write_index(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        changed: &[Changed],
        tally: HashMap<TallyKey, i64>,
    ) -> Result<()> {
        let b = self.backend;
        let live: Vec<(i64, &BTreeSet<String>, &Facets)> = changed
            .iter()
            .filter_map(|c| c.now.as_ref().map(|(k, f)| (c.id, k, f)))
            .collect();
        let keys: Vec<(String, i64)> = live
            .iter()
            .flat_map(|(id, ks, _)| ks.iter().map(move |k| (k.clone(), *id)))
            .collect();
        let head = ("INSERT INTO worker_search (key, worker_id)", "");
        insert_rows(tx, b, head, 2, &keys, |q, (k, id)| {
            q.bind(k.clone()).bind(*id)
        })
        .await?;
        let head = (
            "INSERT INTO worker_facets (worker_id, district, block, trades, availability, verified, source)",
            "",
        );
        insert_rows(tx, b, head, 7, &live, |q, (id, _, f)| {
            q.bind(*id)
                .bind(f.district.clone())
                .bind(f.block.clone())
                .bind(f.trades_text())
                .bind(f.availability.clone())
                .bind(f.verified)
                .bind(f.source.clone())
        })
        .await?;
        let moves: Vec<(TallyKey, i64)> = tally.into_iter().filter(|(_, d)| *d != 0).collect();
        let head = (
            "INSERT INTO worker_tally (district, block, trade, is_primary, availability, verified, source, n)",
            "ON CONFLICT (district, block, trade, is_primary, availability, verified, source) \
             DO UPDATE SET n = worker_tally.n + excluded.n",
        );
        insert_rows(tx, b, head, 8, &moves, |q, ((d, bl, t, p, a, v, s), n)| {
            q.bind(d.clone())
                .bind(bl.clone())
                .bind(t.clone())
                .bind(*p)
                .bind(a.clone())
                .bind(*v)
                .bind(s.clone())
                .bind(*n)
        })
        .await?;
        sqlx::query("DELETE FROM worker_tally WHERE n = 0")
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The number of workers a filter without a search matches, from the counts as far as they have followed the
    /// registry; `None` for a search, which is counted on the rows.
    pub(crate) async fn tally_total(&self, f: &WorkerFilter) -> Result<Option<i64>> {
        if f.search.is_some() {
            return Ok(None);
        }
        let mut cond: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut push = |col: &str, v: String| {
            binds.push(v);
            cond.push(format!("{col} = ${}", binds.len()));
        };
        if let Some(d) = &f.district {
            push("district", d.clone());
        }
        if let Some(b) = &f.block {
            push("block", b.clone());
        }
        if let Some(a) = f.availability {
            push("availability", a.as_str().to_string());
        }
        if let Some(s) = &f.source {
            push("source", s.clone());
        }
        match &f.trade {
            Some(t) => push("trade", t.clone()),
            None => cond.push("is_primary = 1".into()),
        }
        if let Some(v) = f.verified {
            cond.push(format!("verified = {}", i64::from(v)));
        }
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM worker_tally WHERE {}",
            cond.join(" AND ")
        );
        let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        Ok(Some(q.fetch_one(&self.read).await?))
    }
}
