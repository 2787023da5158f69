//! Leads: the citizen picks a worker, the worker is offered the request (buttons inside the 24-hour window, the
//! approved template outside it), accepts — both get the other's number and the exchange is recorded — or declines
//! or lets it expire, and the next worker is asked (the timed jobs are in `timed`). Every offer and its outcome are stored, and the matcher's fairness is read back from them.

use super::send::lang_of;
use super::{BotError, BotService, Turn};
use kaamgar_domain::conversation::Stage;
use kaamgar_domain::conversation::notices::{
    self, Alternatives, CandidateView, LeadFacts, RequestView, plain,
};
use kaamgar_domain::conversation::{Me, Msg};
use kaamgar_domain::ids::{OfferId, RequestId, WorkerId};
use kaamgar_domain::jobs::Job;
use kaamgar_domain::request::{Actor, Change, OfferStatus};
use kaamgar_domain::worker::Availability;
use kaamgar_store::{ContactRow, NewRequest, RequestRow};

impl BotService {
    pub(crate) fn view(&self, r: &RequestRow) -> RequestView {
        RequestView {
            id: r.id,
            trade: r.new.trade.clone(),
            place: r.new.place_name.clone(),
            text: r.new.message.clone(),
        }
    }

    /// The best available workers for a request, checked against the registry as it is now: not engaged (asked
    /// about another lead now, or holding an accepted job that is not done), within `near_km` when given.
    pub(crate) async fn candidates(
        &self,
        turn: &mut Turn,
        r: &NewRequest,
        exclude: &[WorkerId],
        want: usize,
        near_km: Option<f64>,
    ) -> Result<Vec<CandidateView>, BotError> {
        // A worker who registered or turned free a moment ago is found: the index catches up first (one cheap
        // query when nothing changed).
        self.matcher.refresh(self.store.as_ref()).await?;
        let limit = (want + exclude.len() + 8).min(kaamgar_domain::matching::MAX_LIMIT);
        let found = self
            .matcher
            .find(&r.trade, r.lat, r.lon, limit, turn.now)
            .unwrap_or_default();
        let engaged_since = turn.now - self.cfg.engaged_secs;
        let mut out = Vec::new();
        for m in found {
            if out.len() == want {
                break;
            }
            let id = WorkerId(m.worker_id);
            // Ranked by distance band, then rating and fairness: one beyond the distance may come before a nearer
            // one, so each is checked.
            if exclude.contains(&id) || near_km.is_some_and(|km| m.distance_km > km) {
                continue;
            }
            let Some(w) = turn.tx.worker(id).await? else {
                continue;
            };
            if w.data.availability != Availability::Available
                || turn.tx.engaged(id, engaged_since).await?
            {
                continue;
            }
            out.push(CandidateView {
                worker_id: id,
                name: w.data.name,
                distance_km: m.distance_km,
                rating: m.rating,
                experience_years: m.experience_years,
                verified: m.verified,
            });
        }
        Ok(out)
    }

    /// What can still help a request that found nobody near: the nearest free worker farther away, a related
    /// trade with free workers near, and keeping the request open.
    pub(crate) async fn alternatives(
        &self,
        turn: &mut Turn,
        r: &NewRequest,
        exclude: &[WorkerId],
        wider: bool,
    ) -> Result<Alternatives, BotError> {
        let farther_km = if wider {
            None
        } else {
            self.candidates(turn, r, exclude, 1, None)
                .await?
                .first()
                .map(|c| c.distance_km)
        };
        let mut instead = None;
        for slug in self.trades.related(&r.trade) {
            let other = NewRequest {
                trade: slug.to_string(),
                ..r.clone()
            };
            let near = self
                .candidates(turn, &other, exclude, 3, Some(self.cfg.near_km))
                .await?;
            if !near.is_empty() {
                instead = Some((slug.to_string(), near.len()));
                break;
            }
        }
        Ok(Alternatives {
            farther_km,
            instead,
            keep_open: true,
        })
    }

