//! Indian mobile numbers: parsed once at the edge into `+91XXXXXXXXXX`, masked whenever they are logged.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A valid Indian mobile number, stored as its ten national digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(u64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty")]
    Empty,
    #[error(
        "phone number has {0} digits; an Indian mobile number has 10 (optionally after +91 or 0)"
    )]
    WrongLength(usize),
    #[error("phone number must start with 6, 7, 8 or 9 (a mobile number)")]
    NotMobile,
    #[error("phone number contains '{0}', which is not a digit")]
    BadCharacter(char),
    #[error(
        "phone number is in scientific notation ({0}); its last digits were lost in the spreadsheet"
    )]
    Scientific(String),
}

impl PhoneNumber {
    /// Parses what people and spreadsheets write: `98765 43210`, `+91-98765-43210`, `09876543210`,
    /// `919876543210`, `9876543210.0` (a number cell), Devanagari digits.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let upper = trimmed.to_ascii_uppercase();
        if upper.contains("E+") || upper.contains("E9") {
            return Err(PhoneError::Scientific(trimmed.to_string()));
        }
        // A number cell exported as "9876543210.0".
        let body = trimmed.strip_suffix(".0").unwrap_or(trimmed);
        let mut digits = String::with_capacity(12);
        for c in body.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '\u{0966}'..='\u{096F}' => {
                    digits.push(char::from(b'0' + (c as u32 - 0x0966) as u8))
                }
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' | '\'' | '/' => {}
                '+' if digits.is_empty() => {}
                other => return Err(PhoneError::BadCharacter(other)),
            }
        }
        let national = match digits.len() {
            10 => digits.as_str(),
            11 if digits.starts_with('0') => &digits[1..],
            12 if digits.starts_with("91") => &digits[2..],
            13 if digits.starts_with("091") => &digits[3..],
            0 => return Err(PhoneError::Empty),
            n => return Err(PhoneError::WrongLength(n)),
        };
        if !matches!(national.as_bytes()[0], b'6'..=b'9') {
            return Err(PhoneError::NotMobile);
        }
        national
            .parse::<u64>()
            .map(PhoneNumber)
            .map_err(|_| PhoneError::WrongLength(national.len()))
    }

    /// The ten national digits as a number (compact keys, hashing).
    pub fn national(self) -> u64 {
        self.0
    }

    /// `+91XXXXXXXXXX`, the form stored and sent to WhatsApp.
    pub fn e164(self) -> String {
        format!("+91{:010}", self.0)
    }

    /// `+91XXXXXX3210`: safe for logs and for screens that do not need the number.
    pub fn masked(self) -> String {
        format!("+91XXXXXX{:04}", self.0 % 10_000)
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164())
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.e164()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_ways_district_lists_write_a_mobile_number() {
        for raw in [
            "9876543210",
            "+91 98765 43210",
            "+91-98765-43210",
            "09876543210",
            "919876543210",
            "9876543210.0",
            "९८७६५४३२१०",
            " 98765-43210 ",
        ] {
            assert_eq!(
                PhoneNumber::parse(raw).map(|p| p.e164()),
                Ok("+919876543210".into()),
                "{raw}"
            );
        }
    }

    #[test]
    fn rejects_nine_and_eleven_digit_numbers_with_the_count() {
        assert_eq!(
            PhoneNumber::parse("987654321"),
            Err(PhoneError::WrongLength(9))
        );
        assert_eq!(
            PhoneNumber::parse("98765432101"),
            Err(PhoneError::WrongLength(11))
        );
    }

    #[test]
    fn rejects_landlines_letters_and_scientific_notation() {
        assert_eq!(PhoneNumber::parse("0612345678"), Err(PhoneError::NotMobile));
        assert_eq!(
            PhoneNumber::parse("98765x3210"),
            Err(PhoneError::BadCharacter('x'))
        );
        assert!(matches!(
            PhoneNumber::parse("9.87654E+09"),
            Err(PhoneError::Scientific(_))
        ));
    }

    #[test]
    fn masks_all_but_the_last_four_digits() {
        let p = PhoneNumber::parse("9876543210").unwrap();
        assert_eq!(p.masked(), "+91XXXXXX3210");
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = PhoneNumber::parse(&s);
        }

        #[test]
        fn e164_round_trips(n in 6_000_000_000u64..10_000_000_000) {
            let p = PhoneNumber::parse(&n.to_string()).unwrap();
            prop_assert_eq!(PhoneNumber::parse(&p.e164()).unwrap(), p);
        }
    }
}
