//! Chart geometry for the SVG the templates draw: the server decides every coordinate, the browser only renders
//! (and shapes the Devanagari labels). Nothing here writes markup. Each chart comes in two layouts — a desktop's and
//! a phone's, with its own view box — so that its labels are at least 12 px at either size; the stylesheet shows
//! the one that fits.

use super::stats::Overview;
use crate::dashboard::i18n::{Lang, num};
pub use kaamgar_domain::worker::civil_from_days;

/// Which layout a chart is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Labels beside the bars, in a 440-unit view box (half a desktop's width, or a tablet's whole).
    Wide,
    /// Labels above the bars, in a 320-unit view box (a phone's width).
    Narrow,
}

/// A chart in both layouts.
#[derive(Debug, Clone)]
pub struct Both<T> {
    pub wide: T,
    pub narrow: T,
}

impl<T> Both<T> {
    /// Each layout with the class that shows it at its size (the wide one from 600 px).
    pub fn views(&self) -> [(&T, &'static str); 2] {
        [(&self.wide, "only-wide"), (&self.narrow, "only-narrow")]
    }

    /// The same for a full-width map, whose wide layout needs 900 px.
    pub fn map_views(&self) -> [(&T, &'static str); 2] {
        [
            (&self.wide, "only-wide-map"),
            (&self.narrow, "only-narrow-map"),
        ]
    }
}

/// A horizontal bar chart: one row per label, the main bar and an inner bar (a part of it, e.g. available).
#[derive(Debug, Clone)]
pub struct HBars {
    pub width: u32,
    pub height: u32,
    /// Where bars start (after the label, or 0 with the label above).
    pub x: u32,
    pub rows: Vec<HBar>,
}

#[derive(Debug, Clone)]
pub struct HBar {
    pub label: String,
    pub value: String,
    /// The label's baseline, the bar's top.
    pub ly: u32,
    pub y: u32,
    pub w: u32,
    pub inner: u32,
}

/// The longest bar, in either layout's view box (the value is written after it).
const BAR_MAX: u32 = 240;

pub fn hbars(rows: &[(String, i64, i64)], layout: Layout) -> HBars {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let scale = |v: i64| ((v.max(0) as f64 / max as f64) * f64::from(BAR_MAX)).round() as u32;
    // Wide: label and bar on one 26-unit row; narrow: the label on its own line above a 40-unit row.
    let (width, x, row_h, label_len) = match layout {
        Layout::Wide => (440, 136, 26, 16),
        Layout::Narrow => (320, 0, 40, 40),
    };
    HBars {
        width,
        height: (rows.len() as u32).max(1) * row_h + 4,
        x,
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, (label, v, inner))| {
                let top = i as u32 * row_h + 2;
                let (ly, y) = match layout {
                    Layout::Wide => (top + 17, top + 4),
                    Layout::Narrow => (top + 14, top + 20),
                };
                HBar {
                    label: label.chars().take(label_len).collect(),
                    value: num(*v),
                    ly,
                    y,
                    w: scale(*v).max(u32::from(*v > 0)),
                    inner: scale(*inner),
                }
            })
            .collect(),
    }
}

/// Requests per day as columns, with the connected part drawn inside.
#[derive(Debug, Clone)]
pub struct Columns {
    pub width: u32,
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
    /// Empty where the day is not named (every other day on a phone).
    pub label: String,
    pub title: String,
}

/// Plot height of the column chart (the view box is 180 high, with labels below).
const PLOT_H: f64 = 140.0;

pub fn columns(o: &Overview, lang: Lang, layout: Layout) -> Columns {
    let max = o.by_day.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    let n = o.by_day.len().max(1) as u32;
    let width = match layout {
        Layout::Wide => 600,
        Layout::Narrow => 320,
    };
    let slot = width / n;
    // A day's label needs about 40 units: on a phone every other day is named, the latest always.
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
                label: if layout == Layout::Wide || (n as usize - 1 - i).is_multiple_of(2) {
                    day_label(day)
                } else {
                    String::new()
                },
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
        width,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_never_hide_a_small_one() {
        let c = hbars(
            &[
                ("a".into(), 1000, 500),
                ("b".into(), 1, 0),
                ("c".into(), 0, 0),
            ],
            Layout::Wide,
        );
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
