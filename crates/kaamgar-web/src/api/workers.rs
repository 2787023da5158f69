//! The worker registry API: create, read, replace, list with filters, availability, verification, removal and
//! erasure. Bodies are validated by the same row rules as list imports, so both front doors accept the same data.

use crate::extract::{ApiJson, ApiQuery, ApiScope};
use crate::{ApiError, AppState, FieldError};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing;
use axum::{Extension, Json};
use kaamgar_domain::access::Permission;
use kaamgar_domain::filter::FilterInput;
use kaamgar_domain::import::{Field, Header, ImportDefaults, RowMapper, RowOutcome};
use kaamgar_domain::worker::{Availability, Consent, ConsentMethod, NewWorker, Worker};
use kaamgar_store::WorkerWrite;
use kaamgar_store::{Page, WorkerFilter};
use serde::{Deserialize, Serialize};

/// A worker as sent by a client: values in the same forms a list may use (trade by name, code or Hindi word;
/// phone in any common format; place by block, PIN or village).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerInput {
    #[schema(example = "सुनीता देवी")]
    pub name: String,
    #[schema(example = "98765 43210")]
    pub phone: String,
    pub gender: Option<String>,
    pub age: Option<u32>,
    #[schema(example = "plumber")]
    pub trade: String,
    #[serde(default)]
    pub other_trades: Vec<String>,
    pub experience_years: Option<u32>,
    pub village: Option<String>,
    pub panchayat: Option<String>,
    #[schema(example = "Marhaura")]
    pub block: Option<String>,
    pub district: Option<String>,
    pub pin: Option<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    pub availability: Option<String>,
    pub source: Option<String>,
    pub consent: ConsentInput,
}

/// How the worker agreed to be listed; required.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// survey_form, verbal, whatsapp, web or phone
    pub method: String,
    /// Unix seconds; defaults to now.
    pub given_at: Option<i64>,
}

fn validate(state: &AppState, input: &WorkerInput) -> Result<NewWorker, ApiError> {
    let method = ConsentMethod::parse(&input.consent.method).ok_or_else(|| {
        ApiError::Validation(vec![FieldError {
            field: "consent.method".into(),
            code: "consent_invalid".into(),
            message: "use survey_form, verbal, whatsapp, web or phone".into(),
        }])
    })?;
    let now = state.clock.now();
    let fields = [
        (Field::Name, Some(input.name.clone())),
        (Field::Phone, Some(input.phone.clone())),
        (Field::Gender, input.gender.clone()),
        (Field::Age, input.age.map(|a| a.to_string())),
        (Field::Trade, Some(input.trade.clone())),
        (Field::OtherTrades, Some(input.other_trades.join(","))),
        (
            Field::Experience,
            input.experience_years.map(|e| e.to_string()),
        ),
        (Field::Village, input.village.clone()),
        (Field::Panchayat, input.panchayat.clone()),
        (Field::Block, input.block.clone()),
        (Field::District, input.district.clone()),
        (Field::Pin, input.pin.clone()),
        (
            Field::Languages,
            (!input.languages.is_empty()).then(|| input.languages.join(",")),
        ),
        (Field::Availability, input.availability.clone()),
        (Field::Source, input.source.clone()),
    ];
    let defaults = ImportDefaults {
        source: "registered by an official".into(),
        consent: Consent {
            given_at: input.consent.given_at.unwrap_or(now),
            method,
        },
        languages: vec!["hi".into()],
        only: None,
    };
    worker_from_fields(state, &fields, defaults).map_err(|errors| {
        if errors.is_empty() {
            ApiError::bad_request("empty", "the worker has no data")
        } else {
            ApiError::Validation(errors)
        }
    })
}

/// A worker from named values, checked by the same rules as a list row (API and dashboard share them). An empty
/// error list means there was no data at all.
pub(crate) fn worker_from_fields(
    state: &AppState,
    fields: &[(Field, Option<String>)],
    defaults: ImportDefaults,
) -> Result<NewWorker, Vec<FieldError>> {
    let header = Header::from_fields(&fields.iter().map(|(f, _)| *f).collect::<Vec<_>>());
    let cells: Vec<String> = fields
        .iter()
        .map(|(_, v)| v.clone().unwrap_or_default())
        .collect();
    let mapper = RowMapper::new(header, &state.trades, &state.places, defaults);
    // One worker entered by hand is checked strictly: a doubtful value that a list import would only warn about
    // (and drop) is sent back to be corrected. Experience kept as written stays a warning only.
    let refused = |errors: Vec<kaamgar_domain::import::RowError>| -> Vec<FieldError> {
        errors
            .into_iter()
            .filter(|e| e.code != "experience_long_for_age")
            .map(|e| FieldError {
                field: e.column,
                code: e.code.into(),
                message: e.reason,
            })
            .collect()
    };
    match mapper.map(1, &cells) {
        RowOutcome::Worker(w, warnings) => {
            let refused = refused(warnings);
            if refused.is_empty() {
                Ok(*w)
            } else {
                Err(refused)
            }
        }
        RowOutcome::Empty => Err(Vec::new()),
        RowOutcome::Rejected(errors) => Err(errors
            .into_iter()
            .map(|e| FieldError {
                field: e.column,
                code: e.code.into(),
                message: e.reason,
            })
            .collect()),
    }
}

