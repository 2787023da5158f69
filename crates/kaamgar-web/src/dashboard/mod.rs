//! The officials' dashboard: server-rendered pages (askama templates, no HTML built in code) for the overview,
//! workers, list uploads, service requests and the audit log, behind sign-in. Every page works without
//! JavaScript; charts and the map are SVG drawn on the server.

// One folder per capability; the shared parts (chrome, language, the client's address) stay here.
mod accounts;
pub mod client;
mod conversation;
pub mod i18n;
mod imports;
mod overview;
mod registry;
mod training;

pub use accounts::{audit, session};

use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use i18n::Lang;
use kaamgar_domain::access::Permission;
use kaamgar_store::StoreError;
use session::Official;

pub use accounts::SignInGuard;
pub use imports::UploadTracker;
pub use overview::StatsCache;

/// The dashboard's shared state: caches, the sign-in guard, uploads in progress.
#[derive(Debug)]
pub struct Dashboard {
    pub stats: StatsCache,
    pub guard: SignInGuard,
    pub uploads: UploadTracker,
    /// Cookies get `Secure` (set when the service is reached over TLS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// Password checks at once (argon2 takes 19 MiB and tens of milliseconds each).
    pub hashing: tokio::sync::Semaphore,
    /// Proxies believed about the client's address.
    pub trusted_proxies: client::TrustedProxies,
    /// One list import at a time (dashboard and API uploads share it).
    pub imports: crate::api::imports::ImportGate,
}

impl Dashboard {
    pub fn new(secure_cookies: bool, trusted_proxies: client::TrustedProxies) -> Self {
        Dashboard {
            trusted_proxies,
            imports: crate::api::imports::ImportGate::default(),
            stats: StatsCache::default(),
            guard: SignInGuard::default(),
            uploads: UploadTracker::default(),
            secure_cookies,
            hashing: tokio::sync::Semaphore::new(2),
        }
    }
}

/// Forms are small; uploads have their own limit.
const FORM_LIMIT: usize = 16 * 1024;

/// The dashboard's URL space: each capability's pages, then the stylesheet.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(overview::routes()) // /
        .merge(accounts::routes()) // /signin /signout /lang /audit
        .merge(registry::routes()) // /workers, /workers/{id}[/edit|/verify|/erasure]
        .merge(imports::routes(state)) // /uploads, /uploads/{id}[/report.csv]
        .merge(conversation::routes()) // /requests, /requests/{id}
        .merge(training::routes(state)) // /training…, /verify/{id}, /status-lists/{id} (public)
        .route("/static/app.css", get(css))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pre_cookie,
        ))
}

const CSS: &str = include_str!("../../assets/app.css");

/// The stylesheet; its URL carries a version, so browsers may keep it for a day.
pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        CSS,
    )
        .into_response()
}

/// Gives a visitor without one the cookie that carries the sign-in form's CSRF token.
async fn pre_cookie(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let fresh =
        if session::cookie(req.headers(), session::PRE_COOKIE).is_some_and(|v| v.len() == 67) {
            None
        } else {
            kaamgar_app::accounts::new_token("pre").ok()
        };
    if let Some(t) = &fresh {
        req.extensions_mut().insert(session::FreshPre(t.clone()));
    }
    let secure = session::is_secure(&state, req.headers());
    let mut resp = next.run(req).await;
    if let Some(t) = fresh {
        resp.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(session::PRE_COOKIE, &t, None, secure, "Strict"),
        );
    }
    resp
}

/// The strict policy for dashboard pages: only this site's own styles and scripts, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

/// Security headers on every response (a response may bring its own Content-Security-Policy).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// Renders a page. Pages carry personal data: never cached by the browser or a proxy.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => DashError::Internal(e.to_string()).into_response(),
    }
}

/// What went wrong, shown as a page in both languages (the error may come before the language is known).
#[derive(Debug)]
pub enum DashError {
    NotFound,
    Forbidden,
    BadRequest(String),
    /// The form's CSRF token did not match the session's.
    Csrf,
    TooMany(String),
    Internal(String),
}

impl From<StoreError> for DashError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => DashError::NotFound,
            other => DashError::Internal(other.to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    en: &'a str,
    hi: &'a str,
    detail: &'a str,
}

impl IntoResponse for DashError {
    fn into_response(self) -> Response {
        let (status, key, detail) = match &self {
            DashError::NotFound => (StatusCode::NOT_FOUND, "err_not_found", ""),
            DashError::Forbidden => (StatusCode::FORBIDDEN, "err_forbidden", ""),
            DashError::BadRequest(m) => (StatusCode::BAD_REQUEST, "err_bad_request", m.as_str()),
            DashError::Csrf => (StatusCode::FORBIDDEN, "err_csrf", ""),
            DashError::TooMany(m) => (StatusCode::TOO_MANY_REQUESTS, "err_too_many", m.as_str()),
            DashError::Internal(m) => {
                tracing::error!(error = %m, "dashboard error");
                (StatusCode::INTERNAL_SERVER_ERROR, "err_internal", "")
            }
        };
        let page = ErrorPage {
            status: status.as_u16(),
            en: Lang::En.s(key),
            hi: Lang::Hi.s(key),
            detail,
        };
        let mut resp = render(&page);
        *resp.status_mut() = status;
        resp
    }
}

/// The frame every signed-in page shares: language, who is signed in, the navigation and the CSRF token.
#[derive(Debug)]
pub struct Chrome {
    pub lang: Lang,
    pub user: String,
    pub role: &'static str,
    pub area: String,
    pub csrf: String,
    /// This page's path and query, for the language switch to come back to.
    pub here: String,
    pub nav: &'static str,
    pub can_upload: bool,
    pub can_audit: bool,
    pub can_train: bool,
}

impl Chrome {
    pub fn new(o: &Official, nav: &'static str, here: &axum::http::Uri) -> Self {
        let place = |n: &str| i18n::place(o.lang, n);
        let area = match &o.scope {
            kaamgar_domain::access::Scope::All => o.lang.s("area_all").to_string(),
            kaamgar_domain::access::Scope::District(d) => place(d),
            kaamgar_domain::access::Scope::Block { district, block } => {
                format!("{}, {}", place(block), place(district))
            }
        };
        Chrome {
            lang: o.lang,
            user: o.name.clone(),
            role: o.role.as_str(),
            area,
            csrf: o.csrf.clone(),
            here: here
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string(),
            nav,
            can_upload: o.can(Permission::UploadLists),
            can_audit: o.can(Permission::ViewAudit),
            can_train: o.can(Permission::ViewTraining),
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.s(key)
    }

    pub fn role_name(&self) -> &'static str {
        self.lang.s(self.role)
    }
}
