//! The dashboard's two languages. Every visible text is a key in `data/ui_texts.tsv` (key, English, Hindi), so a
//! translator edits one file; a test checks that every key the templates use is there.

use std::collections::HashMap;
use std::sync::LazyLock;

const TEXTS: &str = include_str!("../../../../data/ui_texts.tsv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Hi,
    En,
}

static CATALOGUE: LazyLock<HashMap<&'static str, [&'static str; 2]>> = LazyLock::new(|| {
    TEXTS
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?, [f.next()?, f.next()?]))
        })
        .collect()
});

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Hi => "hi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "hi" => Some(Lang::Hi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (for the switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::Hi => Lang::En,
            Lang::En => Lang::Hi,
        }
    }

    /// The text for `key`; the key itself when it is missing (the catalogue test fails on that).
    pub fn s(&self, key: &str) -> &'static str {
        match CATALOGUE.get(key) {
            Some([en, hi]) => match self {
                Lang::En => en,
                Lang::Hi => hi,
            },
            None => {
                tracing::warn!(ui.key = key, "missing dashboard text");
                "?"
            }
        }
    }

    /// The text for `key` when the catalogue has it.
    pub fn get(&self, key: &str) -> Option<&'static str> {
        CATALOGUE.get(key).map(|[en, hi]| match self {
            Lang::En => *en,
            Lang::Hi => *hi,
        })
    }

    /// A language from `Accept-Language`: English only when it comes before Hindi.
    pub fn from_accept(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("hi") {
                return Lang::Hi;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Hi
    }
}

