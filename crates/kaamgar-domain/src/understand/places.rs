//! Place names as people write them in a message: every district (and its aliases), block and post office of
//! India by phonetic key, and the service area's names also within a typo budget.
//!
//! Built at every start, so it is built cheaply: the post-office keys come ready from the gazetteer, names are
//! kept in one text arena, and keys are stored as 64-bit hashes in one sorted array (no allocation per office).

use super::fuzzy::FuzzyIndex;
use crate::gazetteer::{DistrictId, office_base_name};
use crate::places::PlaceDirectory;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    District,
    Block,
    PostOffice,
    Pin,
}

impl PlaceKind {
    /// How narrowly the kind places someone, for choosing between places of one name.
    pub(crate) fn specificity(self) -> f32 {
        match self {
            PlaceKind::District => 0.0,
            PlaceKind::PostOffice => 0.2,
            PlaceKind::Block => 0.3,
            PlaceKind::Pin => 0.5,
        }
    }
}

/// A range of the name arena.
pub(crate) type Text = (u32, u32);

#[derive(Debug, Clone)]
pub(crate) struct PlaceEntry {
    pub name: Text,
    pub kind: PlaceKind,
    pub block: Option<Text>,
    pub district: DistrictId,
    pub pin: Option<u32>,
    pub lat: f32,
    pub lon: f32,
    /// Words in the name: a run of that many words in a message may name it.
    pub words: u8,
}

#[derive(Debug, Default)]
pub(crate) struct PlaceIndex {
    pub entries: Vec<PlaceEntry>,
    arena: String,
    /// (hash of key, entry), sorted.
    keys: Vec<(u64, u32)>,
    fuzzy: FuzzyIndex,
    /// A PIN's place: the mean of its offices, in the district most of them are in.
    pub pins: HashMap<u32, PlaceEntry>,
    pub area: Vec<DistrictId>,
    /// Centres of the service area's districts.
    pub area_points: Vec<(f64, f64)>,
}

impl PlaceIndex {
    pub fn build(dir: &PlaceDirectory) -> Self {
        let g = dir.gazetteer();
        let mut idx = PlaceIndex {
            area: dir.area().to_vec(),
            area_points: dir
                .area()
                .iter()
                .filter_map(|&d| dir.district(d).map(|i| (i.lat, i.lon)))
                .collect(),
            arena: String::with_capacity(4 << 20),
            entries: Vec::with_capacity(g.offices.len() + 10_000),
            keys: Vec::with_capacity(g.offices.len() + 20_000),
            ..Default::default()
        };
        let mut typo_keys: Vec<&str> = Vec::new();
        // Entries go in a fixed order (the directories are hash maps): places of equal score are then chosen
        // the same way in every run.
        let mut district_keys: Vec<(&str, &[DistrictId])> = dir.district_keys().collect();
        district_keys.sort_unstable_by_key(|&(k, _)| k);
        for (key, ids) in district_keys {
            for &d in ids {
                let Some(info) = dir.district(d) else {
                    continue;
                };
                let name = idx.text(&info.name);
                idx.push(
                    key,
                    PlaceEntry {
                        name,
                        kind: PlaceKind::District,
                        block: None,
                        district: d,
                        pin: None,
                        lat: info.lat as f32,
                        lon: info.lon as f32,
                        words: word_count(&info.name),
                    },
                );
                typo_keys.push(key);
            }
        }
        for (b, keys) in dir.blocks_with_keys() {
            let name = idx.text(&b.name);
            for key in keys {
                idx.push(
                    key,
                    PlaceEntry {
                        name,
                        kind: PlaceKind::Block,
                        block: Some(name),
                        district: b.district,
                        pin: None,
                        lat: b.lat as f32,
                        lon: b.lon as f32,
                        words: word_count(&b.name),
                    },
                );
                if idx.in_area(b.district) {
                    typo_keys.push(key);
                }
            }
        }
        let subdistricts: Vec<Option<Text>> = g
            .subdistricts
            .iter()
            .map(|s| (!s.name.is_empty()).then(|| idx.text(&s.name)))
            .collect();
        let mut office_keys: Vec<(DistrictId, &str, &[u32])> = g.office_keys().collect();
        office_keys.sort_unstable_by_key(|&(d, k, _)| (d, k));
        for (d, key, offices) in office_keys {
            // One entry per name and district: offices of one name in one district are one place to a reader.
            let Some(&first) = offices.first() else {
                continue;
            };
            let o = &g.offices[first as usize];
            let base = office_base_name(&o.name);
            let name = idx.text(base);
            idx.push(
                key,
                PlaceEntry {
                    name,
                    kind: PlaceKind::PostOffice,
                    block: subdistricts[o.subdistrict as usize],
                    district: d,
                    pin: Some(o.pin),
                    lat: o.lat as f32,
                    lon: o.lon as f32,
                    words: word_count(base),
                },
            );
            if idx.in_area(d) {
                typo_keys.push(key);
            }
        }
        idx.build_pins(dir, &subdistricts);
        idx.keys.sort_unstable();
        typo_keys.sort_unstable();
        typo_keys.dedup();
        let mut fuzzy = FuzzyIndex::default();
        for k in typo_keys {
            fuzzy.insert(k);
        }
        idx.fuzzy = fuzzy;
        idx
    }

