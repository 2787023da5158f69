//! Service requests for officials: listed by state inside their jurisdiction, and one request with every offer
//! made for it and its conversation, numbers masked. Opening a request is an audited read.

use crate::AppState;
use crate::dashboard::audit::{self, Outcome};
use crate::dashboard::i18n::{mask_numbers, when};
use crate::dashboard::registry::{Choice, trade_name};
use crate::dashboard::session::Official;
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Response;
use kaamgar_domain::access::Permission;
use kaamgar_domain::ids::RequestId;
use kaamgar_domain::phone::PhoneNumber;
use kaamgar_domain::request::RequestStatus;
use kaamgar_store::{RequestFilter, RequestRow, StoreError};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    status: Option<String>,
    before: Option<i64>,
}

#[derive(Debug)]
struct Row {
    id: i64,
    at: String,
    trade: String,
    place: String,
    status: &'static str,
    citizen: String,
}

fn citizen(r: &RequestRow) -> String {
    r.new
        .citizen_phone
        .as_deref()
        .and_then(|p| PhoneNumber::parse(p).ok())
        .map_or_else(|| r.new.channel.as_str().to_string(), PhoneNumber::masked)
}

fn row(state: &AppState, r: &RequestRow, o: &Official) -> Row {
    Row {
        id: r.id.0,
        at: when(r.created_at),
        trade: trade_name(state, &r.new.trade, o.lang),
        place: match &r.new.block {
            Some(b) if !r.new.place_name.eq_ignore_ascii_case(b) => {
                format!("{}, {b}", r.new.place_name)
            }
            _ => r.new.place_name.clone(),
        },
        status: r.status.as_str(),
        citizen: citizen(r),
    }
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    next: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Query(q): Query<ListParams>,
) -> Result<Response, DashError> {
    o.require(Permission::ViewRequests)?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            RequestStatus::parse(s)
                .ok_or_else(|| DashError::BadRequest(format!("unknown status '{s}'")))?,
        ),
    };
    let f = RequestFilter {
        status,
        district: o.scope.district().map(str::to_string),
        block: o.scope.block().map(str::to_string),
        before: Some(q.before.unwrap_or(i64::MAX)),
    };
    let rows = state.store.list_requests(&f, 0, PAGE_SIZE).await?;
    let next = (rows.len() as i64 == PAGE_SIZE).then(|| {
        let last = rows.last().map_or(0, |r| r.id.0);
        match status {
            Some(s) => format!("/requests?status={}&before={last}", s.as_str()),
            None => format!("/requests?before={last}"),
        }
    });
    let statuses = RequestStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().to_string(),
            label: o.lang.s(s.as_str()).to_string(),
            selected: Some(*s) == status,
        })
        .collect();
    Ok(render(&ListPage {
        chrome: Chrome::new(&o, "requests", &uri),
        rows: rows.iter().map(|r| row(&state, r, &o)).collect(),
        statuses,
        next,
    }))
}

#[derive(Debug)]
struct OfferView {
    rank: i64,
    worker_id: i64,
    worker: String,
    status: &'static str,
    offered: String,
    answered: String,
}

#[derive(Debug)]
struct Line {
    from_bot: bool,
    at: String,
    text: String,
}

#[derive(Template)]
#[template(path = "request.html")]
struct DetailPage {
    chrome: Chrome,
    r: Row,
    message: String,
    offers: Vec<OfferView>,
    lines: Vec<Line>,
    rating: String,
}

pub async fn detail(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, DashError> {
    o.require(Permission::ViewRequests)?;
    let target = Some(format!("request:{id}"));
    let (r, offers) = state.store.request_with_offers(RequestId(id)).await?;
    let (district, block) = (&r.new.district, r.new.block.as_deref());
    if o.require_at(Permission::ViewRequests, district, block)
        .is_err()
    {
        return Err(audit::refuse(&state, &o, "request.view", target, DashError::Forbidden).await);
    }
    audit::record(
        &state,
        (&o).into(),
        "request.view",
        target,
        Outcome::Ok,
        None,
    )
    .await?;
    let mut offer_views = Vec::with_capacity(offers.len());
    for of in &offers {
        let worker = match state.store.get_worker(of.worker_id.0).await {
            Ok(w) => w.data.name,
            Err(StoreError::NotFound | StoreError::Erased) => "—".into(),
            Err(e) => return Err(e.into()),
        };
        offer_views.push(OfferView {
            rank: of.rank,
            worker_id: of.worker_id.0,
            worker,
            status: of.status.as_str(),
            offered: when(of.offered_at),
            answered: of.answered_at.map(when).unwrap_or_default(),
        });
    }
    let lines = state
        .store
        .chat_lines(&r.new.citizen, 200)
        .await?
        .into_iter()
        .map(|l| Line {
            from_bot: matches!(l.said, kaamgar_store::Said::Bot(_)),
            at: when(l.at),
            text: mask_numbers(&kaamgar_app::conversation::shown(&l.said).text),
        })
        .collect();
    Ok(render(&DetailPage {
        chrome: Chrome::new(&o, "requests", &uri),
        message: mask_numbers(&r.new.message),
        rating: r.rating.map(|x| format!("{x}/5")).unwrap_or_default(),
        r: row(&state, &r, &o),
        offers: offer_views,
        lines,
    }))
}
