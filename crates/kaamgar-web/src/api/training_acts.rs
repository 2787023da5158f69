//! What is done to a batch through `/api/v1/batches/{id}/…`: enrolling (one, a list, or workers picked from the
//! registry), withdrawing, marking attendance, recording assessments and deciding completion.

use super::training::{by, masked};
use crate::extract::{ApiJson, ApiPath, ApiScope};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::{Extension, Json};
use kaamgar_app::training::{Mark, TrainingError};
use kaamgar_domain::ids::{BatchId, EnrolmentId, SessionId};
use kaamgar_domain::training::dates::utc_datetime;
use kaamgar_domain::training::model::{AssessmentForm, TraineeForm};
use kaamgar_store::WorkerFilter;
use serde::{Deserialize, Serialize};

/// Workers to pick from the registry: by trade, block and availability, in the caller's reach.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryPick {
    /// A trade's slug.
    pub trade: Option<String>,
    pub block: Option<String>,
    /// available or busy.
    pub availability: Option<String>,
    /// At most this many (default: the batch's capacity).
    pub limit: Option<u32>,
}

/// One of: `trainee` (one), `trainees` (a list, each decided on its own) or `from_registry`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolBody {
    pub trainee: Option<TraineeForm>,
    pub trainees: Option<Vec<TraineeForm>>,
    pub from_registry: Option<RegistryPick>,
    /// When the batch is full: put them on the waiting list (true) or refuse (false, the default).
    pub wait_if_full: Option<bool>,
    /// Send each a WhatsApp invitation instead (with `trainee` or `trainees`): they are `invited`, holding no
    /// seat, until they accept — then seated, or on the waiting list when the batch is full — or decline.
    pub invite: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrolResult {
    /// Position in the list sent (0 for one trainee).
    pub index: usize,
    pub enrolment_id: Option<i64>,
    /// enrolled, waiting or invited.
    pub status: Option<String>,
    pub error: Option<crate::error::ErrorDetail>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrolAnswer {
    pub enrolled: usize,
    pub waiting: usize,
    pub invited: usize,
    pub refused: usize,
    pub results: Vec<EnrolResult>,
}

fn error_detail(e: TrainingError) -> crate::error::ErrorDetail {
    if let TrainingError::Store(s) = &e {
        tracing::error!(error.detail = %s, "an enrolment failed");
    }
    let (code, message) = e.code_and_message();
    crate::error::ErrorDetail {
        code,
        message,
        fields: Vec::new(),
    }
}

/// `POST /api/v1/batches/{id}/enrolments`: enrols trainees; each is answered on its own.
#[utoipa::path(post, path = "/api/v1/batches/{id}/enrolments", request_body = EnrolBody,
    params(("id" = i64, Path, description = "the batch's id")),
    responses((status = 200, body = EnrolAnswer), (status = 409, body = crate::error::ErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EnrolBody>,
) -> Result<Json<EnrolAnswer>, ApiError> {
    let (t, now, batch) = (&state.training, state.clock.now(), BatchId(id));
    let wait = body.wait_if_full.unwrap_or(false);
    if body.invite == Some(true) {
        let (list, one) = match (body.trainee, body.trainees, body.from_registry) {
            (Some(one), None, None) => (vec![one], true),
            (None, Some(list), None) => (list, false),
            _ => {
                return Err(ApiError::bad_request(
                    "one_of",
                    "an invitation goes to trainee or trainees",
                ));
            }
        };
        let mut results = t.invite_many(by(&caller), batch, &list, now).await?;
        // One trainee is answered as one enrolment is: a refusal is the call's error.
        if one
            && results.first().is_some_and(Result::is_err)
            && let Some(Err(e)) = results.pop()
        {
            return Err(e.into());
        }
        return Ok(Json(answer_of(results)));
    }
    let results = match (body.trainee, body.trainees, body.from_registry) {
        (Some(one), None, None) => vec![t.enrol(by(&caller), batch, &one, wait, "one", now).await?]
            .into_iter()
            .map(Ok)
            .collect(),
        (None, Some(list), None) => {
            t.enrol_many(by(&caller), batch, &list, wait, "list", now)
                .await?
        }
        (None, None, Some(pick)) => {
            // Read as the worker list reads them: a trade or block in either script, a bad one named.
            let input = kaamgar_domain::filter::FilterInput {
                trade: pick.trade.as_deref(),
                district: caller.scope.district(),
                block: pick.block.as_deref(),
                availability: pick.availability.as_deref(),
                ..Default::default()
            };
            let f = WorkerFilter::resolve(&state.trades, &state.places, &input)
                .map_err(|e| ApiError::bad_request(e.code, e.message))?;
            t.enrol_from_registry(by(&caller), batch, f, pick.limit.unwrap_or(u32::MAX), now)
                .await?
                .into_iter()
                .map(Ok)
                .collect()
        }
        _ => {
            return Err(ApiError::bad_request(
                "one_of",
                "send one of trainee, trainees or from_registry",
            ));
        }
    };
    Ok(Json(answer_of(results)))
}

/// Each trainee's answer, and the counts.
fn answer_of(
    results: Vec<Result<kaamgar_app::training::EnrolOutcome, TrainingError>>,
) -> EnrolAnswer {
    let mut answer = EnrolAnswer {
        enrolled: 0,
        invited: 0,
        waiting: 0,
        refused: 0,
        results: Vec::with_capacity(results.len()),
    };
    for (index, r) in results.into_iter().enumerate() {
        answer.results.push(match r {
            Ok(o) => {
                use kaamgar_domain::training::rules::EnrolmentStatus as S;
                match o.status {
                    S::Waiting => answer.waiting += 1,
                    S::Invited => answer.invited += 1,
                    _ => answer.enrolled += 1,
                }
                EnrolResult {
                    index,
                    enrolment_id: Some(o.id.0),
                    status: Some(o.status.as_str().into()),
                    error: None,
                }
            }
            Err(e) => {
                answer.refused += 1;
                EnrolResult {
                    index,
                    enrolment_id: None,
                    status: None,
                    error: Some(error_detail(e)),
                }
            }
        });
    }
    answer
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    pub id: i64,
    pub worker_id: Option<i64>,
    pub name: String,
    /// Masked.
    pub phone: String,
    pub office: Option<String>,
    pub status: String,
    pub source: String,
    pub enrolled_at: String,
}

/// `GET /api/v1/batches/{id}/enrolments`: the batch's trainees and waiting list (oldest first).
#[utoipa::path(get, path = "/api/v1/batches/{id}/enrolments", params(("id" = i64, Path, description = "the batch's id")),
    responses((status = 200, body = Vec<Enrolment>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_enrolments(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Enrolment>>, ApiError> {
    state
        .training
        .visible_batch(&caller.caller, BatchId(id))
        .await?;
    let rows = kaamgar_store::TrainingStore::enrolments(state.store.as_ref(), BatchId(id)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|e| Enrolment {
                id: e.id.0,
                worker_id: e.trainee.worker_id,
                name: e.trainee.name,
                phone: masked(&e.trainee.phone),
                office: e.trainee.office,
                status: e.status.as_str().into(),
                source: e.trainee.source,
                enrolled_at: utc_datetime(e.created_at),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Withdrawn {
    /// Who took the freed seat from the waiting list, if anyone.
    pub promoted_enrolment_id: Option<i64>,
}

/// `POST /api/v1/batches/{id}/enrolments/{enrolment}/withdrawal`: a trainee leaves; the waiting list fills the seat.
#[utoipa::path(post, path = "/api/v1/batches/{id}/enrolments/{enrolment}/withdrawal",
    params(("id" = i64, Path, description = "the batch's id"), ("enrolment" = i64, Path, description = "the enrolment's id")),
    responses((status = 200, body = Withdrawn), (status = 409, body = crate::error::ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath((id, enrolment)): ApiPath<(i64, i64)>,
) -> Result<Json<Withdrawn>, ApiError> {
    let e = kaamgar_store::TrainingStore::enrolment(state.store.as_ref(), EnrolmentId(enrolment))
        .await?;
    if e.batch_id.0 != id {
        return Err(ApiError::NotFound);
    }
    let promoted = state
        .training
        .withdraw(by(&caller), EnrolmentId(enrolment), state.clock.now())
        .await?;
    Ok(Json(Withdrawn {
        promoted_enrolment_id: promoted.map(|p| p.0),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkBody {
    pub session_id: i64,
    pub marks: Vec<Mark>,
    /// Required to change marks after the session's day (audited as a correction).
    pub correction_reason: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Marked {
    pub marked: usize,
}

/// `POST /api/v1/batches/{id}/attendance`: marks a session's list (on its day; later, a correction with a reason).
#[utoipa::path(post, path = "/api/v1/batches/{id}/attendance", request_body = MarkBody,
    params(("id" = i64, Path, description = "the batch's id")),
    responses((status = 200, body = Marked), (status = 422, body = crate::error::ErrorBody)))]
pub async fn mark_attendance(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MarkBody>,
) -> Result<Json<Marked>, ApiError> {
    let marked = state
        .training
        .mark_session(
            by(&caller),
            BatchId(id),
            SessionId(body.session_id),
            &body.marks,
            body.correction_reason.as_deref(),
            state.clock.now(),
        )
        .await?;
    Ok(Json(Marked { marked }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttendanceLine {
    pub enrolment_id: i64,
    pub name: String,
    /// Per session, in order: true present, false absent, null not marked.
    pub marks: Vec<Option<bool>>,
    pub attendance_pct: f64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttendanceSheet {
    pub session_ids: Vec<i64>,
    pub held: u32,
    pub trainees: Vec<AttendanceLine>,
}

/// `GET /api/v1/batches/{id}/attendance`: the batch's attendance sheet, attendance live over the sessions held.
#[utoipa::path(get, path = "/api/v1/batches/{id}/attendance", params(("id" = i64, Path, description = "the batch's id")),
    responses((status = 200, body = AttendanceSheet), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_attendance(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AttendanceSheet>, ApiError> {
    let r = state
        .training
        .batch_record(&caller.caller, BatchId(id), state.clock.now())
        .await?;
    Ok(Json(AttendanceSheet {
        session_ids: r.sessions.iter().map(|s| s.id.0).collect(),
        held: r.held,
        trainees: r
            .trainees
            .into_iter()
            .filter(|t| t.enrolment.status.holds_seat())
            .map(|t| AttendanceLine {
                enrolment_id: t.enrolment.id.0,
                name: t.enrolment.trainee.name,
                marks: t.marks,
                attendance_pct: t.attendance_pct,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub enrolment_id: i64,
    /// Absent for the final assessment.
    pub module: Option<u16>,
    pub score: f64,
    pub max_score: f64,
    pub pass_mark: f64,
    pub passed: bool,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// `GET /api/v1/batches/{id}/assessments`.
#[utoipa::path(get, path = "/api/v1/batches/{id}/assessments", params(("id" = i64, Path, description = "the batch's id")),
    responses((status = 200, body = Vec<Assessment>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_assessments(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Assessment>>, ApiError> {
    state
        .training
        .visible_batch(&caller.caller, BatchId(id))
        .await?;
    let rows = kaamgar_store::TrainingStore::assessments(state.store.as_ref(), BatchId(id)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|a| Assessment {
                enrolment_id: a.enrolment_id.0,
                module: a.module,
                passed: a.score >= a.pass_mark,
                score: a.score,
                max_score: a.max_score,
                pass_mark: a.pass_mark,
                recorded_by: a.recorded_by,
                recorded_at: utc_datetime(a.recorded_at),
            })
            .collect(),
    ))
}

/// `POST /api/v1/batches/{id}/assessments`: a module's or the final score of a trainee.
#[utoipa::path(post, path = "/api/v1/batches/{id}/assessments", request_body = AssessmentForm,
    params(("id" = i64, Path, description = "the batch's id")),
    responses((status = 204), (status = 422, body = crate::error::ErrorBody)))]
pub async fn record_assessment(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(form): ApiJson<AssessmentForm>,
) -> Result<axum::http::StatusCode, ApiError> {
    state
        .training
        .record_assessment(by(&caller), BatchId(id), &form, state.clock.now())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Completion {
    /// Certificates issued by this call.
    pub issued: Vec<String>,
}

/// `POST /api/v1/batches/{id}/completion`: decides completion once every session has started and issues the
/// certificates earned (it also runs by itself when the batch ends).
#[utoipa::path(post, path = "/api/v1/batches/{id}/completion", params(("id" = i64, Path, description = "the batch's id")),
    responses((status = 200, body = Completion), (status = 409, body = crate::error::ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Completion>, ApiError> {
    let issued = state
        .training
        .complete_batch(by(&caller), BatchId(id), state.clock.now())
        .await?;
    Ok(Json(Completion {
        issued: issued.into_iter().map(|i| i.certificate).collect(),
    }))
}
