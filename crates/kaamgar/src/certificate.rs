//! `kaamgar certificate verify FILE`: checks a certificate offline, as anyone holding the file can — the proof
//! against the key that signed it, the issuer against the one given with `--issuer`, the validity dates, and with
//! `--status-list` whether the issuer revoked it. Prints the verdict in English and Hindi; the command fails (exit
//! status 1) for anything but a valid certificate. FILE may also hold the text a certificate's QR code carries
//! (its URL with the signed credential folded in): that is checked the same way, with no network.

use anyhow::{Context, Result, bail};
use kaamgar_domain::training::check::{Verdict, check};
use kaamgar_domain::training::credential::{self, CredentialError, SigningKey};
use std::path::Path;

/// Files larger than this are not certificates.
const MAX_BYTES: u64 = 1024 * 1024;

fn read_json(path: &Path, what: &str) -> Result<serde_json::Value> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.len() > MAX_BYTES {
        bail!(
            "{} is {} bytes: too large for a {what}",
            path.display(),
            meta.len()
        );
    }
    // A pipe or a device has no length to check: at most the limit is read.
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_BYTES + 1), &mut text)
        .with_context(|| format!("reading {}", path.display()))?;
    if text.len() as u64 > MAX_BYTES {
        bail!("{} is too large for a {what}", path.display());
    }
    if let Ok(v) = serde_json::from_slice(&text) {
        return Ok(v);
    }
    // What a certificate's QR code carries: its URL with the credential folded into the fragment.
    std::str::from_utf8(&text)
        .ok()
        .and_then(kaamgar_domain::training::compact::unfold)
        .with_context(|| {
            format!(
                "{} is neither a JSON {what} nor the text of a certificate's QR code",
                path.display()
            )
        })
}

pub fn verify(
    file: &Path,
    status_list: Option<&Path>,
    issuer: Option<&str>,
    now: i64,
) -> Result<()> {
    let cert = read_json(file, "certificate")?;
    let list = status_list
        .map(|p| read_json(p, "status list"))
        .transpose()?;
    let report = check(&cert, issuer, list.as_ref(), now);
    let who = report.issuer.as_deref().unwrap_or("-");
    let (en, hi) = match &report.verdict {
        Verdict::Valid => ("valid".to_string(), "मान्य"),
        Verdict::Invalid(CredentialError::WrongIssuer) => (
            format!("NOT VALID: {}", CredentialError::WrongIssuer),
            "मान्य नहीं: जारीकर्ता और हस्ताक्षर करने वाली कुंजी अलग हैं",
        ),
        Verdict::Invalid(e) => (
            format!("NOT VALID: {e}"),
            "मान्य नहीं: प्रमाणपत्र बदला गया है या पढ़ा नहीं जा सकता",
        ),
        Verdict::UntrustedIssuer(d) => (
            format!("NOT VALID: issued by {d}, not by the issuer given"),
            "मान्य नहीं: जारीकर्ता अलग है",
        ),
        Verdict::NotYetValid => (
            "NOT VALID yet (validFrom is in the future)".to_string(),
            "अभी मान्य नहीं",
        ),
        Verdict::Expired => ("EXPIRED (validUntil has passed)".to_string(), "समाप्त"),
        Verdict::Revoked => ("REVOKED by its issuer".to_string(), "रद्द किया गया"),
        Verdict::Suspended => ("SUSPENDED by its issuer".to_string(), "निलंबित"),
        Verdict::StatusUnreadable(why) => {
            (format!("status unknown: {why}"), "स्थिति पता नहीं चल सकी")
        }
    };
    println!("{}: {en} / {hi}", file.display());
    println!("  signed by: {who}");
    println!(
        "  revocation: {}",
        match (report.status_checked, status_list.is_some()) {
            (true, _) => "checked against the status list given",
            (false, true) => "the certificate names no status list",
            (false, false) => "not checked (give --status-list FILE)",
        }
    );
    if !report.verdict.is_valid() {
        bail!("the certificate is not valid");
    }
    Ok(())
}

/// Signs `count` certificates of the size kaamgar issues, then verifies them, on one core; the rates per second.
pub fn bench(count: usize) -> Result<String> {
    let key = SigningKey::from_seed(&[42; 32]);
    let (did, _) = credential::did_key(&key.public());
    let count = count.max(1);
    let started = std::time::Instant::now();
    let mut signed = Vec::with_capacity(count);
    for i in 0..count {
        let doc = serde_json::json!({
            "@context": [credential::CONTEXT_V2],
            "id": format!("https://kaamgar.example/certificates/{i}"),
            "type": ["VerifiableCredential", "KaamgarTrainingCertificate"],
            "issuer": did,
            "validFrom": "2026-12-01T00:00:00Z",
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                "statusListIndex": i.to_string(), "statusListCredential": "https://kaamgar.example/status/1"},
            "credentialSubject": {"name": format!("कामगार {i}"), "programme": "Leather goods stitching",
                "hours": 120, "batch": "Bithoor phase 1"}
        });
        signed.push(credential::sign(&doc, &key, "2026-12-01T10:00:00Z")?);
    }
    let sign_s = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let valid = signed
        .iter()
        .filter(|c| credential::verify(c).is_ok())
        .count();
    let verify_s = started.elapsed().as_secs_f64();
    if valid != count {
        bail!("{} of {count} certificates did not verify", count - valid);
    }
    Ok(format!(
        "certificates (eddsa-jcs-2022, one core): signed {count} in {sign_s:.2} s = {:.0}/s; verified in {verify_s:.2} s = {:.0}/s",
        count as f64 / sign_s,
        count as f64 / verify_s
    ))
}
