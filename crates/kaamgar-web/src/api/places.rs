//! Reference data endpoints: the trade catalogue and place lookups (PIN, blocks of a district, nearest place).

use crate::extract::ApiQuery;
use crate::{ApiError, AppState};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use kaamgar_domain::gazetteer::{Gazetteer, PostOffice};
use kaamgar_domain::trade::Trade;
use serde::{Deserialize, Serialize};

#[utoipa::path(get, tag = "reference", path = "/api/v1/trades", responses((status = 200, body = Vec<Trade>)))]
pub async fn trades(State(state): State<AppState>) -> Json<Vec<Trade>> {
    Json(state.trades.all().to_vec())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PostOfficeOut {
    pub name: String,
    pub pin: u32,
    pub district: String,
    pub state: String,
    pub lat: f64,
    pub lon: f64,
}

impl PostOfficeOut {
    fn new(g: &Gazetteer, o: &PostOffice) -> Self {
        let d = g.district_of(o);
        PostOfficeOut {
            name: o.name.clone(),
            pin: o.pin,
            district: g.districts[d as usize].name.clone(),
            state: g.state_name(d).to_string(),
            lat: o.lat,
            lon: o.lon,
        }
    }
}

#[utoipa::path(get, tag = "reference", path = "/api/v1/places/pin/{pin}", params(("pin" = String, Path)), responses((status = 200, body = Vec<PostOfficeOut>), (status = 404)))]
pub async fn by_pin(
    State(state): State<AppState>,
    crate::extract::ApiPath(pin): crate::extract::ApiPath<String>,
) -> Result<Json<Vec<PostOfficeOut>>, ApiError> {
    let pin: u32 = pin
        .trim()
        .parse()
        .ok()
        .filter(|p| (100_000..1_000_000).contains(p))
        .ok_or_else(|| ApiError::bad_request("pin_invalid", "a PIN has 6 digits"))?;
    let g = state.places.gazetteer();
    let out: Vec<PostOfficeOut> = g.by_pin(pin).map(|o| PostOfficeOut::new(g, o)).collect();
    if out.is_empty() {
        Err(ApiError::NotFound)
    } else {
        Ok(Json(out))
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BlocksQuery {
    /// District name in either script (defaults to the first district of the service area).
    pub district: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BlockOut {
    pub name: String,
    pub lgd_code: Option<u32>,
    pub district: String,
    pub lat: f64,
    pub lon: f64,
}

#[utoipa::path(get, tag = "reference", path = "/api/v1/places/blocks", params(BlocksQuery), responses((status = 200, body = Vec<BlockOut>), (status = 400),
    (status = 404, description = "no service area is configured", body = crate::error::ErrorBody)))]
pub async fn blocks(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<BlocksQuery>,
) -> Result<Json<Vec<BlockOut>>, ApiError> {
    let d = match q.district.as_deref() {
        Some(name) => state
            .places
            .resolve_district(name)
            .map_err(|e| ApiError::bad_request("district_unknown", e.to_string()))?,
        None => *state.places.area().first().ok_or(ApiError::NotFound)?,
    };
    let district = state
        .places
        .district(d)
        .map(|i| i.name.clone())
        .unwrap_or_default();
    let mut out: Vec<BlockOut> = state
        .places
        .blocks_of(d)
        .map(|b| BlockOut {
            name: b.name.clone(),
            lgd_code: b.lgd_code,
            district: district.clone(),
            lat: b.lat,
            lon: b.lon,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NearestQuery {
    #[param(minimum = -90.0, maximum = 90.0)]
    pub lat: f64,
    #[param(minimum = -180.0, maximum = 180.0)]
    pub lon: f64,
}

#[utoipa::path(get, tag = "reference", path = "/api/v1/places/nearest", params(NearestQuery), responses((status = 200, body = PostOfficeOut), (status = 400),
    (status = 404, description = "no post office near the point (at sea, or outside India)", body = crate::error::ErrorBody)))]
pub async fn nearest(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<NearestQuery>,
) -> Result<Json<PostOfficeOut>, ApiError> {
    if !(6.0..=37.5).contains(&q.lat) || !(68.0..=97.5).contains(&q.lon) {
        return Err(ApiError::bad_request(
            "outside_india",
            "the coordinates are outside India",
        ));
    }
    let g = state.places.gazetteer();
    let (o, _) = g.nearest(q.lat, q.lon).ok_or(ApiError::NotFound)?;
    Ok(Json(PostOfficeOut::new(g, o)))
}

/// `/trades` and `/places/…`: reference data.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/trades", get(trades))
        .route("/places/pin/{pin}", get(by_pin))
        .route("/places/blocks", get(blocks))
        .route("/places/nearest", get(nearest))
}
