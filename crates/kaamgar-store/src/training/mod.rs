//! Training's persistence: centres, programmes, batches and their sessions, enrolments, attendance, assessments,
//! certificates and the districts' revocation lists. Reads on the pool ([`TrainingStore`], in `reads`); writes
//! inside a [`Tx`](crate::Tx) ([`TrainingWrites`], in `writes`), so an enrolment, a mark or an issued certificate
//! commits with its audit row.

mod reads;
mod writes;

use crate::{Result, StoreError};
use async_trait::async_trait;
use kaamgar_domain::ids::{BatchId, CentreId, EnrolmentId, ProgrammeId, SessionId};
use kaamgar_domain::training::model::{NewBatch, NewCentre, NewProgramme};
use kaamgar_domain::training::rules::{EnrolmentStatus, Method};
use sqlx::Row;
use sqlx::any::AnyRow;

pub use writes::TrainingWrites;

#[derive(Debug, Clone, PartialEq)]
pub struct CentreRow {
    pub id: CentreId,
    pub centre: NewCentre,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeRow {
    pub id: ProgrammeId,
    pub programme: NewProgramme,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrainingBatch {
    pub id: BatchId,
    pub programme_id: ProgrammeId,
    pub centre_id: CentreId,
    pub phase: u16,
    pub name: String,
    pub enrol_from: i64,
    pub enrol_until: i64,
    pub capacity: u32,
    pub trainers: Vec<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_at: i64,
}

impl TrainingBatch {
    pub fn window(&self) -> kaamgar_domain::training::rules::Window {
        kaamgar_domain::training::rules::Window {
            enrol_from: self.enrol_from,
            enrol_until: self.enrol_until,
            capacity: self.capacity,
        }
    }
}

/// 1 when the row of `workers` holds a certificate in force from a programme for their primary trade, else 0 (the
/// matching feed's `certified`).
pub(crate) const CERTIFIED_IN_TRADE: &str = "CASE WHEN EXISTS (SELECT 1 FROM training_enrolments e \
    JOIN certificates k ON k.enrolment_id = e.id AND k.revoked_at IS NULL \
    JOIN training_batches b ON b.id = e.batch_id JOIN training_programmes p ON p.id = b.programme_id \
    WHERE e.worker_id = workers.id AND p.trade = workers.trade) THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END";

/// A batch as lists show it: where and what it is, and its counts.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSummary {
    pub batch: TrainingBatch,
    pub programme_en: String,
    pub programme_hi: String,
    pub centre: String,
    pub district: String,
    pub block: Option<String>,
    pub partner_user_id: Option<i64>,
    /// Trainees holding a seat (enrolled, completed or not).
    pub seated: i64,
    pub waiting: i64,
    pub completed: i64,
    /// Certificates in force.
    pub certificates: i64,
    pub sessions: i64,
    /// Sessions started by the time asked about.
    pub held: i64,
    /// Present marks over the held sessions.
    pub present: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingSession {
    pub id: SessionId,
    pub batch_id: BatchId,
    pub starts_at: i64,
    pub ends_at: i64,
    pub topic: String,
    pub module: Option<u16>,
    /// The secret a session's QR code carries.
    pub qr_token: String,
}

/// A trainee to enrol, as stored: a worker's name and phone are copied from the registry at enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrolment {
    pub worker_id: Option<i64>,
    pub name: String,
    /// E.164.
    pub phone: String,
    pub office: Option<String>,
    pub panchayat: Option<String>,
    pub block: Option<String>,
    pub district: Option<String>,
    /// How they came: `one`, `registry`, `list`, `whatsapp`.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRow {
    pub id: EnrolmentId,
    pub batch_id: BatchId,
    pub trainee: NewEnrolment,
    pub status: EnrolmentStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRow {
    pub session_id: SessionId,
    pub enrolment_id: EnrolmentId,
    pub present: bool,
    pub method: Method,
    pub marked_by: String,
    pub marked_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRow {
    pub enrolment_id: EnrolmentId,
    /// `None`: the final assessment.
    pub module: Option<u16>,
    pub score: f64,
    pub max_score: f64,
    pub pass_mark: f64,
    pub recorded_by: String,
    pub recorded_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRow {
    /// A UUID (the credential's id is `urn:uuid:` and this).
    pub id: String,
    pub enrolment_id: EnrolmentId,
    pub district: String,
    pub list_id: i64,
    pub status_index: i64,
    /// The signed credential, as issued.
    pub credential: String,
    pub issued_at: i64,
    pub valid_until: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    /// Withdrawn by completion itself (not by a person).
    pub revoked_auto: bool,
    /// The certificate issued in its place after a correction.
    pub replaced_by: Option<String>,
}

/// A district's revocation list: its size and the indexes revoked on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListRow {
    pub id: i64,
    pub district: String,
    pub size: i64,
    pub revoked: Vec<i64>,
    pub updated_at: i64,
}

/// What part of training a list covers: a district (and block), a partner's own centres, one programme.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrainingFilter {
    pub district: Option<String>,
    pub block: Option<String>,
    /// Only centres run by this training partner's account.
    pub partner: Option<i64>,
    pub programme: Option<ProgrammeId>,
    pub centre: Option<CentreId>,
    pub phase: Option<u16>,
}

/// Training's reads.
#[async_trait]
pub trait TrainingStore: Send + Sync {
    async fn centre(&self, id: CentreId) -> Result<CentreRow>;
    async fn centres(&self, f: &TrainingFilter) -> Result<Vec<CentreRow>>;
    async fn programme(&self, id: ProgrammeId) -> Result<ProgrammeRow>;
    async fn programmes(&self, district: Option<&str>) -> Result<Vec<ProgrammeRow>>;
    async fn batch(&self, id: BatchId) -> Result<TrainingBatch>;
    /// Batches with their counts (sessions held and attendance as of `now`), by programme, phase and id.
    async fn batches(&self, f: &TrainingFilter, now: i64) -> Result<Vec<BatchSummary>>;
    async fn sessions(&self, batch: BatchId) -> Result<Vec<TrainingSession>>;
    async fn enrolments(&self, batch: BatchId) -> Result<Vec<EnrolmentRow>>;
    async fn enrolment(&self, id: EnrolmentId) -> Result<EnrolmentRow>;
    async fn attendance(&self, batch: BatchId) -> Result<Vec<AttendanceRow>>;
    async fn assessments(&self, batch: BatchId) -> Result<Vec<AssessmentRow>>;
    async fn certificate(&self, id: &str) -> Result<CertificateRow>;
    /// Certificates in the filter's reach, newest first, issued before (`issued_at`, `id`) `before` if given.
    async fn certificates(
        &self,
        f: &TrainingFilter,
        before: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<CertificateRow>>;
    /// Certificates of a batch's trainees.
    async fn batch_certificates(&self, batch: BatchId) -> Result<Vec<CertificateRow>>;
    /// A registered worker's certificates, newest first, with the programme each is for.
    async fn worker_certificates(&self, worker: i64) -> Result<Vec<(CertificateRow, String)>>;
    async fn status_list(&self, id: i64) -> Result<StatusListRow>;
    /// Enrolments of a phone in batches with a session running around `now` (within `margin` seconds of it).
    async fn sessions_for_phone(
        &self,
        phone: &str,
        now: i64,
        margin: i64,
    ) -> Result<Vec<(TrainingSession, EnrolmentRow)>>;
}

pub(crate) fn status_from(s: &str) -> Result<EnrolmentStatus> {
    EnrolmentStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("enrolment status '{s}'")))
}

fn json_list<T: serde::de::DeserializeOwned>(r: &AnyRow, col: &str) -> Result<T> {
    let text: String = r.try_get(col)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn small<T: TryFrom<i64>>(r: &AnyRow, col: &str) -> Result<T> {
    let v: i64 = r.try_get(col)?;
    T::try_from(v).map_err(|_| StoreError::Corrupt(format!("{col} {v}")))
}

pub(crate) const CENTRE_COLUMNS: &str = "c.id, c.name, c.district, c.block, c.address, c.capacity, \
    c.contact_name, c.contact_phone, c.partner_user_id, c.created_at";

pub(crate) fn centre_from(r: &AnyRow) -> Result<CentreRow> {
    let phone: String = r.try_get("contact_phone")?;
    Ok(CentreRow {
        id: CentreId(r.try_get("id")?),
        centre: NewCentre {
            name: r.try_get("name")?,
            district: r.try_get("district")?,
            block: r.try_get("block")?,
            address: r.try_get("address")?,
            capacity: small(r, "capacity")?,
            contact_name: r.try_get("contact_name")?,
            contact_phone: kaamgar_domain::PhoneNumber::parse(&phone)
                .map_err(|_| StoreError::Corrupt("centre phone".into()))?,
            partner_user_id: r.try_get("partner_user_id")?,
        },
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) const PROGRAMME_COLUMNS: &str = "id, district, title_en, title_hi, modules, min_attendance_pct, \
    min_score_pct, certificate_en, certificate_hi, trade, validity_years, created_by, created_at";

pub(crate) fn programme_from(r: &AnyRow) -> Result<ProgrammeRow> {
    Ok(ProgrammeRow {
        id: ProgrammeId(r.try_get("id")?),
        programme: NewProgramme {
            title_en: r.try_get("title_en")?,
            title_hi: r.try_get("title_hi")?,
            district: r.try_get("district")?,
            modules: json_list(r, "modules")?,
            completion: kaamgar_domain::training::model::CompletionRule {
                min_attendance_pct: small(r, "min_attendance_pct")?,
                min_score_pct: small(r, "min_score_pct")?,
            },
            certificate_en: r.try_get("certificate_en")?,
            certificate_hi: r.try_get("certificate_hi")?,
            trade: r.try_get("trade")?,
            validity_years: small(r, "validity_years")?,
        },
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) const BATCH_COLUMNS: &str = "b.id, b.programme_id, b.centre_id, b.phase, b.name, b.enrol_from, \
    b.enrol_until, b.capacity, b.trainers, b.starts_at, b.ends_at, b.created_at";

pub(crate) fn batch_from(r: &AnyRow) -> Result<TrainingBatch> {
    Ok(TrainingBatch {
        id: BatchId(r.try_get("id")?),
        programme_id: ProgrammeId(r.try_get("programme_id")?),
        centre_id: CentreId(r.try_get("centre_id")?),
        phase: small(r, "phase")?,
        name: r.try_get("name")?,
        enrol_from: r.try_get("enrol_from")?,
        enrol_until: r.try_get("enrol_until")?,
        capacity: small(r, "capacity")?,
        trainers: json_list(r, "trainers")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) const SESSION_COLUMNS: &str =
    "s.id, s.batch_id, s.starts_at, s.ends_at, s.topic, s.module, s.qr_token";

pub(crate) fn session_from(r: &AnyRow) -> Result<TrainingSession> {
    let module: Option<i64> = r.try_get("module")?;
    Ok(TrainingSession {
        id: SessionId(r.try_get("id")?),
        batch_id: BatchId(r.try_get("batch_id")?),
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        topic: r.try_get("topic")?,
        module: module.and_then(|m| u16::try_from(m).ok()),
        qr_token: r.try_get("qr_token")?,
    })
}

pub(crate) const ENROLMENT_COLUMNS: &str = "e.id, e.batch_id, e.worker_id, e.name, e.phone, e.office, \
    e.panchayat, e.block, e.district, e.status, e.source, e.created_at, e.updated_at";

pub(crate) fn enrolment_from(r: &AnyRow) -> Result<EnrolmentRow> {
    let status: String = r.try_get("status")?;
    Ok(EnrolmentRow {
        id: EnrolmentId(r.try_get("id")?),
        batch_id: BatchId(r.try_get("batch_id")?),
        trainee: NewEnrolment {
            worker_id: r.try_get("worker_id")?,
            name: r.try_get("name")?,
            phone: r.try_get("phone")?,
            office: r.try_get("office")?,
            panchayat: r.try_get("panchayat")?,
            block: r.try_get("block")?,
            district: r.try_get("district")?,
            source: r.try_get("source")?,
        },
        status: status_from(&status)?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub(crate) fn attendance_from(r: &AnyRow) -> Result<AttendanceRow> {
    let method: String = r.try_get("method")?;
    Ok(AttendanceRow {
        session_id: SessionId(r.try_get("session_id")?),
        enrolment_id: EnrolmentId(r.try_get("enrolment_id")?),
        present: r.try_get::<i64, _>("present")? != 0,
        method: Method::parse(&method)
            .ok_or_else(|| StoreError::Corrupt(format!("attendance method '{method}'")))?,
        marked_by: r.try_get("marked_by")?,
        marked_at: r.try_get("marked_at")?,
    })
}

pub(crate) fn assessment_from(r: &AnyRow) -> Result<AssessmentRow> {
    let module: i64 = r.try_get("module")?;
    Ok(AssessmentRow {
        enrolment_id: EnrolmentId(r.try_get("enrolment_id")?),
        module: u16::try_from(module).ok(),
        score: r.try_get("score")?,
        max_score: r.try_get("max_score")?,
        pass_mark: r.try_get("pass_mark")?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

pub(crate) const CERTIFICATE_COLUMNS: &str = "k.id, k.enrolment_id, k.district, k.list_id, k.status_index, \
    k.credential, k.issued_at, k.valid_until, k.revoked_at, k.revoke_reason, k.revoked_auto, k.replaced_by";

pub(crate) fn certificate_from(r: &AnyRow) -> Result<CertificateRow> {
    Ok(CertificateRow {
        id: r.try_get("id")?,
        enrolment_id: EnrolmentId(r.try_get("enrolment_id")?),
        district: r.try_get("district")?,
        list_id: r.try_get("list_id")?,
        status_index: r.try_get("status_index")?,
        credential: r.try_get("credential")?,
        issued_at: r.try_get("issued_at")?,
        valid_until: r.try_get("valid_until")?,
        revoked_at: r.try_get("revoked_at")?,
        revoke_reason: r.try_get("revoke_reason")?,
        revoked_auto: r.try_get::<i64, _>("revoked_auto")? != 0,
        replaced_by: r.try_get("replaced_by")?,
    })
}
