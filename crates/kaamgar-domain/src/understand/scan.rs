//! Reading a message into items: words transliterated and folded, then a left-to-right longest match against
//! the lexicon and the place names, with a typo-tolerant second chance for words left over.

use super::*;

#[derive(Debug, Clone)]
pub(super) struct Token {
    latin: String,
    key: String,
    number: Option<u64>,
    /// Written in Devanagari: its spelling is its sound, so the phonetic key is the spelling.
    devanagari: bool,
}

#[derive(Debug, Clone)]
pub(super) enum ItemKind<'a> {
    Lex(&'a [Cue]),
    /// A trade found within the typo budget.
    FuzzyTrade(u16, f32),
    Place {
        ids: Vec<u32>,
        fuzzy: bool,
        words: usize,
        /// Spelled as one of the places is (not only the same phonetic key): "kamra" (a room) has the key of the
        /// village Kamara but not its spelling.
        spelled: bool,
    },
    Pin(u32),
    Number(u64),
    Word,
}

#[derive(Debug, Clone)]
pub(super) struct Item<'a> {
    pub(super) kind: ItemKind<'a>,
}

impl Item<'_> {
    pub(super) fn cues(&self) -> &[Cue] {
        match self.kind {
            ItemKind::Lex(c) => c,
            _ => &[],
        }
    }

    pub(super) fn has(&self, f: impl Fn(&Cue) -> bool) -> bool {
        self.cues().iter().any(f)
    }

    pub(super) fn is_filler(&self) -> bool {
        match self.kind {
            ItemKind::Lex(c) => c.iter().all(|c| matches!(c, Cue::Stop | Cue::Number(_))),
            _ => false,
        }
    }

    pub(super) fn trade(&self) -> Option<(u16, f32, bool)> {
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

    pub(super) fn marker(&self) -> Option<Marker> {
        self.cues().iter().find_map(|c| match c {
            Cue::Marker(m) => Some(*m),
            _ => None,
        })
    }
}

/// Buffers reused while joining the words of a place name into one key.
#[derive(Default)]
struct Joining {
    raw: String,
    joined: String,
    scratch: Vec<u8>,
}

