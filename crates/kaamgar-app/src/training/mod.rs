//! Training's use cases, called alike by the API, the dashboard and the command line: defining centres,
//! programmes and batches (`define`), enrolling and the waiting list (`enrol`), attendance and assessments
//! (`attend`), completion and certificates — issuing, revoking, re-issuing after a correction, the districts'
//! revocation lists (`certify`). Every write commits with its audit row; who may do what is decided by the one
//! permission check plus the rule that a training partner acts only in the centres it runs.

mod attend;
mod certify;
mod define;
mod enrol;
mod invite;
mod lists;
mod record;

pub use attend::{Mark, MarkOutcome, running_session, write_self_mark};
pub use certify::{Issued, VerifyAnswer};
pub use enrol::EnrolOutcome;
pub use invite::{InviteAnswer, answer_invitation, first_session, title};
pub use lists::{ListHow, ListLine, ListReport, TraineeLists};
pub use record::{BatchRecord, TraineeLine};

use kaamgar_domain::access::{Caller, Denied, Permission, Role};
use kaamgar_domain::places::PlaceDirectory;
use kaamgar_domain::training::model::Invalid;
use kaamgar_domain::training::rules::{AttendanceRefused, EnrolRefused};
use kaamgar_store::{AuditEntry, CentreRow, Store, StoreError};
use std::sync::Arc;

/// Every action training writes to the audit log (the dashboard has words for each).
pub const AUDIT_ACTIONS: [&str; 13] = [
    "training.centre",
    "training.programme",
    "training.batch",
    "training.enrol",
    "training.invite",
    "training.decline",
    "training.withdraw",
    "training.attendance",
    "training.correction",
    "training.assessment",
    "certificate.issue",
    "certificate.revoke",
    "certificate.reissue",
];

#[derive(Debug, thiserror::Error)]
pub enum TrainingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("some fields are not valid")]
    Invalid(Vec<Invalid>),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Enrol(#[from] EnrolRefused),
    #[error(transparent)]
    Attendance(#[from] AttendanceRefused),
    /// Anything else the request cannot do, with a stable code.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
}

impl TrainingError {
    pub(crate) fn refused(code: &'static str, message: impl Into<String>) -> Self {
        TrainingError::Refused {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        TrainingError::Invalid(vec![Invalid {
            field: field.into(),
            code,
            message: message.into(),
        }])
    }
}

impl From<Vec<Invalid>> for TrainingError {
    fn from(v: Vec<Invalid>) -> Self {
        TrainingError::Invalid(v)
    }
}

pub type Result<T, E = TrainingError> = std::result::Result<T, E>;

/// Who acts, as the audit log records them.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    pub caller: &'a Caller,
    pub ip: Option<&'a str>,
}

impl By<'_> {
    pub(crate) fn audit(
        &self,
        action: &str,
        target: String,
        detail: Option<String>,
        at: i64,
    ) -> AuditEntry {
        AuditEntry {
            at,
            user_id: self.caller.user_id,
            actor: self.caller.name.clone(),
            action: action.into(),
            target: Some(target),
            outcome: "ok".into(),
            detail,
            ip: self.ip.map(str::to_string),
        }
    }
}

/// Draws a certificate as a PDF with its QR code (implemented where the fonts are, in the binary).
pub trait CertificatePdf: Send + Sync + std::fmt::Debug {
    /// `withdrawn` is what to stamp across a certificate no longer in force ("रद्द · REVOKED"); such a PDF's QR
    /// code carries the verification URL only, never the signed credential.
    fn render(
        &self,
        credential: &serde_json::Value,
        verify_url: &str,
        withdrawn: Option<&str>,
    ) -> Result<Vec<u8>, String>;
}

