//! The map's geometry: each district's outline (the hull of its post offices), one circle per block sized by its
//! workers with a ring for the week's requests, and at block level the block's post offices (its villages) by
//! name. Labels are placed so that none overlaps another label or a circle: each tries below, above, right and
//! left of its place, the largest places first, and a label with no free spot is left out (the circle keeps its
//! tooltip and the table under the map lists every block). The same map is drawn twice, for a desktop's width
//! (900 units, shown from 900 px) and for a phone's or a tablet's (330 units), each with labels of at least 12 px
//! (13 units, the stylesheet's size for chart text).

use super::stats::BlockStat;
use crate::dashboard::i18n::{Lang, num, place};
use kaamgar_domain::places::PlaceDirectory;

/// The map as drawn at one size.
#[derive(Debug, Clone, Default)]
pub struct MapView {
    pub width: u32,
    pub height: u32,
    /// District outlines, as SVG polygon points.
    pub outlines: Vec<String>,
    pub dots: Vec<(u32, u32)>,
    pub blocks: Vec<MapBlock>,
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone)]
pub struct MapBlock {
    pub x: u32,
    pub y: u32,
    pub r: u32,
    pub ring: u32,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: u32,
    pub y: u32,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
    pub text: String,
}

/// A place to draw: where it is, how big its circle, its label and tooltip.
struct Spot {
    lat: f64,
    lon: f64,
    weight: f64,
    ring: f64,
    label: String,
    title: String,
}

/// Width a label takes at `font` size, on the generous side: Latin letters about 0.62 em, a Devanagari letter
/// 0.72 em, a vowel sign written beside its letter (ा ि ी ो ौ) 0.3 em, and the signs written above or below it
/// (ु ू े ै ं ँ ़ ्) nothing.
pub fn text_width(text: &str, font: f64) -> f64 {
    let mut w = 0.0;
    for c in text.chars() {
        w += match c {
            '\u{900}'..='\u{902}'
            | '\u{93a}'
            | '\u{93c}'
            | '\u{941}'..='\u{948}'
            | '\u{94d}'
            | '\u{951}'..='\u{957}'
            | '\u{962}'
            | '\u{963}' => 0.0,
            '\u{903}'
            | '\u{93b}'
            | '\u{93e}'..='\u{940}'
            | '\u{949}'..='\u{94c}'
            | '\u{94e}'
            | '\u{94f}' => 0.3,
            '\u{900}'..='\u{97f}' => 0.72,
            ' ' | '.' | ',' => 0.3,
            _ => 0.62,
        };
    }
    w * font
}

/// A label's box reaches this far above its baseline and below it, in em: Devanagari's headline, its vowel signs
/// above and below, and Latin descenders all inside.
const ASCENT: f64 = 1.2;
const DESCENT: f64 = 0.45;

#[derive(Debug, Clone, Copy)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// Places labels beside circles `(x, y, r, text)`, in the given order, inside `w` × `h`; none overlaps another
/// label or any circle. A label with no free spot is left out.
pub fn place_labels(circles: &[(f64, f64, f64, String)], w: f64, h: f64, font: f64) -> Vec<Label> {
    let mut taken: Vec<Rect> = circles
        .iter()
        .map(|&(x, y, r, _)| Rect {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
        })
        .collect();
    let mut out = Vec::new();
    for (i, (x, y, r, text)) in circles.iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        let tw = text_width(text, font);
        let gap = 2.0;
        let th = (ASCENT + DESCENT) * font;
        // (left edge, top edge, anchor) for below, above, right, left.
        let tries = [
            (x - tw / 2.0, y + r + gap, "middle"),
            (x - tw / 2.0, y - r - gap - th, "middle"),
            (x + r + gap, y - th / 2.0, "start"),
            (x - r - gap - tw, y - th / 2.0, "end"),
        ];
        for (left, top, anchor) in tries {
            let rect = Rect {
                x0: left,
                y0: top,
                x1: left + tw,
                y1: top + th,
            };
            let inside = rect.x0 >= 0.0 && rect.y0 >= 0.0 && rect.x1 <= w && rect.y1 <= h;
            // A label may sit on its own circle's edge, never on another's or on another label.
            let free = taken
                .iter()
                .enumerate()
                .all(|(j, t)| (j == i && j < circles.len()) || !t.overlaps(&rect));
            if inside && free {
                let ax = match anchor {
                    "middle" => left + tw / 2.0,
                    "start" => left,
                    _ => left + tw,
                };
                out.push(Label {
                    x: ax.round() as u32,
                    y: (top + ASCENT * font).round() as u32,
                    anchor,
                    text: text.clone(),
                });
                taken.push(rect);
                break;
            }
        }
    }
    out
}