impl Understander {
    pub(super) fn scan(&self, tokens: &[Token]) -> Vec<Item<'_>> {
        let mut items = Vec::with_capacity(tokens.len());
        let mut i = 0;
        let mut buf = String::new();
        let mut joining = Joining::default();
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
            // A word matched as written is itself unless a phrase starts with it ("ho gaya kya"); phrases hold such
            // words as written.
            let exact = self.lexicon.exact.get(tokens[i].latin.as_str());
            let longest = self.max_words.min(tokens.len() - i);
            for len in (1..=longest).rev() {
                if len == 1
                    && let Some(cues) = exact
                {
                    items.push(Item {
                        kind: ItemKind::Lex(cues),
                    });
                    i += 1;
                    continue 'outer;
                }
                let key: &str = if len == 1 {
                    &tokens[i].key
                } else {
                    buf.clear();
                    for (n, t) in tokens[i..i + len].iter().enumerate() {
                        if n > 0 {
                            buf.push(' ');
                        }
                        if self.lexicon.exact.contains_key(t.latin.as_str()) {
                            buf.push('=');
                            buf.push_str(&t.latin);
                        } else {
                            buf.push_str(&t.key);
                        }
                    }
                    &buf
                };
                if key.is_empty() {
                    continue;
                }
                if let Some(cues) = self.lexicon.map.get(key) {
                    // A word that is also a place of the service area and is followed by a place marker is the
                    // place: "nagra me" (not "nagar"), "bharthana me" (not "bartan").
                    // Spelled as the place, not only sounding like it: "kaam pe" is not the village Khama.
                    let place_here = len == 1
                        && self.marker_at(tokens, i + 1)
                        && self.places.exact(key, 1).iter().any(|&e| {
                            self.places
                                .in_area(self.places.entries[e as usize].district)
                                && (tokens[i].devanagari
                                    || self.spelled_as_place(&loose_spelling(&tokens[i].latin), e))
                        });
                    if !place_here {
                        items.push(Item {
                            kind: ItemKind::Lex(cues),
                        });
                        i += len;
                        continue 'outer;
                    }
                }
                if let Some(kind) = self.place_at(tokens, i, len, key, &mut joining) {
                    items.push(Item { kind });
                    i += len;
                    continue 'outer;
                }
            }
            let t = &tokens[i];
            let kind = match t.number {
                Some(n) => ItemKind::Number(n),
                None => self.fuzzy_item(t, self.marker_at(tokens, i + 1)),
            };
            items.push(Item { kind });
            i += 1;
        }
        items
    }

    /// The places named by the `len` words at `i` (whose lexicon key is `key`). Place keys are joined: "Kanpur
    /// Nagar" and "kanpurnagar" alike. A place name of several words outside the service area does not contain a
    /// common word ("Khanpur Meena" is not "कानपुर में").
    fn place_at(
        &self,
        tokens: &[Token],
        i: usize,
        len: usize,
        key: &str,
        j: &mut Joining,
    ) -> Option<ItemKind<'_>> {
        let place_key: &str = if len == 1 {
            key
        } else {
            j.raw.clear();
            for t in &tokens[i..i + len] {
                j.raw.push_str(&t.latin);
            }
            fold_latin_into(&j.raw, &mut j.scratch, &mut j.joined);
            &j.joined
        };
        if tokens[i].number.is_some()
            || (place_key.len() < 3 && !self.short_place_ok(tokens, i, len, place_key))
        {
            return None;
        }
        let mut ids = self.places.exact(place_key, len);
        let accepted = !ids.is_empty()
            && (len == 1
                || ids.iter().any(|&e| {
                    self.places
                        .in_area(self.places.entries[e as usize].district)
                })
                || !tokens[i..i + len]
                    .iter()
                    .any(|t| self.is_function_word(&t.key)));
        if !accepted {
            return None;
        }
        let spelled = len > 1 || self.keep_spelled(&tokens[i], place_key, &mut ids);
        if ids.is_empty() {
            return None;
        }
        Some(ItemKind::Place {
            ids,
            fuzzy: false,
            words: len,
            spelled,
        })
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

    /// Of the service area's villages with this key, keeps those spelled as the word is written, when some are
    /// ("ITI" is I.T.I., not I.T.E.), and says whether any is; districts, blocks (known by their aliases too) and
    /// villages elsewhere (which need a marker anyway) stay. A Devanagari word is spelled as it sounds.
    fn keep_spelled(&self, t: &Token, key: &str, ids: &mut Vec<u32>) -> bool {
        if t.devanagari {
            return key.len() >= 3;
        }
        let word = loose_spelling(&t.latin);
        // A district far from the area is named by its name or an alias of it, not by a word that only sounds
        // like its name ("kaam" is not Khammam).
        let short = word.len() <= 5;
        ids.retain(|&e| {
            let entry = &self.places.entries[e as usize];
            // A block of the area named by a short word must have its consonants as written ("ekama" is Ekma,
            // "khud" is not Cod).
            if entry.kind == PlaceKind::Block && short && self.places.in_area(entry.district) {
                let name = crate::text::to_latin(self.places.name(entry.name));
                return consonants(&loose_spelling(&name)) == consonants(&word)
                    || crate::text::fold_latin(&name) != key;
            }
            entry.kind != PlaceKind::District
                || self.places.area.is_empty()
                || self.places.in_area(entry.district)
                || self.spelled_as_place(&word, e)
                || crate::text::fold_latin(&crate::text::to_latin(self.places.name(entry.name)))
                    != key
        });
        let local_village = |e: u32| {
            let entry = &self.places.entries[e as usize];
            entry.kind == PlaceKind::PostOffice
                && (self.places.area.is_empty() || self.places.in_area(entry.district))
        };
        let alike: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|&e| local_village(e) && self.spelled_as_place(&word, e))
            .collect();
        if !alike.is_empty() {
            ids.retain(|&e| !local_village(e) || alike.contains(&e));
        }
        !alike.is_empty()
    }

    /// Whether a word is written as one of these places is (long vowels, doubled letters and a few interchangeable
    /// letters aside, or one letter off in a longer name), not only sounding alike.
    fn spelled_as_place(&self, w: &str, e: u32) -> bool {
        let name = crate::text::to_latin(self.places.name(self.places.entries[e as usize].name));
        let n = loose_spelling(&name);
        // One letter off in a name of six letters or more, two in one of nine or more.
        let slack = match w.chars().count() {
            0..=5 => 0,
            6..=8 => 1,
            _ => 2,
        };
        n == w || (slack > 0 && crate::text::bounded_distance(&n, w, slack).is_some())
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
    fn fuzzy_item(&self, t: &Token, before_marker: bool) -> ItemKind<'_> {
        let key = t.key.as_str();
        let places = self.places.fuzzy(key);
        let lex = if key.len() >= MIN_FUZZY_WORD {
            self.lexicon_fuzzy
                .lookup(key)
                .first()
                .and_then(|&(_, k)| self.lexicon.map.get(k))
        } else {
            None
        };
        let place_kind = |ids: Vec<u32>| {
            // A Devanagari word is spelled as it sounds: a longer one one sound off is the same name.
            let spelled = if t.devanagari {
                key.len() >= 5
            } else {
                let word = loose_spelling(&t.latin);
                ids.iter().any(|&e| self.spelled_as_place(&word, e))
            };
            ItemKind::Place {
                ids,
                fuzzy: true,
                words: 1,
                spelled,
            }
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
}

/// Splits a message into words: transliterated, lower-cased, with their phonetic keys; numbers kept as numbers.
pub(super) fn tokenize(message: &str) -> Vec<Token> {
    let end = message
        .char_indices()
        .nth(MAX_MESSAGE_CHARS)
        .map_or(message.len(), |(i, _)| i);
    let mut tokens = Vec::new();
    for chunk in message[..end].split(char::is_whitespace) {
        if chunk.is_empty() {
            continue;
        }
        let devanagari = chunk
            .chars()
            .any(|c| ('\u{0900}'..='\u{097F}').contains(&c));
        let latin = to_latin(chunk);
        for w in latin
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let number = w
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| w.parse::<u64>().ok())
                .flatten();
            tokens.push(Token {
                key: if number.is_some() {
                    w.to_string()
                } else {
                    fold_latin(w)
                },
                latin: w.to_string(),
                number,
                devanagari,
            });
        }
    }
    tokens
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

