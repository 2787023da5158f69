//! The whole check of a certificate, as a third party makes it offline: that it is a Verifiable Credential 2.0,
//! the proof, the issuer (when the checker names the one it trusts), the validity dates, and — given the issuer's
//! status list credential — whether it was revoked or suspended. The verdict says which of these failed first.

use super::credential::{self, CredentialError, StatusList};
use serde_json::Value;

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    /// The proof does not hold, or the document is not a credential kaamgar can check.
    Invalid(CredentialError),
    /// Signed by a key other than the one the checker trusts.
    UntrustedIssuer(String),
    NotYetValid,
    Expired,
    Revoked,
    /// Suspended by its issuer (a suspension status list has its bit set).
    Suspended,
    /// The status list given is not the one the certificate names, does not verify, is out of date, or lacks the
    /// index.
    StatusUnreadable(String),
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        *self == Verdict::Valid
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub verdict: Verdict,
    /// The `did:key` that signed it, when the proof holds.
    pub issuer: Option<String>,
    /// Whether the status was checked (a status list was given and the certificate has a status entry).
    pub status_checked: bool,
}

/// A field of exactly `n` ASCII digits.
fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Unix seconds of an XML Schema `dateTimeStamp` / RFC 3339 date-time: `2026-12-01T10:00:00Z`, fractional seconds
/// and an offset (`+05:30`) allowed, a time zone required, the day one the month has.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let (date, rest) = s.split_at_checked(10)?;
    let (y, m, day) = match date.as_bytes() {
        [_, _, _, _, b'-', _, _, b'-', _, _] => (
            digits(&date[..4], 4)?,
            digits(&date[5..7], 2)?,
            digits(&date[8..], 2)?,
        ),
        _ => return None,
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || day < 1 || day > month_days[(m - 1) as usize] {
        return None;
    }
    let rest = rest.strip_prefix(['T', 't'])?;
    let (time, zone) = rest.split_at(rest.find(['Z', 'z', '+', '-'])?);
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let (h, mi, sec) = match hms.as_bytes() {
        [_, _, b':', _, _, b':', _, _] => (
            digits(&hms[..2], 2)?,
            digits(&hms[3..5], 2)?,
            digits(&hms[6..], 2)?,
        ),
        _ => return None,
    };
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // 24:00:00 is the end of the day; a leap second reads as the second before it.
    let end_of_day = h == 24 && mi == 0 && sec == 0;
    if (h > 23 && !end_of_day) || mi > 59 || sec > 60 {
        return None;
    }
    let offset = match zone {
        "Z" | "z" => 0,
        z => match z.as_bytes() {
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let (oh, om) = (digits(&z[1..3], 2)?, digits(&z[4..], 2)?);
                if oh > 14 || om > 59 {
                    return None;
                }
                (if *sign == b'-' { -1 } else { 1 }) * (oh * 3600 + om * 60)
            }
            _ => return None,
        },
    };
    let days = crate::worker::days_from_civil(y, m as u32, day as u32);
    Some(days * 86_400 + h * 3600 + mi * 60 + sec.min(59) - offset)
}

