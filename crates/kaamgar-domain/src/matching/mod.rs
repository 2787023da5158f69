//! Matching: the nearest suitable available workers for a need, fast and fair.
//!
//! The index keeps one compact record per worker and, per trade, two grids holding the workers of that trade
//! (primary or secondary): fine cells of 0.02° (about 2 km) for the first radius, where towns are dense, and coarse
//! cells of 0.2° (about 20 km) for the wider ones, where a rare trade is sparse. A query walks the cells of its trade
//! around the point, so it touches only nearby workers of the right trade; the radius widens in steps (block,
//! district, neighbouring districts) until enough workers are found.
//!
//! Ranking is explainable and deliberately coarse before it is fine: distance *band*, then rating, then
//! experience, and only then fairness (fewest recent leads, longest since the last one) and exact distance. Workers
//! in one band with the same rating and experience are equals, and leads rotate among them. A worker who declined
//! or did not answer recently drops one band for a few days: de-prioritised, not hidden. A secondary trade also
//! costs one band.

use crate::gazetteer::haversine_km;
use serde::Serialize;
use std::collections::HashMap;

mod idmap;
mod query;

use idmap::IdMap;

/// Fine and coarse grid cell sizes, degrees.
const FINE: f64 = 0.02;
const COARSE: f64 = 0.2;
/// Radii up to this many km are searched on the fine grid.
const FINE_UP_TO_KM: f64 = 10.0;
/// Radii tried in turn, km: a village's surroundings, a block, a district, neighbouring districts, a division.
pub const RADII_KM: [f64; 5] = [3.0, 10.0, 30.0, 60.0, 120.0];
/// Width of a distance band, km: workers this close to each other in distance are equally near.
const BAND_KM: f64 = 3.0;
/// Half-life of the recent-leads count, seconds (7 days).
const OFFER_HALF_LIFE: f64 = 7.0 * 86_400.0;
/// How far back the lead history is read when the index is built: 16 half-lives, after which an offer weighs
/// less than 1/65,000 of a fresh one (far below the quarter-lead steps the ranking compares).
pub const LEAD_MEMORY_SECS: i64 = 16 * 7 * 86_400;
/// How long a decline or a missed lead costs a band, seconds (3 days).
const DECLINE_PENALTY_SECS: i64 = 3 * 86_400;
/// Highest number of results a query may ask for.
pub const MAX_LIMIT: usize = 50;

/// What the index needs of a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchWorker {
    pub id: i64,
    pub lat: f64,
    pub lon: f64,
    /// Trade indices (into the catalogue): the primary first.
    pub trades: Vec<u16>,
    pub available: bool,
    pub verified: bool,
    /// Trained and certified in their primary trade (a certificate in force).
    pub certified: bool,
    /// Mean rating 0–5, when rated.
    pub rating: Option<f32>,
    pub rating_count: u32,
    pub experience_years: Option<u8>,
}

/// A worker's record in the index (24 bytes).
#[derive(Debug, Clone, Copy)]
struct Slot {
    id: i64,
    lat: f32,
    lon: f32,
    trade: u16,
    /// Rating in tenths of a star, 0 when unrated.
    rating10: u8,
    rating_count: u8,
    experience: u8,
    /// bit 0 live, bit 1 available, bit 2 verified, bit 3 certified.
    flags: u8,
}

const LIVE: u8 = 1;
const AVAILABLE: u8 = 2;
const VERIFIED: u8 = 4;
const CERTIFIED: u8 = 8;

/// Leads offered to a worker, for fairness (12 bytes; times in seconds since [`EPOCH`]).
#[derive(Debug, Clone, Copy, Default)]
struct Fairness {
    /// Leads offered, decayed with [`OFFER_HALF_LIFE`], as of `last_offer`.
    recent: f32,
    last_offer: u32,
    last_decline: u32,
}

/// 2020-01-01T00:00:00Z: fairness times are kept as u32 seconds after it (good until 2156).
const EPOCH: i64 = 1_577_836_800;

fn since_epoch(now: i64) -> u32 {
    (now - EPOCH).clamp(1, i64::from(u32::MAX)) as u32
}

