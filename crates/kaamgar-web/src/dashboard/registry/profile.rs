//! A worker's profile: the record (the full phone number, as a link to call, only for roles that may read personal
//! data, and every such read audited) and what they did through kaamgar — leads offered and how they answered,
//! jobs done, ratings — with a link to each request the official may open.

use super::workers::{Row, in_scope, row, trade_name};
use crate::AppState;
use crate::dashboard::audit::{self, Outcome};
use crate::dashboard::i18n::{Lang, num, place, source, when};
use crate::dashboard::session::Official;
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Response;
use kaamgar_domain::access::Permission;
use kaamgar_domain::request::{OfferStatus, RequestStatus};
use serde::Deserialize;

/// Leads listed on a profile.
const HISTORY_LINES: i64 = 20;

#[derive(Template)]
#[template(path = "worker.html")]
struct ProfilePage {
    chrome: Chrome,
    w: Row,
    phone: String,
    /// `tel:` link to the full number, for roles that may read it.
    call: Option<String>,
    history: History,
    /// Certificates the worker earned: (id, certificate, issued, in force).
    certificates: Vec<(String, String, String, bool)>,
    facts: Vec<(&'static str, String)>,
    can_edit: bool,
    can_verify: bool,
    can_erase: bool,
    done: Option<&'static str>,
}

/// The certificates a worker earned: (id, certificate, issued, in force).
async fn certificates(
    state: &AppState,
    worker: i64,
) -> Result<Vec<(String, String, String, bool)>, DashError> {
    Ok(state
        .store
        .worker_certificates(worker)
        .await?
        .into_iter()
        .map(|(c, title)| {
            let issued = kaamgar_domain::training::dates::india_date(c.issued_at);
            (c.id, title, issued, c.revoked_at.is_none())
        })
        .collect())
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn profile(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
    Query(d): Query<Done>,
) -> Result<Response, DashError> {
    o.require(Permission::ViewWorkers)?;
    let w = in_scope(&state, &o, id, "worker.view").await?;
    let personal = o.can(Permission::ViewPersonal);
    if personal {
        audit::record(
            &state,
            (&o).into(),
            "worker.view",
            Some(format!("worker:{id}")),
            Outcome::Ok,
            None,
        )
        .await?;
    }
    let lang = o.lang;
    let data = &w.data;
    let p = &data.place;
    let rating = if w.rating_count > 0 {
        format!(
            "{:.1} ({})",
            w.rating_sum as f64 / w.rating_count as f64,
            w.rating_count
        )
    } else {
        lang.s("not_rated").to_string()
    };
    let others: Vec<String> = data
        .other_trades
        .iter()
        .map(|t| trade_name(&state, t, lang))
        .collect();
    let facts = vec![
        ("other_trades", others.join(", ")),
        (
            "experience",
            data.experience_years
                .map(|e| e.to_string())
                .unwrap_or_default(),
        ),
        (
            "gender",
            data.gender
                .map(|g| lang.s(g.as_str()).to_string())
                .unwrap_or_default(),
        ),
        ("age", data.age.map(|a| a.to_string()).unwrap_or_default()),
        (
            "village",
            p.village
                .as_deref()
                .map(|v| place(lang, v))
                .unwrap_or_default(),
        ),
        (
            "panchayat",
            p.panchayat
                .as_deref()
                .map(|v| place(lang, v))
                .unwrap_or_default(),
        ),
        (
            "block",
            p.block
                .as_deref()
                .map(|v| place(lang, v))
                .unwrap_or_default(),
        ),
        ("district", place(lang, &p.district)),
        ("pin", p.pin.map(|x| x.to_string()).unwrap_or_default()),
        ("rating", rating),
        ("source", source(lang, &data.source)),
        ("consent", lang.s(data.consent.method.as_str()).to_string()),
    ];
    let done = match d.done.as_deref() {
        Some("saved") => Some("done_saved"),
        Some("verified") => Some("done_verified"),
        Some("added") => Some("done_added"),
        _ => None,
    };
    let history = history(&state, &o, id, lang).await?;
    let certificates = certificates(&state, id).await?;
    let page = ProfilePage {
        certificates,
        chrome: Chrome::new(&o, "workers", &uri),
        call: personal.then(|| format!("tel:{}", data.phone.e164())),
        history,
        phone: if personal {
            data.phone.to_string()
        } else {
            data.phone.masked()
        },
        w: row(&state, &w, lang),
        facts: facts.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
        can_edit: o.can(Permission::EditWorkers),
        can_verify: o.can(Permission::VerifyWorkers) && !w.verified,
        can_erase: o.can(Permission::RecordErasure),
        done,
    };
    Ok(render(&page))
}

/// What a worker did through kaamgar, as the profile shows it.
struct History {
    leads: String,
    accepted: String,
    declined: String,
    unanswered: String,
    jobs_done: String,
    lines: Vec<LeadView>,
}

struct LeadView {
    when: String,
    trade: String,
    place: String,
    /// Text keys of the lead's answer and of the request's end.
    lead: &'static str,
    outcome: &'static str,
    rating: String,
    /// The request's page, when the official may open it.
    href: Option<String>,
}

/// A request's or an offer's status as stored, as its text key ("unknown_status" for one this build does not know).
fn request_key(s: &str) -> &'static str {
    RequestStatus::parse(s).map_or("unknown_status", RequestStatus::as_str)
}

fn offer_key(s: &str) -> &'static str {
    OfferStatus::parse(s).map_or("unknown_status", OfferStatus::as_str)
}

async fn history(
    state: &AppState,
    o: &Official,
    id: i64,
    lang: Lang,
) -> Result<History, DashError> {
    let h = state.store.worker_history(id, HISTORY_LINES).await?;
    let requests = o.can(Permission::ViewRequests);
    let lines = h
        .recent
        .iter()
        .map(|l| LeadView {
            when: when(l.offered_at),
            trade: trade_name(state, &l.trade, lang),
            // Where a request outside the official's jurisdiction was is not theirs to read.
            place: match &l.block {
                _ if !o.scope.covers(&l.district, l.block.as_deref()) => "—".to_string(),
                Some(b) if !b.eq_ignore_ascii_case(&l.place_name) => {
                    format!("{} ({})", place(lang, &l.place_name), place(lang, b))
                }
                _ => place(lang, &l.place_name),
            },
            lead: offer_key(&l.lead),
            outcome: request_key(&l.outcome),
            rating: l
                .rating
                .map(|r| "★".repeat(r.clamp(0, 5) as usize))
                .unwrap_or_default(),
            href: (requests && o.scope.covers(&l.district, l.block.as_deref()))
                .then(|| format!("/requests/{}", l.request_id)),
        })
        .collect();
    Ok(History {
        leads: num(h.leads),
        accepted: num(h.accepted),
        declined: num(h.declined),
        unanswered: num(h.unanswered),
        jobs_done: num(h.jobs_done),
        lines,
    })
}
