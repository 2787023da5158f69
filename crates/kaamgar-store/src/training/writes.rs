//! Training's writes inside a [`Tx`](crate::Tx). A batch is locked before a seat is decided (PostgreSQL: `FOR
//! UPDATE`; SQLite has one writer), so two enrolments at once never overfill it.

use super::*;
use crate::{Backend, SqlTx};
use sqlx::AssertSqlSafe;

const ENROLMENT_UNIQUE: &str = "training_enrolments_batch_phone_key";

#[async_trait]
pub trait TrainingWrites: Send {
    async fn insert_centre(&mut self, c: &NewCentre, now: i64) -> Result<CentreId>;
    async fn insert_programme(
        &mut self,
        p: &NewProgramme,
        created_by: Option<i64>,
        now: i64,
    ) -> Result<ProgrammeId>;
    /// A batch and its sessions; `qr_tokens` holds one secret per session, in the batch's session order.
    async fn insert_batch(
        &mut self,
        b: &NewBatch,
        qr_tokens: &[String],
        now: i64,
    ) -> Result<BatchId>;
    /// The batch, locked for the rest of the transaction.
    async fn lock_batch(&mut self, id: BatchId) -> Result<TrainingBatch>;
    async fn seats_taken(&mut self, batch: BatchId) -> Result<u32>;
    /// The batch's enrolment of a phone, if any.
    async fn enrolment_of_phone(
        &mut self,
        batch: BatchId,
        phone: &str,
    ) -> Result<Option<EnrolmentRow>>;
    /// Fails with `AlreadyEnrolled` when the phone is in the batch.
    async fn insert_enrolment(
        &mut self,
        batch: BatchId,
        e: &NewEnrolment,
        status: EnrolmentStatus,
        now: i64,
    ) -> Result<EnrolmentId>;
    async fn enrolment_tx(&mut self, id: EnrolmentId) -> Result<EnrolmentRow>;
    async fn set_enrolment_status(
        &mut self,
        id: EnrolmentId,
        status: EnrolmentStatus,
        now: i64,
    ) -> Result<()>;
    /// Corrects the name a trainee's certificate carries.
    async fn rename_enrolment(&mut self, id: EnrolmentId, name: &str, now: i64) -> Result<()>;
    /// The first on the batch's waiting list.
    async fn first_waiting(&mut self, batch: BatchId) -> Result<Option<EnrolmentRow>>;
    async fn batch_sessions(&mut self, batch: BatchId) -> Result<Vec<TrainingSession>>;
    /// Sets a trainee's mark for a session (a new mark replaces the old one).
    async fn mark(&mut self, a: &AttendanceRow) -> Result<()>;
    async fn marks_of(&mut self, enrolment: EnrolmentId) -> Result<Vec<AttendanceRow>>;
    /// Records an assessment (a new score for the same module replaces the old one).
    async fn record_assessment(&mut self, a: &AssessmentRow) -> Result<()>;
    async fn assessments_of(&mut self, enrolment: EnrolmentId) -> Result<Vec<AssessmentRow>>;
    /// A free index on the district's current revocation list (a new list when it is half used); `pick` chooses
    /// a random index below the list's size, and is asked again when one is taken.
    async fn take_status_index(
        &mut self,
        district: &str,
        size: i64,
        pick: &mut (dyn FnMut(i64) -> i64 + Send),
        now: i64,
    ) -> Result<(i64, i64)>;
    async fn insert_certificate(&mut self, c: &CertificateRow) -> Result<()>;
    /// The enrolment's newest certificate, in force or not.
    async fn latest_certificate(
        &mut self,
        enrolment: EnrolmentId,
    ) -> Result<Option<CertificateRow>>;
    /// Revokes a certificate (its list's bit is set from now on); `replaced_by` names its correction; `auto` when
    /// completion itself withdraws it.
    async fn revoke_certificate(
        &mut self,
        id: &str,
        reason: &str,
        replaced_by: Option<&str>,
        auto: bool,
        now: i64,
    ) -> Result<()>;
}

#[async_trait]
impl TrainingWrites for SqlTx {
    async fn insert_centre(&mut self, c: &NewCentre, now: i64) -> Result<CentreId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO training_centres (name, district, block, address, capacity, contact_name, contact_phone, \
             partner_user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(&c.name)
        .bind(&c.district)
        .bind(&c.block)
        .bind(&c.address)
        .bind(i64::from(c.capacity))
        .bind(&c.contact_name)
        .bind(c.contact_phone.e164())
        .bind(c.partner_user_id)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(CentreId(id))
    }

