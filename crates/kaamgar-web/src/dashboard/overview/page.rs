//! `/`: the sign-in form for a visitor, the overview of their jurisdiction for a signed-in official (workers by
//! trade and block, requests this week, connections, the time to connect, the map).

use super::charts::{self, Both, Columns, HBars, Layout};
use super::map::{self, MapInput, MapView};
use super::stats::{self, Overview};
use crate::AppState;
use crate::dashboard::accounts::SignInPage;
use crate::dashboard::i18n::{Lang, num};
use crate::dashboard::session::{Official, Visitor, safe_next};
use crate::dashboard::{Chrome, DashError, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use kaamgar_domain::access::Permission;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Landing {
    next: Option<String>,
    expired: Option<String>,
}

/// The map's label size in its view box: the stylesheet's `.chart text` size (no inline style passes the CSP).
const MAP_FONT: f64 = 13.0;

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    chrome: Chrome,
    o: Figures,
    trades: Both<HBars>,
    blocks: Both<HBars>,
    days: Both<Columns>,
    map: Both<MapView>,
    /// Every block with its figures: the map's table (and its labels when one had no room).
    block_table: Vec<BlockRow>,
}

#[derive(Debug)]
struct BlockRow {
    name: String,
    workers: String,
    available: String,
    requests_week: String,
}

/// The headline numbers, formatted for reading.
#[derive(Debug)]
struct Figures {
    workers: String,
    available: String,
    busy: String,
    verified: String,
    to_verify: String,
    to_verify_n: i64,
    today: String,
    week: String,
    connected_today: String,
    connected_week: String,
    connect_rate: String,
    median_connect: String,
    no_block: String,
    no_block_n: i64,
    updated: String,
    /// The worker list filtered to self-registered, unverified workers.
    to_verify_href: String,
}

fn figures(o: &Overview, lang: Lang) -> Figures {
    let rate = if o.week > 0 {
        format!("{}%", (o.connected_week * 100 + o.week / 2) / o.week)
    } else {
        "—".into()
    };
    let median = match o.median_connect_secs {
        None => "—".to_string(),
        Some(s) if s < 3600 => format!("{} {}", (s + 30) / 60, lang.s("minutes")),
        Some(s) => format!("{:.1} {}", s as f64 / 3600.0, lang.s("hours")),
    };
    let t = (o.computed_at + 19_800).rem_euclid(86_400);
    Figures {
        workers: num(o.workers),
        available: num(o.available),
        busy: num(o.busy),
        verified: num(o.verified),
        to_verify: num(o.to_verify),
        to_verify_n: o.to_verify,
        today: num(o.today),
        week: num(o.week),
        connected_today: num(o.connected_today),
        connected_week: num(o.connected_week),
        connect_rate: rate,
        median_connect: median,
        no_block: num(o.no_block),
        no_block_n: o.no_block,
        updated: format!("{:02}:{:02}", t / 3600, t % 3600 / 60),
        to_verify_href: match o
            .sources
            .iter()
            .find(|(s, _)| s.starts_with("self-registered"))
        {
            Some((s, _)) => format!(
                "/workers?verified=no&source={}",
                crate::dashboard::session::urlencode(s)
            ),
            None => "/workers?verified=no".into(),
        },
    }
}

pub async fn page(
    State(state): State<AppState>,
    v: Visitor,
    uri: Uri,
    Query(q): Query<Landing>,
) -> Result<Response, DashError> {
    let Some(o) = v.official.clone() else {
        let next = safe_next(q.next.as_deref());
        return Ok(render(&SignInPage {
            lang: v.lang,
            csrf: &v.pre,
            next: &next,
            name: "",
            notice: (v.expired || q.expired.is_some()).then_some("signin_expired"),
            wait_minutes: 0,
        }));
    };
    overview(&state, &o, &uri).await
}

async fn overview(state: &AppState, o: &Official, uri: &Uri) -> Result<Response, DashError> {
    o.require(Permission::ViewOverview)?;
    let ov = state.dashboard.stats.get(state, &o.scope).await?;
    let lang = o.lang;
    let trade_rows: Vec<(String, i64, i64)> = ov
        .by_trade
        .iter()
        .take(10)
        .map(|(slug, n)| {
            let name = state
                .trades
                .by_slug(slug)
                .map_or(slug.clone(), |t| match lang {
                    Lang::Hi => t.name_hi.clone(),
                    Lang::En => t.name_en.clone(),
                });
            (name, *n, 0)
        })
        .collect();
    let mut block_rows: Vec<(String, i64, i64)> = ov
        .by_block
        .iter()
        .map(|b| {
            (
                crate::dashboard::i18n::place(lang, &b.name),
                b.workers,
                b.available,
            )
        })
        .collect();
    block_rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    block_rows.truncate(30);
    let districts = stats::districts_of(state, &o.scope);
    let both = |rows: &[(String, i64, i64)]| Both {
        wide: charts::hbars(rows, Layout::Wide),
        narrow: charts::hbars(rows, Layout::Narrow),
    };
    let input = MapInput {
        places: &state.places,
        districts: &districts,
        blocks: &ov.by_block,
        focus: o.scope.block(),
        lang,
    };
    let mut table: Vec<&stats::BlockStat> = ov.by_block.iter().collect();
    table.sort_by(|a, b| b.workers.cmp(&a.workers).then_with(|| a.name.cmp(&b.name)));
    let page = OverviewPage {
        chrome: Chrome::new(o, "overview", uri),
        o: figures(&ov, lang),
        trades: both(&trade_rows),
        blocks: both(&block_rows),
        days: Both {
            wide: charts::columns(&ov, lang, Layout::Wide),
            narrow: charts::columns(&ov, lang, Layout::Narrow),
        },
        map: Both {
            wide: map::map(&input, 900.0, MAP_FONT),
            narrow: map::map(&input, 330.0, MAP_FONT),
        },
        block_table: table
            .into_iter()
            .map(|b| BlockRow {
                name: crate::dashboard::i18n::place(lang, &b.name),
                workers: num(b.workers),
                available: num(b.available),
                requests_week: num(b.requests_week),
            })
            .collect(),
    };
    Ok(render(&page))
}
