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
    let words = words_of(t.trim_matches(|c: char| c.is_ascii_punctuation() || c == '।'));
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    if has_phrase(&words, NO_PHRASES) || NO_WORDS.contains(&words[0]) {
        return Some(false);
    }
    if has_phrase(&words, YES_PHRASES) {
        return Some(true);
    }
    // "haan", "ji bilkul", "theek hai na": a yes word first and only a few words after it (a trailing "na" is a
    // tag, not a no).
    (YES_WORDS.contains(&words[0]) && words.len() <= 4).then_some(true)
}

/// The words of a normalised message, split at spaces and punctuation.
pub(super) fn words_of(t: &str) -> Vec<&str> {
    t.split(|c: char| c.is_whitespace() || matches!(c, ',' | '!' | '.' | '।' | '?'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether one of `phrases` is a run of whole words of the message.
pub(super) fn has_phrase(words: &[&str], phrases: &[&str]) -> bool {
    phrases.iter().any(|p| {
        let phrase: Vec<&str> = p.split(' ').collect();
        words.windows(phrase.len()).any(|w| w == phrase.as_slice())
    })
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

/// "plumber nahi chahiye" names a trade but asks for nothing.
pub(super) fn cancelled(text: &str) -> bool {
    let t = text.to_lowercase();
    [
        "nahi chahiye",
        "nahin chahiye",
        "नहीं चाहिए",
        "not needed",
        "don't need",
    ]
    .iter()
    .any(|w| t.contains(w))
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
    use super::answer;

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
