//! Bulk import: import runs and the batch upsert by phone. One batch is one transaction, so an import killed
//! half-way leaves whole batches behind and a re-run completes it; a re-import of the same rows changes nothing.

use crate::columns;
use crate::rows::{DATA_COLUMNS, Value, bind_data, content_hash, data_values, placeholders};
use crate::workers::{insert_trades, write_trades};
use crate::{Backend, ImportRunRecord, Result, SqlStore, StoreError};
use kaamgar_domain::worker::NewWorker;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// Rows per transaction. Larger transactions write each dirty index page once instead of once per statement; a
/// batch is still small enough to be lost and redone cheaply when an import is killed.
pub const BATCH_ROWS: usize = 10_000;

/// Rows per statement on SQLite: 30 binds a row (with the id of a new worker) stays under its 32,766-variable limit. PostgreSQL statements carry
/// one parameter per column (see `columns`), so a whole batch goes in one statement.
const SQLITE_STATEMENT_ROWS: usize = 1000;

#[derive(Debug, Clone)]
pub struct BatchRow {
    pub line: u64,
    pub worker: NewWorker,
    /// Content hash of `worker`, computed once (by the reader thread, off the write path).
    hash: i64,
}

impl BatchRow {
    pub fn new(line: u64, worker: NewWorker) -> Self {
        let hash = content_hash(&worker);
        BatchRow { line, worker, hash }
    }

    /// Changes the worker (tests correcting a row between imports).
    pub fn with_worker(self, worker: NewWorker) -> Self {
        BatchRow::new(self.line, worker)
    }
}

/// A valid row that was still not written, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedRow {
    pub line: u64,
    pub code: &'static str,
    pub reason: String,
}

