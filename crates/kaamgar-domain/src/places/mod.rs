//! The place directory: districts and blocks (LGD codes when imported, gazetteer sub-districts otherwise) with
//! coordinates, aliases and the service area, and the resolution of a list row's place to a point on the map.

use crate::gazetteer::{DistrictId, Gazetteer};
use crate::text::{bounded_distance, skeleton, typo_budget};
use serde::{Deserialize, Serialize};

pub mod hindi;
mod position;
mod resolve;
pub use position::{HEAD_OFFICE_FAR_KM, HEAD_OFFICE_MAX_OFF_KM, Placed};
use std::collections::HashMap;

/// One row of the LGD block list, already joined to its district and state names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LgdBlock {
    pub code: u32,
    pub name: String,
    pub district_code: u32,
    pub district_name: String,
    pub state_name: String,
}

/// One row of the LGD district list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LgdDistrict {
    pub code: u32,
    pub name: String,
    pub state_code: u32,
    pub state_name: String,
}

#[derive(Debug, Clone)]
pub struct DistrictInfo {
    pub gazetteer_id: DistrictId,
    pub name: String,
    pub state: String,
    pub lgd_code: Option<u32>,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone)]
pub struct BlockInfo {
    pub name: String,
    pub lgd_code: Option<u32>,
    pub district: DistrictId,
    pub lat: f64,
    pub lon: f64,
    /// How the position was found, for checking it.
    pub placed: Placed,
    keys: Vec<String>,
}

/// What a row or a message says about where someone is.
#[derive(Debug, Clone, Default)]
pub struct PlaceQuery<'a> {
    pub village: Option<&'a str>,
    pub panchayat: Option<&'a str>,
    pub block: Option<&'a str>,
    pub district: Option<&'a str>,
    pub pin: Option<&'a str>,
}

/// How exactly a resolved place's coordinates are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Village,
    Pin,
    Block,
    District,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Village => "village",
            Precision::Pin => "pin",
            Precision::Block => "block",
            Precision::District => "district",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "village" => Precision::Village,
            "pin" => Precision::Pin,
            "block" => Precision::Block,
            "district" => Precision::District,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    pub village: Option<String>,
    pub panchayat: Option<String>,
    pub block: Option<String>,
    pub block_lgd: Option<u32>,
    pub district: String,
    pub district_lgd: Option<u32>,
    pub state: String,
    pub pin: Option<u32>,
    pub lat: f64,
    pub lon: f64,
    pub precision: Precision,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlaceError {
    #[error("unknown district '{given}'{}", suggest(.suggestions))]
    UnknownDistrict {
        given: String,
        suggestions: Vec<String>,
    },
    #[error("unknown block '{given}' in {district}{}", suggest(.suggestions))]
    UnknownBlock {
        given: String,
        district: String,
        suggestions: Vec<String>,
    },
    #[error("PIN '{0}' is not a known 6-digit Indian PIN code")]
    UnknownPin(String),
    #[error("PIN {pin} is in {pin_district}, not in {district}")]
    PinOutsideDistrict {
        pin: u32,
        pin_district: String,
        district: String,
    },
    #[error("no district given and the service area has several; add a district column")]
    DistrictNeeded,
    #[error("no block or PIN given; the place cannot be placed on the map")]
    NoPlace,
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", s.join(", "))
    }
}

#[derive(Debug)]
pub struct PlaceDirectory {
    gazetteer: Gazetteer,
    districts: HashMap<DistrictId, DistrictInfo>,
    district_keys: HashMap<String, Vec<DistrictId>>,
    blocks: Vec<BlockInfo>,
    blocks_by_district: HashMap<DistrictId, Vec<usize>>,
    area: Vec<DistrictId>,
}

