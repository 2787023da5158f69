//! Turning the rows of a district's skill-mapping list into workers: header recognition (English and Hindi
//! column names, title rows above the header) and row validation with one precise error per bad cell.

use crate::phone::PhoneNumber;
use crate::places::{Place, PlaceDirectory, PlaceError, PlaceQuery};
use crate::text::word_skeletons;
use crate::trade::TradeCatalogue;
use crate::worker::{
    Availability, Consent, ConsentMethod, Gender, NewWorker, ValueError, clean_name,
    consent_refused, parse_age, parse_date, parse_experience, parse_languages,
};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Ignored,
    Name,
    Phone,
    Gender,
    Age,
    Trade,
    OtherTrades,
    Experience,
    Village,
    Panchayat,
    Block,
    District,
    Pin,
    Languages,
    Availability,
    Source,
    Consent,
    ConsentDate,
}

/// Column-name phrases per field, in priority order: the first field with a matching phrase wins, so
/// "Father's name" is ignored before "name" can claim it and "Block name" is a block, not a name.
const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::Ignored,
        &[
            "id",
            "registration no",
            "father",
            "pita",
            "पिता",
            "husband",
            "pati",
            "पति",
            "guardian",
            "अभिभावक",
            "s no",
            "sl no",
            "sr no",
            "serial",
            "क्रम",
            "क्र सं",
            "क्रमांक",
            "aadhaar",
            "aadhar",
            "आधार",
            "bank",
            "बैंक",
            "ifsc",
            "account",
            "खाता",
            "remarks",
            "टिप्पणी",
            "photo",
        ],
    ),
    (
        Field::Phone,
        &[
            "mobile",
            "mobil",
            "phone",
            "contact",
            "मोबाइल",
            "फोन",
            "फ़ोन",
            "संपर्क",
            "दूरभाष",
        ],
    ),
    (
        Field::ConsentDate,
        &[
            "consent date",
            "सहमति तिथि",
            "सहमति की तारीख",
            "date of consent",
        ],
    ),
    (Field::Consent, &["consent", "सहमति", "sahmati"]),
    (Field::Experience, &["experience", "अनुभव", "anubhav", "exp"]),
    (
        Field::OtherTrades,
        &[
            "secondary skill",
            "other skill",
            "other skills",
            "additional skill",
            "अन्य कौशल",
            "अन्य हुनर",
            "द्वितीयक कौशल",
            "secondary trade",
            "other trade",
        ],
    ),
    (
        Field::Trade,
        &[
            "skill",
            "skills",
            "trade",
            "kaushal",
            "कौशल",
            "हुनर",
            "hunar",
            "occupation",
            "पेशा",
            "व्यवसाय",
            "vyavsay",
            "कार्य",
            "काम",
            "work",
            "nco",
            "category of skill",
            "skill category",
        ],
    ),
    (
        Field::Pin,
        &[
            "pin",
            "pincode",
            "pin code",
            "पिन",
            "पिनकोड",
            "पिन कोड",
            "postal code",
        ],
    ),
    (
        Field::Block,
        &[
            "block",
            "prakhand",
            "प्रखंड",
            "प्रखण्ड",
            "ब्लॉक",
            "ब्लाक",
            "development block",
            "tehsil",
            "तहसील",
        ],
    ),
    (
        Field::District,
        &["district", "jila", "zila", "जिला", "ज़िला", "जनपद", "janpad"],
    ),
    (
        Field::Panchayat,
        &[
            "panchayat",
            "पंचायत",
            "gram panchayat",
            "ग्राम पंचायत",
            "ward",
            "वार्ड",
        ],
    ),
    (
        Field::Village,
        &[
            "village",
            "gaon",
            "gram",
            "गाँव",
            "गांव",
            "ग्राम",
            "mohalla",
            "मोहल्ला",
            "tola",
            "टोला",
            "address",
            "पता",
            "town",
            "शहर",
        ],
    ),
    (
        Field::Languages,
        &["language", "languages", "भाषा", "bhasha"],
    ),
    (
        Field::Availability,
        &[
            "availability",
            "available",
            "उपलब्धता",
            "उपलब्ध",
            "status",
            "स्थिति",
        ],
    ),
    (Field::Source, &["source", "स्रोत", "srot"]),
    (
        Field::Age,
        &["age", "उम्र", "आयु", "umar", "umr", "age years"],
    ),
    (Field::Gender, &["gender", "sex", "लिंग", "ling"]),
    (
        Field::Name,
        &[
            "name",
            "नाम",
            "naam",
            "worker",
            "श्रमिक",
            "कामगार",
            "applicant",
            "आवेदक",
            "beneficiary",
            "लाभार्थी",
        ],
    ),
];

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Ignored => "(ignored)",
            Field::Name => "name",
            Field::Phone => "phone",
            Field::Gender => "gender",
            Field::Age => "age",
            Field::Trade => "trade",
            Field::OtherTrades => "other_trades",
            Field::Experience => "experience",
            Field::Village => "village",
            Field::Panchayat => "panchayat",
            Field::Block => "block",
            Field::District => "district",
            Field::Pin => "pin",
            Field::Languages => "languages",
            Field::Availability => "availability",
            Field::Source => "source",
            Field::Consent => "consent",
            Field::ConsentDate => "consent_date",
        }
    }

    /// Recognises one column name.
    pub fn recognise(header: &str) -> Option<Field> {
        let without_notes: String = header
            .split(['(', '['])
            .next()
            .unwrap_or(header)
            .to_string();
        let words = word_skeletons(&without_notes);
        if words.is_empty() {
            return None;
        }
        let joined: String = words.concat();
        for (field, phrases) in SYNONYMS {
            for phrase in *phrases {
                let p = word_skeletons(phrase);
                if p.is_empty() {
                    continue;
                }
                if p.concat() == joined || contains_run(&words, &p) {
                    return Some(*field);
                }
            }
        }
        None
    }
}