    /// The citizen chose a worker from the list.
    pub(crate) async fn pick(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        request: RequestId,
        worker: WorkerId,
    ) -> Result<(), BotError> {
        let lang = lang_of(contact);
        let r = turn.tx.request(request).await?;
        let Some(r) = r.filter(|r| r.new.citizen == contact.key) else {
            return self.send_to(
                turn,
                contact,
                &notices::menu(lang, Msg::NotUnderstood, &self.local),
                None,
            );
        };
        if !r.status.is_searching() || !r.candidates.contains(&worker) {
            return self.send_to(turn, contact, &plain(lang, Msg::NothingToCancel, &[]), None);
        }
        let offers = turn.tx.offers_of(r.id).await?;
        if let Some(open) = offers.iter().find(|o| o.status == OfferStatus::Offered) {
            // Tapped twice, or a second name while the first is being asked: one worker at a time.
            let name = self.worker_name(turn, Some(open.worker_id)).await?;
            let minutes = self.lead_minutes();
            return self.send_to(turn, contact, &notices::asked(lang, &name, minutes), None);
        }
        if offers.iter().any(|o| o.worker_id == worker) {
            return self.offer_next(turn, r, None).await;
        }
        match self
            .offer_to(turn, &r, worker, Actor::Citizen(&contact.key))
            .await?
        {
            Some(name) => {
                let minutes = self.lead_minutes();
                self.send_to(turn, contact, &notices::asked(lang, &name, minutes), None)
            }
            // No longer available: ask the next one straight away.
            None => self.offer_next(turn, r, None).await,
        }
    }

    /// Offers the request to one worker, as `by` (the citizen who picked them, or kaamgar asking the next one);
    /// `None` when they can no longer take leads.
    pub(crate) async fn offer_to(
        &self,
        turn: &mut Turn,
        r: &RequestRow,
        worker: WorkerId,
        by: Actor<'_>,
    ) -> Result<Option<String>, BotError> {
        let Some(w) = turn.tx.worker(worker).await? else {
            return Ok(None);
        };
        // Busy, or engaged since the list was shown (asked about another lead, or took a job): not now.
        if w.data.availability != Availability::Available
            || turn
                .tx
                .engaged(worker, turn.now - self.cfg.engaged_secs)
                .await?
        {
            return Ok(None);
        }
        let wc = self.worker_contact(turn, &w).await?;
        if wc.opted_out {
            return Ok(None);
        }
        let rank = r
            .candidates
            .iter()
            .position(|c| *c == worker)
            .unwrap_or(r.candidates.len()) as i64;
        let offer = turn
            .tx
            .create_offer(r.id, worker, rank + 1, turn.now)
            .await?;
        let mut r = r.clone();
        r.apply(by, Change::Offer, turn.now)?;
        turn.tx.save_request(&r, turn.now).await?;
        turn.tx
            .schedule(
                Job::lead_expiry(offer),
                turn.now + self.cfg.lead_timeout_secs,
            )
            .await?;
        let lang = lang_of(&wc);
        let view = self.view(&r);
        let template =
            notices::lead_template(lang, &self.trades, &view, offer, &self.cfg.templates);
        if wc.channel.may_send_freely(wc.last_inbound_at, turn.now) {
            let facts = LeadFacts {
                km: (w.data.place.lat != 0.0).then(|| {
                    kaamgar_domain::gazetteer::haversine_km(
                        w.data.place.lat,
                        w.data.place.lon,
                        r.new.lat,
                        r.new.lon,
                    )
                }),
                when: self
                    .understander
                    .understand(&r.new.message, &Default::default())
                    .when,
            };
            let msg = notices::lead_offer(lang, &self.trades, &view, offer, facts);
            self.send_to(turn, &wc, &msg, Some(&template))?;
        } else {
            self.send_to(turn, &wc, &template, None)?;
        }
        self.ask(turn, &wc, Stage::LeadAsked { offer }).await?;
        tracing::info!(
            request.id = r.id.0,
            offer.id = offer.0,
            worker.id = worker.0,
            "lead offered"
        );
        Ok(Some(w.data.name))
    }

    /// After a decline or no answer: asks the next candidate (searching again when the list is used up), or tells
    /// the citizen nobody could come. `before` is the worker who said no (name, whether they just did not answer).
    /// Who to ask next: the request's candidates not asked yet, or when none are left, up to three more found near
    /// (added to the request's candidates).
    pub(crate) async fn not_yet_asked(
        &self,
        turn: &mut Turn,
        r: &mut RequestRow,
        asked: &[WorkerId],
    ) -> Result<Vec<WorkerId>, BotError> {
        let queue: Vec<WorkerId> = r
            .candidates
            .iter()
            .copied()
            .filter(|c| !asked.contains(c))
            .collect();
        if !queue.is_empty() {
            return Ok(queue);
        }
        let near = Some(self.cfg.near_km);
        let more = self
            .candidates(turn, &r.new.clone(), asked, 3, near)
            .await?;
        let more: Vec<WorkerId> = more.iter().map(|c| c.worker_id).collect();
        r.candidates.extend(more.iter().copied());
        Ok(more)
    }