/// A spelling with its vowels (unlike the phonetic key) but without what varies between writers: case, long
/// vowels written twice, doubled consonants, `w`/`v`, `z`/`j`, `ph`/`f`, and a trailing `h`.
fn loose_spelling(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let lower = s
        .to_lowercase()
        .replace("ph", "f")
        .replace("ee", "i")
        .replace("oo", "u");
    for c in lower.chars().filter(|c| c.is_ascii_alphabetic()) {
        let c = match c {
            'w' => 'v',
            'z' => 'j',
            'q' => 'k',
            other => other,
        };
        if out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    if out.len() > 3 && out.ends_with('h') {
        out.pop();
    }
    out
}

fn consonants(s: &str) -> String {
    s.chars().filter(|c| !"aeiouy".contains(*c)).collect()
}

#[cfg(test)]
mod spelling_tests {
    use super::loose_spelling;

    #[test]
    fn spellings_of_one_name_meet_and_words_of_one_key_do_not() {
        assert_eq!(loose_spelling("Marhaura"), loose_spelling("marhaura"));
        assert_eq!(loose_spelling("Chhapra"), loose_spelling("chapra"));
        assert_eq!(loose_spelling("Kalyaanpur"), loose_spelling("kalyanpur"));
        assert_ne!(loose_spelling("kamra"), loose_spelling("Kamara"));
        assert_ne!(loose_spelling("usne"), loose_spelling("Ushti"));
    }
}
