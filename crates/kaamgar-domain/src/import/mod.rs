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
        let mut row = RowRead {
            m: self,
            line,
            cells,
            errors: Vec::new(),
        };
        if !row.decodable() {
            return RowOutcome::Rejected(row.errors);
        }
        let name = row.name();
        let phone = row.phone();
        let (gender, age, experience) = row.person();
        let trades = row.trades();
        let place = row.place();
        let (availability, consent, languages, source) = row.details();
        row.jurisdiction(place.as_ref());
        let errors = row.errors;
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

/// One row being read: the cells, the mapper's tables, and the problems found so far. Each step reads one group of
/// columns and notes what it finds doubtful (a warning) or unusable (the row is rejected).
struct RowRead<'r, 'a> {
    m: &'r RowMapper<'a>,
    line: u64,
    cells: &'r [String],
    errors: Vec<RowError>,
}

impl<'r, 'a> RowRead<'r, 'a> {
    /// A field's column name and its trimmed, non-empty value.
    fn get(&self, f: Field) -> Option<(&'r str, &'r str)> {
        let header = &self.m.header;
        let i = header.column(f)?;
        let v = self
            .cells
            .get(i)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())?;
        Some((header.names[i].as_str(), v))
    }

    fn note(
        &mut self,
        severity: Severity,
        f: Field,
        value: &str,
        code: &'static str,
        reason: String,
    ) {
        let column = self
            .m
            .header
            .column(f)
            .map(|i| self.m.header.names[i].clone())
            .unwrap_or_else(|| f.label().into());
        self.errors.push(RowError {
            line: self.line,
            column,
            value: value.chars().take(200).collect(),
            code,
            reason,
            severity,
            reason_hi: issues::hindi(code),
        });
    }

    /// False (and the row rejected) when a cell could not be decoded.
    fn decodable(&mut self) -> bool {
        for (i, c) in self.cells.iter().enumerate() {
            if c.contains('\u{FFFD}') {
                let col = self.m.header.names.get(i).cloned().unwrap_or_default();
                self.note(
                    Severity::Rejected,
                    Field::Ignored,
                    c,
                    "encoding",
                    format!(
                        "column '{col}' has characters that could not be decoded; save the file as UTF-8"
                    ),
                );
                return false;
            }
        }
        true
    }

    fn name(&mut self) -> Option<String> {
        match self.get(Field::Name).map(|(_, v)| clean_name(v)) {
            Some(Ok(n)) => Some(n),
            Some(Err(e)) => {
                self.note(
                    Severity::Rejected,
                    Field::Name,
                    self.get(Field::Name).map_or("", |x| x.1),
                    "name_invalid",
                    e.to_string(),
                );
                None
            }
            None => {
                self.note(
                    Severity::Rejected,
                    Field::Name,
                    "",
                    "name_missing",
                    ValueError::EmptyName.to_string(),
                );
                None
            }
        }
    }

    fn phone(&mut self) -> Option<PhoneNumber> {
        let raw_phone = self.get(Field::Phone).map_or("", |x| x.1);
        PhoneNumber::parse(raw_phone)
            .map_err(|e| {
                self.note(
                    Severity::Rejected,
                    Field::Phone,
                    raw_phone,
                    "phone_invalid",
                    e.to_string(),
                )
            })
            .ok()
    }

    fn person(&mut self) -> (Option<Gender>, Option<u8>, Option<u8>) {
        let gender = self.get(Field::Gender).and_then(|(_, v)| {
            Gender::parse(v).or_else(|| {
                self.note(
                    Severity::Warning,
                    Field::Gender,
                    v,
                    "gender_invalid",
                    format!("{}; left empty", ValueError::BadGender(v.into())),
                );
                None
            })
        });
        let age = self.get(Field::Age).and_then(|(_, v)| match parse_age(v) {
            Ok(a) => Some(a),
            Err(e) => {
                let code = match e {
                    ValueError::Minor(_) | ValueError::TooOld(_) => "age_out_of_range",
                    _ => "age_invalid",
                };
                self.note(Severity::Warning, Field::Age, v, code, e.to_string());
                None
            }
        });
        let experience = self.get(Field::Experience).and_then(|(_, v)| match parse_experience(v, age) {
            Ok(exp) => {
                if let Some(a) = age
                    && exp + 14 > a
                {
                    self.note(
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
                self.note(Severity::Warning, Field::Experience, v, code, e.to_string());
                None
            }
        });
        (gender, age, experience)
    }

    fn trades(&mut self) -> Vec<&'a crate::trade::Trade> {
        let raw_trade = self.get(Field::Trade).map_or("", |x| x.1);
        let (mut trades, unknown) = self.m.trades.lookup_list(raw_trade);
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
                self.note(
                    Severity::Warning,
                    Field::Trade,
                    raw_trade,
                    "trade_part_unknown",
                    format!("unknown trade '{part}'{hint}; the other skills are kept"),
                );
            } else {
                self.note(
                    Severity::Rejected,
                    Field::Trade,
                    raw_trade,
                    "trade_unknown",
                    format!("unknown trade '{part}'{hint}"),
                );
            }
        }
        if raw_trade.is_empty() {
            self.note(
                Severity::Rejected,
                Field::Trade,
                "",
                "trade_missing",
                "no skill given".into(),
            );
        }
        if let Some((_, v)) = self.get(Field::OtherTrades) {
            let (more, unknown) = self.m.trades.lookup_list(v);
            for (part, _) in &unknown {
                self.note(
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
        trades
    }

    fn place(&mut self) -> Option<Place> {
        let q = PlaceQuery {
            village: self.get(Field::Village).map(|x| x.1),
            panchayat: self.get(Field::Panchayat).map(|x| x.1),
            block: self.get(Field::Block).map(|x| x.1),
            district: self.get(Field::District).map(|x| x.1),
            pin: self.get(Field::Pin).map(|x| x.1),
        };
        let place = self
            .m
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
                let value = self.get(field).map_or("", |x| x.1).to_string();
                self.note(Severity::Rejected, field, &value, code, e.to_string());
            })
            .ok();
        if let (Some(p), Some((_, v))) = (&place, self.get(Field::Village))
            && p.precision != crate::places::Precision::Village
        {
            self.note(
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
        place
    }

    fn details(&mut self) -> (Availability, Consent, Vec<String>, String) {
        let availability = match self.get(Field::Availability) {
            Some((_, v)) => Availability::parse(v).unwrap_or_else(|| {
                self.note(
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
        let mut consent = self.m.defaults.consent.clone();
        if let Some((_, v)) = self.get(Field::Consent) {
            if consent_refused(v) {
                self.note(
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
        if let Some((_, v)) = self.get(Field::ConsentDate) {
            match parse_date(v) {
                Some(t) => consent.given_at = t,
                None => self.note(
                    Severity::Warning,
                    Field::ConsentDate,
                    v,
                    "date_invalid",
                    format!("'{v}' is not a date (use DD/MM/YYYY); the import date is used"),
                ),
            }
        }
        let languages = self
            .get(Field::Languages)
            .map(|(_, v)| parse_languages(v))
            .unwrap_or_else(|| self.m.defaults.languages.clone());
        let source = self
            .get(Field::Source)
            .map(|(_, v)| v.chars().filter(|c| !c.is_control()).take(120).collect())
            .unwrap_or_else(|| self.m.defaults.source.clone());
        (availability, consent, languages, source)
    }

    /// A row placed outside the uploader's jurisdiction is rejected.
    fn jurisdiction(&mut self, place: Option<&Place>) {
        if let (Some(p), Some(scope)) = (place, &self.m.defaults.only)
            && !scope.covers(&p.district, p.block.as_deref())
        {
            let at = match &p.block {
                Some(b) => format!("{b}, {}", p.district),
                None => p.district.clone(),
            };
            self.note(
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
    }
}
