//! Service requests for officials: listed inside their jurisdiction, filtered by block, trade, the day they were
//! made and how they turned out; requests still searching an hour after they were made are flagged and counted.

use crate::AppState;
use crate::dashboard::i18n::{day_start, mask_numbers, num, place, when};
use crate::dashboard::registry::{Choice, choices, trade_name, trade_options};
use crate::dashboard::session::{Official, urlencode};
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use kaamgar_domain::access::Permission;
use kaamgar_domain::filter::{FilterInput, WorkerFilter};
use kaamgar_domain::phone::PhoneNumber;
use kaamgar_domain::request::{Outcome, RequestStatus, STALE_AFTER_SECS, is_stale};
use kaamgar_store::{RequestFilter, RequestRow};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    status: Option<String>,
    outcome: Option<String>,
    block: Option<String>,
    trade: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
}

impl ListParams {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    /// The next page: below its last request, with the same filters.
    fn next_href(&self, last: i64) -> String {
        let mut href = format!("/requests?before={last}");
        for (k, v) in [
            ("status", &self.status),
            ("outcome", &self.outcome),
            ("block", &self.block),
            ("trade", &self.trade),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = Self::given(v) {
                href.push_str(&format!("&{k}={}", urlencode(v)));
            }
        }
        href
    }
}

#[derive(Debug)]
pub struct Row {
    pub id: i64,
    pub at: String,
    pub trade: String,
    pub place: String,
    pub status: &'static str,
    pub citizen: String,
    /// Still searching an hour after it was made.
    pub stale: bool,
}

fn citizen(r: &RequestRow) -> String {
    r.new
        .citizen_phone
        .as_deref()
        .and_then(|p| PhoneNumber::parse(p).ok())
        .map_or_else(|| r.new.channel.as_str().to_string(), PhoneNumber::masked)
}

pub fn row(state: &AppState, r: &RequestRow, o: &Official) -> Row {
    Row {
        id: r.id.0,
        at: when(r.created_at),
        trade: trade_name(state, &r.new.trade, o.lang),
        place: match &r.new.block {
            Some(b) if !r.new.place_name.eq_ignore_ascii_case(b) => {
                let named = place(o.lang, &mask_numbers(&r.new.place_name));
                format!("{named}, {}", place(o.lang, b))
            }
            _ => place(o.lang, &mask_numbers(&r.new.place_name)),
        },
        status: r.status.as_str(),
        citizen: citizen(r),
        stale: is_stale(r.status, r.created_at, state.clock.now()),
    }
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    outcomes: Vec<Choice>,
    blocks: Vec<Choice>,
    trades: Vec<Choice>,
    /// Why the filter could not be read.
    error: Option<String>,
    from: String,
    to: String,
    /// Requests still searching an hour after they were made, in the official's jurisdiction.
    stale: String,
    stale_count: i64,
    next: Option<String>,
}