/// What happened to a lead, as far as fairness is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadOutcome {
    Accepted,
    Declined,
    NoAnswer,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchQuery {
    pub trade: u16,
    pub lat: f64,
    pub lon: f64,
    pub limit: usize,
    /// Unix seconds, for fairness decay.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchResult {
    pub worker_id: i64,
    pub distance_km: f64,
    pub secondary_trade: bool,
    pub rating: Option<f32>,
    pub experience_years: Option<u8>,
    pub verified: bool,
    /// Certified in the trade asked for (a training certificate in force).
    pub certified: bool,
    /// Why this worker, in words.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchAnswer {
    pub results: Vec<MatchResult>,
    /// The radius the search had to widen to, km.
    pub radius_km: f64,
    /// Suitable available workers found within that radius.
    pub considered: usize,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MatchError {
    #[error("coordinates {lat},{lon} are outside India")]
    OutsideIndia { lat: f64, lon: f64 },
    #[error("limit {0} is out of range: ask for 1 to {MAX_LIMIT} workers")]
    Limit(usize),
}

#[derive(Debug, Default)]
pub struct MatchIndex {
    slots: Vec<Slot>,
    fairness: Vec<Fairness>,
    slot_of: IdMap,
    /// (trade, cell y, cell x) → workers on the fine grid, with what the first ranking pass needs, so that a
    /// query in a dense town reads each cell sequentially instead of jumping to every worker's record.
    fine: HashMap<(u16, i32, i32), Vec<Entry>>,
    /// (trade, cell y, cell x) → slots on the coarse grid; the high bit marks a secondary trade.
    coarse: HashMap<(u16, i32, i32), Vec<u32>>,
    /// Rotates the window taken from a very large group of equals (see [`WINDOW`]).
    rotation: std::sync::atomic::AtomicUsize,
    /// Secondary trades, for the workers who have any.
    secondary: HashMap<u32, Vec<u16>>,
    free: Vec<u32>,
}

const SECONDARY: u32 = 1 << 31;

/// A worker in a fine cell (12 bytes): slot (high bit: secondary trade), position within the cell in 1/65536ths,
/// rank tier (rating and experience) and availability.
#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    dlat: u16,
    dlon: u16,
    tier: u8,
    available: bool,
}

/// From a group of more equals than this (one distance band, one rating and experience tier), a rotating window of
/// this many is ranked by fairness: exact among up to 256 equals, rotating beyond.
const WINDOW: usize = 256;

/// Whether a point is within India's bounding box.
pub fn in_india(lat: f64, lon: f64) -> bool {
    (6.0..=37.6).contains(&lat) && (68.0..=97.5).contains(&lon)
}