#[derive(Debug, Default, Clone)]
pub struct BatchOutcome {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: Vec<SkippedRow>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct ImportSummary {
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Rows imported with a warning about a doubtful value.
    pub warned: u64,
    pub empty: u64,
}

/// What every statement of one batch transaction shares.
#[derive(Clone, Copy)]
struct BatchContext {
    run: i64,
    now: i64,
    seq: i64,
    check_erasures: bool,
}

struct Existing {
    id: i64,
    hash: i64,
    deleted: bool,
    run: Option<i64>,
    line: Option<i64>,
}

impl SqlStore {
    /// Classifies one statement's worth of rows against what is stored and writes them.
    async fn write_chunk(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        ctx: &BatchContext,
        candidates: &[&BatchRow],
        out: &mut BatchOutcome,
    ) -> Result<()> {
        let BatchContext {
            run,
            now,
            seq,
            check_erasures,
        } = *ctx;
        let erased = if check_erasures {
            self.erased_among(tx, candidates).await?
        } else {
            Vec::new()
        };

        let phones: Vec<String> = candidates.iter().map(|r| r.worker.phone.e164()).collect();
        let sql = format!(
            "SELECT id, phone, content_hash, deleted_at, import_run, import_line FROM workers WHERE phone {}",
            columns::set_sql(self.backend, 1, "text", phones.len())
        );
        let q = columns::bind_set(self.backend, sqlx::query(AssertSqlSafe(sql)), &phones);
        let mut existing: HashMap<String, Existing> = HashMap::new();
        for r in q.fetch_all(&mut **tx).await? {
            let deleted: Option<i64> = r.try_get("deleted_at")?;
            existing.insert(
                r.try_get("phone")?,
                Existing {
                    id: r.try_get("id")?,
                    hash: r.try_get("content_hash")?,
                    deleted: deleted.is_some(),
                    run: r.try_get("import_run")?,
                    line: r.try_get("import_line")?,
                },
            );
        }

        let mut write: Vec<&BatchRow> = Vec::with_capacity(candidates.len());
        // Unchanged rows only record that this run saw them (id, line): no indexed column is written.
        let mut seen: Vec<(i64, u64)> = Vec::new();
        for r in candidates {
            if erased.contains(&r.worker.phone) {
                out.skipped.push(SkippedRow {
                    line: r.line,
                    code: "worker_erased",
                    reason: "this person asked for their data to be erased; they must register again themselves".into(),
                });
                continue;
            }
            match existing.get(&r.worker.phone.e164()) {
                Some(e) if e.deleted => out.skipped.push(SkippedRow {
                    line: r.line,
                    code: "worker_removed",
                    reason:
                        "this worker was removed from the registry; restore them from the dashboard"
                            .into(),
                }),
                Some(e) if e.run == Some(run) => {
                    out.skipped.push(duplicate(r.line, e.line.unwrap_or(0)))
                }
                Some(e) if e.hash == r.hash => {
                    out.unchanged += 1;
                    seen.push((e.id, r.line));
                }
                Some(_) => {
                    out.updated += 1;
                    write.push(r);
                }
                None => {
                    out.inserted += 1;
                    write.push(r);
                }
            }
        }
        if !seen.is_empty() {
            mark_seen(tx, self.backend, run, &seen).await?;
        }
        if !write.is_empty() {
            let ids = match self.backend {
                Backend::Postgres => upsert(tx, self.backend, run, &write, now, seq, None).await?,
                Backend::Sqlite => {
                    self.write_sqlite(tx, &existing, &write, run, now, seq)
                        .await?
                }
            };
            let ids_of = |keep: &dyn Fn(&BatchRow) -> bool| -> Vec<(i64, &NewWorker)> {
                write
                    .iter()
                    .filter(|r| keep(r))
                    .filter_map(|r| ids.get(&r.worker.phone.e164()).map(|id| (*id, &r.worker)))
                    .collect()
            };
            // New workers have no trade rows yet; only updated ones need theirs replaced.
            let updated = ids_of(&|r: &BatchRow| existing.contains_key(&r.worker.phone.e164()));
            let inserted = ids_of(&|r: &BatchRow| !existing.contains_key(&r.worker.phone.e164()));
            write_trades(tx, self.backend, &updated).await?;
            insert_trades(tx, self.backend, &inserted).await?;
        }
        Ok(())
    }
}

impl SqlStore {
    /// Writes new and changed rows on SQLite without reading rows back. This connection has held the write lock
    /// since `next_seq`, so new workers take the ids after the largest one; changed workers keep theirs. A
    /// `RETURNING` row would cost a copy of its values and a wake-up of this task for each of them.
    async fn write_sqlite(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        existing: &HashMap<String, Existing>,
        write: &[&BatchRow],
        run: i64,
        now: i64,
        seq: i64,
    ) -> Result<HashMap<String, i64>> {
        let mut ids = HashMap::with_capacity(write.len());
        let (changed, new): (Vec<&BatchRow>, Vec<&BatchRow>) = write
            .iter()
            .partition(|r| existing.contains_key(&r.worker.phone.e164()));
        for r in &changed {
            let phone = r.worker.phone.e164();
            if let Some(e) = existing.get(&phone) {
                ids.insert(phone, e.id);
            }
        }
        if !changed.is_empty() {
            upsert(tx, self.backend, run, &changed, now, seq, None).await?;
        }
        if !new.is_empty() {
            let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM workers")
                .fetch_one(&mut **tx)
                .await?;
            upsert(tx, self.backend, run, &new, now, seq, Some(last + 1)).await?;
            for (i, r) in new.iter().enumerate() {
                ids.insert(r.worker.phone.e164(), last + 1 + i as i64);
            }
        }
        Ok(ids)
    }

    /// The phones among these rows whose owners asked to be erased.
    async fn erased_among(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        rows: &[&BatchRow],
    ) -> Result<Vec<kaamgar_domain::PhoneNumber>> {
        let key = self.phone_key()?;
        let hashes: Vec<String> = rows.iter().map(|r| key.hash(r.worker.phone)).collect();
        let sql = format!(
            "SELECT phone_hash FROM erasures WHERE phone_hash {}",
            columns::set_sql(self.backend, 1, "text", hashes.len())
        );
        let q = columns::bind_set(self.backend, sqlx::query(AssertSqlSafe(sql)), &hashes);
        let found: Vec<String> = q
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get("phone_hash"))
            .collect::<Result<_, _>>()?;
        Ok(rows
            .iter()
            .zip(&hashes)
            .filter(|(_, h)| found.contains(h))
            .map(|(r, _)| r.worker.phone)
            .collect())
    }
}

