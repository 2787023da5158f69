//! Workers: search and filter (always inside the official's jurisdiction), and the record-level check that every
//! worker page goes through.

use crate::AppState;
use crate::dashboard::audit;
use crate::dashboard::i18n::{Lang, num, place, source};
use crate::dashboard::session::{Official, urlencode};
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use kaamgar_domain::access::Permission;
use kaamgar_domain::filter::{FilterInput, WorkerFilter};
use kaamgar_domain::worker::Worker;
use kaamgar_store::Page;
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;
/// A search's list says "10,000+" beyond this many matches rather than count them all.
const COUNT_CAP: i64 = 10_000;

/// A list's number of matches: exact (from the maintained counts), or counted on the rows up to the cap.
#[derive(Debug)]
enum Total {
    Exact(i64),
    Capped(i64),
}

impl Total {
    fn text(&self) -> String {
        match *self {
            Total::Capped(n) if n > COUNT_CAP => format!("{}+", num(COUNT_CAP)),
            Total::Capped(n) | Total::Exact(n) => num(n),
        }
    }
}

/// A worker the official may open, or the refusal (recorded in the audit log). Every worker page starts here.
pub async fn in_scope(
    state: &AppState,
    o: &Official,
    id: i64,
    action: &str,
) -> Result<Worker, DashError> {
    let w = state.store.get_worker(id).await?;
    let p = &w.data.place;
    if o.require_at(Permission::ViewWorkers, &p.district, p.block.as_deref())
        .is_ok()
    {
        Ok(w)
    } else {
        Err(audit::refuse(
            state,
            o,
            action,
            Some(format!("worker:{id}")),
            DashError::Forbidden,
        )
        .await)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    trade: Option<String>,
    block: Option<String>,
    availability: Option<String>,
    source: Option<String>,
    verified: Option<String>,
    q: Option<String>,
    after: Option<i64>,
    erased: Option<String>,
}

/// A row of the list; the phone is always masked here.
#[derive(Debug)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub trade: String,
    pub place: String,
    pub availability: &'static str,
    pub verified: bool,
    pub phone: String,
}

#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "workers.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    total: String,
    error: Option<String>,
    trades: Vec<Choice>,
    blocks: Vec<Choice>,
    availability: Vec<Choice>,
    sources: Vec<Choice>,
    verified: Vec<Choice>,
    q: String,
    next: Option<String>,
    erased: bool,
    /// The download of this list, for roles that may take the registry away.
    download: Option<String>,
    /// The form to add one worker, for roles that may.
    can_add: bool,
}

pub fn trade_name(state: &AppState, slug: &str, lang: Lang) -> String {
    state.trades.by_slug(slug).map_or_else(
        || slug.to_string(),
        |t| match lang {
            Lang::Hi => t.name_hi.clone(),
            Lang::En => t.name_en.clone(),
        },
    )
}

/// Every trade as (slug, name in the interface's language), by name.
pub fn trade_options(state: &AppState, lang: Lang) -> Vec<(String, String)> {
    let mut trades: Vec<(String, String)> = state
        .trades
        .all()
        .iter()
        .map(|t| (t.slug.clone(), trade_name(state, &t.slug, lang)))
        .collect();
    trades.sort_by(|a, b| a.1.cmp(&b.1));
    trades
}

/// Choices of a filter's select, the current one (matched without case) selected.
pub fn choices(
    items: impl IntoIterator<Item = (String, String)>,
    current: Option<&str>,
) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: current.is_some_and(|c| c.eq_ignore_ascii_case(&value)),
            value,
            label,
        })
        .collect()
}

pub fn row(state: &AppState, w: &Worker, lang: Lang) -> Row {
    let p = &w.data.place;
    let place = [p.village.as_deref(), p.block.as_deref()]
        .into_iter()
        .flatten()
        .map(|n| place(lang, n))
        .collect::<Vec<_>>()
        .join(", ");
    Row {
        id: w.id,
        name: w.data.name.clone(),
        trade: trade_name(state, &w.data.trade, lang),
        place,
        availability: w.data.availability.as_str(),
        verified: w.verified,
        phone: w.data.phone.masked(),
    }
}

/// The next page of a list: after its last worker, with the same filters.
fn next_href(q: &ListParams, last: i64) -> String {
    match filter_query(q) {
        f if f.is_empty() => format!("/workers?after={last}"),
        f => format!("/workers?after={last}&{f}"),
    }
}

