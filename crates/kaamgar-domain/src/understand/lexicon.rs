//! The understanding lexicon (`data/lexicon.tsv`) joined with the trade catalogue: one table from the phonetic key
//! of a word or phrase to what it tells (a trade, a request, an offer of work, a place marker, a number, a day …).

use crate::text::skeleton;
use crate::trade::TradeCatalogue;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    At,
    /// English prepositions, before the place.
    In,
    Near,
    Block,
    District,
    Village,
    From,
    Pin,
    /// The genitive ("Chapra ka plumber"): a place may stand before it, but so may anything else.
    Of,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    Today,
    Tomorrow,
    DayAfter,
    Now,
    ThisWeek,
    NextWeek,
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartOfDay {
    Morning,
    Afternoon,
    Evening,
    Night,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Yes,
    Help,
    Bye,
    /// A complaint about a worker or a job ("usne paise zyada liye"): never a search.
    Complaint,
    /// Praise or thanks for a finished job.
    Feedback,
    /// A question about a government service (a card, a pension, a scheme, a loan).
    Service,
    /// A question about kaamgar itself ("kitni der lagegi?").
    Question,
}

impl SmallTalk {
    /// Says what a message is instead of a request: it is read as `other` even when it names a trade.
    pub fn is_aside(self) -> bool {
        matches!(
            self,
            SmallTalk::Complaint | SmallTalk::Feedback | SmallTalk::Service | SmallTalk::Question
        )
    }
}

/// What a word or phrase tells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cue {
    /// A trade (index into the catalogue) with a weight: 1.0 for its names, less for problems that point to it.
    Trade {
        trade: u16,
        weight: f32,
    },
    /// A trade word too vague to win over a specific one ("mistri").
    Generic,
    Need(f32),
    Offer(f32),
    /// A first-person statement of who one is ("hoon", "I am").
    SelfIs(f32),
    /// "nahi": negates what comes before it (Hindi word order) or a request right after it ("nahi chahiye").
    Negation,
    /// "not": negates what comes after it.
    NegationBefore,
    Except,
    Marker(Marker),
    Number(u32),
    People,
    Day(Day),
    Part(PartOfDay),
    SmallTalk(SmallTalk),
    /// "tha", "thi", "the" (was): the message tells of something past.
    Past,
    /// "ne": the word before it did something ("plumber ne paise liye").
    Agent,
    Stop,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LexiconError {
    #[error("lexicon line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("lexicon: words that fold to the key of another trade: {0}")]
    Clash(String),
}

#[derive(Debug, Default)]
pub(crate) struct Lexicon {
    pub map: HashMap<Box<str>, Vec<Cue>>,
    /// Longest phrase, in words.
    pub max_words: usize,
    /// Words matched as written (lower case), before folding: "ho" (you are) must not fold into "hu" (I am).
    pub exact: HashMap<Box<str>, Vec<Cue>>,
    clashes: Vec<String>,
}

impl Lexicon {
    pub fn build(text: &str, trades: &TradeCatalogue) -> Result<Self, LexiconError> {
        let mut lex = Lexicon::default();
        // Exact words first: a phrase that contains one is keyed with it as written ("ho gaya kya").
        for line in text.lines().filter(|l| l.starts_with("exact\t")) {
            if let Some(words) = line.split('\t').nth(2) {
                for w in words.split('|').map(str::trim).filter(|p| !p.is_empty()) {
                    let latin = crate::text::to_latin(w).trim().to_string();
                    lex.exact.insert(latin.into_boxed_str(), Vec::new());
                }
            }
        }
        let slug_index: HashMap<&str, u16> = trades
            .all()
            .iter()
            .enumerate()
            .map(|(i, t)| (t.slug.as_str(), i as u16))
            .collect();
        // The catalogue's own names and words are the strongest trade cues.
        for (i, t) in trades.all().iter().enumerate() {
            let names = [
                t.slug.replace('_', " "),
                t.name_en.clone(),
                t.name_hi.clone(),
            ];
            for w in names.iter().chain(t.words.iter()) {
                lex.add(
                    w,
                    Cue::Trade {
                        trade: i as u16,
                        weight: 1.0,
                    },
                    trades,
                );
            }
        }
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let err = |reason: String| LexiconError::Line {
                line: n + 1,
                reason,
            };
            let f: Vec<&str> = line.split('\t').collect();
            let [kind, value, phrases] = f.as_slice() else {
                return Err(err(format!(
                    "expected 3 tab-separated fields, found {}",
                    f.len()
                )));
            };
            if *kind == "exact" {
                let cues = match *value {
                    "stop" => vec![Cue::Stop],
                    // Past narration and the doer of a past act are stop words too.
                    "past" => vec![Cue::Past, Cue::Stop],
                    "agent" => vec![Cue::Agent, Cue::Stop],
                    other => {
                        return Err(err(format!(
                            "exact words are stop, past or agent words, not '{other}'"
                        )));
                    }
                };
                for w in phrases.split('|').map(str::trim).filter(|p| !p.is_empty()) {
                    let latin = crate::text::to_latin(w).trim().to_string();
                    lex.exact.insert(latin.into_boxed_str(), cues.clone());
                }
                continue;
            }
            let cue = cue_of(kind, value, &slug_index).map_err(err)?;
            for phrase in phrases.split('|').map(str::trim).filter(|p| !p.is_empty()) {
                lex.add(phrase, cue, trades);
            }
        }
        if !lex.clashes.is_empty() {
            return Err(LexiconError::Clash(lex.clashes.join(", ")));
        }
        lex.settle();
        Ok(lex)
    }

    /// Adds a phrase under its joined key (for a phrase written as one word: "rajmistri") and, for several words,
    /// under its spaced key (word keys joined by spaces), which is what a run of words in a message is matched
    /// against: joining words first would let "me nai" pass for "maine".
    fn add(&mut self, phrase: &str, cue: Cue, trades: &TradeCatalogue) {
        let words: Vec<String> = crate::text::to_latin(phrase)
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| self.word_key(w))
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return;
        }
        self.max_words = self.max_words.max(words.len());
        if words.len() > 1 {
            self.add_key(words.join(" "), phrase, cue, trades);
        }
        self.add_key(skeleton(phrase), phrase, cue, trades);
    }

    /// The key of one word of a phrase: its phonetic skeleton, or the word as written (marked with '=') when it is
    /// one of the words matched letter for letter, so "kaam ho gaya" is not "kaam hu gaya".
    pub fn word_key(&self, latin: &str) -> String {
        if self.exact.contains_key(latin) {
            format!("={latin}")
        } else {
            crate::text::fold_latin(latin)
        }
    }

    fn add_key(&mut self, key: String, phrase: &str, cue: Cue, trades: &TradeCatalogue) {
        if key.is_empty() {
            return;
        }
        let cues = self.map.entry(key.into_boxed_str()).or_default();
        if let Cue::Trade { trade, .. } = cue {
            // One key, one trade: a word that folds to a key already naming another trade is a data error.
            if let Some(Cue::Trade { trade: other, .. }) = cues
                .iter()
                .find(|c| matches!(c, Cue::Trade { .. }))
                .copied()
            {
                if other != trade {
                    self.clashes.push(format!(
                        "'{phrase}' ({} vs {})",
                        trades.all()[other as usize].slug,
                        trades.all()[trade as usize].slug
                    ));
                }
                return;
            }
        }
        if !cues.contains(&cue) {
            cues.push(cue);
        }
    }

    /// A word listed as a common word or a vague trade word is not a specific trade in free text (the catalogue
    /// may still use it for list cells): "bai" is a domestic help in a skills column, "bhai" in a chat.
    fn settle(&mut self) {
        for cues in self.map.values_mut() {
            let generic = cues.contains(&Cue::Generic);
            let stop = cues.contains(&Cue::Stop);
            if generic {
                for c in cues.iter_mut() {
                    if let Cue::Trade { weight, .. } = c {
                        *weight = weight.min(0.3);
                    }
                }
            }
            if stop {
                cues.retain(|c| !matches!(c, Cue::Trade { .. }));
            }
        }
    }
}

