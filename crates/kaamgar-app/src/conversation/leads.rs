//! Leads: the citizen picks a worker, the worker is offered the request (buttons inside the 24-hour window, the
//! approved template outside it), accepts — both get the other's number and the exchange is recorded — or declines
//! or lets it expire, and the next worker is asked. The next day's follow-up asks the citizen whether the work was
//! done. Every offer and its outcome are stored, and the matcher's fairness is read back from them.

use super::send::lang_of;
use super::{BotError, BotService, Turn};
use kaamgar_domain::conversation::Stage;
use kaamgar_domain::conversation::notices::{
    self, Alternatives, CandidateView, LeadFacts, RequestView, plain,
};
use kaamgar_domain::conversation::{Me, Msg};
use kaamgar_domain::ids::{OfferId, RequestId, WorkerId};
use kaamgar_domain::jobs::{self, Job, JobKind};
use kaamgar_domain::request::{Actor, Change, OfferStatus, RequestStatus};
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
    async fn offer_to(
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
    pub(crate) async fn offer_next(
        &self,
        turn: &mut Turn,
        mut r: RequestRow,
        before: Option<(String, bool)>,
    ) -> Result<(), BotError> {
        let citizen = turn.tx.contact(&r.new.citizen).await?;
        let offers = turn.tx.offers_of(r.id).await?;
        let asked: Vec<WorkerId> = offers.iter().map(|o| o.worker_id).collect();
        let mut queue: Vec<WorkerId> = r
            .candidates
            .iter()
            .copied()
            .filter(|c| !asked.contains(c))
            .collect();
        if queue.is_empty() {
            let near = Some(self.cfg.near_km);
            let more = self
                .candidates(turn, &r.new.clone(), &asked, 3, near)
                .await?;
            r.candidates.extend(more.iter().map(|c| c.worker_id));
            queue = more.iter().map(|c| c.worker_id).collect();
        }
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

    /// Runs the timed jobs that are due, each in its own transaction. A job that fails is rolled back and retried
    /// with backoff, then set aside after [`jobs::MAX_ATTEMPTS`]; it never holds up the jobs behind it. A kind this
    /// version does not know is set aside at once.
    pub(crate) async fn run_jobs(
        &self,
        now: i64,
        sink: &mut Vec<kaamgar_store::NewOutbound>,
    ) -> Result<usize, BotError> {
        let claimed = self.store.claim_jobs(now, jobs::LEASE_SECS, 64).await?;
        let n = claimed.len();
        for j in claimed {
            let (error, retry_at) = match j.job() {
                None => {
                    tracing::warn!(job.id = j.id, job.kind = %j.kind, "a job of an unknown kind is set aside");
                    ("unknown job kind".to_string(), None)
                }
                Some(job) => match self.run_job(&j, job, now).await {
                    Ok(messages) => {
                        sink.extend(messages);
                        continue;
                    }
                    Err(e) => {
                        let retry_at = jobs::retry_at(j.attempts + 1, now);
                        tracing::warn!(job.id = j.id, job.kind = %j.kind, job.attempts = j.attempts + 1,
                            dead = retry_at.is_none(), error = %e, "a timed job failed");
                        (e.to_string(), retry_at)
                    }
                },
            };
            // A failure that cannot be recorded leaves the job to come back after its lease; the others go on.
            if let Err(e) = self.store.fail_job(&j, &error, now, retry_at).await {
                tracing::warn!(job.id = j.id, error = %e, "recording a failed job failed");
            }
        }
        Ok(n)
    }

    async fn run_job(
        &self,
        claimed: &kaamgar_store::JobRow,
        job: Job,
        now: i64,
    ) -> Result<Vec<kaamgar_store::NewOutbound>, BotError> {
        let mut turn = Turn {
            tx: self.store.begin().await?,
            now,
            out: Vec::new(),
        };
        match job.kind {
            JobKind::LeadExpiry => self.expire(&mut turn, OfferId(job.subject)).await?,
            JobKind::FollowUp => self.follow_up(&mut turn, RequestId(job.subject)).await?,
            JobKind::Watch => self.watch(&mut turn, RequestId(job.subject)).await?,
            JobKind::Reoffer => self.reoffer(&mut turn, RequestId(job.subject)).await?,
        }
        turn.tx.finish_job(claimed, now).await?;
        Ok(self.commit(turn, None).await?.messages)
    }

    async fn expire(&self, turn: &mut Turn, offer: OfferId) -> Result<(), BotError> {
        let Some(o) = turn
            .tx
            .offer(offer)
            .await?
            .filter(|o| o.status == OfferStatus::Offered)
        else {
            return Ok(());
        };
        turn.tx
            .set_offer(o.id, OfferStatus::Expired, turn.now)
            .await?;
        if let Some(w) = turn.tx.worker(o.worker_id).await? {
            let wc = self.worker_contact(turn, &w).await?;
            if wc.channel.may_send_freely(wc.last_inbound_at, turn.now) {
                self.send_to(turn, &wc, &plain(lang_of(&wc), Msg::LeadMissed, &[]), None)?;
            }
            if let Some(r) = turn
                .tx
                .request(o.request_id)
                .await?
                .filter(|r| r.status.is_searching())
            {
                return self.offer_next(turn, r, Some((w.data.name, true))).await;
            }
        }
        Ok(())
    }

    /// An official asked for another worker: the next free worker not yet asked is offered the request, and only
    /// then does the lead being asked give way (its worker told, if they can be written to) and the citizen hear who
    /// is asked now. When nobody else is free, nothing changes.
    async fn reoffer(&self, turn: &mut Turn, request: RequestId) -> Result<(), BotError> {
        let Some(mut r) = turn
            .tx
            .request(request)
            .await?
            .filter(|r| super::desk::may_ask_another(r.status))
        else {
            return Ok(());
        };
        let offers = turn.tx.offers_of(r.id).await?;
        let asked: Vec<WorkerId> = offers.iter().map(|o| o.worker_id).collect();
        let mut queue: Vec<WorkerId> = r
            .candidates
            .iter()
            .copied()
            .filter(|c| !asked.contains(c))
            .collect();
        if queue.is_empty() {
            let near = Some(self.cfg.near_km);
            let more = self
                .candidates(turn, &r.new.clone(), &asked, 3, near)
                .await?;
            queue = more.iter().map(|c| c.worker_id).collect();
            // Kept only if one of them is offered it (the offer saves the request).
            r.candidates.extend(queue.iter().copied());
        }
        let mut now_asked = None;
        for next in queue {
            if let Some(name) = self.offer_to(turn, &r, next, Actor::Official).await? {
                now_asked = Some(name);
                break;
            }
        }
        let Some(name) = now_asked else {
            return Ok(());
        };
        for o in offers.iter().filter(|o| o.status == OfferStatus::Offered) {
            turn.tx
                .set_offer(o.id, OfferStatus::Withdrawn, turn.now)
                .await?;
            if let Some(w) = turn.tx.worker(o.worker_id).await? {
                let wc = self.worker_contact(turn, &w).await?;
                if wc.channel.may_send_freely(wc.last_inbound_at, turn.now) {
                    self.send_to(turn, &wc, &plain(lang_of(&wc), Msg::LeadClosed, &[]), None)?;
                }
            }
        }
        if let Some(c) = self.citizen_to_write(turn, &r).await?
            && c.channel.may_send_freely(c.last_inbound_at, turn.now)
        {
            let msg = notices::asked(lang_of(&c), &name, self.lead_minutes());
            self.send_to(turn, &c, &msg, None)?;
        }
        Ok(())
    }

    async fn follow_up(&self, turn: &mut Turn, request: RequestId) -> Result<(), BotError> {
        let Some(r) = turn
            .tx
            .request(request)
            .await?
            .filter(|r| r.status == RequestStatus::Accepted)
        else {
            return Ok(());
        };
        let Some(c) = self.citizen_to_write(turn, &r).await? else {
            return Ok(());
        };
        let name = self.worker_name(turn, r.worker_id).await?;
        let (lang, view) = (lang_of(&c), self.view(&r));
        let template =
            notices::follow_up_template(lang, &self.trades, &view, &name, &self.cfg.templates);
        if c.channel.may_send_freely(c.last_inbound_at, turn.now) {
            let msg = notices::follow_up(lang, &self.trades, &view, &name);
            self.send_to(turn, &c, &msg, Some(&template))?;
        } else {
            self.send_to(turn, &c, &template, None)?;
        }
        self.ask(turn, &c, Stage::DoneAsked { request: r.id }).await
    }

    /// A request kept open: search again; show the citizen who is free now, or search again later, or — when the
    /// time is up — close it and say so.
    async fn watch(&self, turn: &mut Turn, request: RequestId) -> Result<(), BotError> {
        let Some(mut r) = turn
            .tx
            .request(request)
            .await?
            .filter(|r| r.status == RequestStatus::Open)
        else {
            return Ok(());
        };
        let Some(c) = self.citizen_to_write(turn, &r).await? else {
            return Ok(());
        };
        let lang = lang_of(&c);
        let deadline = r.created_at + self.cfg.keep_open_secs;
        if !r.candidates.is_empty() {
            // Shown already and not picked: closed quietly when the time is up.
            if turn.now >= deadline {
                self.close_unserved(turn, &mut r, "no_workers").await?;
            } else {
                turn.tx.schedule(Job::watch(r.id), deadline).await?;
            }
            return Ok(());
        }
        let near = Some(self.cfg.near_km);
        // Never the citizen themself, when they are a registered worker too.
        let me: Vec<WorkerId> = c.worker_id.into_iter().collect();
        let found = self.candidates(turn, &r.new, &me, 3, near).await?;
        let view = self.view(&r);
        let trade = notices::trade_name(&self.trades, &r.new.trade, lang);
        let place = r.new.place_name.clone();
        let args = [("trade", trade.as_str()), ("place", place.as_str())];
        let open_since = turn.now - r.created_at;
        if found.is_empty() {
            if open_since + self.cfg.watch_every_secs <= self.cfg.keep_open_secs {
                let at = turn.now + self.cfg.watch_every_secs;
                return Ok(turn.tx.schedule(Job::watch(r.id), at).await?);
            }
            self.close_unserved(turn, &mut r, "no_workers").await?;
            // Past the conversation window nothing but a template may go; the request is closed either way.
            if c.channel.may_send_freely(c.last_inbound_at, turn.now) {
                self.send_to(turn, &c, &plain(lang, Msg::OpenEnded, &args), None)?;
            }
            return Ok(());
        }
        if !c.channel.may_send_freely(c.last_inbound_at, turn.now) {
            // Found, but the citizen can no longer be written to freely: the request ends as it would have.
            return self.close_unserved(turn, &mut r, "window_closed").await;
        }
        let ids: Vec<WorkerId> = found.iter().map(|f| f.worker_id).collect();
        r.candidates = ids.clone();
        turn.tx.save_request(&r, turn.now).await?;
        turn.tx
            .schedule(Job::watch(r.id), deadline.max(turn.now + 60))
            .await?;
        self.send_to(turn, &c, &plain(lang, Msg::FoundLater, &args), None)?;
        let msg = notices::candidates(lang, &self.trades, &view, &found);
        self.send_to(turn, &c, &msg, None)?;
        // A typed number picks from this list only when the citizen is not in the middle of something else.
        let conv: kaamgar_domain::conversation::Conversation =
            serde_json::from_str(&c.state).unwrap_or_default();
        if conv.stage == Stage::Idle {
            let stage = Stage::Choosing {
                request: r.id,
                workers: ids,
            };
            self.ask(turn, &c, stage).await?;
        }
        Ok(())
    }

    /// Ends a request that no worker took, with the reason.
    pub(crate) async fn close_unserved(
        &self,
        turn: &mut Turn,
        r: &mut RequestRow,
        note: &'static str,
    ) -> Result<(), BotError> {
        let expire = Change::Expire { note: Some(note) };
        r.apply(Actor::System, expire, turn.now)?;
        Ok(turn.tx.save_request(r, turn.now).await?)
    }

    /// The citizen of a request, unless they stopped messages.
    async fn citizen_to_write(
        &self,
        turn: &mut Turn,
        r: &RequestRow,
    ) -> Result<Option<ContactRow>, BotError> {
        Ok(turn
            .tx
            .contact(&r.new.citizen)
            .await?
            .filter(|c| !c.opted_out))
    }
}
