//! What an official does to a request from its page. Every form carries the session's CSRF token; the role, the
//! jurisdiction and the request's state are checked; each change is written with its audit row, and every
//! refusal is audited.

use super::request::{in_scope, page};
use crate::AppState;
use crate::dashboard::DashError;
use crate::dashboard::audit::{self, Outcome};
use crate::dashboard::session::Official;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use kaamgar_app::conversation::desk::{self, DeskError};
use kaamgar_domain::access::Permission;
use kaamgar_domain::ids::RequestId;
use kaamgar_domain::phone::PhoneNumber;
use kaamgar_domain::request::CloseReason;
use kaamgar_store::{OfferRow, RequestRow};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// The checks every action starts with: the form's token, then the role and jurisdiction.
async fn checked(
    state: &AppState,
    o: &Official,
    id: i64,
    f: &ActionForm,
    action: &str,
) -> Result<(RequestRow, Vec<OfferRow>), DashError> {
    if !o.csrf_ok(&f.csrf) {
        let target = Some(format!("request:{id}"));
        return Err(audit::refuse(state, o, action, target, DashError::Csrf).await);
    }
    in_scope(state, o, id, Permission::ActOnRequests, action).await
}

/// A change the request's state no longer allows (somebody took it meanwhile): said plainly, and audited.
async fn refused(state: &AppState, o: &Official, id: i64, action: &str, e: DeskError) -> DashError {
    let err = match e {
        DeskError::Refused(_) => DashError::BadRequest(o.lang.s("err_request_changed").into()),
        DeskError::Store(e) => return e.into(),
    };
    audit::refuse(state, o, action, Some(format!("request:{id}")), err).await
}

/// "Offer it to another worker": the bot asks the next free worker at once.
pub async fn reoffer(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, DashError> {
    const ACTION: &str = "request.reoffer";
    checked(&state, &o, id, &f, ACTION).await?;
    let entry = audit::entry(
        &state,
        (&o).into(),
        ACTION,
        Some(format!("request:{id}")),
        Outcome::Ok,
        None,
    );
    match desk::ask_another(state.store.as_ref(), RequestId(id), &entry).await {
        Ok(()) => Ok(Redirect::to(&format!("/requests/{id}?done=reoffer")).into_response()),
        Err(e) => Err(refused(&state, &o, id, ACTION, e).await),
    }
}

/// Closes the request with one of the reasons offered.
pub async fn close(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, DashError> {
    const ACTION: &str = "request.close";
    checked(&state, &o, id, &f, ACTION).await?;
    let Some(reason) = CloseReason::parse(&f.reason) else {
        let err = DashError::BadRequest(o.lang.s("err_close_reason").into());
        return Err(audit::refuse(&state, &o, ACTION, Some(format!("request:{id}")), err).await);
    };
    let entry = audit::entry(
        &state,
        (&o).into(),
        ACTION,
        Some(format!("request:{id}")),
        Outcome::Ok,
        Some(reason.as_str().to_string()),
    );
    match desk::close(state.store.as_ref(), RequestId(id), reason, &entry).await {
        Ok(()) => {
            state.dashboard.stats.invalidate();
            Ok(Redirect::to(&format!("/requests/{id}?done=closed")).into_response())
        }
        Err(e) => Err(refused(&state, &o, id, ACTION, e).await),
    }
}

/// "Call the citizen": the request's page with the citizen's number as a link to call; reading it is audited.
pub async fn call(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, DashError> {
    const ACTION: &str = "request.call";
    let target = Some(format!("request:{id}"));
    if !o.can(Permission::ViewPersonal) {
        return Err(audit::refuse(&state, &o, ACTION, target, DashError::Forbidden).await);
    }
    let found = checked(&state, &o, id, &f, ACTION).await?;
    let Some(phone) = found
        .0
        .new
        .citizen_phone
        .as_deref()
        .and_then(|p| PhoneNumber::parse(p).ok())
    else {
        let err = DashError::BadRequest(o.lang.s("err_no_citizen_phone").into());
        return Err(audit::refuse(&state, &o, ACTION, target, err).await);
    };
    audit::record(&state, (&o).into(), ACTION, target, Outcome::Ok, None).await?;
    page(&state, &o, &uri, found, Some(phone.e164()), None).await
}
