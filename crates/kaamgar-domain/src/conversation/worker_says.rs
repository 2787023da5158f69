//! What a worker says about themself in their own words: whether they are free or busy now, said inside a
//! sentence, and how many years they have done the work (never an age).

use super::words::{has_phrase, normalise, words_of};

/// Phrases by which a registered worker says, inside a sentence, that they can or cannot take work now ("abhi free
/// hoon, koi kaam ho to batana"). Matched on whole words; "not" forms first.
const BUSY_SAID: &[&str] = &[
    "free nahi hoon",
    "free nahi hu",
    "free nahi hun",
    "khali nahi hoon",
    "khali nahi hu",
    "khali nahi hun",
    "busy hoon",
    "busy hu",
    "busy hun",
    "busy rahunga",
    "vyast hoon",
    "vyast hu",
    "i am busy",
    "i'm busy",
    "not free",
    "फ्री नहीं हूँ",
    "खाली नहीं हूँ",
    "खाली नहीं हूं",
    "व्यस्त हूँ",
    "व्यस्त हूं",
    "बिज़ी हूँ",
    "बिजी हूँ",
    "बिजी हूं",
];
const FREE_SAID: &[&str] = &[
    "free hoon",
    "free hu",
    "free hun",
    "khali hoon",
    "khali hu",
    "khali hun",
    "available hoon",
    "available hu",
    "i am free",
    "i'm free",
    "i am available",
    "फ्री हूँ",
    "फ्री हूं",
    "खाली हूँ",
    "खाली हूं",
];

/// Words that put "free" later than now ("kal free hoon", "5 baje ke baad free"): not a change of availability now.
const LATER_WORDS: &[&str] = &[
    "kal",
    "parso",
    "parson",
    "baad",
    "baje",
    "shaam",
    "sham",
    "subah",
    "raat",
    "tomorrow",
    "later",
    "evening",
    "morning",
    "tonight",
    "कल",
    "परसों",
    "बाद",
    "बजे",
    "शाम",
    "सुबह",
    "रात",
];

/// A worker saying in a sentence that they are free now (`true`) or busy (`false`); free at a later time is
/// neither.
pub fn availability_said(text: &str) -> Option<bool> {
    let t = normalise(text);
    let words = words_of(&t);
    if has_phrase(&words, BUSY_SAID) {
        return Some(false);
    }
    if words.iter().any(|w| LATER_WORDS.contains(w)) {
        return None;
    }
    has_phrase(&words, FREE_SAID).then_some(true)
}

/// Number words up to thirty, romanised and in Devanagari, as people write years of work.
const NUMBER_WORDS: &[(&str, u8)] = &[
    ("ek", 1),
    ("one", 1),
    ("एक", 1),
    ("do", 2),
    ("two", 2),
    ("दो", 2),
    ("teen", 3),
    ("tin", 3),
    ("three", 3),
    ("तीन", 3),
    ("char", 4),
    ("chaar", 4),
    ("four", 4),
    ("चार", 4),
    ("panch", 5),
    ("paanch", 5),
    ("five", 5),
    ("पांच", 5),
    ("पाँच", 5),
    ("chhah", 6),
    ("chhe", 6),
    ("six", 6),
    ("छह", 6),
    ("छः", 6),
    ("saat", 7),
    ("seven", 7),
    ("सात", 7),
    ("aath", 8),
    ("eight", 8),
    ("आठ", 8),
    ("nau", 9),
    ("nine", 9),
    ("नौ", 9),
    ("das", 10),
    ("ten", 10),
    ("दस", 10),
    ("gyarah", 11),
    ("ग्यारह", 11),
    ("barah", 12),
    ("baarah", 12),
    ("twelve", 12),
    ("बारह", 12),
    ("pandrah", 15),
    ("fifteen", 15),
    ("पंद्रह", 15),
    ("bees", 20),
    ("bis", 20),
    ("twenty", 20),
    ("बीस", 20),
    ("pachchis", 25),
    ("पच्चीस", 25),
    ("tees", 30),
    ("thirty", 30),
    ("तीस", 30),
];

/// Words for a year or years.
const YEAR_WORDS: &[&str] = &[
    "saal",
    "sal",
    "saalon",
    "salon",
    "varsh",
    "baras",
    "year",
    "years",
    "yr",
    "yrs",
    "साल",
    "सालों",
    "वर्ष",
    "बरस",
];

/// Words that make a number an age, not years of work ("umar 25 saal").
const AGE_WORDS: &[&str] = &[
    "umar",
    "umra",
    "umr",
    "age",
    "aged",
    "old",
    "उम्र",
    "उमर",
    "आयु",
];

/// Words for months: "6 mahine" is less than a year.
const MONTH_WORDS: &[&str] = &[
    "mahina",
    "mahine",
    "mahino",
    "month",
    "months",
    "महीना",
    "महीने",
    "महीनों",
    "माह",
];

