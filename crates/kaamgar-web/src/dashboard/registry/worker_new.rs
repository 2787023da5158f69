//! Adding one worker by hand (an official registering someone at the block office): the edit form with the
//! district, how consent was given and the official's confirmation of it; checked by the same rules as a list row,
//! placed inside the official's jurisdiction, written with its audit row.

use super::worker_edit::{EditForm, edit_page, opt};
use crate::dashboard::DashError;
use crate::dashboard::audit::{self, Outcome};
use crate::dashboard::session::Official;
use crate::{AppState, FieldError};
use axum::Form;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use kaamgar_domain::access::Permission;
use kaamgar_domain::import::{Field, ImportDefaults};
use kaamgar_domain::worker::{Consent, ConsentMethod};
use kaamgar_store::StoreError;

/// Where a worker added at the office comes from, in the registry's source column.
pub const SOURCE: &str = "office registration";

pub async fn form(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
) -> Result<Response, DashError> {
    if !o.can(Permission::EditWorkers) {
        return Err(audit::refuse(&state, &o, "worker.add", None, DashError::Forbidden).await);
    }
    let f = EditForm {
        availability: "available".into(),
        district: o.scope.district().unwrap_or_default().to_string(),
        ..Default::default()
    };
    let district = f.district.clone();
    Ok(edit_page(&state, &o, &uri, None, &district, f, Vec::new()))
}

fn field_error(o: &Official, field: &str, code: &str, key: &str) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.into(),
        message: o.lang.s(key).into(),
    }
}

pub async fn create(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Form(f): Form<EditForm>,
) -> Result<Response, DashError> {
    const ACTION: &str = "worker.add";
    if !o.csrf_ok(&f.csrf) {
        return Err(audit::refuse(&state, &o, ACTION, None, DashError::Csrf).await);
    }
    if !o.can(Permission::EditWorkers) {
        return Err(audit::refuse(&state, &o, ACTION, None, DashError::Forbidden).await);
    }
    let district = o
        .scope
        .district()
        .map_or_else(|| f.district.trim().to_string(), str::to_string);
    let mut errors = Vec::new();
    let consent = ConsentMethod::parse(&f.consent)
        .filter(|c| matches!(c, ConsentMethod::SurveyForm | ConsentMethod::Verbal));
    if consent.is_none() || f.agreed.is_none() {
        errors.push(field_error(
            &o,
            "consent",
            "consent_missing",
            "err_consent_needed",
        ));
    }
    let fields = [
        (Field::Name, opt(&f.name)),
        (Field::Phone, opt(&f.phone)),
        (Field::Gender, opt(&f.gender)),
        (Field::Age, opt(&f.age)),
        (Field::Trade, opt(&f.trade)),
        (Field::Experience, opt(&f.experience)),
        (Field::Village, opt(&f.village)),
        (Field::Block, opt(&f.block)),
        (Field::District, opt(&district)),
        (Field::Pin, opt(&f.pin)),
        (Field::Availability, opt(&f.availability)),
    ];
    let now = state.clock.now();
    let defaults = ImportDefaults {
        source: SOURCE.into(),
        consent: Consent {
            given_at: now,
            method: consent.unwrap_or(ConsentMethod::Verbal),
        },
        languages: vec!["hi".into()],
        // A place outside the official's jurisdiction is refused like a list row of another block.
        only: Some(o.scope.clone()),
    };
    match crate::api::workers::worker_from_fields(&state, &fields, defaults) {
        Ok(new) if errors.is_empty() => {
            let entry = audit::entry(&state, (&o).into(), ACTION, None, Outcome::Ok, None);
            match state.store.create_worker_audited(&new, now, &entry).await {
                Ok(w) => {
                    state.dashboard.stats.invalidate();
                    return Ok(
                        Redirect::to(&format!("/workers/{}?done=added", w.id)).into_response()
                    );
                }
                Err(StoreError::PhoneTaken) => errors.push(field_error(
                    &o,
                    "phone",
                    "worker_phone_taken",
                    "err_phone_taken",
                )),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(_) => {}
        Err(e) if e.is_empty() => errors.push(field_error(&o, "name", "empty", "err_empty")),
        Err(e) => errors.extend(e),
    }
    let detail = errors
        .iter()
        .map(|e| e.code.as_str())
        .collect::<Vec<_>>()
        .join(",");
    audit::record(
        &state,
        (&o).into(),
        ACTION,
        None,
        Outcome::Invalid,
        Some(detail),
    )
    .await?;
    Ok(edit_page(&state, &o, &uri, None, &district, f, errors))
}
