//! The query: candidates within a widening radius, then ranking in two steps (a histogram of distance band and
//! tier, then full keys with fairness only for the groups that can reach the top).

use super::*;

impl MatchIndex {
    /// The best available workers of a trade near a point.
    pub fn query(&self, q: &MatchQuery) -> Result<MatchAnswer, MatchError> {
        if !in_india(q.lat, q.lon) {
            return Err(MatchError::OutsideIndia {
                lat: q.lat,
                lon: q.lon,
            });
        }
        if q.limit == 0 || q.limit > MAX_LIMIT {
            return Err(MatchError::Limit(q.limit));
        }
        // Distances on a local flat projection (within 0.5 % up to 100 km); the exact one only for the answer.
        let kx = 111.32 * q.lat.to_radians().cos();
        let km = |lat: f64, lon: f64| {
            let dy = (lat - q.lat) * 110.57;
            let dx = (lon - q.lon) * kx;
            (dx * dx + dy * dy).sqrt()
        };
        let now = since_epoch(q.now);
        let declined = |s: u32| recently(self.fairness[s as usize].last_decline, now);
        let mut found: Vec<Cand> = Vec::new();
        let mut radius = RADII_KM[0];
        for &r in &RADII_KM {
            radius = r;
            found.clear();
            if r <= FINE_UP_TO_KM {
                let (cy, cx) = cell(q.lat, q.lon, FINE);
                let ry = (r / (FINE * 110.57)).ceil() as i32;
                let rx = (r / (FINE * kx.max(1.0))).ceil() as i32;
                for y in cy - ry..=cy + ry {
                    for x in cx - rx..=cx + rx {
                        let Some(v) = self.fine.get(&(q.trade, y, x)) else {
                            continue;
                        };
                        for e in v.iter().filter(|e| e.available) {
                            let lat = (f64::from(y) + f64::from(e.dlat) / 65_536.0) * FINE;
                            let lon = (f64::from(x) + f64::from(e.dlon) / 65_536.0) * FINE;
                            let d = km(lat, lon);
                            if d <= r {
                                found.push(Cand::new(e.tag, d, e.tier));
                            }
                        }
                    }
                }
            } else {
                let (cy, cx) = cell(q.lat, q.lon, COARSE);
                let ry = (r / (COARSE * 110.57)).ceil() as i32;
                let rx = (r / (COARSE * kx.max(1.0))).ceil() as i32;
                for y in cy - ry..=cy + ry {
                    for x in cx - rx..=cx + rx {
                        for &tag in self.coarse.get(&(q.trade, y, x)).into_iter().flatten() {
                            let slot = &self.slots[(tag & !SECONDARY) as usize];
                            if slot.flags & AVAILABLE == 0 {
                                continue;
                            }
                            let d = km(f64::from(slot.lat), f64::from(slot.lon));
                            if d <= r {
                                found.push(Cand::new(
                                    tag,
                                    d,
                                    tier(slot, tag & SECONDARY == 0 && slot.flags & CERTIFIED != 0),
                                ));
                            }
                        }
                    }
                }
            }
            // Anything outside r is at least in band r / BAND_KM: stop once `limit` rank above that for sure
            // (a recent decline costs a band, so it is checked, lazily, only here).
            let outside = (r / BAND_KM) as u32;
            let mut sure = 0;
            for c in &found {
                if c.band() < outside && c.band() + u32::from(declined(c.slot)) < outside {
                    sure += 1;
                    if sure >= q.limit {
                        break;
                    }
                }
            }
            if sure >= q.limit {
                break;
            }
        }
        let considered = found.len();
        let k = q.limit.min(found.len());
        let results = self
            .top(&found, k, q.now)
            .into_iter()
            .map(|(key, s, sec)| {
                let slot = &self.slots[s as usize];
                let d = haversine_km(q.lat, q.lon, f64::from(slot.lat), f64::from(slot.lon));
                self.result(s, d, sec, &key, q.now)
            })
            .collect();
        Ok(MatchAnswer {
            results,
            radius_km: radius,
            considered,
        })
    }

