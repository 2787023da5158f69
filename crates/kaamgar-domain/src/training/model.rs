//! What a training partner defines — a centre, a programme with its modules and completion rule, a batch with its
//! phase, enrolment window, capacity and sessions — and a trainee (a registered worker, or a person who is not one:
//! a panchayat representative). Each arrives as a form (`…Form`, as the API's JSON or a dashboard form sends it) and
//! is parsed here into its checked type; every problem is reported with its field and a stable code.

use super::dates::parse_local_datetime;
use crate::phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// A field that is not acceptable, with a stable code for clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

fn invalid(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        code,
        message: message.into(),
    }
}

/// Problems found so far; the form is refused with all of them at once.
#[derive(Debug, Default)]
struct Problems(Vec<Invalid>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(invalid(field, code, message));
    }

    /// A required text of at most `max` characters, trimmed.
    fn text(&mut self, field: &str, raw: &str, max: usize) -> String {
        let t = clean(raw);
        if t.is_empty() {
            self.add(field, "required", format!("{field} is required"));
        } else if t.chars().count() > max {
            self.add(
                field,
                "too_long",
                format!("{field} is longer than {max} characters"),
            );
        }
        t
    }

    fn optional_text(&mut self, field: &str, raw: Option<&str>, max: usize) -> Option<String> {
        let t = clean(raw?);
        if t.chars().count() > max {
            self.add(
                field,
                "too_long",
                format!("{field} is longer than {max} characters"),
            );
        }
        (!t.is_empty()).then_some(t)
    }

    fn phone(&mut self, field: &str, raw: &str) -> Option<PhoneNumber> {
        match PhoneNumber::parse(raw) {
            Ok(p) => Some(p),
            Err(e) => {
                self.add(field, "bad_phone", e.to_string());
                None
            }
        }
    }

    fn time(&mut self, field: &str, raw: &str) -> Option<i64> {
        let t = parse_local_datetime(raw);
        if t.is_none() {
            self.add(
                field,
                "bad_time",
                format!(
                    "{field} must be a date and time such as 2026-12-15T10:00 (India time) or with its offset"
                ),
            );
        }
        t
    }

    fn done<T>(self, value: T) -> Result<T, Vec<Invalid>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// Trims and folds runs of white space (and drops control characters) so a pasted name is stored once.
pub fn clean(raw: &str) -> String {
    raw.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

// ---- centre ----

/// A centre as a partner writes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CentreForm {
    pub name: String,
    /// District name as the service area spells it.
    pub district: String,
    pub block: Option<String>,
    /// Where it is (village or town, street).
    pub address: String,
    /// Trainees it can hold at once.
    pub capacity: u32,
    pub contact_name: String,
    pub contact_phone: String,
    /// The training partner's account that runs it (state and district administrators name one; a partner's own
    /// centres are theirs).
    pub partner_user_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewCentre {
    pub name: String,
    pub district: String,
    pub block: Option<String>,
    pub address: String,
    pub capacity: u32,
    pub contact_name: String,
    pub contact_phone: PhoneNumber,
    pub partner_user_id: Option<i64>,
}

impl CentreForm {
    /// The district and block are checked against the gazetteer by the use case (it has the directory).
    pub fn parse(&self) -> Result<NewCentre, Vec<Invalid>> {
        let mut p = Problems::default();
        let name = p.text("name", &self.name, 120);
        let district = p.text("district", &self.district, 80);
        let block = p.optional_text("block", self.block.as_deref(), 80);
        let address = p.text("address", &self.address, 300);
        if !(1..=5_000).contains(&self.capacity) {
            p.add("capacity", "bad_capacity", "capacity must be 1 to 5000");
        }
        let contact_name = p.text("contact_name", &self.contact_name, 120);
        let phone = p.phone("contact_phone", &self.contact_phone);
        match phone {
            Some(contact_phone) => p.done(NewCentre {
                name,
                district,
                block,
                address,
                capacity: self.capacity,
                contact_name,
                contact_phone,
                partner_user_id: self.partner_user_id,
            }),
            None => Err(p.0),
        }
    }
}

// ---- programme ----

/// A module (topic) of a programme.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Module {
    pub title: String,
    pub hours: u16,
}

