//! `GET /api/v1/match`: the match use case (`kaamgar_app::matching`) over HTTP, narrowed to the caller's
//! jurisdiction.

use crate::{ApiError, AppState, extract::ApiQuery};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use kaamgar_app::matching::{FindError, MatchParams, MatchResponse, run};

impl From<FindError> for ApiError {
    fn from(e: FindError) -> Self {
        match e {
            FindError::Invalid { code, message } => ApiError::bad_request(code, message),
            FindError::Store(e) => e.into(),
        }
    }
}

/// `GET /api/v1/match`: the best available workers of a trade near a place.
#[utoipa::path(get, path = "/api/v1/match", params(MatchParams),
    responses((status = 200, body = MatchResponse), (status = 400, body = crate::error::ErrorBody)))]
pub async fn find(
    State(state): State<AppState>,
    axum::Extension(caller): axum::Extension<crate::extract::ApiScope>,
    ApiQuery(p): ApiQuery<MatchParams>,
) -> Result<Json<MatchResponse>, ApiError> {
    let now = state.clock.now();
    let r = run(
        state.store.as_ref(),
        &state.trades,
        &state.understander,
        &state.matcher,
        &p,
        &caller.scope,
        now,
    )
    .await?;
    Ok(Json(r))
}

/// `/match`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/match", get(find))
}
