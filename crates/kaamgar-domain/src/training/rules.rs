//! The rules of a batch: who gets a seat (the enrolment window and capacity; the waiting list when full), the one
//! lifecycle of an enrolment, when attendance may be marked and by which means, and who completes.

use super::dates::india_day;
use super::model::CompletionRule;
use serde::{Deserialize, Serialize};

/// Where a trainee stands in a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    /// Sent a WhatsApp invitation, not yet answered: holds no seat until they accept.
    Invited,
    /// Said no to the invitation (may be invited again).
    Declined,
    Enrolled,
    /// On the waiting list: takes the next freed seat.
    Waiting,
    Withdrawn,
    /// Met the completion rule; a certificate was issued.
    Completed,
    /// The batch ended and the rule was not met.
    NotCompleted,
}

impl EnrolmentStatus {
    pub const ALL: [EnrolmentStatus; 7] = [
        Self::Invited,
        Self::Declined,
        Self::Enrolled,
        Self::Waiting,
        Self::Withdrawn,
        Self::Completed,
        Self::NotCompleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Declined => "declined",
            Self::Enrolled => "enrolled",
            Self::Waiting => "waiting",
            Self::Withdrawn => "withdrawn",
            Self::Completed => "completed",
            Self::NotCompleted => "not_completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Holds one of the batch's seats.
    pub fn holds_seat(self) -> bool {
        matches!(self, Self::Enrolled | Self::Completed | Self::NotCompleted)
    }

    /// The one lifecycle: an invited person accepts (a seat, or the waiting list when full), declines or is
    /// withdrawn, and one who declined may be invited again or enrolled by the partner; a waiting trainee gets a
    /// seat or leaves; an enrolled one leaves, completes or not; the outcome can be decided again (a late
    /// assessment, a correction).
    pub fn can_become(self, to: EnrolmentStatus) -> bool {
        use EnrolmentStatus as S;
        matches!(
            (self, to),
            (
                S::Invited,
                S::Enrolled | S::Waiting | S::Declined | S::Withdrawn
            ) | (S::Declined, S::Invited | S::Enrolled | S::Waiting)
                | (S::Waiting, S::Enrolled | S::Withdrawn)
                | (S::Enrolled, S::Withdrawn | S::Completed | S::NotCompleted)
                | (S::NotCompleted, S::Completed)
                | (S::Completed, S::NotCompleted)
        )
    }
}

/// Why a trainee did not get a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnrolRefused {
    #[error("enrolment for this batch has not opened yet")]
    NotOpen,
    #[error("enrolment for this batch has closed")]
    Closed,
    #[error("the batch is full")]
    Full,
    #[error("this person is already in the batch")]
    AlreadyIn,
    #[error("the change is not allowed from the enrolment's state")]
    Illegal,
}

impl EnrolRefused {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotOpen => "enrolment_not_open",
            Self::Closed => "enrolment_closed",
            Self::Full => "batch_full",
            Self::AlreadyIn => "already_enrolled",
            Self::Illegal => "illegal_change",
        }
    }
}

/// The enrolment window and capacity of a batch as the seat decision needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub enrol_from: i64,
    pub enrol_until: i64,
    pub capacity: u32,
}

/// A new trainee's place: a seat while there is one, the waiting list when full (if they accept it), inside the
/// enrolment window only.
pub fn seat(
    w: Window,
    seats_taken: u32,
    now: i64,
    wait_if_full: bool,
) -> Result<EnrolmentStatus, EnrolRefused> {
    if now < w.enrol_from {
        return Err(EnrolRefused::NotOpen);
    }
    if now > w.enrol_until {
        return Err(EnrolRefused::Closed);
    }
    if seats_taken < w.capacity {
        Ok(EnrolmentStatus::Enrolled)
    } else if wait_if_full {
        Ok(EnrolmentStatus::Waiting)
    } else {
        Err(EnrolRefused::Full)
    }
}

/// Whether a freed seat goes to the first on the waiting list: until the batch's first session starts, or the
/// enrolment window closes if that is later.
pub fn fills_freed_seat(w: Window, first_session: i64, now: i64) -> bool {
    now < first_session.max(w.enrol_until)
}

/// How attendance is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A trainer or partner ticked a list.
    Tick,
    /// The trainee sent "हाज़िर" / "present" on WhatsApp.
    Whatsapp,
    /// The trainee scanned the session's QR code.
    Qr,
    /// An official changed a mark after the day, with a reason.
    Correction,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tick => "tick",
            Self::Whatsapp => "whatsapp",
            Self::Qr => "qr",
            Self::Correction => "correction",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Tick, Self::Whatsapp, Self::Qr, Self::Correction]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// A trainee's own mark (WhatsApp, QR) counts from this long before a session starts to this long after it ends.
