//! The overview's figures for one jurisdiction, computed from two grouped queries and cached: a page is served from
//! the cache and a copy older than [`FRESH_SECS`] is refreshed in the background, so no visitor waits for the
//! aggregation once the first copy exists.

use crate::AppState;
use crate::dashboard::DashError;
use kaamgar_domain::access::Scope;
use kaamgar_store::Area;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How old a cached overview may get before it is refreshed.
pub const FRESH_SECS: u64 = 10;
/// Days of requests the overview charts.
pub const DAYS: i64 = 14;
/// India Standard Time, for "today".
const IST_OFFSET: i64 = 5 * 3600 + 1800;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockStat {
    pub district: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub workers: i64,
    pub available: i64,
    pub requests_week: i64,
    pub connected_week: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overview {
    pub computed_at: i64,
    pub workers: i64,
    pub available: i64,
    pub busy: i64,
    pub verified: i64,
    pub self_registered: i64,
    /// Registered themselves and not yet verified by an official.
    pub to_verify: i64,
    /// Sources of the records and their workers, most first.
    pub sources: Vec<(String, i64)>,
    /// Trade slug and workers, most first.
    pub by_trade: Vec<(String, i64)>,
    pub by_block: Vec<BlockStat>,
    /// Workers whose block is not a known block of the district.
    pub no_block: i64,
    pub today: i64,
    pub week: i64,
    pub connected_today: i64,
    pub connected_week: i64,
    /// Median seconds from request to an accepted lead, over the charted days.
    pub median_connect_secs: Option<i64>,
    /// Day start (unix seconds), requests, connected; oldest first.
    pub by_day: Vec<(i64, i64, i64)>,
}

/// Midnight in India at or before `t`.
pub fn day_start(t: i64) -> i64 {
    (t + IST_OFFSET).div_euclid(86_400) * 86_400 - IST_OFFSET
}

/// The districts a scope covers (the service area for a state administrator).
pub fn districts_of(state: &AppState, scope: &Scope) -> Vec<u32> {
    match scope.district() {
        Some(d) => state.places.resolve_district(d).into_iter().collect(),
        None => state.places.area().to_vec(),
    }
}

pub async fn compute(state: &AppState, scope: &Scope) -> Result<Overview, DashError> {
    let now = state.clock.now();
    let area = Area::of(scope);
    let counts = state.store.worker_counts(&area).await?;
    let today = day_start(now);
    let first_day = today - (DAYS - 1) * 86_400;
    let points = state.store.request_points(&area, first_day).await?;

    let mut o = Overview {
        computed_at: now,
        ..Overview::default()
    };
    let mut blocks: Vec<BlockStat> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for d in districts_of(state, scope) {
        let Some(info) = state.places.district(d) else {
            continue;
        };
        for b in state.places.blocks_of(d) {
            if scope
                .block()
                .is_some_and(|x| !x.eq_ignore_ascii_case(&b.name))
            {
                continue;
            }
            index.insert(
                (info.name.to_lowercase(), b.name.to_lowercase()),
                blocks.len(),
            );
            blocks.push(BlockStat {
                district: info.name.clone(),
                name: b.name.clone(),
                lat: b.lat,
                lon: b.lon,
                ..BlockStat::default()
            });
        }
    }
    let district_of_scope = scope.district().map(str::to_lowercase);
    // Requests and workers carry district and block names; within one district the block alone identifies it.
    let find = |block: Option<&str>, index: &HashMap<(String, String), usize>| -> Option<usize> {
        let b = block?.to_lowercase();
        match &district_of_scope {
            Some(d) => index.get(&(d.clone(), b)).copied(),
            None => index.iter().find(|((_, k), _)| *k == b).map(|(_, &i)| i),
        }
    };
    let mut trades: HashMap<String, i64> = HashMap::new();
    let mut sources: HashMap<String, i64> = HashMap::new();
    for c in &counts {
        o.workers += c.count;
        match c.availability.as_str() {
            "available" => o.available += c.count,
            "busy" => o.busy += c.count,
            _ => {}
        }
        if c.verified {
            o.verified += c.count;
        }
        *sources.entry(c.source.clone()).or_default() += c.count;
        if c.source.starts_with("self-registered") {
            o.self_registered += c.count;
            if !c.verified {
                o.to_verify += c.count;
            }
        }
        *trades.entry(c.trade.clone()).or_default() += c.count;
        match find(c.block.as_deref(), &index) {
            Some(i) => {
                blocks[i].workers += c.count;
                if c.availability == "available" {
                    blocks[i].available += c.count;
                }
            }
            None => o.no_block += c.count,
        }
    }
    let mut by_trade: Vec<(String, i64)> = trades.into_iter().collect();
    by_trade.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    o.by_trade = by_trade;
    let mut sources: Vec<(String, i64)> = sources.into_iter().collect();
    sources.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    o.sources = sources;

    let week_start = today - 6 * 86_400;
    let mut days = vec![(0i64, 0i64); DAYS as usize];
    let mut waits = Vec::new();
    for p in &points {
        let connected = p.accepted_at.is_some();
        let day = ((day_start(p.created_at) - first_day) / 86_400).clamp(0, DAYS - 1) as usize;
        days[day].0 += 1;
        if connected {
            days[day].1 += 1;
        }
        if let Some(a) = p.accepted_at {
            waits.push((a - p.created_at).max(0));
        }
        if p.created_at >= today {
            o.today += 1;
            o.connected_today += i64::from(connected);
        }
        if p.created_at >= week_start {
            o.week += 1;
            o.connected_week += i64::from(connected);
            if let Some(i) = find(p.block.as_deref(), &index) {
                blocks[i].requests_week += 1;
                blocks[i].connected_week += i64::from(connected);
            }
        }
    }
    o.by_day = days
        .into_iter()
        .enumerate()
        .map(|(i, (n, c))| (first_day + i as i64 * 86_400, n, c))
        .collect();
    o.median_connect_secs = median(&mut waits);
    o.by_block = blocks;
    Ok(o)
}

fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2
    })
}

