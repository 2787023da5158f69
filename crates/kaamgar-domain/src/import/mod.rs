//! Turning the rows of a district's skill-mapping list into workers: header recognition (English and Hindi
//! column names, title rows above the header) and row validation with one precise error per bad cell.

use crate::phone::PhoneNumber;
use crate::places::{Place, PlaceDirectory, PlaceError, PlaceQuery};
use crate::trade::TradeCatalogue;
use crate::worker::{
    Availability, Consent, ConsentMethod, Gender, NewWorker, ValueError, clean_name,
    consent_refused, parse_age, parse_date, parse_experience, parse_languages,
};
use serde::Serialize;

mod header;
pub mod issues;
pub use header::{Field, Header};
pub use issues::Severity;
use std::collections::HashMap;
use std::sync::Mutex;

/// How many rows at the top of a sheet may be titles before the header row.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// A problem of a cell or row, as reported to the official who uploaded the list: a rejected row, or a warning
/// about a worker who was imported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// 1-based line (CSV) or row (sheet) number.
    pub line: u64,
    pub column: String,
    pub value: String,
    /// Stable code for the UI, e.g. `phone_invalid`.
    pub code: &'static str,
    /// In English, with the value it is about.
    pub reason: String,
    pub severity: Severity,
    /// What the code means, in Hindi.
    pub reason_hi: &'static str,
}

impl RowError {
    /// A problem that rejects its row.
    pub fn rejected(
        line: u64,
        column: String,
        value: String,
        code: &'static str,
        reason: String,
    ) -> Self {
        RowError {
            line,
            column,
            value,
            code,
            reason,
            severity: Severity::Rejected,
            reason_hi: issues::hindi(code),
        }
    }
}

/// What one row turned into: a worker (with warnings about doubtful values), nothing, or a rejected row.
#[derive(Debug)]
pub enum RowOutcome {
    Worker(Box<NewWorker>, Vec<RowError>),
    Empty,
    Rejected(Vec<RowError>),
}

