//! Carrying out what the conversation engine decided, inside the event's transaction.

use super::{BotError, BotService, Turn};
use kaamgar_domain::conversation::notices::{self, plain};
use kaamgar_domain::conversation::{Bot, Conversation, Effect, Lang, Me, Msg, Spot};
use kaamgar_domain::ids::{RequestId, WorkerId};
use kaamgar_domain::jobs::Job;
use kaamgar_domain::places::{Place, Precision};
use kaamgar_domain::request::{Actor, Change, OfferStatus, RequestStatus};
use kaamgar_domain::worker::{Availability, Consent, ConsentMethod, NewWorker, clean_name};
use kaamgar_store::{ContactRow, NewRequest, StoreError};

impl BotService {
    pub(crate) async fn apply(
        &self,
        turn: &mut Turn,
        contact: &mut ContactRow,
        conv: &mut Conversation,
        me: &Me,
        effect: Effect,
    ) -> Result<(), BotError> {
        let lang = conv.lang;
        match effect {
            Effect::OpenRequest { trade, spot, text } => {
                self.open_request(turn, contact, conv, me, trade, spot, text)
                    .await?
            }
            Effect::Again {
                request,
                wider,
                trade,
            } => {
                self.again(turn, contact, conv, me, request, wider, trade)
                    .await?
            }
            Effect::KeepOpen { request } => self.keep_open(turn, contact, conv, request).await?,
            Effect::Pick { request, worker } => self.pick(turn, contact, request, worker).await?,
            Effect::AnswerLead { offer, accept } => {
                self.answer_lead(turn, contact, me, offer, accept).await?
            }
            Effect::Cancel { request } => self.cancel(turn, contact, lang, request).await?,
            Effect::SetAvailable(free) => {
                if let Some(w) = &me.worker {
                    let a = if free {
                        Availability::Available
                    } else {
                        Availability::Busy
                    };
                    turn.tx.set_availability(w.id, a, turn.now).await?;
                }
            }
            Effect::Register { trade, spot, years } => {
                self.register(turn, contact, lang, trade, spot, years)
                    .await?
            }
            Effect::OptOut => {
                contact.opted_out = true;
                // A worker who stops messages gets no leads either.
                if let Some(w) = &me.worker {
                    turn.tx
                        .set_availability(w.id, Availability::Busy, turn.now)
                        .await?;
                }
            }
            Effect::OptIn => contact.opted_out = false,
            Effect::WorkDone { request, done } => {
                self.work_done(turn, contact, conv, request, done).await?
            }
            Effect::Rate { request, stars } => {
                self.rate(turn, contact, lang, request, stars).await?
            }
            Effect::AnswerInvite { enrolment, accept } => {
                self.answer_invite(turn, contact, lang, enrolment, accept)
                    .await?
            }
        }
        Ok(())
    }

    /// A citizen's new request: stored, then searched and shown.
    #[allow(clippy::too_many_arguments)]
    async fn open_request(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        conv: &mut Conversation,
        me: &Me,
        trade: String,
        spot: Spot,
        text: String,
    ) -> Result<(), BotError> {
        let phone = super::send::phone_of(contact).map(|p| p.e164());
        let new = NewRequest {
            citizen: contact.key.clone(),
            citizen_phone: phone,
            channel: contact.channel,
            trade,
            place_name: spot.name.clone(),
            district: spot.district.clone(),
            block: spot.block.clone(),
            lat: spot.lat,
            lon: spot.lon,
            message: text.chars().take(1000).collect(),
        };
        let id = turn.tx.create_request(&new, turn.now).await?;
        let exclude: Vec<WorkerId> = me.worker.iter().map(|w| w.id).collect();
        self.present(turn, contact, conv, id, &exclude, false).await
    }

    /// "Search again" on a request that ended: a new request (for `trade` instead when given), so the old one's
    /// history stays as it was; nobody already asked is shown again; `wider` looks beyond the usual distance.
    #[allow(clippy::too_many_arguments)]
    async fn again(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        conv: &mut Conversation,
        me: &Me,
        request: RequestId,
        wider: bool,
        trade: Option<String>,
    ) -> Result<(), BotError> {
        let Some(old) = turn.tx.request(request).await? else {
            return Ok(());
        };
        if old.new.citizen != contact.key || !ended_without_worker(old.status) {
            let msg = notices::menu(conv.lang, Msg::NotUnderstood, &self.local);
            return self.send_to(turn, contact, &msg, None);
        }
        let mut new = old.new.clone();
        if let Some(t) = trade {
            new.trade = t;
        }
        let id = turn.tx.create_request(&new, turn.now).await?;
        let mut exclude: Vec<WorkerId> = turn
            .tx
            .offers_of(request)
            .await?
            .iter()
            .map(|o| o.worker_id)
            .collect();
        exclude.extend(me.worker.iter().map(|w| w.id));
        self.present(turn, contact, conv, id, &exclude, wider).await
    }

