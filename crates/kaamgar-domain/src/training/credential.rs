//! Verifiable certificates: W3C Verifiable Credentials 2.0 secured with a Data Integrity proof of the
//! `eddsa-jcs-2022` cryptosuite (Ed25519 over the SHA-256 of the JCS form of the proof configuration and of the
//! document), issued by a `did:key` Ed25519 key, revocable through a Bitstring Status List. Everything here is pure:
//! no clock, no store, no file; the caller brings the key, the time and the status list. The official test vector of
//! the cryptosuite is a unit test.

pub use super::jcs::jcs;
pub use super::multibase::{base58_decode, base58_encode, base64url_decode, base64url_encode};
pub use super::status_list::{STATUS_LIST_BITS, StatusList};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The multicodec header of an Ed25519 public key (`0xed 0x01`), and of its secret key (`0x80 0x26`).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

pub const CONTEXT_V2: &str = "https://www.w3.org/ns/credentials/v2";
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("not a credential: {0}")]
    Malformed(String),
    #[error("the proof is not an eddsa-jcs-2022 Data Integrity proof")]
    UnsupportedProof,
    #[error("the verification method is not an Ed25519 did:key: {0}")]
    UnknownKey(String),
    #[error("the signature does not match the certificate's contents")]
    BadSignature,
    #[error("the credential was not issued by the key that signed it")]
    WrongIssuer,
}

// ---- keys ----

/// An Ed25519 public key as a Multikey (`z6Mk…`).
pub fn public_multibase(public: &[u8; 32]) -> String {
    let mut b = ED25519_PUB.to_vec();
    b.extend_from_slice(public);
    format!("z{}", base58_encode(&b))
}

/// The `did:key` of an Ed25519 public key, and its verification method (`did:key:z…#z…`).
pub fn did_key(public: &[u8; 32]) -> (String, String) {
    let mb = public_multibase(public);
    (format!("did:key:{mb}"), format!("did:key:{mb}#{mb}"))
}

/// The public key a `did:key` (or its verification method) names, when it is an Ed25519 key.
pub fn key_of_did(did: &str) -> Result<[u8; 32], CredentialError> {
    let unknown = || CredentialError::UnknownKey(did.chars().take(120).collect());
    let mb = did
        .strip_prefix("did:key:")
        .and_then(|r| r.split('#').next())
        .and_then(|m| m.strip_prefix('z'))
        // An Ed25519 Multikey is 48 characters; decoding is quadratic, so nothing long is tried.
        .filter(|m| m.len() <= 64)
        .ok_or_else(unknown)?;
    let bytes = base58_decode(mb).ok_or_else(unknown)?;
    match bytes.split_at_checked(2) {
        Some((h, k)) if h == ED25519_PUB && k.len() == 32 => k.try_into().map_err(|_| unknown()),
        _ => Err(unknown()),
    }
}

/// A secret key from its Multikey form (`z3u2…`: the `0x8026` header and the 32-byte seed).
pub fn seed_of_multibase(s: &str) -> Option<[u8; 32]> {
    let bytes = base58_decode(s.strip_prefix('z')?)?;
    let (h, k) = bytes.split_at_checked(2)?;
    (h == ED25519_PRIV).then(|| k.try_into().ok()).flatten()
}

/// An Ed25519 signing key.
pub struct SigningKey {
    pair: ring::signature::Ed25519KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("public", &public_multibase(&self.public()))
            .finish()
    }
}

impl SigningKey {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        SigningKey {
            // A 32-byte seed is always a valid Ed25519 secret key.
            pair: ring::signature::Ed25519KeyPair::from_seed_unchecked(seed)
                .unwrap_or_else(|_| unreachable!("a 32-byte seed is a valid Ed25519 key")),
        }
    }

    pub fn public(&self) -> [u8; 32] {
        let mut p = [0u8; 32];
        p.copy_from_slice(ring::signature::KeyPair::public_key(&self.pair).as_ref());
        p
    }

    fn sign(&self, data: &[u8]) -> [u8; 64] {
        let mut s = [0u8; 64];
        s.copy_from_slice(self.pair.sign(data).as_ref());
        s
    }
}

// ---- the eddsa-jcs-2022 proof ----

