//! Defining what training runs on: a centre, a programme, a batch with its sessions; and the lists each caller
//! sees (a training partner its own centres, an official their jurisdiction).

use super::{By, Result, Training, TrainingError, may};
use kaamgar_domain::access::{Caller, Denied, Permission, Role};
use kaamgar_domain::ids::{BatchId, CentreId, ProgrammeId};
use kaamgar_domain::training::model::{BatchForm, CentreForm, ProgrammeForm};
#[allow(unused_imports)]
use kaamgar_store::prelude::*;
use kaamgar_store::{CentreRow, ProgrammeRow, TrainingBatch, TrainingFilter};

/// A new record placed outside the caller's jurisdiction is a field the caller got wrong, not a record that is
/// hidden from them.
fn outside(r: std::result::Result<(), Denied>) -> Result<()> {
    match r {
        Err(Denied::Jurisdiction) => Err(TrainingError::field(
            "district",
            "outside_jurisdiction",
            "this place is outside your jurisdiction",
        )),
        other => Ok(other?),
    }
}

impl Training {
    /// A list filter narrowed to what the caller may see.
    pub fn filter_for(&self, caller: &Caller, mut f: TrainingFilter) -> TrainingFilter {
        if let Some(d) = caller.scope.district() {
            f.district = Some(d.to_string());
        }
        if let Some(b) = caller.scope.block() {
            f.block = Some(b.to_string());
        }
        if caller.role == Role::TrainingPartner {
            f.partner = Some(caller.user_id.unwrap_or(-1));
        }
        f
    }

    pub async fn create_centre(
        &self,
        by: By<'_>,
        form: &CentreForm,
        now: i64,
    ) -> Result<CentreRow> {
        let mut c = form.parse()?;
        c.district = self.area_district("district", &c.district)?;
        if let Some(b) = &c.block {
            c.block = Some(self.block_of(&c.district, b)?);
        }
        let caller = by.caller;
        outside(caller.authorize_at(Permission::ManageTraining, &c.district, c.block.as_deref()))?;
        if caller.role == Role::TrainingPartner {
            if c.partner_user_id.is_some_and(|p| Some(p) != caller.user_id) {
                return Err(TrainingError::field(
                    "partner_user_id",
                    "not_yours",
                    "a training partner registers its own centres",
                ));
            }
            c.partner_user_id = caller.user_id;
        } else if let Some(p) = c.partner_user_id {
            let partner = self.store.list_users().await?.into_iter().find(|u| {
                u.id == p
                    && u.role == Role::TrainingPartner.as_str()
                    && !u.disabled
                    && u.district
                        .as_deref()
                        .is_some_and(|d| d.eq_ignore_ascii_case(&c.district))
            });
            if partner.is_none() {
                return Err(TrainingError::field(
                    "partner_user_id",
                    "not_a_partner",
                    "no active training partner account of this district has this id",
                ));
            }
        }
        let mut tx = self.store.begin().await?;
        let id = tx.insert_centre(&c, now).await?;
        tx.audit(&by.audit("training.centre", format!("centre:{id}"), None, now))
            .await?;
        tx.commit().await?;
        Ok(CentreRow {
            id,
            centre: c,
            created_at: now,
        })
    }

    pub async fn create_programme(
        &self,
        by: By<'_>,
        form: &ProgrammeForm,
        now: i64,
    ) -> Result<ProgrammeRow> {
        let mut p = form.parse()?;
        p.district = self.area_district("district", &p.district)?;
        outside(
            by.caller
                .authorize_at(Permission::ManageTraining, &p.district, None),
        )?;
        let mut tx = self.store.begin().await?;
        let id = tx.insert_programme(&p, by.caller.user_id, now).await?;
        tx.audit(&by.audit("training.programme", format!("programme:{id}"), None, now))
            .await?;
        tx.commit().await?;
        Ok(ProgrammeRow {
            id,
            programme: p,
            created_by: by.caller.user_id,
            created_at: now,
        })
    }

    /// A batch at one of the caller's centres, of a programme of the centre's district; each session gets the
    /// secret its QR code carries.
    pub async fn create_batch(&self, by: By<'_>, form: &BatchForm, now: i64) -> Result<BatchId> {
        let centre = self
            .visible_centre(by.caller, CentreId(form.centre_id))
            .await;
        let programme = self.store.programme(ProgrammeId(form.programme_id)).await;
        let (centre, programme) = match (centre, programme) {
            (Ok(c), Ok(p)) => (c, p),
            (Err(_), _) => {
                return Err(TrainingError::field(
                    "centre_id",
                    "unknown_centre",
                    "no centre of yours has this id",
                ));
            }
            (_, Err(_)) => {
                return Err(TrainingError::field(
                    "programme_id",
                    "unknown_programme",
                    "no programme has this id",
                ));
            }
        };
        may(by.caller, Permission::ManageTraining, &centre)?;
        if !programme
            .programme
            .district
            .eq_ignore_ascii_case(&centre.centre.district)
        {
            return Err(TrainingError::field(
                "programme_id",
                "other_district",
                "the programme belongs to another district than the centre",
            ));
        }
        let b = form.parse(programme.programme.modules.len())?;
        if b.capacity > centre.centre.capacity {
            return Err(TrainingError::field(
                "capacity",
                "over_centre_capacity",
                format!(
                    "the centre holds {} trainees at once",
                    centre.centre.capacity
                ),
            ));
        }
        let tokens = (0..b.sessions.len())
            .map(|_| crate::accounts::new_token("q"))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| TrainingError::refused("no_randomness", e.to_string()))?;
        let mut tx = self.store.begin().await?;
        let id = tx.insert_batch(&b, &tokens, now).await?;
        // Completion is decided by itself a minute after the last session ends.
        tx.schedule(kaamgar_domain::jobs::Job::batch_end(id), b.ends_at() + 60)
            .await?;
        tx.audit(&by.audit("training.batch", format!("batch:{id}"), None, now))
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A centre the caller may see; outside their reach it does not exist for them.
    pub async fn visible_centre(&self, caller: &Caller, id: CentreId) -> Result<CentreRow> {
        let c = self.store.centre(id).await?;
        may(caller, Permission::ViewTraining, &c)?;
        Ok(c)
    }

    /// A batch the caller may see, with its centre.
    pub async fn visible_batch(
        &self,
        caller: &Caller,
        id: BatchId,
    ) -> Result<(TrainingBatch, CentreRow)> {
        let b = self.store.batch(id).await?;
        let c = self.store.centre(b.centre_id).await?;
        may(caller, Permission::ViewTraining, &c)?;
        Ok((b, c))
    }

    /// A batch the caller may change (enrol, mark, assess), with its centre.
    pub async fn managed_batch(
        &self,
        caller: &Caller,
        id: BatchId,
    ) -> Result<(TrainingBatch, CentreRow)> {
        let (b, c) = self.visible_batch(caller, id).await?;
        may(caller, Permission::ManageTraining, &c)?;
        Ok((b, c))
    }
}