pub const SELF_MARK_MARGIN: i64 = 30 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AttendanceRefused {
    #[error("the session is not today; a correction needs a reason")]
    NotToday,
    #[error(
        "attendance can be sent only from half an hour before the session to half an hour after it"
    )]
    OutsideWindow,
    #[error("the session has not started yet")]
    NotYet,
    #[error("a correction needs a reason")]
    NoReason,
}

impl AttendanceRefused {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotToday => "session_not_today",
            Self::OutsideWindow => "outside_session_window",
            Self::NotYet => "session_not_started",
            Self::NoReason => "correction_needs_reason",
        }
    }
}

/// Whether a mark by `method` for a session (`starts_at`..`ends_at`) may be made at `now`: a tick on the session's
/// day in India, the trainee's own mark within the session's window, a correction of a session already started
/// (with a reason, checked by the caller).
pub fn may_mark(
    method: Method,
    starts_at: i64,
    ends_at: i64,
    now: i64,
) -> Result<(), AttendanceRefused> {
    match method {
        Method::Tick if india_day(now) != india_day(starts_at) => Err(AttendanceRefused::NotToday),
        Method::Tick if now < starts_at - SELF_MARK_MARGIN => Err(AttendanceRefused::NotYet),
        Method::Tick => Ok(()),
        Method::Whatsapp | Method::Qr
            if (starts_at - SELF_MARK_MARGIN..=ends_at + SELF_MARK_MARGIN).contains(&now) =>
        {
            Ok(())
        }
        Method::Whatsapp | Method::Qr => Err(AttendanceRefused::OutsideWindow),
        Method::Correction if now >= starts_at => Ok(()),
        Method::Correction => Err(AttendanceRefused::NotYet),
    }
}

/// One assessment's result as a percentage of its maximum, and whether it met its pass mark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// `None` for the final assessment.
    pub module: Option<u16>,
    pub pct: f64,
    pub passed: bool,
}

/// A trainee's record in a batch as completion reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub sessions: u32,
    /// Sessions already started.
    pub held: u32,
    /// The programme's modules: without a final assessment, an unassessed module counts as 0.
    pub modules: u32,
    pub attended: u32,
    pub scores: Vec<Score>,
}

/// Percentage of `of` that `n` is, 0 for none; one decimal is kept.
pub fn pct(n: u32, of: u32) -> f64 {
    if of == 0 {
        0.0
    } else {
        (f64::from(n) * 1000.0 / f64::from(of)).round() / 10.0
    }
}

impl Progress {
    /// Attendance so far: of the sessions already held.
    pub fn attendance_pct(&self) -> f64 {
        pct(self.attended, self.held)
    }

    /// The score completion reads: the final assessment's, else the mean over all the programme's modules (one
    /// not assessed counts as 0).
    pub fn score_pct(&self) -> Option<f64> {
        if let Some(f) = self.scores.iter().find(|s| s.module.is_none()) {
            return Some(f.pct);
        }
        let over = self.modules.max(self.scores.len() as u32).max(1);
        (!self.scores.is_empty())
            .then(|| self.scores.iter().map(|s| s.pct).sum::<f64>() / f64::from(over))
    }