    async fn insert_programme(
        &mut self,
        p: &NewProgramme,
        created_by: Option<i64>,
        now: i64,
    ) -> Result<ProgrammeId> {
        let modules = serde_json::to_string(&p.modules)
            .map_err(|e| StoreError::Corrupt(format!("modules: {e}")))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO training_programmes (district, title_en, title_hi, modules, min_attendance_pct, \
             min_score_pct, certificate_en, certificate_hi, trade, validity_years, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(&p.district)
        .bind(&p.title_en)
        .bind(&p.title_hi)
        .bind(modules)
        .bind(i64::from(p.completion.min_attendance_pct))
        .bind(i64::from(p.completion.min_score_pct))
        .bind(&p.certificate_en)
        .bind(&p.certificate_hi)
        .bind(&p.trade)
        .bind(i64::from(p.validity_years))
        .bind(created_by)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(ProgrammeId(id))
    }

    async fn insert_batch(
        &mut self,
        b: &NewBatch,
        qr_tokens: &[String],
        now: i64,
    ) -> Result<BatchId> {
        let trainers = serde_json::to_string(&b.trainers)
            .map_err(|e| StoreError::Corrupt(format!("trainers: {e}")))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO training_batches (programme_id, centre_id, phase, name, enrol_from, enrol_until, capacity, \
             trainers, starts_at, ends_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             RETURNING id",
        )
        .bind(b.programme_id)
        .bind(b.centre_id)
        .bind(i64::from(b.phase))
        .bind(&b.name)
        .bind(b.enrol_from)
        .bind(b.enrol_until)
        .bind(i64::from(b.capacity))
        .bind(trainers)
        .bind(b.starts_at())
        .bind(b.ends_at())
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        for (s, token) in b.sessions.iter().zip(qr_tokens) {
            sqlx::query(
                "INSERT INTO training_sessions (batch_id, starts_at, ends_at, topic, module, qr_token) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(s.starts_at)
            .bind(s.ends_at)
            .bind(&s.topic)
            .bind(s.module.map(i64::from))
            .bind(token)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(BatchId(id))
    }

    async fn lock_batch(&mut self, id: BatchId) -> Result<TrainingBatch> {
        let lock = if self.backend == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql = format!("SELECT {BATCH_COLUMNS} FROM training_batches b WHERE b.id = $1{lock}");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        batch_from(&row)
    }

    async fn seats_taken(&mut self, batch: BatchId) -> Result<u32> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM training_enrolments \
             WHERE batch_id = $1 AND status IN ('enrolled', 'completed', 'not_completed')",
        )
        .bind(batch.0)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn enrolment_of_phone(
        &mut self,
        batch: BatchId,
        phone: &str,
    ) -> Result<Option<EnrolmentRow>> {
        let sql = format!(
            "SELECT {ENROLMENT_COLUMNS} FROM training_enrolments e WHERE e.batch_id = $1 AND e.phone = $2"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(batch.0)
            .bind(phone)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(enrolment_from).transpose()
    }

    async fn insert_enrolment(
        &mut self,
        batch: BatchId,
        e: &NewEnrolment,
        status: EnrolmentStatus,
        now: i64,
    ) -> Result<EnrolmentId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO training_enrolments (batch_id, worker_id, name, phone, office, panchayat, block, district, \
             status, source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
             RETURNING id",
        )
        .bind(batch.0)
        .bind(e.worker_id)
        .bind(&e.name)
        .bind(&e.phone)
        .bind(&e.office)
        .bind(&e.panchayat)
        .bind(&e.block)
        .bind(&e.district)
        .bind(status.as_str())
        .bind(&e.source)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(db)
                if db.is_unique_violation()
                    && db.constraint().is_none_or(|c| c == ENROLMENT_UNIQUE) =>
            {
                StoreError::AlreadyEnrolled
            }
            _ => StoreError::Database(err),
        })?;
        Ok(EnrolmentId(id))
    }

