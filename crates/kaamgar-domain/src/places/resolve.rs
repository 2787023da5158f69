//! Resolving what people write about a place (district, block, village, PIN) to the directory's districts and
//! blocks and to a point on the map.

use super::{BlockInfo, Place, PlaceDirectory, PlaceError, PlaceQuery, Precision};
use crate::gazetteer::{DistrictId, haversine_km};
use crate::text::{bounded_distance, skeleton, typo_budget};

impl PlaceDirectory {
    /// A district by name (either script, aliases, typos), preferring the service area when names repeat.
    pub fn resolve_district(&self, name: &str) -> Result<DistrictId, PlaceError> {
        let key = skeleton(
            name.trim()
                .trim_end_matches(" district")
                .trim_end_matches(" जिला"),
        );
        let unknown = || PlaceError::UnknownDistrict {
            given: name.trim().to_string(),
            suggestions: self.district_suggestions(&key),
        };
        if key.is_empty() {
            return Err(unknown());
        }
        // Names repeat across India (पटना is Patna in Bihar and Patan in Gujarat): the service area first, then
        // the area's states, then anywhere.
        let pick = |ids: &[DistrictId]| ids.iter().copied().min_by_key(|d| self.nearness(*d));
        if let Some(d) = self.district_keys.get(&key).and_then(|ids| pick(ids)) {
            return Ok(d);
        }
        let budget = typo_budget(key.len());
        let mut best: Vec<(usize, bool, DistrictId)> = self
            .district_keys
            .iter()
            .filter_map(|(k, ids)| {
                bounded_distance(k, &key, budget)
                    .and_then(|x| pick(ids).map(|d| (x, !self.area.contains(&d), d)))
            })
            .collect();
        best.sort();
        best.first().map(|b| b.2).ok_or_else(unknown)
    }

    /// 0 in the service area, 1 in one of its states, 2 elsewhere.
    fn nearness(&self, d: DistrictId) -> u8 {
        if self.area.contains(&d) {
            return 0;
        }
        let state = self.districts.get(&d).map(|i| i.state.as_str());
        let in_area_state = self
            .area
            .iter()
            .any(|a| self.districts.get(a).map(|i| i.state.as_str()) == state);
        if in_area_state { 1 } else { 2 }
    }

    /// Districts to suggest for an unknown name: of the service area's states only, nearest names first, the
    /// area's own districts ahead of the rest.
    fn district_suggestions(&self, key: &str) -> Vec<String> {
        let mut v: Vec<(usize, u8, String)> = self
            .districts
            .iter()
            .filter(|(id, _)| self.area.is_empty() || self.nearness(**id) < 2)
            .filter_map(|(id, d)| {
                bounded_distance(&skeleton(&d.name), key, 3)
                    .map(|x| (x, self.nearness(*id), d.name.clone()))
            })
            .collect();
        v.sort();
        let mut v: Vec<(usize, String)> = v.into_iter().map(|(x, _, n)| (x, n)).collect();
        v.dedup_by(|a, b| a.1 == b.1);
        v.into_iter().take(3).map(|x| x.1).collect()
    }

    /// A block by name within a district.
    pub fn resolve_block(&self, d: DistrictId, name: &str) -> Result<&BlockInfo, PlaceError> {
        let cleaned = strip_block_words(name);
        let key = skeleton(&cleaned);
        let blocks: Vec<&BlockInfo> = self.blocks_of(d).collect();
        if let Some(b) = blocks.iter().find(|b| b.keys.contains(&key)) {
            return Ok(b);
        }
        let budget = typo_budget(key.len());
        let mut scored: Vec<(usize, &BlockInfo)> = blocks
            .iter()
            .filter_map(|b| {
                b.keys
                    .iter()
                    .filter_map(|k| bounded_distance(k, &key, budget.max(3)))
                    .min()
                    .map(|x| (x, *b))
            })
            .collect();
        scored.sort_by_key(|s| s.0);
        // Blocks are suggested from the service area only: a list of the area naming another district by mistake
        // should not be offered that district's blocks.
        if !self.area.is_empty() && !self.area.contains(&d) {
            scored.retain(|s| s.0 <= budget);
        }
        match scored.first() {
            Some((x, b)) if *x <= budget && !key.is_empty() => Ok(b),
            _ => Err(PlaceError::UnknownBlock {
                given: name.trim().to_string(),
                district: self
                    .districts
                    .get(&d)
                    .map(|i| i.name.clone())
                    .unwrap_or_default(),
                suggestions: scored.iter().take(3).map(|s| s.1.name.clone()).collect(),
            }),
        }
    }