/// The counts of an import from a row holding the `rows_*` columns (an import run or an upload).
pub(crate) fn summary_from(r: &sqlx::any::AnyRow) -> Result<ImportSummary> {
    let n = |c: &str| -> Result<u64> { Ok(u64::try_from(r.try_get::<i64, _>(c)?).unwrap_or(0)) };
    Ok(ImportSummary {
        rows: n("rows_total")?,
        inserted: n("rows_inserted")?,
        updated: n("rows_updated")?,
        unchanged: n("rows_unchanged")?,
        rejected: n("rows_rejected")?,
        warned: n("rows_warned")?,
        empty: n("rows_empty")?,
    })
}

fn duplicate(line: u64, first: i64) -> SkippedRow {
    SkippedRow {
        line,
        code: "phone_duplicate",
        reason: format!("the same phone number is already on line {first} of this file"),
    }
}

/// Records that `run` met these unchanged workers (id, line of the file), for its duplicate check. Only
/// `import_run` and `import_line` change, which no index holds, so the row is rewritten and no index is.
async fn mark_seen(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    run: i64,
    seen: &[(i64, u64)],
) -> Result<()> {
    let q = match backend {
        Backend::Sqlite => {
            let sql = format!(
                "UPDATE workers SET import_run = ?, import_line = v.column2 FROM (VALUES {}) AS v \
                 WHERE workers.id = v.column1",
                placeholders(backend, seen.len(), 2, 0)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(run);
            for (id, line) in seen {
                q = q.bind(*id).bind(*line as i64);
            }
            q
        }
        Backend::Postgres => {
            let sql = format!(
                "UPDATE workers SET import_run = $1, import_line = v.line FROM unnest({}, {}) AS v (id, line) \
                 WHERE workers.id = v.id",
                columns::array(2, "bigint"),
                columns::array(3, "bigint")
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(run)
                .bind(columns::join(
                    seen.iter().map(|(id, _)| Some(id.to_string())),
                ))
                .bind(columns::join(seen.iter().map(|(_, l)| Some(l.to_string()))))
        }
    };
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Inserts or updates workers by phone. On PostgreSQL the statement returns each row's id (phone → id). On SQLite
/// nothing is returned: with `first_id` the rows are new and take the ids from it on, in order; without it they are
/// known workers whose ids the caller has.
async fn upsert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    run: i64,
    rows: &[&BatchRow],
    now: i64,
    seq: i64,
    first_id: Option<i64>,
) -> Result<HashMap<String, i64>> {
    // Consent keeps the earliest time on record; everything else takes the list's value.
    let updates: Vec<String> = DATA_COLUMNS
        .iter()
        .map(|c| match *c {
            "consent_at" => "consent_at = CASE WHEN excluded.consent_at < workers.consent_at \
                             THEN excluded.consent_at ELSE workers.consent_at END"
                .to_string(),
            _ => format!("{c} = excluded.{c}"),
        })
        .collect();
    let columns = format!(
        "{}, import_line, import_run, created_at, updated_at, seq",
        DATA_COLUMNS.join(", ")
    );
    let conflict = format!(
        "ON CONFLICT (phone) DO UPDATE SET {}, import_run = excluded.import_run, import_line = excluded.import_line, \
         updated_at = CASE WHEN workers.content_hash <> excluded.content_hash THEN excluded.updated_at ELSE workers.updated_at END, \
         seq = CASE WHEN workers.content_hash <> excluded.content_hash THEN excluded.seq ELSE workers.seq END",
        updates.join(", ")
    );
    let q = match backend {
        Backend::Sqlite => {
            let (id_column, id_value) = match first_id {
                Some(_) => ("id, ", 1),
                None => ("", 0),
            };
            let values = placeholders(backend, rows.len(), DATA_COLUMNS.len() + 5 + id_value, 0);
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO workers ({id_column}{columns}) VALUES {values} {conflict}"
            )));
            for (i, r) in rows.iter().enumerate() {
                if let Some(first) = first_id {
                    q = q.bind(first + i as i64);
                }
                q = bind_data(q, &r.worker, r.hash)
                    .bind(r.line as i64)
                    .bind(run)
                    .bind(now)
                    .bind(now)
                    .bind(seq);
            }
            q.execute(&mut **tx).await?;
            return Ok(HashMap::new());
        }
        Backend::Postgres => {
            let values: Vec<[Value; 24]> = rows
                .iter()
                .map(|r| data_values(&r.worker, r.hash))
                .collect();
            let mut arrays: Vec<String> = (0..DATA_COLUMNS.len())
                .map(|c| columns::array(c + 5, values[0][c].pg_type()))
                .collect();
            arrays.push(columns::array(DATA_COLUMNS.len() + 5, "bigint"));
            let sql = format!(
                "INSERT INTO workers ({columns}) SELECT u.*, $1, $2, $3, $4 FROM unnest({}) AS u {conflict} \
                 RETURNING id, phone",
                arrays.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql))
                .bind(run)
                .bind(now)
                .bind(now)
                .bind(seq);
            for c in 0..DATA_COLUMNS.len() {
                q = q.bind(columns::join(values.iter().map(|v| v[c].as_text())));
            }
            q.bind(columns::join(rows.iter().map(|r| Some(r.line.to_string()))))
        }
    };
    let mut ids = HashMap::with_capacity(rows.len());
    for row in q.fetch_all(&mut **tx).await? {
        ids.insert(
            row.try_get::<String, _>("phone")?,
            row.try_get::<i64, _>("id")?,
        );
    }
    Ok(ids)
}

