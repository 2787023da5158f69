//! Service requests for officials: every request the bot took, its state and its offers. Citizens' numbers are
//! masked; the worker's number is not repeated here (it is in the registry).

use crate::extract::ApiQuery;
use crate::extract::ApiScope;
use crate::{ApiError, AppState};
use axum::Router;
use axum::extract::State;
use axum::routing;
use axum::{Extension, Json};
use kaamgar_domain::PhoneNumber;
use kaamgar_domain::access::Permission;
use kaamgar_domain::ids::RequestId;
use kaamgar_domain::request::{OfferStatus, RequestStatus};
use kaamgar_store::{OfferRow, RequestFilter, RequestRow};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestParams {
    /// open, offered, accepted, done, rated, declined, expired or cancelled.
    pub status: Option<String>,
    /// District name as stored (e.g. `Saran`).
    pub district: Option<String>,
    /// Requests with a greater id (keyset paging).
    pub after: Option<i64>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceRequest {
    pub id: i64,
    pub status: RequestStatus,
    /// whatsapp, web or terminal.
    pub channel: String,
    /// Masked.
    pub citizen_phone: Option<String>,
    pub trade: String,
    pub place: String,
    pub district: String,
    pub block: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub message: String,
    /// Workers shown to the citizen, best first.
    pub candidates: Vec<i64>,
    pub worker_id: Option<i64>,
    pub rating: Option<i64>,
    pub note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub accepted_at: Option<i64>,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Offer {
    pub id: i64,
    pub worker_id: i64,
    pub rank: i64,
    pub status: OfferStatus,
    pub offered_at: i64,
    pub answered_at: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestList {
    pub requests: Vec<ServiceRequest>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestDetail {
    #[serde(flatten)]
    pub request: ServiceRequest,
    pub offers: Vec<Offer>,
}

fn public(r: RequestRow) -> ServiceRequest {
    ServiceRequest {
        id: r.id.0,
        status: r.status,
        channel: r.new.channel.as_str().into(),
        citizen_phone: r
            .new
            .citizen_phone
            .as_deref()
            .and_then(|p| PhoneNumber::parse(p).ok())
            .map(PhoneNumber::masked),
        trade: r.new.trade,
        place: r.new.place_name,
        district: r.new.district,
        block: r.new.block,
        lat: r.new.lat,
        lon: r.new.lon,
        // The citizen's own words can hold phone numbers; they are masked as on the dashboard.
        message: crate::dashboard::i18n::mask_numbers(&r.new.message),
        candidates: r.candidates.iter().map(|w| w.0).collect(),
        worker_id: r.worker_id.map(|w| w.0),
        rating: r.rating,
        note: r.note.map(|n| crate::dashboard::i18n::mask_numbers(&n)),
        created_at: r.created_at,
        updated_at: r.updated_at,
        accepted_at: r.accepted_at,
        closed_at: r.closed_at,
    }
}

fn offer(o: OfferRow) -> Offer {
    Offer {
        id: o.id.0,
        worker_id: o.worker_id.0,
        rank: o.rank,
        status: o.status,
        offered_at: o.offered_at,
        answered_at: o.answered_at,
    }
}

/// `GET /api/v1/requests`: service requests, oldest first, filtered by status and district.
#[utoipa::path(get, path = "/api/v1/requests", params(RequestParams),
    responses((status = 200, body = RequestList), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiQuery(p): ApiQuery<RequestParams>,
) -> Result<Json<RequestList>, ApiError> {
    let status = match p.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(RequestStatus::parse(s).ok_or_else(|| ApiError::BadRequest {
            code: "bad_status",
            message: format!("unknown status '{s}'"),
        })?),
    };
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::BadRequest {
            code: "bad_limit",
            message: "limit must be between 1 and 500".into(),
        });
    }
    let scope = &caller.scope;
    let asked = p.district.filter(|d| !d.trim().is_empty());
    if let (Some(a), Some(d)) = (&asked, scope.district())
        && !a.trim().eq_ignore_ascii_case(d)
    {
        return Ok(Json(RequestList {
            requests: Vec::new(),
            next_after: None,
        }));
    }
    let f = RequestFilter {
        statuses: status.into_iter().collect(),
        district: scope.district().map(str::to_string).or(asked),
        block: scope.block().map(str::to_string),
        ..Default::default()
    };
    let rows = state
        .store
        .list_requests(&f, p.after.unwrap_or(0), limit)
        .await?;
    let next_after = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id.0))
        .flatten();
    Ok(Json(RequestList {
        requests: rows.into_iter().map(public).collect(),
        next_after,
    }))
}

/// `GET /api/v1/requests/{id}`: one service request with every offer made for it.
#[utoipa::path(get, path = "/api/v1/requests/{id}", params(("id" = i64, Path, description = "the request's id")),
    responses((status = 200, body = RequestDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    crate::extract::ApiPath(id): crate::extract::ApiPath<i64>,
) -> Result<Json<RequestDetail>, ApiError> {
    let (r, offers) = state.store.request_with_offers(RequestId(id)).await?;
    caller.authorize_at(
        Permission::ViewRequests,
        &r.new.district,
        r.new.block.as_deref(),
    )?;
    crate::api::workers::audit_read(
        &state,
        &caller,
        "request.view",
        Some(format!("request:{id}")),
        None,
    )
    .await?;
    Ok(Json(RequestDetail {
        request: public(r),
        offers: offers.into_iter().map(offer).collect(),
    }))
}

/// `/requests`: service requests, read-only.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", routing::get(list))
        .route("/requests/{id}", routing::get(get))
}