    /// "Keep it open" on a request that found nobody: a new request that stays open and is searched again every
    /// [`BotConfig::watch_every_secs`](super::BotConfig) until someone is free or the time is up.
    async fn keep_open(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        conv: &mut Conversation,
        request: RequestId,
    ) -> Result<(), BotError> {
        let lang = conv.lang;
        let Some(old) = turn.tx.request(request).await? else {
            return Ok(());
        };
        if old.new.citizen != contact.key || !ended_without_worker(old.status) {
            let msg = notices::menu(lang, Msg::NotUnderstood, &self.local);
            return self.send_to(turn, contact, &msg, None);
        }
        let trade = notices::trade_name(&self.trades, &old.new.trade, lang);
        let hours = (self.cfg.keep_open_secs / 3600).max(1).to_string();
        // One request kept open at a time: a second tap (or a replayed one) says so and opens nothing.
        if let Some(open) = turn.tx.searching_request_of(&contact.key).await? {
            let msg = plain(
                lang,
                Msg::KeptOpen,
                &[
                    ("hours", &hours),
                    ("trade", &trade),
                    ("place", &open.new.place_name),
                ],
            );
            return self.send_to(turn, contact, &msg, None);
        }
        let id = turn.tx.create_request(&old.new, turn.now).await?;
        turn.tx
            .schedule(Job::watch(id), turn.now + self.cfg.watch_every_secs)
            .await?;
        let msg = plain(
            lang,
            Msg::KeptOpen,
            &[
                ("hours", &hours),
                ("trade", &trade),
                ("place", &old.new.place_name),
            ],
        );
        self.send_to(turn, contact, &msg, None)
    }

    /// The citizen withdraws a request (the one named, or their latest that is still searching).
    async fn cancel(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        lang: Lang,
        request: Option<RequestId>,
    ) -> Result<(), BotError> {
        let r = match request {
            Some(id) => turn.tx.request(id).await?,
            None => turn.tx.searching_request_of(&contact.key).await?,
        };
        let cancel = Change::Cancel {
            note: "cancelled_by_citizen",
        };
        if let Some(mut r) = r
            && r.apply(Actor::Citizen(&contact.key), cancel, turn.now)
                .is_ok()
        {
            self.withdraw_open_offers(turn, r.id).await?;
            turn.tx.save_request(&r, turn.now).await?;
            return self.send_to(turn, contact, &plain(lang, Msg::Cancelled, &[]), None);
        }
        self.send_to(turn, contact, &plain(lang, Msg::NothingToCancel, &[]), None)
    }

    /// The citizen's answer to the follow-up: the work was done (then asked to rate it) or not.
    async fn work_done(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        conv: &mut Conversation,
        request: RequestId,
        done: bool,
    ) -> Result<(), BotError> {
        let lang = conv.lang;
        let Some(mut r) = turn.tx.request(request).await? else {
            return Ok(());
        };
        let view = self.view(&r);
        let change = if done { Change::Done } else { Change::NotDone };
        // Not theirs, or answered already: thanked, nothing changes.
        if r.apply(Actor::Citizen(&contact.key), change, turn.now)
            .is_err()
        {
            conv.stage = Default::default();
            return self.send_to(turn, contact, &plain(lang, Msg::RatingThanks, &[]), None);
        }
        turn.tx.save_request(&r, turn.now).await?;
        let msg = if done {
            let name = self.worker_name(turn, r.worker_id).await?;
            notices::ask_rating(lang, r.id, &name)
        } else {
            notices::not_done(lang, &self.trades, &view, &self.local)
        };
        self.send_to(turn, contact, &msg, None)
    }

    /// The citizen's rating of done work; rating twice, or an old rating button, is thanked and not counted again.
    async fn rate(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        lang: Lang,
        request: RequestId,
        stars: u8,
    ) -> Result<(), BotError> {
        if let Some(mut r) = turn.tx.request(request).await?
            && r.apply(
                Actor::Citizen(&contact.key),
                Change::Rate { stars },
                turn.now,
            )
            .is_ok()
        {
            turn.tx.save_request(&r, turn.now).await?;
            if let Some(w) = r.worker_id {
                turn.tx.add_rating(w, stars, turn.now).await?;
            }
        }
        self.send_to(turn, contact, &plain(lang, Msg::RatingThanks, &[]), None)
    }

