//! The few whole-message commands the bot obeys in any state (stop, start, busy, free, cancel, help, a language),
//! written the ways people write them, and a guess at the language of a message.

use super::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Stop,
    Start,
    Busy,
    Free,
    Cancel,
    Help,
    Language(Lang),
    Yes,
    No,
}

/// Lower-cased, trimmed of spaces and closing punctuation, inner spaces collapsed.
pub fn normalise(text: &str) -> String {
    let t = text
        .trim()
        .trim_end_matches(['.', '!', '?', '।', ',', ' '])
        .to_lowercase();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

const COMMANDS: &[(&str, Command)] = &[
    ("stop", Command::Stop),
    ("unsubscribe", Command::Stop),
    ("stop all", Command::Stop),
    ("band", Command::Stop),
    ("band karo", Command::Stop),
    ("बंद", Command::Stop),
    ("बंद करो", Command::Stop),
    ("बंद करें", Command::Stop),
    ("start", Command::Start),
    ("subscribe", Command::Start),
    ("shuru", Command::Start),
    ("suru", Command::Start),
    ("शुरू", Command::Start),
    ("शुरु", Command::Start),
    ("busy", Command::Busy),
    ("i am busy", Command::Busy),
    ("busy hoon", Command::Busy),
    ("busy hu", Command::Busy),
    ("vyast", Command::Busy),
    ("vyast hoon", Command::Busy),
    ("व्यस्त", Command::Busy),
    ("व्यस्त हूँ", Command::Busy),
    ("व्यस्त हूं", Command::Busy),
    ("free", Command::Free),
    ("i am free", Command::Free),
    ("free hoon", Command::Free),
    ("free hu", Command::Free),
    ("khali", Command::Free),
    ("khali hoon", Command::Free),
    ("khali hu", Command::Free),
    ("available", Command::Free),
    ("खाली", Command::Free),
    ("खाली हूँ", Command::Free),
    ("खाली हूं", Command::Free),
    ("फ्री", Command::Free),
    ("cancel", Command::Cancel),
    ("radd", Command::Cancel),
    ("radd karo", Command::Cancel),
    ("रद्द", Command::Cancel),
    ("रद्द करो", Command::Cancel),
    ("रद्द करें", Command::Cancel),
    ("help", Command::Help),
    ("madad", Command::Help),
    ("मदद", Command::Help),
    ("menu", Command::Help),
    ("मेनू", Command::Help),
    ("english", Command::Language(Lang::En)),
    ("angrezi", Command::Language(Lang::En)),
    ("अंग्रेज़ी", Command::Language(Lang::En)),
    ("अंग्रेजी", Command::Language(Lang::En)),
    ("hindi", Command::Language(Lang::Hi)),
    ("हिंदी", Command::Language(Lang::Hi)),
    ("हिन्दी", Command::Language(Lang::Hi)),
    ("yes", Command::Yes),
    ("y", Command::Yes),
    ("ok", Command::Yes),
    ("haan", Command::Yes),
    ("han", Command::Yes),
    ("ha", Command::Yes),
    ("ji", Command::Yes),
    ("ji haan", Command::Yes),
    ("हाँ", Command::Yes),
    ("हां", Command::Yes),
    ("जी", Command::Yes),
    ("जी हाँ", Command::Yes),
    ("sahmat", Command::Yes),
    ("सहमत", Command::Yes),
    ("no", Command::No),
    ("n", Command::No),
    ("nahi", Command::No),
    ("nahin", Command::No),
    ("na", Command::No),
    ("नहीं", Command::No),
    ("ना", Command::No),
];

pub fn command(text: &str) -> Option<Command> {
    let t = normalise(text);
    COMMANDS.iter().find(|(w, _)| *w == t).map(|(_, c)| *c)
}

/// Words that answer a yes-or-no question when a message starts with them or is one of the phrases.
const YES_WORDS: &[&str] = &[
    "haan",
    "han",
    "ha",
    "haa",
    "ji",
    "jee",
    "yes",
    "yess",
    "ok",
    "okay",
    "accept",
    "accepted",
    "theek",
    "thik",
    "sahi",
    "done",
    "हाँ",
    "हां",
    "हा",
    "जी",
    "ठीक",
    "सही",
    "बिल्कुल",
    "bilkul",
    "zaroor",
    "jarur",
    "jaroor",
];
const NO_WORDS: &[&str] = &[
    "nahi",
    "nahin",
    "nhi",
    "nai",
    "na",
    "no",
    "nope",
    "reject",
    "decline",
    "mana",
    "नहीं",
    "नही",
    "ना",
    "मना",
];
const YES_PHRASES: &[&str] = &[
    "kar dunga",
    "kar denge",
    "kar doonga",
    "kar lunga",
    "aa jaunga",
    "aa jayenge",
    "aa raha hoon",
    "aa raha hu",
    "pahunch jaunga",
    "ho gaya",
    "ho gya",
    "kaam ho gaya",
    "koi dikkat nahi",
    "koi problem nahi",
    "koi baat nahi",
    "कर दूंगा",
    "कर दूँगा",
    "आ जाऊंगा",
    "आ जाऊँगा",
    "हो गया",
];
const NO_PHRASES: &[&str] = &[
    "nahi kar paunga",
    "nahi kar sakta",
    "nahi aa paunga",
    "nahi aa sakta",
    "nahi hua",
    "nahi ho paya",
    "abhi nahi",
    "nahi aaunga",
    "नहीं कर पाऊंगा",
    "नहीं आ पाऊंगा",
    "नहीं हुआ",
];

/// A typed yes or no to a question asked with buttons: "haan", "ha kar dunga", "accept", "ji", "नहीं", "nahi aa
/// paunga", "kaam ho gaya"; `None` when the message says something else. A no wins over a yes in one message
/// ("haan par abhi nahi aa sakta").
pub fn answer(text: &str) -> Option<bool> {
    // A question back ("ji bhai kaun sa kaam hai?") is not an answer.
    if text.contains('?') {
        return None;
    }
    let t = normalise(text);
    let t = t.trim_matches(|c: char| c.is_ascii_punctuation() || c == '।');
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',' || c == '!' || c == '.')
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    // A phrase is a run of whole words of the message.
    let has = |p: &str| {
        let phrase: Vec<&str> = p.split(' ').collect();
        words.windows(phrase.len()).any(|w| w == phrase.as_slice())
    };
    if NO_PHRASES.iter().any(|p| has(p)) || NO_WORDS.contains(&words[0]) {
        return Some(false);
    }
    if YES_PHRASES.iter().any(|p| has(p)) {
        return Some(true);
    }
    // "haan", "ji bilkul", "theek hai na": a yes word first and only a few words after it (a trailing "na" is a
    // tag, not a no).
    (YES_WORDS.contains(&words[0]) && words.len() <= 4).then_some(true)
}