    /// The best `k` candidates in order. Ranked in two steps: a histogram of (band, tier), known without touching
    /// any worker's record, finds the groups that can reach the top k; only those get their full key (fairness and
    /// declines).
    fn top(&self, found: &[Cand], k: usize, now: i64) -> Vec<(RankKey, u32, bool)> {
        let mut hist = vec![0u32; 64 * TIERS];
        for c in found {
            hist[c.prefix_bucket()] += 1;
        }
        let mut ranked: Vec<(RankKey, u32, bool)> = Vec::new();
        let mut bucket = 0usize;
        let mut sure_above = 0usize;
        while bucket < hist.len() && sure_above < k {
            let n = hist[bucket] as usize;
            if n > 0 {
                let group = found.iter().filter(|c| c.prefix_bucket() == bucket);
                let chosen: Vec<&Cand> = if n > WINDOW.max(k) {
                    let start = self
                        .rotation
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                        .wrapping_mul(WINDOW)
                        % n;
                    group.cycle().skip(start).take(WINDOW.max(k)).collect()
                } else {
                    group.collect()
                };
                for c in chosen {
                    let key = self.rank_key(c.slot, c.d, c.secondary, now);
                    // A decline moves a worker down a band: it may now rank below later groups.
                    if key.band * TIERS as u32 + key.tier <= bucket as u32 {
                        sure_above += 1;
                    }
                    ranked.push((key, c.slot, c.secondary));
                }
            }
            bucket += 1;
        }
        if k < ranked.len() {
            ranked.select_nth_unstable_by(k, |a, b| a.0.cmp(&b.0));
            ranked.truncate(k);
        }
        ranked.sort_unstable_by_key(|a| a.0);
        ranked
    }

    fn rank_key(&self, s: u32, d: f64, secondary: bool, now: i64) -> RankKey {
        let slot = &self.slots[s as usize];
        let f = &self.fairness[s as usize];
        let now = since_epoch(now);
        let band =
            (d / BAND_KM) as u32 + u32::from(secondary) + u32::from(recently(f.last_decline, now));
        let recent = decayed(f.recent, f.last_offer, now);
        RankKey {
            band: band.min(63),
            // The certificate counts for the trade it trains for: the worker's primary one.
            tier: u32::from(tier(slot, !secondary && slot.flags & CERTIFIED != 0)),
            recent_leads: (recent * 4.0).round() as u32,
            last_offer: f.last_offer,
            distance_m: (d * 1000.0) as u32,
            id: slot.id,
        }
    }

    fn result(&self, s: u32, d: f64, secondary: bool, key: &RankKey, now: i64) -> MatchResult {
        let slot = &self.slots[s as usize];
        let f = &self.fairness[s as usize];
        let now = since_epoch(now);
        let mut why = vec![format!("{:.1} km away", d)];
        if secondary {
            why.push("this is their second trade".into());
        }
        why.push("available".into());
        if slot.rating_count > 0 {
            why.push(format!(
                "rated {:.1} by {} customer{}",
                f32::from(slot.rating10) / 10.0,
                slot.rating_count,
                if slot.rating_count == 1 { "" } else { "s" }
            ));
        }
        if slot.experience > 0 {
            why.push(format!("{} years' experience", slot.experience));
        }
        if slot.flags & VERIFIED != 0 {
            why.push("verified".into());
        }
        let certified = !secondary && slot.flags & CERTIFIED != 0;
        if certified {
            why.push("trained and certified in this trade".into());
        }
        if recently(f.last_decline, now) {
            why.push("ranked lower for a recently declined or missed lead".into());
        }
        why.push(if key.recent_leads == 0 {
            "no leads recently".into()
        } else {
            format!(
                "{:.1} leads this week",
                decayed(f.recent, f.last_offer, now)
            )
        });
        // Rotation among equals, visible: when this worker was last offered a lead.
        if f.last_offer > 0 && f.last_offer <= now {
            why.push(format!("last lead {}", ago(now - f.last_offer)));
        }
        MatchResult {
            worker_id: slot.id,
            distance_km: (d * 100.0).round() / 100.0,
            secondary_trade: secondary,
            rating: (slot.rating_count > 0).then(|| f32::from(slot.rating10) / 10.0),
            experience_years: (slot.experience > 0).then_some(slot.experience),
            verified: slot.flags & VERIFIED != 0,
            certified,
            reason: why.join(", "),
        }
    }
}

/// A span of seconds as "3 min ago", "5 h ago", "12 days ago".
fn ago(secs: u32) -> String {
    match secs {
        0..60 => "just now".into(),
        60..7200 => format!("{} min ago", secs / 60),
        7200..172_800 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RankKey {
    band: u32,
    /// Rating, then experience: see [`tier`].
    tier: u32,
    recent_leads: u32,
    last_offer: u32,
    distance_m: u32,
    id: i64,
}

/// A candidate found within the radius.
#[derive(Debug, Clone, Copy)]
struct Cand {
    slot: u32,
    d: f64,
    secondary: bool,
    tier: u8,
}

impl Cand {
    fn new(tag: u32, d: f64, tier: u8) -> Self {
        Cand {
            slot: tag & !SECONDARY,
            d,
            secondary: tag & SECONDARY != 0,
            tier,
        }
    }

    /// Distance band, with a band more for a secondary trade (declines are not known yet).
    fn band(&self) -> u32 {
        (self.d / BAND_KM) as u32 + u32::from(self.secondary)
    }

    fn prefix_bucket(&self) -> usize {
        self.band().min(63) as usize * TIERS + usize::from(self.tier)
    }
}