/// The list's filter inside the official's jurisdiction (`None` when it asks for something outside it), or why
/// it cannot be read.
pub fn filter_of(
    state: &AppState,
    o: &Official,
    q: &ListParams,
) -> Result<Option<WorkerFilter>, String> {
    let verified = match q.verified.as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    let input = FilterInput {
        trade: q.trade.as_deref(),
        district: None,
        block: q.block.as_deref(),
        availability: q.availability.as_deref(),
        source: q.source.as_deref(),
        verified,
        search: q.q.as_deref(),
    };
    WorkerFilter::resolve(&state.trades, &state.places, &input)
        .map(|f| o.scope.restrict(f))
        .map_err(|e| e.message)
}

/// The filters of a list as its download link carries them.
pub fn filter_query(q: &ListParams) -> String {
    let mut out = Vec::new();
    for (k, v) in [
        ("trade", &q.trade),
        ("block", &q.block),
        ("availability", &q.availability),
        ("source", &q.source),
        ("verified", &q.verified),
        ("q", &q.q),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            out.push(format!("{k}={}", urlencode(v)));
        }
    }
    out.join("&")
}

pub async fn list(
    State(state): State<AppState>,
    o: Official,
    uri: Uri,
    Query(q): Query<ListParams>,
) -> Result<Response, DashError> {
    o.require(Permission::ViewWorkers)?;
    let lang = o.lang;
    let (filter, error) = match filter_of(&state, &o, &q) {
        Ok(f) => (f, None),
        Err(e) => (None, Some(e)),
    };
    let overview = state.dashboard.stats.get(&state, &o.scope).await?;
    let (rows, total) = match &filter {
        Some(f) => {
            let page = Page {
                after: q.after.unwrap_or(0).max(0),
                limit: PAGE_SIZE,
            };
            // The search keys and counts follow the registry's changes (a background task does most of it); one
            // bounded step first catches what changed a moment ago, and a page is served from the counts as they
            // are if that step cannot run now (another process importing). The total is exact from the
            // maintained counts; a search's is counted on the rows and stops at COUNT_CAP.
            if let Err(e) = state.store.catch_up_index(Some(1)).await {
                tracing::warn!(error = %e, "the search index could not catch up before a list page");
            }
            let (found, total) = tokio::join!(state.store.list_workers(f, page), async {
                match state.store.worker_total(f).await? {
                    Some(n) => Ok(Total::Exact(n)),
                    None => state
                        .store
                        .count_workers_upto(f, COUNT_CAP)
                        .await
                        .map(Total::Capped),
                }
            });
            (found?, total?)
        }
        None => (Vec::new(), Total::Exact(0)),
    };
    let next =
        (rows.len() as i64 == PAGE_SIZE).then(|| next_href(&q, rows.last().map_or(0, |w| w.id)));
    let trades = trade_options(&state, lang);
    let current_trade = filter.as_ref().and_then(|f| f.trade.clone());
    let blocks = overview
        .by_block
        .iter()
        .map(|b| (b.name.clone(), place(lang, &b.name)));
    let page = ListPage {
        chrome: Chrome::new(&o, "workers", &uri),
        rows: rows.iter().map(|w| row(&state, w, lang)).collect(),
        total: total.text(),
        error,
        trades: choices(trades, current_trade.as_deref()),
        blocks: choices(blocks, q.block.as_deref()),
        availability: choices(
            ["available", "busy", "inactive"].map(|a| (a.to_string(), lang.s(a).to_string())),
            q.availability.as_deref(),
        ),
        sources: choices(
            overview
                .sources
                .iter()
                .map(|(s, n)| (s.clone(), format!("{} ({})", source(lang, s), num(*n)))),
            q.source.as_deref(),
        ),
        verified: choices(
            [("yes", "verified"), ("no", "not_verified")]
                .map(|(v, k)| (v.to_string(), lang.s(k).to_string())),
            q.verified.as_deref(),
        ),
        erased: q.erased.is_some(),
        download: o
            .can(Permission::DownloadWorkers)
            .then(|| match filter_query(&q) {
                f if f.is_empty() => "/workers/export.csv".to_string(),
                f => format!("/workers/export.csv?{f}"),
            }),
        can_add: o.can(Permission::EditWorkers),
        q: q.q.unwrap_or_default(),
        next,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::Total;

    #[test]
    fn only_a_counted_search_says_more_than_ten_thousand() {
        assert_eq!(Total::Exact(80_000).text(), "80,000");
        assert_eq!(Total::Capped(10_001).text(), "10,000+");
        assert_eq!(Total::Capped(9_999).text(), "9,999");
    }
}