fn types(v: &Value) -> Vec<&str> {
    match v.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a credential is inside its validity period at `now` (a date that is not a date-time is refused).
fn in_force(v: &Value, now: i64) -> Result<(), Verdict> {
    let date = |k: &str| -> Result<Option<i64>, Verdict> {
        match v.get(k) {
            None => Ok(None),
            Some(x) => x
                .as_str()
                .and_then(parse_datetime)
                .map(Some)
                .ok_or_else(|| {
                    Verdict::Invalid(CredentialError::Malformed(format!(
                        "{k} is not a date-time"
                    )))
                }),
        }
    };
    if date("validFrom")?.is_some_and(|t| now < t) {
        return Err(Verdict::NotYetValid);
    }
    if date("validUntil")?.is_some_and(|t| now > t) {
        return Err(Verdict::Expired);
    }
    Ok(())
}

/// Checks a certificate at `now`. `trusted` is the issuer the checker expects (a district's `did:key`), if it
/// names one; `status_list` the issuer's `BitstringStatusListCredential`, if the checker has it.
pub fn check(
    credential: &Value,
    trusted: Option<&str>,
    status_list: Option<&Value>,
    now: i64,
) -> Report {
    let mut report = Report {
        verdict: Verdict::Valid,
        issuer: None,
        status_checked: false,
    };
    let first_context = credential
        .get("@context")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(Value::as_str);
    let kinds = types(credential);
    if first_context != Some(credential::CONTEXT_V2)
        || !kinds.contains(&"VerifiableCredential")
        || kinds.contains(&"BitstringStatusListCredential")
    {
        report.verdict = Verdict::Invalid(CredentialError::Malformed(
            "not a Verifiable Credential 2.0 certificate".into(),
        ));
        return report;
    }
    let signer = match credential::verify(credential) {
        Ok(s) => s,
        Err(e) => {
            report.verdict = Verdict::Invalid(e);
            return report;
        }
    };
    report.issuer = Some(signer.did.clone());
    if let Some(t) = trusted
        && t != signer.did
    {
        report.verdict = Verdict::UntrustedIssuer(signer.did);
        return report;
    }
    if let Err(v) = in_force(credential, now) {
        report.verdict = v;
        return report;
    }
    if let (Some(list), Some(entry)) = (status_list, credential.get("credentialStatus")) {
        report.status_checked = true;
        match status_of(entry, list, &signer.did, now) {
            Ok(None) => {}
            Ok(Some(v)) => report.verdict = v,
            Err(why) => report.verdict = Verdict::StatusUnreadable(why),
        }
    }
    report
}

/// What the status entry says in the issuer's status list credential (which must be the one the entry names, a
/// signed `BitstringStatusListCredential` of the same issuer, in force at `now`): `None` when its bit is clear,
/// revoked or suspended when it is set.
fn status_of(
    entry: &Value,
    list: &Value,
    issuer: &str,
    now: i64,
) -> Result<Option<Verdict>, String> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    if text(entry, "type").as_deref() != Some("BitstringStatusListEntry") {
        return Err("the certificate's status entry is not a BitstringStatusListEntry".into());
    }
    if entry
        .get("statusSize")
        .is_some_and(|s| s.as_u64() != Some(1))
    {
        return Err("only one-bit statuses are read".into());
    }
    let purpose = text(entry, "statusPurpose").unwrap_or_default();
    let index: usize = text(entry, "statusListIndex")
        .and_then(|i| i.parse().ok())
        .ok_or("the status entry has no index")?;
    let names = text(entry, "statusListCredential").ok_or("the status entry names no list")?;
    if text(list, "id").as_deref() != Some(names.as_str()) {
        return Err(format!("the status list given is not {names}"));
    }
    if !types(list).contains(&"BitstringStatusListCredential") {
        return Err("the status list is not a BitstringStatusListCredential".into());
    }
    let signer = credential::verify(list).map_err(|e| format!("the status list: {e}"))?;
    if signer.did != issuer {
        return Err("the status list was signed by another issuer".into());
    }
    if in_force(list, now).is_err() {
        return Err("the status list is out of date; get the issuer's current one".into());
    }
    let subject = list
        .get("credentialSubject")
        .ok_or("the status list has no subject")?;
    if text(subject, "type").as_deref() != Some("BitstringStatusList") {
        return Err("the status list's subject is not a BitstringStatusList".into());
    }
    let purposes: Vec<&str> = match subject.get("statusPurpose") {
        Some(Value::String(p)) => vec![p.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !purposes.contains(&purpose.as_str()) {
        return Err("the status list is for another purpose".into());
    }
    let bits = text(subject, "encodedList")
        .and_then(|e| StatusList::decode(&e))
        .ok_or("the status list's encodedList cannot be read")?;
    let set = bits
        .get(index)
        .ok_or("the index is beyond the status list")?;
    Ok(match (set, purpose.as_str()) {
        (true, "revocation") => Some(Verdict::Revoked),
        (true, "suspension") => Some(Verdict::Suspended),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::credential::{CONTEXT_V2, SigningKey, did_key, sign};
    use serde_json::json;

    const NOW: i64 = 1_796_000_000; // 2026-11-30

    fn issued(key: &SigningKey, until: &str) -> Value {
        let (did, _) = did_key(&key.public());
        let doc = json!({
            "@context": [CONTEXT_V2],
            "id": "urn:uuid:1",
            "type": ["VerifiableCredential", "KaamgarTrainingCertificate"],
            "issuer": did,
            "validFrom": "2026-01-01T00:00:00Z",
            "validUntil": until,
            "credentialStatus": {
                "id": "https://kaamgar.example/status/1#42",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "42",
                "statusListCredential": "https://kaamgar.example/status/1"
            },
            "credentialSubject": {"name": "Ramesh Kumar"}
        });
        sign(&doc, key, "2026-01-01T00:00:00Z").unwrap()
    }

    fn list(key: &SigningKey, revoked: &[usize]) -> Value {
        let (did, _) = did_key(&key.public());
        let mut bits = StatusList::new(0);
        for i in revoked {
            bits.set(*i, true);
        }
        let doc = json!({
            "@context": [CONTEXT_V2],
            "id": "https://kaamgar.example/status/1",
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": did,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "https://kaamgar.example/status/1#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": bits.encode()
            }
        });
        sign(&doc, key, "2026-01-01T00:00:00Z").unwrap()
    }

    #[test]
    fn valid_expired_revoked_and_untrusted_are_told_apart() {
        let key = SigningKey::from_seed(&[1; 32]);
        let (did, _) = did_key(&key.public());
        let cert = issued(&key, "2031-01-01T00:00:00Z");
        let r = check(&cert, Some(&did), Some(&list(&key, &[7])), NOW);
        assert_eq!((r.verdict, r.status_checked), (Verdict::Valid, true));
        assert_eq!(
            check(&cert, Some(&did), Some(&list(&key, &[42])), NOW).verdict,
            Verdict::Revoked
        );
        assert_eq!(check(&cert, None, None, NOW).verdict, Verdict::Valid);
        let expired = issued(&key, "2026-06-01T00:00:00+05:30");
        assert_eq!(check(&expired, None, None, NOW).verdict, Verdict::Expired);
        assert_eq!(
            check(&cert, None, None, 1_700_000_000).verdict,
            Verdict::NotYetValid
        );
        let other = SigningKey::from_seed(&[2; 32]);
        assert!(matches!(
            check(&cert, Some(&did_key(&other.public()).0), None, NOW).verdict,
            Verdict::UntrustedIssuer(_)
        ));
        // A status list signed by someone else does not count.
        assert!(matches!(
            check(&cert, None, Some(&list(&other, &[])), NOW).verdict,
            Verdict::StatusUnreadable(_)
        ));
    }

    #[test]
    fn a_stale_list_a_suspension_and_a_list_passed_off_as_a_certificate_are_caught() {
        let key = SigningKey::from_seed(&[1; 32]);
        let cert = issued(&key, "2031-01-01T00:00:00Z");
        let mut old = list(&key, &[]);
        old.as_object_mut().unwrap().remove("proof");
        old["validUntil"] = "2026-02-01T00:00:00Z".into();
        let old = sign(&old, &key, "2026-01-01T00:00:00Z").unwrap();
        assert!(matches!(
            check(&cert, None, Some(&old), NOW).verdict,
            Verdict::StatusUnreadable(_)
        ));
        let mut suspended = cert.clone();
        suspended.as_object_mut().unwrap().remove("proof");
        suspended["credentialStatus"]["statusPurpose"] = "suspension".into();
        let suspended = sign(&suspended, &key, "2026-01-01T00:00:00Z").unwrap();
        let mut slist = list(&key, &[42]);
        slist.as_object_mut().unwrap().remove("proof");
        slist["credentialSubject"]["statusPurpose"] = json!(["revocation", "suspension"]);
        let slist = sign(&slist, &key, "2026-01-01T00:00:00Z").unwrap();
        assert_eq!(
            check(&suspended, None, Some(&slist), NOW).verdict,
            Verdict::Suspended
        );
        assert!(matches!(
            check(&list(&key, &[]), None, None, NOW).verdict,
            Verdict::Invalid(CredentialError::Malformed(_))
        ));
        let mut purpose = cert.clone();
        purpose["proof"]["proofPurpose"] = "authentication".into();
        assert_eq!(
            check(&purpose, None, None, NOW).verdict,
            Verdict::Invalid(CredentialError::UnsupportedProof)
        );
        let mut fragment = cert.clone();
        let vm = fragment["proof"]["verificationMethod"]
            .as_str()
            .unwrap()
            .to_string();
        fragment["proof"]["verificationMethod"] =
            format!("{}#key-1", vm.split('#').next().unwrap()).into();
        assert!(matches!(
            check(&fragment, None, None, NOW).verdict,
            Verdict::Invalid(CredentialError::UnknownKey(_))
        ));
    }

    #[test]
    fn dates_are_read_as_rfc_3339_says() {
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_datetime("1970-01-01T05:30:00+05:30"), Some(0));
        assert_eq!(
            parse_datetime("2026-12-01T10:00:00.123Z"),
            parse_datetime("2026-12-01T10:00:00Z")
        );
        assert_eq!(
            parse_datetime("2026-12-01t10:00:00z"),
            parse_datetime("2026-12-01T10:00:00Z")
        );
        for bad in [
            "2026-02-29T00:00:00Z",
            "2026-12-01T10:00:1e1Z",
            "2026-12-01T10:00:00+99:00",
            "+202-12-01T10:00:00Z",
            "2026-1-01T10:00:00Z",
            "",
            "2026-12-01",
            "2026-13-01T00:00:00Z",
            "2026-12-01T25:00:00Z",
            "2026-12-01T10:00:00",
            "२०२६",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }
}