/// The filter the page's parameters ask for, inside the official's jurisdiction (a block outside it finds
/// nothing rather than widening it); the reason when a value is not one kaamgar knows.
fn filter_of(state: &AppState, o: &Official, q: &ListParams) -> Result<RequestFilter, String> {
    let lang = o.lang;
    let bad = |what: &str, v: &str| format!("{} '{v}'", lang.s(what));
    // Trade and block are read the way the worker list reads them (names in either script, small typos).
    let input = FilterInput {
        trade: ListParams::given(&q.trade),
        district: o.scope.district(),
        block: ListParams::given(&q.block),
        ..Default::default()
    };
    let resolved =
        WorkerFilter::resolve(&state.trades, &state.places, &input).map_err(|e| e.message)?;
    let mut f = RequestFilter {
        district: o.scope.district().map(str::to_string),
        block: resolved.block,
        trade: resolved.trade,
        before: Some(q.before.unwrap_or(i64::MAX)),
        ..Default::default()
    };
    let nothing = Some(i64::MIN);
    if let Some(own) = o.scope.block() {
        if f.block
            .as_deref()
            .is_some_and(|b| !b.eq_ignore_ascii_case(own))
        {
            f.created_to = nothing;
        }
        f.block = Some(own.to_string());
    }
    if let Some(s) = ListParams::given(&q.status) {
        f.statuses = vec![RequestStatus::parse(s).ok_or_else(|| bad("err_unknown_status", s))?];
    }
    let now = state.clock.now();
    if let Some(s) = ListParams::given(&q.outcome) {
        let outcome = Outcome::parse(s).ok_or_else(|| bad("err_unknown_outcome", s))?;
        let wanted = outcome.statuses();
        if f.statuses.is_empty() {
            f.statuses = wanted.to_vec();
        } else if !f.statuses.iter().all(|x| wanted.contains(x)) {
            // A status the outcome excludes: nothing is both.
            f.created_to = nothing;
        }
        if outcome == Outcome::Stale {
            // Made at least an hour ago, as `is_stale` says.
            let cut = now - STALE_AFTER_SECS + 1;
            f.created_to = Some(f.created_to.map_or(cut, |t| t.min(cut)));
        }
    }
    if let Some(d) = ListParams::given(&q.from) {
        f.created_from = Some(day_start(d).ok_or_else(|| bad("err_bad_date", d))?);
    }
    if let Some(d) = ListParams::given(&q.to) {
        // The whole of the last day.
        let t = day_start(d).ok_or_else(|| bad("err_bad_date", d))? + 86_400;
        f.created_to = Some(f.created_to.map_or(t, |x| x.min(t)));
    }
    Ok(f)
}

pub async fn list(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Query(q): Query<ListParams>,
) -> Result<Response, DashError> {
    o.require(Permission::ViewRequests)?;
    let (f, error) = match filter_of(&state, &o, &q) {
        Ok(f) => (Some(f), None),
        Err(e) => (None, Some(e)),
    };
    let stale_filter = RequestFilter {
        district: o.scope.district().map(str::to_string),
        block: o.scope.block().map(str::to_string),
        statuses: Outcome::Stale.statuses().to_vec(),
        created_to: Some(state.clock.now() - STALE_AFTER_SECS + 1),
        ..Default::default()
    };
    let (rows, stale_count) = tokio::join!(
        async {
            match &f {
                Some(f) => state.store.list_requests(f, 0, PAGE_SIZE).await,
                None => Ok(Vec::new()),
            }
        },
        state.store.count_requests(&stale_filter)
    );
    let (rows, stale_count) = (rows?, stale_count?);
    let next =
        (rows.len() as i64 == PAGE_SIZE).then(|| q.next_href(rows.last().map_or(0, |r| r.id.0)));
    let lang = o.lang;
    let overview = state.dashboard.stats.get(&state, &o.scope).await?;
    let blocks = overview
        .by_block
        .iter()
        .map(|b| (b.name.clone(), place(lang, &b.name)));
    let trades = trade_options(&state, lang);
    let page = ListPage {
        chrome: Chrome::new(&o, "requests", &uri),
        rows: rows.iter().map(|r| row(&state, r, &o)).collect(),
        statuses: choices(
            RequestStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), lang.s(s.as_str()).to_string())),
            ListParams::given(&q.status),
        ),
        outcomes: choices(
            Outcome::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), lang.s(s.label_key()).to_string())),
            ListParams::given(&q.outcome),
        ),
        blocks: choices(
            blocks,
            f.as_ref()
                .and_then(|f| f.block.as_deref())
                .filter(|_| o.scope.block().is_none()),
        ),
        trades: choices(trades, f.as_ref().and_then(|f| f.trade.as_deref())),
        error,
        from: ListParams::given(&q.from).unwrap_or_default().to_string(),
        to: ListParams::given(&q.to).unwrap_or_default().to_string(),
        stale: num(stale_count),
        stale_count,
        next,
    };
    Ok(render(&page))
}
