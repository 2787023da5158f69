//! Completion and certificates. When a batch's sessions are all held, each seated trainee is measured against the
//! programme's rule; one who completes gets a certificate at once — a Verifiable Credential signed with the
//! district's key, with a random index on the district's revocation list — and one who no longer completes (a
//! corrected mark or score) loses theirs. Revocation and re-issue after a correction are an official's or the
//! partner's act, audited; the revocation list is signed afresh whenever it is asked for.

use super::{By, Result, Training, TrainingError, may, random_below, score_of, uuid_v4};
use kaamgar_domain::access::{Caller, Permission, Role, Scope};
use kaamgar_domain::ids::{BatchId, EnrolmentId};
use kaamgar_domain::training::check::{Verdict, check};
use kaamgar_domain::training::credential::{STATUS_LIST_BITS, StatusList};
use kaamgar_domain::training::issue::{CertificateFacts, sign_certificate, status_list_credential};
use kaamgar_domain::training::model::clean;
use kaamgar_domain::training::rules::{EnrolRefused, EnrolmentStatus, Progress};
#[allow(unused_imports)]
use kaamgar_store::prelude::*;
use kaamgar_store::{CentreRow, CertificateRow, EnrolmentRow, ProgrammeRow, TrainingBatch, Tx};
use serde_json::Value;

/// Why completion withdraws a certificate by itself (recorded as automatic); only such a certificate is issued
/// again when the trainee completes once more (one an official revoked stays revoked).
pub const NO_LONGER_COMPLETES: &str = "no longer meets the completion rule";

/// How long a signed revocation list is in force: a checker holding an older copy fetches it again.
pub const STATUS_LIST_TTL: i64 = 86_400;

/// A certificate issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub certificate: String,
    pub enrolment: EnrolmentId,
}

/// What the public check of a certificate found.
#[derive(Debug, Clone)]
pub struct VerifyAnswer {
    pub certificate: CertificateRow,
    pub credential: Value,
    pub verdict: Verdict,
}

/// Everything issuing needs about a batch.
struct BatchFacts {
    batch: TrainingBatch,
    centre: CentreRow,
    programme: ProgrammeRow,
}

impl Training {
    /// The operator's caller for work the service does by itself (the batch-end job).
    pub fn system() -> Caller {
        Caller {
            user_id: None,
            name: "kaamgar".into(),
            role: Role::StateAdmin,
            scope: Scope::All,
        }
    }

    /// Decides completion for every seated trainee of a batch whose sessions have all started, issuing the
    /// certificates earned and revoking those no longer earned. Running it again changes nothing.
    pub async fn complete_batch(
        &self,
        by: By<'_>,
        batch: BatchId,
        now: i64,
    ) -> Result<Vec<Issued>> {
        let (b, centre) = self.managed_batch(by.caller, batch).await?;
        let programme = self.store.programme(b.programme_id).await?;
        let facts = BatchFacts {
            batch: b,
            centre,
            programme,
        };
        let mut tx = self.store.begin().await?;
        // One completion of a batch at a time (the batch-end job and a late mark may meet).
        tx.lock_batch(batch).await?;
        let sessions = tx.batch_sessions(batch).await?;
        if sessions.iter().any(|s| s.ends_at > now) {
            return Err(TrainingError::refused(
                "sessions_ahead",
                "the batch still has sessions ahead",
            ));
        }
        let mut issued = Vec::new();
        for e in self.store.enrolments(batch).await? {
            if !e.status.holds_seat() {
                continue;
            }
            let e = tx.enrolment_tx(e.id).await?;
            if let Some(i) = self
                .decide(&mut tx, by, &facts, &e, sessions.len(), now)
                .await?
            {
                issued.push(i);
            }
        }
        tx.commit().await?;
        Ok(issued)
    }