fn contains_run(words: &[String], phrase: &[String]) -> bool {
    phrase.len() <= words.len() && words.windows(phrase.len()).any(|w| w == phrase)
}

/// The recognised columns of a list.
#[derive(Debug, Clone)]
pub struct Header {
    pub names: Vec<String>,
    pub fields: Vec<Option<Field>>,
}

impl Header {
    /// A header for callers that already know their fields (the JSON API reuses row validation this way).
    pub fn from_fields(fields: &[Field]) -> Header {
        Header {
            names: fields.iter().map(|f| f.label().to_string()).collect(),
            fields: fields.iter().map(|f| Some(*f)).collect(),
        }
    }

    pub fn recognise(cells: &[String]) -> Header {
        let mut fields: Vec<Option<Field>> = Vec::with_capacity(cells.len());
        for c in cells {
            let mut f = Field::recognise(c);
            // A second trade column holds secondary trades; other repeats are left unused.
            if let Some(field) = f
                && field != Field::Ignored
                && fields.contains(&Some(field))
            {
                f = if field == Field::Trade && !fields.contains(&Some(Field::OtherTrades)) {
                    Some(Field::OtherTrades)
                } else {
                    None
                };
            }
            fields.push(f);
        }
        Header {
            names: cells.iter().map(|c| c.trim().to_string()).collect(),
            fields,
        }
    }

    /// How many distinct useful fields were recognised (to find the header row under a title).
    pub fn score(&self) -> usize {
        self.fields
            .iter()
            .filter(|f| matches!(f, Some(x) if *x != Field::Ignored))
            .count()
    }

