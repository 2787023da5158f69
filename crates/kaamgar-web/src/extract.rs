//! Extractors that turn axum's plain-text rejections into the API's JSON errors, and the bearer-token check.

use crate::{ApiError, AppState};
use axum::extract::{FromRequest, FromRequestParts, Json, Query, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kaamgar_domain::access::{Caller, Permission, Scope};
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

/// A path parameter; one that is not of its type (an id too large, a word for a number) is a 400
/// `invalid_path` in the API's JSON, not axum's plain text.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(rejection) => Err(ApiError::bad_request("invalid_path", rejection.body_text())),
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

/// Who is calling the API: an account (through one of its tokens) or the service token, as a [`Caller`] — the same
/// role and jurisdiction rules as the dashboard and the command line — and the address it calls from.
#[derive(Debug, Clone)]
pub struct ApiScope {
    pub caller: Caller,
    pub ip: Option<String>,
}

impl std::ops::Deref for ApiScope {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl ApiScope {
    /// The caller as the audit log names it.
    pub fn actor(&self) -> crate::dashboard::audit::Actor<'_> {
        crate::dashboard::audit::Actor {
            user_id: self.caller.user_id,
            name: &self.caller.name,
            ip: self.ip.as_deref(),
        }
    }
}

/// What each API route needs (method, route pattern under `/api/v1`). `None`: any caller. A route missing here
/// is refused, so a new endpoint cannot be reached before its rule is written.
pub const API_RULES: &[(&str, &str, Option<Permission>)] = &[
    ("GET", "/workers", Some(Permission::ViewWorkers)),
    ("POST", "/workers", Some(Permission::EditWorkers)),
    ("GET", "/workers/{id}", Some(Permission::ViewWorkers)),
    ("PUT", "/workers/{id}", Some(Permission::EditWorkers)),
    ("DELETE", "/workers/{id}", Some(Permission::EditWorkers)),
    (
        "POST",
        "/workers/{id}/availability",
        Some(Permission::EditWorkers),
    ),
    (
        "POST",
        "/workers/{id}/verification",
        Some(Permission::VerifyWorkers),
    ),
    (
        "POST",
        "/workers/{id}/erasure",
        Some(Permission::RecordErasure),
    ),
    ("POST", "/imports", Some(Permission::UploadLists)),
    ("GET", "/match", Some(Permission::ViewWorkers)),
    ("GET", "/requests", Some(Permission::ViewRequests)),
    ("GET", "/requests/{id}", Some(Permission::ViewRequests)),
    ("GET", "/trades", None),
    ("GET", "/places/pin/{pin}", None),
    ("GET", "/places/blocks", None),
    ("GET", "/places/nearest", None),
    ("GET", "/centres", Some(Permission::ViewTraining)),
    ("POST", "/centres", Some(Permission::ManageTraining)),
    ("GET", "/centres/{id}", Some(Permission::ViewTraining)),
    ("GET", "/programmes", Some(Permission::ViewTraining)),
    ("POST", "/programmes", Some(Permission::ManageTraining)),
    ("GET", "/programmes/{id}", Some(Permission::ViewTraining)),
    ("GET", "/batches", Some(Permission::ViewTraining)),
    ("POST", "/batches", Some(Permission::ManageTraining)),
    ("GET", "/batches/{id}", Some(Permission::ViewTraining)),
    (
        "GET",
        "/batches/{id}/enrolments",
        Some(Permission::ViewTraining),
    ),
    (
        "POST",
        "/batches/{id}/enrolments",
        Some(Permission::ManageTraining),
    ),
    (
        "POST",
        "/batches/{id}/enrolments/upload",
        Some(Permission::ManageTraining),
    ),
    (
        "POST",
        "/batches/{id}/enrolments/{enrolment}/withdrawal",
        Some(Permission::ManageTraining),
    ),
    (
        "GET",
        "/batches/{id}/attendance",
        Some(Permission::ViewTraining),
    ),
    (
        "POST",
        "/batches/{id}/attendance",
        Some(Permission::ManageTraining),
    ),
    (
        "GET",
        "/batches/{id}/assessments",
        Some(Permission::ViewTraining),
    ),
    (
        "POST",
        "/batches/{id}/assessments",
        Some(Permission::ManageTraining),
    ),
    (
        "POST",
        "/batches/{id}/completion",
        Some(Permission::ManageTraining),
    ),
    ("GET", "/certificates", Some(Permission::ViewTraining)),
    ("GET", "/certificates/{id}", Some(Permission::ViewTraining)),
    (
        "POST",
        "/certificates/{id}/revocation",
        Some(Permission::RevokeCertificates),
    ),
    (
        "POST",
        "/certificates/{id}/reissue",
        Some(Permission::RevokeCertificates),
    ),
];

/// Routes whose writes accounts below the state level may make through the API: training is run from a partner's
/// or a district's own tools (an attendance app, a list sync), and every such write is checked against the record's
/// centre — its jurisdiction and, for a partner, that it runs the centre — in the use case.
pub const SCOPED_WRITES: &[&str] = &[
    "/centres",
    "/programmes",
    "/batches",
    "/batches/{id}/enrolments",
    "/batches/{id}/enrolments/upload",
    "/batches/{id}/enrolments/{enrolment}/withdrawal",
    "/batches/{id}/attendance",
    "/batches/{id}/assessments",
    "/batches/{id}/completion",
    "/certificates/{id}/revocation",
    "/certificates/{id}/reissue",
];

/// The rule of a request, `Err(())` when the route has none.
pub fn api_rule(method: &axum::http::Method, route: &str) -> Result<Option<Permission>, ()> {
    let method = if method == axum::http::Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    let route = route.strip_prefix("/api/v1").unwrap_or(route);
    API_RULES
        .iter()
        .find(|(m, r, _)| *m == method && *r == route)
        .map(|(_, _, p)| *p)
        .ok_or(())
}

/// The token of `Authorization: Bearer <token>`; the scheme's case does not matter (RFC 9110).
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The caller behind a bearer token: an account's token (`kg_…`, stored as a digest; a disabled account's tokens
/// are revoked) or the configured service token. Nobody calls anonymously.
pub async fn api_caller(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    ip: Option<String>,
) -> Result<ApiScope, ApiError> {
    let given = bearer(headers).ok_or(ApiError::Unauthorized)?;
    if given.starts_with("kg_") {
        let digest = kaamgar_app::accounts::token_digest(given);
        let user = state
            .store
            .api_token_user(&digest, state.clock.now())
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let caller = kaamgar_app::accounts::caller_of(&user).ok_or(ApiError::Unauthorized)?;
        return Ok(ApiScope { caller, ip });
    }
    match &state.api_token {
        Some(expected) if constant_time_eq(given.as_bytes(), expected.as_bytes()) => Ok(ApiScope {
            caller: Caller::operator("service token"),
            ip,
        }),
        _ => Err(ApiError::Unauthorized),
    }
}

/// The API's gate: finds the caller, then checks the route's permission for the caller's role. Tokens of district
/// and block accounts read only; their changes go through the dashboard, where each is confirmed on a form.
pub async fn require_token(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| {
            state
                .dashboard
                .trusted_proxies
                .client(c.0.ip(), req.headers())
                .to_string()
        });
    let caller = match api_caller(&state, req.headers(), ip).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| req.uri().path().to_string(), |m| m.as_str().to_string());
    let refused = match api_rule(req.method(), &route) {
        Ok(None) => None,
        Ok(Some(p)) => caller.authorize(p).err().map(|d| d.to_string()),
        Err(()) => Some("this route has no access rule".to_string()),
    };
    if let Some(message) = refused {
        return ApiError::Forbidden {
            code: "forbidden",
            message,
        }
        .into_response();
    }
    let reads = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let scoped_write = SCOPED_WRITES.contains(&route.strip_prefix("/api/v1").unwrap_or(&route));
    if caller.scope != Scope::All && !reads && !scoped_write {
        return ApiError::Forbidden {
            code: "token_read_only",
            message:
                "tokens of district and block accounts read only; changes go through the dashboard"
                    .into(),
        }
        .into_response();
    }
    // Every write route records its change and the audit row in one transaction (its handler does), so nothing
    // is audited here after the fact.
    req.extensions_mut().insert(caller);
    next.run(req).await
}

pub(crate) use kaamgar_app::accounts::constant_time_eq;

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_compares_whole_tokens() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case_and_nothing_else_passes() {
        use axum::http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(AUTHORIZATION, HeaderValue::from_static(v));
            h
        };
        assert_eq!(super::bearer(&with("Bearer kg_1")), Some("kg_1"));
        assert_eq!(super::bearer(&with("bearer kg_1")), Some("kg_1"));
        assert_eq!(super::bearer(&with("BEARER  kg_1 ")), Some("kg_1"));
        assert_eq!(super::bearer(&with("Basic a2c6")), None);
        assert_eq!(super::bearer(&with("Bearer ")), None);
        assert_eq!(super::bearer(&with("kg_1")), None);
        assert_eq!(super::bearer(&HeaderMap::new()), None);
    }
}