fn parse_day(v: &str) -> Option<Day> {
    Some(match v {
        "today" => Day::Today,
        "tomorrow" => Day::Tomorrow,
        "day_after" => Day::DayAfter,
        "now" => Day::Now,
        "this_week" => Day::ThisWeek,
        "next_week" => Day::NextWeek,
        "monday" => Day::Monday,
        "tuesday" => Day::Tuesday,
        "wednesday" => Day::Wednesday,
        "thursday" => Day::Thursday,
        "friday" => Day::Friday,
        "saturday" => Day::Saturday,
        "sunday" => Day::Sunday,
        _ => return None,
    })
}

/// The cue of one lexicon line's kind and value.
fn cue_of(kind: &str, value: &str, slug_index: &HashMap<&str, u16>) -> Result<Cue, String> {
    let weight = |value: &str| {
        value
            .parse::<f32>()
            .ok()
            .filter(|w| *w > 0.0 && *w <= 5.0)
            .ok_or_else(|| format!("'{value}' is not a weight"))
    };
    Ok(match kind {
        "trade" => Cue::Trade {
            trade: *slug_index
                .get(value)
                .ok_or_else(|| format!("unknown trade '{value}'"))?,
            weight: 0.7,
        },
        "generic" => Cue::Generic,
        "need" => Cue::Need(weight(value)?),
        "offer" => Cue::Offer(weight(value)?),
        "self" => Cue::SelfIs(weight(value)?),
        "negation" if value == "before" => Cue::NegationBefore,
        "negation" => Cue::Negation,
        "except" => Cue::Except,
        "marker" => Cue::Marker(match value {
            "at" => Marker::At,
            "in" => Marker::In,
            "near" => Marker::Near,
            "block" => Marker::Block,
            "district" => Marker::District,
            "village" => Marker::Village,
            "from" => Marker::From,
            "pin" => Marker::Pin,
            "of" => Marker::Of,
            other => return Err(format!("unknown marker '{other}'")),
        }),
        "number" => Cue::Number(
            value
                .parse()
                .map_err(|_| format!("'{value}' is not a number"))?,
        ),
        "people" => Cue::People,
        "day" => Cue::Day(parse_day(value).ok_or_else(|| format!("day '{value}'"))?),
        "part" => Cue::Part(match value {
            "morning" => PartOfDay::Morning,
            "afternoon" => PartOfDay::Afternoon,
            "evening" => PartOfDay::Evening,
            "night" => PartOfDay::Night,
            other => return Err(format!("unknown part of day '{other}'")),
        }),
        "smalltalk" => Cue::SmallTalk(match value {
            "greeting" => SmallTalk::Greeting,
            "thanks" => SmallTalk::Thanks,
            "yes" => SmallTalk::Yes,
            "help" => SmallTalk::Help,
            "bye" => SmallTalk::Bye,
            "complaint" => SmallTalk::Complaint,
            "feedback" => SmallTalk::Feedback,
            "service" => SmallTalk::Service,
            "question" => SmallTalk::Question,
            other => return Err(format!("unknown small talk '{other}'")),
        }),
        "stop" => Cue::Stop,
        other => return Err(format!("unknown kind '{other}'")),
    })
}