    fn build_pins(&mut self, dir: &PlaceDirectory, subdistricts: &[Option<Text>]) {
        let g = dir.gazetteer();
        let mut by_pin: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, o) in g.offices.iter().enumerate() {
            by_pin.entry(o.pin).or_default().push(i as u32);
        }
        for (pin, offices) in by_pin {
            let (mut n, mut la, mut lo) = (0.0, 0.0, 0.0);
            let mut votes: Vec<(DistrictId, usize, u32)> = Vec::new();
            for &i in &offices {
                let o = &g.offices[i as usize];
                n += 1.0;
                la += o.lat;
                lo += o.lon;
                let d = g.district_of(o);
                match votes.iter_mut().find(|v| v.0 == d) {
                    Some(v) => v.1 += 1,
                    None => votes.push((d, 1, i)),
                }
            }
            votes.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
            // Named after its head office (or sub office) when it has one: 841301 is "Chapra".
            let rank = |i: u32| {
                let n = g.offices[i as usize].name.trim_end_matches('.');
                if n.ends_with("H.O") {
                    0
                } else if n.ends_with("S.O") {
                    1
                } else {
                    2
                }
            };
            let head = offices
                .iter()
                .copied()
                .filter(|&i| g.district_of(&g.offices[i as usize]) == votes[0].0)
                .min_by_key(|&i| (rank(i), i))
                .unwrap_or(votes[0].2);
            let o = &g.offices[head as usize];
            let base = office_base_name(&o.name);
            let name = self.text(base);
            self.pins.insert(
                pin,
                PlaceEntry {
                    name,
                    kind: PlaceKind::Pin,
                    block: subdistricts[o.subdistrict as usize],
                    district: votes[0].0,
                    pin: Some(pin),
                    lat: (la / n) as f32,
                    lon: (lo / n) as f32,
                    words: 1,
                },
            );
        }
    }

    fn text(&mut self, s: &str) -> Text {
        let start = self.arena.len() as u32;
        self.arena.push_str(s);
        (start, self.arena.len() as u32)
    }

    pub fn name(&self, t: Text) -> &str {
        &self.arena[t.0 as usize..t.1 as usize]
    }

    fn push(&mut self, key: &str, entry: PlaceEntry) {
        if key.is_empty() {
            return;
        }
        let id = self.entries.len() as u32;
        self.entries.push(entry);
        self.keys.push((key_hash(key), id));
    }

    /// Entries whose key is `key` and whose name has at least `words` words (a run of two words in a message is
    /// not a one-word place: "hu kanpur" is not "Hukampura").
    pub fn exact(&self, key: &str, words: usize) -> Vec<u32> {
        let h = key_hash(key);
        let start = self.keys.partition_point(|&(k, _)| k < h);
        self.keys[start..]
            .iter()
            .take_while(|&&(k, _)| k == h)
            .map(|&(_, id)| id)
            .filter(|&id| usize::from(self.entries[id as usize].words) >= words)
            .collect()
    }

    /// Entries whose key is within the typo budget of `key`, only the closest keys.
    pub fn fuzzy(&self, key: &str) -> Vec<u32> {
        let found = self.fuzzy.lookup(key);
        let Some(&(best, _)) = found.first() else {
            return Vec::new();
        };
        found
            .iter()
            .take_while(|(d, _)| *d == best)
            .flat_map(|(_, k)| self.exact(k, 1))
            .filter(|&i| {
                let e = &self.entries[i as usize];
                e.kind == PlaceKind::District || self.in_area(e.district)
            })
            .collect()
    }

    /// Kilometres from the nearest centre of a service-area district (0 without an area).
    pub fn km_from_area(&self, lat: f64, lon: f64) -> f64 {
        if self.area_points.is_empty() {
            return 0.0;
        }
        self.area_points
            .iter()
            .map(|&(a, b)| crate::gazetteer::haversine_km(lat, lon, a, b))
            .fold(f64::INFINITY, f64::min)
    }

    pub fn in_area(&self, d: DistrictId) -> bool {
        self.area.contains(&d)
    }

    pub fn fuzzy_len(&self) -> usize {
        self.fuzzy.len()
    }
}

fn word_count(name: &str) -> u8 {
    name.split(|c: char| c.is_whitespace() || c == '-' || c == '.')
        .filter(|w| !w.is_empty())
        .count()
        .min(255) as u8
}

/// FNV-1a, 64 bits: keys are the project's own place names, so a fixed, fast hash is enough; two keys sharing a
/// hash would only merge two candidate lists, which the scoring then sorts out.
fn key_hash(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