    /// Resolves a row's village/panchayat/block/district/PIN to a place with coordinates.
    pub fn resolve(&self, q: &PlaceQuery<'_>) -> Result<Place, PlaceError> {
        let pin = match q.pin.map(str::trim).filter(|p| !p.is_empty()) {
            Some(raw) => Some(self.parse_pin(raw)?),
            None => None,
        };
        let district = match q.district.map(str::trim).filter(|d| !d.is_empty()) {
            Some(name) => self.resolve_district(name)?,
            None => match (pin, self.area.as_slice()) {
                (Some(p), _) => self
                    .pin_district(p)
                    .ok_or_else(|| PlaceError::UnknownPin(p.to_string()))?,
                (None, [only]) => *only,
                (None, []) | (None, _) => self.district_from_block(q.block)?,
            },
        };
        let info = self.districts.get(&district).ok_or(PlaceError::NoPlace)?;
        if let Some(p) = pin
            && let Some(pd) = self.pin_district(p)
            && pd != district
            && self
                .gazetteer
                .by_pin(p)
                .all(|o| self.gazetteer.district_of(o) != district)
        {
            let pin_district = self
                .districts
                .get(&pd)
                .map(|i| i.name.clone())
                .unwrap_or_default();
            return Err(PlaceError::PinOutsideDistrict {
                pin: p,
                pin_district,
                district: info.name.clone(),
            });
        }
        let block = match q.block.map(str::trim).filter(|b| !b.is_empty()) {
            Some(b) => Some(self.resolve_block(district, b)?),
            None => None,
        };
        let village = clean_opt(q.village);
        let village_office = village
            .as_deref()
            .and_then(|v| self.gazetteer.office_named(district, v));
        let (lat, lon, precision) = if let Some(o) = village_office {
            (o.lat, o.lon, Precision::Village)
        } else if let Some((la, lo)) = pin.and_then(|p| self.gazetteer.pin_centroid(p)) {
            (la, lo, Precision::Pin)
        } else if let Some(b) = block {
            (b.lat, b.lon, Precision::Block)
        } else if pin.is_none() && q.block.is_none() && village.is_none() {
            return Err(PlaceError::NoPlace);
        } else {
            (info.lat, info.lon, Precision::District)
        };
        // Without a block column, the nearest block centre of the district stands in.
        let block = block.or_else(|| {
            self.blocks_of(district).min_by(|a, b| {
                haversine_km(lat, lon, a.lat, a.lon)
                    .total_cmp(&haversine_km(lat, lon, b.lat, b.lon))
            })
        });
        Ok(Place {
            village,
            panchayat: clean_opt(q.panchayat),
            block: block.map(|b| b.name.clone()),
            block_lgd: block.and_then(|b| b.lgd_code),
            district: info.name.clone(),
            district_lgd: info.lgd_code,
            state: info.state.clone(),
            pin: pin.or(village_office.map(|o| o.pin)),
            lat: round5(lat),
            lon: round5(lon),
            precision,
        })
    }

    fn district_from_block(&self, block: Option<&str>) -> Result<DistrictId, PlaceError> {
        let Some(b) = block.map(str::trim).filter(|b| !b.is_empty()) else {
            return Err(PlaceError::DistrictNeeded);
        };
        let found: Vec<DistrictId> = self
            .area
            .iter()
            .copied()
            .filter(|&d| self.resolve_block(d, b).is_ok())
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            _ => Err(PlaceError::DistrictNeeded),
        }
    }

    fn parse_pin(&self, raw: &str) -> Result<u32, PlaceError> {
        // A number cell comes out of a spreadsheet as "841301.0".
        let body = raw.trim().strip_suffix(".0").unwrap_or(raw.trim());
        let digits: String = crate::text::to_latin(body)
            .chars()
            .filter(|c| c.is_ascii_digit())
            .collect();
        match digits.parse::<u32>() {
            Ok(p) if digits.len() == 6 && self.gazetteer.by_pin(p).next().is_some() => Ok(p),
            _ => Err(PlaceError::UnknownPin(raw.trim().to_string())),
        }
    }

    fn pin_district(&self, pin: u32) -> Option<DistrictId> {
        let offices: Vec<_> = self.gazetteer.by_pin(pin).collect();
        offices
            .iter()
            .map(|o| self.gazetteer.district_of(o))
            .find(|d| self.area.contains(d))
            .or_else(|| offices.first().map(|o| self.gazetteer.district_of(o)))
    }

    /// The district and block nearest to a point (for "near lat,lon" questions and shared locations).
    /// Whether a place (its district's name and state, as a conversation keeps it) lies in the service area; with
    /// no area set, everywhere is served.
    pub fn serves(&self, district: &str, state: &str) -> bool {
        if self.area.is_empty() {
            return true;
        }
        let (dk, sk) = (skeleton(district), skeleton(state));
        self.area.iter().any(|d| {
            self.districts.get(d).is_some_and(|i| {
                skeleton(&i.name) == dk && (sk.is_empty() || skeleton(&i.state) == sk)
            })
        })
    }

    /// The block of the service area nearest a point, with its distance in km.
    pub fn nearest_in_area(&self, lat: f64, lon: f64) -> Option<(&BlockInfo, f64)> {
        self.area
            .iter()
            .flat_map(|&d| self.blocks_of(d))
            .map(|b| (b, haversine_km(lat, lon, b.lat, b.lon)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    pub fn nearest_block(&self, lat: f64, lon: f64) -> Option<&BlockInfo> {
        let (office, _) = self.gazetteer.nearest(lat, lon)?;
        let d = self.gazetteer.district_of(office);
        self.blocks_of(d).min_by(|a, b| {
            haversine_km(lat, lon, a.lat, a.lon).total_cmp(&haversine_km(lat, lon, b.lat, b.lon))
        })
    }
}

fn strip_block_words(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let mut s = lower.as_str();
    for suffix in [
        " block",
        " prakhand",
        " प्रखंड",
        " प्रखण्ड",
        " ब्लॉक",
        " ब्लाक",
        " (block)",
    ] {
        s = s.strip_suffix(suffix).unwrap_or(s);
    }
    for prefix in ["block ", "prakhand ", "प्रखंड ", "प्रखण्ड "] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    s.to_string()
}

/// Trims, collapses spaces and drops control characters from free text.
fn clean_opt(s: Option<&str>) -> Option<String> {
    s.map(|v| {
        v.split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    })
    .filter(|v| !v.is_empty())
}

fn round5(x: f64) -> f64 {
    (x * 100_000.0).round() / 100_000.0
}
