//! Training's reads on the pool. Lists are narrowed in the query by a [`TrainingFilter`] whose conditions are
//! written only when asked for, so each uses its index.

use super::*;
use crate::SqlStore;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

enum Bind {
    Text(String),
    Int(i64),
}

/// The `WHERE` conditions of a filter over centres `c` (and batches `b` when `batches` is true), `$n` numbered
/// from `first`.
fn conditions(f: &TrainingFilter, batches: bool, first: usize) -> (String, Vec<Bind>) {
    let mut sql = Vec::new();
    let mut binds = Vec::new();
    let mut add = |cond: &str, b: Bind| {
        sql.push(cond.replace('?', &format!("${}", first + binds.len())));
        binds.push(b);
    };
    if let Some(d) = &f.district {
        add("LOWER(c.district) = LOWER(?)", Bind::Text(d.clone()));
    }
    if let Some(b) = &f.block {
        add("LOWER(c.block) = LOWER(?)", Bind::Text(b.clone()));
    }
    if let Some(p) = f.partner {
        add("c.partner_user_id = ?", Bind::Int(p));
    }
    if let Some(c) = f.centre {
        add("c.id = ?", Bind::Int(c.0));
    }
    if batches {
        if let Some(p) = f.programme {
            add("b.programme_id = ?", Bind::Int(p.0));
        }
        if let Some(p) = f.phase {
            add("b.phase = ?", Bind::Int(i64::from(p)));
        }
    }
    let text = if sql.is_empty() {
        "1 = 1".to_string()
    } else {
        sql.join(" AND ")
    };
    (text, binds)
}

fn bind_all<'q>(
    mut q: Query<'q, sqlx::Any, AnyArguments>,
    binds: Vec<Bind>,
) -> Query<'q, sqlx::Any, AnyArguments> {
    for b in binds {
        q = match b {
            Bind::Text(t) => q.bind(t),
            Bind::Int(i) => q.bind(i),
        };
    }
    q
}

#[async_trait]
impl TrainingStore for SqlStore {
    async fn centre(&self, id: CentreId) -> Result<CentreRow> {
        let sql = format!("SELECT {CENTRE_COLUMNS} FROM training_centres c WHERE c.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        centre_from(&row)
    }

    async fn centres(&self, f: &TrainingFilter) -> Result<Vec<CentreRow>> {
        let (cond, binds) = conditions(f, false, 1);
        let sql = format!(
            "SELECT {CENTRE_COLUMNS} FROM training_centres c WHERE {cond} ORDER BY c.id LIMIT 1000"
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(centre_from).collect()
    }

    async fn programme(&self, id: ProgrammeId) -> Result<ProgrammeRow> {
        let sql = format!("SELECT {PROGRAMME_COLUMNS} FROM training_programmes WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        programme_from(&row)
    }

    async fn programmes(&self, district: Option<&str>) -> Result<Vec<ProgrammeRow>> {
        let sql = format!(
            "SELECT {PROGRAMME_COLUMNS} FROM training_programmes \
             WHERE ($1 = '' OR LOWER(district) = LOWER($1)) ORDER BY id LIMIT 1000"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(district.unwrap_or(""))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(programme_from).collect()
    }

    async fn batch(&self, id: BatchId) -> Result<TrainingBatch> {
        let sql = format!("SELECT {BATCH_COLUMNS} FROM training_batches b WHERE b.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        batch_from(&row)
    }

    async fn batches(&self, f: &TrainingFilter, now: i64) -> Result<Vec<BatchSummary>> {
        let (cond, binds) = conditions(f, true, 2);
        let sql = format!(
            "SELECT {BATCH_COLUMNS}, p.title_en, p.title_hi, c.name AS centre, c.district, c.block, \
             c.partner_user_id, \
             (SELECT COUNT(*) FROM training_enrolments e WHERE e.batch_id = b.id \
                AND e.status IN ('enrolled', 'completed', 'not_completed')) AS seated, \
             (SELECT COUNT(*) FROM training_enrolments e WHERE e.batch_id = b.id AND e.status = 'waiting') \
                AS waiting, \
             (SELECT COUNT(*) FROM training_enrolments e WHERE e.batch_id = b.id AND e.status = 'completed') \
                AS completed, \
             (SELECT COUNT(*) FROM certificates k JOIN training_enrolments e ON e.id = k.enrolment_id \
                WHERE e.batch_id = b.id AND k.revoked_at IS NULL) AS certificates, \
             (SELECT COUNT(*) FROM training_sessions s WHERE s.batch_id = b.id) AS sessions, \
             (SELECT COUNT(*) FROM training_sessions s WHERE s.batch_id = b.id AND s.starts_at <= $1) AS held, \
             (SELECT COUNT(*) FROM training_attendance a JOIN training_sessions s ON s.id = a.session_id \
                JOIN training_enrolments e ON e.id = a.enrolment_id \
                WHERE s.batch_id = b.id AND s.starts_at <= $1 AND a.present = 1 \
                AND e.status IN ('enrolled', 'completed', 'not_completed')) AS present \
             FROM training_batches b JOIN training_programmes p ON p.id = b.programme_id \
             JOIN training_centres c ON c.id = b.centre_id WHERE {cond} \
             ORDER BY b.programme_id, b.phase, b.id LIMIT 1000"
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)).bind(now), binds)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(BatchSummary {
                    batch: batch_from(r)?,
                    programme_en: r.try_get("title_en")?,
                    programme_hi: r.try_get("title_hi")?,
                    centre: r.try_get("centre")?,
                    district: r.try_get("district")?,
                    block: r.try_get("block")?,
                    partner_user_id: r.try_get("partner_user_id")?,
                    seated: r.try_get("seated")?,
                    waiting: r.try_get("waiting")?,
                    completed: r.try_get("completed")?,
                    certificates: r.try_get("certificates")?,
                    sessions: r.try_get("sessions")?,
                    held: r.try_get("held")?,
                    present: r.try_get("present")?,
                })
            })
            .collect()
    }

    async fn sessions(&self, batch: BatchId) -> Result<Vec<TrainingSession>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM training_sessions s WHERE s.batch_id = $1 ORDER BY s.starts_at, s.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(batch.0)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(session_from).collect()
    }

