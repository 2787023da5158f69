//! Officials' accounts: sign-in and sign-out, the session and its CSRF token, the language switch, and the audit
//! log (written by every capability, read by administrators).

pub mod audit;
mod audit_log;
pub mod session;
mod signin;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub use signin::SignInGuard;
pub(crate) use signin::SignInPage;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin", post(signin::sign_in))
        .route("/signout", post(signin::sign_out))
        .route("/lang", post(signin::switch_lang))
        .route("/audit", get(audit_log::audit_log))
}
