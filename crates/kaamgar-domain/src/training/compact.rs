//! A certificate folded small enough for a QR code, so it can be checked with no network at all: the signed
//! credential as RFC 8785 canonical JSON, DEFLATE-compressed and base64url-encoded behind `vc1.`, appended to the
//! verification URL as its fragment (`https://…/verify/{id}#vc1.…`; a fragment never reaches a server). Unfolding
//! is bounded, and what comes out is checked like any credential: the fold carries no trust of its own.

use super::jcs::jcs;
use super::multibase::{base64url_decode, base64url_encode};
use serde_json::Value;
use std::io::{Read, Write};

/// The fold's marker and version.
pub const PREFIX: &str = "vc1.";
/// Largest credential an unfold produces.
const MAX_JSON: u64 = 64 * 1024;

/// The credential folded, with its marker.
pub fn fold(credential: &Value) -> String {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = z.write_all(jcs(credential).as_bytes());
    let bytes = z.finish().unwrap_or_default();
    format!("{PREFIX}{}", base64url_encode(&bytes))
}

/// `url#vc1.…`: what a certificate's QR code carries.
pub fn qr_text(verify_url: &str, credential: &Value) -> String {
    format!("{verify_url}#{}", fold(credential))
}

/// The credential in a fold, or in a text that carries one (a scanned QR's URL); `None` when there is none or it
/// does not unfold to JSON within the bound.
pub fn unfold(text: &str) -> Option<Value> {
    let t = text.trim();
    // A fold is the whole text, or a URL's fragment; nowhere else.
    let fold = match t.split_once('#') {
        Some((_, fragment)) => fragment,
        None => t,
    };
    let encoded = fold.strip_prefix(PREFIX)?;
    if encoded.len() > 16 * 1024 {
        return None;
    }
    let bytes = base64url_decode(encoded)?;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes.as_slice())
        .take(MAX_JSON + 1)
        .read_to_end(&mut out)
        .ok()?;
    if out.len() as u64 > MAX_JSON {
        return None;
    }
    serde_json::from_slice(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fold_unfolds_to_the_same_credential_and_junk_to_nothing() {
        let vc = serde_json::json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "सुनीता देवी",
            "proof": {"proofValue": "z3abc"}});
        let text = qr_text("https://kaamgar.example/verify/1", &vc);
        assert!(text.starts_with("https://kaamgar.example/verify/1#vc1."));
        assert_eq!(unfold(&text), Some(vc));
        assert_eq!(unfold("https://kaamgar.example/verify/1"), None);
        assert_eq!(unfold("vc1.!!!"), None);
        assert_eq!(unfold("vc1.AAAA"), None);
        // A bomb: a megabyte of zeros folds small but does not unfold past the bound.
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![b' '; 1 << 20]).unwrap();
        let bomb = format!("vc1.{}", base64url_encode(&z.finish().unwrap()));
        assert_eq!(unfold(&bomb), None);
    }
}