/// When a trainee completes: at least this share of the sessions attended, and at least this score (percent of
/// the maximum) in the final assessment — or, without a final one, on average over the module assessments. A
/// minimum score of 0 needs no assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompletionRule {
    pub min_attendance_pct: u8,
    pub min_score_pct: u8,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProgrammeForm {
    pub title_en: String,
    pub title_hi: String,
    /// The district that runs it (its certificates are signed with this district's key).
    pub district: String,
    pub modules: Vec<Module>,
    pub completion: CompletionRule,
    /// The certificate it leads to, in English and Hindi.
    pub certificate_en: String,
    pub certificate_hi: String,
    /// The trade it trains for (a trade's slug, e.g. `leather-goods-maker`), so placement can prefer the certified.
    pub trade: Option<String>,
    /// Years a certificate stays valid (1–20; default 5).
    pub validity_years: Option<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewProgramme {
    pub title_en: String,
    pub title_hi: String,
    pub district: String,
    pub modules: Vec<Module>,
    pub completion: CompletionRule,
    pub certificate_en: String,
    pub certificate_hi: String,
    pub trade: Option<String>,
    pub validity_years: u8,
}

impl NewProgramme {
    pub fn hours(&self) -> u32 {
        self.modules.iter().map(|m| u32::from(m.hours)).sum()
    }
}

impl ProgrammeForm {
    pub fn parse(&self) -> Result<NewProgramme, Vec<Invalid>> {
        let mut p = Problems::default();
        let title_en = p.text("title_en", &self.title_en, 160);
        let title_hi = p.text("title_hi", &self.title_hi, 160);
        let district = p.text("district", &self.district, 80);
        if self.modules.is_empty() || self.modules.len() > 60 {
            p.add("modules", "bad_modules", "a programme has 1 to 60 modules");
        }
        let mut modules = Vec::with_capacity(self.modules.len().min(60));
        for (i, m) in self.modules.iter().take(60).enumerate() {
            let title = p.text(&format!("modules[{i}].title"), &m.title, 160);
            if !(1..=1_000).contains(&m.hours) {
                p.add(
                    format!("modules[{i}].hours"),
                    "bad_hours",
                    "a module has 1 to 1000 hours",
                );
            }
            modules.push(Module {
                title,
                hours: m.hours,
            });
        }
        let c = self.completion;
        if c.min_attendance_pct > 100 || c.min_score_pct > 100 {
            p.add(
                "completion",
                "bad_rule",
                "minimum attendance and score are percentages (0 to 100)",
            );
        }
        let certificate_en = p.text("certificate_en", &self.certificate_en, 160);
        let certificate_hi = p.text("certificate_hi", &self.certificate_hi, 160);
        let trade = p.optional_text("trade", self.trade.as_deref(), 60);
        let validity_years = self.validity_years.unwrap_or(5);
        if !(1..=20).contains(&validity_years) {
            p.add(
                "validity_years",
                "bad_validity",
                "a certificate is valid for 1 to 20 years",
            );
        }
        p.done(NewProgramme {
            title_en,
            title_hi,
            district,
            modules,
            completion: c,
            certificate_en,
            certificate_hi,
            trade,
            validity_years,
        })
    }
}

// ---- batch ----

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SessionForm {
    /// `2026-12-15T10:00` (India time) or with an offset.
    pub starts_at: String,
    pub ends_at: String,
    pub topic: String,
    /// The module (0-based position in the programme) it teaches, if one.
    pub module: Option<u16>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchForm {
    pub programme_id: i64,
    pub centre_id: i64,
    /// The phase of the programme this batch belongs to (1, 2, …).
    pub phase: u16,
    pub name: String,
    /// When enrolment opens and closes (date-times as for sessions).
    pub enrol_from: String,
    pub enrol_until: String,
    pub capacity: u32,
    pub trainers: Vec<String>,
    pub sessions: Vec<SessionForm>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub starts_at: i64,
    pub ends_at: i64,
    pub topic: String,
    pub module: Option<u16>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewBatch {
    pub programme_id: i64,
    pub centre_id: i64,
    pub phase: u16,
    pub name: String,
    pub enrol_from: i64,
    pub enrol_until: i64,
    pub capacity: u32,
    pub trainers: Vec<String>,
    /// In time order.
    pub sessions: Vec<NewSession>,
}

impl NewBatch {
    pub fn starts_at(&self) -> i64 {
        self.sessions.first().map_or(0, |s| s.starts_at)
    }
    pub fn ends_at(&self) -> i64 {
        self.sessions.iter().map(|s| s.ends_at).max().unwrap_or(0)
    }
}

/// Most sessions a batch may have (a long course meeting daily for a year).
pub const MAX_SESSIONS: usize = 400;

impl BatchForm {
    /// `modules` is the programme's module count (a session's module must be one of them).
    pub fn parse(&self, modules: usize) -> Result<NewBatch, Vec<Invalid>> {
        let mut p = Problems::default();
        if !(1..=99).contains(&self.phase) {
            p.add("phase", "bad_phase", "phase is 1 to 99");
        }
        let name = p.text("name", &self.name, 120);
        let from = p.time("enrol_from", &self.enrol_from);
        let until = p.time("enrol_until", &self.enrol_until);
        if let (Some(f), Some(u)) = (from, until)
            && u <= f
        {
            p.add(
                "enrol_until",
                "bad_window",
                "enrolment must close after it opens",
            );
        }
        if !(1..=1_000).contains(&self.capacity) {
            p.add(
                "capacity",
                "bad_capacity",
                "a batch holds 1 to 1000 trainees",
            );
        }
        if self.trainers.len() > 20 {
            p.add("trainers", "too_many", "at most 20 trainers");
        }
        let trainers: Vec<String> = self
            .trainers
            .iter()
            .take(20)
            .enumerate()
            .map(|(i, t)| p.text(&format!("trainers[{i}]"), t, 120))
            .collect();
        if self.sessions.is_empty() || self.sessions.len() > MAX_SESSIONS {
            p.add(
                "sessions",
                "bad_sessions",
                format!("a batch has 1 to {MAX_SESSIONS} sessions"),
            );
        }
        let mut sessions = Vec::with_capacity(self.sessions.len().min(MAX_SESSIONS));
        for (i, s) in self.sessions.iter().take(MAX_SESSIONS).enumerate() {
            let f = format!("sessions[{i}]");
            let start = p.time(&format!("{f}.starts_at"), &s.starts_at);
            let end = p.time(&format!("{f}.ends_at"), &s.ends_at);
            let topic = p.text(&format!("{f}.topic"), &s.topic, 160);
            if s.module.is_some_and(|m| usize::from(m) >= modules) {
                p.add(
                    format!("{f}.module"),
                    "bad_module",
                    "the programme has no such module",
                );
            }
            if let (Some(a), Some(b)) = (start, end) {
                if b <= a || b - a > 12 * 3600 {
                    p.add(
                        format!("{f}.ends_at"),
                        "bad_session_time",
                        "a session ends after it starts, within 12 hours",
                    );
                }
                sessions.push(NewSession {
                    starts_at: a,
                    ends_at: b,
                    topic,
                    module: s.module,
                });
            }
        }
        sessions.sort_by_key(|s| s.starts_at);
        if sessions.windows(2).any(|w| w[1].starts_at < w[0].ends_at) {
            p.add("sessions", "sessions_overlap", "two sessions overlap");
        }
        if let (Some(u), Some(first)) = (until, sessions.last())
            && u > first.ends_at
        {
            p.add(
                "enrol_until",
                "bad_window",
                "enrolment must close before the last session ends",
            );
        }
        p.done(NewBatch {
            programme_id: self.programme_id,
            centre_id: self.centre_id,
            phase: self.phase,
            name,
            enrol_from: from.unwrap_or(0),
            enrol_until: until.unwrap_or(0),
            capacity: self.capacity,
            trainers,
            sessions,
        })
    }
}

// ---- trainee ----

/// Who is enrolled: a registered worker by id, or a person who is not a worker (name, phone, office held, and
/// their panchayat, block and district).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TraineeForm {
    pub worker_id: Option<i64>,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// The office held (e.g. ग्राम प्रधान, block pramukh, panchayat secretary).
    pub office: Option<String>,
    pub panchayat: Option<String>,
    pub block: Option<String>,
    pub district: Option<String>,
}

/// A trainee who is not in the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub name: String,
    pub phone: PhoneNumber,
    pub office: Option<String>,
    pub panchayat: Option<String>,
    pub block: Option<String>,
    pub district: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Trainee {
    Worker(i64),
    Person(Person),
}

impl TraineeForm {
    pub fn parse(&self) -> Result<Trainee, Vec<Invalid>> {
        let mut p = Problems::default();
        if let Some(id) = self.worker_id {
            if self.name.is_some() || self.phone.is_some() {
                p.add(
                    "worker_id",
                    "worker_or_person",
                    "give a worker_id, or a person's name and phone, not both",
                );
            }
            return p.done(Trainee::Worker(id));
        }
        let name = p.text("name", self.name.as_deref().unwrap_or(""), 120);
        let phone = p.phone("phone", self.phone.as_deref().unwrap_or(""));
        let office = p.optional_text("office", self.office.as_deref(), 120);
        let panchayat = p.optional_text("panchayat", self.panchayat.as_deref(), 120);
        let block = p.optional_text("block", self.block.as_deref(), 80);
        let district = p.optional_text("district", self.district.as_deref(), 80);
        match phone {
            Some(phone) => p.done(Trainee::Person(Person {
                name,
                phone,
                office,
                panchayat,
                block,
                district,
            })),
            None => Err(p.0),
        }
    }
}

/// An assessment as recorded: for a module (its position) or the final one, the score and its maximum, and the
/// pass mark (in the same units as the score).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssessmentForm {
    pub enrolment_id: i64,
    /// The module's position; absent for the final assessment.
    pub module: Option<u16>,
    pub score: f64,
    pub max_score: f64,
    pub pass_mark: f64,
}

impl AssessmentForm {
    pub fn check(&self, modules: usize) -> Result<(), Vec<Invalid>> {
        let mut p = Problems::default();
        let finite = [self.score, self.max_score, self.pass_mark]
            .iter()
            .all(|v| v.is_finite());
        if !(finite && self.max_score > 0.0 && self.max_score <= 10_000.0) {
            p.add(
                "max_score",
                "bad_score",
                "max_score is a number above 0, at most 10000",
            );
        } else {
            if !(0.0..=self.max_score).contains(&self.score) {
                p.add("score", "bad_score", "score is between 0 and max_score");
            }
            if !(0.0..=self.max_score).contains(&self.pass_mark) {
                p.add(
                    "pass_mark",
                    "bad_score",
                    "pass_mark is between 0 and max_score",
                );
            }
        }
        if self.module.is_some_and(|m| usize::from(m) >= modules) {
            p.add("module", "bad_module", "the programme has no such module");
        }
        p.done(())
    }
}
