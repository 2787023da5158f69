//! Understanding what people write: intent (a worker is needed, work is wanted, or neither), the trade, the place
//! and the details worth keeping (how many, when), from Hindi, Hinglish or English in either script, with typos.
//!
//! The message is transliterated and folded to phonetic keys ([`crate::text`]) so that Devanagari and romanised
//! spellings meet; a left-to-right longest match against the lexicon (trade names and words, problem
//! descriptions, request and offer phrases, place markers, numbers, days) and against every place name of the
//! gazetteer turns it into items; words left over are matched again within a typo budget. Intent, trade and place
//! are then weighed from the items and their neighbours ("chapra nahi" negates Chapra, "plumber chahiye" is a
//! request, "welder hoon" an offer). Pure and allocation-light: no I/O, no regular expressions.

mod fuzzy;
mod lexicon;
mod places;
mod scan;
mod weigh;

pub mod eval;

use crate::gazetteer::{DistrictId, haversine_km};
use crate::places::PlaceDirectory;
use crate::text::{fold_latin, fold_latin_into, to_latin};
use crate::trade::TradeCatalogue;
use fuzzy::FuzzyIndex;
use lexicon::{Cue, Lexicon, Marker};
pub use lexicon::{Day, LexiconError, PartOfDay, SmallTalk};
pub use places::PlaceKind;
use places::{PlaceEntry, PlaceIndex};
use scan::{ItemKind, tokenize};
use serde::Serialize;
use std::collections::HashMap;

/// The longest message read, in characters (WhatsApp's own limit for a text); the rest is ignored.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// Post offices and blocks outside the service area count only within this distance of it (districts anywhere):
/// far enough for the neighbouring districts of a small area, near enough to keep out namesakes in other states.
const FAR_KM: f64 = 300.0;

/// Shorter words are only matched to the lexicon exactly: "milte" is not a typo of "mithai".
const MIN_FUZZY_WORD: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    /// Someone wants a worker.
    Need,
    /// A worker wants work.
    Offer,
    Other,
}