/// The 64 bytes an `eddsa-jcs-2022` proof signs: SHA-256 of the canonical proof configuration, then SHA-256 of the
/// canonical document (without its proof).
fn hash_data(document: &Map<String, Value>, config: &Map<String, Value>) -> Vec<u8> {
    let mut doc = document.clone();
    doc.remove("proof");
    let mut out = Sha256::digest(jcs(&Value::Object(config.clone())).as_bytes()).to_vec();
    out.extend_from_slice(&Sha256::digest(jcs(&Value::Object(doc)).as_bytes()));
    out
}

/// Adds an `eddsa-jcs-2022` `DataIntegrityProof` made with `key` at `created` (an XML Schema date-time) to an
/// unsecured credential, for the purpose of assertion. The proof carries the document's `@context`.
pub fn sign(document: &Value, key: &SigningKey, created: &str) -> Result<Value, CredentialError> {
    let doc = document
        .as_object()
        .ok_or_else(|| CredentialError::Malformed("not a JSON object".into()))?;
    let (_, method) = did_key(&key.public());
    let mut proof = Map::new();
    proof.insert("type".into(), "DataIntegrityProof".into());
    proof.insert("cryptosuite".into(), CRYPTOSUITE.into());
    proof.insert("created".into(), created.into());
    proof.insert("verificationMethod".into(), method.into());
    proof.insert("proofPurpose".into(), "assertionMethod".into());
    if let Some(c) = doc.get("@context") {
        proof.insert("@context".into(), c.clone());
    }
    let signature = key.sign(&hash_data(doc, &proof));
    proof.insert(
        "proofValue".into(),
        format!("z{}", base58_encode(&signature)).into(),
    );
    let mut signed = doc.clone();
    signed.insert("proof".into(), Value::Object(proof));
    Ok(Value::Object(signed))
}

/// Who signed a credential whose proof holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub did: String,
    pub public: [u8; 32],
}

