//! Changing a worker from the dashboard: correcting the record (checked by the same rules as a list row, and kept
//! inside the official's jurisdiction), verifying a self-registered worker, and recording an erasure request.
//! Every form carries the session's CSRF token; every change and every refusal is audited.

use super::workers::{Choice, choices, in_scope, trade_options};
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
use kaamgar_domain::worker::{ConsentMethod, Worker};
use kaamgar_store::{StoreError, WorkerWrite};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) phone: String,
    #[serde(default)]
    pub(super) trade: String,
    #[serde(default)]
    pub(super) experience: String,
    #[serde(default)]
    pub(super) gender: String,
    #[serde(default)]
    pub(super) age: String,
    #[serde(default)]
    pub(super) village: String,
    #[serde(default)]
    pub(super) block: String,
    #[serde(default)]
    pub(super) pin: String,
    #[serde(default)]
    pub(super) availability: String,
    /// Only when adding a worker: the district (state-wide accounts choose it), how consent was given, and the
    /// official's confirmation that it was.
    #[serde(default)]
    pub(super) district: String,
    #[serde(default)]
    pub(super) consent: String,
    pub(super) agreed: Option<String>,
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
            district: d.place.district.clone(),
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "worker_edit.html")]
struct EditPage {
    chrome: Chrome,
    /// `None` while adding a worker.
    id: Option<i64>,
    f: EditForm,
    /// The districts a new worker may be placed in (empty while editing: a worker keeps their district).
    districts: Vec<Choice>,
    consents: Vec<Choice>,
    trades: Vec<Choice>,
    blocks: Vec<Choice>,
    errors: Vec<FieldError>,
}

pub(super) fn edit_page(
    state: &AppState,
    o: &Official,
    uri: &Uri,
    id: Option<i64>,
    district: &str,
    f: EditForm,
    errors: Vec<FieldError>,
) -> Response {
    let trades = choices(trade_options(state, o.lang), Some(&f.trade));
    // A new worker of a state-wide account may be placed in any district of the area: its blocks are all listed.
    let districts: Vec<String> = match (id, o.scope.district()) {
        (Some(_), _) => vec![district.to_string()],
        (None, Some(d)) => vec![d.to_string()],
        (None, None) => state
            .places
            .area()
            .iter()
            .filter_map(|d| state.places.district(*d))
            .map(|d| d.name.clone())
            .collect(),
    };
    let blocks = districts
        .iter()
        .filter_map(|d| state.places.resolve_district(d).ok())
        .flat_map(|d| state.places.blocks_of(d))
        .filter(|b| {
            o.scope
                .block()
                .is_none_or(|x| x.eq_ignore_ascii_case(&b.name))
        })
        .map(|b| Choice {
            selected: b.name.eq_ignore_ascii_case(&f.block),
            value: b.name.clone(),
            label: crate::dashboard::i18n::place(o.lang, &b.name),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let consents = [ConsentMethod::SurveyForm, ConsentMethod::Verbal]
        .iter()
        .map(|c| Choice {
            value: c.as_str().to_string(),
            label: o.lang.s(c.as_str()).to_string(),
            selected: ConsentMethod::parse(&f.consent) == Some(*c),
        })
        .collect();
    let districts = match id {
        Some(_) => Vec::new(),
        None => districts
            .into_iter()
            .map(|d| Choice {
                selected: d.eq_ignore_ascii_case(&f.district),
                label: crate::dashboard::i18n::place(o.lang, &d),
                value: d,
            })
            .collect(),
    };
    let mut resp = render(&EditPage {
        chrome: Chrome::new(o, "workers", uri),
        id,
        f,
        districts,
        consents,
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
        Some(id),
        &w.data.place.district,
        EditForm::from_worker(&w),
        Vec::new(),
    ))
}

pub(super) fn opt(s: &str) -> Option<String> {
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
    Ok(edit_page(&state, &o, &uri, Some(id), &district, f, errors))
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