impl Intent {
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Need => "need",
            Intent::Offer => "offer",
            Intent::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "need" => Some(Intent::Need),
            "offer" => Some(Intent::Offer),
            "other" => Some(Intent::Other),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TradeRef {
    /// NCO-2015 unit group (4 digits).
    pub nco: String,
    /// NCO-2015 occupation (`NNNN.NNNN`) where the trade is one occupation of a shared unit group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
    pub name: String,
    pub slug: String,
    pub name_hi: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceRef {
    pub name: String,
    pub kind: PlaceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<String>,
    pub district: String,
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<u32>,
    pub lat: f64,
    pub lon: f64,
    #[serde(skip)]
    pub district_id: DistrictId,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct When {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<PartOfDay>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Understanding {
    pub intent: Intent,
    pub trade: Option<TradeRef>,
    pub trades: Vec<TradeRef>,
    pub place: Option<PlaceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smalltalk: Option<SmallTalk>,
    /// How sure the reading is, 0 to 1.
    pub confidence: f32,
}

impl Understanding {
    fn other(smalltalk: Option<SmallTalk>) -> Self {
        Understanding {
            intent: Intent::Other,
            trade: None,
            trades: Vec::new(),
            place: None,
            count: None,
            when: None,
            smalltalk,
            confidence: if smalltalk.is_some() { 0.9 } else { 0.5 },
        }
    }
}

/// What is known about the sender beyond the message: where they are (a shared location or the registry).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Context {
    pub near: Option<(f64, f64)>,
    pub district: Option<DistrictId>,
}

#[derive(Debug)]
pub struct Understander {
    lexicon: Lexicon,
    lexicon_fuzzy: FuzzyIndex,
    places: PlaceIndex,
    trades: Vec<TradeRef>,
    districts: HashMap<DistrictId, (Box<str>, Box<str>)>,
    max_words: usize,
    /// The general labour trade, for requests for people without a trade.
    labourer: Option<u16>,
    /// (general, narrower) trades: named together, the narrower one is meant.
    narrower: Vec<(u16, u16)>,
}

/// A worker named generally beside the work that makes them a narrower trade: a "safai wala" for a blocked
/// drain is a drain cleaner, a "driver" for a truck a truck driver.
const NARROWER: &[(&str, &str)] = &[
    ("housekeeping", "sewer_cleaner"),
    ("driver", "truck_driver"),
    ("driver", "auto_driver"),
    ("driver", "jcb_operator"),
];

impl Understander {
    /// Builds the lexicons from the trade catalogue, the place directory (its service area is the one names are
    /// resolved towards) and the text of `data/lexicon.tsv`.
    pub fn new(
        trades: &TradeCatalogue,
        dir: &PlaceDirectory,
        lexicon: &str,
    ) -> Result<Self, LexiconError> {
        let lexicon = Lexicon::build(lexicon, trades)?;
        let mut lexicon_fuzzy = FuzzyIndex::default();
        let mut keys: Vec<&str> = lexicon
            .map
            .iter()
            // Typos are looked up one word at a time: phrases of several words need no typo keys. What a message
            // is about besides a request (a complaint, praise, a question) must be written, not guessed from a
            // near word: "kaampura" is not a misspelt "Kanpur".
            .filter(|(k, cues)| {
                !k.contains(' ')
                    && cues.iter().any(|c| {
                        !matches!(c, Cue::Stop | Cue::Number(_) | Cue::Marker(_))
                            && !matches!(c, Cue::SmallTalk(s) if s.is_aside())
                    })
            })
            .map(|(k, _)| &**k)
            .collect();
        keys.sort_unstable();
        for k in keys {
            lexicon_fuzzy.insert(k);
        }
        let places = PlaceIndex::build(dir);
        let g = dir.gazetteer();
        let districts = (0..g.districts.len() as DistrictId)
            .map(|d| {
                (
                    d,
                    (
                        g.districts[d as usize].name.as_str().into(),
                        g.state_name(d).into(),
                    ),
                )
            })
            .collect();
        let max_words = lexicon.max_words.clamp(4, 5);
        Ok(Understander {
            lexicon,
            lexicon_fuzzy,
            places,
            trades: trades
                .all()
                .iter()
                .map(|t| TradeRef {
                    nco: t.nco.clone(),
                    occupation: t.occupation.clone(),
                    name: t.name_en.clone(),
                    slug: t.slug.clone(),
                    name_hi: t.name_hi.clone(),
                })
                .collect(),
            districts,
            max_words,
            labourer: trades
                .all()
                .iter()
                .position(|t| t.slug == "labourer")
                .map(|i| i as u16),
            narrower: NARROWER
                .iter()
                .filter_map(|(g, n)| {
                    let at = |slug: &str| trades.all().iter().position(|t| t.slug == slug);
                    Some((at(g)? as u16, at(n)? as u16))
                })
                .collect(),
        })
    }

    /// Sizes of the lexicons, for logs and benchmarks: (phrases, place entries, keys open to typos).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (
            self.lexicon.map.len(),
            self.places.entries.len(),
            self.lexicon_fuzzy.len() + self.places.fuzzy_len(),
        )
    }

    /// Reads text that is known to name a place ("Nagra", "841301", "Marhaura block") as if it were followed by
    /// "me", so that a place name that is also a common word is taken as the place.
    pub fn place_of(&self, text: &str) -> Option<PlaceRef> {
        self.understand(&format!("{text} me"), &Context::default())
            .place
    }

    /// Place names close to `text` (districts anywhere, blocks and post offices of the service area), for a
    /// "did you mean" answer when a place was not understood. Slow path: only for errors.
    pub fn place_suggestions(&self, text: &str) -> Vec<String> {
        let key = crate::text::skeleton(text);
        if key.is_empty() {
            return Vec::new();
        }
        let prefix = |k: &str| {
            k.bytes()
                .zip(key.bytes())
                .take_while(|(a, b)| a == b)
                .count()
        };
        let bound = if key.len() >= 6 { 4 } else { 3 };
        let mut scored: Vec<(usize, usize, String)> = self
            .places
            .entries
            .iter()
            .filter(|e| e.kind == PlaceKind::District || self.places.in_area(e.district))
            .filter_map(|e| {
                let name = self.places.name(e.name);
                let k = crate::text::skeleton(name);
                let d = crate::text::bounded_distance(&k, &key, bound)?;
                let district = self.districts.get(&e.district).map_or("", |d| &*d.0);
                Some((
                    // A shared beginning (up to three letters) makes up for an edit each: "Marhxyz" is closer to
                    // Marhaura than to Prakasam.
                    (2 * d).saturating_sub(2 * prefix(&k).min(3)),
                    d,
                    if e.kind == PlaceKind::District || name == district {
                        name.to_string()
                    } else {
                        format!("{name} ({district})")
                    },
                ))
            })
            .collect();
        scored.sort();
        scored.dedup_by(|a, b| a.2 == b.2);
        scored.into_iter().take(3).map(|x| x.2).collect()
    }

    /// How a message was split into items, one line each: for whoever tunes the lexicon.
    pub fn explain(&self, message: &str) -> String {
        let tokens = tokenize(message);
        let mut out = String::new();
        for it in self.scan(&tokens) {
            let line = match &it.kind {
                ItemKind::Lex(cues) => format!("{cues:?}"),
                ItemKind::FuzzyTrade(t, w) => {
                    format!("typo of trade {} ({w})", self.trades[*t as usize].slug)
                }
                ItemKind::Place {
                    ids, fuzzy, words, ..
                } => {
                    let names: Vec<String> = ids
                        .iter()
                        .take(6)
                        .map(|&i| {
                            let e = &self.places.entries[i as usize];
                            let d = self.districts.get(&e.district).map_or("?", |d| &d.0);
                            format!("{} ({:?}, {d})", self.places.name(e.name), e.kind)
                        })
                        .collect();
                    format!(
                        "place{} of {words} word(s): {} of {}",
                        if *fuzzy { " by typo" } else { "" },
                        names.join(", "),
                        ids.len()
                    )
                }
                ItemKind::Pin(p) => format!("PIN {p}"),
                ItemKind::Number(n) => format!("number {n}"),
                ItemKind::Word => "unknown word".to_string(),
            };
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    /// Reads one message.
    pub fn understand(&self, message: &str, ctx: &Context) -> Understanding {
        let tokens = tokenize(message);
        if tokens.is_empty() {
            return Understanding::other(None);
        }
        let items = self.scan(&tokens);
        self.weigh(&items, ctx)
    }
}
