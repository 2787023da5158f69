//! The answer to an invitation to a training batch (a button, the template's quick reply or a typed "haan"):
//! the seat taken or declined in the bot's own turn, so the change, its audit row and the answer commit together.

use super::{BotError, BotService, Turn};
use crate::training::{InviteAnswer, answer_invitation, first_session, title};
use kaamgar_domain::conversation::notices::plain;
use kaamgar_domain::conversation::{Lang, Msg};
use kaamgar_domain::ids::EnrolmentId;
use kaamgar_domain::training::rules::EnrolmentStatus;
use kaamgar_store::ContactRow;
#[allow(unused_imports)]
use kaamgar_store::prelude::*;

impl BotService {
    pub(crate) async fn answer_invite(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        lang: Lang,
        enrolment: EnrolmentId,
        accept: bool,
    ) -> Result<(), BotError> {
        // Only the invited phone may answer: a business-scoped id alone proves nothing about the number.
        let phone = super::send::phone_of(contact).map(|p| p.e164());
        let (answer, batch) = match phone {
            Some(p) => answer_invitation(turn.tx.as_mut(), enrolment, &p, accept, turn.now)
                .await
                .map_err(|e| match e {
                    crate::training::TrainingError::Store(s) => BotError::from(s),
                    other => BotError::Training(other.to_string()),
                })?,
            None => (InviteAnswer::Gone, None),
        };
        let programme = match &batch {
            Some(b) => title(&self.store.programme(b.programme_id).await?, lang),
            None => String::new(),
        };
        let start = batch.as_ref().map(first_session).unwrap_or_default();
        let (m, args) = match answer {
            InviteAnswer::Seated(EnrolmentStatus::Waiting) => (Msg::InviteWaiting, &[][..]),
            InviteAnswer::Seated(_) => (Msg::InviteAccepted, &[("start", start.as_str())][..]),
            InviteAnswer::Declined => (Msg::InviteDeclined, &[][..]),
            InviteAnswer::Closed => (Msg::InviteClosed, &[][..]),
            InviteAnswer::Gone => (Msg::InviteGone, &[][..]),
        };
        let mut all = vec![("programme", programme.as_str())];
        all.extend_from_slice(args);
        self.send_to(turn, contact, &plain(lang, m, &all), None)
    }
}