/// A single digit 1–9 (Latin or Devanagari), for choosing from a numbered list or rating.
pub fn digit(text: &str) -> Option<u8> {
    let t = normalise(text);
    let mut chars = t.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    match c {
        '1'..='9' => Some(c as u8 - b'0'),
        '१'..='९' => Some((c as u32 - '०' as u32) as u8),
        _ => None,
    }
}

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
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '!' | '.' | '।' | '?'))
        .filter(|w| !w.is_empty())
        .collect();
    let has = |p: &str| {
        let phrase: Vec<&str> = p.split(' ').collect();
        words.windows(phrase.len()).any(|w| w == phrase.as_slice())
    };
    if BUSY_SAID.iter().any(|p| has(p)) {
        return Some(false);
    }
    if words.iter().any(|w| LATER_WORDS.contains(w)) {
        return None;
    }
    FREE_SAID.iter().any(|p| has(p)).then_some(true)
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

const ENGLISH: &[&str] = &[
    "i", "need", "needed", "want", "a", "an", "the", "is", "am", "are", "my", "please", "in", "at",
    "near", "for", "work", "job", "looking", "required", "urgent", "urgently", "hello", "thanks",
    "thank", "you", "can", "send", "someone", "home", "house", "leaking", "broken", "not",
    "working", "who", "any", "where", "from",
];
const HINDI: &[&str] = &[
    "chahiye", "chahie", "chaiye", "chaahiye", "hai", "hain", "hoon", "hun", "hu", "mein", "me",
    "ka", "ki", "ke", "kaam", "karna", "karne", "wala", "wale", "nahi", "nahin", "ji", "bhai",
    "bhaiya", "kya", "mujhe", "hame", "hamein", "humko", "ghar", "ko", "se", "par", "aur", "kal",
    "aaj", "abhi", "jaldi", "gaya", "raha", "rahi", "kripya", "chahta", "chahti", "bhejo",
    "bhejiye", "koi", "paas", "kharab",
];

