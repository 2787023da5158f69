//! A worker in the registry and the small value types around one: gender, availability, consent, languages.
//! Each value type parses what district lists and people write, in English or Hindi.

use crate::phone::PhoneNumber;
use crate::places::Place;
use crate::text::skeleton;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
    Other,
}

impl Gender {
    pub fn parse(raw: &str) -> Option<Self> {
        let t = raw.trim().to_lowercase();
        Some(match t.as_str() {
            "m" | "male" | "man" | "purush" | "पुरुष" | "पु" | "पु." | "पुरूष" | "mard" | "मर्द" => {
                Gender::Male
            }
            "f" | "female" | "woman" | "mahila" | "महिला" | "म" | "म." | "स्त्री" | "stri"
            | "aurat" | "औरत" => Gender::Female,
            "o"
            | "t"
            | "other"
            | "others"
            | "transgender"
            | "अन्य"
            | "ट्रांसजेंडर"
            | "किन्नर"
            | "third gender" => Gender::Other,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Wants leads now.
    #[default]
    Available,
    /// Temporarily not taking leads ("busy" on WhatsApp).
    Busy,
    /// Migrated again, retired or otherwise not working locally.
    Inactive,
}

impl Availability {
    pub fn parse(raw: &str) -> Option<Self> {
        const WORDS: [(&str, Availability); 19] = [
            ("available", Availability::Available),
            ("उपलब्ध", Availability::Available),
            ("खाली", Availability::Available),
            ("free", Availability::Available),
            ("khali", Availability::Available),
            ("yes", Availability::Available),
            ("हाँ", Availability::Available),
            ("haan", Availability::Available),
            ("busy", Availability::Busy),
            ("व्यस्त", Availability::Busy),
            ("vyast", Availability::Busy),
            ("inactive", Availability::Inactive),
            ("not available", Availability::Inactive),
            ("अनुपलब्ध", Availability::Inactive),
            ("no", Availability::Inactive),
            ("नहीं", Availability::Inactive),
            ("migrated", Availability::Inactive),
            ("पलायन", Availability::Inactive),
            ("unavailable", Availability::Inactive),
        ];
        let key = skeleton(raw);
        if key.is_empty() {
            return None;
        }
        WORDS
            .iter()
            .find(|(w, _)| skeleton(w) == key)
            .map(|(_, a)| *a)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Available => "available",
            Availability::Busy => "busy",
            Availability::Inactive => "inactive",
        }
    }
}

/// How a worker's consent to be listed and contacted was obtained (DPDP Act: consent must be recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    /// Signed or thumb-printed survey form collected by the block office.
    SurveyForm,
    /// Given by voice to an official, noted on the list.
    Verbal,
    Whatsapp,
    Web,
    Phone,
}

impl ConsentMethod {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(
            match raw.trim().to_lowercase().replace([' ', '-'], "_").as_str() {
                "survey_form" | "survey" | "form" | "paper" | "फॉर्म" | "प्रपत्र" => {
                    ConsentMethod::SurveyForm
                }
                "verbal" | "oral" | "मौखिक" => ConsentMethod::Verbal,
                "whatsapp" | "व्हाट्सएप" => ConsentMethod::Whatsapp,
                "web" | "online" | "ऑनलाइन" => ConsentMethod::Web,
                "phone" | "call" | "फोन" => ConsentMethod::Phone,
                _ => return None,
            },
        )
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentMethod::SurveyForm => "survey_form",
            ConsentMethod::Verbal => "verbal",
            ConsentMethod::Whatsapp => "whatsapp",
            ConsentMethod::Web => "web",
            ConsentMethod::Phone => "phone",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consent {
    /// Unix seconds.
    pub given_at: i64,
    pub method: ConsentMethod,
}

/// Everything needed to create or replace a worker (already validated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWorker {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "+919876543210"))]
    pub phone: PhoneNumber,
    pub gender: Option<Gender>,
    pub age: Option<u8>,
    /// Slug of the primary trade.
    pub trade: String,
    /// Slugs of secondary trades.
    pub other_trades: Vec<String>,
    pub experience_years: Option<u8>,
    pub place: Place,
    /// ISO 639 codes (`hi`, `bho`, `en` …).
    pub languages: Vec<String>,
    pub availability: Availability,
    /// Where the record came from, e.g. "returned migrant 2020 survey", "self-registered".
    pub source: String,
    pub consent: Consent,
}

/// A worker as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Worker {
    pub id: i64,
    #[serde(flatten)]
    pub data: NewWorker,
    pub verified: bool,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Position in the registry's change sequence of the last change to this worker.
    pub seq: i64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    #[error("name is empty")]
    EmptyName,
    #[error("name is longer than 120 characters")]
    LongName,
    #[error("name contains control characters")]
    ControlInName,
    #[error("age '{0}' is not a number of years")]
    BadAge(String),
    #[error("age {0} is under 14; the age is left empty, check the list")]
    Minor(u32),
    #[error("age {0} is over 80; the age is left empty, check the list")]
    TooOld(u32),
    #[error("experience '{0}' is not a number of years")]
    BadExperience(String),
    #[error(
        "experience of {exp} years is not possible at an age of {age}; the experience is left empty"
    )]
    ExperienceBeyondAge { exp: u8, age: u8 },
    #[error("gender '{0}' is not understood (use M/F/Other or पुरुष/महिला/अन्य)")]
    BadGender(String),
    #[error("availability '{0}' is not understood (use available/busy/inactive or उपलब्ध/व्यस्त)")]
    BadAvailability(String),
    #[error("consent is recorded as '{0}': without consent the worker cannot be listed")]
    NoConsent(String),
}

