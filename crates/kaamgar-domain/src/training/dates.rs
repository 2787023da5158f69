//! Times as training records need them: a session written in India time (`2026-12-15T10:00`) or with its offset,
//! the day in India a time falls on (attendance is for today's sessions), and the UTC date-time a credential
//! carries.

use super::check::parse_datetime;
pub use crate::worker::civil_from_days;
use crate::worker::days_from_civil;

/// India Standard Time, UTC+05:30, in seconds. India has no daylight saving.
pub const IST: i64 = 19_800;

/// Unix seconds of `2026-12-15T10:00`, `2026-12-15 10:00[:00]` (India time) or an RFC 3339 date-time with its
/// offset or `Z`.
pub fn parse_local_datetime(raw: &str) -> Option<i64> {
    let t = raw.trim();
    if let Some(v) = parse_datetime(t) {
        return Some(v);
    }
    let (date, time) = t.split_once(['T', ' '])?;
    let d = date.as_bytes();
    if d.len() != 10 || d[4] != b'-' || d[7] != b'-' {
        return None;
    }
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, m, day) = (num(&date[..4])?, num(&date[5..7])?, num(&date[8..])?);
    let mut hms = time.split(':');
    let h = num(hms.next()?)?;
    let min = num(hms.next()?)?;
    let s = hms.next().map_or(Some(0), num)?;
    if hms.next().is_some() || time.len() > 8 || h > 23 || min > 59 || s > 59 {
        return None;
    }
    // A real day of the month: the round trip through day numbers keeps it.
    let days = days_from_civil(y, u32::try_from(m).ok()?, u32::try_from(day).ok()?);
    if civil_from_days(days) != (y, m as u32, day as u32) || !(1..=12).contains(&m) {
        return None;
    }
    Some(days * 86_400 + h * 3600 + min * 60 + s - IST)
}

/// The day in India (days since 1970-01-01) that `unix` falls on.
pub fn india_day(unix: i64) -> i64 {
    (unix + IST).div_euclid(86_400)
}

/// `2026-12-15T04:30:00Z`: the date-time a credential carries.
pub fn utc_datetime(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `2026-12-15` in India.
pub fn india_date(unix: i64) -> String {
    let (y, m, d) = civil_from_days(india_day(unix));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `15/12/2026 10:00` in India, as forms and pages show it.
pub fn india_time(unix: i64) -> String {
    let (y, m, d) = civil_from_days(india_day(unix));
    let s = (unix + IST).rem_euclid(86_400);
    format!("{d:02}/{m:02}/{y:04} {:02}:{:02}", s / 3600, s / 60 % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn india_time_and_offsets_meet() {
        let a = parse_local_datetime("2026-12-15T10:00").unwrap();
        assert_eq!(parse_local_datetime("2026-12-15 10:00:00"), Some(a));
        assert_eq!(parse_local_datetime("2026-12-15T04:30:00Z"), Some(a));
        assert_eq!(parse_local_datetime("2026-12-15T10:00:00+05:30"), Some(a));
        assert_eq!(utc_datetime(a), "2026-12-15T04:30:00Z");
        assert_eq!(india_time(a), "15/12/2026 10:00");
        assert_eq!(india_date(a), "2026-12-15");
        // 23:30 in India is the same day there, the next day's 18:00 UTC is not.
        let late = parse_local_datetime("2026-12-15T23:30").unwrap();
        assert_eq!(india_day(late), india_day(a));
    }

    #[test]
    fn impossible_times_are_refused() {
        for bad in [
            "2026-02-30T10:00",
            "2026-13-01T10:00",
            "2026-12-15T24:00",
            "2026-12-15T10:60",
            "2026-12-15",
            "15/12/2026 10:00",
            "2026-12-15T10:00:00:00",
            "2026-12-15T1a:00",
            "",
        ] {
            assert_eq!(parse_local_datetime(bad), None, "{bad}");
        }
    }
}