/// Where certificates point: the public address of this service (their status list and the verification page).
#[derive(Clone)]
pub struct Issuer {
    /// The server's secret; each district's signing key is derived from it and never stored.
    secret: Arc<[u8]>,
    /// `https://kaamgar.kanpur.example`, without a trailing slash.
    pub public_url: String,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    pub fn new(secret: &[u8], public_url: &str) -> Self {
        Issuer {
            secret: Arc::from(secret),
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    pub(crate) fn key(&self, district: &str) -> kaamgar_domain::training::credential::SigningKey {
        kaamgar_domain::training::issue::district_key(&self.secret, district)
    }

    /// The `did:key` a district's certificates are signed with.
    pub fn did(&self, district: &str) -> String {
        kaamgar_domain::training::issue::issuer_did(&self.key(district))
    }
}

/// The training service.
#[derive(Debug, Clone)]
pub struct Training {
    pub store: Arc<dyn Store>,
    pub places: Arc<PlaceDirectory>,
    pub issuer: Issuer,
    /// The WhatsApp business number's phone number id certificates are sent from.
    pub whatsapp_from: String,
    /// The business number people write to (digits), for the chat a session's QR code opens.
    pub whatsapp_number: Option<String>,
    /// The approved template an invitation goes as outside WhatsApp's 24-hour window.
    pub invite_template: String,
    /// The approved template (a document header) a certificate goes as outside the window.
    pub certificate_template: String,
    /// Reads uploaded lists of trainees (none: uploads are refused).
    pub lists: Option<Arc<dyn TraineeLists>>,
}

/// Whether the caller may act (`p`) on a centre: the permission, the jurisdiction, and for a training partner the
/// centre being one it runs.
pub fn may(caller: &Caller, p: Permission, c: &CentreRow) -> Result<(), Denied> {
    caller.authorize_at(p, &c.centre.district, c.centre.block.as_deref())?;
    if caller.role == Role::TrainingPartner && c.centre.partner_user_id != caller.user_id {
        return Err(Denied::Jurisdiction);
    }
    Ok(())
}

impl Training {
    pub fn new(store: Arc<dyn Store>, places: Arc<PlaceDirectory>, issuer: Issuer) -> Self {
        Training {
            store,
            places,
            issuer,
            whatsapp_from: String::new(),
            whatsapp_number: None,
            invite_template: "kaamgar_training_invite".into(),
            certificate_template: "kaamgar_certificate".into(),
            lists: None,
        }
    }

    /// The district's name as the gazetteer spells it, if it is one of the service area's.
    pub(crate) fn area_district(&self, field: &str, name: &str) -> Result<String> {
        let id = self
            .places
            .resolve_district(name)
            .ok()
            .filter(|d| self.places.area().contains(d))
            .ok_or_else(|| {
                TrainingError::field(
                    field,
                    "unknown_district",
                    format!("'{name}' is not a district of this service area"),
                )
            })?;
        Ok(self
            .places
            .district(id)
            .map_or_else(|| name.to_string(), |d| d.name.clone()))
    }

    /// A block of the district by its canonical name.
    pub(crate) fn block_of(&self, district: &str, name: &str) -> Result<String> {
        let unknown = || {
            TrainingError::field(
                "block",
                "unknown_block",
                format!("'{name}' is not a block of {district}"),
            )
        };
        let d = self
            .places
            .resolve_district(district)
            .map_err(|_| unknown())?;
        let b = self.places.resolve_block(d, name).map_err(|_| unknown())?;
        Ok(b.name.clone())
    }
}

/// A random 128-bit value as a UUID (version 4) for a certificate's id.
pub(crate) fn uuid_v4() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| TrainingError::refused("no_randomness", e.to_string()))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// What a session's QR code carries: a link that opens a chat with the business number with "हाज़िर" and the
/// session's code typed in, or — with no number configured — those words alone.
pub fn session_qr_text(number: Option<&str>, qr_token: &str) -> String {
    let words = format!("हाज़िर {qr_token}");
    match number {
        Some(n) => {
            let mut encoded = String::new();
            for b in words.bytes() {
                if b.is_ascii_alphanumeric() {
                    encoded.push(char::from(b));
                } else {
                    encoded.push_str(&format!("%{b:02X}"));
                }
            }
            format!("https://wa.me/{n}?text={encoded}")
        }
        None => words,
    }
}

/// An assessment as completion reads it: the percentage of its maximum and whether it met its pass mark.
pub(crate) fn score_of(a: &kaamgar_store::AssessmentRow) -> kaamgar_domain::training::rules::Score {
    kaamgar_domain::training::rules::Score {
        module: a.module,
        pct: a.score * 100.0 / a.max_score,
        passed: a.score >= a.pass_mark,
    }
}

/// A random value below `n` (for status list indexes and QR secrets).
pub(crate) fn random_below(n: i64) -> i64 {
    let mut b = [0u8; 8];
    // Without randomness the index is still valid (the list checks collisions); only herd privacy suffers.
    let _ = getrandom::fill(&mut b);
    (u64::from_le_bytes(b) % n.max(1) as u64) as i64
}