    async fn decide(
        &self,
        tx: &mut Box<dyn Tx>,
        by: By<'_>,
        f: &BatchFacts,
        e: &EnrolmentRow,
        sessions: usize,
        now: i64,
    ) -> Result<Option<Issued>> {
        let marks = tx.marks_of(e.id).await?;
        let scores = tx
            .assessments_of(e.id)
            .await?
            .iter()
            .map(score_of)
            .collect();
        let n = u32::try_from(sessions).unwrap_or(u32::MAX);
        let progress = Progress {
            sessions: n,
            held: n,
            modules: u32::try_from(f.programme.programme.modules.len()).unwrap_or(1),
            attended: u32::try_from(marks.iter().filter(|m| m.present).count()).unwrap_or(0),
            scores,
        };
        let completes = progress.completes(f.programme.programme.completion).is_ok();
        let latest = tx.latest_certificate(e.id).await?;
        let live = latest.clone().filter(|c| c.revoked_at.is_none());
        // Issued again only after completion itself withdrew it; an official's revocation stands.
        let may_issue = latest
            .as_ref()
            .is_none_or(|c| c.revoked_at.is_some() && c.revoked_auto);
        // An erased trainee gets nothing more.
        let erased = e.trainee.phone.starts_with("erased:");
        match (completes, e.status) {
            (true, EnrolmentStatus::Enrolled | EnrolmentStatus::NotCompleted) => {
                tx.set_enrolment_status(e.id, EnrolmentStatus::Completed, now)
                    .await?;
            }
            (false, EnrolmentStatus::Enrolled | EnrolmentStatus::Completed) => {
                tx.set_enrolment_status(e.id, EnrolmentStatus::NotCompleted, now)
                    .await?;
            }
            _ => {}
        }
        match (completes, live) {
            (true, None) if may_issue && !erased => {
                Ok(Some(self.issue(tx, by, f, e, now, None, None).await?))
            }
            (false, Some(c)) => {
                let reason = NO_LONGER_COMPLETES;
                tx.revoke_certificate(&c.id, reason, None, true, now)
                    .await?;
                tx.audit(&by.audit(
                    "certificate.revoke",
                    format!("certificate:{}", c.id),
                    Some(reason.into()),
                    now,
                ))
                .await?;
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// Signs and stores a certificate for a trainee who completed (`name` overrides the enrolment's, for a
    /// correction in the same transaction; `id` is the new certificate's when the old one already names it).
    #[allow(clippy::too_many_arguments)]
    async fn issue(
        &self,
        tx: &mut Box<dyn Tx>,
        by: By<'_>,
        f: &BatchFacts,
        e: &EnrolmentRow,
        now: i64,
        name: Option<&str>,
        id: Option<String>,
    ) -> Result<Issued> {
        let district = f.centre.centre.district.clone();
        let key = self.issuer.key(&district);
        let mut pick = |n: i64| random_below(n);
        let (list, index) = tx
            .take_status_index(&district, STATUS_LIST_BITS as i64, &mut pick, now)
            .await?;
        let id = match id {
            Some(id) => id,
            None => uuid_v4()?,
        };
        let p = &f.programme.programme;
        let base = &self.issuer.public_url;
        let facts = CertificateFacts {
            id: id.clone(),
            district: district.clone(),
            trainee: name.unwrap_or(&e.trainee.name).to_string(),
            office: e.trainee.office.clone(),
            programme_en: p.title_en.clone(),
            programme_hi: p.title_hi.clone(),
            certificate_en: p.certificate_en.clone(),
            certificate_hi: p.certificate_hi.clone(),
            trade: p.trade.clone(),
            centre: f.centre.centre.name.clone(),
            phase: f.batch.phase,
            hours: p.hours(),
            completed_at: f.batch.ends_at.min(now),
            issued_at: now,
            valid_until: now + i64::from(p.validity_years) * 365 * 86_400,
            status_list: format!("{base}/status-lists/{list}"),
            status_index: u64::try_from(index).unwrap_or(0),
            verify_url: format!("{base}/verify/{id}"),
        };
        let credential = sign_certificate(&facts, &key)
            .map_err(|e| TrainingError::refused("signing_failed", e.to_string()))?;
        tx.insert_certificate(&CertificateRow {
            id: id.clone(),
            enrolment_id: e.id,
            district,
            list_id: list,
            status_index: index,
            credential: credential.to_string(),
            issued_at: now,
            valid_until: facts.valid_until,
            revoked_at: None,
            revoke_reason: None,
            revoked_auto: false,
            replaced_by: None,
        })
        .await?;
        if let Some(m) = self.delivery(e, &facts) {
            tx.enqueue(&[m], now).await?;
        }
        tx.audit(&by.audit(
            "certificate.issue",
            format!("certificate:{id}"),
            Some(format!("enrolment:{}", e.id)),
            now,
        ))
        .await?;
        Ok(Issued {
            certificate: id,
            enrolment: e.id,
        })
    }

    /// The certificate sent to its holder on WhatsApp: the PDF (fetched by Meta from the public address) with a
    /// caption that names it and where anyone can check it. It goes with the issuing transaction; the sender
    /// delivers it — within WhatsApp's 24-hour window as a document, outside it as the approved certificate template.
    /// Nothing is queued without a business number to send from or a public HTTPS address Meta can fetch the PDF
    /// from (a demo, a test, a server not yet published).
    fn delivery(
        &self,
        e: &EnrolmentRow,
        f: &CertificateFacts,
    ) -> Option<kaamgar_store::NewOutbound> {
        if self.whatsapp_from.is_empty()
            || !self.issuer.public_url.starts_with("https://")
            || e.trainee.phone.starts_with("erased:")
        {
            return None;
        }
        use kaamgar_domain::conversation::{Lang, Msg};
        let wa_id = e.trainee.phone.trim_start_matches('+').to_string();
        let link = format!("{}/certificate.pdf", f.verify_url);
        let caption = kaamgar_domain::conversation::catalogue::text(
            Lang::Hi,
            Msg::CertificateIssued,
            &[
                ("name", &f.trainee),
                ("programme", &f.certificate_hi),
                ("url", &f.verify_url),
            ],
        );
        Some(kaamgar_store::NewOutbound {
            contact: wa_id.clone(),
            channel: kaamgar_domain::channel::Channel::WhatsApp,
            sender_id: self.whatsapp_from.clone(),
            recipient: Some(wa_id),
            message: kaamgar_domain::conversation::Reply::Document {
                link: link.clone(),
                filename: "certificate.pdf".into(),
                caption,
            },
            // Outside the 24-hour window (a trainee whose marks were ticked never wrote) Meta refuses a free-form
            // document; the approved template carries the same PDF in its header.
            fallback: Some(kaamgar_domain::conversation::Reply::Template {
                name: self.certificate_template.clone(),
                language: Lang::Hi.code().into(),
                body_params: vec![
                    f.trainee.clone(),
                    f.certificate_hi.clone(),
                    f.verify_url.clone(),
                ],
                quick_replies: Vec::new(),
                document: Some(kaamgar_domain::conversation::HeaderDocument {
                    link,
                    filename: "certificate.pdf".into(),
                }),
            }),
        })
    }

    /// A certificate the caller may see, with its trainee's enrolment.
    pub async fn visible_certificate(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(CertificateRow, EnrolmentRow)> {
        if !is_certificate_id(id) {
            return Err(kaamgar_store::StoreError::NotFound.into());
        }
        let c = self.store.certificate(id).await?;
        let e = self.store.enrolment(c.enrolment_id).await?;
        self.visible_batch(caller, e.batch_id).await?;
        Ok((c, e))
    }

    /// Revokes a certificate, with the reason (audited).
    pub async fn revoke(&self, by: By<'_>, id: &str, reason: &str, now: i64) -> Result<()> {
        let reason = checked_reason(reason)?;
        let (c, e) = self.visible_certificate(by.caller, id).await?;
        let (_, centre) = self.visible_batch(by.caller, e.batch_id).await?;
        may(by.caller, Permission::RevokeCertificates, &centre)?;
        if c.revoked_at.is_some() {
            return Err(EnrolRefused::Illegal.into());
        }
        let mut tx = self.store.begin().await?;
        tx.revoke_certificate(&c.id, &reason, None, false, now)
            .await?;
        tx.audit(&by.audit(
            "certificate.revoke",
            format!("certificate:{id}"),
            Some(reason),
            now,
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Re-issues a certificate after a correction (the trainee's name, if given): a new certificate with a new
    /// id, and the old one revoked as replaced by it — both in one transaction, audited.
    pub async fn reissue(
        &self,
        by: By<'_>,
        id: &str,
        name: Option<&str>,
        reason: &str,
        now: i64,
    ) -> Result<Issued> {
        let reason = checked_reason(reason)?;
        let (c, e) = self.visible_certificate(by.caller, id).await?;
        let (batch, centre) = self.visible_batch(by.caller, e.batch_id).await?;
        may(by.caller, Permission::RevokeCertificates, &centre)?;
        if c.revoked_at.is_some() {
            return Err(EnrolRefused::Illegal.into());
        }
        let name = match (
            name.map(clean).filter(|n| !n.is_empty()),
            e.trainee.worker_id,
        ) {
            // A registered worker's name is corrected in the registry (audited there); the certificate follows it.
            (Some(_), Some(_)) => {
                return Err(TrainingError::field(
                    "name",
                    "correct_in_registry",
                    "correct a registered worker's name in the registry; the new certificate takes it from there",
                ));
            }
            (None, Some(w)) => Some(self.store.get_worker(w).await?.data.name),
            (Some(n), None) if n.chars().count() > 120 => {
                return Err(TrainingError::field(
                    "name",
                    "too_long",
                    "name is longer than 120 characters",
                ));
            }
            (n, None) => n,
        };
        let programme = self.store.programme(batch.programme_id).await?;
        let facts = BatchFacts {
            batch,
            centre,
            programme,
        };
        let mut tx = self.store.begin().await?;
        if let Some(n) = &name {
            tx.rename_enrolment(e.id, n, now).await?;
        }
        // The old one is withdrawn first (one certificate in force per trainee), naming its successor.
        let new_id = uuid_v4()?;
        tx.revoke_certificate(&c.id, &reason, Some(&new_id), false, now)
            .await?;
        let issued = self
            .issue(&mut tx, by, &facts, &e, now, name.as_deref(), Some(new_id))
            .await?;
        tx.audit(&by.audit(
            "certificate.reissue",
            format!("certificate:{id}"),
            Some(format!(
                "replaced by {}; reason: {reason}",
                issued.certificate
            )),
            now,
        ))
        .await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// A district's revocation list as a signed credential, in force for a day from `now`.
    pub async fn status_list(&self, id: i64, now: i64) -> Result<Value> {
        let row = self.store.status_list(id).await?;
        let mut bits = StatusList::new(usize::try_from(row.size).unwrap_or(STATUS_LIST_BITS));
        for i in &row.revoked {
            bits.set(usize::try_from(*i).unwrap_or(0), true);
        }
        let url = format!("{}/status-lists/{id}", self.issuer.public_url);
        status_list_credential(
            &url,
            &bits,
            &self.issuer.key(&row.district),
            now,
            STATUS_LIST_TTL,
        )
        .map_err(|e| TrainingError::refused("signing_failed", e.to_string()))
    }

    /// The public check of a certificate by its id: the stored credential checked as a third party would, with
    /// the district's current revocation list.
    pub async fn verify(&self, id: &str, now: i64) -> Result<VerifyAnswer> {
        if !is_certificate_id(id) {
            return Err(kaamgar_store::StoreError::NotFound.into());
        }
        let c = self.store.certificate(id).await?;
        if c.credential == "{}" {
            // Withdrawn when its holder's data was erased: nothing of it is shown.
            return Ok(VerifyAnswer {
                certificate: c,
                credential: Value::Null,
                verdict: Verdict::Revoked,
            });
        }
        let credential: Value = serde_json::from_str(&c.credential)
            .map_err(|e| kaamgar_store::StoreError::Corrupt(format!("certificate {id}: {e}")))?;
        let list = self.status_list(c.list_id, now).await?;
        let did = self.issuer.did(&c.district);
        let verdict = check(&credential, Some(&did), Some(&list), now).verdict;
        Ok(VerifyAnswer {
            certificate: c,
            credential,
            verdict,
        })
    }
}

/// A certificate's id as kaamgar writes them (a UUID); anything else is not looked up.
pub fn is_certificate_id(id: &str) -> bool {
    id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

fn checked_reason(reason: &str) -> Result<String> {
    let r = clean(reason);
    if r.is_empty() || r.chars().count() > 300 {
        return Err(TrainingError::field(
            "reason",
            "bad_reason",
            "give the reason (up to 300 characters)",
        ));
    }
    Ok(r)
}
