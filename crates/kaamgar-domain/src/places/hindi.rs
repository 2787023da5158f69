//! Place names in Devanagari for the Hindi interface: the service area's districts and blocks from a table
//! (`data/place_names_hi.tsv`, written by `scripts/derive_place_names_hi.py`, which states its sources), and any
//! other name (a village, a post office) transliterated by rule from the Latin spelling the lists and the
//! gazetteer use. The rules follow how these names are commonly romanised (Hunterian with its usual liberties):
//! `chh` छ, `rh` ढ़ (Marhaura), `aa`/`ee`/`oo` long vowels, a final `a` long (Chhapra), `n`/`m` before another
//! consonant a nasal sign (Jaswantnagar), a doubled consonant a conjunct (Kannauj). Where a Latin spelling is
//! ambiguous (dental or retroflex t and d, short or long a inside a word) the rule picks the commoner reading; the
//! table holds the names that matter most, spelled as people write them.

use std::collections::HashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../../../data/place_names_hi.tsv");

static NAMES: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (_kind, name, hindi) = (f.next()?, f.next()?, f.next()?);
            Some((key(name), hindi.trim()))
        })
        .collect()
});

fn key(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// A place's name as the Hindi interface shows it: the table's spelling, else a transliteration; a name already
/// in Devanagari (or any non-Latin script) is returned as it is.
pub fn hindi_name(name: &str) -> String {
    if let Some(h) = NAMES.get(&key(name)) {
        return (*h).to_string();
    }
    if !name.is_ascii() {
        return name.to_string();
    }
    devanagari(name)
}

/// Whether the table has the name (tests and the derivation script's check).
pub fn in_table(name: &str) -> bool {
    NAMES.contains_key(&key(name))
}

const VIRAMA: char = '\u{94d}';
const ANUSVARA: char = 'ं';

/// Consonants, longest spelling first.
const CONSONANTS: [(&str, char, Option<char>); 33] = [
    ("chh", 'छ', None),
    ("ksh", 'क', Some('ष')),
    ("kh", 'ख', None),
    ("gh", 'घ', None),
    ("ch", 'च', None),
    ("jh", 'झ', None),
    ("th", 'थ', None),
    ("dh", 'ध', None),
    ("ph", 'फ', None),
    ("bh", 'भ', None),
    ("sh", 'श', None),
    ("rh", 'ढ', Some('\u{93c}')),
    ("k", 'क', None),
    ("g", 'ग', None),
    ("c", 'क', None),
    ("j", 'ज', None),
    ("t", 'त', None),
    ("d", 'द', None),
    ("n", 'न', None),
    ("p", 'प', None),
    ("b", 'ब', None),
    ("m", 'म', None),
    ("y", 'य', None),
    ("r", 'र', None),
    ("l", 'ल', None),
    ("v", 'व', None),
    ("w", 'व', None),
    ("s", 'स', None),
    ("h", 'ह', None),
    ("f", 'फ', Some('\u{93c}')),
    ("z", 'ज', Some('\u{93c}')),
    ("q", 'क', Some('\u{93c}')),
    ("x", 'क', Some('स')),
];

/// Vowels, longest spelling first: (spelling, independent letter, sign after a consonant).
const VOWELS: [(&str, &str, &str); 12] = [
    ("aa", "आ", "ा"),
    ("ai", "ऐ", "ै"),
    ("au", "औ", "ौ"),
    ("ee", "ई", "ी"),
    ("ii", "ई", "ी"),
    ("oo", "ऊ", "ू"),
    ("ou", "औ", "ौ"),
    ("a", "अ", ""),
    ("i", "इ", "ि"),
    ("u", "उ", "ु"),
    ("e", "ए", "े"),
    ("o", "ओ", "ो"),
];

/// One Latin word in Devanagari by rule.
fn word(w: &str) -> String {
    let s: Vec<char> = w.to_lowercase().chars().collect();
    let text: String = s.iter().collect();
    let mut out = String::new();
    let mut i = 0;
    // Whether the last thing written was a consonant still carrying its inherent vowel.
    let mut after_consonant = false;
    let mut last_consonant = "";
    while i < s.len() {
        let rest = &text[text.char_indices().nth(i).map_or(text.len(), |(b, _)| b)..];
        if let Some((spelling, letter, sign)) = VOWELS.iter().find(|v| rest.starts_with(v.0)) {
            let len = spelling.chars().count();
            let at_end = i + len == s.len();
            // A final short a is written long (Chhapra, Ekma); a final i long too (Saifai's last vowel aside).
            let (letter, sign) = match (*spelling, at_end) {
                ("a", true) if after_consonant => ("आ", "ा"),
                ("i", true) if after_consonant => ("ई", "ी"),
                _ => (*letter, *sign),
            };
            if after_consonant {
                out.push_str(sign);
            } else {
                out.push_str(letter);
            }
            after_consonant = false;
            i += len;
            continue;
        }
        if let Some((spelling, letter, extra)) = CONSONANTS.iter().find(|c| rest.starts_with(c.0)) {
            let len = spelling.chars().count();
            let next = &rest[spelling.len()..];
            let next_is_consonant = CONSONANTS
                .iter()
                .any(|c| next.starts_with(c.0) && !next.starts_with('y') && !next.starts_with('h'));
            // n or m before another consonant is a nasal sign (Jaswantnagar, Sandalpur).
            if matches!(*spelling, "n" | "m")
                && !out.is_empty()
                && next_is_consonant
                && !next.starts_with(spelling)
            {
                out.push(ANUSVARA);
                after_consonant = false;
                i += len;
                continue;
            }
            // A doubled consonant is a conjunct (Kannauj, Farrukhabad).
            if after_consonant && *spelling == last_consonant {
                out.push(VIRAMA);
            }
            out.push(*letter);
            if let Some(e) = extra {
                if *spelling == "ksh" || *spelling == "x" {
                    out.push(VIRAMA);
                }
                out.push(*e);
            }
            after_consonant = true;
            last_consonant = spelling;
            i += len;
            continue;
        }
        out.push(s[i]);
        after_consonant = false;
        i += 1;
    }
    out
}

/// A Latin-script name in Devanagari by rule, word by word (spaces, hyphens and dots kept).
pub fn devanagari(latin: &str) -> String {
    let mut out = String::new();
    let mut current = String::new();
    for c in latin.chars() {
        if c.is_ascii_alphabetic() {
            current.push(c);
        } else {
            if !current.is_empty() {
                out.push_str(&word(&current));
                current.clear();
            }
            out.push(c);
        }
    }
    if !current.is_empty() {
        out.push_str(&word(&current));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_romanised_names_read_as_people_write_them() {
        for (latin, hindi) in [
            ("Chhapra", "छपरा"),
            ("Ekma", "एकमा"),
            ("Taraiya", "तरैया"),
            ("Kannauj", "कन्नौज"),
            ("Jaswantnagar", "जसवंतनगर"),
            ("Akbarpur", "अकबरपुर"),
            ("Sonepur", "सोनेपुर"),
            ("Marhaura", "मढ़ौरा"),
            ("Kamalganj", "कमलगंज"),
            ("Isuapur", "इसुअपुर"),
            ("Gopalpur B.O", "गोपलपुर ब.ओ"),
        ] {
            assert_eq!(devanagari(latin), hindi, "{latin}");
        }
        assert_eq!(hindi_name("मढ़ौरा"), "मढ़ौरा", "already Devanagari");
    }

    #[test]
    fn the_tables_names_win_over_the_rule() {
        assert_eq!(hindi_name("Marhaura"), "मढ़ौरा");
        assert_eq!(hindi_name("SONEPUR"), "सोनपुर");
        assert_eq!(hindi_name("Kanpur Nagar"), "कानपुर नगर");
        assert!(in_table("Saran") && in_table("Farrukhabad"));
    }
}