/// Trims, collapses spaces and checks a person's name.
pub fn clean_name(raw: &str) -> Result<String, ValueError> {
    if raw.chars().any(|c| c.is_control() && c != '\t') {
        return Err(ValueError::ControlInName);
    }
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    match name.chars().count() {
        0 => Err(ValueError::EmptyName),
        n if n > 120 => Err(ValueError::LongName),
        _ => Ok(name),
    }
}

/// The first whole number in a cell: `35`, `35 वर्ष`, `35.0`, `३५ साल`.
pub fn first_number(raw: &str) -> Option<u32> {
    let latin = crate::text::to_latin(raw);
    let digits: String = latin
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

pub fn parse_age(raw: &str) -> Result<u8, ValueError> {
    let n = first_number(raw).ok_or_else(|| ValueError::BadAge(raw.trim().to_string()))?;
    match n {
        0..=13 => Err(ValueError::Minor(n)),
        14..=80 => Ok(n as u8),
        _ => Err(ValueError::TooOld(n)),
    }
}

pub fn parse_experience(raw: &str, age: Option<u8>) -> Result<u8, ValueError> {
    let n = first_number(raw).ok_or_else(|| ValueError::BadExperience(raw.trim().to_string()))?;
    let exp = u8::try_from(n)
        .ok()
        .filter(|e| *e <= 65)
        .ok_or_else(|| ValueError::BadExperience(raw.trim().to_string()))?;
    // Experience that began in childhood (22 years at 27) is common in family trades and is kept; only more
    // years of work than of life is impossible.
    match age {
        Some(a) if exp >= a => Err(ValueError::ExperienceBeyondAge { exp, age: a }),
        _ => Ok(exp),
    }
}

/// Language names or codes to ISO 639 codes; unknown names are kept, lower-cased.
pub fn parse_languages(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in crate::trade::split_list(raw) {
        const NAMES: [(&str, &str); 16] = [
            ("hindi", "hi"),
            ("हिंदी", "hi"),
            ("bhojpuri", "bho"),
            ("भोजपुरी", "bho"),
            ("maithili", "mai"),
            ("मैथिली", "mai"),
            ("magahi", "mag"),
            ("मगही", "mag"),
            ("urdu", "ur"),
            ("उर्दू", "ur"),
            ("english", "en"),
            ("अंग्रेजी", "en"),
            ("awadhi", "awa"),
            ("अवधी", "awa"),
            ("bengali", "bn"),
            ("बांग्ला", "bn"),
        ];
        let key = skeleton(&part);
        let lower = part.trim().to_lowercase();
        let code = NAMES
            .iter()
            .find(|(n, c)| skeleton(n) == key || *c == lower)
            .map(|(_, c)| *c)
            .unwrap_or("");
        let value = if code.is_empty() {
            part.trim()
                .to_lowercase()
                .chars()
                .filter(|c| !c.is_control())
                .collect()
        } else {
            code.to_string()
        };
        if !value.is_empty() && value.chars().count() <= 20 && !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// Yes/no cells for consent: anything that clearly says no is refused; blank means the import's default.
pub fn consent_refused(raw: &str) -> bool {
    matches!(
        raw.trim().to_lowercase().as_str(),
        "no" | "n" | "नहीं" | "नही" | "na" | "false" | "0" | "refused" | "इनकार"
    )
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Gregorian date from days since 1970-01-01 (H. Hinnant's algorithm); the inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Parses `2020-06-15`, `15/06/2020`, `15-06-2020`, `15.06.2020` to unix seconds at midnight UTC.
pub fn parse_date(raw: &str) -> Option<i64> {
    let t = raw.trim();
    let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
    if parts.len() != 3 {
        return None;
    }
    let nums: Vec<i64> = parts
        .iter()
        .map(|p| p.trim().parse::<i64>().ok())
        .collect::<Option<_>>()?;
    let (y, m, d) = if parts[0].len() == 4 {
        (nums[0], nums[1], nums[2])
    } else {
        (nums[2], nums[1], nums[0])
    };
    if !(2000..=2100).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m as u32, d as u32) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gender_in_english_and_hindi() {
        assert_eq!(Gender::parse("पुरुष"), Some(Gender::Male));
        assert_eq!(Gender::parse("F"), Some(Gender::Female));
        assert_eq!(Gender::parse("महिला"), Some(Gender::Female));
        assert_eq!(Gender::parse("xyz"), None);
    }

    #[test]
    fn refuses_minors_and_reads_ages_written_with_units() {
        assert_eq!(parse_age("35 वर्ष"), Ok(35));
        assert_eq!(parse_age("३५"), Ok(35));
        assert_eq!(parse_age("14"), Ok(14));
        assert_eq!(parse_age("9"), Err(ValueError::Minor(9)));
        assert_eq!(parse_age("95"), Err(ValueError::TooOld(95)));
        assert!(parse_age("abc").is_err());
    }

    #[test]
    fn experience_must_fit_the_age() {
        assert_eq!(parse_experience("5 साल", Some(30)), Ok(5));
        assert_eq!(parse_experience("22", Some(27)), Ok(22));
        assert!(parse_experience("30", Some(27)).is_err());
        assert!(parse_experience("70", None).is_err());
    }

    #[test]
    fn reads_availability_words() {
        assert_eq!(Availability::parse("उपलब्ध"), Some(Availability::Available));
        assert_eq!(Availability::parse("व्यस्त"), Some(Availability::Busy));
        assert_eq!(Availability::parse("Busy"), Some(Availability::Busy));
        assert_eq!(Availability::parse("yes"), Some(Availability::Available));
    }

    #[test]
    fn reads_dates_in_indian_and_iso_order() {
        assert_eq!(parse_date("2020-06-15"), parse_date("15/06/2020"));
        assert_eq!(parse_date("2000-01-01"), Some(946_684_800));
        assert_eq!(parse_date("31/13/2020"), None);
    }

    #[test]
    fn maps_language_names_to_codes() {
        assert_eq!(parse_languages("Hindi, Bhojpuri"), ["hi", "bho"]);
        assert_eq!(parse_languages("हिंदी / भोजपुरी"), ["hi", "bho"]);
    }
}
