//! Invitations: a partner invites a person to a batch on WhatsApp and they take the seat themselves by answering
//! (a button, the template's quick reply, or a typed "haan"). The invited hold no seat: the enrolment window and
//! capacity are decided when they accept, the waiting list taking them when the batch is full. Someone invited
//! again (after saying no, or to send the message once more) keeps their one enrolment in the batch.

use super::{By, EnrolOutcome, Result, Training, TrainingError};
use kaamgar_domain::channel::Channel;
use kaamgar_domain::conversation::invite::{InviteView, invitation, invitation_template};
use kaamgar_domain::conversation::{Conversation, Lang, Stage};
use kaamgar_domain::ids::{BatchId, EnrolmentId};
use kaamgar_domain::training::dates::{india_date, india_time};
use kaamgar_domain::training::model::TraineeForm;
use kaamgar_domain::training::rules::{EnrolRefused, EnrolmentStatus, seat};
#[allow(unused_imports)]
use kaamgar_store::prelude::*;
use kaamgar_store::{
    AuditEntry, CentreRow, ContactRow, NewEnrolment, NewOutbound, ProgrammeRow, StoreError,
    TrainingBatch, Tx,
};

/// How an invited person's answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteAnswer {
    /// A seat, or the waiting list: `EnrolmentStatus::Enrolled` or `Waiting`.
    Seated(EnrolmentStatus),
    Declined,
    /// The enrolment window is not open: nothing changed, they stay invited.
    Closed,
    /// Not an open invitation of this phone (answered already, withdrawn, or someone else's).
    Gone,
}

/// When a batch's first session is, as the invitation and the answer say it.
pub fn first_session(b: &TrainingBatch) -> String {
    format!("{} {}", india_date(b.starts_at), india_time(b.starts_at))
}

/// The programme's title in a language.
pub fn title(p: &ProgrammeRow, lang: Lang) -> String {
    match lang {
        Lang::Hi => p.programme.title_hi.clone(),
        Lang::En => p.programme.title_en.clone(),
    }
}

impl Training {
    /// Invites each person of a list on their own (one refused does not stop the others).
    pub async fn invite_many(
        &self,
        by: By<'_>,
        batch: BatchId,
        forms: &[TraineeForm],
        now: i64,
    ) -> Result<Vec<Result<EnrolOutcome>>> {
        if forms.is_empty() || forms.len() > super::enrol::MAX_PER_CALL {
            return Err(TrainingError::field(
                "trainees",
                "bad_count",
                format!("1 to {} trainees at a time", super::enrol::MAX_PER_CALL),
            ));
        }
        let (b, c) = self.managed_batch(by.caller, batch).await?;
        if self.whatsapp_from.is_empty() {
            return Err(TrainingError::refused(
                "whatsapp_not_configured",
                "invitations go on WhatsApp: this server has no business number \
                 (KAAMGAR_WHATSAPP_PHONE_NUMBER_ID); enrol the trainees instead",
            ));
        }
        let p = self.store.programme(b.programme_id).await?;
        let mut out = Vec::with_capacity(forms.len());
        for f in forms {
            let one = match self.trainee(by.caller, f, "invitation").await {
                Ok(who) => self.invite_one(by, (&b, &c, &p), &who, now).await,
                Err(e) => Err(e),
            };
            out.push(one);
        }
        Ok(out)
    }