impl PlaceDirectory {
    /// Builds the directory. `aliases` is the text of `data/place_aliases.tsv`; `lgd_blocks`/`lgd_districts` are
    /// the imported LGD rows (empty when LGD has not been imported: gazetteer sub-districts then stand in as blocks).
    pub fn new(
        mut gazetteer: Gazetteer,
        aliases: &str,
        lgd_districts: &[LgdDistrict],
        lgd_blocks: &[LgdBlock],
    ) -> Self {
        let alias_rows = parse_aliases(aliases);
        gazetteer.move_subdistricts(&moves(&gazetteer, &alias_rows));
        let mut dir = PlaceDirectory {
            gazetteer,
            districts: HashMap::new(),
            district_keys: HashMap::new(),
            blocks: Vec::new(),
            blocks_by_district: HashMap::new(),
            area: Vec::new(),
        };
        dir.build_districts(lgd_districts);
        for a in alias_rows.iter().filter(|a| a.kind == "district") {
            if let Some(d) = dir.find_district_in_state(&a.state, &a.district) {
                dir.district_keys
                    .entry(skeleton(&a.alias))
                    .or_default()
                    .push(d);
            }
        }
        dir.build_blocks(lgd_blocks);
        for a in alias_rows.iter().filter(|a| a.kind == "block") {
            let Some(d) = dir.find_district_in_state(&a.state, &a.district) else {
                continue;
            };
            let key = skeleton(&a.canonical);
            let idx = dir
                .blocks_by_district
                .get(&d)
                .into_iter()
                .flatten()
                .copied()
                .find(|&b| {
                    dir.blocks[b]
                        .keys
                        .iter()
                        .any(|k| bounded_distance(k, &key, typo_budget(key.len())).is_some())
                });
            if let Some(b) = idx {
                dir.blocks[b].keys.push(skeleton(&a.alias));
            }
        }
        dir
    }

    fn build_districts(&mut self, lgd: &[LgdDistrict]) {
        for (id, d) in self.gazetteer.districts.iter().enumerate() {
            let id = id as DistrictId;
            let Some((lat, lon)) = self.gazetteer.district_centroid(id) else {
                continue;
            };
            let state = self.gazetteer.states[d.state as usize].clone();
            self.district_keys
                .entry(skeleton(&d.name))
                .or_default()
                .push(id);
            self.districts.insert(
                id,
                DistrictInfo {
                    gazetteer_id: id,
                    name: d.name.clone(),
                    state,
                    lgd_code: None,
                    lat,
                    lon,
                },
            );
        }
        for row in lgd {
            let found = self.find_district_in_state(&row.state_name, &row.name);
            if let Some(info) = found.and_then(|d| self.districts.get_mut(&d)) {
                info.lgd_code = Some(row.code);
            }
        }
    }

    fn build_blocks(&mut self, lgd: &[LgdBlock]) {
        let sub_keys = self.subdistrict_keys();
        let shared = self.shared_points();
        let mut covered: HashMap<DistrictId, ()> = HashMap::new();
        for row in lgd {
            let Some(d) = self.find_district_in_state(&row.state_name, &row.district_name) else {
                continue;
            };
            covered.insert(d, ());
            let name = title_case(&row.name);
            let (lat, lon, placed) = self.block_position(&sub_keys, &shared, d, &name);
            self.push_block(BlockInfo {
                keys: vec![skeleton(&name)],
                name,
                lgd_code: Some(row.code),
                district: d,
                lat,
                lon,
                placed,
            });
        }
        // Districts without LGD blocks: the gazetteer's sub-districts stand in (in Bihar they are the blocks).
        let subs: Vec<(DistrictId, String)> = self
            .gazetteer
            .subdistricts
            .iter()
            .filter(|s| !s.name.is_empty() && !covered.contains_key(&s.district))
            .map(|s| (s.district, s.name.clone()))
            .collect();
        for (d, name) in subs {
            let key = skeleton(&name);
            let dup = self
                .blocks_by_district
                .get(&d)
                .into_iter()
                .flatten()
                .any(|&b| self.blocks[b].keys[0] == key);
            if dup || !self.districts.contains_key(&d) {
                continue;
            }
            let (lat, lon, placed) = self.block_position(&sub_keys, &shared, d, &name);
            self.push_block(BlockInfo {
                keys: vec![key],
                name,
                lgd_code: None,
                district: d,
                lat,
                lon,
                placed,
            });
        }
    }

    fn push_block(&mut self, b: BlockInfo) {
        self.blocks_by_district
            .entry(b.district)
            .or_default()
            .push(self.blocks.len());
        self.blocks.push(b);
    }

