//! Enrolment: one trainee (a registered worker or a person who is not one), many from a list, or workers picked
//! from the registry by a filter; the enrolment window and capacity decide, the waiting list takes who does not
//! fit (when they accept it) and fills a freed seat. The batch is locked while its seats are counted.

use super::{By, Result, Training, TrainingError};
use kaamgar_domain::access::{Caller, Permission};
use kaamgar_domain::ids::{BatchId, EnrolmentId};
use kaamgar_domain::training::model::{Trainee, TraineeForm, clean};
use kaamgar_domain::training::rules::{EnrolRefused, EnrolmentStatus, fills_freed_seat, seat};
#[allow(unused_imports)]
use kaamgar_store::prelude::*;
use kaamgar_store::{NewEnrolment, StoreError, WorkerFilter};

/// Where an enrolled trainee stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnrolOutcome {
    pub id: EnrolmentId,
    pub status: EnrolmentStatus,
}

/// Most trainees enrolled by one call.
pub const MAX_PER_CALL: usize = 500;

impl Training {
    /// Who the trainee is, as stored: a worker's name and phone from the registry (a worker the caller may see,
    /// still registered), a person's as given with their district and block spelt as the gazetteer does.
    pub(super) async fn trainee(
        &self,
        caller: &Caller,
        form: &TraineeForm,
        source: &str,
    ) -> Result<NewEnrolment> {
        match form.parse()? {
            Trainee::Worker(id) => {
                let w = match self.store.get_worker(id).await {
                    Ok(w) => w,
                    Err(StoreError::NotFound) => {
                        return Err(TrainingError::field(
                            "worker_id",
                            "unknown_worker",
                            "no registered worker has this id",
                        ));
                    }
                    Err(e) => return Err(e.into()),
                };
                let p = &w.data.place;
                caller
                    .authorize_at(Permission::ViewWorkers, &p.district, p.block.as_deref())
                    .map_err(|_| {
                        TrainingError::field(
                            "worker_id",
                            "unknown_worker",
                            "no registered worker has this id",
                        )
                    })?;
                Ok(NewEnrolment {
                    worker_id: Some(w.id),
                    name: w.data.name.clone(),
                    phone: w.data.phone.e164(),
                    office: None,
                    panchayat: p.panchayat.clone(),
                    block: p.block.clone(),
                    district: Some(p.district.clone()),
                    source: source.into(),
                })
            }
            Trainee::Person(p) => {
                let district = match &p.district {
                    Some(d) => Some(self.area_district("district", d).or_else(|_| {
                        self.places
                            .resolve_district(d)
                            .ok()
                            .and_then(|id| self.places.district(id))
                            .map(|x| x.name.clone())
                            .ok_or_else(|| {
                                TrainingError::field(
                                    "district",
                                    "unknown_district",
                                    format!("'{d}' is not a district"),
                                )
                            })
                    })?),
                    None => None,
                };
                let block = match (&district, &p.block) {
                    (Some(d), Some(b)) => Some(self.block_of(d, b).unwrap_or_else(|_| clean(b))),
                    (_, b) => b.clone(),
                };
                Ok(NewEnrolment {
                    worker_id: None,
                    name: p.name,
                    phone: p.phone.e164(),
                    office: p.office,
                    panchayat: p.panchayat,
                    block,
                    district,
                    source: source.into(),
                })
            }
        }
    }

    /// Enrols one trainee: a seat while the batch has one, else the waiting list if `wait_if_full`.
    pub async fn enrol(
        &self,
        by: By<'_>,
        batch: BatchId,
        form: &TraineeForm,
        wait_if_full: bool,
        source: &str,
        now: i64,
    ) -> Result<EnrolOutcome> {
        self.managed_batch(by.caller, batch).await?;
        let who = self.trainee(by.caller, form, source).await?;
        self.seat_one(by, batch, &who, wait_if_full, now).await
    }

    async fn seat_one(
        &self,
        by: By<'_>,
        batch: BatchId,
        who: &NewEnrolment,
        wait_if_full: bool,
        now: i64,
    ) -> Result<EnrolOutcome> {
        let mut tx = self.store.begin().await?;
        let b = tx.lock_batch(batch).await?;
        // Someone invited (or who said no to an invitation) is seated directly, keeping their one enrolment.
        let invited = match tx.enrolment_of_phone(batch, &who.phone).await? {
            Some(e)
                if matches!(
                    e.status,
                    EnrolmentStatus::Invited | EnrolmentStatus::Declined
                ) =>
            {
                Some(e.id)
            }
            Some(_) => return Err(EnrolRefused::AlreadyIn.into()),
            None => None,
        };
        let taken = tx.seats_taken(batch).await?;
        let status = seat(b.window(), taken, now, wait_if_full)?;
        let id = match invited {
            Some(id) => {
                tx.set_enrolment_status(id, status, now).await?;
                id
            }
            None => match tx.insert_enrolment(batch, who, status, now).await {
                Err(StoreError::AlreadyEnrolled) => return Err(EnrolRefused::AlreadyIn.into()),
                other => other?,
            },
        };
        let detail = format!("batch:{batch} {}", status.as_str());
        tx.audit(&by.audit(
            "training.enrol",
            format!("enrolment:{id}"),
            Some(detail),
            now,
        ))
        .await?;
        tx.commit().await?;
        Ok(EnrolOutcome { id, status })
    }

