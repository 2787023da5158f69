//! `/training/batches/{id}`: a batch on one page — its sessions, and per trainee the mark of each session,
//! attendance so far, the score and the certificate — and, for whoever runs it, the attendance list of a session
//! to tick on a phone (today's by default; an earlier one only with a reason, as a correction).

use crate::AppState;
use crate::dashboard::audit;
use crate::dashboard::registry::Choice;
use crate::dashboard::session::Official;
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use kaamgar_app::training::{BatchRecord, By, Mark, TrainingError, may};
use kaamgar_domain::access::{Denied, Permission};
use kaamgar_domain::ids::{BatchId, SessionId};
use kaamgar_domain::training::dates::{india_day, india_time};
use kaamgar_domain::training::rules::EnrolmentStatus;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug)]
pub struct SessionView {
    pub n: usize,
    pub when: String,
    pub topic: String,
    pub today: bool,
}

#[derive(Debug)]
pub struct TraineeRow {
    pub id: i64,
    pub name: String,
    pub office: String,
    /// The status's text key.
    pub status: String,
    /// "p", "a" or "u" per session (present, absent, unmarked).
    pub marks: Vec<&'static str>,
    pub attendance: String,
    pub score: String,
    pub certificate: Option<String>,
}

#[derive(Debug)]
pub struct Tick {
    pub id: i64,
    pub name: String,
    pub checked: bool,
    /// The mark as the page showed it ("p", "a" or "u"), sent back so that only what the trainer changed is
    /// written: a trainee's own "हाज़िर" that arrives while the list is open is kept.
    pub shown: &'static str,
}

#[derive(Template)]
#[template(path = "training_batch.html")]
struct BatchPage {
    chrome: Chrome,
    id: i64,
    programme: String,
    name: String,
    phase: u16,
    centre: String,
    trainers: String,
    seats: String,
    sessions: Vec<SessionView>,
    rows: Vec<TraineeRow>,
    /// The attendance form, for those who run the batch and only when a session has started.
    choices: Vec<Choice>,
    ticks: Vec<Tick>,
    /// The chosen session's QR code (SVG), when it is today's: trainees scan it to mark themselves.
    qr: Option<String>,
    /// The list upload form, for those who run the batch while its enrolment is open.
    enrol_open: bool,
    /// Invitations can be sent (a WhatsApp business number is configured).
    can_invite: bool,
    done: bool,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct BatchParams {
    session: Option<i64>,
    done: Option<String>,
}

/// The text of a training refusal in the page's language.
pub fn refusal(o: &Official, e: &TrainingError) -> String {
    let key = match e {
        TrainingError::Attendance(a) => a.code(),
        TrainingError::Invalid(f) => f.first().map_or("invalid", |f| f.code),
        TrainingError::Enrol(r) => r.code(),
        TrainingError::Refused { code, .. } => code,
        _ => "invalid",
    };
    let text = o.lang.s(&format!("tr_err_{key}"));
    if text == "?" {
        e.to_string()
    } else {
        text.to_string()
    }
}

/// A training error as the dashboard answers it; refusals on one record are audited.
pub async fn dash_error(
    state: &AppState,
    o: &Official,
    action: &str,
    target: String,
    e: TrainingError,
) -> DashError {
    let err = match &e {
        TrainingError::Store(_) => {
            return match e {
                TrainingError::Store(s) => s.into(),
                _ => DashError::Internal(String::new()),
            };
        }
        TrainingError::Denied(Denied::Jurisdiction) => DashError::NotFound,
        TrainingError::Denied(Denied::Permission { .. }) => DashError::Forbidden,
        _ => DashError::BadRequest(refusal(o, &e)),
    };
    audit::refuse(state, o, action, Some(target), err).await
}

/// "p", "a" or "u": present, absent, not marked.
pub fn mark_code(mark: Option<bool>) -> &'static str {
    match mark {
        Some(true) => "p",
        Some(false) => "a",
        None => "u",
    }
}

/// A trainee's line in the register.
fn row_of(t: &kaamgar_app::training::TraineeLine) -> TraineeRow {
    let e = &t.enrolment;
    TraineeRow {
        id: e.id.0,
        name: e.trainee.name.clone(),
        office: e.trainee.office.clone().unwrap_or_default(),
        status: format!("tr_st_{}", e.status.as_str()),
        marks: t.marks.iter().map(|m| mark_code(*m)).collect(),
        attendance: format!("{:.0}%", t.attendance_pct),
        score: t
            .score_pct
            .map_or_else(|| "–".into(), |s| format!("{s:.0}%")),
        certificate: t.certificate.as_ref().map(|c| c.id.clone()),
    }
}

