//! Who is asking: the signed-in official (from the session cookie, with role and jurisdiction) or a visitor, the
//! language they read, and the CSRF token their forms must carry. Cookies are HttpOnly and SameSite, and Secure
//! when the service is reached over TLS.

use crate::AppState;
use crate::dashboard::DashError;
use crate::dashboard::client::client_ip;
use crate::dashboard::i18n::Lang;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use kaamgar_app::accounts::{same, token_digest};
use kaamgar_domain::access::{Caller, Permission};

pub const SESSION_COOKIE: &str = "kg_session";
/// Carries the CSRF token of forms shown before sign-in (double-submit).
pub const PRE_COOKIE: &str = "kg_pre";
pub const LANG_COOKIE: &str = "kg_lang";
/// A session ends after this long without a request…
pub const IDLE_SECS: i64 = 2 * 3600;
/// …and at the latest this long after sign-in.
pub const MAX_SECS: i64 = 12 * 3600;

/// A signed-in official: the [`Caller`] the account is (role and jurisdiction, checked the same way as an API token
/// or the command line), and the session's language, CSRF token and address.
#[derive(Debug, Clone)]
pub struct Official {
    pub caller: Caller,
    pub lang: Lang,
    pub csrf: String,
    pub(crate) token_hash: String,
    pub ip: Option<String>,
}

impl std::ops::Deref for Official {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl Official {
    /// The account's id (an official is always an account).
    pub fn id(&self) -> i64 {
        self.caller.user_id.unwrap_or_default()
    }

    pub fn require(&self, p: Permission) -> Result<(), DashError> {
        self.caller.authorize(p).map_err(|_| DashError::Forbidden)
    }

    /// The check of an action on one record: the permission, then the record's place against the jurisdiction.
    pub fn require_at(
        &self,
        p: Permission,
        district: &str,
        block: Option<&str>,
    ) -> Result<(), kaamgar_domain::access::Denied> {
        self.caller.authorize_at(p, district, block)
    }

    pub fn csrf_ok(&self, given: &str) -> bool {
        same(&self.csrf, given)
    }
}

pub use kaamgar_app::accounts::access_of;

/// Anyone: signed in or not.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub official: Option<Official>,
    pub lang: Lang,
    /// The CSRF token for forms shown before sign-in.
    pub pre: String,
    pub secure: bool,
    pub ip: Option<String>,
    /// A session cookie came with the request but no longer opens a session.
    pub expired: bool,
}

impl Visitor {
    /// The token the current forms carry.
    pub fn csrf(&self) -> &str {
        self.official.as_ref().map_or(&self.pre, |o| &o.csrf)
    }

    pub fn csrf_ok(&self, given: &str) -> bool {
        !self.pre.is_empty() && same(self.csrf(), given)
    }
}

/// The pre-sign-in token set by the middleware for a request that came without one.
#[derive(Debug, Clone)]
pub struct FreshPre(pub String);

/// Values of a cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value. `max_age` 0 deletes the cookie; `None` keeps it for the browser session.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    secure: bool,
    same_site: &str,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("kg_invalid=1"))
}

pub fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.dashboard.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The official behind a session cookie, if the session is alive. Refreshes the last-seen time once a minute.
async fn official_from(state: &AppState, parts: &Parts) -> Result<Option<Official>, DashError> {
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = token_digest(token);
    let now = state.clock.now();
    let Some(s) = state.store.session(&hash, now).await? else {
        return Ok(None);
    };
    if now - s.seen_at > IDLE_SECS {
        state.store.delete_session(&hash, None).await?;
        return Ok(None);
    }
    let Some(caller) = kaamgar_app::accounts::caller_of(&s.user) else {
        return Ok(None);
    };
    if now - s.seen_at >= 60 {
        state.store.touch_session(&hash, now).await?;
    }
    let lang = cookie(&parts.headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| Lang::parse(&s.user.lang))
        .unwrap_or_default();
    Ok(Some(Official {
        caller,
        lang,
        csrf: s.csrf,
        token_hash: hash,
        ip: client_ip(parts, &state.dashboard.trusted_proxies),
    }))
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = DashError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, DashError> {
        let official = official_from(state, parts).await?;
        let expired = official.is_none() && cookie(&parts.headers, SESSION_COOKIE).is_some();
        let lang = cookie(&parts.headers, LANG_COOKIE)
            .and_then(Lang::parse)
            .or(official.as_ref().map(|o| o.lang))
            .unwrap_or_else(|| {
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .map_or(Lang::Hi, Lang::from_accept)
            });
        let pre = cookie(&parts.headers, PRE_COOKIE)
            .filter(|v| v.len() == 67)
            .map(str::to_string)
            .or_else(|| parts.extensions.get::<FreshPre>().map(|p| p.0.clone()))
            .unwrap_or_default();
        Ok(Visitor {
            official,
            lang,
            pre,
            secure: is_secure(state, &parts.headers),
            ip: client_ip(parts, &state.dashboard.trusted_proxies),
            expired,
        })
    }
}

/// Pages that need a signed-in official send everyone else to the sign-in page, and back here afterwards.
#[derive(Debug)]
pub struct SignInFirst {
    next: String,
    expired: bool,
}

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        let mut to = format!("/?next={}", urlencode(&self.next));
        if self.expired {
            to.push_str("&expired=1");
        }
        Redirect::to(&to).into_response()
    }
}

impl FromRequestParts<AppState> for Official {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match official_from(state, parts).await {
            Ok(Some(o)) => Ok(o),
            Ok(None) => {
                let next = if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map_or("/", |p| p.as_str())
                        .to_string()
                } else {
                    "/".to_string()
                };
                Err(SignInFirst {
                    next,
                    expired: cookie(&parts.headers, SESSION_COOKIE).is_some(),
                }
                .into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where to go after sign-in or a language switch: only a path on this site, never another origin.
/// Where to go after signing in or switching the language: a path on this site only. Control characters, spaces
/// and backslashes are refused outright (browsers drop tabs and newlines, so `/\t/evil.example` would become
/// `//evil.example`); other characters outside ASCII are percent-encoded so the `Location` header is valid.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next.filter(|n| n.len() <= 500) else {
        return "/".to_string();
    };
    let bad = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    if !n.starts_with('/') || n.starts_with("//") || n.chars().any(bad) {
        return "/".to_string();
    }
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/workers?block=x")), "/workers?block=x");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        // Browsers drop tabs and newlines: `/\t/evil.example` would leave the site.
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(
            safe_next(Some("/workers?trade=नल")),
            "/workers?trade=%E0%A4%A8%E0%A4%B2"
        );
        axum::http::HeaderValue::from_str(&safe_next(Some("/workers?trade=नल"))).unwrap();
    }

    #[test]
    fn cookies_are_read_from_every_cookie_header() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; kg_lang=en"));
        h.append(header::COOKIE, HeaderValue::from_static("kg_session=abc"));
        assert_eq!(cookie(&h, "kg_lang"), Some("en"));
        assert_eq!(cookie(&h, "kg_session"), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