    async fn enrolments(&self, batch: BatchId) -> Result<Vec<EnrolmentRow>> {
        let sql = format!(
            "SELECT {ENROLMENT_COLUMNS} FROM training_enrolments e WHERE e.batch_id = $1 ORDER BY e.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(batch.0)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(enrolment_from).collect()
    }

    async fn enrolment(&self, id: EnrolmentId) -> Result<EnrolmentRow> {
        let sql = format!("SELECT {ENROLMENT_COLUMNS} FROM training_enrolments e WHERE e.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        enrolment_from(&row)
    }

    async fn attendance(&self, batch: BatchId) -> Result<Vec<AttendanceRow>> {
        let rows = sqlx::query(
            "SELECT a.session_id, a.enrolment_id, a.present, a.method, a.marked_by, a.marked_at \
             FROM training_attendance a JOIN training_sessions s ON s.id = a.session_id WHERE s.batch_id = $1",
        )
        .bind(batch.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(attendance_from).collect()
    }

    async fn assessments(&self, batch: BatchId) -> Result<Vec<AssessmentRow>> {
        let rows = sqlx::query(
            "SELECT t.enrolment_id, t.module, t.score, t.max_score, t.pass_mark, t.recorded_by, t.recorded_at \
             FROM training_assessments t JOIN training_enrolments e ON e.id = t.enrolment_id \
             WHERE e.batch_id = $1 ORDER BY t.enrolment_id, t.module",
        )
        .bind(batch.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(assessment_from).collect()
    }

    async fn certificate(&self, id: &str) -> Result<CertificateRow> {
        let sql = format!("SELECT {CERTIFICATE_COLUMNS} FROM certificates k WHERE k.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        certificate_from(&row)
    }

    async fn certificates(
        &self,
        f: &TrainingFilter,
        before: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<CertificateRow>> {
        let (cond, binds) = conditions(f, true, 4);
        let sql = format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates k \
             JOIN training_enrolments e ON e.id = k.enrolment_id \
             JOIN training_batches b ON b.id = e.batch_id JOIN training_centres c ON c.id = b.centre_id \
             WHERE (k.issued_at < $1 OR (k.issued_at = $1 AND k.id < $2)) AND {cond} \
             ORDER BY k.issued_at DESC, k.id DESC LIMIT $3"
        );
        let (at, id) = before.unwrap_or((i64::MAX, String::new()));
        let q = sqlx::query(AssertSqlSafe(sql))
            .bind(at)
            .bind(id)
            .bind(limit);
        let rows = bind_all(q, binds).fetch_all(&self.read).await?;
        rows.iter().map(certificate_from).collect()
    }

    async fn batch_certificates(&self, batch: BatchId) -> Result<Vec<CertificateRow>> {
        let sql = format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates k JOIN training_enrolments e ON e.id = k.enrolment_id \
             WHERE e.batch_id = $1 ORDER BY k.issued_at, k.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(batch.0)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(certificate_from).collect()
    }

    async fn worker_certificates(&self, worker: i64) -> Result<Vec<(CertificateRow, String)>> {
        let sql = format!(
            "SELECT {CERTIFICATE_COLUMNS}, p.certificate_en FROM certificates k \
             JOIN training_enrolments e ON e.id = k.enrolment_id JOIN training_batches b ON b.id = e.batch_id \
             JOIN training_programmes p ON p.id = b.programme_id \
             WHERE e.worker_id = $1 ORDER BY k.issued_at DESC LIMIT 100"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(worker)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok((certificate_from(r)?, r.try_get("certificate_en")?)))
            .collect()
    }

    async fn status_list(&self, id: i64) -> Result<StatusListRow> {
        let row =
            sqlx::query("SELECT id, district, size, updated_at FROM status_lists WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
        let revoked: Vec<i64> = sqlx::query_scalar(
            "SELECT status_index FROM certificates WHERE list_id = $1 AND revoked_at IS NOT NULL",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        Ok(StatusListRow {
            id: row.try_get("id")?,
            district: row.try_get("district")?,
            size: row.try_get("size")?,
            revoked,
            updated_at: row.try_get("updated_at")?,
        })
    }

    async fn sessions_for_phone(
        &self,
        phone: &str,
        now: i64,
        margin: i64,
    ) -> Result<Vec<(TrainingSession, EnrolmentRow)>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS}, e.id AS enrolment_id FROM training_enrolments e \
             JOIN training_sessions s ON s.batch_id = e.batch_id \
             WHERE e.phone = $1 AND e.status IN ('enrolled', 'completed', 'not_completed') AND s.starts_at - $3 <= $2 AND s.ends_at + $3 >= $2 \
             ORDER BY s.starts_at LIMIT 10"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(phone)
            .bind(now)
            .bind(margin)
            .fetch_all(&self.read)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let e = self
                .enrolment(EnrolmentId(r.try_get("enrolment_id")?))
                .await?;
            out.push((session_from(r)?, e));
        }
        Ok(out)
    }
}
