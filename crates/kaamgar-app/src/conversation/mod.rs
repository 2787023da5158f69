//! The bot as a service: inbound events from the inbox are handled one transaction each, in order per contact —
//! the conversation engine (`kaamgar_domain::conversation`) decides, this module carries out its effects (service
//! requests, offers, registration, ratings), queues the replies and marks the event processed, all in one commit.
//! Timed jobs (a lead not answered in time, the next day's follow-up) run the same way. WhatsApp, the web chat and
//! the terminal all come through here.

mod attendance;
pub mod desk;
mod effects;
mod invitation;
mod leads;
mod send;
mod timed;
mod transcript;

pub use transcript::shown;

use crate::matching::Matcher;
use kaamgar_domain::channel::ContactKey;
use kaamgar_domain::conversation::notices::Templates;
use kaamgar_domain::conversation::{
    Bot, Conversation, Input, Local, Me, Msg, WorkerFacts, notices,
};
use kaamgar_domain::ids::WorkerId;
use kaamgar_domain::places::PlaceDirectory;
use kaamgar_domain::trade::TradeCatalogue;
use kaamgar_domain::understand::Understander;
use kaamgar_domain::whatsapp::policy::FloodGuard;
use kaamgar_domain::whatsapp::{InboundEvent, InboundMessage, MessageBody};
use kaamgar_domain::worker::Availability;
use kaamgar_store::prelude::*;
use kaamgar_store::{ContactRow, InboxEvent, NewInboxEvent, NewOutbound, StoreError};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// An event that failed this many times is set aside (kept, with its error) so the contact is not blocked.
pub const MAX_ATTEMPTS: i64 = 5;

#[derive(Debug, Clone)]
pub struct BotConfig {
    /// The business number messages go out from when the contact has not written to one.
    pub phone_number_id: String,
    pub lead_timeout_secs: i64,
    pub follow_up_secs: i64,
    pub templates: Templates,
    /// Per-contact flood guard: this many messages at once, then one every `flood_every_secs`.
    pub flood_burst: u32,
    pub flood_every_secs: u32,
    /// `KAAMGAR_HELPLINE`: shown wherever the bot cannot help further.
    pub helpline: Option<String>,
    /// Workers farther than this are offered only when the citizen asks to search farther.
    pub near_km: f64,
    /// A worker who accepted a job is not offered other leads for this long, unless the job is done sooner.
    pub engaged_secs: i64,
    /// How long a request kept open is searched again, and how often.
    pub keep_open_secs: i64,
    pub watch_every_secs: i64,
}

impl Default for BotConfig {
    fn default() -> Self {
        BotConfig {
            phone_number_id: String::new(),
            lead_timeout_secs: 15 * 60,
            follow_up_secs: 24 * 3600,
            templates: Templates {
                lead: "kaamgar_lead".into(),
                follow_up: "kaamgar_follow_up".into(),
            },
            flood_burst: 8,
            flood_every_secs: 4,
            helpline: None,
            near_km: 30.0,
            engaged_secs: 6 * 3600,
            keep_open_secs: 24 * 3600,
            watch_every_secs: 30 * 60,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored event is not readable: {0}")]
    Payload(String),
    /// A change the request's lifecycle refuses where the bot expected it to be allowed: a bug, so the event is
    /// rolled back and retried, then set aside.
    #[error(transparent)]
    Lifecycle(#[from] kaamgar_domain::request::Refused),
    /// A training step the bot runs (a trainee's mark, a batch's end) failed.
    #[error("training: {0}")]
    Training(String),
}

/// The inbox row for an event of `contact` (the webhook's contact key, or a web chat or terminal key).
pub fn inbox_row(event: &InboundEvent, contact: &str) -> Result<NewInboxEvent, serde_json::Error> {
    Ok(NewInboxEvent {
        key: event.dedupe_key(),
        kind: event.kind().into(),
        contact: contact.to_string(),
        payload: serde_json::to_string(event)?,
    })
}

pub struct BotService {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) trades: Arc<TradeCatalogue>,
    pub(crate) places: Arc<PlaceDirectory>,
    pub(crate) understander: Arc<Understander>,
    pub(crate) matcher: Arc<Matcher>,
    pub(crate) cfg: BotConfig,
    /// Example places, coverage and helpline for the texts.
    pub(crate) local: Local,
    flood: Mutex<FloodGuard>,
    /// Contacts told to slow down, so they are told once per flood.
    warned: Mutex<HashSet<String>>,
    /// Rings when events arrive in the inbox.
    pub inbound: Arc<Notify>,
    /// Rung after a commit that queued WhatsApp messages.
    pub outbound: Arc<Notify>,
    /// Training, for the jobs it schedules (a batch's end); without it those jobs wait and are retried.
    pub(crate) training: Option<Arc<crate::training::Training>>,
}

impl std::fmt::Debug for BotService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotService")
            .field("cfg", &self.cfg)
            .finish()
    }
}

