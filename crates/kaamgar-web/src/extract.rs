//! Extractors that turn axum's plain-text rejections into the API's JSON errors, and the bearer-token check.

use crate::{ApiError, AppState};
use axum::extract::{FromRequest, FromRequestParts, Json, Query, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kaamgar_domain::access::Scope;
use serde::de::DeserializeOwned;

/// JSON body; a malformed or mistyped body is a 400 `invalid_json` naming the problem.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge(
                    "the request body is larger than 64 kB".into(),
                ))
            }
            Err(rejection) => Err(ApiError::bad_request("invalid_json", rejection.body_text())),
        }
    }
}

/// Query string; a bad parameter is a 400 `invalid_query`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(ApiError::bad_request(
                "invalid_query",
                rejection.body_text(),
            )),
        }
    }
}

/// What an API caller may see: everything (the configured service token, or no token on a loopback-only
/// server), or the jurisdiction of the account an issued token belongs to. Handlers narrow every query with it.
#[derive(Debug, Clone)]
pub struct ApiScope(pub Scope);

/// Checks `Authorization: Bearer <token>`: an account's token (`kg_…`, stored as a digest) or the configured
/// service token. Account tokens below the state level read only.
pub async fn require_token(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let given = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let scope = if given.starts_with("kg_") {
        let digest = crate::dashboard::secret::token_digest(given);
        match state.store.api_token_user(&digest, state.clock.now()).await {
            Ok(Some(user)) => match crate::dashboard::session::access_of(&user) {
                Some((_, scope)) => scope,
                None => return ApiError::Unauthorized.into_response(),
            },
            Ok(None) => return ApiError::Unauthorized.into_response(),
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else if let Some(expected) = &state.api_token {
        if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return ApiError::Unauthorized.into_response();
        }
        Scope::All
    } else {
        Scope::All
    };
    let reads = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    if scope != Scope::All && !reads {
        return ApiError::Forbidden {
            code: "token_read_only",
            message:
                "tokens of district and block accounts read only; changes go through the dashboard"
                    .into(),
        }
        .into_response();
    }
    req.extensions_mut().insert(ApiScope(scope));
    next.run(req).await
}

/// Compares without an early exit, so response time does not reveal how much of a token matched.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_compares_whole_tokens() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"ab"));
    }
}