    /// Enrols each trainee of a list on its own (one refused does not stop the others); the answers are in the
    /// list's order.
    pub async fn enrol_many(
        &self,
        by: By<'_>,
        batch: BatchId,
        forms: &[TraineeForm],
        wait_if_full: bool,
        source: &str,
        now: i64,
    ) -> Result<Vec<Result<EnrolOutcome>>> {
        if forms.is_empty() || forms.len() > MAX_PER_CALL {
            return Err(TrainingError::field(
                "trainees",
                "bad_count",
                format!("1 to {MAX_PER_CALL} trainees at a time"),
            ));
        }
        self.managed_batch(by.caller, batch).await?;
        let mut out = Vec::with_capacity(forms.len());
        for f in forms {
            let one = match self.trainee(by.caller, f, source).await {
                Ok(who) => self.seat_one(by, batch, &who, wait_if_full, now).await,
                Err(e) => Err(e),
            };
            out.push(one);
        }
        Ok(out)
    }

    /// Enrols registered workers found by a filter (trade, block, availability), in the caller's reach, until
    /// the batch is full or `limit` are enrolled; workers already in the batch are passed over.
    pub async fn enrol_from_registry(
        &self,
        by: By<'_>,
        batch: BatchId,
        filter: WorkerFilter,
        limit: u32,
        now: i64,
    ) -> Result<Vec<EnrolOutcome>> {
        let (b, _) = self.managed_batch(by.caller, batch).await?;
        let Some(f) = by.caller.scope.restrict(filter) else {
            return Ok(Vec::new());
        };
        let want = limit.min(b.capacity);
        let mut out = Vec::new();
        let mut page = kaamgar_store::Page {
            after: 0,
            limit: 200,
        };
        while (out.len() as u32) < want {
            let workers = self.store.list_workers(&f, page).await?;
            let Some(last) = workers.last() else { break };
            page.after = last.id;
            for w in workers {
                if out.len() as u32 >= want {
                    break;
                }
                let form = TraineeForm {
                    worker_id: Some(w.id),
                    ..TraineeForm::default()
                };
                let who = self.trainee(by.caller, &form, "registry").await?;
                match self.seat_one(by, batch, &who, false, now).await {
                    Ok(o) => out.push(o),
                    Err(TrainingError::Enrol(EnrolRefused::AlreadyIn)) => {}
                    Err(TrainingError::Enrol(EnrolRefused::Full)) => return Ok(out),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(out)
    }

    /// Withdraws a trainee; a seat they held goes to the first on the waiting list while the batch still fills
    /// seats. Returns who took the seat.
    pub async fn withdraw(
        &self,
        by: By<'_>,
        enrolment: EnrolmentId,
        now: i64,
    ) -> Result<Option<EnrolmentId>> {
        let e = self.store.enrolment(enrolment).await?;
        self.managed_batch(by.caller, e.batch_id).await?;
        let mut tx = self.store.begin().await?;
        let b = tx.lock_batch(e.batch_id).await?;
        let e = tx.enrolment_tx(enrolment).await?;
        if !e.status.can_become(EnrolmentStatus::Withdrawn) {
            return Err(EnrolRefused::Illegal.into());
        }
        tx.set_enrolment_status(enrolment, EnrolmentStatus::Withdrawn, now)
            .await?;
        tx.audit(&by.audit(
            "training.withdraw",
            format!("enrolment:{enrolment}"),
            None,
            now,
        ))
        .await?;
        let mut promoted = None;
        if e.status.holds_seat()
            && fills_freed_seat(b.window(), b.starts_at, now)
            && let Some(next) = tx.first_waiting(e.batch_id).await?
        {
            tx.set_enrolment_status(next.id, EnrolmentStatus::Enrolled, now)
                .await?;
            let detail = format!("batch:{} from the waiting list", e.batch_id);
            tx.audit(&by.audit(
                "training.enrol",
                format!("enrolment:{}", next.id),
                Some(detail),
                now,
            ))
            .await?;
            promoted = Some(next.id);
        }
        tx.commit().await?;
        Ok(promoted)
    }
}
