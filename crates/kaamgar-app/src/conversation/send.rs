//! Addressing messages: a contact's channel decides whether a message goes to the WhatsApp outbox or stays local
//! (web chat, terminal); a worker is reached through the contact they write from, or their registered number.

use super::{BotError, BotService, Turn};
use kaamgar_domain::channel::Channel;
use kaamgar_domain::conversation::{Conversation, Lang, Reply, Stage};
use kaamgar_domain::ids::WorkerId;
use kaamgar_domain::worker::Worker;
use kaamgar_store::{ContactRow, NewOutbound};

impl BotService {
    /// Queues `msg` for `c`, as the conversation said it (the channel renders it when it sends); `fallback` is what
    /// to send instead if the channel finds the conversation window closed (a WhatsApp template).
    pub(crate) fn send_to(
        &self,
        turn: &mut Turn,
        c: &ContactRow,
        msg: &Reply,
        fallback: Option<&Reply>,
    ) -> Result<(), BotError> {
        let local = c.channel.is_local();
        let (sender_id, recipient) = if local {
            (String::new(), None)
        } else {
            let sender = c
                .phone_number_id
                .clone()
                .unwrap_or_else(|| self.cfg.phone_number_id.clone());
            // The phone when known; a person known only by their business-scoped id is addressed by it.
            (sender, c.wa_id.clone().or_else(|| c.user_id.clone()))
        };
        turn.out.push(NewOutbound {
            contact: c.key.clone(),
            channel: c.channel,
            sender_id,
            recipient,
            message: msg.clone(),
            fallback: fallback.filter(|_| !local).cloned(),
        });
        Ok(())
    }

    /// Notes in a contact's conversation the question just sent to them, so that a typed "haan" or "nahi" is read
    /// as its answer.
    pub(crate) async fn ask(
        &self,
        turn: &mut Turn,
        c: &ContactRow,
        stage: Stage,
    ) -> Result<(), BotError> {
        let mut conv: Conversation = serde_json::from_str(&c.state).unwrap_or_default();
        conv.stage = stage;
        let mut c = c.clone();
        c.state = serde_json::to_string(&conv).map_err(|e| BotError::Payload(e.to_string()))?;
        turn.tx.save_contact(&c, turn.now).await?;
        Ok(())
    }

    /// The contact a worker is reached at: the one they last wrote from, else their registered WhatsApp number.
    pub(crate) async fn worker_contact(
        &self,
        turn: &mut Turn,
        w: &Worker,
    ) -> Result<ContactRow, BotError> {
        if let Some(c) = turn.tx.contact_of_worker(WorkerId(w.id)).await? {
            return Ok(c);
        }
        let wa_id = w.data.phone.e164().trim_start_matches('+').to_string();
        Ok(ContactRow {
            key: wa_id.clone(),
            channel: Channel::WhatsApp,
            wa_id: Some(wa_id),
            state: "{}".into(),
            worker_id: Some(WorkerId(w.id)),
            ..ContactRow::default()
        })
    }
}

/// The language a contact is written to.
pub(crate) fn lang_of(c: &ContactRow) -> Lang {
    serde_json::from_str::<Conversation>(&c.state)
        .map(|s| s.lang)
        .unwrap_or_default()
}

/// The phone a contact writes from, when it is one (a contact known only by a business-scoped id has none).
pub(crate) fn phone_of(c: &ContactRow) -> Option<kaamgar_domain::PhoneNumber> {
    c.wa_id
        .as_deref()
        .and_then(|w| kaamgar_domain::PhoneNumber::parse(w).ok())
}