/// The convex hull of points, counter-clockwise (Andrew's monotone chain).
fn hull(mut p: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    p.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut lower: Vec<(f64, f64)> = Vec::new();
    for &q in &p {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], q) <= 0.0 {
            lower.pop();
        }
        lower.push(q);
    }
    let mut upper: Vec<(f64, f64)> = Vec::new();
    for &q in p.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], q) <= 0.0 {
            upper.pop();
        }
        upper.push(q);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// What the map shows: the jurisdiction's districts, its blocks, and for a block officer the block's villages.
pub struct MapInput<'a> {
    pub places: &'a PlaceDirectory,
    pub districts: &'a [u32],
    pub blocks: &'a [BlockStat],
    /// A block officer's block: its post offices are drawn and named.
    pub focus: Option<&'a str>,
    pub lang: Lang,
}

fn spots(m: &MapInput<'_>) -> Vec<Spot> {
    let lang = m.lang;
    let mut out: Vec<Spot> = m
        .blocks
        .iter()
        .map(|b| Spot {
            lat: b.lat,
            lon: b.lon,
            weight: b.workers as f64,
            ring: b.requests_week as f64,
            label: place(lang, &b.name),
            title: format!(
                "{}: {} {}, {} {}",
                place(lang, &b.name),
                num(b.workers),
                lang.s("workers"),
                num(b.requests_week),
                lang.s("requests_week")
            ),
        })
        .collect();
    if let Some(focus) = m.focus {
        let gaz = m.places.gazetteer();
        for &d in m.districts {
            for o in gaz.offices_in(d) {
                let here = m
                    .places
                    .nearest_block(o.lat, o.lon)
                    .is_some_and(|b| b.district == d && b.name.eq_ignore_ascii_case(focus));
                if here {
                    let name = o.name.trim_end_matches(" S.O").trim_end_matches(" B.O");
                    out.push(Spot {
                        lat: o.lat,
                        lon: o.lon,
                        weight: -1.0,
                        ring: 0.0,
                        label: place(lang, name),
                        title: format!("{} ({})", place(lang, name), o.pin),
                    });
                }
            }
        }
    }
    out
}

