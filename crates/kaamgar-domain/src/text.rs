//! Script- and spelling-tolerant keys for names: Devanagari and romanised Hindi meet on one phonetic skeleton.
//!
//! District lists, chat messages and official directories spell the same place or trade many ways
//! (Marhaura / MARHAURAH / मढ़ौरा, Chapra / Chhapra / छपरा, raj mistri / राजमिस्त्री). Instead of listing every
//! spelling, both scripts are reduced to a lowercase Latin skeleton in which the differences people make
//! (aspiration, vowel length, schwa, nukta, anusvara, doubled letters) disappear.

/// Reduces a name or phrase to its phonetic skeleton (spaces and punctuation dropped).
///
/// The skeleton ignores case, spacing and punctuation and is equal for the common spelling variants of a word.
pub fn skeleton(input: &str) -> String {
    let latin = to_latin(input);
    fold_latin(&latin)
}

/// Skeletons of each word of `input`, in order; words are split on anything that is not a letter or a digit.
pub fn word_skeletons(input: &str) -> Vec<String> {
    to_latin(input)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold_latin)
        .filter(|w| !w.is_empty())
        .collect()
}

/// Devanagari digits as Latin ones, everything else as it is ("१७ साल" → "17 साल").
pub fn to_latin_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| devanagari_digit(c).unwrap_or(c))
        .collect()
}

/// Lower-cases and transliterates Devanagari to a rough Latin spelling; other letters pass through,
/// Devanagari digits become ASCII digits, everything else becomes a space.
pub fn to_latin(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(d) = devanagari_digit(c) {
            out.push(d);
            continue;
        }
        if let Some(s) = devanagari_letter(c) {
            // A following nukta turns ड/ढ into the flapped r; on other letters it is dropped (क़→क).
            let mut s = s;
            if chars.peek() == Some(&'\u{093C}') {
                chars.next();
                if c == 'ड' || c == 'ढ' {
                    s = "r";
                }
            }
            out.push_str(s);
            // A consonant without a vowel sign or virama carries the inherent a, as romanised Hindi writes it
            // (मढ़ौरा = "marhaura"); the skeleton drops it again, but it keeps म्ह (a cluster) apart from मह.
            if is_devanagari_consonant(c)
                && !chars
                    .peek()
                    .is_some_and(|n| is_vowel_sign(*n) || *n == '\u{094D}')
            {
                out.push('a');
            }
            continue;
        }
        if matches!(c, '\u{094D}' | '\u{093C}' | '\u{0951}'..='\u{0954}') {
            // Virama, a stray nukta and accent marks join letters of one word: no sound, no break.
            continue;
        }
        if ('\u{0900}'..='\u{097F}').contains(&c) {
            // Danda, avagraha and the other signs end a word.
            out.push(' ');
            continue;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(s) = latin_diacritic(c) {
            out.push_str(s);
        } else if c == '\u{200C}' || c == '\u{200D}' {
            // Zero-width joiners only shape glyphs.
        } else {
            out.push(' ');
        }
    }
    out
}

fn is_vowel_sign(c: char) -> bool {
    ('\u{093E}'..='\u{094C}').contains(&c) || matches!(c, '\u{0962}' | '\u{0963}')
}

fn is_devanagari_consonant(c: char) -> bool {
    ('\u{0915}'..='\u{0939}').contains(&c) || ('\u{0958}'..='\u{095F}').contains(&c)
}

fn devanagari_digit(c: char) -> Option<char> {
    match c {
        '\u{0966}'..='\u{096F}' => char::from_digit(c as u32 - 0x0966, 10),
        _ => None,
    }
}

fn devanagari_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'अ' => "a",
        'आ' | 'ा' => "aa",
        'इ' | 'ि' | 'ई' | 'ी' => "i",
        'उ' | 'ु' | 'ऊ' | 'ू' => "u",
        'ऋ' | 'ृ' => "ri",
        'ए' | 'े' | 'ऐ' | 'ै' | 'ऎ' | 'ॆ' | 'ऍ' | 'ॅ' => "e",
        'ओ' | 'ो' | 'औ' | 'ौ' | 'ऒ' | 'ॊ' | 'ऑ' | 'ॉ' => "o",
        'ं' | 'ँ' => "n",
        'ः' => "h",
        'क' | 'ख' | '\u{0958}' | '\u{0959}' => "k",
        'ग' | 'घ' | '\u{095A}' => "g",
        'ङ' | 'ञ' | 'ण' | 'न' | 'ऩ' => "n",
        'च' | 'छ' => "ch",
        'ज' | 'झ' | '\u{095B}' => "j",
        'ट' | 'ठ' | 'त' | 'थ' => "t",
        'ड' | 'ढ' | 'द' | 'ध' => "d",
        '\u{095C}' | '\u{095D}' => "r",
        'प' => "p",
        'फ' | '\u{095E}' => "f",
        'ब' | 'भ' => "b",
        'म' => "m",
        'य' | '\u{095F}' => "y",
        'र' | 'ऱ' => "r",
        'ल' | 'ळ' => "l",
        'व' => "v",
        'श' | 'ष' | 'स' => "s",
        'ह' => "h",
        _ => return None,
    })
}

