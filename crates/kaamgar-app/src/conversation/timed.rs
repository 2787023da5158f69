//! The conversation's timed jobs, each run in its own transaction: a lead not answered in time expires and the next
//! worker is asked, the next day's follow-up asks the citizen whether the work was done, a request kept open is
//! searched again, and an official's "offer it to another worker" is carried out.

use super::send::lang_of;
use super::{BotError, BotService, Turn};
use kaamgar_domain::conversation::Msg;
use kaamgar_domain::conversation::Stage;
use kaamgar_domain::conversation::notices::{self, plain};
use kaamgar_domain::ids::{OfferId, RequestId, WorkerId};
use kaamgar_domain::jobs::{self, Job, JobKind};
use kaamgar_domain::request::{Actor, Change, OfferStatus, RequestStatus};
use kaamgar_store::{ContactRow, RequestRow};

impl BotService {
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
        if job.kind == JobKind::BatchEnd {
            return self.batch_end(claimed, job, now).await;
        }
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
            JobKind::BatchEnd => {}
        }
        turn.tx.finish_job(claimed, now).await?;
        Ok(self.commit(turn, None).await?.messages)
    }

    /// A batch ended: completion is decided and the certificates earned are issued (in training's own
    /// transaction; running it again changes nothing), then the job is finished.
    async fn batch_end(
        &self,
        claimed: &kaamgar_store::JobRow,
        job: Job,
        now: i64,
    ) -> Result<Vec<kaamgar_store::NewOutbound>, BotError> {
        let training = self
            .training
            .as_ref()
            .ok_or_else(|| BotError::Training("this process does not run training".into()))?;
        let system = crate::training::Training::system();
        let by = crate::training::By {
            caller: &system,
            ip: None,
        };
        match training
            .complete_batch(by, kaamgar_domain::ids::BatchId(job.subject), now)
            .await
        {
            Ok(_)
            | Err(crate::training::TrainingError::Store(kaamgar_store::StoreError::NotFound)) => {}
            Err(e) => return Err(BotError::Training(e.to_string())),
        }
        let mut tx = self.store.begin().await?;
        tx.finish_job(claimed, now).await?;
        tx.commit().await?;
        Ok(Vec::new())
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
        // The new candidates are kept only if one of them is offered it (the offer saves the request).
        let queue = self.not_yet_asked(turn, &mut r, &asked).await?;
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
