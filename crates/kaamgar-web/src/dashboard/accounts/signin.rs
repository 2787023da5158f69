//! Signing in and out, and the language switch. Sign-in is limited per name and address, per name and per address,
//! checks the password off the async runtime (argon2), costs the same time for an unknown name, and opens a fresh
//! session.

use crate::AppState;
use crate::dashboard::audit::{self, Actor, Outcome};
use crate::dashboard::i18n::Lang;
use crate::dashboard::session::{
    self, LANG_COOKIE, MAX_SECS, Official, SESSION_COOKIE, Visitor, access_of, safe_next,
};
use crate::dashboard::{DashError, render};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kaamgar_app::accounts::{decoy_hash, new_token, token_digest, verify_password};
use kaamgar_store::NewSession;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// Failed sign-ins counted over this window…
const WINDOW_SECS: i64 = 15 * 60;
/// …at most this many for one account name from one address: someone guessing from their own address stops
/// here, and the official signing in from another address is not locked out by it…
const PER_NAME_AND_ADDRESS: usize = 5;
/// …this many for one account name from all addresses together (guessing spread over many addresses)…
const PER_NAME: usize = 50;
/// …and this many from one address, whatever the names.
const PER_ADDRESS: usize = 20;

/// Counts failed sign-ins per account name and address, per account name and per address. Kept in memory: with
/// several `serve` processes each counts its own, which multiplies the limits by the number of processes.
#[derive(Debug, Default)]
pub struct SignInGuard {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

impl SignInGuard {
    fn keys(name: &str, ip: Option<&str>) -> [(String, usize); 3] {
        let name = name.to_lowercase();
        let ip = ip.unwrap_or("?");
        [
            (format!("na:{name}\u{0}{ip}"), PER_NAME_AND_ADDRESS),
            (format!("n:{name}"), PER_NAME),
            (format!("a:{ip}"), PER_ADDRESS),
        ]
    }

    /// Reserves an attempt before the password is checked, so attempts sent in parallel cannot all get past
    /// the limit while their checks run: each counts as a failure until [`SignInGuard::succeeded`] takes it back.
    /// Returns the seconds to wait when the name or the address has used up its attempts.
    pub fn reserve(&self, name: &str, ip: Option<&str>, now: i64) -> Result<(), i64> {
        let Ok(mut map) = self.failures.lock() else {
            return Err(WINDOW_SECS);
        };
        if map.len() > 50_000 {
            map.retain(|_, v| v.last().is_some_and(|t| now - t < WINDOW_SECS));
        }
        let keys = Self::keys(name, ip);
        let wait = keys
            .iter()
            .filter_map(|(k, limit)| {
                let recent: Vec<i64> = map
                    .get(k)?
                    .iter()
                    .copied()
                    .filter(|t| now - t < WINDOW_SECS)
                    .collect();
                (recent.len() >= *limit).then(|| recent[recent.len() - limit] + WINDOW_SECS - now)
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait.max(1));
        }
        for (k, limit) in keys {
            let v = map.entry(k).or_default();
            v.retain(|t| now - t < WINDOW_SECS);
            v.push(now);
            // Only the last `limit` failures decide a wait: the vector stays bounded.
            if v.len() > limit {
                v.remove(0);
            }
        }
        Ok(())
    }

    /// A reserved attempt succeeded: the name starts afresh and the address gets its attempt back.
    pub fn succeeded(&self, name: &str, ip: Option<&str>) {
        if let Ok(mut map) = self.failures.lock() {
            let [(pair_key, _), (name_key, _), (address_key, _)] = Self::keys(name, ip);
            map.remove(&pair_key);
            map.remove(&name_key);
            if let Some(v) = map.get_mut(&address_key) {
                v.pop();
            }
        }
    }
}

#[derive(Template)]
#[template(path = "signin.html")]
pub struct SignInPage<'a> {
    pub lang: Lang,
    pub csrf: &'a str,
    pub next: &'a str,
    pub name: &'a str,
    /// A key of the message to show above the form.
    pub notice: Option<&'static str>,
    pub wait_minutes: i64,
}

impl SignInPage<'_> {
    fn t(&self, key: &str) -> &'static str {
        self.lang.s(key)
    }
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