#[utoipa::path(post, path = "/api/v1/workers", request_body = WorkerInput,
    responses((status = 201, body = Worker), (status = 409, description = "phone already registered"), (status = 422, description = "invalid fields")))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiJson(input): ApiJson<WorkerInput>,
) -> Result<impl IntoResponse, ApiError> {
    let w = validate(&state, &input)?;
    // The worker and its audit row are written together; the store names the new id as the target.
    let record = crate::dashboard::audit::entry(
        &state,
        caller.actor(),
        "worker.create",
        None,
        crate::dashboard::audit::Outcome::Ok,
        Some("api".into()),
    );
    let created = state
        .store
        .create_worker_audited(&w, state.clock.now(), &record)
        .await?;
    tracing::info!(worker.id = created.id, worker.phone = %created.data.phone.masked(), "worker registered");
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/workers/{id}", params(("id" = i64, Path)), responses((status = 200, body = Worker), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    crate::extract::ApiPath(id): crate::extract::ApiPath<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let w = state.store.get_worker(id).await?;
    let p = &w.data.place;
    caller.authorize_at(Permission::ViewWorkers, &p.district, p.block.as_deref())?;
    if caller.can(Permission::ViewPersonal) {
        audit_read(
            &state,
            &caller,
            "worker.view",
            Some(format!("worker:{id}")),
            None,
        )
        .await?;
    }
    Ok(Json(shown(&caller, &w)?))
}

/// A worker as the caller may see it: the full number only for roles that may read personal data, as on the
/// dashboard's profile.
fn shown(caller: &ApiScope, w: &Worker) -> Result<serde_json::Value, ApiError> {
    let mut v = serde_json::to_value(w).map_err(|e| ApiError::Internal(e.to_string()))?;
    if !caller.can(Permission::ViewPersonal) {
        v["phone"] = serde_json::Value::String(w.data.phone.masked());
    }
    Ok(v)
}

/// Records a read of personal data through the API; the read is refused when its audit row cannot be written.
pub(crate) async fn audit_read(
    state: &AppState,
    caller: &ApiScope,
    action: &str,
    target: Option<String>,
    detail: Option<String>,
) -> Result<(), ApiError> {
    crate::dashboard::audit::record(
        state,
        caller.actor(),
        action,
        target,
        crate::dashboard::audit::Outcome::Ok,
        Some(detail.unwrap_or_else(|| "api".into())),
    )
    .await
    .map_err(|e| ApiError::Internal(format!("writing the audit row: {e:?}")))
}

#[utoipa::path(put, path = "/api/v1/workers/{id}", params(("id" = i64, Path)), request_body = WorkerInput,
    responses((status = 200, body = Worker), (status = 404), (status = 409), (status = 422)))]
pub async fn replace(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    crate::extract::ApiPath(id): crate::extract::ApiPath<i64>,
    ApiJson(input): ApiJson<WorkerInput>,
) -> Result<Json<Worker>, ApiError> {
    let w = validate(&state, &input)?;
    change(
        &state,
        &caller,
        id,
        WorkerWrite::Replace(&w),
        "worker.edit",
        None,
    )
    .await?;
    Ok(Json(state.store.get_worker(id).await?))
}

/// An API change to one worker, written in one transaction with its audit row.
async fn change(
    state: &AppState,
    caller: &ApiScope,
    id: i64,
    write: WorkerWrite<'_>,
    action: &str,
    detail: Option<String>,
) -> Result<(), ApiError> {
    let record = crate::dashboard::audit::entry(
        state,
        caller.actor(),
        action,
        Some(format!("worker:{id}")),
        crate::dashboard::audit::Outcome::Ok,
        Some(detail.unwrap_or_else(|| "api".into())),
    );
    state
        .store
        .change_worker_audited(id, &write, state.clock.now(), &record)
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityInput {
    /// available, busy or inactive (उपलब्ध / व्यस्त also understood)
    pub availability: String,
}

#[utoipa::path(post, path = "/api/v1/workers/{id}/availability", params(("id" = i64, Path)), request_body = AvailabilityInput,
    responses((status = 200, body = Worker), (status = 404), (status = 422)))]
