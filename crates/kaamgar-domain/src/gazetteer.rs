//! The all-India gazetteer of post offices (GeoNames, CC BY 4.0): lookups by PIN, by name within a district and
//! nearest to a point. Parsed from the compact text written by `scripts/derive_places.py`; no I/O here.

use crate::text::{bounded_distance, skeleton, typo_budget};
use std::collections::HashMap;

pub type StateId = u32;
pub type DistrictId = u32;
pub type SubDistrictId = u32;

#[derive(Debug, Clone, PartialEq)]
pub struct PostOffice {
    pub pin: u32,
    pub name: String,
    pub subdistrict: SubDistrictId,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone)]
pub struct District {
    pub name: String,
    pub state: StateId,
}

#[derive(Debug, Clone)]
pub struct SubDistrict {
    pub name: String,
    pub district: DistrictId,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("gazetteer line {line}: {reason}")]
pub struct GazetteerError {
    pub line: usize,
    pub reason: String,
}

/// Grid cell size for the nearest-office index, in degrees (about 11 km).
const CELL: f64 = 0.1;

#[derive(Debug, Default)]
pub struct Gazetteer {
    pub states: Vec<String>,
    pub districts: Vec<District>,
    pub subdistricts: Vec<SubDistrict>,
    pub offices: Vec<PostOffice>,
    by_pin: HashMap<u32, Vec<u32>>,
    by_district: HashMap<DistrictId, Vec<u32>>,
    by_name: HashMap<(DistrictId, String), Vec<u32>>,
    /// Name skeletons per district, for typo-tolerant lookups without recomputing keys.
    names: HashMap<DistrictId, Vec<(String, u32)>>,
    grid: HashMap<(i32, i32), Vec<u32>>,
}