/// The language a message is written in, when it says: Devanagari is Hindi; Latin letters are English only when
/// they read as English rather than romanised Hindi ("plumber chahiye marhaura me" is Hindi).
pub fn detect(text: &str) -> Option<Lang> {
    if text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)) {
        return Some(Lang::Hi);
    }
    let lower = text.to_lowercase();
    let (mut en, mut hi) = (0, 0);
    for w in lower
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
    {
        if ENGLISH.contains(&w) {
            en += 1;
        }
        if HINDI.contains(&w) {
            hi += 1;
        }
    }
    if en > hi {
        Some(Lang::En)
    } else if hi > 0 {
        Some(Lang::Hi)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_in_both_scripts() {
        assert_eq!(command(" STOP "), Some(Command::Stop));
        assert_eq!(command("बंद"), Some(Command::Stop));
        assert_eq!(command("Busy."), Some(Command::Busy));
        assert_eq!(command("व्यस्त हूँ"), Some(Command::Busy));
        assert_eq!(command("khali hu"), Some(Command::Free));
        assert_eq!(command("English"), Some(Command::Language(Lang::En)));
        assert_eq!(command("हिंदी"), Some(Command::Language(Lang::Hi)));
        assert_eq!(command("stop the plumber"), None, "only whole messages");
    }

    #[test]
    fn digits_in_either_script() {
        assert_eq!(digit("2"), Some(2));
        assert_eq!(digit(" ३ "), Some(3));
        assert_eq!(digit("12"), None);
        assert_eq!(digit("0"), None);
    }

    #[test]
    fn the_language_is_guessed_from_the_words() {
        assert_eq!(detect("plumber chahiye marhaura me"), Some(Lang::Hi));
        assert_eq!(detect("I need a plumber in Marhaura"), Some(Lang::En));
        assert_eq!(detect("नल मिस्त्री चाहिए"), Some(Lang::Hi));
        assert_eq!(detect("plumber"), None);
        assert_eq!(detect("main welder hoon, kaam chahiye"), Some(Lang::Hi));
    }
}

#[cfg(test)]
mod answer_tests {
    use super::{answer, availability_said, years_of_work};

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

    #[test]
    fn typed_answers_read_as_the_buttons_would() {
        for yes in [
            "haan",
            "ha kar dunga",
            "Accept",
            "ji",
            "haan ji aa jaunga",
            "हाँ",
            "ok",
            "kaam ho gaya",
        ] {
            assert_eq!(answer(yes), Some(true), "{yes}");
        }
        for no in [
            "nahi",
            "नहीं",
            "na",
            "nahi aa paunga",
            "haan par abhi nahi",
            "reject",
            "kaam nahi hua",
        ] {
            assert_eq!(answer(no), Some(false), "{no}");
        }
        for other in [
            "plumber chahiye marhaura me",
            "kitna paisa lagega",
            "",
            "1",
            "ji bhai kaun sa kaam hai?",
            "ok bhai address bhejo aur time batao",
        ] {
            assert_eq!(answer(other), None, "{other}");
        }
    }
}