/// After "saal ka", these make it experience ("10 saal ka anubhav"); anything else makes it an age ("25 saal ka
/// hoon").
const EXPERIENCE_WORDS: &[&str] = &["anubhav", "experience", "tajurba", "अनुभव", "तजुर्बा"];

/// Words of someone new to the work.
const NEW_WORDS: &[&str] = &["naya", "nayi", "new", "fresher", "नया", "नई", "नए"];

/// Years of work in a message: "17 साल", "10 saal se", "das saal", "5 years". With `bare`, the message answers
/// "how many years?", so a number alone counts and "naya hoon" is 0; otherwise a year word must follow the number.
/// A number said as an age ("umar 25 saal") or beyond 60 is not years of work.
pub fn years_of_work(text: &str, bare: bool) -> Option<u8> {
    let t = normalise(text);
    let words: Vec<String> = t
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '!' | '.' | '।' | '?' | '+' | '-'))
        .filter(|w| !w.is_empty())
        .map(crate::text::to_latin_digits)
        .collect();
    if words.iter().any(|w| AGE_WORDS.contains(&w.as_str())) {
        return None;
    }
    let number = |w: &str| -> Option<u32> {
        if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) {
            return w.parse().ok();
        }
        // "17saal", "5yrs": the digits then the year word.
        let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && YEAR_WORDS.contains(&&w[digits.len()..]) {
            return digits.parse().ok();
        }
        NUMBER_WORDS
            .iter()
            .find(|(n, _)| *n == w)
            .map(|(_, v)| u32::from(*v))
    };
    let word_at = |i: usize| words.get(i).map_or("", String::as_str);
    for (i, w) in words.iter().enumerate() {
        let Some(n) = number(w) else { continue };
        let digits = w.chars().next().is_some_and(|c| c.is_ascii_digit());
        let glued = digits && w.chars().any(|c| !c.is_ascii_digit());
        let unit = glued || YEAR_WORDS.contains(&word_at(i + 1));
        if MONTH_WORDS.contains(&word_at(i + 1)) {
            // Months of work: new to it, in answer to the question.
            return bare.then_some(0);
        }
        // "25 saal ka hoon" is an age; "10 saal ka anubhav" is not.
        let genitive = |k: usize| matches!(word_at(k), "ka" | "ki" | "ke" | "का" | "की" | "के");
        let k = if glued { i + 1 } else { i + 2 };
        if unit && genitive(k) && !EXPERIENCE_WORDS.contains(&word_at(k + 1)) {
            continue;
        }
        // A number word ("do", "ek") counts only with a year word, or alone as the whole answer.
        let alone = bare && ((digits && words.len() <= 4) || words.len() == 1);
        if (unit || alone) && n <= 60 {
            return Some(n as u8);
        }
    }
    (bare && words.iter().any(|w| NEW_WORDS.contains(&w.as_str()))).then_some(0)
}

#[cfg(test)]
mod tests {
    use super::{availability_said, years_of_work};

    #[test]
    fn years_of_work_are_read_and_never_an_age() {
        assert_eq!(years_of_work("17 साल", true), Some(17));
        assert_eq!(years_of_work("१७ साल", true), Some(17));
        assert_eq!(years_of_work("17", true), Some(17));
        assert_eq!(years_of_work("das saal se kar raha hu", true), Some(10));
        assert_eq!(years_of_work("5yrs", true), Some(5));
        assert_eq!(years_of_work("naya hoon", true), Some(0));
        assert_eq!(years_of_work("pata nahi", true), None);
        assert_eq!(years_of_work("meri umar 25 saal hai", true), None);
        assert_eq!(years_of_work("200", true), None);
        assert_eq!(
            years_of_work("main 12 saal se plumber hoon marhaura me", false),
            Some(12)
        );
        assert_eq!(years_of_work("plumber hoon 841418 marhaura", false), None);
        assert_eq!(years_of_work("main plumber hoon 2 beta hai", false), None);
        assert_eq!(years_of_work("main 25 saal ka hoon, plumber", false), None);
        assert_eq!(years_of_work("10 saal ka anubhav hai", true), Some(10));
        assert_eq!(years_of_work("6 mahine", true), Some(0));
        assert_eq!(years_of_work("kaam do", true), None);
        assert_eq!(years_of_work("do", true), Some(2));
        assert_eq!(years_of_work("do saal", true), Some(2));
    }

    #[test]
    fn availability_is_read_inside_a_sentence() {
        assert_eq!(
            availability_said("bhai abhi free hoon, kaam ho to batao"),
            Some(true)
        );
        assert_eq!(availability_said("आज खाली हूँ"), Some(true));
        assert_eq!(availability_said("aaj busy hu kal se free"), Some(false));
        assert_eq!(availability_said("abhi free nahi hoon"), Some(false));
        assert_eq!(availability_said("nal free me thik karoge?"), None);
        assert_eq!(availability_said("kal free hoon"), None, "later is not now");
        assert_eq!(availability_said("5 baje ke baad free hu"), None);
    }
}