pub async fn set_availability(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    crate::extract::ApiPath(id): crate::extract::ApiPath<i64>,
    ApiJson(input): ApiJson<AvailabilityInput>,
) -> Result<Json<Worker>, ApiError> {
    let a = Availability::parse(&input.availability).ok_or_else(|| {
        ApiError::Validation(vec![FieldError {
            field: "availability".into(),
            code: "availability_invalid".into(),
            message: "use available, busy or inactive".into(),
        }])
    })?;
    let detail = format!("api: {}", a.as_str());
    change(
        &state,
        &caller,
        id,
        WorkerWrite::Availability(a),
        "worker.availability",
        Some(detail),
    )
    .await?;
    Ok(Json(state.store.get_worker(id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyInput {
    pub verified: bool,
}

#[utoipa::path(post, path = "/api/v1/workers/{id}/verification", params(("id" = i64, Path)), request_body = VerifyInput,
    responses((status = 200, body = Worker), (status = 404)))]
pub async fn set_verified(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    crate::extract::ApiPath(id): crate::extract::ApiPath<i64>,
    ApiJson(input): ApiJson<VerifyInput>,
) -> Result<Json<Worker>, ApiError> {
    let write = WorkerWrite::Verified(input.verified);
    change(&state, &caller, id, write, "worker.verify", None).await?;
    Ok(Json(state.store.get_worker(id).await?))
}

#[utoipa::path(delete, path = "/api/v1/workers/{id}", params(("id" = i64, Path)), responses((status = 204), (status = 404)))]
pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    crate::extract::ApiPath(id): crate::extract::ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    change(
        &state,
        &caller,
        id,
        WorkerWrite::Remove,
        "worker.remove",
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureInput {
    /// How and when the person asked (kept in the erasure register).
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/workers/{id}/erasure", params(("id" = i64, Path)), request_body = ErasureInput,
    responses((status = 204, description = "personal data erased"), (status = 404)))]
pub async fn erase(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    crate::extract::ApiPath(id): crate::extract::ApiPath<i64>,
    ApiJson(input): ApiJson<ErasureInput>,
) -> Result<StatusCode, ApiError> {
    if input.reason.trim().is_empty() {
        return Err(ApiError::Validation(vec![FieldError {
            field: "reason".into(),
            code: "reason_missing".into(),
            message: "say how the person asked".into(),
        }]));
    }
    let reason = input.reason.trim();
    let write = WorkerWrite::Erase { reason };
    change(
        &state,
        &caller,
        id,
        write,
        "worker.erase",
        Some(format!("api: {reason}")),
    )
    .await?;
    tracing::info!(worker.id = id, "worker erased on request");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Trade by slug, name, Hindi word or NCO code; matches primary and secondary trades.
    pub trade: Option<String>,
    pub district: Option<String>,
    pub block: Option<String>,
    pub availability: Option<String>,
    pub source: Option<String>,
    pub verified: Option<bool>,
    /// Return workers with an id greater than this (from `next_after`).
    pub after: Option<i64>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkerPage {
    /// Workers; `phone` is masked for roles that may not read personal data.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
    /// Workers matching the filter, over all pages.
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/workers", params(ListQuery), responses((status = 200, body = WorkerPage), (status = 400)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<WorkerPage>, ApiError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_limit",
            "limit must be between 1 and 500",
        ));
    }
    let Some(filter) = caller.scope.restrict(filter_from(&state, &q)?) else {
        return Ok(Json(WorkerPage {
            items: Vec::new(),
            next_after: None,
            total: 0,
        }));
    };
    let items = state
        .store
        .list_workers(
            &filter,
            Page {
                after: q.after.unwrap_or(0),
                limit,
            },
        )
        .await?;
    let total = state.store.count_workers(&filter).await?;
    let next_after = (items.len() as i64 == limit)
        .then(|| items.last().map(|w| w.id))
        .flatten();
    if caller.can(Permission::ViewPersonal) && !items.is_empty() {
        let detail = format!("api: {} workers from id {}", items.len(), items[0].id);
        audit_read(&state, &caller, "workers.list", None, Some(detail)).await?;
    }
    let items = items
        .iter()
        .map(|w| shown(&caller, w))
        .collect::<Result<_, _>>()?;
    Ok(Json(WorkerPage {
        items,
        next_after,
        total,
    }))
}

/// Turns names as people write them into the stored forms, with a clear error for what is not understood.
fn filter_from(state: &AppState, q: &ListQuery) -> Result<WorkerFilter, ApiError> {
    let input = FilterInput {
        trade: q.trade.as_deref(),
        district: q.district.as_deref(),
        block: q.block.as_deref(),
        availability: q.availability.as_deref(),
        source: q.source.as_deref(),
        verified: q.verified,
        search: None,
    };
    WorkerFilter::resolve(&state.trades, &state.places, &input)
        .map_err(|e| ApiError::bad_request(e.code, e.message))
}

/// `/workers`: the registry.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/workers", routing::get(list).post(create))
        .route(
            "/workers/{id}",
            routing::get(get).put(replace).delete(remove),
        )
        .route(
            "/workers/{id}/availability",
            routing::post(set_availability),
        )
        .route("/workers/{id}/verification", routing::post(set_verified))
        .route("/workers/{id}/erasure", routing::post(erase))
}
