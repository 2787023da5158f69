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
}

#[derive(Debug, Clone)]
struct Token {
    latin: String,
    key: String,
    number: Option<u64>,
}

#[derive(Debug, Clone)]
enum ItemKind<'a> {
    Lex(&'a [Cue]),
    /// A trade found within the typo budget.
    FuzzyTrade(u16, f32),
    Place {
        ids: Vec<u32>,
        fuzzy: bool,
        words: usize,
    },
    Pin(u32),
    Number(u64),
    Word,
}

#[derive(Debug, Clone)]
struct Item<'a> {
    kind: ItemKind<'a>,
}

impl Item<'_> {
    fn cues(&self) -> &[Cue] {
        match self.kind {
            ItemKind::Lex(c) => c,
            _ => &[],
        }
    }

    fn has(&self, f: impl Fn(&Cue) -> bool) -> bool {
        self.cues().iter().any(f)
    }

    fn is_filler(&self) -> bool {
        match self.kind {
            ItemKind::Lex(c) => c.iter().all(|c| matches!(c, Cue::Stop | Cue::Number(_))),
            _ => false,
        }
    }

    fn trade(&self) -> Option<(u16, f32, bool)> {
        match self.kind {
            ItemKind::FuzzyTrade(t, w) => Some((t, w, false)),
            ItemKind::Lex(c) => {
                let generic = c.contains(&Cue::Generic);
                c.iter().find_map(|c| match c {
                    Cue::Trade { trade, weight } => Some((*trade, *weight, generic)),
                    _ => None,
                })
            }
            _ => None,
        }
    }

    fn marker(&self) -> Option<Marker> {
        self.cues().iter().find_map(|c| match c {
            Cue::Marker(m) => Some(*m),
            _ => None,
        })
    }
}

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
            // Typos are looked up one word at a time: phrases of several words need no typo keys.
            .filter(|(k, cues)| {
                !k.contains(' ')
                    && cues
                        .iter()
                        .any(|c| !matches!(c, Cue::Stop | Cue::Number(_) | Cue::Marker(_)))
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
                ItemKind::Place { ids, fuzzy, words } => {
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

    fn scan(&self, tokens: &[Token]) -> Vec<Item<'_>> {
        let mut items = Vec::with_capacity(tokens.len());
        let mut i = 0;
        let mut buf = String::new();
        let (mut raw, mut joined, mut scratch) = (String::new(), String::new(), Vec::new());
        'outer: while i < tokens.len() {
            if let Some((pin, used)) = pin_at(tokens, i)
                && self.places.pins.contains_key(&pin)
            {
                items.push(Item {
                    kind: ItemKind::Pin(pin),
                });
                i += used;
                continue;
            }
            if let Some(cues) = self.lexicon.exact.get(tokens[i].latin.as_str()) {
                items.push(Item {
                    kind: ItemKind::Lex(cues),
                });
                i += 1;
                continue;
            }
            // Phrases do not run over a word that is matched as written.
            let longest = (1..self.max_words.min(tokens.len() - i))
                .find(|&n| {
                    self.lexicon
                        .exact
                        .contains_key(tokens[i + n].latin.as_str())
                })
                .unwrap_or(self.max_words.min(tokens.len() - i));
            for len in (1..=longest).rev() {
                let key: &str = if len == 1 {
                    &tokens[i].key
                } else {
                    buf.clear();
                    for (n, t) in tokens[i..i + len].iter().enumerate() {
                        if n > 0 {
                            buf.push(' ');
                        }
                        buf.push_str(&t.key);
                    }
                    &buf
                };
                if key.is_empty() {
                    continue;
                }
                if let Some(cues) = self.lexicon.map.get(key) {
                    // A word that is also a place of the service area and is followed by a place marker is the
                    // place: "nagra me" (not "nagar"), "bharthana me" (not "bartan").
                    let place_here = len == 1
                        && self.marker_at(tokens, i + 1)
                        && self.places.exact(key, 1).iter().any(|&e| {
                            self.places
                                .in_area(self.places.entries[e as usize].district)
                        });
                    if !place_here {
                        items.push(Item {
                            kind: ItemKind::Lex(cues),
                        });
                        i += len;
                        continue 'outer;
                    }
                }
                // Place keys are joined: "Kanpur Nagar" and "kanpurnagar" alike. A place name of several words
                // outside the service area does not contain a common word ("Khanpur Meena" is not "कानपुर में").
                let place_key: &str = if len == 1 {
                    key
                } else {
                    raw.clear();
                    for t in &tokens[i..i + len] {
                        raw.push_str(&t.latin);
                    }
                    fold_latin_into(&raw, &mut scratch, &mut joined);
                    &joined
                };
                let ids = if tokens[i].number.is_none()
                    && (place_key.len() >= 3 || self.short_place_ok(tokens, i, len, place_key))
                {
                    self.places.exact(place_key, len)
                } else {
                    Vec::new()
                };
                if !ids.is_empty()
                    && (len == 1
                        || ids.iter().any(|&e| {
                            self.places
                                .in_area(self.places.entries[e as usize].district)
                        })
                        || !tokens[i..i + len]
                            .iter()
                            .any(|t| self.is_function_word(&t.key)))
                {
                    items.push(Item {
                        kind: ItemKind::Place {
                            ids,
                            fuzzy: false,
                            words: len,
                        },
                    });
                    i += len;
                    continue 'outer;
                }
            }
            let t = &tokens[i];
            let kind = match t.number {
                Some(n) => ItemKind::Number(n),
                None => self.fuzzy_item(&t.key, self.marker_at(tokens, i + 1)),
            };
            items.push(Item { kind });
            i += 1;
        }
        items
    }

    /// Whether token `i` starts a place marker ("me", "ke paas", "block"; not the genitive "ka").
    fn marker_at(&self, tokens: &[Token], i: usize) -> bool {
        let Some(t) = tokens.get(i) else {
            return false;
        };
        let one = self.lexicon.map.get(t.key.as_str());
        let two = tokens.get(i + 1).and_then(|n| {
            let spaced = format!("{} {}", t.key, n.key);
            self.lexicon.map.get(spaced.as_str())
        });
        [one, two].into_iter().flatten().any(|cues| {
            cues.iter()
                .any(|c| matches!(c, Cue::Marker(m) if *m != Marker::Of))
        })
    }

    /// A two-letter key ("Barra" → "br") is a place only in the service area and right before a marker
    /// (a number may come between: "barra 2 me").
    fn short_place_ok(&self, tokens: &[Token], i: usize, len: usize, key: &str) -> bool {
        let next = i + len;
        let before_marker = self.marker_at(tokens, next)
            || (tokens.get(next).is_some_and(|t| t.number.is_some())
                && self.marker_at(tokens, next + 1));
        key.len() == 2
            && before_marker
            && self.places.exact(key, len).iter().any(|&e| {
                self.places
                    .in_area(self.places.entries[e as usize].district)
            })
    }

    /// A common word: in the lexicon as something other than a trade.
    fn is_function_word(&self, key: &str) -> bool {
        self.lexicon
            .map
            .get(key)
            .is_some_and(|cues| !cues.iter().any(|c| matches!(c, Cue::Trade { .. })))
    }

    /// A word that matched nothing exactly: a lexicon word or a service-area place within the typo budget.
    /// Before a place marker a place is preferred, elsewhere a lexicon word.
    fn fuzzy_item(&self, key: &str, before_marker: bool) -> ItemKind<'_> {
        let places = self.places.fuzzy(key);
        let lex = if key.len() >= MIN_FUZZY_WORD {
            self.lexicon_fuzzy
                .lookup(key)
                .first()
                .and_then(|&(_, k)| self.lexicon.map.get(k))
        } else {
            None
        };
        let place_kind = |ids: Vec<u32>| ItemKind::Place {
            ids,
            fuzzy: true,
            words: 1,
        };
        match lex {
            Some(_) if before_marker && !places.is_empty() => place_kind(places),
            Some(cues) => match cues.iter().find(|c| matches!(c, Cue::Trade { .. })) {
                Some(Cue::Trade { trade, weight }) => ItemKind::FuzzyTrade(*trade, weight * 0.85),
                _ => ItemKind::Lex(cues),
            },
            None if !places.is_empty() => place_kind(places),
            None => ItemKind::Word,
        }
    }

    fn weigh(&self, items: &[Item<'_>], ctx: &Context) -> Understanding {
        // Neighbours, skipping filler words ("ek", "hai", "ko").
        let near = |from: usize, span: usize, f: &dyn Fn(&Item<'_>) -> bool| -> bool {
            let within = |side: &mut dyn Iterator<Item = &Item<'_>>| {
                let mut seen = 0;
                for it in side {
                    if f(it) {
                        return true;
                    }
                    if !it.is_filler() {
                        seen += 1;
                        if seen >= span {
                            break;
                        }
                    }
                }
                false
            };
            within(&mut items[from + 1..].iter()) || within(&mut items[..from].iter().rev())
        };
        let is_trade = |it: &Item<'_>| it.trade().is_some();

        // Trades, strongest first; vague words only when nothing specific was named.
        let mut found: Vec<(u16, f32, usize, bool)> = Vec::new();
        for (pos, it) in items.iter().enumerate() {
            if let Some((t, w, generic)) = it.trade() {
                match found.iter_mut().find(|f| f.0 == t) {
                    Some(f) => f.1 = f.1.max(w),
                    None => found.push((t, w, pos, generic)),
                }
            }
        }
        if found.iter().any(|f| !f.3) {
            found.retain(|f| !f.3);
        }
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));

        // Intent.
        let (mut need, mut offer, mut cancelled) = (0.0f32, 0.0f32, false);
        let mut smalltalk = None;
        let (mut day, mut part, mut count) = (None, None, None);
        let mut self_alone = 0.0f32;
        let mut offer_cues = false;
        for (pos, it) in items.iter().enumerate() {
            let negated_before =
                pos > 0 && items[pos - 1].has(|c| matches!(c, Cue::Negation | Cue::NegationBefore));
            // "naukri chahiye", "guard ki job chahiye": the request is for work, not for a worker.
            let after_offer = items[..pos]
                .iter()
                .rev()
                .find(|it| !it.is_filler())
                .is_some_and(|it| it.has(|c| matches!(c, Cue::Offer(_))));
            // "I want to register", "chahta hoon kaam karna": wanting to offer work.
            let before_offer = items[pos + 1..]
                .iter()
                .find(|it| !it.is_filler())
                .is_some_and(|it| it.has(|c| matches!(c, Cue::Offer(_))));
            for c in it.cues() {
                match *c {
                    Cue::Need(w) => {
                        if negated_before {
                            cancelled = true;
                        } else if !after_offer && !before_offer {
                            need += w;
                            if near(pos, 3, &is_trade) {
                                need += 1.0;
                            }
                        }
                    }
                    Cue::Offer(w) => {
                        offer += w;
                        offer_cues = true;
                    }
                    Cue::SelfIs(w) => {
                        if near(pos, 3, &is_trade) {
                            offer += w + 1.0;
                        } else {
                            self_alone += w * 0.4;
                        }
                    }
                    Cue::SmallTalk(s) if smalltalk.is_none() => smalltalk = Some(s),
                    Cue::Day(d) if day.is_none() => day = Some(d),
                    Cue::Part(p) if part.is_none() => part = Some(p),
                    Cue::Number(n) if count.is_none() && counts_people(items, pos) => {
                        count = Some(n);
                    }
                    _ => {}
                }
            }
            if let ItemKind::Number(n) = it.kind
                && count.is_none()
                && (1..=1000).contains(&n)
                && counts_people(items, pos)
            {
                count = Some(n as u32);
            }
        }
        // "hoon"/"ho" alone ("kaise ho") says nothing about work; with a trade or an offer it does.
        if offer_cues || offer > 0.0 {
            offer += self_alone;
        }
        let place = self.choose_place(items, ctx);
        // A request with nothing to say what or whom for ("madad chahiye", "paisa kab milega") is not a request
        // for a worker; a request for people without a trade ("5 log chahiye") is one for labourers.
        let wants_people = count.is_some() || items.iter().any(|it| it.has(|c| *c == Cue::People));
        if found.is_empty() && need > 0.0 {
            if wants_people && need > offer {
                if let Some(l) = self.labourer {
                    found.push((l, 0.5, 0, false));
                }
            } else if !wants_people {
                need = 0.0;
            }
        }
        let (intent, intent_conf) = if need == 0.0 && offer == 0.0 {
            if cancelled {
                (Intent::Other, 0.7)
            } else if !found.is_empty() {
                (Intent::Need, 0.7)
            } else {
                (Intent::Other, if smalltalk.is_some() { 0.9 } else { 0.6 })
            }
        } else if need >= offer {
            (Intent::Need, margin(need, offer))
        } else {
            (Intent::Offer, margin(offer, need))
        };
        if intent == Intent::Other && (cancelled || (found.is_empty() && place.is_none())) {
            return Understanding {
                confidence: intent_conf,
                when: None,
                ..Understanding::other(smalltalk)
            };
        }
        let trades: Vec<TradeRef> = found
            .iter()
            .map(|f| self.trades[f.0 as usize].clone())
            .collect();
        let trade_conf = found.first().map_or(0.8, |f| 0.6 + 0.4 * f.1.min(1.0));
        let place_conf = place.as_ref().map_or(0.9, |p| p.1);
        let confidence = (intent_conf * trade_conf * place_conf * 100.0).round() / 100.0;
        Understanding {
            intent,
            trade: trades.first().cloned(),
            trades,
            place: place.map(|p| p.0),
            count,
            when: (day.is_some() || part.is_some()).then_some(When { day, part }),
            smalltalk: smalltalk.filter(|_| intent == Intent::Other),
            confidence,
        }
    }

    /// The place the message is about, with a confidence.
    fn choose_place(&self, items: &[Item<'_>], ctx: &Context) -> Option<(PlaceRef, f32)> {
        // Districts named in the message support places inside them.
        let mut named_districts: Vec<(DistrictId, usize)> = Vec::new();
        let mut negated = vec![false; items.len()];
        for (pos, it) in items.iter().enumerate() {
            if !matches!(it.kind, ItemKind::Place { .. } | ItemKind::Pin(_)) {
                continue;
            }
            negated[pos] = is_negated(items, pos);
            if let ItemKind::Place { ids, .. } = &it.kind
                && !negated[pos]
            {
                for &i in ids {
                    let e = &self.places.entries[i as usize];
                    if e.kind == PlaceKind::District {
                        named_districts.push((e.district, pos));
                    }
                }
            }
        }
        let mut best: Option<(f32, f32, &PlaceEntry, f32, usize)> = None;
        for (pos, it) in items.iter().enumerate() {
            if negated[pos] {
                continue;
            }
            // Prepositions and words like "block", "jila", "gram", "pin" come before a place; postpositions after.
            let before = pos
                .checked_sub(1)
                .and_then(|p| items[p].marker())
                .filter(|m| {
                    matches!(
                        m,
                        Marker::In
                            | Marker::Block
                            | Marker::District
                            | Marker::Village
                            | Marker::Pin
                    )
                });
            let after = items
                .get(pos + 1)
                .and_then(Item::marker)
                .filter(|m| *m != Marker::In);
            let marked = before.is_some() || after.is_some();
            let from = after == Some(Marker::From);
            let genitive = after == Some(Marker::Of) && before.is_none();
            let (entries, fuzzy, words): (Vec<&PlaceEntry>, bool, usize) = match &it.kind {
                ItemKind::Place { ids, fuzzy, words } => (
                    ids.iter()
                        .map(|&i| &self.places.entries[i as usize])
                        .collect(),
                    *fuzzy,
                    *words,
                ),
                ItemKind::Pin(pin) => match self.places.pins.get(pin) {
                    Some(e) => (vec![e], false, 1),
                    None => continue,
                },
                _ => continue,
            };
            for e in entries {
                let in_area = self.places.area.is_empty() || self.places.in_area(e.district);
                let mut s = 0.0f32;
                if e.kind == PlaceKind::Pin {
                    s += 4.0;
                } else if in_area {
                    s += 3.0;
                } else if !marked && (e.kind != PlaceKind::District || fuzzy) {
                    continue;
                }
                if e.kind == PlaceKind::District {
                    // People name districts far more often than a small post office of the same sound elsewhere.
                    s += 0.5;
                }
                if !in_area {
                    // Of two far places of one name, the nearer to the service area ("Patna", not "Patan"). A
                    // village or block far from the area is not what someone here means, even after "me": a
                    // local name the gazetteer lacks must not turn into its namesake across India.
                    let km = self.places.km_from_area(f64::from(e.lat), f64::from(e.lon));
                    if e.kind != PlaceKind::District && km > FAR_KM && !self.places.area.is_empty()
                    {
                        continue;
                    }
                    s -= (km / 2000.0).min(0.5) as f32;
                }
                if marked {
                    s += if from || genitive { 0.5 } else { 1.0 };
                }
                if fuzzy {
                    s -= 1.0;
                }
                if words > 1 {
                    s += 0.3 * (words - 1) as f32;
                }
                if e.kind != PlaceKind::District
                    && named_districts
                        .iter()
                        .any(|&(d, p)| d == e.district && p != pos)
                {
                    s += 2.0;
                }
                if ctx.district == Some(e.district) {
                    s += 1.0;
                }
                if let Some((lat, lon)) = ctx.near {
                    let d = haversine_km(lat, lon, f64::from(e.lat), f64::from(e.lon)) as f32;
                    s += (1.0 - d / 100.0).max(0.0);
                }
                let spec = e.kind.specificity();
                let conf = match (in_area || e.kind == PlaceKind::Pin, fuzzy, marked) {
                    (true, false, true) => 0.97,
                    (true, false, false) => 0.92,
                    (true, true, _) => 0.8,
                    (false, _, _) => 0.75,
                };
                let better = match &best {
                    None => true,
                    Some((bs, bspec, ..)) => s > *bs || (s == *bs && spec > *bspec),
                };
                if better {
                    best = Some((s, spec, e, conf, pos));
                }
            }
        }
        let (_, _, mut e, conf, pos) = best?;
        // A district named by a town's name ("Chapra", "Etawah") is placed at the town.
        if e.kind == PlaceKind::District
            && let ItemKind::Place { ids, .. } = &items[pos].kind
        {
            let district = e.district;
            if let Some(town) = ids
                .iter()
                .map(|&i| &self.places.entries[i as usize])
                .filter(|x| x.district == district && x.kind != PlaceKind::District)
                .max_by(|a, b| a.kind.specificity().total_cmp(&b.kind.specificity()))
            {
                e = town;
            }
        }
        let (district, state) = self.districts.get(&e.district)?;
        Some((
            PlaceRef {
                name: self.places.name(e.name).to_string(),
                kind: e.kind,
                block: e.block.map(|b| self.places.name(b).to_string()),
                district: district.to_string(),
                state: state.to_string(),
                pin: e.pin,
                lat: round4(f64::from(e.lat)),
                lon: round4(f64::from(e.lon)),
                district_id: e.district,
            },
            conf,
        ))
    }
}