/// Values applied when a list does not say them.
#[derive(Debug, Clone)]
pub struct ImportDefaults {
    pub source: String,
    pub consent: Consent,
    pub languages: Vec<String>,
    /// Rows placed outside this jurisdiction are rejected (a block officer's upload).
    pub only: Option<crate::access::Scope>,
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
            only: None,
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
        let mut errors: Vec<RowError> = Vec::new();
        let get = |f: Field| -> Option<(&str, &str)> {
            let i = self.header.column(f)?;
            let v = cells.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())?;
            Some((self.header.names[i].as_str(), v))
        };
        let mut note =
            |severity: Severity, f: Field, value: &str, code: &'static str, reason: String| {
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
                    severity,
                    reason_hi: issues::hindi(code),
                });
            };

        for (i, c) in cells.iter().enumerate() {
            if c.contains('\u{FFFD}') {
                let col = self.header.names.get(i).cloned().unwrap_or_default();
                note(
                    Severity::Rejected,
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
                note(
                    Severity::Rejected,
                    Field::Name,
                    get(Field::Name).map_or("", |x| x.1),
                    "name_invalid",
                    e.to_string(),
                );
                None
            }
            None => {
                note(
                    Severity::Rejected,
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
            .map_err(|e| {
                note(
                    Severity::Rejected,
                    Field::Phone,
                    raw_phone,
                    "phone_invalid",
                    e.to_string(),
                )
            })
            .ok();
        let gender = get(Field::Gender).and_then(|(_, v)| {
            Gender::parse(v).or_else(|| {
                note(
                    Severity::Warning,
                    Field::Gender,
                    v,
                    "gender_invalid",
                    format!("{}; left empty", ValueError::BadGender(v.into())),
                );
                None
            })
        });
        let age = get(Field::Age).and_then(|(_, v)| match parse_age(v) {
            Ok(a) => Some(a),
            Err(e) => {
                let code = match e {
                    ValueError::Minor(_) | ValueError::TooOld(_) => "age_out_of_range",
                    _ => "age_invalid",
                };
                note(Severity::Warning, Field::Age, v, code, e.to_string());
                None
            }
        });
        let experience = get(Field::Experience).and_then(|(_, v)| match parse_experience(v, age) {
            Ok(exp) => {
                if let Some(a) = age
                    && exp + 14 > a
                {
                    note(
                    Severity::Warning,
                        Field::Experience,
                        v,
                        "experience_long_for_age",
                        format!("{exp} years of experience at {a}: work since childhood? kept as written"),
                    );
                }
                Some(exp)
            }
            Err(e) => {
                let code = match e {
                    ValueError::ExperienceBeyondAge { .. } => "experience_exceeds_age",
                    _ => "experience_invalid",
                };
                note(Severity::Warning, Field::Experience, v, code, e.to_string());
                None
            }
        });
        let raw_trade = get(Field::Trade).map_or("", |x| x.1);
        let (mut trades, unknown) = self.trades.lookup_list(raw_trade);
        let some_known = !trades.is_empty();
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
            if some_known {
                note(
                    Severity::Warning,
                    Field::Trade,
                    raw_trade,
                    "trade_part_unknown",
                    format!("unknown trade '{part}'{hint}; the other skills are kept"),
                );
            } else {
                note(
                    Severity::Rejected,
                    Field::Trade,
                    raw_trade,
                    "trade_unknown",
                    format!("unknown trade '{part}'{hint}"),
                );
            }
        }
        if raw_trade.is_empty() {
            note(
                Severity::Rejected,
                Field::Trade,
                "",
                "trade_missing",
                "no skill given".into(),
            );
        }
        if let Some((_, v)) = get(Field::OtherTrades) {
            let (more, unknown) = self.trades.lookup_list(v);
            for (part, _) in &unknown {
                note(
                    Severity::Warning,
                    Field::OtherTrades,
                    v,
                    "other_trade_unknown",
                    format!("unknown trade '{part}'; left out"),
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
                note(Severity::Rejected, field, &value, code, e.to_string());
            })
            .ok();
        if let (Some(p), Some((_, v))) = (&place, get(Field::Village))
            && p.precision != crate::places::Precision::Village
        {
            note(
                Severity::Warning,
                Field::Village,
                v,
                "village_not_found",
                format!(
                    "village '{v}' was not found among the district's post offices; the {} position is used",
                    p.precision.as_str()
                ),
            );
        }
        let availability = match get(Field::Availability) {
            Some((_, v)) => Availability::parse(v).unwrap_or_else(|| {
                note(
                    Severity::Warning,
                    Field::Availability,
                    v,
                    "availability_invalid",
                    format!(
                        "{}; taken as available",
                        ValueError::BadAvailability(v.into())
                    ),
                );
                Availability::Available
            }),
            None => Availability::Available,
        };
        let mut consent = self.defaults.consent.clone();
        if let Some((_, v)) = get(Field::Consent) {
            if consent_refused(v) {
                note(
                    Severity::Rejected,
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
                None => note(
                    Severity::Warning,
                    Field::ConsentDate,
                    v,
                    "date_invalid",
                    format!("'{v}' is not a date (use DD/MM/YYYY); the import date is used"),
                ),
            }
        }
        let languages = get(Field::Languages)
            .map(|(_, v)| parse_languages(v))
            .unwrap_or_else(|| self.defaults.languages.clone());
        let source = get(Field::Source)
            .map(|(_, v)| v.chars().filter(|c| !c.is_control()).take(120).collect())
            .unwrap_or_else(|| self.defaults.source.clone());
        if let (Some(p), Some(scope)) = (&place, &self.defaults.only)
            && !scope.covers(&p.district, p.block.as_deref())
        {
            let at = match &p.block {
                Some(b) => format!("{b}, {}", p.district),
                None => p.district.clone(),
            };
            note(
                Severity::Rejected,
                Field::Block,
                p.block.as_deref().unwrap_or(&p.district),
                "outside_jurisdiction",
                format!(
                    "{at} is outside the uploader's jurisdiction ({})",
                    scope.key()
                ),
            );
        }
        let usable = !errors.iter().any(|e| e.severity == Severity::Rejected);
        match (name, phone, place, usable) {
            (Some(name), Some(phone), Some(place), true) if !trades.is_empty() => {
                RowOutcome::Worker(
                    Box::new(NewWorker {
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
                    }),
                    errors,
                )
            }
            _ => RowOutcome::Rejected(errors),
        }
    }
}