fn latin_diacritic(c: char) -> Option<&'static str> {
    Some(match c {
        'ā' | 'Ā' | 'á' | 'à' | 'â' | 'ä' => "a",
        'ī' | 'Ī' | 'í' | 'ì' | 'î' | 'ï' => "i",
        'ū' | 'Ū' | 'ú' | 'ù' | 'û' | 'ü' => "u",
        'ē' | 'é' | 'è' | 'ê' | 'ë' => "e",
        'ō' | 'ó' | 'ò' | 'ô' | 'ö' => "o",
        'ṛ' | 'ṟ' => "r",
        'ṣ' | 'ś' => "s",
        'ṭ' => "t",
        'ḍ' => "d",
        'ṇ' | 'ñ' | 'ṅ' | 'ṃ' => "n",
        'ḥ' => "h",
        _ => return None,
    })
}

/// Folds a lower-case Latin word (or phrase, spaces ignored) to its skeleton; `skeleton` after `to_latin`.
pub fn fold_latin(word: &str) -> String {
    let mut scratch = Vec::new();
    let mut out = String::new();
    fold_latin_into(word, &mut scratch, &mut out);
    out
}

/// [`fold_latin`] into a caller's buffers (`out` is cleared first), for hot loops.
pub fn fold_latin_into(word: &str, scratch: &mut Vec<u8>, out: &mut String) {
    let filtered: Vec<u8>;
    let b: &[u8] = if word.bytes().all(|c| c.is_ascii_alphanumeric()) {
        word.as_bytes()
    } else {
        filtered = word.bytes().filter(u8::is_ascii_alphanumeric).collect();
        &filtered
    };
    // Pass 1: consonant clusters and aspirates to single letters.
    let s = scratch;
    s.clear();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match (c, next) {
            (b'c', Some(b'h')) => {
                s.push(b'C');
                i += 2;
                // "chh" is the same sound written with an extra h.
                while b.get(i) == Some(&b'h') {
                    i += 1;
                }
                continue;
            }
            (b's', Some(b'h')) => {
                s.push(b's');
                i += 2;
                continue;
            }
            (b'p', Some(b'h')) => {
                s.push(b'f');
                i += 2;
                continue;
            }
            (b'k' | b'g' | b'j' | b't' | b'd' | b'b' | b'r', Some(b'h')) => {
                s.push(c);
                i += 2;
                continue;
            }
            (b'c', Some(b'k')) => {
                s.push(b'k');
                i += 2;
                continue;
            }
            _ => {}
        }
        match c {
            b'c' => s.push(b'k'),
            b'q' => s.push(b'k'),
            b'x' => s.extend_from_slice(b"ks"),
            b'z' => s.push(b'j'),
            b'w' => s.push(b'v'),
            _ => s.push(c),
        }
        i += 1;
    }
    // Pass 2: vowels. Long and short merge, e/i and o/u merge, 'a' after the first letter is dropped
    // (the inherent schwa is written in romanised Hindi but not in Devanagari).
    out.clear();
    // Only ASCII letters and digits are pushed below.
    let v = out;
    // A word-initial "au"/"ai" is the vowel औ/ऐ, which Devanagari folds to o/e: "Auraiya" = "Oraiya" = "औरैया".
    let skip_first = s.len() > 2 && s[0] == b'a' && matches!(s[1], b'u' | b'i');
    for (idx, &c) in s.iter().enumerate().skip(usize::from(skip_first)) {
        let c = match c {
            b'e' | b'i' => b'i',
            b'o' | b'u' => b'u',
            b'C' => b'c',
            other => other,
        };
        if c == b'a' && idx > 0 {
            continue;
        }
        if c == b'y' && idx > 0 && v.as_bytes().last() == Some(&b'i') {
            // "chahiye"/"chahie", "kumhariya"/"kumharia".
            continue;
        }
        if c == b'm' && matches!(s.get(idx + 1), Some(b'b' | b'p' | b'h')) {
            // A nasal before a labial or h is written with anusvara or with a half letter: कुंहार = कुम्हार,
            // "ambar" = "anbar". (Not before every consonant: romanised Hindi drops the schwa too, "Amnour".)
            if v.as_bytes().last() != Some(&b'n') {
                v.push('n');
            }
            continue;
        }
        if c == b'h' && idx > 0 && idx + 1 == s.len() && is_vowel(s[idx - 1]) {
            // "marhaurah" / "marhaura".
            continue;
        }
        if v.as_bytes().last() == Some(&c) {
            continue;
        }
        v.push(char::from(c));
    }
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Levenshtein distance over bytes, stopping early once every path exceeds `max`.
/// Returns `None` when the distance is larger than `max`.
pub fn bounded_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