/// A place followed by "nahi"/"ke alawa" or preceded by "not (in)" is excluded.
fn is_negated(items: &[Item<'_>], pos: usize) -> bool {
    let neg = |i: usize| {
        items
            .get(i)
            .is_some_and(|it| it.has(|c| *c == Cue::Negation))
    };
    let except = |i: usize| items.get(i).is_some_and(|it| it.has(|c| *c == Cue::Except));
    let marker = |i: usize| items.get(i).is_some_and(|it| it.marker().is_some());
    if neg(pos + 1) || except(pos + 1) || (marker(pos + 1) && (neg(pos + 2) || except(pos + 2))) {
        return true;
    }
    // "not Chapra", "not in Chapra".
    let not = |i: usize| {
        items
            .get(i)
            .is_some_and(|it| it.has(|c| *c == Cue::NegationBefore))
    };
    (pos >= 1 && not(pos - 1)) || (pos >= 2 && marker(pos - 1) && not(pos - 2))
}

/// A number followed (within a word or two) by a trade or by people ("5 log", "do plumber").
fn counts_people(items: &[Item<'_>], pos: usize) -> bool {
    items[pos + 1..]
        .iter()
        .take(2)
        .any(|it| it.trade().is_some() || it.has(|c| *c == Cue::People))
}

fn margin(win: f32, lose: f32) -> f32 {
    let m = (win - lose) / (win + 0.5);
    (0.6 + 0.4 * m).clamp(0.5, 0.99)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Splits a message into words: transliterated, lower-cased, with their phonetic keys; numbers kept as numbers.
fn tokenize(message: &str) -> Vec<Token> {
    let end = message
        .char_indices()
        .nth(MAX_MESSAGE_CHARS)
        .map_or(message.len(), |(i, _)| i);
    let latin = to_latin(&message[..end]);
    latin
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let number = w
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| w.parse::<u64>().ok())
                .flatten();
            Token {
                key: if number.is_some() {
                    w.to_string()
                } else {
                    fold_latin(w)
                },
                latin: w.to_string(),
                number,
            }
        })
        .collect()
}

/// A PIN code at token `i`: six digits, or three and three ("841 301"). Returns the PIN and the tokens used.
fn pin_at(tokens: &[Token], i: usize) -> Option<(u32, usize)> {
    let t = &tokens[i];
    t.number?;
    if t.latin.len() == 6 && !t.latin.starts_with('0') {
        return t.latin.parse().ok().map(|p| (p, 1));
    }
    if t.latin.len() == 3
        && let Some(n) = tokens.get(i + 1)
        && n.number.is_some()
        && n.latin.len() == 3
        && !t.latin.starts_with('0')
    {
        return format!("{}{}", t.latin, n.latin)
            .parse()
            .ok()
            .map(|p| (p, 2));
    }
    None
}
