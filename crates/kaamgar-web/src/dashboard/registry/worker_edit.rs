//! Changing a worker from the dashboard: correcting the record (checked by the same rules as a list row, and kept
//! inside the official's jurisdiction), verifying a self-registered worker, and recording an erasure request.
//! Every form carries the session's CSRF token; every change and every refusal is audited.

use super::workers::{Choice, in_scope, trade_name};
use crate::dashboard::audit::{self, Outcome};
use crate::dashboard::session::Official;
use crate::dashboard::{Chrome, DashError, render};
use crate::{AppState, FieldError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use kaamgar_domain::access::Permission;
use kaamgar_domain::import::{Field, ImportDefaults};
use kaamgar_domain::worker::Worker;
use kaamgar_store::{StoreError, WorkerWrite};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    trade: String,
    #[serde(default)]
    experience: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    block: String,
    #[serde(default)]
    pin: String,
    #[serde(default)]
    availability: String,
}

impl EditForm {
    fn from_worker(w: &Worker) -> Self {
        let d = &w.data;
        EditForm {
            csrf: String::new(),
            name: d.name.clone(),
            phone: d.phone.to_string(),
            trade: d.trade.clone(),
            experience: d
                .experience_years
                .map(|e| e.to_string())
                .unwrap_or_default(),
            gender: d.gender.map(|g| g.as_str().to_string()).unwrap_or_default(),
            age: d.age.map(|a| a.to_string()).unwrap_or_default(),
            village: d.place.village.clone().unwrap_or_default(),
            block: d.place.block.clone().unwrap_or_default(),
            pin: d.place.pin.map(|p| p.to_string()).unwrap_or_default(),
            availability: d.availability.as_str().to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "worker_edit.html")]
struct EditPage {
    chrome: Chrome,
    id: i64,
    f: EditForm,
    trades: Vec<Choice>,
    blocks: Vec<Choice>,
    errors: Vec<FieldError>,
}

fn edit_page(
    state: &AppState,
    o: &Official,
    uri: &Uri,
    id: i64,
    district: &str,
    f: EditForm,
    errors: Vec<FieldError>,
) -> Response {
    let mut trades: Vec<Choice> = state
        .trades
        .all()
        .iter()
        .map(|t| Choice {
            selected: t.slug == f.trade,
            value: t.slug.clone(),
            label: trade_name(state, &t.slug, o.lang),
        })
        .collect();
    trades.sort_by(|a, b| a.label.cmp(&b.label));
    let blocks = state
        .places
        .resolve_district(district)
        .ok()
        .into_iter()
        .flat_map(|d| state.places.blocks_of(d))
        .filter(|b| {
            o.scope
                .block()
                .is_none_or(|x| x.eq_ignore_ascii_case(&b.name))
        })
        .map(|b| Choice {
            selected: b.name.eq_ignore_ascii_case(&f.block),
            value: b.name.clone(),
            label: b.name.clone(),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&EditPage {
        chrome: Chrome::new(o, "workers", uri),
        id,
        f,
        trades,
        blocks,
        errors,
    });
    *resp.status_mut() = status;
    resp
}

pub async fn edit(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, DashError> {
    o.require(Permission::EditWorkers)?;
    let w = in_scope(&state, &o, id, "worker.edit").await?;
    audit::record(
        &state,
        (&o).into(),
        "worker.view",
        Some(format!("worker:{id}")),
        Outcome::Ok,
        Some("edit form".into()),
    )
    .await?;
    Ok(edit_page(
        &state,
        &o,
        &uri,
        id,
        &w.data.place.district,
        EditForm::from_worker(&w),
        Vec::new(),
    ))
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Saves a corrected record. The consent, source and languages stay as they were.
pub async fn save(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
    Form(f): Form<EditForm>,
) -> Result<Response, DashError> {
    let target = Some(format!("worker:{id}"));
    if !o.csrf_ok(&f.csrf) {
        return Err(audit::refuse(&state, &o, "worker.edit", target, DashError::Csrf).await);
    }
    if !o.can(Permission::EditWorkers) {
        return Err(audit::refuse(&state, &o, "worker.edit", target, DashError::Forbidden).await);
    }
    let old = in_scope(&state, &o, id, "worker.edit").await?;
    let district = old.data.place.district.clone();
    let fields = [
        (Field::Name, opt(&f.name)),
        (Field::Phone, opt(&f.phone)),
        (Field::Gender, opt(&f.gender)),
        (Field::Age, opt(&f.age)),
        (Field::Trade, opt(&f.trade)),
        (Field::OtherTrades, Some(old.data.other_trades.join(","))),
        (Field::Experience, opt(&f.experience)),
        (Field::Village, opt(&f.village)),
        (Field::Block, opt(&f.block)),
        (Field::District, Some(district.clone())),
        (Field::Pin, opt(&f.pin)),
        (Field::Languages, Some(old.data.languages.join(","))),
        (Field::Availability, opt(&f.availability)),
        (Field::Source, Some(old.data.source.clone())),
    ];
    let defaults = ImportDefaults {
        source: old.data.source.clone(),
        consent: old.data.consent.clone(),
        languages: old.data.languages.clone(),
        only: None,
    };
    let mut errors = Vec::new();
    match crate::api::workers::worker_from_fields(&state, &fields, defaults) {
        Ok(mut new) => {
            new.consent = old.data.consent.clone();
            let p = &new.place;
            if o.require_at(Permission::EditWorkers, &p.district, p.block.as_deref())
                .is_err()
            {
                errors.push(FieldError {
                    field: "block".into(),
                    code: "outside_jurisdiction".into(),
                    message: o.lang.s("err_outside_area").into(),
                });
            } else {
                let record = audit::entry(
                    &state,
                    (&o).into(),
                    "worker.edit",
                    target.clone(),
                    Outcome::Ok,
                    None,
                );
                let change = WorkerWrite::Replace(&new);
                match state
                    .store
                    .change_worker_audited(id, &change, state.clock.now(), &record)
                    .await
                {
                    Ok(()) => {
                        state.dashboard.stats.invalidate();
                        return Ok(
                            Redirect::to(&format!("/workers/{id}?done=saved")).into_response()
                        );
                    }
                    Err(StoreError::PhoneTaken) => errors.push(FieldError {
                        field: "phone".into(),
                        code: "worker_phone_taken".into(),
                        message: o.lang.s("err_phone_taken").into(),
                    }),
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Err(e) if e.is_empty() => errors.push(FieldError {
            field: "name".into(),
            code: "empty".into(),
            message: o.lang.s("err_empty").into(),
        }),
        Err(e) => errors = e,
    }
    let detail = errors
        .iter()
        .map(|e| e.code.as_str())
        .collect::<Vec<_>>()
        .join(",");
    audit::record(
        &state,
        (&o).into(),
        "worker.edit",
        target,
        Outcome::Invalid,
        Some(detail),
    )
    .await?;
    Ok(edit_page(&state, &o, &uri, id, &district, f, errors))
}

#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    csrf: String,
}

pub async fn verify(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
    Form(f): Form<VerifyForm>,
) -> Result<Response, DashError> {
    let target = Some(format!("worker:{id}"));
    if !o.csrf_ok(&f.csrf) {
        return Err(audit::refuse(&state, &o, "worker.verify", target, DashError::Csrf).await);
    }
    if !o.can(Permission::VerifyWorkers) {
        return Err(audit::refuse(&state, &o, "worker.verify", target, DashError::Forbidden).await);
    }
    in_scope(&state, &o, id, "worker.verify").await?;
    let record = audit::entry(
        &state,
        (&o).into(),
        "worker.verify",
        target,
        Outcome::Ok,
        None,
    );
    state
        .store
        .change_worker_audited(id, &WorkerWrite::Verified(true), state.clock.now(), &record)
        .await?;
    state.dashboard.stats.invalidate();
    Ok(Redirect::to(&format!("/workers/{id}?done=verified")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ErasureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    confirm: Option<String>,
}

/// Records an erasure request and erases the personal data (the DPDP Act's right to erasure); a hash of the phone
/// is kept so that an old list cannot bring the person back.
pub async fn erasure(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
    Form(f): Form<ErasureForm>,
) -> Result<Response, DashError> {
    let target = Some(format!("worker:{id}"));
    if !o.csrf_ok(&f.csrf) {
        return Err(audit::refuse(&state, &o, "worker.erase", target, DashError::Csrf).await);
    }
    if !o.can(Permission::RecordErasure) {
        return Err(audit::refuse(&state, &o, "worker.erase", target, DashError::Forbidden).await);
    }
    in_scope(&state, &o, id, "worker.erase").await?;
    let reason = f.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 || f.confirm.is_none() {
        let err = DashError::BadRequest(o.lang.s("err_erasure_form").into());
        return Err(audit::refuse(&state, &o, "worker.erase", target, err).await);
    }
    let record = audit::entry(
        &state,
        (&o).into(),
        "worker.erase",
        target,
        Outcome::Ok,
        Some(reason.to_string()),
    );
    state
        .store
        .change_worker_audited(
            id,
            &WorkerWrite::Erase { reason },
            state.clock.now(),
            &record,
        )
        .await?;
    state.dashboard.stats.invalidate();
    Ok(Redirect::to("/workers?erased=1").into_response())
}
