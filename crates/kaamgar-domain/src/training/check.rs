//! The whole check of a certificate, as a third party makes it offline: the proof, the issuer (when the checker
//! names the one it trusts), the validity dates, and — given the issuer's status list credential — whether it was
//! revoked. The verdict says which of these failed first.

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
    /// The status list given is not the one the certificate names, does not verify, or lacks its index.
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
    /// Whether revocation was checked (a status list was given and the certificate has a status entry).
    pub status_checked: bool,
}

/// Unix seconds of an XML Schema / RFC 3339 date-time (`2026-12-01T10:00:00Z`, fractions and offsets allowed).
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = s.split_at_checked(10)?;
    let mut d = date.split('-');
    let (y, m, day): (i64, u32, u32) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let rest = rest.strip_prefix(['T', 't'])?;
    let (time, zone) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => return None,
    };
    let mut t = time.split(':');
    let (h, mi): (i64, i64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let sec: f64 = t.next()?.parse().ok()?;
    if t.next().is_some() || h > 23 || mi > 59 || !(0.0..61.0).contains(&sec) {
        return None;
    }
    let offset = match zone {
        "Z" | "z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (oh, om) = z[1..].split_once(':')?;
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
    };
    let days = crate::worker::days_from_civil(y, m, day);
    Some(days * 86_400 + h * 3600 + mi * 60 + sec as i64 - offset)
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
    let date = |k: &str| {
        credential
            .get(k)
            .and_then(Value::as_str)
            .map(parse_datetime)
    };
    match date("validFrom") {
        Some(None) => {
            report.verdict = Verdict::Invalid(CredentialError::Malformed(
                "validFrom is not a date-time".into(),
            ));
            return report;
        }
        Some(Some(t)) if now < t => {
            report.verdict = Verdict::NotYetValid;
            return report;
        }
        _ => {}
    }
    match date("validUntil") {
        Some(None) => {
            report.verdict = Verdict::Invalid(CredentialError::Malformed(
                "validUntil is not a date-time".into(),
            ));
            return report;
        }
        Some(Some(t)) if now > t => {
            report.verdict = Verdict::Expired;
            return report;
        }
        _ => {}
    }
    if let (Some(list), Some(entry)) = (status_list, credential.get("credentialStatus")) {
        report.status_checked = true;
        match revoked(entry, list, &signer.did) {
            Ok(true) => report.verdict = Verdict::Revoked,
            Ok(false) => {}
            Err(why) => report.verdict = Verdict::StatusUnreadable(why),
        }
    }
    report
}

/// Whether the status entry's bit is set in the status list credential (which must be the one the entry names,
/// signed by the same issuer, for revocation).
fn revoked(entry: &Value, list: &Value, issuer: &str) -> Result<bool, String> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    if text(entry, "type").as_deref() != Some("BitstringStatusListEntry") {
        return Err("the certificate's status entry is not a BitstringStatusListEntry".into());
    }
    let purpose = text(entry, "statusPurpose").unwrap_or_default();
    let index: usize = text(entry, "statusListIndex")
        .and_then(|i| i.parse().ok())
        .ok_or("the status entry has no index")?;
    let names = text(entry, "statusListCredential").ok_or("the status entry names no list")?;
    if text(list, "id").as_deref() != Some(names.as_str()) {
        return Err(format!("the status list given is not {names}"));
    }
    let signer = credential::verify(list).map_err(|e| format!("the status list: {e}"))?;
    if signer.did != issuer {
        return Err("the status list was signed by another issuer".into());
    }
    let subject = list
        .get("credentialSubject")
        .ok_or("the status list has no subject")?;
    if text(subject, "statusPurpose").as_deref() != Some(purpose.as_str()) {
        return Err("the status list is for another purpose".into());
    }
    let bits = text(subject, "encodedList")
        .and_then(|e| StatusList::decode(&e))
        .ok_or("the status list's encodedList cannot be read")?;
    let set = bits
        .get(index)
        .ok_or("the index is beyond the status list")?;
    Ok(set && purpose == "revocation")
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
    fn dates_are_read_as_rfc_3339_says() {
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_datetime("1970-01-01T05:30:00+05:30"), Some(0));
        assert_eq!(
            parse_datetime("2026-12-01T10:00:00.123Z"),
            parse_datetime("2026-12-01T10:00:00Z")
        );
        for bad in [
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
