//! Certificates under `/api/v1/certificates`: the list in the caller's reach, one credential as issued (JSON a
//! verifier reads), revocation and re-issue after a correction.

use super::training::by;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiScope};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::{Extension, Json, Router, routing};
use kaamgar_domain::training::dates::utc_datetime;
use kaamgar_store::{CertificateRow, TrainingFilter};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Certificate {
    pub id: String,
    pub enrolment_id: i64,
    pub district: String,
    pub issued_at: String,
    pub valid_until: String,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
    /// The certificate issued in its place after a correction.
    pub replaced_by: Option<String>,
    /// The public check.
    pub verify_url: String,
}

fn certificate(state: &AppState, c: CertificateRow) -> Certificate {
    Certificate {
        verify_url: format!("{}/verify/{}", state.training.issuer.public_url, c.id),
        id: c.id,
        enrolment_id: c.enrolment_id.0,
        district: c.district,
        issued_at: utc_datetime(c.issued_at),
        valid_until: utc_datetime(c.valid_until),
        revoked_at: c.revoked_at.map(utc_datetime),
        revoke_reason: c.revoke_reason,
        replaced_by: c.replaced_by,
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CertificateParams {
    pub programme_id: Option<i64>,
    pub centre_id: Option<i64>,
    /// Pass the last page's `next_before` (issued at, unix seconds) with `next_before_id`.
    pub before: Option<i64>,
    pub before_id: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CertificateList {
    pub certificates: Vec<Certificate>,
    pub next_before: Option<i64>,
    pub next_before_id: Option<String>,
}

/// `GET /api/v1/certificates`: certificates issued in the caller's reach, newest first.
#[utoipa::path(get, path = "/api/v1/certificates", params(CertificateParams),
    responses((status = 200, body = CertificateList), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiQuery(p): ApiQuery<CertificateParams>,
) -> Result<Json<CertificateList>, ApiError> {
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            "bad_limit",
            "limit must be between 1 and 500",
        ));
    }
    let f = TrainingFilter {
        programme: p.programme_id.map(kaamgar_domain::ids::ProgrammeId),
        centre: p.centre_id.map(kaamgar_domain::ids::CentreId),
        ..Default::default()
    };
    let f = state.training.filter_for(&caller.caller, f);
    let before = p.before.map(|b| (b, p.before_id.unwrap_or_default()));
    let rows = state.store.certificates(&f, before, limit).await?;
    let last = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|c| (c.issued_at, c.id.clone())))
        .flatten();
    Ok(Json(CertificateList {
        certificates: rows.into_iter().map(|c| certificate(&state, c)).collect(),
        next_before: last.as_ref().map(|l| l.0),
        next_before_id: last.map(|l| l.1),
    }))
}

/// `GET /api/v1/certificates/{id}`: the signed credential exactly as issued (`application/vc`-style JSON).
#[utoipa::path(get, path = "/api/v1/certificates/{id}", params(("id" = String, Path, description = "the certificate's id")),
    responses((status = 200, description = "the Verifiable Credential", content_type = "application/json"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::response::Response, ApiError> {
    if id.len() > 64 {
        return Err(ApiError::NotFound);
    }
    let (c, _) = state
        .training
        .visible_certificate(&caller.caller, &id)
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], c.credential).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    pub reason: String,
}

/// `POST /api/v1/certificates/{id}/revocation`: revokes it (the district's status list says so from now on).
#[utoipa::path(post, path = "/api/v1/certificates/{id}/revocation", request_body = RevokeBody,
    params(("id" = String, Path, description = "the certificate's id")),
    responses((status = 204), (status = 409, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RevokeBody>,
) -> Result<axum::http::StatusCode, ApiError> {
    state
        .training
        .revoke(by(&caller), &id, &body.reason, state.clock.now())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReissueBody {
    /// The corrected name, if the name was wrong.
    pub name: Option<String>,
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reissued {
    pub id: String,
    pub replaces: String,
}

/// `POST /api/v1/certificates/{id}/reissue`: a corrected certificate in place of this one (which is revoked).
#[utoipa::path(post, path = "/api/v1/certificates/{id}/reissue", request_body = ReissueBody,
    params(("id" = String, Path, description = "the certificate's id")),
    responses((status = 201, body = Reissued), (status = 409, body = crate::error::ErrorBody)))]
pub async fn reissue(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiScope>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReissueBody>,
) -> Result<(axum::http::StatusCode, Json<Reissued>), ApiError> {
    let issued = state
        .training
        .reissue(
            by(&caller),
            &id,
            body.name.as_deref(),
            &body.reason,
            state.clock.now(),
        )
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(Reissued {
            id: issued.certificate,
            replaces: id,
        }),
    ))
}

/// `/certificates…`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/certificates", routing::get(list))
        .route("/certificates/{id}", routing::get(get))
        .route("/certificates/{id}/revocation", routing::post(revoke))
        .route("/certificates/{id}/reissue", routing::post(reissue))
}