impl Gazetteer {
    /// Parses the `S`/`D`/`U`/`P` lines of the compact gazetteer.
    pub fn parse(text: &str) -> Result<Self, GazetteerError> {
        let mut g = Gazetteer::default();
        for (i, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |reason: &str| GazetteerError {
                line: i + 1,
                reason: reason.to_string(),
            };
            let f: Vec<&str> = line.split('\t').collect();
            let num = |k: usize| -> Result<u32, GazetteerError> {
                f.get(k)
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| err("bad number"))
            };
            match f[0] {
                "S" if f.len() == 3 => g.states.push(f[2].to_string()),
                "D" if f.len() == 4 => {
                    let state = num(2)?;
                    if state as usize >= g.states.len() {
                        return Err(err("unknown state id"));
                    }
                    g.districts.push(District {
                        name: f[3].to_string(),
                        state,
                    });
                }
                "U" if f.len() == 4 => {
                    let district = num(2)?;
                    if district as usize >= g.districts.len() {
                        return Err(err("unknown district id"));
                    }
                    g.subdistricts.push(SubDistrict {
                        name: f[3].to_string(),
                        district,
                    });
                }
                "P" if f.len() == 6 => {
                    let subdistrict = num(3)?;
                    if subdistrict as usize >= g.subdistricts.len() {
                        return Err(err("unknown sub-district id"));
                    }
                    let coord = |k: usize| f[k].parse::<f64>().map_err(|_| err("bad coordinate"));
                    g.offices.push(PostOffice {
                        pin: num(1)?,
                        name: f[2].to_string(),
                        subdistrict,
                        lat: coord(4)?,
                        lon: coord(5)?,
                    });
                }
                _ => return Err(err("unrecognised line")),
            }
        }
        g.index();
        Ok(g)
    }

    /// Moves sub-districts (with their post offices) to another district, where GeoNames keeps an older boundary
    /// (Bilhaur, Chaubepur, Ghatampur and Shivrajpur are blocks of Kanpur Nagar, GeoNames files them under Kanpur
    /// Dehat); the lookups are rebuilt.
    pub fn move_subdistricts(&mut self, moves: &[(SubDistrictId, DistrictId)]) {
        if moves.is_empty() {
            return;
        }
        for &(sub, to) in moves {
            if (to as usize) < self.districts.len()
                && let Some(sd) = self.subdistricts.get_mut(sub as usize)
            {
                sd.district = to;
            }
        }
        self.by_pin.clear();
        self.by_district.clear();
        self.by_name.clear();
        self.names.clear();
        self.grid.clear();
        self.index();
    }

    fn index(&mut self) {
        for (i, o) in self.offices.iter().enumerate() {
            let i = i as u32;
            let d = self.subdistricts[o.subdistrict as usize].district;
            self.by_pin.entry(o.pin).or_default().push(i);
            self.by_district.entry(d).or_default().push(i);
            self.by_name
                .entry((d, skeleton(office_base_name(&o.name))))
                .or_default()
                .push(i);
            self.grid.entry(cell(o.lat, o.lon)).or_default().push(i);
        }
        for ((d, key), ids) in &self.by_name {
            self.names
                .entry(*d)
                .or_default()
                .push((key.clone(), ids[0]));
        }
    }

    pub fn district_of(&self, office: &PostOffice) -> DistrictId {
        self.subdistricts[office.subdistrict as usize].district
    }

    pub fn state_name(&self, district: DistrictId) -> &str {
        &self.states[self.districts[district as usize].state as usize]
    }

    /// Post offices sharing a PIN (a PIN covers a head office and its branch offices).
    pub fn by_pin(&self, pin: u32) -> impl Iterator<Item = &PostOffice> {
        self.by_pin
            .get(&pin)
            .into_iter()
            .flatten()
            .map(|&i| &self.offices[i as usize])
    }

    /// Mean position of a PIN's post offices.
    pub fn pin_centroid(&self, pin: u32) -> Option<(f64, f64)> {
        centroid(self.by_pin(pin).map(|o| (o.lat, o.lon)))
    }

    pub fn offices_in(&self, district: DistrictId) -> impl Iterator<Item = &PostOffice> {
        self.by_district
            .get(&district)
            .into_iter()
            .flatten()
            .map(|&i| &self.offices[i as usize])
    }

    /// A post office in `district` by name, exact on the skeleton first, then within a typo budget.
    pub fn office_named(&self, district: DistrictId, name: &str) -> Option<&PostOffice> {
        let key = skeleton(name);
        if key.is_empty() {
            return None;
        }
        if let Some(ids) = self.by_name.get(&(district, key.clone())) {
            return ids.first().map(|&i| &self.offices[i as usize]);
        }
        let budget = typo_budget(key.len());
        if budget == 0 {
            return None;
        }
        self.names
            .get(&district)
            .into_iter()
            .flatten()
            .filter_map(|(k, i)| bounded_distance(&key, k, budget).map(|d| (d, *i)))
            .min_by_key(|(d, _)| *d)
            .map(|(_, i)| &self.offices[i as usize])
    }

    /// The first post office of `district` whose name key (see [`office_base_name`]) is exactly `key`.
    pub fn office_with_key(&self, district: DistrictId, key: &str) -> Option<&PostOffice> {
        self.by_name
            .get(&(district, key.to_string()))
            .and_then(|ids| ids.first())
            .map(|&i| &self.offices[i as usize])
    }

    /// Mean position of the post offices of a district.
    pub fn district_centroid(&self, district: DistrictId) -> Option<(f64, f64)> {
        centroid(self.offices_in(district).map(|o| (o.lat, o.lon)))
    }

    /// The post office nearest to a point, searching grid rings outwards up to about 100 km.
    pub fn nearest(&self, lat: f64, lon: f64) -> Option<(&PostOffice, f64)> {
        let (cy, cx) = cell(lat, lon);
        let mut best: Option<(u32, f64)> = None;
        for ring in 0i32..=10 {
            for dy in -ring..=ring {
                for dx in -ring..=ring {
                    if dy.abs() != ring && dx.abs() != ring {
                        continue;
                    }
                    for &i in self.grid.get(&(cy + dy, cx + dx)).into_iter().flatten() {
                        let o = &self.offices[i as usize];
                        let d = haversine_km(lat, lon, o.lat, o.lon);
                        if best.is_none_or(|(_, bd)| d < bd) {
                            best = Some((i, d));
                        }
                    }
                }
            }
            // Anything in a ring further out is at least `ring` cells away.
            if let Some((_, d)) = best
                && d <= f64::from(ring) * CELL * 111.0 * lat.to_radians().cos().max(0.5)
            {
                break;
            }
        }
        best.map(|(i, d)| (&self.offices[i as usize], d))
    }

    /// Post-office name keys (skeletons of the names without the office-class suffix) with their offices.
    pub(crate) fn office_keys(&self) -> impl Iterator<Item = (DistrictId, &str, &[u32])> {
        self.by_name
            .iter()
            .map(|((d, k), ids)| (*d, k.as_str(), ids.as_slice()))
    }

    /// Districts whose name has this skeleton (several states can share a district name).
    pub fn districts_named(&self, name: &str) -> Vec<DistrictId> {
        let key = skeleton(name);
        (0..self.districts.len() as u32)
            .filter(|&d| skeleton(&self.districts[d as usize].name) == key)
            .collect()
    }
}