impl MatchIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds an index from workers (later ones win for a repeated id).
    pub fn build(workers: impl IntoIterator<Item = MatchWorker>) -> Self {
        let mut idx = MatchIndex::new();
        for w in workers {
            idx.upsert(&w);
        }
        idx.compact();
        idx
    }

    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.len() == 0
    }

    /// Gives back the spare capacity of growing vectors (after a build or a large batch of changes).
    pub fn compact(&mut self) {
        for v in self.fine.values_mut() {
            v.shrink_to_fit();
        }
        for v in self.coarse.values_mut() {
            v.shrink_to_fit();
        }
        self.fine.shrink_to_fit();
        self.coarse.shrink_to_fit();
        self.slots.shrink_to_fit();
        self.fairness.shrink_to_fit();
        self.slot_of.dense.shrink_to_fit();
    }

    /// Adds or replaces a worker. Workers without a usable position or trade are kept out.
    pub fn upsert(&mut self, w: &MatchWorker) {
        self.remove(w.id);
        if w.trades.is_empty() || !in_india(w.lat, w.lon) {
            return;
        }
        let slot = Slot {
            id: w.id,
            lat: w.lat as f32,
            lon: w.lon as f32,
            trade: w.trades[0],
            rating10: w
                .rating
                .map_or(0, |r| (r.clamp(0.0, 5.0) * 10.0).round() as u8),
            rating_count: w.rating_count.min(255) as u8,
            experience: w.experience_years.unwrap_or(0),
            flags: LIVE
                | if w.available { AVAILABLE } else { 0 }
                | if w.verified { VERIFIED } else { 0 }
                | if w.certified { CERTIFIED } else { 0 },
        };
        let s = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = slot;
                s
            }
            None => {
                self.slots.push(slot);
                self.fairness.push(Fairness::default());
                (self.slots.len() - 1) as u32
            }
        };
        let mut others: Vec<u16> = Vec::new();
        for &t in &w.trades[1..] {
            if t != slot.trade && !others.contains(&t) {
                others.push(t);
            }
        }
        let (lat, lon) = (f64::from(slot.lat), f64::from(slot.lon));
        let (fy, fx) = cell(lat, lon, FINE);
        let (cy, cx) = cell(lat, lon, COARSE);
        let within =
            |v: f64, c: i32| ((v / FINE - f64::from(c)) * 65_536.0).clamp(0.0, 65_535.0) as u16;
        for (i, t) in std::iter::once(slot.trade)
            .chain(others.iter().copied())
            .enumerate()
        {
            let tag = if i == 0 { s } else { s | SECONDARY };
            self.fine.entry((t, fy, fx)).or_default().push(Entry {
                tag,
                dlat: within(lat, fy),
                dlon: within(lon, fx),
                tier: tier(&slot, i == 0 && slot.flags & CERTIFIED != 0),
                available: slot.flags & AVAILABLE != 0,
            });
            self.coarse.entry((t, cy, cx)).or_default().push(tag);
        }
        if !others.is_empty() {
            self.secondary.insert(s, others);
        }
        self.slot_of.insert(w.id, s);
    }

    /// Removes a worker (no-op when absent).
    pub fn remove(&mut self, id: i64) {
        let Some(s) = self.slot_of.remove(id) else {
            return;
        };
        let slot = self.slots[s as usize];
        let others = self.secondary.remove(&s).unwrap_or_default();
        let (lat, lon) = (f64::from(slot.lat), f64::from(slot.lon));
        let (fy, fx) = cell(lat, lon, FINE);
        let (cy, cx) = cell(lat, lon, COARSE);
        for t in std::iter::once(slot.trade).chain(others) {
            if let Some(v) = self.fine.get_mut(&(t, fy, fx)) {
                v.retain(|e| e.tag & !SECONDARY != s);
                if v.is_empty() {
                    self.fine.remove(&(t, fy, fx));
                }
            }
            if let Some(v) = self.coarse.get_mut(&(t, cy, cx)) {
                v.retain(|&x| x & !SECONDARY != s);
                if v.is_empty() {
                    self.coarse.remove(&(t, cy, cx));
                }
            }
        }
        self.slots[s as usize].flags = 0;
        self.fairness[s as usize] = Fairness::default();
        self.free.push(s);
    }

    /// Marks a worker available or not (busy, inactive) without touching anything else.
    pub fn set_available(&mut self, id: i64, available: bool) {
        let Some(s) = self.slot_of.get(id) else {
            return;
        };
        let slot = &mut self.slots[s as usize];
        slot.flags = if available {
            slot.flags | AVAILABLE
        } else {
            slot.flags & !AVAILABLE
        };
        let slot = *slot;
        let (fy, fx) = cell(f64::from(slot.lat), f64::from(slot.lon), FINE);
        let others = self.secondary.get(&s).cloned().unwrap_or_default();
        for t in std::iter::once(slot.trade).chain(others) {
            for e in self.fine.get_mut(&(t, fy, fx)).into_iter().flatten() {
                if e.tag & !SECONDARY == s {
                    e.available = available;
                }
            }
        }
    }

    /// Records that a lead was offered to a worker at `at`. Offers may arrive out of order (several servers write
    /// them): an earlier one adds its decayed weight as of the latest, so the order of arrival does not matter.
    pub fn record_offer(&mut self, id: i64, at: i64) {
        if let Some(s) = self.slot_of.get(id) {
            let f = &mut self.fairness[s as usize];
            let at = since_epoch(at);
            if at >= f.last_offer {
                f.recent = decayed(f.recent, f.last_offer, at) + 1.0;
                f.last_offer = at;
            } else {
                f.recent += decayed(1.0, at, f.last_offer);
            }
        }
    }

    /// Records how a lead ended: a decline or a missed lead de-prioritises the worker for a few days.
    pub fn record_outcome(&mut self, id: i64, outcome: LeadOutcome, now: i64) {
        if let Some(s) = self.slot_of.get(id)
            && outcome != LeadOutcome::Accepted
        {
            let f = &mut self.fairness[s as usize];
            f.last_decline = f.last_decline.max(since_epoch(now));
        }
    }

    /// Approximate heap bytes held by the index, per worker.
    pub fn bytes_per_worker(&self) -> f64 {
        let cells = self
            .fine
            .values()
            .map(|v| v.capacity() * std::mem::size_of::<Entry>() + 16)
            .sum::<usize>()
            + self.fine.capacity() * 37
            + self
                .coarse
                .values()
                .map(|v| v.capacity() * 4 + 16)
                .sum::<usize>()
            + self.coarse.capacity() * 37;
        let secondary: usize = self
            .secondary
            .values()
            .map(|v| v.capacity() * 2 + 24)
            .sum::<usize>()
            + self.secondary.capacity() * 4;
        let total = self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.fairness.capacity() * std::mem::size_of::<Fairness>()
            + self.slot_of.heap_bytes()
            + cells
            + secondary;
        total as f64 / self.len().max(1) as f64
    }
}

/// Ranks within a distance band: `tier` is below this.
const TIERS: usize = 128;

/// The rank within a distance band, lower is better: half stars first (unrated workers sit at 3 stars, between
/// poorly and well rated ones), then a training certificate in the trade, then experience in four steps. 0–87.
fn tier(slot: &Slot, certified: bool) -> u8 {
    let rating = 10
        - if slot.rating_count == 0 {
            6
        } else {
            u32::from(slot.rating10) / 5
        };
    (rating * 8 + if certified { 0 } else { 4 } + (3 - experience_step(slot.experience))) as u8
}

fn experience_step(years: u8) -> u32 {
    match years {
        0..=1 => 0,
        2..=4 => 1,
        5..=9 => 2,
        _ => 3,
    }
}

fn decayed(value: f32, since: u32, now: u32) -> f32 {
    if value == 0.0 || now <= since {
        return value;
    }
    value * (0.5f64.powf(f64::from(now - since) / OFFER_HALF_LIFE)) as f32
}

/// Whether a decline at `at` still costs a band at `now`.
fn recently(at: u32, now: u32) -> bool {
    at > 0 && i64::from(now) - i64::from(at) < DECLINE_PENALTY_SECS
}

fn cell(lat: f64, lon: f64, size: f64) -> (i32, i32) {
    ((lat / size).floor() as i32, (lon / size).floor() as i32)
}

#[cfg(test)]
mod tests;
