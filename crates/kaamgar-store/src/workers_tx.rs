//! The registry's writes inside a [`Tx`](crate::Tx), for use cases that change a worker together with other
//! capabilities' records (the bot registers a worker, sets availability and adds a rating in the event's
//! transaction). They share the single-worker SQL of `workers`; each raises the change sequence.

use crate::workers::{
    insert_worker_in, refuse_erased_in, update_live_in, worker_by_phone_in, worker_in,
};
use crate::{Result, SqlStore, SqlTx, StoreError};
use async_trait::async_trait;
use kaamgar_domain::PhoneNumber;
use kaamgar_domain::ids::WorkerId;
use kaamgar_domain::worker::{Availability, NewWorker, Worker};

/// The registry's writes inside a [`Tx`](crate::Tx): a worker read, self-registration, availability, ratings.
#[async_trait]
pub trait RegistryWrites: Send {
    async fn worker(&mut self, id: WorkerId) -> Result<Option<Worker>>;
    async fn worker_by_phone(&mut self, phone: PhoneNumber) -> Result<Option<Worker>>;
    /// Self-registration; fails with `Erased` or `PhoneTaken`.
    async fn register_worker(&mut self, w: &NewWorker, now: i64) -> Result<Worker>;
    async fn set_availability(&mut self, worker: WorkerId, a: Availability, now: i64)
    -> Result<()>;
    async fn add_rating(&mut self, worker: WorkerId, stars: u8, now: i64) -> Result<()>;
    /// Marks many workers verified, or sets their availability, under one step of the change sequence (a
    /// block office's batch); erased and removed workers are left as they are.
    async fn mark_many(&mut self, workers: &[WorkerId], mark: Mark, now: i64) -> Result<()>;
}

/// What [`RegistryWrites::mark_many`] sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Verified,
    Availability(Availability),
}

#[async_trait]
impl RegistryWrites for SqlTx {
    async fn worker(&mut self, id: WorkerId) -> Result<Option<Worker>> {
        worker_in(&mut *self.tx, id.0).await
    }

    async fn worker_by_phone(&mut self, phone: PhoneNumber) -> Result<Option<Worker>> {
        worker_by_phone_in(&mut *self.tx, phone).await
    }

    async fn register_worker(&mut self, w: &NewWorker, now: i64) -> Result<Worker> {
        refuse_erased_in(&mut *self.tx, &self.phone_key, w.phone).await?;
        let id = insert_worker_in(&mut self.tx, self.backend, w, now).await?;
        self.worker(WorkerId(id)).await?.ok_or(StoreError::NotFound)
    }

    async fn set_availability(
        &mut self,
        worker: WorkerId,
        a: Availability,
        now: i64,
    ) -> Result<()> {
        let value = a.as_str().to_string();
        update_live_in(&mut self.tx, worker.0, "availability", value, now).await
    }

    async fn add_rating(&mut self, worker: WorkerId, stars: u8, now: i64) -> Result<()> {
        let seq = SqlStore::next_seq(&mut self.tx).await?;
        let done = sqlx::query(
            "UPDATE workers SET rating_sum = rating_sum + $1, rating_count = rating_count + 1, updated_at = $2, \
             seq = $3 WHERE id = $4 AND deleted_at IS NULL",
        )
        .bind(i64::from(stars.clamp(1, 5)))
        .bind(now)
        .bind(seq)
        .bind(worker.0)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn mark_many(&mut self, workers: &[WorkerId], mark: Mark, now: i64) -> Result<()> {
        if workers.is_empty() {
            return Ok(());
        }
        let seq = SqlStore::next_seq(&mut self.tx).await?;
        let (column, value) = match mark {
            Mark::Verified => ("verified", "1".to_string()),
            Mark::Availability(a) => ("availability", format!("'{}'", a.as_str())),
        };
        // Ids are numbers and the value one of the registry's own words: nothing of a caller's text is in here.
        for chunk in workers.chunks(400) {
            let ids = chunk
                .iter()
                .map(|w| w.0.to_string())
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!(
                "UPDATE workers SET {column} = {value}, updated_at = $1, seq = $2 \
                 WHERE id IN ({ids}) AND deleted_at IS NULL"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(seq)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}
