//! Chart and map geometry for the SVG the templates draw: the server decides every coordinate, the browser only
//! renders (and shapes the Devanagari labels). Nothing here writes markup.

use super::stats::{BlockStat, Overview};
use crate::dashboard::i18n::{Lang, num};
use kaamgar_domain::gazetteer::Gazetteer;

/// A horizontal bar chart: one row per label, the main bar and an inner bar (a part of it, e.g. available).
#[derive(Debug, Clone)]
pub struct HBars {
    pub height: u32,
    pub rows: Vec<HBar>,
}

#[derive(Debug, Clone)]
pub struct HBar {
    pub label: String,
    pub value: String,
    pub y: u32,
    pub w: u32,
    pub inner: u32,
}

/// Bars start at x = 170 (after the label; see `charts.html`); their longest length and row height, in the
/// 600-unit-wide view box.
const BAR_MAX: u32 = 330;
const ROW_H: u32 = 26;

pub fn hbars(rows: &[(String, i64, i64)]) -> HBars {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let scale = |v: i64| ((v.max(0) as f64 / max as f64) * f64::from(BAR_MAX)).round() as u32;
    HBars {
        height: (rows.len() as u32).max(1) * ROW_H + 4,
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, (label, v, inner))| HBar {
                label: label.chars().take(24).collect(),
                value: num(*v),
                y: i as u32 * ROW_H + 2,
                w: scale(*v).max(u32::from(*v > 0)),
                inner: scale(*inner),
            })
            .collect(),
    }
}

/// Requests per day as columns, with the connected part drawn inside.
#[derive(Debug, Clone)]
pub struct Columns {
    pub cols: Vec<Column>,
    pub max_label: String,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub x: u32,
    pub w: u32,
    pub y: u32,
    pub h: u32,
    pub y2: u32,
    pub h2: u32,
    pub label: String,
    pub title: String,
}

/// Plot height of the column chart (the view box is 600 × 180, with labels below).
const PLOT_H: f64 = 140.0;

pub fn columns(o: &Overview, lang: Lang) -> Columns {
    let max = o.by_day.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    let n = o.by_day.len().max(1) as u32;
    let slot = 600 / n;
    let h = |v: i64| ((v as f64 / max as f64) * PLOT_H).round() as u32;
    let cols = o
        .by_day
        .iter()
        .enumerate()
        .map(|(i, &(day, total, connected))| {
            let (hh, h2) = (h(total), h(connected));
            Column {
                x: i as u32 * slot + 4,
                w: slot.saturating_sub(8),
                y: 150 - hh,
                h: hh,
                y2: 150 - h2,
                h2,
                label: day_label(day),
                title: format!(
                    "{}: {} {}, {} {}",
                    day_label(day),
                    num(total),
                    lang.s("requests"),
                    num(connected),
                    lang.s("connected")
                ),
            }
        })
        .collect();
    Columns {
        cols,
        max_label: num(max),
    }
}

/// Day and month of a day start in India ("24/11").
fn day_label(day_start: i64) -> String {
    let days = (day_start + 19_800).div_euclid(86_400);
    let (_, m, d) = civil_from_days(days);
    format!("{d}/{m}")
}

/// Gregorian date from days since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The map: post offices as faint dots (they draw the district's shape) and one circle per block, its area
/// proportional to the workers there, with a ring for the week's requests.
#[derive(Debug, Clone)]
pub struct MapView {
    pub width: u32,
    pub height: u32,
    pub dots: Vec<(u32, u32)>,
    pub blocks: Vec<MapBlock>,
}

#[derive(Debug, Clone)]
pub struct MapBlock {
    pub x: u32,
    pub y: u32,
    pub r: u32,
    pub ring: u32,
    pub label: String,
    pub title: String,
}

pub fn map(gaz: &Gazetteer, districts: &[u32], blocks: &[BlockStat], lang: Lang) -> MapView {
    let offices: Vec<(f64, f64)> = districts
        .iter()
        .flat_map(|&d| gaz.offices_in(d).map(|o| (o.lat, o.lon)))
        .chain(blocks.iter().map(|b| (b.lat, b.lon)))
        .collect();
    let (width, pad) = (600.0_f64, 24.0_f64);
    if offices.is_empty() {
        return MapView {
            width: 600,
            height: 300,
            dots: Vec::new(),
            blocks: Vec::new(),
        };
    }
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (90.0_f64, -90.0_f64, 180.0_f64, -180.0_f64);
    for &(la, lo) in &offices {
        lat0 = lat0.min(la);
        lat1 = lat1.max(la);
        lon0 = lon0.min(lo);
        lon1 = lon1.max(lo);
    }
    // Equirectangular, with longitude shortened by the cosine of the middle latitude.
    let k = ((lat0 + lat1) / 2.0).to_radians().cos();
    let span_x = ((lon1 - lon0) * k).max(0.01);
    let span_y = (lat1 - lat0).max(0.01);
    let scale = (width - 2.0 * pad) / span_x;
    let height = (span_y * scale + 2.0 * pad).clamp(200.0, 700.0);
    let scale = scale.min((height - 2.0 * pad) / span_y);
    let at = |la: f64, lo: f64| -> (u32, u32) {
        (
            (pad + (lo - lon0) * k * scale).round() as u32,
            (pad + (lat1 - la) * scale).round() as u32,
        )
    };
    let max = blocks.iter().map(|b| b.workers).max().unwrap_or(0).max(1) as f64;
    let max_req = blocks
        .iter()
        .map(|b| b.requests_week)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut dots: Vec<(u32, u32)> = offices.iter().map(|&(la, lo)| at(la, lo)).collect();
    dots.sort_unstable();
    dots.dedup();
    MapView {
        width: width as u32,
        height: height.round() as u32,
        dots,
        blocks: blocks
            .iter()
            .map(|b| {
                let (x, y) = at(b.lat, b.lon);
                let r = (4.0 + 18.0 * (b.workers as f64 / max).sqrt()).round() as u32;
                let ring = if b.requests_week > 0 {
                    r + 2 + (8.0 * (b.requests_week as f64 / max_req).sqrt()).round() as u32
                } else {
                    0
                };
                MapBlock {
                    x,
                    y,
                    r,
                    ring,
                    label: b.name.clone(),
                    title: format!(
                        "{}: {} {}, {} {}",
                        b.name,
                        num(b.workers),
                        lang.s("workers"),
                        num(b.requests_week),
                        lang.s("requests_week")
                    ),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_never_hide_a_small_one() {
        let c = hbars(&[
            ("a".into(), 1000, 500),
            ("b".into(), 1, 0),
            ("c".into(), 0, 0),
        ]);
        assert_eq!(c.rows[0].w, BAR_MAX);
        assert_eq!(c.rows[0].inner, BAR_MAX / 2);
        assert_eq!(c.rows[1].w, 1);
        assert_eq!(c.rows[2].w, 0);
        assert_eq!(c.rows[0].value, "1,000");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_416), (2025, 11, 24));
    }
}