    async fn enrolment_tx(&mut self, id: EnrolmentId) -> Result<EnrolmentRow> {
        let sql = format!("SELECT {ENROLMENT_COLUMNS} FROM training_enrolments e WHERE e.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        enrolment_from(&row)
    }

    async fn set_enrolment_status(
        &mut self,
        id: EnrolmentId,
        status: EnrolmentStatus,
        now: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE training_enrolments SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(id.0)
            .bind(status.as_str())
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn rename_enrolment(&mut self, id: EnrolmentId, name: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE training_enrolments SET name = $2, updated_at = $3 WHERE id = $1")
            .bind(id.0)
            .bind(name)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn first_waiting(&mut self, batch: BatchId) -> Result<Option<EnrolmentRow>> {
        let sql = format!(
            "SELECT {ENROLMENT_COLUMNS} FROM training_enrolments e \
             WHERE e.batch_id = $1 AND e.status = 'waiting' ORDER BY e.id LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(batch.0)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(enrolment_from).transpose()
    }

    async fn batch_sessions(&mut self, batch: BatchId) -> Result<Vec<TrainingSession>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM training_sessions s WHERE s.batch_id = $1 ORDER BY s.starts_at, s.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(batch.0)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(session_from).collect()
    }

    async fn mark(&mut self, a: &AttendanceRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO training_attendance (session_id, enrolment_id, present, method, marked_by, marked_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (session_id, enrolment_id) DO UPDATE SET \
             present = $3, method = $4, marked_by = $5, marked_at = $6",
        )
        .bind(a.session_id.0)
        .bind(a.enrolment_id.0)
        .bind(i64::from(a.present))
        .bind(a.method.as_str())
        .bind(&a.marked_by)
        .bind(a.marked_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn marks_of(&mut self, enrolment: EnrolmentId) -> Result<Vec<AttendanceRow>> {
        let rows = sqlx::query(
            "SELECT session_id, enrolment_id, present, method, marked_by, marked_at \
             FROM training_attendance WHERE enrolment_id = $1",
        )
        .bind(enrolment.0)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(attendance_from).collect()
    }

    async fn record_assessment(&mut self, a: &AssessmentRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO training_assessments (enrolment_id, module, score, max_score, pass_mark, recorded_by, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (enrolment_id, module) DO UPDATE SET \
             score = $3, max_score = $4, pass_mark = $5, recorded_by = $6, recorded_at = $7",
        )
        .bind(a.enrolment_id.0)
        .bind(a.module.map_or(-1, i64::from))
        .bind(a.score)
        .bind(a.max_score)
        .bind(a.pass_mark)
        .bind(&a.recorded_by)
        .bind(a.recorded_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn assessments_of(&mut self, enrolment: EnrolmentId) -> Result<Vec<AssessmentRow>> {
        let rows = sqlx::query(
            "SELECT enrolment_id, module, score, max_score, pass_mark, recorded_by, recorded_at \
             FROM training_assessments WHERE enrolment_id = $1 ORDER BY module",
        )
        .bind(enrolment.0)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(assessment_from).collect()
    }

    async fn take_status_index(
        &mut self,
        district: &str,
        size: i64,
        pick: &mut (dyn FnMut(i64) -> i64 + Send),
        now: i64,
    ) -> Result<(i64, i64)> {
        let lock = if self.backend == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, size, used FROM status_lists WHERE district = $1 ORDER BY id DESC LIMIT 1{lock}"
        );
        let current = sqlx::query(AssertSqlSafe(sql))
            .bind(district)
            .fetch_optional(&mut *self.tx)
            .await?;
        let (list, size) = match current {
            // Half used: random indexes would collide often, so a fresh list starts.
            Some(r) if r.try_get::<i64, _>("used")? * 2 < r.try_get::<i64, _>("size")? => {
                (r.try_get::<i64, _>("id")?, r.try_get::<i64, _>("size")?)
            }
            _ => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO status_lists (district, size, used, updated_at) VALUES ($1, $2, 0, $3) RETURNING id",
                )
                .bind(district)
                .bind(size)
                .bind(now)
                .fetch_one(&mut *self.tx)
                .await?;
                (id, size)
            }
        };
        for _ in 0..1_000 {
            let index = pick(size).rem_euclid(size);
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM certificates WHERE list_id = $1 AND status_index = $2",
            )
            .bind(list)
            .bind(index)
            .fetch_optional(&mut *self.tx)
            .await?;
            if taken.is_none() {
                sqlx::query(
                    "UPDATE status_lists SET used = used + 1, updated_at = $2 WHERE id = $1",
                )
                .bind(list)
                .bind(now)
                .execute(&mut *self.tx)
                .await?;
                return Ok((list, index));
            }
        }
        Err(StoreError::Corrupt(
            "no free index found on the revocation list (is randomness missing?)".into(),
        ))
    }

    async fn insert_certificate(&mut self, c: &CertificateRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO certificates (id, enrolment_id, district, list_id, status_index, credential, issued_at, \
             valid_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&c.id)
        .bind(c.enrolment_id.0)
        .bind(&c.district)
        .bind(c.list_id)
        .bind(c.status_index)
        .bind(&c.credential)
        .bind(c.issued_at)
        .bind(c.valid_until)
        .execute(&mut *self.tx)
        .await?;
        self.certificate_changed_worker(&c.id).await
    }

    async fn latest_certificate(
        &mut self,
        enrolment: EnrolmentId,
    ) -> Result<Option<CertificateRow>> {
        let sql = format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates k \
             WHERE k.enrolment_id = $1 ORDER BY k.revoked_at IS NULL DESC, k.issued_at DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(enrolment.0)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(certificate_from).transpose()
    }

    async fn revoke_certificate(
        &mut self,
        id: &str,
        reason: &str,
        replaced_by: Option<&str>,
        auto: bool,
        now: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE certificates SET revoked_at = $2, revoke_reason = $3, replaced_by = $4, revoked_auto = $5 \
             WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .bind(reason)
        .bind(replaced_by)
        .bind(i64::from(auto))
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "UPDATE status_lists SET updated_at = $2 WHERE id = (SELECT list_id FROM certificates WHERE id = $1)",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        self.certificate_changed_worker(id).await
    }
}

impl SqlTx {
    /// A registered worker's certificate was issued or withdrawn: their change-feed position moves on at commit,
    /// so the matching index reads whether they are certified in their trade again.
    async fn certificate_changed_worker(&mut self, certificate: &str) -> Result<()> {
        let worker: Option<i64> = sqlx::query_scalar(
            "SELECT e.worker_id FROM certificates k JOIN training_enrolments e ON e.id = k.enrolment_id \
             WHERE k.id = $1",
        )
        .bind(certificate)
        .fetch_optional(&mut *self.tx)
        .await?
        .flatten();
        self.touched_workers.extend(worker);
        Ok(())
    }
}