/// Each district's outline (the hull of its post offices) as SVG polygon points, through the map's projection.
fn outlines(m: &MapInput<'_>, at: &dyn Fn(f64, f64) -> (f64, f64)) -> Vec<String> {
    let gaz = m.places.gazetteer();
    m.districts
        .iter()
        .map(|&d| {
            hull(gaz.offices_in(d).map(|o| at(o.lat, o.lon)).collect())
                .iter()
                .map(|(x, y)| format!("{:.0},{:.0}", x, y))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// The map at `width` units wide with labels of `font` units.
pub fn map(m: &MapInput<'_>, width: f64, font: f64) -> MapView {
    let gaz = m.places.gazetteer();
    let spots = spots(m);
    // At block level the view is the block's villages; otherwise the districts' offices.
    let extent: Vec<(f64, f64)> = if m.focus.is_some() && spots.len() > 1 {
        spots.iter().map(|s| (s.lat, s.lon)).collect()
    } else {
        m.districts
            .iter()
            .flat_map(|&d| gaz.offices_in(d).map(|o| (o.lat, o.lon)))
            .chain(spots.iter().map(|s| (s.lat, s.lon)))
            .collect()
    };
    if extent.is_empty() {
        return MapView {
            width: width as u32,
            height: 200,
            ..MapView::default()
        };
    }
    let pad = font * 2.5;
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (90.0_f64, -90.0_f64, 180.0_f64, -180.0_f64);
    for &(la, lo) in &extent {
        lat0 = lat0.min(la);
        lat1 = lat1.max(la);
        lon0 = lon0.min(lo);
        lon1 = lon1.max(lo);
    }
    // Equirectangular, with longitude shortened by the cosine of the middle latitude.
    let k = ((lat0 + lat1) / 2.0).to_radians().cos();
    let span_x = ((lon1 - lon0) * k).max(0.005);
    let span_y = (lat1 - lat0).max(0.005);
    let scale = (width - 2.0 * pad) / span_x;
    let height = (span_y * scale + 2.0 * pad).clamp(width * 0.5, width * 1.2);
    let scale = scale.min((height - 2.0 * pad) / span_y);
    let at = |la: f64, lo: f64| -> (f64, f64) {
        (pad + (lo - lon0) * k * scale, pad + (lat1 - la) * scale)
    };
    let max = spots.iter().map(|s| s.weight).fold(1.0, f64::max);
    let max_ring = spots.iter().map(|s| s.ring).fold(1.0, f64::max);
    let unit = width / 600.0;
    let mut circles: Vec<(f64, f64, f64, f64, String, String)> = spots
        .iter()
        .map(|s| {
            let (x, y) = at(s.lat, s.lon);
            let r = if s.weight < 0.0 {
                3.0 * unit.max(0.6)
            } else {
                (4.0 + 18.0 * (s.weight / max).sqrt()) * unit.max(0.6)
            };
            let ring = if s.ring > 0.0 {
                r + 2.0 + 8.0 * unit * (s.ring / max_ring).sqrt()
            } else {
                0.0
            };
            (x, y, r, ring, s.label.clone(), s.title.clone())
        })
        .collect();
    // The largest places choose their label's spot first.
    circles.sort_by(|a, b| b.2.partial_cmp(&a.2).unwrap_or(std::cmp::Ordering::Equal));
    let labels = place_labels(
        &circles
            .iter()
            .map(|c| (c.0, c.1, c.3.max(c.2), c.4.clone()))
            .collect::<Vec<_>>(),
        width,
        height,
        font,
    );
    let outlines = outlines(m, &at);
    let mut dots: Vec<(u32, u32)> = extent
        .iter()
        .map(|&(la, lo)| at(la, lo))
        .filter(|(x, y)| *x >= 0.0 && *y >= 0.0)
        .map(|(x, y)| (x.round() as u32, y.round() as u32))
        .collect();
    dots.sort_unstable();
    dots.dedup();
    MapView {
        width: width.round() as u32,
        height: height.round() as u32,
        outlines,
        dots,
        blocks: circles
            .into_iter()
            .map(|(x, y, r, ring, _, title)| MapBlock {
                x: x.round() as u32,
                y: y.round() as u32,
                r: r.round().max(2.0) as u32,
                ring: ring.round() as u32,
                title,
            })
            .collect(),
        labels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_never_overlap_and_a_crowded_one_is_left_out() {
        // Three places a few units apart (Marhaura, Isuapur, Taraiya on a phone), and one far away.
        let circles = vec![
            (100.0, 100.0, 10.0, "Marhaura".to_string()),
            (104.0, 112.0, 8.0, "Isuapur".to_string()),
            (96.0, 108.0, 8.0, "Taraiya".to_string()),
            (250.0, 40.0, 6.0, "Sonepur".to_string()),
        ];
        let labels = place_labels(&circles, 320.0, 240.0, 13.0);
        let rects: Vec<Rect> = labels
            .iter()
            .map(|l| {
                let w = text_width(&l.text, 13.0);
                let x0 = match l.anchor {
                    "middle" => f64::from(l.x) - w / 2.0,
                    "start" => f64::from(l.x),
                    _ => f64::from(l.x) - w,
                };
                Rect {
                    x0: x0 + 0.5,
                    y0: f64::from(l.y) - 13.0 * ASCENT + 0.5,
                    x1: x0 + w - 0.5,
                    y1: f64::from(l.y) + 13.0 * DESCENT - 0.5,
                }
            })
            .collect();
        for (i, a) in rects.iter().enumerate() {
            assert!(a.x0 >= 0.0 && a.x1 <= 320.0, "{:?}", labels[i]);
            for b in &rects[i + 1..] {
                assert!(!a.overlaps(b), "{labels:?}");
            }
        }
        assert!(labels.iter().any(|l| l.text == "Sonepur"));
        assert!(labels.len() >= 3, "{labels:?}");
    }

    #[test]
    fn the_hull_keeps_only_the_outside() {
        let h = hull(vec![
            (0.0, 0.0),
            (2.0, 0.0),
            (1.0, 1.0),
            (2.0, 2.0),
            (0.0, 2.0),
        ]);
        assert_eq!(h.len(), 4);
        assert!(!h.contains(&(1.0, 1.0)));
    }

    #[test]
    fn devanagari_signs_take_no_width() {
        assert!(text_width("मढ़ौरा", 10.0) < text_width("Marhaura", 10.0));
    }
}
