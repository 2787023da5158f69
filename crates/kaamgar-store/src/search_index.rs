//! The dashboard's search keys and worker counts, kept by following the registry's change sequence.
//!
//! Writers (imports, edits, the bot) only raise `seq`, as they already do for the matching index. A follower
//! ([`SqlStore::index_catch_up`]) reads the workers changed since the cursor in `index_state`, replaces their
//! search keys and moves their share of `worker_tally` (taking back what `worker_facets` says they added before).
//! Each batch is one transaction that starts by locking `index_state`, so two followers (two processes on one
//! database) never count a change twice; imports stay as fast as before.

use crate::{Result, SqlStore};
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

/// A statement with `ids` bound to its placeholders in order.
fn bind_all<'q>(
    sql: &'q str,
    ids: &'q [i64],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    q
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
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
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let mut tally: HashMap<TallyKey, i64> = HashMap::new();
        let mut old = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BINDS) {
            let sql = format!(
                "SELECT worker_id, district, block, trades, availability, verified, source FROM worker_facets \
                 WHERE worker_id IN ({})",
                placeholders(1, chunk.len())
            );
            old.extend(bind_all(&sql, chunk).fetch_all(&mut *tx).await?);
        }
        for r in &old {
            let trades: String = r.try_get("trades")?;
            Facets {
                district: r.try_get("district")?,
                block: r.try_get("block")?,
                trades: trades.split(',').map(str::to_string).collect(),
                availability: r.try_get("availability")?,
                verified: r.try_get("verified")?,
                source: r.try_get("source")?,
            }
            .add_to(-1, &mut tally);
        }
        let mut keys: Vec<(String, i64)> = Vec::new();
        let mut facets: Vec<(i64, Facets)> = Vec::new();
        for r in &rows {
            let deleted: Option<i64> = r.try_get("deleted_at")?;
            if deleted.is_some() {
                continue;
            }
            let id: i64 = r.try_get("id")?;
            let name: String = r.try_get("name")?;
            let village: Option<String> = r.try_get("village")?;
            let panchayat: Option<String> = r.try_get("panchayat")?;
            for k in search_keys(&[Some(&name), village.as_deref(), panchayat.as_deref()]) {
                keys.push((k, id));
            }
            let primary: String = r.try_get("trade")?;
            let mut trades = vec![primary];
            for t in crate::rows::list(r.try_get("other_trades")?) {
                if !trades.contains(&t) {
                    trades.push(t);
                }
            }
            let block: Option<String> = r.try_get("block")?;
            let f = Facets {
                district: r.try_get("district")?,
                block: block.unwrap_or_default(),
                trades,
                availability: r.try_get("availability")?,
                verified: r.try_get("verified")?,
                source: r.try_get("source")?,
            };
            f.add_to(1, &mut tally);
            facets.push((id, f));
        }
        for chunk in ids.chunks(BINDS) {
            let list = placeholders(1, chunk.len());
            for table in ["worker_search", "worker_facets"] {
                let sql = format!("DELETE FROM {table} WHERE worker_id IN ({list})");
                bind_all(&sql, chunk).execute(&mut *tx).await?;
            }
        }
        for chunk in keys.chunks(BINDS / 2) {
            let values = (0..chunk.len())
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO worker_search (key, worker_id) VALUES {values}"
            )));
            for (k, id) in chunk {
                q = q.bind(k.clone()).bind(*id);
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in facets.chunks(BINDS / 7) {
            let values = (0..chunk.len())
                .map(|i| format!("({})", placeholders(7 * i + 1, 7)))
                .collect::<Vec<_>>()
                .join(", ");
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO worker_facets (worker_id, district, block, trades, availability, verified, source) \
                 VALUES {values}"
            )));
            for (id, f) in chunk {
                q = q
                    .bind(*id)
                    .bind(f.district.clone())
                    .bind(f.block.clone())
                    .bind(f.trades_text())
                    .bind(f.availability.clone())
                    .bind(f.verified)
                    .bind(f.source.clone());
            }
            q.execute(&mut *tx).await?;
        }
        let changes: Vec<(TallyKey, i64)> = tally.into_iter().filter(|(_, d)| *d != 0).collect();
        for chunk in changes.chunks(BINDS / 8) {
            let values = (0..chunk.len())
                .map(|i| format!("({})", placeholders(8 * i + 1, 8)))
                .collect::<Vec<_>>()
                .join(", ");
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO worker_tally (district, block, trade, is_primary, availability, verified, source, n) \
                 VALUES {values} ON CONFLICT (district, block, trade, is_primary, availability, verified, source) \
                 DO UPDATE SET n = worker_tally.n + excluded.n"
            )));
            for ((d, b, t, p, a, v, s), n) in chunk {
                q = q
                    .bind(d.clone())
                    .bind(b.clone())
                    .bind(t.clone())
                    .bind(*p)
                    .bind(a.clone())
                    .bind(*v)
                    .bind(s.clone())
                    .bind(*n);
            }
            q.execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM worker_tally WHERE n = 0")
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE index_state SET seq = $1, last_id = $2 WHERE id = 1")
            .bind(cursor.0)
            .bind(cursor.1)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows.len() as u64)
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
