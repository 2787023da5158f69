//! Training under `/api/v1`: centres, programmes, batches with their enrolments, attendance, assessments and
//! completion. Handlers parse, call `kaamgar_app::training`, and answer; trainees' numbers are masked.

use crate::extract::{ApiJson, ApiPath, ApiScope};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::{Extension, Json, Router, routing};
use kaamgar_app::training::{BatchRecord, By};
use kaamgar_domain::PhoneNumber;
use kaamgar_domain::ids::{BatchId, CentreId, ProgrammeId};
use kaamgar_domain::training::dates::utc_datetime;
use kaamgar_domain::training::model::{
    BatchForm, CentreForm, CompletionRule, Module, ProgrammeForm,
};
use kaamgar_store::{BatchSummary, CentreRow, ProgrammeRow, TrainingFilter};
use serde::{Deserialize, Serialize};

pub(crate) fn by(c: &ApiScope) -> By<'_> {
    By {
        caller: &c.caller,
        ip: c.ip.as_deref(),
    }
}

pub(crate) fn masked(phone: &str) -> String {
    PhoneNumber::parse(phone).map_or_else(|_| "hidden".into(), PhoneNumber::masked)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Centre {
    pub id: i64,
    pub name: String,
    pub district: String,
    pub block: Option<String>,
    pub address: String,
    pub capacity: u32,
    pub contact_name: String,
    /// The centre's contact number; masked for roles that do not read personal data.
    pub contact_phone: String,
    pub partner_user_id: Option<i64>,
}

fn centre(c: CentreRow, personal: bool) -> Centre {
    let phone = c.centre.contact_phone;
    Centre {
        id: c.id.0,
        name: c.centre.name,
        district: c.centre.district,
        block: c.centre.block,
        address: c.centre.address,
        capacity: c.centre.capacity,
        contact_name: c.centre.contact_name,
        contact_phone: if personal {
            phone.e164()
        } else {
            phone.masked()
        },
        partner_user_id: c.centre.partner_user_id,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Programme {
    pub id: i64,
    pub district: String,
    pub title_en: String,
    pub title_hi: String,
    pub modules: Vec<Module>,
    pub completion: CompletionRule,
    pub certificate_en: String,
    pub certificate_hi: String,
    pub trade: Option<String>,
    pub validity_years: u8,
    pub hours: u32,
}

fn programme_out(p: ProgrammeRow) -> Programme {
    let hours = p.programme.hours();
    let (id, p) = (p.id.0, p.programme);
    Programme {
        id,
        district: p.district,
        title_en: p.title_en,
        title_hi: p.title_hi,
        modules: p.modules,
        completion: p.completion,
        certificate_en: p.certificate_en,
        certificate_hi: p.certificate_hi,
        trade: p.trade,
        validity_years: p.validity_years,
        hours,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Batch {
    pub id: i64,
    pub programme_id: i64,
    pub centre_id: i64,
    pub phase: u16,
    pub name: String,
    pub programme_en: String,
    pub programme_hi: String,
    pub centre: String,
    pub district: String,
    pub block: Option<String>,
    /// RFC 3339, UTC.
    pub enrol_from: String,
    pub enrol_until: String,
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: u32,
    /// Trainees holding a seat.
    pub seated: i64,
    pub waiting: i64,
    /// Seats taken, percent.
    pub fill_pct: f64,
    pub completed: i64,
    pub certificates: i64,
    pub sessions: i64,
    pub held: i64,
    /// Present marks over (seated trainees × sessions held), percent.
    pub attendance_pct: f64,
}

fn pct(n: i64, of: i64) -> f64 {
    if of <= 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / of as f64).round() / 10.0
    }
}

pub(crate) fn batch(s: BatchSummary) -> Batch {
    let b = s.batch;
    Batch {
        id: b.id.0,
        programme_id: b.programme_id.0,
        centre_id: b.centre_id.0,
        phase: b.phase,
        name: b.name,
        programme_en: s.programme_en,
        programme_hi: s.programme_hi,
        centre: s.centre,
        district: s.district,
        block: s.block,
        enrol_from: utc_datetime(b.enrol_from),
        enrol_until: utc_datetime(b.enrol_until),
        starts_at: utc_datetime(b.starts_at),
        ends_at: utc_datetime(b.ends_at),
        capacity: b.capacity,
        seated: s.seated,
        waiting: s.waiting,
        fill_pct: pct(s.seated, i64::from(b.capacity)),
        completed: s.completed,
        certificates: s.certificates,
        sessions: s.sessions,
        held: s.held,
        attendance_pct: pct(s.present, s.seated * s.held),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub id: i64,
    pub starts_at: String,
    pub ends_at: String,
    pub topic: String,
    pub module: Option<u16>,
    /// The code the session's QR carries; only for those who run the batch.
    pub qr_code: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Trainee {
    pub enrolment_id: i64,
    pub worker_id: Option<i64>,
    pub name: String,
    /// Masked.
    pub phone: String,
    pub office: Option<String>,
    pub panchayat: Option<String>,
    pub block: Option<String>,
    pub district: Option<String>,
    /// invited, declined, enrolled, waiting, withdrawn, completed or not_completed.
    pub status: String,
    pub source: String,
    /// Per session: true present, false absent, null not marked.
    pub marks: Vec<Option<bool>>,
    pub attended: u32,
    pub attendance_pct: f64,
    pub score_pct: Option<f64>,
    pub certificate_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchDetail {
    pub id: i64,
    pub programme_id: i64,
    pub centre_id: i64,
    pub phase: u16,
    pub name: String,
    pub capacity: u32,
    pub trainers: Vec<String>,
    pub enrol_from: String,
    pub enrol_until: String,
    pub sessions: Vec<Session>,
    pub held: u32,
    pub trainees: Vec<Trainee>,
}

fn detail(r: BatchRecord, manages: bool) -> BatchDetail {
    BatchDetail {
        id: r.batch.id.0,
        programme_id: r.batch.programme_id.0,
        centre_id: r.batch.centre_id.0,
        phase: r.batch.phase,
        name: r.batch.name,
        capacity: r.batch.capacity,
        trainers: r.batch.trainers,
        enrol_from: utc_datetime(r.batch.enrol_from),
        enrol_until: utc_datetime(r.batch.enrol_until),
        sessions: r
            .sessions
            .into_iter()
            .map(|s| Session {
                id: s.id.0,
                starts_at: utc_datetime(s.starts_at),
                ends_at: utc_datetime(s.ends_at),
                topic: s.topic,
                module: s.module,
                qr_code: manages.then_some(s.qr_token),
            })
            .collect(),
        held: r.held,
        trainees: r
            .trainees
            .into_iter()
            .map(|t| Trainee {
                enrolment_id: t.enrolment.id.0,
                worker_id: t.enrolment.trainee.worker_id,
                name: t.enrolment.trainee.name,
                phone: masked(&t.enrolment.trainee.phone),
                office: t.enrolment.trainee.office,
                panchayat: t.enrolment.trainee.panchayat,
                block: t.enrolment.trainee.block,
                district: t.enrolment.trainee.district,
                status: t.enrolment.status.as_str().into(),
                source: t.enrolment.trainee.source,
                marks: t.marks,
                attended: t.attended,
                attendance_pct: t.attendance_pct,
                score_pct: t.score_pct,
                certificate_id: t.certificate.map(|c| c.id),
            })
            .collect(),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// `POST /api/v1/centres`: a training centre (a partner's own; officials may name the partner that runs it).
#[utoipa::path(post, path = "/api/v1/centres", request_body = CentreForm,
    responses((status = 201, body = Centre), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_centre(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiJson(form): ApiJson<CentreForm>,
) -> Result<(axum::http::StatusCode, Json<Centre>), ApiError> {
    let c = state
        .training
        .create_centre(by(&caller), &form, state.clock.now())
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(centre(c, true))))
}

/// `GET /api/v1/centres`: the centres the caller may see (a training partner: its own).
#[utoipa::path(get, path = "/api/v1/centres", responses((status = 200, body = Vec<Centre>)))]
pub async fn list_centres(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
) -> Result<Json<Vec<Centre>>, ApiError> {
    let f = state
        .training
        .filter_for(&caller.caller, TrainingFilter::default());
    let rows = state.store.centres(&f).await?;
    let personal = caller.can(kaamgar_domain::access::Permission::ViewPersonal);
    Ok(Json(
        rows.into_iter().map(|c| centre(c, personal)).collect(),
    ))
}

/// `GET /api/v1/centres/{id}`.
#[utoipa::path(get, path = "/api/v1/centres/{id}", params(("id" = i64, Path, description = "the centre's id")),
    responses((status = 200, body = Centre), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_centre(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Centre>, ApiError> {
    let c = state
        .training
        .visible_centre(&caller.caller, CentreId(id))
        .await?;
    let personal = caller.can(kaamgar_domain::access::Permission::ViewPersonal);
    Ok(Json(centre(c, personal)))
}

/// `POST /api/v1/programmes`: a programme of a district, with its modules and completion rule.
#[utoipa::path(post, path = "/api/v1/programmes", request_body = ProgrammeForm,
    responses((status = 201, body = Programme), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_programme(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiJson(form): ApiJson<ProgrammeForm>,
) -> Result<(axum::http::StatusCode, Json<Programme>), ApiError> {
    let p = state
        .training
        .create_programme(by(&caller), &form, state.clock.now())
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(programme_out(p))))
}

/// `GET /api/v1/programmes`: the programmes of the caller's district (all for the state).
#[utoipa::path(get, path = "/api/v1/programmes", responses((status = 200, body = Vec<Programme>)))]
pub async fn list_programmes(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
) -> Result<Json<Vec<Programme>>, ApiError> {
    let rows = state
        .store
        .programmes(caller.caller.scope.district())
        .await?;
    Ok(Json(rows.into_iter().map(programme_out).collect()))
}

/// `GET /api/v1/programmes/{id}`.
#[utoipa::path(get, path = "/api/v1/programmes/{id}", params(("id" = i64, Path, description = "the programme's id")),
    responses((status = 200, body = Programme), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_programme(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Programme>, ApiError> {
    let p = state.store.programme(ProgrammeId(id)).await?;
    caller.authorize_at(
        kaamgar_domain::access::Permission::ViewTraining,
        &p.programme.district,
        caller.caller.scope.block(),
    )?;
    Ok(Json(programme_out(p)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BatchParams {
    pub programme_id: Option<i64>,
    pub centre_id: Option<i64>,
    pub phase: Option<u16>,
}

/// `POST /api/v1/batches`: a batch of a programme at one of the caller's centres, with its sessions.
#[utoipa::path(post, path = "/api/v1/batches", request_body = BatchForm,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_batch(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiJson(form): ApiJson<BatchForm>,
) -> Result<(axum::http::StatusCode, Json<Created>), ApiError> {
    let id = state
        .training
        .create_batch(by(&caller), &form, state.clock.now())
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// `GET /api/v1/batches`: batches with fill, attendance, completion and certificates, by programme and phase.
#[utoipa::path(get, path = "/api/v1/batches", params(BatchParams), responses((status = 200, body = Vec<Batch>)))]
pub async fn list_batches(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<BatchParams>,
) -> Result<Json<Vec<Batch>>, ApiError> {
    let f = TrainingFilter {
        programme: p.programme_id.map(ProgrammeId),
        centre: p.centre_id.map(CentreId),
        phase: p.phase,
        ..Default::default()
    };
    let f = state.training.filter_for(&caller.caller, f);
    let rows = state.store.batches(&f, state.clock.now()).await?;
    Ok(Json(rows.into_iter().map(batch).collect()))
}

/// `GET /api/v1/batches/{id}`: the batch's sessions and each trainee's marks, attendance, score and certificate.
#[utoipa::path(get, path = "/api/v1/batches/{id}", params(("id" = i64, Path, description = "the batch's id")),
    responses((status = 200, body = BatchDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_batch(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<BatchDetail>, ApiError> {
    let r = state
        .training
        .batch_record(&caller.caller, BatchId(id), state.clock.now())
        .await?;
    let manages = kaamgar_app::training::may(
        &caller.caller,
        kaamgar_domain::access::Permission::ManageTraining,
        &r.centre,
    )
    .is_ok();
    Ok(Json(detail(r, manages)))
}

pub(crate) use super::training_acts::{
    complete, enrol, get_attendance, list_assessments, list_enrolments, mark_attendance,
    record_assessment, withdraw,
};

/// `/centres`, `/programmes`, `/batches…`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/centres", routing::get(list_centres).post(create_centre))
        .route("/centres/{id}", routing::get(get_centre))
        .route(
            "/programmes",
            routing::get(list_programmes).post(create_programme),
        )
        .route("/programmes/{id}", routing::get(get_programme))
        .route("/batches", routing::get(list_batches).post(create_batch))
        .route("/batches/{id}", routing::get(get_batch))
        .route(
            "/batches/{id}/enrolments",
            routing::get(list_enrolments).post(enrol),
        )
        .route(
            "/batches/{id}/enrolments/{enrolment}/withdrawal",
            routing::post(withdraw),
        )
        .route(
            "/batches/{id}/attendance",
            routing::get(get_attendance).post(mark_attendance),
        )
        .route(
            "/batches/{id}/assessments",
            routing::get(list_assessments).post(record_assessment),
        )
        .route("/batches/{id}/completion", routing::post(complete))
}
