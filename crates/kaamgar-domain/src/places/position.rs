//! Where a block lies: its head office, unless GeoNames has misplaced it — then the median of the offices it serves —
//! and, without a head office, the median of its sub-district's offices.

use super::PlaceDirectory;
use crate::gazetteer::{DistrictId, PostOffice, haversine_km};
use crate::text::skeleton;
use std::collections::{HashMap, HashSet};

/// Where a block's position comes from. GeoNames places some head offices far from their area (Nagra's, in Saran,
/// 31 km south across the Ganga), so a head office is left out when none of the offices it serves lies near it
/// while three or more lie near one another; their median stands instead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placed {
    /// The head office (the post office of the block's name), kept; `off_km` from the median of the `offices`
    /// it serves (none when no other office of its PIN area has a position of its own).
    HeadOffice { off_km: Option<f64>, offices: usize },
    /// The median of the cluster's offices; the head office, if any, was `off_km` away and left out.
    Median { off_km: Option<f64>, offices: usize },
    /// No office found: the district's centre.
    District,
}

impl Placed {
    /// How far the head office lies from its cluster's median, when both are known.
    pub fn head_office_off_km(&self) -> Option<f64> {
        match *self {
            Placed::HeadOffice { off_km, .. } => off_km,
            Placed::Median { off_km, .. } => off_km,
            Placed::District => None,
        }
    }
}

/// Offices within this distance of one another count as neighbours when a head office's point is checked.
pub const HEAD_OFFICE_MAX_OFF_KM: f64 = 10.0;

/// A head office is left out only when the offices it serves cluster farther than this from it: nearer, the
/// cluster's own points are as likely to be the misplaced ones.
pub const HEAD_OFFICE_FAR_KM: f64 = 25.0;

impl PlaceDirectory {
    /// A block's position, robust to one misplaced office. The head office is the post office of the block's
    /// name; its cluster is the other offices of its PIN area (the offices it serves). Points that GeoNames gives to
    /// several offices of a district at once (a PIN's or a town's centre standing in for unknown positions) are
    /// not evidence and are left out, as is the head office's own point. The head office stands unless none of those
    /// points lies within [`HEAD_OFFICE_MAX_OFF_KM`] of it while three or more lie that near one another, more
    /// than [`HEAD_OFFICE_FAR_KM`] away; then their median does.
    /// Without a head office, the median of the sub-district's points; with no office at all, the district's
    /// centre. `subs` maps (district, sub-district name key) to sub-districts.
    pub(super) fn block_position(
        &self,
        subs: &HashMap<(DistrictId, String), Vec<u32>>,
        shared: &HashSet<(DistrictId, u64, u64)>,
        d: DistrictId,
        name: &str,
    ) -> (f64, f64, Placed) {
        let key = skeleton(name);
        let head = self.gazetteer.office_with_key(d, &key);
        let in_sub = subs.get(&(d, key)).map(Vec::as_slice).unwrap_or(&[]);
        let bits = |lat: f64, lon: f64| (lat.to_bits(), lon.to_bits());
        let head_point = head.map(|h| bits(h.lat, h.lon));
        // Distinct points of the offices `keep` selects, fallbacks and the head office's own point left out.
        let cluster = |keep: &dyn Fn(&PostOffice) -> bool| {
            let mut seen = HashSet::new();
            let mut points = Vec::new();
            for o in self.gazetteer.offices_in(d).filter(|o| keep(o)) {
                let p = bits(o.lat, o.lon);
                if Some(p) != head_point && !shared.contains(&(d, p.0, p.1)) && seen.insert(p) {
                    points.push((o.lat, o.lon));
                }
            }
            points
        };
        // A head office is checked against the offices it serves; a sub-district (in Uttar Pradesh a whole
        // tehsil) is too wide to outvote it, and stands in only where no head office is known.
        let points = match head {
            Some(h) => cluster(&|o| o.pin == h.pin),
            // Without a head office every office of the sub-district counts, stand-in points too: where most
            // offices share the town's point, the town is where the block's people are.
            None => self
                .gazetteer
                .offices_in(d)
                .filter(|o| in_sub.contains(&o.subdistrict))
                .map(|o| (o.lat, o.lon))
                .collect(),
        };
        let offices = points.len();
        let near = |a: (f64, f64), b: (f64, f64)| {
            haversine_km(a.0, a.1, b.0, b.1) <= HEAD_OFFICE_MAX_OFF_KM
        };
        match head {
            Some(h) => {
                let hp = (h.lat, h.lon);
                // The densest neighbourhood of the offices it serves: the points near the best-supported one.
                let dense: Vec<(f64, f64)> = points
                    .iter()
                    .map(|&p| {
                        points
                            .iter()
                            .copied()
                            .filter(|&q| near(p, q))
                            .collect::<Vec<_>>()
                    })
                    .max_by_key(Vec::len)
                    .unwrap_or_default();
                let alone = !points.iter().any(|&q| near(hp, q));
                let dense_median = median(&dense)
                    .map(|(mlat, mlon)| (mlat, mlon, haversine_km(h.lat, h.lon, mlat, mlon)));
                match dense_median {
                    // Not one office it serves lies near it, while three or more lie near one another, far away:
                    // the head office's point is the misplaced one.
                    Some((mlat, mlon, off_km))
                        if alone && dense.len() >= 3 && off_km > HEAD_OFFICE_FAR_KM =>
                    {
                        let off_km = Some(off_km);
                        let offices = dense.len();
                        (mlat, mlon, Placed::Median { off_km, offices })
                    }
                    _ => {
                        let off_km = median(&points)
                            .map(|(mlat, mlon)| haversine_km(h.lat, h.lon, mlat, mlon));
                        (h.lat, h.lon, Placed::HeadOffice { off_km, offices })
                    }
                }
            }
            None => match median(&points) {
                Some((mlat, mlon)) => {
                    let off_km = None;
                    (mlat, mlon, Placed::Median { off_km, offices })
                }
                None => self
                    .districts
                    .get(&d)
                    .map_or((0.0, 0.0, Placed::District), |i| {
                        (i.lat, i.lon, Placed::District)
                    }),
            },
        }
    }

    /// Points the gazetteer gives to three or more offices of a district: stand-ins for unknown positions.
    pub(super) fn shared_points(&self) -> HashSet<(DistrictId, u64, u64)> {
        let mut count: HashMap<(DistrictId, u64, u64), u32> = HashMap::new();
        for o in &self.gazetteer.offices {
            let d = self.gazetteer.district_of(o);
            *count
                .entry((d, o.lat.to_bits(), o.lon.to_bits()))
                .or_default() += 1;
        }
        count
            .into_iter()
            .filter(|(_, n)| *n >= 3)
            .map(|(k, _)| k)
            .collect()
    }
}

/// The component-wise median of points (the mean of the middle two for an even count); `None` for none.
fn median(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    if points.is_empty() {
        return None;
    }
    let mid = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    Some((
        mid(points.iter().map(|p| p.0).collect()),
        mid(points.iter().map(|p| p.1).collect()),
    ))
}
