//! The evaluation set format and its scoring: how often intent, trade and place are read right.
//!
//! One case per line, tab-separated: `split intent trade district lat lon context text`, `-` for none.
//! `split` is `tune` (looked at while improving the lexicon) or `held` (set aside, never tuned on).
//! A place is right when the district matches and the point is within [`PLACE_TOLERANCE_KM`].

use super::{Intent, Understanding};
use crate::gazetteer::haversine_km;
use crate::text::skeleton;
use serde::Serialize;

pub const PLACE_TOLERANCE_KM: f64 = 25.0;

#[derive(Debug, Clone, PartialEq)]
pub struct EvalCase {
    pub line: usize,
    pub split: String,
    pub intent: Intent,
    pub trade: Option<String>,
    pub place: Option<(String, f64, f64)>,
    /// The sender's district, when the case says where they are.
    pub context: Option<String>,
    pub text: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("evaluation line {line}: {reason}")]
pub struct EvalError {
    pub line: usize,
    pub reason: String,
}

pub fn parse(text: &str) -> Result<Vec<EvalCase>, EvalError> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let err = |reason: String| EvalError {
            line: i + 1,
            reason,
        };
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 8 {
            return Err(err(format!(
                "expected 8 tab-separated fields, found {}",
                f.len()
            )));
        }
        let opt = |s: &str| (s != "-" && !s.is_empty()).then(|| s.to_string());
        let intent = Intent::parse(f[1]).ok_or_else(|| err(format!("intent '{}'", f[1])))?;
        let place = match opt(f[3]) {
            None => None,
            Some(d) => {
                let lat: f64 = f[4].parse().map_err(|_| err(format!("lat '{}'", f[4])))?;
                let lon: f64 = f[5].parse().map_err(|_| err(format!("lon '{}'", f[5])))?;
                Some((d, lat, lon))
            }
        };
        cases.push(EvalCase {
            line: i + 1,
            split: f[0].to_string(),
            intent,
            trade: opt(f[2]),
            place,
            context: opt(f[6]),
            text: f[7].to_string(),
        });
    }
    Ok(cases)
}

/// Whether intent, trade and place were read right.
pub fn judge(case: &EvalCase, got: &Understanding) -> (bool, bool, bool) {
    let intent = got.intent == case.intent;
    let trade = got.trade.as_ref().map(|t| t.slug.as_str()) == case.trade.as_deref();
    let place = match (&case.place, &got.place) {
        (None, None) => true,
        (Some((d, lat, lon)), Some(p)) => {
            skeleton(d) == skeleton(&p.district)
                && haversine_km(*lat, *lon, p.lat, p.lon) <= PLACE_TOLERANCE_KM
        }
        _ => false,
    };
    (intent, trade, place)
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub cases: usize,
    pub intent: usize,
    pub trade: usize,
    pub place: usize,
}

impl Tally {
    pub fn add(&mut self, (i, t, p): (bool, bool, bool)) {
        self.cases += 1;
        self.intent += usize::from(i);
        self.trade += usize::from(t);
        self.place += usize::from(p);
    }

    pub fn rates(&self) -> (f64, f64, f64) {
        let n = self.cases.max(1) as f64;
        (
            self.intent as f64 / n,
            self.trade as f64 / n,
            self.place as f64 / n,
        )
    }
}