    /// Searches for a request and shows the citizen the candidates — within the usual distance unless `wider` —
    /// or says nobody is free, with what can still help.
    pub(crate) async fn present(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        conv: &mut Conversation,
        request: RequestId,
        exclude: &[WorkerId],
        wider: bool,
    ) -> Result<(), BotError> {
        let Some(mut r) = turn.tx.request(request).await? else {
            return Ok(());
        };
        let near = (!wider).then_some(self.cfg.near_km);
        let found = self.candidates(turn, &r.new, exclude, 3, near).await?;
        let view = self.view(&r);
        let ids: Vec<WorkerId> = found.iter().map(|c| c.worker_id).collect();
        if found.is_empty() {
            let alt = self.alternatives(turn, &r.new, exclude, wider).await?;
            self.close_unserved(turn, &mut r, "no_workers").await?;
            let msg = notices::no_workers(
                conv.lang,
                &self.trades,
                &view,
                Msg::NoWorkers,
                &alt,
                &self.local,
            );
            self.send_to(turn, contact, &msg, None)?;
        } else {
            r.candidates = ids.clone();
            turn.tx.save_request(&r, turn.now).await?;
            let msg = notices::candidates(conv.lang, &self.trades, &view, &found);
            self.send_to(turn, contact, &msg, None)?;
        }
        Bot::shown(conv, request, &ids);
        Ok(())
    }

    async fn register(
        &self,
        turn: &mut Turn,
        contact: &mut ContactRow,
        lang: kaamgar_domain::conversation::Lang,
        trade: String,
        spot: Spot,
        years: Option<u8>,
    ) -> Result<(), BotError> {
        let Some(phone) = super::send::phone_of(contact) else {
            let msg = notices::say(lang, Msg::RegNeedsPhone, &self.local);
            return self.send_to(turn, contact, &msg, None);
        };
        let name = contact
            .name
            .as_deref()
            .and_then(|n| clean_name(n).ok())
            .unwrap_or_else(|| format!("WhatsApp {}", phone.masked()));
        let w = NewWorker {
            name,
            phone,
            gender: None,
            age: None,
            trade: trade.clone(),
            other_trades: Vec::new(),
            experience_years: years,
            place: Place {
                village: None,
                panchayat: None,
                block: spot.block.clone(),
                block_lgd: None,
                district: spot.district.clone(),
                district_lgd: None,
                state: spot.state.clone(),
                pin: None,
                lat: spot.lat,
                lon: spot.lon,
                precision: if spot.block.is_some() {
                    Precision::Block
                } else {
                    Precision::District
                },
            },
            languages: vec![lang.code().to_string()],
            availability: Availability::Available,
            source: format!("self-registered ({})", contact.channel),
            consent: Consent {
                given_at: turn.now,
                method: ConsentMethod::Whatsapp,
            },
        };
        match turn.tx.register_worker(&w, turn.now).await {
            Ok(w) => {
                contact.worker_id = Some(WorkerId(w.id));
                let trade_name = notices::trade_name(&self.trades, &trade, lang);
                let msg = plain(
                    lang,
                    Msg::RegDone,
                    &[("trade", &trade_name), ("place", &spot.name)],
                );
                self.send_to(turn, contact, &msg, None)
            }
            Err(StoreError::Erased) => self.send_to(
                turn,
                contact,
                &notices::say(lang, Msg::RegErased, &self.local),
                None,
            ),
            Err(StoreError::PhoneTaken) => {
                let msg = notices::registered(lang, &self.trades, &trade, true);
                self.send_to(turn, contact, &msg, None)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) async fn withdraw_open_offers(
        &self,
        turn: &mut Turn,
        request: RequestId,
    ) -> Result<(), BotError> {
        for o in turn.tx.offers_of(request).await? {
            if o.status == OfferStatus::Offered {
                turn.tx
                    .set_offer(o.id, OfferStatus::Withdrawn, turn.now)
                    .await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn worker_name(
        &self,
        turn: &mut Turn,
        id: Option<WorkerId>,
    ) -> Result<String, BotError> {
        Ok(match id {
            Some(id) => turn
                .tx
                .worker(id)
                .await?
                .map(|w| w.data.name)
                .unwrap_or_default(),
            None => String::new(),
        })
    }
}

/// A request that ended with nobody doing the work: the ones "search again" and "keep it open" start from.
fn ended_without_worker(status: RequestStatus) -> bool {
    matches!(
        status,
        RequestStatus::Expired | RequestStatus::Declined | RequestStatus::Cancelled
    )
}