fn page(
    o: &Official,
    uri: &Uri,
    r: BatchRecord,
    chosen: Option<i64>,
    now: i64,
    number: Option<&str>,
) -> BatchPage {
    let manages = may(&o.caller, Permission::ManageTraining, &r.centre).is_ok();
    let today = india_day(now);
    let sessions = r
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| SessionView {
            n: i + 1,
            when: india_time(s.starts_at),
            topic: s.topic.clone(),
            today: india_day(s.starts_at) == today,
        })
        .collect();
    let started: Vec<_> = r
        .sessions
        .iter()
        .filter(|s| s.starts_at <= now + 1_800)
        .collect();
    let default = started
        .iter()
        .rev()
        .find(|s| india_day(s.starts_at) == today)
        .or(started.last())
        .map(|s| s.id.0);
    let chosen = chosen
        .filter(|c| started.iter().any(|s| s.id.0 == *c))
        .or(default);
    let column = r.sessions.iter().position(|s| Some(s.id.0) == chosen);
    let qr = column
        .map(|c| &r.sessions[c])
        .filter(|s| manages && india_day(s.starts_at) == today)
        .and_then(|s| super::qr::svg(&kaamgar_app::training::session_qr_text(number, &s.qr_token)));
    let choices = if manages {
        started
            .iter()
            .map(|s| Choice {
                value: s.id.0.to_string(),
                label: format!("{} · {}", india_time(s.starts_at), s.topic),
                selected: Some(s.id.0) == chosen,
            })
            .collect()
    } else {
        Vec::new()
    };
    let ticks = if manages {
        r.trainees
            .iter()
            .filter(|t| t.enrolment.status.holds_seat())
            .map(|t| {
                let mark = column.and_then(|c| t.marks[c]);
                Tick {
                    id: t.enrolment.id.0,
                    name: t.enrolment.trainee.name.clone(),
                    checked: mark.unwrap_or(false),
                    shown: mark_code(mark),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let rows = r.trainees.iter().map(row_of).collect();
    let seated = r
        .trainees
        .iter()
        .filter(|t| t.enrolment.status.holds_seat())
        .count();
    let waiting = r
        .trainees
        .iter()
        .filter(|t| t.enrolment.status == EnrolmentStatus::Waiting)
        .count();
    BatchPage {
        chrome: Chrome::new(o, "training", uri),
        id: r.batch.id.0,
        programme: match o.lang {
            crate::dashboard::i18n::Lang::Hi => r.programme.programme.title_hi.clone(),
            crate::dashboard::i18n::Lang::En => r.programme.programme.title_en.clone(),
        },
        name: r.batch.name.clone(),
        phase: r.batch.phase,
        centre: r.centre.centre.name.clone(),
        trainers: r.batch.trainers.join(", "),
        seats: format!(
            "{seated}/{} · {} {waiting}",
            r.batch.capacity,
            o.lang.s("tr_waiting")
        ),
        sessions,
        rows,
        choices,
        ticks,
        qr,
        enrol_open: manages && now <= r.batch.enrol_until,
        can_invite: false,
        done: false,
        error: None,
    }
}

/// `GET /training/batches/{id}`.
pub async fn show(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
    Query(q): Query<BatchParams>,
) -> Result<Response, DashError> {
    o.require(Permission::ViewTraining)?;
    let now = state.clock.now();
    let r = match state
        .training
        .batch_record(&o.caller, BatchId(id), now)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            return Err(dash_error(&state, &o, "training.batch", format!("batch:{id}"), e).await);
        }
    };
    let number = state.training.whatsapp_number.clone();
    let mut p = page(&o, &uri, r, q.session, now, number.as_deref());
    p.done = q.done.is_some();
    p.can_invite = !state.training.whatsapp_from.is_empty();
    Ok(render(&p))
}

/// `POST /training/batches/{id}/attendance`: the ticked list of one session (`e{enrolment}` for each present).
pub async fn mark(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, DashError> {
    const ACTION: &str = "training.attendance";
    let target = format!("batch:{id}");
    if !o.csrf_ok(f.get("csrf").map_or("", String::as_str)) {
        return Err(audit::refuse(&state, &o, ACTION, Some(target), DashError::Csrf).await);
    }
    o.require(Permission::ManageTraining)?;
    let now = state.clock.now();
    let r = match state
        .training
        .batch_record(&o.caller, BatchId(id), now)
        .await
    {
        Ok(r) => r,
        Err(e) => return Err(dash_error(&state, &o, ACTION, target, e).await),
    };
    let session = f
        .get("session")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let column = r.sessions.iter().position(|s| s.id.0 == session);
    // Written: what the trainer changed from what the page showed, and every trainee nobody has marked yet. A mark
    // made meanwhile (a trainee's own "हाज़िर") that the trainer did not touch is kept.
    let marks: Vec<Mark> = r
        .trainees
        .iter()
        .filter(|t| t.enrolment.status.holds_seat())
        .filter_map(|t| {
            let id = t.enrolment.id.0;
            let present = f.contains_key(&format!("e{id}"));
            let was = f.get(&format!("s{id}")).is_some_and(|s| s == "p");
            let current = column.and_then(|c| t.marks[c]);
            (present != was || current.is_none()).then_some(Mark {
                enrolment_id: id,
                present,
            })
        })
        .collect();
    if marks.is_empty() {
        let to = format!("/training/batches/{id}?session={session}&done=1");
        return Ok(Redirect::to(&to).into_response());
    }
    let reason = f
        .get("reason")
        .map(String::as_str)
        .filter(|r| !r.trim().is_empty());
    let today = r
        .sessions
        .iter()
        .any(|s| s.id.0 == session && india_day(s.starts_at) == india_day(now));
    // A session of another day is a correction: its reason is required.
    let correction = if today {
        None
    } else {
        Some(reason.unwrap_or(""))
    };
    let by = By {
        caller: &o.caller,
        ip: o.ip.as_deref(),
    };
    match state
        .training
        .mark_session(by, BatchId(id), SessionId(session), &marks, correction, now)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/training/batches/{id}?session={session}&done=1"))
                .into_response(),
        ),
        Err(e) => {
            let message = refusal(&o, &e);
            let err = dash_error(&state, &o, ACTION, target, e).await;
            match err {
                DashError::BadRequest(_) => {
                    let number = state.training.whatsapp_number.clone();
                    // The page's own address, so that switching language comes back to it (not to the form's).
                    let here: Uri = format!("/training/batches/{id}?session={session}")
                        .parse()
                        .unwrap_or(uri);
                    let mut p = page(&o, &here, r, Some(session), now, number.as_deref());
                    p.error = Some(message);
                    let mut res = render(&p);
                    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                    Ok(res)
                }
                other => Err(other),
            }
        }
    }
}
