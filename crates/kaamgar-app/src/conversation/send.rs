//! Addressing messages: a contact's channel decides whether a message goes to the WhatsApp outbox or stays local
//! (web chat, terminal); a worker is reached through the contact they write from, or their registered number.

use super::{BotError, BotService, Turn};
use kaamgar_domain::channel::Channel;
use kaamgar_domain::conversation::{Conversation, Lang, Reply};
use kaamgar_domain::whatsapp::ContactRef;
use kaamgar_domain::whatsapp::outbound::graph_request;
use kaamgar_domain::worker::Worker;
use kaamgar_store::{ContactRow, NewOutbound};

impl BotService {
    /// Queues `msg` for `c`; `fallback` is the template WhatsApp should get instead if the window turns out closed.
    pub(crate) fn send_to(
        &self,
        turn: &mut Turn,
        c: &ContactRow,
        msg: &Reply,
        fallback: Option<&Reply>,
    ) -> Result<(), BotError> {
        let local = c.channel.is_local();
        let to = if local {
            ContactRef {
                wa_id: Some(c.key.clone()),
                user_id: None,
                name: None,
            }
        } else {
            ContactRef {
                wa_id: c.wa_id.clone(),
                user_id: c.user_id.clone(),
                name: None,
            }
        };
        let request = graph_request(&to, msg)?.to_string();
        let fallback = match fallback {
            Some(f) if !local => Some(graph_request(&to, f)?.to_string()),
            _ => None,
        };
        let phone_number_id = if local {
            String::new()
        } else {
            c.phone_number_id
                .clone()
                .unwrap_or_else(|| self.cfg.phone_number_id.clone())
        };
        turn.out.push(NewOutbound {
            contact: c.key.clone(),
            phone_number_id,
            request,
            fallback,
        });
        Ok(())
    }

    /// The contact a worker is reached at: the one they last wrote from, else their registered WhatsApp number.
    pub(crate) async fn worker_contact(
        &self,
        turn: &mut Turn,
        w: &Worker,
    ) -> Result<ContactRow, BotError> {
        if let Some(c) = turn.tx.contact_of_worker(w.id).await? {
            return Ok(c);
        }
        let wa_id = w.data.phone.e164().trim_start_matches('+').to_string();
        Ok(ContactRow {
            key: wa_id.clone(),
            channel: Channel::WhatsApp,
            wa_id: Some(wa_id),
            state: "{}".into(),
            worker_id: Some(w.id),
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