/// A number with Indian digit grouping (12,34,567).
pub fn num(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    let len = digits.len();
    for (i, c) in digits.chars().enumerate() {
        let left = len - i;
        out.push(c);
        if left >= 4 && (left - 1) % 2 == 1 {
            out.push(',');
        }
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A moment in India time, as `24/11/2026 14:05`.
pub fn when(t: i64) -> String {
    let local = t + 19_800;
    let (y, m, d) = super::overview::civil_from_days(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    format!("{d:02}/{m:02}/{y} {:02}:{:02}", s / 3600, s % 3600 / 60)
}

pub use kaamgar_domain::text::mask_numbers;

/// A place's name in the interface's language: Devanagari for Hindi (the service area's table, else by rule),
/// as written for English.
pub fn place(lang: Lang, name: &str) -> String {
    match lang {
        Lang::Hi => kaamgar_domain::places::hindi::hindi_name(name),
        Lang::En => name.to_string(),
    }
}

/// Where a record came from, in words: the catalogue's text for the sources kaamgar itself writes (`src:…`,
/// matched on the start, so "self-registered (whatsapp)" reads as self-registered), the text itself for a list's
/// own source.
pub fn source(lang: Lang, s: &str) -> String {
    for (start, key) in [
        ("self-registered", "src:self"),
        ("office registration", "src:office"),
        ("returned migrant 2020 survey", "src:survey2020"),
    ] {
        if s.starts_with(start) {
            let demo = if s.ends_with("(demo)") { " (demo)" } else { "" };
            return format!("{}{demo}", lang.s(key));
        }
    }
    s.to_string()
}

/// The first moment of a day in India time, from a date as a form sends it (`2026-12-07`) or as people write it
/// (`07/12/2026`, `7-12-2026`); `None` for anything else or a date that does not exist.
pub fn day_start(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.trim().split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let n = |x: &str| {
        x.parse::<i64>()
            .ok()
            .filter(|_| !x.is_empty() && x.len() <= 4)
    };
    let (y, m, d) = if a.len() == 4 {
        (n(a)?, n(b)?, n(c)?)
    } else {
        (n(c)?, n(b)?, n(a)?)
    };
    if !(2000..=2100).contains(&y) || !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let days = kaamgar_domain::worker::days_from_civil(y, m as u32, d as u32);
    // 31 February and the like come back as another day: refused.
    let (y2, m2, d2) = super::overview::civil_from_days(days);
    ((y2, i64::from(m2), i64::from(d2)) == (y, m, d)).then_some(days * 86_400 - 19_800)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_starts_at_midnight_in_india_and_only_real_dates_are_read() {
        let t = day_start("2026-12-07").unwrap();
        assert_eq!(when(t), "07/12/2026 00:00");
        assert_eq!(day_start("07/12/2026"), Some(t));
        assert_eq!(day_start(" 7-12-2026 "), Some(t));
        for bad in [
            "",
            "2026-02-30",
            "2026-13-01",
            "12/2026",
            "abc",
            "1/1/99999",
            "2026-12-07x",
        ] {
            assert_eq!(day_start(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_are_grouped_the_indian_way() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(80000), "80,000");
        assert_eq!(num(1234567), "12,34,567");
        assert_eq!(num(-12345), "-12,345");
    }

    #[test]
    fn every_key_used_by_a_template_or_handler_has_both_languages() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut sources: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        // Every source file of the dashboard, in its capability folders too.
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/dashboard"
        ))];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    sources.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        assert!(sources.len() > 20, "the dashboard's sources were all read");
        let mut missing = Vec::new();
        for text in &sources {
            for pat in [".s(\"", ".t(\"", "key: \""] {
                for (i, _) in text.match_indices(pat) {
                    let rest = &text[i + pat.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    if !key.is_empty() && !CATALOGUE.contains_key(key) {
                        missing.push(key.to_string());
                    }
                }
            }
        }
        // Keys built from stored values (statuses, roles, availability …).
        let dynamic = [
            "open",
            "offered",
            "accepted",
            "done",
            "rated",
            "declined",
            "expired",
            "cancelled",
            "withdrawn",
            "queued",
            "running",
            "rejected",
            "failed",
            "available",
            "busy",
            "inactive",
            "female",
            "male",
            "other",
            "survey_form",
            "verbal",
            "whatsapp",
            "web",
            "phone",
            "other_trades",
            "experience",
            "gender",
            "age",
            "village",
            "panchayat",
            "block",
            "district",
            "pin",
            "rating",
            "source",
            "consent",
            "user_name",
            "password",
            "sign_in",
        ];
        for k in dynamic
            .into_iter()
            .chain(kaamgar_domain::access::Role::ALL.map(|r| r.as_str()))
        {
            if !CATALOGUE.contains_key(k) {
                missing.push(k.to_string());
            }
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "missing in data/ui_texts.tsv: {missing:?}"
        );
        for (k, [en, hi]) in CATALOGUE.iter() {
            assert!(!en.is_empty() && !hi.is_empty(), "{k} needs both languages");
        }
    }

    #[test]
    fn phone_numbers_in_text_are_masked_and_other_numbers_kept() {
        assert_eq!(mask_numbers("call 98765 43210 now"), "call ••••• •••10 now");
        assert_eq!(mask_numbers("+919876543210"), "+••••••••••10");
        assert_eq!(mask_numbers("98765.43210"), "•••••.•••10");
        assert_eq!(mask_numbers("98765/43210"), "•••••/•••10");
        assert_eq!(mask_numbers("(0612) 2345678"), "(••••) •••••78");
        assert_eq!(mask_numbers("९८७६५४३२१०"), "••••••••१०");
        assert_eq!(
            mask_numbers("3 km, 5 years, PIN 841418"),
            "3 km, 5 years, PIN 841418"
        );
        assert_eq!(when(0), "01/01/1970 05:30");
    }

    #[test]
    fn accept_language_prefers_the_first_known_language() {
        assert_eq!(Lang::from_accept("en-IN,en;q=0.9,hi;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept("hi-IN,en;q=0.5"), Lang::Hi);
        assert_eq!(Lang::from_accept("fr"), Lang::Hi);
    }
}
