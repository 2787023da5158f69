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
pub use header::{Field, Header};
use std::collections::HashMap;
use std::sync::Mutex;

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
            .map(|(_, v)| v.chars().filter(|c| !c.is_control()).take(120).collect())
            .unwrap_or_else(|| self.defaults.source.clone());
        if let (Some(p), Some(scope)) = (&place, &self.defaults.only)
            && !scope.covers(&p.district, p.block.as_deref())
        {
            let at = match &p.block {
                Some(b) => format!("{b}, {}", p.district),
                None => p.district.clone(),
            };
            fail(
                Field::Block,
                p.block.as_deref().unwrap_or(&p.district),
                "outside_jurisdiction",
                format!(
                    "{at} is outside the uploader's jurisdiction ({})",
                    scope.key()
                ),
            );
        }
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