/// One event's work in progress: the transaction and the messages queued.
pub(crate) struct Turn {
    pub tx: Box<dyn Tx>,
    pub now: i64,
    pub out: Vec<NewOutbound>,
}

/// What one handled event produced (the terminal prints it).
#[derive(Debug, Default)]
pub struct Handled {
    pub messages: Vec<NewOutbound>,
}

impl BotService {
    pub fn new(
        store: Arc<dyn Store>,
        trades: Arc<TradeCatalogue>,
        places: Arc<PlaceDirectory>,
        understander: Arc<Understander>,
        matcher: Arc<Matcher>,
        cfg: BotConfig,
    ) -> Self {
        let flood = FloodGuard::new(cfg.flood_burst, cfg.flood_every_secs);
        let local = Local::new(&places, cfg.helpline.clone());
        BotService {
            local,
            store,
            trades,
            places,
            understander,
            matcher,
            cfg,
            flood: Mutex::new(flood),
            warned: Mutex::new(HashSet::new()),
            inbound: Arc::new(Notify::new()),
            outbound: Arc::new(Notify::new()),
            training: None,
        }
    }

    /// The bot with training's jobs to run.
    pub fn with_training(mut self, training: Arc<crate::training::Training>) -> Self {
        self.training = Some(training);
        self
    }