    pub fn column(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    /// Required columns that are missing. A place needs a block, PIN, village or district column
    /// (a single-district service area supplies the district).
    pub fn missing_required(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        for (f, label) in [
            (Field::Name, "name (नाम)"),
            (Field::Phone, "mobile (मोबाइल)"),
            (Field::Trade, "skill (कौशल)"),
        ] {
            if self.column(f).is_none() {
                missing.push(label);
            }
        }
        if [Field::Block, Field::Pin, Field::Village, Field::District]
            .iter()
            .all(|f| self.column(*f).is_none())
        {
            missing.push("block (प्रखंड) or PIN (पिन कोड)");
        }
        missing
    }

    /// Columns that were not recognised (reported so an official can rename them).
    pub fn unrecognised(&self) -> Vec<String> {
        self.names
            .iter()
            .zip(&self.fields)
            .filter(|(n, f)| f.is_none() && !n.is_empty())
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// How many rows at the top of a sheet may be titles before the header row.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// A rejected cell or row, as reported to the official who uploaded the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// 1-based line (CSV) or row (sheet) number.
    pub line: u64,
    pub column: String,
    pub value: String,
    /// Stable code for the UI, e.g. `phone_invalid`.
    pub code: &'static str,
    pub reason: String,
}

/// What one row turned into.
#[derive(Debug)]
pub enum RowOutcome {
    Worker(Box<NewWorker>),
    Empty,
    Rejected(Vec<RowError>),
}

/// Values applied when a list does not say them.
#[derive(Debug, Clone)]
pub struct ImportDefaults {
    pub source: String,
    pub consent: Consent,
    pub languages: Vec<String>,
}

impl ImportDefaults {
    pub fn survey(now: i64, source: &str) -> Self {
        ImportDefaults {
            source: source.to_string(),
            consent: Consent {
                given_at: now,
                method: ConsentMethod::SurveyForm,
            },
            languages: vec!["hi".into()],
        }
    }
}

/// Maps rows to workers; holds everything a row needs so that the caller only streams cells in.
#[derive(Debug)]
pub struct RowMapper<'a> {
    header: Header,
    trades: &'a TradeCatalogue,
    places: &'a PlaceDirectory,
    defaults: ImportDefaults,
    /// Lists repeat the same village/block/PIN on many rows: each combination is resolved once.
    place_cache: Mutex<HashMap<[String; 5], Result<Place, PlaceError>>>,
}

/// Distinct place combinations remembered per import; beyond this the cache is cleared (memory stays bounded).
const PLACE_CACHE_LIMIT: usize = 100_000;

impl<'a> RowMapper<'a> {
    pub fn new(
        header: Header,
        trades: &'a TradeCatalogue,
        places: &'a PlaceDirectory,
        defaults: ImportDefaults,
    ) -> Self {
        RowMapper {
            header,
            trades,
            places,
            defaults,
            place_cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    fn resolve_place(&self, q: &PlaceQuery<'_>) -> Result<Place, PlaceError> {
        let key = [q.village, q.panchayat, q.block, q.district, q.pin]
            .map(|v| v.unwrap_or("").to_string());
        let mut cache = self
            .place_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(hit) = cache.get(&key) {
            return hit.clone();
        }
        let resolved = self.places.resolve(q);
        if cache.len() >= PLACE_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, resolved.clone());
        resolved
    }

    pub fn map(&self, line: u64, cells: &[String]) -> RowOutcome {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return RowOutcome::Empty;
        }
        let mut errors = Vec::new();
        let get = |f: Field| -> Option<(&str, &str)> {
            let i = self.header.column(f)?;
            let v = cells.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())?;
            Some((self.header.names[i].as_str(), v))
        };
        let mut fail = |f: Field, value: &str, code: &'static str, reason: String| {
            let column = self
                .header
                .column(f)
                .map(|i| self.header.names[i].clone())
                .unwrap_or_else(|| f.label().into());
            errors.push(RowError {
                line,
                column,
                value: value.chars().take(200).collect(),
                code,
                reason,
            });
        };
        for (i, c) in cells.iter().enumerate() {
            if c.contains('\u{FFFD}') {
                let col = self.header.names.get(i).cloned().unwrap_or_default();
                fail(
                    Field::Ignored,
                    c,
                    "encoding",
                    format!(
                        "column '{col}' has characters that could not be decoded; save the file as UTF-8"
                    ),
                );
                return RowOutcome::Rejected(errors);
            }
        }
        let name = match get(Field::Name).map(|(_, v)| clean_name(v)) {
            Some(Ok(n)) => Some(n),
            Some(Err(e)) => {
                fail(
                    Field::Name,
                    get(Field::Name).map_or("", |x| x.1),
                    "name_invalid",
                    e.to_string(),
                );
                None
            }
            None => {
                fail(
                    Field::Name,
                    "",
                    "name_missing",
                    ValueError::EmptyName.to_string(),
                );
                None
            }
        };
        let raw_phone = get(Field::Phone).map_or("", |x| x.1);
        let phone = PhoneNumber::parse(raw_phone)
            .map_err(|e| fail(Field::Phone, raw_phone, "phone_invalid", e.to_string()))
            .ok();
        let gender = get(Field::Gender).and_then(|(_, v)| {
            Gender::parse(v).or_else(|| {
                fail(
                    Field::Gender,
                    v,
                    "gender_invalid",
                    ValueError::BadGender(v.into()).to_string(),
                );
                None
            })
        });
        let age = get(Field::Age).and_then(|(_, v)| {
            parse_age(v)
                .map_err(|e| fail(Field::Age, v, "age_invalid", e.to_string()))
                .ok()
        });
        let experience = get(Field::Experience).and_then(|(_, v)| {
            parse_experience(v, age)
                .map_err(|e| fail(Field::Experience, v, "experience_invalid", e.to_string()))
                .ok()
        });
        let raw_trade = get(Field::Trade).map_or("", |x| x.1);
        let (mut trades, unknown) = self.trades.lookup_list(raw_trade);
        for (part, suggestions) in &unknown {
            let hint = if suggestions.is_empty() {
                String::new()
            } else {
                format!(
                    "; did you mean {}?",
                    suggestions
                        .iter()
                        .map(|t| t.name_en.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            fail(
                Field::Trade,
                raw_trade,
                "trade_unknown",
                format!("unknown trade '{part}'{hint}"),
            );
        }
        if raw_trade.is_empty() {
            fail(Field::Trade, "", "trade_missing", "no skill given".into());
        }
        if let Some((_, v)) = get(Field::OtherTrades) {
            let (more, unknown) = self.trades.lookup_list(v);
            for (part, _) in &unknown {
                fail(
                    Field::OtherTrades,
                    v,
                    "trade_unknown",
                    format!("unknown trade '{part}'"),
                );
            }
            for t in more {
                if !trades.iter().any(|x| x.slug == t.slug) {
                    trades.push(t);
                }
            }
        }
        let q = PlaceQuery {
            village: get(Field::Village).map(|x| x.1),
            panchayat: get(Field::Panchayat).map(|x| x.1),
            block: get(Field::Block).map(|x| x.1),
            district: get(Field::District).map(|x| x.1),
            pin: get(Field::Pin).map(|x| x.1),
        };
        let place = self
            .resolve_place(&q)
            .map_err(|e| {
                use PlaceError as P;
                let (field, code) = match &e {
                    P::UnknownDistrict { .. } | P::DistrictNeeded => {
                        (Field::District, "district_unknown")
                    }
                    P::UnknownBlock { .. } => (Field::Block, "block_unknown"),
                    P::UnknownPin(_) | P::PinOutsideDistrict { .. } => (Field::Pin, "pin_invalid"),
                    P::NoPlace => (Field::Block, "place_missing"),
                };
                let value = get(field).map_or("", |x| x.1).to_string();
                fail(field, &value, code, e.to_string());
            })
            .ok();
        let availability = match get(Field::Availability) {
            Some((_, v)) => Availability::parse(v).unwrap_or_else(|| {
                fail(
                    Field::Availability,
                    v,
                    "availability_invalid",
                    ValueError::BadAvailability(v.into()).to_string(),
                );
                Availability::Available
            }),
            None => Availability::Available,
        };
        let mut consent = self.defaults.consent.clone();
        if let Some((_, v)) = get(Field::Consent) {
            if consent_refused(v) {
                fail(
                    Field::Consent,
                    v,
                    "consent_missing",
                    ValueError::NoConsent(v.into()).to_string(),
                );
            } else if let Some(m) = ConsentMethod::parse(v) {
                consent.method = m;
            }
        }
        if let Some((_, v)) = get(Field::ConsentDate) {
            match parse_date(v) {
                Some(t) => consent.given_at = t,
                None => fail(
                    Field::ConsentDate,
                    v,
                    "date_invalid",
                    format!("'{v}' is not a date (use DD/MM/YYYY)"),
                ),
            }
        }
        let languages = get(Field::Languages)
            .map(|(_, v)| parse_languages(v))
            .unwrap_or_else(|| self.defaults.languages.clone());
        let source = get(Field::Source)
            .map(|(_, v)| v.chars().take(120).collect())
            .unwrap_or_else(|| self.defaults.source.clone());
        match (name, phone, place, errors.is_empty()) {
            (Some(name), Some(phone), Some(place), true) if !trades.is_empty() => {
                RowOutcome::Worker(Box::new(NewWorker {
                    name,
                    phone,
                    gender,
                    age,
                    trade: trades[0].slug.clone(),
                    other_trades: trades[1..].iter().map(|t| t.slug.clone()).collect(),
                    experience_years: experience,
                    place,
                    languages,
                    availability,
                    source,
                    consent,
                }))
            }
            _ => RowOutcome::Rejected(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cells: &[&str]) -> Header {
        Header::recognise(&cells.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn recognises_hindi_column_names() {
        let h = header(&[
            "क्रम संख्या",
            "नाम",
            "पिता का नाम",
            "मोबाइल नंबर",
            "लिंग",
            "उम्र",
            "कौशल",
            "अनुभव (वर्ष)",
            "गाँव",
            "पंचायत",
            "प्रखंड",
            "जिला",
            "पिन कोड",
        ]);
        let labels: Vec<&str> = h
            .fields
            .iter()
            .map(|f| f.map_or("-", |f| f.label()))
            .collect();
        assert_eq!(
            labels,
            [
                "(ignored)",
                "name",
                "(ignored)",
                "phone",
                "gender",
                "age",
                "trade",
                "experience",
                "village",
                "panchayat",
                "block",
                "district",
                "pin"
            ]
        );
        assert!(h.missing_required().is_empty());
    }

    #[test]
    fn recognises_english_column_names_as_offices_write_them() {
        let h = header(&[
            "Sl. No.",
            "Name of Worker",
            "Father's Name",
            "Mobile No.",
            "Gender",
            "Age (Years)",
            "Skill",
            "Secondary Skill",
            "Experience",
            "Village",
            "Block Name",
            "District",
            "Pincode",
        ]);
        let labels: Vec<&str> = h
            .fields
            .iter()
            .map(|f| f.map_or("-", |f| f.label()))
            .collect();
        assert_eq!(
            labels,
            [
                "(ignored)",
                "name",
                "(ignored)",
                "phone",
                "gender",
                "age",
                "trade",
                "other_trades",
                "experience",
                "village",
                "block",
                "district",
                "pin"
            ]
        );
    }

    #[test]
    fn reports_missing_required_columns() {
        let h = header(&["Name", "Village"]);
        assert_eq!(h.missing_required(), ["mobile (मोबाइल)", "skill (कौशल)"]);
    }
}