#[derive(Debug)]
struct Slot {
    value: Arc<Overview>,
    at: Instant,
    refreshing: bool,
}

/// Overviews by jurisdiction.
#[derive(Debug, Default)]
pub struct StatsCache {
    slots: Mutex<HashMap<String, Slot>>,
}

impl StatsCache {
    pub async fn get(&self, state: &AppState, scope: &Scope) -> Result<Arc<Overview>, DashError> {
        let key = scope.key();
        let cached = {
            let mut slots = self
                .slots
                .lock()
                .map_err(|e| DashError::Internal(e.to_string()))?;
            slots.get_mut(&key).map(|s| {
                let stale = s.at.elapsed().as_secs() >= FRESH_SECS && !s.refreshing;
                if stale {
                    s.refreshing = true;
                }
                (s.value.clone(), stale)
            })
        };
        match cached {
            Some((value, stale)) => {
                if stale {
                    let st = state.clone();
                    let scope = scope.clone();
                    tokio::spawn(async move {
                        let fresh = compute(&st, &scope).await;
                        st.dashboard.stats.put(scope.key(), fresh);
                    });
                }
                Ok(value)
            }
            None => {
                let fresh = compute(state, scope).await?;
                let value = Arc::new(fresh);
                self.put(key, Ok((*value).clone()));
                Ok(value)
            }
        }
    }

    fn put(&self, key: String, fresh: Result<Overview, DashError>) {
        let Ok(mut slots) = self.slots.lock() else {
            return;
        };
        match fresh {
            Ok(o) => {
                slots.insert(
                    key,
                    Slot {
                        value: Arc::new(o),
                        at: Instant::now(),
                        refreshing: false,
                    },
                );
            }
            Err(e) => {
                tracing::warn!(error = ?e, "refreshing the overview failed; the old copy stays");
                if let Some(s) = slots.get_mut(&key) {
                    s.refreshing = false;
                }
            }
        }
    }

    /// Marks every copy stale after a write through the dashboard, so the next visit refreshes it (in the
    /// background, like any stale copy).
    pub fn invalidate(&self) {
        let Some(old) = Instant::now().checked_sub(std::time::Duration::from_secs(FRESH_SECS))
        else {
            return;
        };
        if let Ok(mut slots) = self.slots.lock() {
            for s in slots.values_mut() {
                s.at = old;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_midnight_in_india() {
        // 00:10 in India is 18:40 UTC of the day before.
        let utc_midnight = 20_416 * 86_400;
        let t = utc_midnight + 18 * 3600 + 40 * 60;
        assert_eq!(day_start(t), utc_midnight + 18 * 3600 + 30 * 60);
        assert_eq!(day_start(t - 20 * 60), utc_midnight - 5 * 3600 - 30 * 60);
        assert_eq!(day_start(day_start(t)), day_start(t));
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
    }
}