    pub(crate) async fn offer_next(
        &self,
        turn: &mut Turn,
        mut r: RequestRow,
        before: Option<(String, bool)>,
    ) -> Result<(), BotError> {
        let citizen = turn.tx.contact(&r.new.citizen).await?;
        let offers = turn.tx.offers_of(r.id).await?;
        let asked: Vec<WorkerId> = offers.iter().map(|o| o.worker_id).collect();
        let queue = self.not_yet_asked(turn, &mut r, &asked).await?;
        for next in queue {
            if let Some(name) = self.offer_to(turn, &r, next, Actor::System).await? {
                if let (Some(c), Some((prev, no_answer))) = (&citizen, &before) {
                    let msg = notices::next_asked(lang_of(c), prev, &name, *no_answer);
                    self.send_to(turn, c, &msg, None)?;
                } else if let Some(c) = &citizen {
                    let minutes = self.lead_minutes();
                    self.send_to(turn, c, &notices::asked(lang_of(c), &name, minutes), None)?;
                }
                return Ok(());
            }
        }
        // Offers made in the loop above would have returned; the ones read at the start are all there are.
        if !r.status.is_searching() {
            // Searched again for an official after it had ended: nobody free, so it stays as it ended.
            return Ok(());
        }
        let any_declined = offers.iter().any(|o| o.status == OfferStatus::Declined);
        let end = if any_declined {
            Change::Decline
        } else {
            Change::Expire { note: None }
        };
        r.apply(Actor::System, end, turn.now)?;
        turn.tx.save_request(&r, turn.now).await?;
        if let Some(c) = &citizen {
            let alt = self.alternatives(turn, &r.new, &asked, false).await?;
            let view = self.view(&r);
            let msg = notices::no_workers(
                lang_of(c),
                &self.trades,
                &view,
                Msg::NobodyLeft,
                &alt,
                &self.local,
            );
            self.send_to(turn, c, &msg, None)?;
        }
        Ok(())
    }

    /// A worker tapped Accept or Decline.
    pub(crate) async fn answer_lead(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        me: &Me,
        offer: OfferId,
        accept: bool,
    ) -> Result<(), BotError> {
        let lang = lang_of(contact);
        let o = turn.tx.offer(offer).await?;
        let mine = o.filter(|o| me.worker.as_ref().is_some_and(|w| w.id == o.worker_id));
        let Some(o) = mine.filter(|o| o.status == OfferStatus::Offered) else {
            // Expired, withdrawn, already answered, or not theirs: nothing changes.
            return self.send_to(turn, contact, &plain(lang, Msg::LeadClosed, &[]), None);
        };
        let Some(mut r) = turn
            .tx
            .request(o.request_id)
            .await?
            .filter(|r| r.status.is_searching())
        else {
            turn.tx
                .set_offer(o.id, OfferStatus::Withdrawn, turn.now)
                .await?;
            return self.send_to(turn, contact, &plain(lang, Msg::LeadClosed, &[]), None);
        };
        if !accept {
            turn.tx
                .set_offer(o.id, OfferStatus::Declined, turn.now)
                .await?;
            self.send_to(turn, contact, &plain(lang, Msg::LeadDeclinedAck, &[]), None)?;
            let name = self.worker_name(turn, Some(o.worker_id)).await?;
            return self.offer_next(turn, r, Some((name, false))).await;
        }
        turn.tx
            .set_offer(o.id, OfferStatus::Accepted, turn.now)
            .await?;
        self.withdraw_open_offers(turn, r.id).await?;
        let accept = Change::Accept {
            worker: o.worker_id,
        };
        r.apply(Actor::Worker(o.worker_id), accept, turn.now)?;
        turn.tx.save_request(&r, turn.now).await?;
        turn.tx
            .record_exchange(r.id, o.worker_id, &r.new.citizen, turn.now)
            .await?;
        turn.tx
            .schedule(Job::follow_up(r.id), turn.now + self.cfg.follow_up_secs)
            .await?;
        let w = turn.tx.worker(o.worker_id).await?;
        let (name, phone, trade) = w
            .map(|w| {
                (
                    w.data.name.clone(),
                    w.data.phone.e164(),
                    w.data.trade.clone(),
                )
            })
            .unwrap_or_default();
        // A citizen without a number (the web chat) gets the worker's and calls; the worker is told so.
        let citizen_phone = r.new.citizen_phone.clone();
        let msg = notices::worker_connected(lang, &r.new.place_name, citizen_phone.as_deref());
        self.send_to(turn, contact, &msg, None)?;
        if let Some(c) = turn.tx.contact(&r.new.citizen).await? {
            let will_call = citizen_phone.is_none();
            let msg = notices::citizen_connected(
                lang_of(&c),
                &self.trades,
                &name,
                &trade,
                &phone,
                will_call,
            );
            self.send_to(turn, &c, &msg, None)?;
        }
        tracing::info!(
            request.id = r.id.0,
            worker.id = o.worker_id.0,
            "lead accepted; contacts exchanged"
        );
        Ok(())
    }
}
