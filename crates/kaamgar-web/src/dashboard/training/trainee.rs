//! `/training/enrolments/{id}`: one trainee's record in a batch — who they are, each session's mark, the
//! assessments and every certificate issued to them (in force or withdrawn, with why).

use super::batch::dash_error;
use crate::AppState;
use crate::dashboard::session::Official;
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use kaamgar_domain::access::Permission;
use kaamgar_domain::ids::EnrolmentId;
use kaamgar_domain::training::dates::india_time;

#[derive(Debug)]
struct MarkLine {
    when: String,
    topic: String,
    /// "p", "a" or "u".
    mark: &'static str,
}

#[derive(Debug)]
struct ScoreLine {
    what: String,
    score: String,
    passed: bool,
}

#[derive(Debug)]
struct CertificateLine {
    id: String,
    issued: String,
    /// Why it was withdrawn, if it was.
    revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "trainee.html")]
struct TraineePage {
    chrome: Chrome,
    batch_id: i64,
    batch: String,
    name: String,
    phone: String,
    office: String,
    place: String,
    worker_id: Option<i64>,
    status: String,
    attendance: String,
    marks: Vec<MarkLine>,
    scores: Vec<ScoreLine>,
    certificates: Vec<CertificateLine>,
}

/// `GET /training/enrolments/{id}`.
pub async fn show(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, DashError> {
    o.require(Permission::ViewTraining)?;
    let target = format!("enrolment:{id}");
    let e = state.store.enrolment(EnrolmentId(id)).await?;
    let now = state.clock.now();
    let r = match state
        .training
        .batch_record(&o.caller, e.batch_id, now)
        .await
    {
        Ok(r) => r,
        Err(err) => return Err(dash_error(&state, &o, "training.batch", target, err).await),
    };
    let Some(t) = r.trainees.iter().find(|t| t.enrolment.id == e.id) else {
        return Err(DashError::NotFound);
    };
    let modules = &r.programme.programme.modules;
    let certificates = state
        .store
        .batch_certificates(e.batch_id)
        .await?
        .into_iter()
        .filter(|c| c.enrolment_id == e.id)
        .map(|c| CertificateLine {
            issued: india_time(c.issued_at),
            revoked: c.revoked_at.map(|at| {
                format!(
                    "{} · {}",
                    india_time(at),
                    c.revoke_reason.unwrap_or_default()
                )
            }),
            id: c.id,
        })
        .collect();
    let tr = &e.trainee;
    let place = [&tr.panchayat, &tr.block, &tr.district]
        .iter()
        .filter_map(|p| p.as_deref())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(render(&TraineePage {
        chrome: Chrome::new(&o, "training", &uri),
        batch_id: r.batch.id.0,
        batch: format!("{} · {}", r.batch.name, r.centre.centre.name),
        name: tr.name.clone(),
        phone: kaamgar_domain::PhoneNumber::parse(&tr.phone)
            .map_or_else(|_| "–".into(), kaamgar_domain::PhoneNumber::masked),
        office: tr.office.clone().unwrap_or_default(),
        place,
        worker_id: tr.worker_id,
        status: format!("tr_st_{}", e.status.as_str()),
        attendance: format!("{:.0}% ({}/{})", t.attendance_pct, t.attended, r.held),
        marks: r
            .sessions
            .iter()
            .zip(&t.marks)
            .map(|(s, m)| MarkLine {
                when: india_time(s.starts_at),
                topic: s.topic.clone(),
                mark: super::batch::mark_code(*m),
            })
            .collect(),
        scores: t
            .assessments
            .iter()
            .map(|a| ScoreLine {
                what: a
                    .module
                    .and_then(|m| modules.get(usize::from(m)))
                    .map_or_else(|| o.lang.s("tr_final").to_string(), |m| m.title.clone()),
                score: format!("{} / {}", a.score, a.max_score),
                passed: a.score >= a.pass_mark,
            })
            .collect(),
        certificates,
    }))
}
