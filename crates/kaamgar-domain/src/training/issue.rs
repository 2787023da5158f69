//! The documents kaamgar signs: a trainee's certificate (a Verifiable Credential 2.0 that says only what a
//! third party needs — who, which programme and certificate, where, when, how many hours — never a phone number)
//! and a district's Bitstring Status List credential. The district's signing key is derived from the server's
//! secret with a purpose label, so it is never stored in the database and is restored with the secret.

use super::credential::{CONTEXT_V2, CredentialError, SigningKey, StatusList, did_key, sign};
use super::dates::{india_date, utc_datetime};
use serde_json::{Value, json};

/// The certificate's own type beside `VerifiableCredential`.
pub const CERTIFICATE_TYPE: &str = "KaamgarTrainingCertificate";

/// A district's issuing key: HMAC-SHA256 of the district's name (lower case) under the server's secret, with a
/// purpose label kept apart from the secret's other uses.
pub fn district_key(secret: &[u8], district: &str) -> SigningKey {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let label = format!(
        "kaamgar certificate issuer v1\u{1f}{}",
        district.to_lowercase()
    );
    let tag = ring::hmac::sign(&key, label.as_bytes());
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&tag.as_ref()[..32]);
    SigningKey::from_seed(&seed)
}

/// The issuer's `did:key` for a signing key.
pub fn issuer_did(key: &SigningKey) -> String {
    did_key(&key.public()).0
}

/// What a certificate says.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateFacts {
    /// The certificate's id without its `urn:uuid:` prefix; `/verify/{id}` finds it.
    pub id: String,
    pub district: String,
    pub trainee: String,
    /// The office a non-worker trainee holds, if one.
    pub office: Option<String>,
    pub programme_en: String,
    pub programme_hi: String,
    pub certificate_en: String,
    pub certificate_hi: String,
    pub trade: Option<String>,
    pub centre: String,
    pub phase: u16,
    pub hours: u32,
    pub completed_at: i64,
    pub issued_at: i64,
    pub valid_until: i64,
    /// Absolute URL of the district's status list credential, and the certificate's index in it.
    pub status_list: String,
    pub status_index: u64,
    /// Absolute URL of the public check (`…/verify/{id}`).
    pub verify_url: String,
}

/// The unsecured certificate (sign it with [`sign_certificate`]).
pub fn certificate_document(f: &CertificateFacts, issuer: &str) -> Value {
    let mut achievement = json!({
        "type": "TrainingProgramme",
        "name": f.programme_en,
        "nameHi": f.programme_hi,
        "certificate": f.certificate_en,
        "certificateHi": f.certificate_hi,
        "hours": f.hours,
        "phase": f.phase,
        "centre": f.centre,
        "district": f.district,
    });
    if let (Some(t), Some(m)) = (&f.trade, achievement.as_object_mut()) {
        m.insert("trade".into(), t.clone().into());
    }
    let mut subject = json!({
        "type": "Trainee",
        "name": f.trainee,
        "completed": india_date(f.completed_at),
        "achievement": achievement,
    });
    if let (Some(o), Some(m)) = (&f.office, subject.as_object_mut()) {
        m.insert("office".into(), o.clone().into());
    }
    json!({
        "@context": [CONTEXT_V2],
        "id": format!("urn:uuid:{}", f.id),
        "type": ["VerifiableCredential", CERTIFICATE_TYPE],
        "name": f.certificate_en,
        "issuer": issuer,
        "validFrom": utc_datetime(f.issued_at),
        "validUntil": utc_datetime(f.valid_until),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": format!("{}#{}", f.status_list, f.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": f.status_index.to_string(),
            "statusListCredential": f.status_list,
        },
        "evidence": [{"type": "VerificationPage", "id": f.verify_url}],
    })
}

/// The certificate signed by its district's key.
pub fn sign_certificate(f: &CertificateFacts, key: &SigningKey) -> Result<Value, CredentialError> {
    sign(
        &certificate_document(f, &issuer_did(key)),
        key,
        &utc_datetime(f.issued_at),
    )
}

/// A district's revocation list as a signed `BitstringStatusListCredential`, in force from `at` for `ttl_secs`
/// (a checker holding an older copy is told to fetch it again).
pub fn status_list_credential(
    url: &str,
    revoked: &StatusList,
    key: &SigningKey,
    at: i64,
    ttl_secs: i64,
) -> Result<Value, CredentialError> {
    let doc = json!({
        "@context": [CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(key),
        "validFrom": utc_datetime(at),
        "validUntil": utc_datetime(at + ttl_secs),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": revoked.encode(),
            "ttl": ttl_secs * 1000,
        },
    });
    sign(&doc, key, &utc_datetime(at))
}

#[cfg(test)]
mod tests {
    use super::super::check::{Verdict, check};
    use super::*;

    fn facts() -> CertificateFacts {
        CertificateFacts {
            id: "4f1c2b7e-0000-4000-8000-000000000001".into(),
            district: "Kanpur Nagar".into(),
            trainee: "सुनीता देवी".into(),
            office: None,
            programme_en: "Leather goods for factories".into(),
            programme_hi: "कारखानों के लिए चमड़े का सामान".into(),
            certificate_en: "Leather goods assistant".into(),
            certificate_hi: "चमड़ा सामान सहायक".into(),
            trade: Some("leather-goods-maker".into()),
            centre: "Bithoor Training Centre".into(),
            phase: 1,
            hours: 120,
            completed_at: 1_796_000_000,
            issued_at: 1_796_000_100,
            valid_until: 1_796_000_100 + 5 * 365 * 86_400,
            status_list: "https://kaamgar.example/status-lists/1".into(),
            status_index: 7,
            verify_url: "https://kaamgar.example/verify/4f1c".into(),
        }
    }

    #[test]
    fn an_issued_certificate_passes_the_offline_check_until_revoked() {
        let key = district_key(b"0123456789abcdef0123456789abcdef", "Kanpur Nagar");
        let did = issuer_did(&key);
        let cert = sign_certificate(&facts(), &key).unwrap();
        let now = 1_796_000_200;
        let mut bits = StatusList::new(0);
        let list = status_list_credential(&facts().status_list, &bits, &key, now, 86_400).unwrap();
        let r = check(&cert, Some(&did), Some(&list), now);
        assert_eq!((r.verdict, r.status_checked), (Verdict::Valid, true));
        bits.set(7, true);
        let list = status_list_credential(&facts().status_list, &bits, &key, now, 86_400).unwrap();
        assert_eq!(
            check(&cert, Some(&did), Some(&list), now).verdict,
            Verdict::Revoked
        );
        // A copy of the list older than its ttl is not accepted.
        assert!(matches!(
            check(&cert, Some(&did), Some(&list), now + 2 * 86_400).verdict,
            Verdict::StatusUnreadable(_)
        ));
        assert!(!cert.to_string().contains("+91"));
    }

    #[test]
    fn each_district_has_its_own_stable_key() {
        let s = b"0123456789abcdef0123456789abcdef";
        let a = issuer_did(&district_key(s, "Kanpur Nagar"));
        assert_eq!(a, issuer_did(&district_key(s, "kanpur nagar")));
        assert_ne!(a, issuer_did(&district_key(s, "Kanpur Dehat")));
        assert_ne!(
            a,
            issuer_did(&district_key(
                b"another secret, just as long....",
                "Kanpur Nagar"
            ))
        );
    }
}