/// "Chapra H.O" → "Chapra", "Rajendra College (Saran)" → "Rajendra College": the name people say.
pub fn office_base_name(name: &str) -> &str {
    let mut n = name.trim();
    if let Some(i) = n.find('(') {
        n = n[..i].trim_end();
    }
    for suffix in [
        " H.O", " S.O", " B.O", " HO", " SO", " BO", " H.O.", " S.O.", " B.O.",
    ] {
        if let Some(s) = n.strip_suffix(suffix) {
            n = s.trim_end();
            break;
        }
    }
    n
}

fn cell(lat: f64, lon: f64) -> (i32, i32) {
    ((lat / CELL).floor() as i32, (lon / CELL).floor() as i32)
}

fn centroid(points: impl Iterator<Item = (f64, f64)>) -> Option<(f64, f64)> {
    let (mut n, mut la, mut lo) = (0.0, 0.0, 0.0);
    for (a, b) in points {
        n += 1.0;
        la += a;
        lo += b;
    }
    (n > 0.0).then(|| (la / n, lo / n))
}

/// Great-circle distance in kilometres.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# test\nS\t0\tBihar\nD\t0\t0\tSaran\nU\t0\t0\tMarhaura\nU\t1\t0\tChapra\n\
P\t841418\tMarhaura\t0\t25.97\t84.87\nP\t841301\tChapra\t1\t25.78\t84.73\nP\t841301\tChapra Kutchery\t1\t25.79\t84.74\nP\t841305\tRevelganj S.O\t1\t25.79\t84.64\n";

    #[test]
    fn finds_offices_by_pin_name_and_position() {
        let g = Gazetteer::parse(SAMPLE).unwrap();
        assert_eq!(g.by_pin(841301).count(), 2);
        assert_eq!(g.office_named(0, "marhora").map(|o| o.pin), Some(841418));
        assert_eq!(g.office_named(0, "Chhapra").map(|o| o.pin), Some(841301));
        assert_eq!(g.office_named(0, "Revelganj").map(|o| o.pin), Some(841305));
        assert_eq!(g.office_named(0, "Rivilgunj").map(|o| o.pin), Some(841305));
        let (o, d) = g.nearest(25.96, 84.86).unwrap();
        assert_eq!(o.name, "Marhaura");
        assert!(d < 2.0);
    }

    #[test]
    fn rejects_a_line_pointing_at_an_unknown_district() {
        let err = Gazetteer::parse("S\t0\tBihar\nU\t0\t5\tX\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // Chapra to Patna is about 46 km as the crow flies.
        let d = haversine_km(25.78, 84.73, 25.59, 85.14);
        assert!((40.0..50.0).contains(&d), "{d}");
    }
}