fn sign_in_again(
    v: &Visitor,
    f: &SignInForm,
    notice: &'static str,
    wait: i64,
    status: StatusCode,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let name: String = f.name.chars().take(60).collect();
    let mut resp = render(&SignInPage {
        lang: v.lang,
        csrf: &v.pre,
        next: &next,
        name: &name,
        notice: Some(notice),
        wait_minutes: (wait + 59) / 60,
    });
    *resp.status_mut() = status;
    resp
}

pub async fn sign_in(
    State(state): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Result<Response, DashError> {
    let now = state.clock.now();
    let name = f.name.trim().to_string();
    let actor = Actor {
        user_id: None,
        name: &name,
        ip: v.ip.as_deref(),
    };
    if !v.csrf_ok(&f.csrf) {
        let r = Refusal::new(
            "csrf token mismatch",
            "signin_form_expired",
            StatusCode::FORBIDDEN,
        );
        return refuse(&state, actor, &v, &f, r).await;
    }
    if let Err(wait) = state.dashboard.guard.reserve(&name, v.ip.as_deref(), now) {
        let r = Refusal {
            wait,
            ..Refusal::new(
                "rate limited",
                "signin_too_many",
                StatusCode::TOO_MANY_REQUESTS,
            )
        };
        return refuse(&state, actor, &v, &f, r).await;
    }
    let user = match state.store.user_by_name(&name).await {
        Ok(u) => Some(u),
        Err(kaamgar_store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let matches = password_matches(&state, user.as_ref(), &f.password).await?;
    let user = match user {
        Some(u) if matches && !u.disabled && access_of(&u).is_some() => u,
        other => {
            // The reserved attempt stays counted. The refusal is recorded against the named account when there
            // is one, so the district's administrator sees attempts on their officials.
            let actor = Actor {
                user_id: other.as_ref().map(|u| u.id),
                ..actor
            };
            let r = Refusal::new(
                "wrong name or password",
                "signin_wrong",
                StatusCode::UNAUTHORIZED,
            );
            return refuse(&state, actor, &v, &f, r).await;
        }
    };
    let actor = Actor {
        user_id: Some(user.id),
        ..actor
    };
    let token = open_session(&state, &headers, user.id, actor, now).await?;
    state.dashboard.guard.succeeded(&name, v.ip.as_deref());
    let mut resp = Redirect::to(&safe_next(f.next.as_deref())).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(SESSION_COOKIE, &token, Some(MAX_SECS), v.secure, "Lax"),
    );
    Ok(resp)
}

/// Why a sign-in is refused: the audit detail, the notice shown, the seconds to wait and the status.
struct Refusal {
    detail: &'static str,
    notice: &'static str,
    wait: i64,
    status: StatusCode,
}

impl Refusal {
    fn new(detail: &'static str, notice: &'static str, status: StatusCode) -> Self {
        Refusal {
            detail,
            notice,
            wait: 0,
            status,
        }
    }
}

/// Records a refused sign-in and shows the form again with its notice.
async fn refuse(
    state: &AppState,
    actor: Actor<'_>,
    v: &Visitor,
    f: &SignInForm,
    r: Refusal,
) -> Result<Response, DashError> {
    audit::record(
        state,
        actor,
        "signin",
        None,
        Outcome::Denied,
        Some(r.detail.into()),
    )
    .await?;
    Ok(sign_in_again(v, f, r.notice, r.wait, r.status))
}

/// Checks the password off the async runtime, two at a time; an unknown name costs the same (a decoy hash).
async fn password_matches(
    state: &AppState,
    user: Option<&kaamgar_store::UserRow>,
    password: &str,
) -> Result<bool, DashError> {
    let stored = user.map_or_else(|| decoy_hash().to_string(), |u| u.password_hash.clone());
    let password = password.to_string();
    let _permit = state
        .dashboard
        .hashing
        .acquire()
        .await
        .map_err(|e| DashError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| DashError::Internal(e.to_string()))
}

/// Opens a session for the signed-in account and returns its token. A session cookie brought to the sign-in is never
/// reused: the new session has a new id. The old session ends, the new one starts and the sign-in is recorded in one
/// transaction.
async fn open_session(
    state: &AppState,
    headers: &HeaderMap,
    user_id: i64,
    actor: Actor<'_>,
    now: i64,
) -> Result<String, DashError> {
    let token = new_token("kgs").map_err(|e| DashError::Internal(e.to_string()))?;
    let csrf = new_token("csr").map_err(|e| DashError::Internal(e.to_string()))?;
    let replaced = session::cookie(headers, SESSION_COOKIE).map(token_digest);
    let new_hash = token_digest(&token);
    let record = audit::entry(state, actor, "signin", None, Outcome::Ok, None);
    state
        .store
        .create_session(
            &NewSession {
                token_hash: &new_hash,
                user_id,
                csrf: &csrf,
                now,
                expires_at: now + MAX_SECS,
                replaces: replaced.as_deref(),
            },
            &record,
        )
        .await?;
    Ok(token)
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    o: Official,
    headers: HeaderMap,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, DashError> {
    if !o.csrf_ok(&f.csrf) {
        return Err(audit::refuse(&state, &o, "signout", None, DashError::Csrf).await);
    }
    let record = audit::entry(&state, (&o).into(), "signout", None, Outcome::Ok, None);
    state
        .store
        .delete_session(&o.token_hash, Some(&record))
        .await?;
    let mut resp = Redirect::to("/").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            SESSION_COOKIE,
            "",
            Some(0),
            session::is_secure(&state, &headers),
            "Lax",
        ),
    );
    Ok(resp)
}

#[derive(Debug, Deserialize)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

/// Switches the language; remembered in a cookie for a year and, when signed in, in the account.
pub async fn switch_lang(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<LangForm>,
) -> Result<Response, DashError> {
    if !v.csrf_ok(&f.csrf) {
        return Err(DashError::Csrf);
    }
    let lang = Lang::parse(&f.lang)
        .ok_or_else(|| DashError::BadRequest("lang must be hi or en".into()))?;
    if let Some(o) = &v.official {
        state
            .store
            .set_user_lang(o.id(), lang.code(), state.clock.now())
            .await?;
    }
    let mut resp = Redirect::to(&safe_next(f.next.as_deref())).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(LANG_COOKIE, lang.code(), Some(365 * 86400), v.secure, "Lax"),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_a_name_from_that_address_for_the_rest_of_the_window() {
        let g = SignInGuard::default();
        for i in 0..5 {
            assert_eq!(g.reserve("asha", Some("10.0.0.1"), 1000 + i), Ok(()));
        }
        let wait = g.reserve("ASHA", Some("10.0.0.1"), 1010).unwrap_err();
        assert!(wait > 800 && wait <= WINDOW_SECS, "{wait}");
        assert_eq!(g.reserve("ravi", Some("10.0.0.1"), 1010), Ok(()));
        assert_eq!(
            g.reserve("asha", Some("10.0.0.1"), 1000 + WINDOW_SECS + 10),
            Ok(())
        );
    }

    #[test]
    fn someone_guessing_a_name_does_not_lock_its_official_out_from_their_own_address() {
        let g = SignInGuard::default();
        for i in 0..10 {
            let _ = g.reserve("asha", Some("203.0.113.7"), 1000 + i);
        }
        assert!(g.reserve("asha", Some("203.0.113.7"), 1011).is_err());
        assert_eq!(g.reserve("asha", Some("10.20.30.40"), 1012), Ok(()));
        g.succeeded("asha", Some("10.20.30.40"));
        assert_eq!(g.reserve("asha", Some("10.20.30.40"), 1013), Ok(()));
    }

    #[test]
    fn attempts_in_parallel_are_counted_before_their_passwords_are_checked() {
        // Sixty attempts arrive before any password check has finished: five from one address get through, and
        // spread over sixty addresses no more than the name's own limit.
        let g = SignInGuard::default();
        let one_address = (0..60)
            .filter(|_| g.reserve("asha", Some("10.0.0.1"), 1000).is_ok())
            .count();
        assert_eq!(one_address, PER_NAME_AND_ADDRESS);
        let g = SignInGuard::default();
        let many = (0..60)
            .filter(|i| {
                g.reserve("asha", Some(&format!("10.0.1.{i}")), 1000)
                    .is_ok()
            })
            .count();
        assert_eq!(many, PER_NAME);
    }

    #[test]
    fn a_successful_sign_in_gives_the_address_its_attempt_back() {
        let g = SignInGuard::default();
        for i in 0..40 {
            let name = format!("official{i}");
            assert_eq!(g.reserve(&name, Some("10.0.0.1"), 1000), Ok(()), "{i}");
            g.succeeded(&name, Some("10.0.0.1"));
        }
    }
}