#[async_trait::async_trait]
impl crate::ImportStore for SqlStore {
    async fn begin_import(&self, file_name: &str, now: i64) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO import_runs (file_name, started_at, status) VALUES ($1, $2, 'running') RETURNING id",
        )
        .bind(file_name.chars().take(255).collect::<String>())
        .bind(now)
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    async fn import_batch(&self, run: i64, rows: &[BatchRow], now: i64) -> Result<BatchOutcome> {
        let mut out = BatchOutcome::default();
        // Repeats inside this batch: the first line wins.
        let mut first_line: HashMap<String, u64> = HashMap::new();
        let mut candidates: Vec<&BatchRow> = Vec::with_capacity(rows.len());
        for r in rows {
            let phone = r.worker.phone.e164();
            if let Some(first) = first_line.get(&phone) {
                out.skipped.push(duplicate(r.line, *first as i64));
            } else {
                first_line.insert(phone, r.line);
                candidates.push(r);
            }
        }
        if candidates.is_empty() {
            return Ok(out);
        }
        let mut tx = self.write.begin().await?;
        let seq = SqlStore::next_seq(&mut tx).await?;
        let any_erased: Option<i64> = sqlx::query_scalar("SELECT 1 FROM erasures LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let statement_rows = match self.backend {
            Backend::Sqlite => SQLITE_STATEMENT_ROWS,
            Backend::Postgres => BATCH_ROWS,
        };
        for chunk in candidates.chunks(statement_rows) {
            let ctx = BatchContext {
                run,
                now,
                seq,
                check_erasures: any_erased.is_some(),
            };
            self.write_chunk(&mut tx, &ctx, chunk, &mut out).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn finish_import(
        &self,
        run: i64,
        status: &str,
        s: &ImportSummary,
        now: i64,
    ) -> Result<()> {
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        sqlx::query(
            "UPDATE import_runs SET finished_at = $1, status = $2, rows_total = $3, rows_inserted = $4, \
             rows_updated = $5, rows_unchanged = $6, rows_rejected = $7, rows_empty = $8, rows_warned = $9 WHERE id = $10",
        )
        .bind(now)
        .bind(status.to_string())
        .bind(as_i64(s.rows))
        .bind(as_i64(s.inserted))
        .bind(as_i64(s.updated))
        .bind(as_i64(s.unchanged))
        .bind(as_i64(s.rejected))
        .bind(as_i64(s.empty))
        .bind(as_i64(s.warned))
        .bind(run)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn import_run(&self, run: i64) -> Result<ImportRunRecord> {
        let r = sqlx::query(
            "SELECT id, file_name, status, rows_total, rows_inserted, rows_updated, rows_unchanged, rows_rejected, \
             rows_empty, rows_warned FROM import_runs WHERE id = $1",
        )
        .bind(run)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(ImportRunRecord {
            id: r.try_get("id")?,
            file_name: r.try_get("file_name")?,
            status: r.try_get("status")?,
            summary: summary_from(&r)?,
        })
    }
}