    /// Invites one person: their enrolment (new, or one invited before) marked `invited`, the message queued and
    /// the question noted in their conversation, with the audit row, in one transaction.
    async fn invite_one(
        &self,
        by: By<'_>,
        (b, c, p): (&TrainingBatch, &CentreRow, &ProgrammeRow),
        who: &NewEnrolment,
        now: i64,
    ) -> Result<EnrolOutcome> {
        let mut tx = self.store.begin().await?;
        let locked = tx.lock_batch(b.id).await?;
        if now < locked.enrol_from {
            return Err(EnrolRefused::NotOpen.into());
        }
        if now > locked.enrol_until {
            return Err(EnrolRefused::Closed.into());
        }
        // Their conversation, whatever it is keyed by (a business-scoped id when Meta sends one).
        let wa_id = who.phone.trim_start_matches('+').to_string();
        let existing = tx.contact_of_phone(&wa_id).await?;
        if existing.as_ref().is_some_and(|c| c.opted_out) {
            return Err(TrainingError::refused(
                "opted_out",
                "this person has stopped messages from this number; enrol them instead",
            ));
        }
        let id = match tx.enrolment_of_phone(b.id, &who.phone).await? {
            Some(e)
                if matches!(
                    e.status,
                    EnrolmentStatus::Invited | EnrolmentStatus::Declined
                ) =>
            {
                if e.status == EnrolmentStatus::Declined {
                    tx.set_enrolment_status(e.id, EnrolmentStatus::Invited, now)
                        .await?;
                }
                e.id
            }
            Some(_) => return Err(EnrolRefused::AlreadyIn.into()),
            None => match tx
                .insert_enrolment(b.id, who, EnrolmentStatus::Invited, now)
                .await
            {
                Err(StoreError::AlreadyEnrolled) => return Err(EnrolRefused::AlreadyIn.into()),
                other => other?,
            },
        };
        let was = existing.as_ref().map(|c| c.state.clone());
        let mut contact = existing.unwrap_or_else(|| ContactRow {
            key: wa_id.clone(),
            channel: Channel::WhatsApp,
            wa_id: Some(wa_id.clone()),
            state: "{}".into(),
            ..ContactRow::default()
        });
        let mut conv: Conversation = serde_json::from_str(&contact.state).unwrap_or_default();
        let view = InviteView {
            enrolment: id,
            name: who.name.clone(),
            programme: title(p, conv.lang),
            centre: c.centre.name.clone(),
            start: first_session(b),
        };
        let template = invitation_template(conv.lang, &view, &self.invite_template);
        let (message, fallback) = if contact
            .channel
            .may_send_freely(contact.last_inbound_at, now)
        {
            (invitation(conv.lang, &view), Some(template))
        } else {
            (template, None)
        };
        // A question the person is in the middle of answering is not pushed aside (the buttons still answer);
        // only the conversation's state is written, and only if it has not moved on meanwhile.
        if matches!(conv.stage, Stage::Idle | Stage::InviteAsked { .. }) {
            conv.stage = Stage::InviteAsked { enrolment: id };
            contact.state = serde_json::to_string(&conv)
                .map_err(|e| TrainingError::refused("bad_state", e.to_string()))?;
            tx.note_question(&contact, was.as_deref(), now).await?;
        }
        tx.enqueue(
            &[NewOutbound {
                contact: contact.key.clone(),
                channel: Channel::WhatsApp,
                sender_id: contact
                    .phone_number_id
                    .clone()
                    .unwrap_or_else(|| self.whatsapp_from.clone()),
                recipient: Some(wa_id),
                message,
                fallback,
            }],
            now,
        )
        .await?;
        tx.audit(&by.audit(
            "training.invite",
            format!("enrolment:{id}"),
            Some(format!("batch:{}", b.id)),
            now,
        ))
        .await?;
        tx.commit().await?;
        Ok(EnrolOutcome {
            id,
            status: EnrolmentStatus::Invited,
        })
    }
}

/// The invited person's answer, inside the caller's transaction (the bot's turn): only the invitation of the
/// phone that answers, only while it is open; a seat under the batch's lock, else the waiting list.
pub async fn answer_invitation(
    tx: &mut dyn Tx,
    enrolment: EnrolmentId,
    phone: &str,
    accept: bool,
    now: i64,
) -> Result<(InviteAnswer, Option<TrainingBatch>)> {
    let batch = match tx.enrolment_tx(enrolment).await {
        Ok(e) => e.batch_id,
        Err(StoreError::NotFound) => return Ok((InviteAnswer::Gone, None)),
        Err(e) => return Err(e.into()),
    };
    // The batch first, then the enrolment read again under its lock: a withdrawal meanwhile is seen.
    let b = tx.lock_batch(batch).await?;
    let e = tx.enrolment_tx(enrolment).await?;
    if e.trainee.phone != phone || e.status != EnrolmentStatus::Invited {
        return Ok((InviteAnswer::Gone, None));
    }
    let answer = if accept {
        let taken = tx.seats_taken(e.batch_id).await?;
        match seat(b.window(), taken, now, true) {
            Ok(s) => InviteAnswer::Seated(s),
            Err(_) => return Ok((InviteAnswer::Closed, Some(b))),
        }
    } else {
        InviteAnswer::Declined
    };
    let (status, detail) = match answer {
        InviteAnswer::Seated(s) => (s, format!("batch:{} {} (accepted)", b.id, s.as_str())),
        _ => (
            EnrolmentStatus::Declined,
            format!("batch:{} declined", b.id),
        ),
    };
    tx.set_enrolment_status(e.id, status, now).await?;
    tx.audit(&AuditEntry {
        at: now,
        user_id: None,
        actor: "trainee".into(),
        action: if accept {
            "training.enrol"
        } else {
            "training.decline"
        }
        .into(),
        target: Some(format!("enrolment:{}", e.id)),
        outcome: "ok".into(),
        detail: Some(detail),
        ip: None,
    })
    .await?;
    Ok((answer, Some(b)))
}