    /// Whether the rule is met, over all the batch's sessions; otherwise what is missing.
    pub fn completes(&self, rule: CompletionRule) -> Result<(), Shortfall> {
        if self.held < self.sessions {
            return Err(Shortfall::SessionsAhead);
        }
        // Exact: 74.95 % is not 75 %.
        if u64::from(self.attended) * 100
            < u64::from(rule.min_attendance_pct) * u64::from(self.sessions)
        {
            return Err(Shortfall::Attendance);
        }
        if rule.min_score_pct > 0 {
            match self.score_pct() {
                None => return Err(Shortfall::NotAssessed),
                Some(s) if s < f64::from(rule.min_score_pct) => return Err(Shortfall::Score),
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// Why a trainee has not completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortfall {
    SessionsAhead,
    Attendance,
    NotAssessed,
    Score,
}

impl Shortfall {
    pub fn code(self) -> &'static str {
        match self {
            Self::SessionsAhead => "sessions_ahead",
            Self::Attendance => "attendance_below_minimum",
            Self::NotAssessed => "not_assessed",
            Self::Score => "score_below_minimum",
        }
    }
}

/// The words a trainee sends on WhatsApp to mark themselves present, folded to lower case.
pub fn is_present_word(text: &str) -> bool {
    // ज़ is written precomposed or as ज + nukta, and often without the nukta; ँ and ं are used alike.
    let t: String = text
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || c == '।')
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            '\u{95B}' => Some('ज'),
            '\u{93C}' => None,
            '\u{901}' => Some('\u{902}'),
            c => Some(c),
        })
        .collect();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    matches!(
        t.as_str(),
        "हाजिर"
            | "हाजिर हूं"
            | "हाजिर हैं"
            | "उपस्थित"
            | "उपस्थित हूं"
            | "present"
            | "present sir"
            | "present madam"
            | "haazir"
            | "hazir"
            | "hajir"
            | "haajir"
            | "hazir hu"
            | "hazir hoon"
            | "hazir hun"
            | "hajir hu"
            | "hajir hoon"
            | "upasthit"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Window = Window {
        enrol_from: 1_000,
        enrol_until: 2_000,
        capacity: 2,
    };

    #[test]
    fn seats_follow_the_window_and_capacity() {
        assert_eq!(seat(W, 0, 999, false), Err(EnrolRefused::NotOpen));
        assert_eq!(seat(W, 0, 2_001, true), Err(EnrolRefused::Closed));
        assert_eq!(seat(W, 1, 1_500, false), Ok(EnrolmentStatus::Enrolled));
        assert_eq!(seat(W, 2, 1_500, false), Err(EnrolRefused::Full));
        assert_eq!(seat(W, 2, 1_500, true), Ok(EnrolmentStatus::Waiting));
        assert!(fills_freed_seat(W, 5_000, 4_999));
        assert!(!fills_freed_seat(W, 5_000, 5_000));
    }

    #[test]
    fn the_lifecycle_refuses_what_makes_no_sense() {
        use EnrolmentStatus as S;
        assert!(S::Waiting.can_become(S::Enrolled));
        assert!(!S::Waiting.can_become(S::Completed));
        assert!(!S::Withdrawn.can_become(S::Enrolled));
        assert!(S::Completed.can_become(S::NotCompleted));
        assert!(S::Invited.can_become(S::Waiting) && S::Invited.can_become(S::Declined));
        assert!(S::Declined.can_become(S::Invited) && S::Declined.can_become(S::Enrolled));
        assert!(!S::Declined.can_become(S::Completed) && !S::Invited.can_become(S::Completed));
        assert!(!S::Invited.holds_seat() && !S::Declined.holds_seat());
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert!(!s.can_become(s));
        }
    }

    #[test]
    fn marks_need_the_right_day_or_window() {
        let start = super::super::dates::parse_local_datetime("2026-12-15T10:00").unwrap();
        let end = start + 7_200;
        assert_eq!(may_mark(Method::Tick, start, end, start + 9 * 3600), Ok(()));
        assert_eq!(
            may_mark(Method::Tick, start, end, start - 9 * 3600),
            Err(AttendanceRefused::NotYet)
        );
        assert_eq!(
            may_mark(Method::Tick, start, end, start + 86_400),
            Err(AttendanceRefused::NotToday)
        );
        assert_eq!(may_mark(Method::Qr, start, end, start - 1_800), Ok(()));
        assert_eq!(
            may_mark(Method::Whatsapp, start, end, end + 1_801),
            Err(AttendanceRefused::OutsideWindow)
        );
        assert_eq!(
            may_mark(Method::Correction, start, end, start - 1),
            Err(AttendanceRefused::NotYet)
        );
        assert_eq!(
            may_mark(Method::Correction, start, end, end + 86_400 * 30),
            Ok(())
        );
    }

    #[test]
    fn completion_needs_attendance_over_all_sessions_and_the_score() {
        let rule = CompletionRule {
            min_attendance_pct: 75,
            min_score_pct: 40,
        };
        let mut p = Progress {
            sessions: 4,
            held: 4,
            modules: 2,
            attended: 3,
            scores: vec![],
        };
        assert_eq!(p.completes(rule), Err(Shortfall::NotAssessed));
        p.scores.push(Score {
            module: Some(0),
            pct: 30.0,
            passed: false,
        });
        p.scores.push(Score {
            module: Some(1),
            pct: 60.0,
            passed: true,
        });
        assert_eq!(p.completes(rule), Ok(()));
        p.scores.push(Score {
            module: None,
            pct: 39.5,
            passed: false,
        });
        assert_eq!(p.completes(rule), Err(Shortfall::Score));
        p.attended = 2;
        assert_eq!(p.completes(rule), Err(Shortfall::Attendance));
        p.held = 3;
        assert_eq!(p.completes(rule), Err(Shortfall::SessionsAhead));
        assert_eq!(pct(2, 3), 66.7);
        assert_eq!(pct(0, 0), 0.0);
    }

    #[test]
    fn present_is_read_in_both_scripts() {
        for w in [
            "हाज़िर",
            "हाजिर।",
            " Present ",
            "hazir",
            "हाज़िर हूँ",
            "PRESENT!",
        ] {
            assert!(is_present_word(w), "{w}");
        }
        for w in ["absent", "hazir nahi", "कल आऊँगा", ""] {
            assert!(!is_present_word(w), "{w}");
        }
    }
}
