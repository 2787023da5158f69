//! Matching as a service: the in-memory index (`kaamgar_domain::matching`) filled from the registry and kept fresh
//! from the store's change sequence — by a follower task and by a catch-up before a query when the last one is older
//! than [`FRESH`] — so several `kaamgar serve` processes on one database agree within a second; and the match use
//! case behind `GET /api/v1/match` and `kaamgar match`: trade and place as people write them, ranked workers out.

/// Why a search could not be made. `Invalid` carries a stable code and a message for the person asking.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(code: &'static str, message: impl Into<String>) -> FindError {
    FindError::Invalid {
        code,
        message: message.into(),
    }
}

use kaamgar_domain::matching::{
    LEAD_MEMORY_SECS, LeadOutcome, MAX_LIMIT, MatchError, MatchIndex, MatchQuery, MatchWorker,
    in_india,
};
use kaamgar_domain::trade::{TradeCatalogue, TradeMatch};
use kaamgar_domain::understand::Understander;
use kaamgar_store::{ChangeCursor, LeadRecord, MatchRow, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// A query catches up with the registry first when the index was last refreshed longer ago than this.
pub const FRESH: Duration = Duration::from_millis(500);
/// Changes read per round trip while catching up.
const PAGE: i64 = 5_000;
/// Offers and answers this many seconds older than the newest one seen are read again on each refresh, so an
/// offer that another server committed a little late (with an earlier time) is still counted, and counted once.
const LEAD_SLACK_SECS: i64 = 120;

/// Which offers the index's fairness has taken in.
#[derive(Debug, Default)]
struct LeadsSeen {
    /// The newest offer or answer time taken in; `None` until the history is first read.
    newest: Option<i64>,
    /// Offers taken in that are still inside the re-read window (offer id → offer time).
    recent: HashMap<i64, i64>,
}

impl LeadsSeen {
    /// Takes in one read of the history that started at `since` (`None`: the first read, everything is new).
    fn apply(&mut self, idx: &mut MatchIndex, since: Option<i64>, records: &[LeadRecord]) -> usize {
        let mut applied = 0;
        for r in records {
            // An offer made before `since` was read by an earlier refresh; it is here for its answer.
            let new_offer =
                since.is_none_or(|s| r.offered_at >= s) && !self.recent.contains_key(&r.offer_id);
            if new_offer {
                idx.record_offer(r.worker_id, r.offered_at);
                self.recent.insert(r.offer_id, r.offered_at);
                applied += 1;
            }
            if let Some(at) = r.refused_at {
                // Taking a refusal in again changes nothing (the latest one counts).
                idx.record_outcome(r.worker_id, LeadOutcome::Declined, at);
            }
            let newest = r.refused_at.map_or(r.offered_at, |a| a.max(r.offered_at));
            self.newest = Some(self.newest.map_or(newest, |n| n.max(newest)));
        }
        if let Some(n) = self.newest {
            self.recent.retain(|_, at| *at >= n - LEAD_SLACK_SECS);
        }
        applied
    }
}

#[derive(Debug)]
pub struct Matcher {
    index: RwLock<MatchIndex>,
    /// The last change applied.
    cursor: Mutex<ChangeCursor>,
    /// Fairness comes from the offers stored, so servers sharing a database, and a restarted one, agree.
    leads: Mutex<LeadsSeen>,
    last_refresh: Mutex<Option<Instant>>,
    /// One refresh at a time; others wait for it rather than read the same changes again.
    refreshing: tokio::sync::Mutex<()>,
    trade_ids: HashMap<String, u16>,
}

impl Matcher {
    /// An empty matcher: the first refresh loads the registry.
    pub fn new(trades: &TradeCatalogue) -> Self {
        Matcher {
            index: RwLock::new(MatchIndex::new()),
            cursor: Mutex::new(ChangeCursor::start()),
            leads: Mutex::new(LeadsSeen::default()),
            last_refresh: Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            trade_ids: trades
                .all()
                .iter()
                .enumerate()
                .map(|(i, t)| (t.slug.clone(), i as u16))
                .collect(),
        }
    }

    /// Applies every change since the last one applied, then the offers and answers since the last ones taken
    /// in. Returns how many worker changes were applied.
    pub async fn refresh(&self, store: &dyn Store) -> Result<usize, StoreError> {
        let _one = self.refreshing.lock().await;
        let mut applied = 0;
        let first_load =
            *self.cursor.lock().unwrap_or_else(|e| e.into_inner()) == ChangeCursor::start();
        loop {
            let from = *self.cursor.lock().unwrap_or_else(|e| e.into_inner());
            let changes = store.match_changes_since(from, PAGE).await?;
            let Some(last) = changes.last() else {
                break;
            };
            {
                let mut idx = self.index.write().unwrap_or_else(|e| e.into_inner());
                for c in &changes {
                    if c.removed {
                        idx.remove(c.id);
                    } else {
                        idx.upsert(&self.worker_of(c));
                    }
                }
            }
            *self.cursor.lock().unwrap_or_else(|e| e.into_inner()) = ChangeCursor {
                seq: last.seq,
                id: last.id,
            };
            applied += changes.len();
            if (changes.len() as i64) < PAGE {
                break;
            }
        }
        if first_load && applied > 0 {
            self.index
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .compact();
        }
        self.refresh_leads(store).await?;
        *self.last_refresh.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        Ok(applied)
    }

    /// Takes in the offers made and answered since the newest one taken in (at the first call, the last
    /// [`LEAD_MEMORY_SECS`] of them).
    async fn refresh_leads(&self, store: &dyn Store) -> Result<usize, StoreError> {
        let since = self
            .leads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .newest
            .map(|n| n - LEAD_SLACK_SECS);
        let records = store.lead_history(since, LEAD_MEMORY_SECS).await?;
        if records.is_empty() {
            return Ok(0);
        }
        let mut idx = self.index.write().unwrap_or_else(|e| e.into_inner());
        Ok(self
            .leads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .apply(&mut idx, since, &records))
    }

    fn worker_of(&self, r: &MatchRow) -> MatchWorker {
        MatchWorker {
            id: r.id,
            lat: r.lat,
            lon: r.lon,
            trades: std::iter::once(&r.trade)
                .chain(&r.other_trades)
                .filter_map(|slug| self.trade_ids.get(slug).copied())
                .collect(),
            available: r.available,
            verified: r.verified,
            certified: r.certified,
            rating: (r.rating_count > 0).then(|| r.rating_sum as f32 / r.rating_count as f32),
            rating_count: r.rating_count.clamp(0, i64::from(u32::MAX)) as u32,
            experience_years: r.experience_years,
        }
    }

    /// Refreshes unless the index was refreshed within [`FRESH`].
    pub async fn ensure_fresh(&self, store: &dyn Store) -> Result<(), StoreError> {
        let stale = self
            .last_refresh
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none_or(|t| t.elapsed() >= FRESH);
        if stale {
            self.refresh(store).await?;
        }
        Ok(())
    }

    /// Keeps the index fresh in the background.
    pub fn spawn_follower(
        self: &Arc<Self>,
        store: Arc<dyn Store>,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = me.refresh(store.as_ref()).await {
                    tracing::warn!(error = %e, "matching index refresh failed; retrying");
                }
            }
        })
    }

    pub fn query(
        &self,
        q: &MatchQuery,
    ) -> Result<kaamgar_domain::matching::MatchAnswer, MatchError> {
        self.index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .query(q)
    }

    /// The best available workers of the trade with this slug near a point (an unknown slug finds nobody).
    pub fn find(
        &self,
        trade: &str,
        lat: f64,
        lon: f64,
        limit: usize,
        now: i64,
    ) -> Result<Vec<kaamgar_domain::matching::MatchResult>, MatchError> {
        let Some(&trade) = self.trade_ids.get(trade) else {
            return Ok(Vec::new());
        };
        let q = MatchQuery {
            trade,
            lat,
            lon,
            limit,
            now,
        };
        Ok(self.query(&q)?.results)
    }

    pub fn len(&self) -> usize {
        self.index.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct MatchParams {
    /// Trade by name (either script, colloquial, misspelt) or NCO-2015 code.
    pub trade: String,
    /// Place: a name (village post office, block, district), a 6-digit PIN, or `lat,lon`.
    pub near: String,
    /// How many workers, 1 to 50 (default 5).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 50))]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchTrade {
    pub slug: String,
    /// NCO-2015 unit group (4 digits).
    pub nco: String,
    /// NCO-2015 occupation where the trade is one occupation of a shared unit group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
    pub name: String,
    pub name_hi: String,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchPlace {
    pub name: String,
    pub district: Option<String>,
    pub state: Option<String>,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchedWorker {
    pub worker_id: i64,
    pub name: String,
    /// Masked: the number is shared only once the worker accepts a lead.
    pub phone: String,
    pub trade: String,
    pub block: Option<String>,
    pub district: String,
    pub distance_km: f64,
    pub secondary_trade: bool,
    pub rating: Option<f32>,
    pub experience_years: Option<u8>,
    pub verified: bool,
    /// Holds a training certificate in force for this trade (ranked first among equals).
    pub certified: bool,
    pub reason: String,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchResponse {
    pub trade: MatchTrade,
    pub near: MatchPlace,
    /// How far the search had to widen, km.
    pub radius_km: f64,
    /// Suitable available workers within that radius.
    pub considered: usize,
    pub results: Vec<MatchedWorker>,
}

/// The match use case, for the API and the CLI. Only workers inside `scope` are returned: a block officer's
/// answer holds the block's workers, even when workers of the next block are nearer.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    store: &dyn Store,
    trades: &TradeCatalogue,
    understander: &Understander,
    matcher: &Matcher,
    p: &MatchParams,
    scope: &kaamgar_domain::access::Scope,
    now: i64,
) -> Result<MatchResponse, FindError> {
    let limit = p.limit.unwrap_or(5);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(invalid(
            "bad_limit",
            format!("limit {limit} is out of range: ask for 1 to {MAX_LIMIT} workers"),
        ));
    }
    let (trade_index, trade) = resolve_trade(trades, &p.trade)?;
    let near = resolve_near(understander, &p.near)?;
    matcher.ensure_fresh(store).await?;
    // Outside the whole area the index is narrowed afterwards, so ask for as many as one answer may hold.
    let everywhere = *scope == kaamgar_domain::access::Scope::All;
    let answer = matcher
        .query(&MatchQuery {
            trade: trade_index,
            lat: near.lat,
            lon: near.lon,
            limit: if everywhere { limit } else { MAX_LIMIT },
            now,
        })
        .map_err(|e| match e {
            MatchError::OutsideIndia { .. } => invalid("place_outside_india", e.to_string()),
            MatchError::Limit(_) => invalid("bad_limit", e.to_string()),
        })?;
    let mut results = Vec::with_capacity(answer.results.len());
    for r in answer.results {
        // A worker removed since the index was read is skipped rather than shown.
        let w = match store.get_worker(r.worker_id).await {
            Ok(w) => w,
            Err(StoreError::NotFound | StoreError::Erased) => continue,
            Err(e) => return Err(e.into()),
        };
        let d = &w.data;
        if !scope.covers(&d.place.district, d.place.block.as_deref()) {
            continue;
        }
        if results.len() == limit {
            break;
        }
        results.push(MatchedWorker {
            worker_id: w.id,
            name: d.name.clone(),
            phone: d.phone.masked(),
            trade: d.trade.clone(),
            block: d.place.block.clone(),
            district: d.place.district.clone(),
            distance_km: r.distance_km,
            secondary_trade: r.secondary_trade,
            rating: r.rating,
            experience_years: r.experience_years,
            verified: r.verified,
            certified: r.certified,
            reason: r.reason,
        });
    }
    Ok(MatchResponse {
        trade,
        near,
        radius_km: answer.radius_km,
        considered: if everywhere {
            answer.considered
        } else {
            results.len()
        },
        results,
    })
}

fn resolve_trade(trades: &TradeCatalogue, text: &str) -> Result<(u16, MatchTrade), FindError> {
    match trades.lookup(text) {
        TradeMatch::Found(t) => {
            let i = trades
                .all()
                .iter()
                .position(|x| x.slug == t.slug)
                .unwrap_or(0) as u16;
            Ok((
                i,
                MatchTrade {
                    slug: t.slug.clone(),
                    nco: t.nco.clone(),
                    occupation: t.occupation.clone(),
                    name: t.name_en.clone(),
                    name_hi: t.name_hi.clone(),
                },
            ))
        }
        TradeMatch::Unknown { suggestions } => {
            let names: Vec<String> = suggestions
                .iter()
                .map(|t| format!("{} ({})", t.name_en, t.name_hi))
                .collect();
            Err(invalid(
                "unknown_trade",
                if names.is_empty() {
                    format!("trade '{}' is not known", text.trim())
                } else {
                    format!(
                        "trade '{}' is not known; closest: {}",
                        text.trim(),
                        names.join(", ")
                    )
                },
            ))
        }
    }
}

/// A place from `lat,lon`, a PIN or a name.
fn resolve_near(u: &Understander, text: &str) -> Result<MatchPlace, FindError> {
    let t = text.trim();
    if let Some((a, b)) = t.split_once([',', ' '])
        && let (Ok(lat), Ok(lon)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>())
    {
        if !lat.is_finite() || !lon.is_finite() || !in_india(lat, lon) {
            return Err(invalid(
                "place_outside_india",
                format!("coordinates {lat},{lon} are outside India"),
            ));
        }
        return Ok(MatchPlace {
            name: format!("{lat:.5},{lon:.5}"),
            district: None,
            state: None,
            lat,
            lon,
        });
    }
    if t.is_empty() {
        return Err(invalid(
            "unknown_place",
            "near is empty: give a place, a PIN or lat,lon",
        ));
    }
    match u.place_of(t) {
        Some(p) => Ok(MatchPlace {
            name: p.name,
            district: Some(p.district),
            state: Some(p.state),
            lat: p.lat,
            lon: p.lon,
        }),
        None => {
            let close = u.place_suggestions(t);
            Err(invalid(
                "unknown_place",
                if close.is_empty() {
                    format!("place '{t}' is not known")
                } else {
                    format!("place '{t}' is not known; closest: {}", close.join(", "))
                },
            ))
        }
    }
}