/// Checks a secured credential's `eddsa-jcs-2022` proof against the key its verification method names, and that
/// the credential's issuer is that key's `did:key`. Anything changed after signing — a name, a date, the proof's own
/// fields — fails.
pub fn verify(document: &Value) -> Result<Signer, CredentialError> {
    let doc = document
        .as_object()
        .ok_or_else(|| CredentialError::Malformed("not a JSON object".into()))?;
    let proof = doc
        .get("proof")
        .and_then(Value::as_object)
        .ok_or_else(|| CredentialError::Malformed("no proof".into()))?;
    let text = |k: &str| proof.get(k).and_then(Value::as_str);
    if text("type") != Some("DataIntegrityProof")
        || text("cryptosuite") != Some(CRYPTOSUITE)
        || text("proofPurpose") != Some("assertionMethod")
    {
        return Err(CredentialError::UnsupportedProof);
    }
    if text("created").is_some_and(|c| super::check::parse_datetime(c).is_none()) {
        return Err(CredentialError::Malformed(
            "the proof's created is not a date-time".into(),
        ));
    }
    let method = text("verificationMethod").ok_or(CredentialError::UnsupportedProof)?;
    let public = key_of_did(method)?;
    // A did:key names its key with the key itself as the fragment, and nothing else.
    if method != did_key(&public).1 {
        return Err(CredentialError::UnknownKey(
            method.chars().take(120).collect(),
        ));
    }
    let signature = text("proofValue")
        .and_then(|v| v.strip_prefix('z'))
        // 64 bytes are at most 88 characters of base58.
        .filter(|v| v.len() <= 90)
        .and_then(base58_decode)
        .filter(|s| s.len() == 64)
        .ok_or(CredentialError::BadSignature)?;
    let mut config = proof.clone();
    config.remove("proofValue");
    let mut unsecured = doc.clone();
    // The proof's context, when it has one, must be where the document's starts (and is what was signed).
    if let Some(ctx) = config.get("@context") {
        let starts = match (ctx, doc.get("@context")) {
            (Value::Array(p), Some(Value::Array(d))) => d.starts_with(p),
            (p, Some(d)) => p == d,
            _ => false,
        };
        if !starts {
            return Err(CredentialError::BadSignature);
        }
        unsecured.insert("@context".into(), ctx.clone());
    }
    let data = hash_data(&unsecured, &config);
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public)
        .verify(&data, &signature)
        .map_err(|_| CredentialError::BadSignature)?;
    let did = method.split('#').next().unwrap_or(method).to_string();
    let issuer = match doc.get("issuer") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        _ => None,
    };
    if issuer != Some(did.as_str()) {
        return Err(CredentialError::WrongIssuer);
    }
    Ok(Signer { did, public })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// The cryptosuite's own test vector (Data Integrity EdDSA Cryptosuites v1.0, W3C Recommendation, B.3).
    #[test]
    fn the_official_eddsa_jcs_2022_vector_is_reproduced_byte_for_byte() {
        let seed = seed_of_multibase("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq").unwrap();
        let key = SigningKey::from_seed(&seed);
        assert_eq!(
            public_multibase(&key.public()),
            "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        );
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
            "type": ["VerifiableCredential", "AlumniCredential"],
            "name": "Alumni Credential",
            "description": "A minimum viable example of an Alumni Credential.",
            "issuer": "https://vc.example/issuers/5678",
            "validFrom": "2023-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
        });
        assert_eq!(
            jcs(&doc),
            r#"{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"credentialSubject":{"alumniOf":"The School of Examples","id":"did:example:abcdefgh"},"description":"A minimum viable example of an Alumni Credential.","id":"urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33","issuer":"https://vc.example/issuers/5678","name":"Alumni Credential","type":["VerifiableCredential","AlumniCredential"],"validFrom":"2023-01-01T00:00:00Z"}"#
        );
        let signed = sign(&doc, &key, "2023-02-24T23:36:38Z").unwrap();
        let proof = signed["proof"].as_object().unwrap();
        let mut config = proof.clone();
        config.remove("proofValue");
        let data = hash_data(doc.as_object().unwrap(), &config);
        assert_eq!(
            hex(&data),
            "66ab154f5c2890a140cb8388a22a160454f80575f6eae09e5a097cabe539a1db59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19"
        );
        assert_eq!(
            proof["proofValue"],
            "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX"
        );
        // Its issuer is a web address, not the signing key: the signature holds, the issuer check does not.
        assert_eq!(verify(&signed), Err(CredentialError::WrongIssuer));
    }

    fn ours() -> (SigningKey, Value) {
        let key = SigningKey::from_seed(&[7u8; 32]);
        let (did, _) = did_key(&key.public());
        let doc = json!({
            "@context": [CONTEXT_V2],
            "type": ["VerifiableCredential", "KaamgarTrainingCertificate"],
            "issuer": did,
            "validFrom": "2026-12-01T00:00:00Z",
            "credentialSubject": {"name": "सुनीता देवी", "programme": "Leather goods stitching", "hours": 120}
        });
        let signed = sign(&doc, &key, "2026-12-01T10:00:00Z").unwrap();
        (key, signed)
    }

    #[test]
    fn a_key_that_is_not_ed25519_is_refused() {
        assert!(
            key_of_did("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme").is_err(),
            "not Ed25519"
        );
    }

    #[test]
    fn a_changed_name_date_or_signature_fails_and_the_original_holds() {
        let (key, signed) = ours();
        assert_eq!(verify(&signed).unwrap().public, key.public());
        let mut name = signed.clone();
        name["credentialSubject"]["name"] = "सुनीता कुमारी".into();
        let mut date = signed.clone();
        date["validFrom"] = "2025-12-01T00:00:00Z".into();
        let mut sig = signed.clone();
        let pv = sig["proof"]["proofValue"].as_str().unwrap().to_string();
        sig["proof"]["proofValue"] = format!("{}{}", &pv[..pv.len() - 2], "11").into();
        let mut created = signed.clone();
        created["proof"]["created"] = "2027-01-01T00:00:00Z".into();
        for bad in [name, date, sig, created] {
            assert_eq!(verify(&bad), Err(CredentialError::BadSignature), "{bad}");
        }
        // Another key signing it claims our issuer in vain.
        let other = SigningKey::from_seed(&[8u8; 32]);
        let mut unsigned = signed.clone();
        unsigned.as_object_mut().unwrap().remove("proof");
        let forged = sign(&unsigned, &other, "2026-12-01T10:00:00Z").unwrap();
        assert_eq!(verify(&forged), Err(CredentialError::WrongIssuer));
        for junk in [json!([1, 2]), json!({"proof": 3}), json!({})] {
            assert!(verify(&junk).is_err());
        }
    }
}