    fn subdistrict_keys(&self) -> HashMap<(DistrictId, String), Vec<u32>> {
        let mut subs: HashMap<(DistrictId, String), Vec<u32>> = HashMap::new();
        for (i, sd) in self.gazetteer.subdistricts.iter().enumerate() {
            subs.entry((sd.district, skeleton(&sd.name)))
                .or_default()
                .push(i as u32);
        }
        subs
    }

    fn find_district_in_state(&self, state: &str, district: &str) -> Option<DistrictId> {
        let skey = skeleton(state);
        let dkey = skeleton(district);
        let in_state = |d: &DistrictInfo| {
            let k = skeleton(&d.state);
            k == skey || bounded_distance(&k, &skey, typo_budget(skey.len())).is_some()
        };
        let exact = self
            .district_keys
            .get(&dkey)
            .into_iter()
            .flatten()
            .copied()
            .find(|d| self.districts.get(d).is_some_and(in_state));
        exact.or_else(|| {
            self.districts
                .values()
                .filter(|d| in_state(d))
                .filter_map(|d| {
                    bounded_distance(&skeleton(&d.name), &dkey, typo_budget(dkey.len()))
                        .map(|x| (x, d.gazetteer_id))
                })
                .min()
                .map(|(_, id)| id)
        })
    }

    /// Sets the service area from district names (`KAAMGAR_AREA`). Returns the names that were not found.
    pub fn set_area(&mut self, names: &[&str]) -> Vec<String> {
        let mut missing = Vec::new();
        self.area.clear();
        for n in names {
            match self.resolve_district(n) {
                Ok(d) => self.area.push(d),
                Err(_) => missing.push(n.to_string()),
            }
        }
        missing
    }

    pub fn area(&self) -> &[DistrictId] {
        &self.area
    }

    pub fn district(&self, id: DistrictId) -> Option<&DistrictInfo> {
        self.districts.get(&id)
    }

    pub fn blocks_of(&self, d: DistrictId) -> impl Iterator<Item = &BlockInfo> {
        self.blocks_by_district
            .get(&d)
            .into_iter()
            .flatten()
            .map(|&i| &self.blocks[i])
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// Every district name key (names and aliases, folded) with the districts it names.
    pub(crate) fn district_keys(&self) -> impl Iterator<Item = (&str, &[DistrictId])> {
        self.district_keys
            .iter()
            .map(|(k, ids)| (k.as_str(), ids.as_slice()))
    }

    /// Every block with its name keys (name and aliases, folded).
    pub(crate) fn blocks_with_keys(&self) -> impl Iterator<Item = (&BlockInfo, &[String])> {
        self.blocks.iter().map(|b| (b, b.keys.as_slice()))
    }
}

struct AliasRow {
    kind: String,
    state: String,
    district: String,
    canonical: String,
    alias: String,
}

/// The `moved` rows of the aliases: sub-districts GeoNames files under the wrong district (state, the district it
/// files them under, the sub-district's name, the district they belong to), as gazetteer ids.
fn moves(g: &Gazetteer, rows: &[AliasRow]) -> Vec<(u32, DistrictId)> {
    let district = |state: &str, name: &str| {
        let (sk, nk) = (skeleton(state), skeleton(name));
        g.districts.iter().enumerate().find_map(|(i, d)| {
            (skeleton(&d.name) == nk
                && g.states
                    .get(d.state as usize)
                    .is_some_and(|s| skeleton(s) == sk))
            .then_some(i as DistrictId)
        })
    };
    let mut out = Vec::new();
    for r in rows.iter().filter(|r| r.kind == "moved") {
        let (Some(from), Some(to)) = (
            district(&r.state, &r.district),
            district(&r.state, &r.alias),
        ) else {
            continue;
        };
        let key = skeleton(&r.canonical);
        for (i, sd) in g.subdistricts.iter().enumerate() {
            if sd.district == from && skeleton(&sd.name) == key {
                out.push((i as u32, to));
            }
        }
    }
    out
}

fn parse_aliases(text: &str) -> Vec<AliasRow> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 5).then(|| AliasRow {
                kind: f[0].into(),
                state: f[1].into(),
                district: f[2].into(),
                canonical: f[3].into(),
                alias: f[4].into(),
            })
        })
        .collect()
}

/// "MARHAURAH" → "Marhaurah": LGD writes names in capitals.
pub fn title_case(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