/// How many edits a skeleton of this length may be away from a known name and still count as a typo of it.
pub fn typo_budget(skeleton_len: usize) -> usize {
    match skeleton_len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Hides phone numbers in free text (a conversation shows numbers exchanged, a lead repeats the citizen's words):
/// every run of 8 or more digits (Latin or Devanagari), spaces and dashes included, keeps only its last two digits.
pub fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if is_digit(chars[i])
            || (matches!(chars[i], '+' | '(') && chars.get(i + 1).copied().is_some_and(is_digit))
        {
            // A number written with spaces, dashes, dots, slashes or brackets between its digits is one number.
            let joins = |c: char| matches!(c, ' ' | '-' | '.' | '/' | '(' | ')');
            let mut j = i + 1;
            loop {
                if j < chars.len() && is_digit(chars[j]) {
                    j += 1;
                } else if j + 1 < chars.len() && joins(chars[j]) && is_digit(chars[j + 1]) {
                    j += 2;
                } else if j + 2 < chars.len()
                    && joins(chars[j])
                    && joins(chars[j + 1])
                    && is_digit(chars[j + 2])
                {
                    j += 3;
                } else {
                    break;
                }
            }
            let digits = chars[i..j].iter().filter(|c| is_digit(**c)).count();
            if digits >= 8 {
                let mut seen = 0;
                for &c in &chars[i..j] {
                    if is_digit(c) {
                        seen += 1;
                        out.push(if seen > digits - 2 { c } else { '•' });
                    } else {
                        out.push(c);
                    }
                }
            } else {
                out.extend(&chars[i..j]);
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('०'..='९').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spelling_variants_of_saran_places_share_a_skeleton() {
        assert_eq!(skeleton("Marhaura"), skeleton("MARHAURAH"));
        assert_eq!(skeleton("Marhaura"), skeleton("मढ़ौरा"));
        assert_eq!(skeleton("Chapra"), skeleton("Chhapra"));
        assert_eq!(skeleton("Chapra"), skeleton("छपरा"));
        assert_eq!(skeleton("Isuapur"), skeleton("Ishupur"));
        assert_eq!(skeleton("Revelganj"), skeleton("Rivilganj"));
    }

    #[test]
    fn decomposed_and_precomposed_nukta_fold_alike() {
        assert_eq!(skeleton("म\u{095D}ौरा"), skeleton("मढ\u{093C}ौरा"));
        assert_eq!(skeleton("\u{095B}री"), skeleton("जरी"));
    }

    #[test]
    fn trade_words_meet_across_scripts() {
        assert_eq!(skeleton("raj mistri"), skeleton("राजमिस्त्री"));
        assert_eq!(skeleton("darzi"), skeleton("दर्जी"));
        assert_eq!(skeleton("dhobi"), skeleton("धोबी"));
        assert_eq!(skeleton("kumhar"), skeleton("कुम्हार"));
        assert_eq!(skeleton("कुंहार"), skeleton("कुम्हार"));
        assert_eq!(skeleton("चाँद"), skeleton("चांद"));
    }

    #[test]
    fn a_conjunct_stays_one_word_and_initial_vowel_pairs_fold() {
        assert_eq!(word_skeletons("दर्जी चाहिए").len(), 2);
        assert_eq!(word_skeletons("इलेक्ट्रीशियन").len(), 1);
        assert_eq!(skeleton("Auraiya"), skeleton("Oraiya"));
        assert_eq!(skeleton("Auraiya"), skeleton("औरैया"));
        assert_eq!(skeleton("Aithal"), skeleton("ऐथल"));
    }

    #[test]
    fn devanagari_digits_become_ascii() {
        assert_eq!(to_latin("८४१३०१").trim(), "841301");
    }

    #[test]
    fn distance_is_bounded() {
        assert_eq!(bounded_distance("plumbar", "plumber", 1), Some(1));
        assert_eq!(bounded_distance("abc", "xyz", 1), None);
    }

    proptest! {
        #[test]
        fn skeleton_never_panics_and_is_ascii(s in ".{0,200}") {
            let k = skeleton(&s);
            prop_assert!(k.is_ascii());
        }

        #[test]
        fn skeleton_ignores_case_spaces_and_punctuation(s in "[a-z]{1,12}", t in "[a-z]{1,12}") {
            let plain = skeleton(&format!("{s}{t}"));
            prop_assert_eq!(skeleton(&format!("{} - {}.", s.to_uppercase(), t)), plain);
        }

        #[test]
        fn distance_is_symmetric(a in "[a-z]{0,12}", b in "[a-z]{0,12}") {
            prop_assert_eq!(bounded_distance(&a, &b, 20), bounded_distance(&b, &a, 20));
        }
    }
}