    pub(crate) fn engine(&self) -> Bot<'_> {
        Bot {
            understander: &self.understander,
            trades: &self.trades,
            places: &self.places,
            lead_minutes: self.lead_minutes(),
            local: &self.local,
        }
    }

    /// How long a worker has to accept a lead, in whole minutes as the citizen is told.
    pub(crate) fn lead_minutes(&self) -> i64 {
        (self.cfg.lead_timeout_secs / 60).max(1)
    }

    /// Handles the pending events (the oldest of each contact) and due jobs; returns how many were handled.
    pub async fn run_once(&self, now: i64) -> Result<usize, BotError> {
        self.process(now, &mut Vec::new()).await
    }

    /// Handles everything pending (each contact's events in order) and the due jobs, and returns every message
    /// queued on the way (the terminal chat prints them).
    pub async fn drain(&self, now: i64) -> Result<Vec<NewOutbound>, BotError> {
        let mut sink = Vec::new();
        while self.process(now, &mut sink).await? > 0 {}
        Ok(sink)
    }

    async fn process(&self, now: i64, sink: &mut Vec<NewOutbound>) -> Result<usize, BotError> {
        let events = self.store.pending_inbound(64).await?;
        let mut n = events.len();
        for ev in events {
            sink.extend(self.handle_logged(ev, now).await.messages);
        }
        n += self.run_jobs(now, sink).await?;
        Ok(n)
    }

    /// Handles one event; a failure is recorded on the event (retried later, set aside after [`MAX_ATTEMPTS`]).
    pub async fn handle_logged(&self, ev: InboxEvent, now: i64) -> Handled {
        let (id, attempts) = (ev.id, ev.attempts);
        match self.handle(ev, now).await {
            Ok(h) => h,
            Err(e) => {
                let msg = e.to_string();
                tracing::warn!(inbox.id = id, error = %msg, "handling an inbound event failed");
                let r = if attempts + 1 >= MAX_ATTEMPTS {
                    self.store.abandon_inbound(id, &msg, now).await
                } else {
                    self.store.finish_inbound(id, Some(&msg), now).await
                };
                if let Err(e) = r {
                    tracing::warn!(inbox.id = id, error = %e, "recording the failure failed");
                }
                Handled::default()
            }
        }
    }

    async fn handle(&self, ev: InboxEvent, now: i64) -> Result<Handled, BotError> {
        let event: InboundEvent =
            serde_json::from_str(&ev.payload).map_err(|e| BotError::Payload(e.to_string()))?;
        match event {
            InboundEvent::Status(s) => {
                let code = s.errors.first().map(|e| e.code);
                let title = s.errors.first().map(|e| e.title.as_str());
                let window_closed = s.window_closed();
                let delivery = kaamgar_store::Delivery {
                    provider_id: &s.message_id,
                    status: s.status.as_str(),
                    code,
                    error: title,
                    window_closed,
                };
                self.store.outbound_delivery(&delivery, now).await?;
                self.store.finish_inbound(ev.id, None, now).await?;
                if window_closed {
                    self.outbound.notify_one();
                }
                Ok(Handled::default())
            }
            InboundEvent::Message(m) => self.message(ev.id, &ev.contact, m, now).await,
            InboundEvent::Rejected(r) => {
                // Kept with its reason for the record; there is nothing to answer.
                self.store
                    .finish_inbound(ev.id, Some(&format!("unreadable: {}", r.reason)), now)
                    .await?;
                Ok(Handled::default())
            }
        }
    }

    async fn message(
        &self,
        inbox_id: i64,
        key: &str,
        m: InboundMessage,
        now: i64,
    ) -> Result<Handled, BotError> {
        let mut turn = Turn {
            tx: self.store.begin().await?,
            now,
            out: Vec::new(),
        };
        let mut contact = turn.tx.contact(key).await?.unwrap_or_else(|| ContactRow {
            key: key.to_string(),
            channel: ContactKey::parse(key).channel(),
            state: "{}".into(),
            ..ContactRow::default()
        });
        contact.wa_id = m.from.wa_id.clone().or(contact.wa_id);
        contact.user_id = m.from.user_id.clone().or(contact.user_id);
        contact.name = m.from.name.clone().or(contact.name);
        if !m.phone_number_id.is_empty() {
            contact.phone_number_id = Some(m.phone_number_id.clone());
        }
        // The window runs from the person's own message; a timestamp from the future is not trusted.
        let sent_at = if m.timestamp > 0 && m.timestamp <= now {
            m.timestamp
        } else {
            now
        };
        contact.last_inbound_at = Some(contact.last_inbound_at.map_or(sent_at, |t| t.max(sent_at)));
        let mut conv: Conversation = serde_json::from_str(&contact.state).unwrap_or_default();
        let me = self.me(&mut turn, &mut contact).await?;

        if self.flooding(key, now) {
            if self.warn_once(key) {
                let reply = notices::plain(conv.lang, Msg::SlowDown, &[]);
                self.send_to(&mut turn, &contact, &reply, None)?;
            }
        } else if let MessageBody::Text { body } = &m.body
            && self
                .attendance(&mut turn, &contact, conv.lang, body)
                .await?
        {
            // A trainee's attendance: answered, nothing else to do.
        } else {
            let input = input_of(&m.body);
            let step = self.engine().step(&conv, &me, &input);
            conv = step.conv;
            for r in &step.replies {
                self.send_to(&mut turn, &contact, r, None)?;
            }
            for e in step.effects {
                self.apply(&mut turn, &mut contact, &mut conv, &me, e)
                    .await?;
            }
        }
        contact.opted_out = conv.opted_out;
        contact.state =
            serde_json::to_string(&conv).map_err(|e| BotError::Payload(e.to_string()))?;
        turn.tx.save_contact(&contact, now).await?;
        self.commit(turn, Some(inbox_id)).await
    }

    /// The sender as a registered worker, recognised by their WhatsApp number.
    async fn me(&self, turn: &mut Turn, contact: &mut ContactRow) -> Result<Me, BotError> {
        let mut worker = match contact.worker_id {
            Some(id) => turn.tx.worker(id).await?,
            None => None,
        };
        if worker.is_none()
            && let Some(phone) = send::phone_of(contact)
        {
            worker = turn.tx.worker_by_phone(phone).await?;
        }
        contact.worker_id = worker.as_ref().map(|w| WorkerId(w.id));
        Ok(Me {
            worker: worker.map(|w| WorkerFacts {
                id: WorkerId(w.id),
                name: w.data.name.clone(),
                trade: w.data.trade.clone(),
                available: w.data.availability == Availability::Available,
            }),
        })
    }

    pub(crate) async fn commit(
        &self,
        turn: Turn,
        inbox_id: Option<i64>,
    ) -> Result<Handled, BotError> {
        let Turn { mut tx, now, out } = turn;
        tx.enqueue(&out, now).await?;
        if let Some(id) = inbox_id {
            tx.finish_inbound(id, now).await?;
        }
        tx.commit().await?;
        if out.iter().any(|m| !m.channel.is_local()) {
            self.outbound.notify_one();
        }
        Ok(Handled { messages: out })
    }

    fn flooding(&self, key: &str, now: i64) -> bool {
        let allowed = self
            .flood
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .allow(key, now);
        if allowed {
            self.warned
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(key);
        }
        !allowed
    }

    fn warn_once(&self, key: &str) -> bool {
        self.warned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string())
    }

    /// Runs the bot until the process ends, woken by new inbox events or every second for timed jobs.
    pub fn spawn(self: Arc<Self>, clock: Arc<dyn crate::Clock>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let woken = self.inbound.notified();
                match self.run_once(clock.now()).await {
                    Ok(0) => {
                        let _ = tokio::time::timeout(Duration::from_secs(1), woken).await;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "the bot loop failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        })
    }
}

fn input_of(body: &MessageBody) -> Input {
    match body {
        MessageBody::Text { body } => Input::Text(body.clone()),
        MessageBody::ButtonReply { id, title } | MessageBody::ListReply { id, title } => {
            Input::Choice {
                id: id.clone(),
                title: title.clone(),
            }
        }
        MessageBody::TemplateButton { payload, text } => Input::Choice {
            id: payload.clone(),
            title: text.clone(),
        },
        MessageBody::Location { lat, lon, name, .. } => Input::Location {
            lat: *lat,
            lon: *lon,
            name: name.clone(),
        },
        MessageBody::Unsupported { kind } => Input::Unsupported { kind: kind.clone() },
    }
}
