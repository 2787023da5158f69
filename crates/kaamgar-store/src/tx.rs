//! One transaction type for every capability's writes. A use case begins a [`Tx`] from the store, makes writes of
//! as many capabilities as it needs through their `…Writes` traits (registry, conversation, jobs, messaging, the audit log; the
//! programme modules add theirs as supertraits here) and commits them together; dropping it rolls back. Each
//! capability implements its trait for [`SqlTx`] in its own module, beside its pool-side SQL, so no write exists twice.

use crate::{
    AuditWrites, ConversationWrites, JobWrites, MessagingWrites, RegistryWrites, Result,
    TrainingWrites,
};
use async_trait::async_trait;
use sqlx::{Any, Transaction};

/// Writes of several capabilities that commit together.
#[async_trait]
pub trait Tx:
    RegistryWrites
    + ConversationWrites
    + JobWrites
    + MessagingWrites
    + AuditWrites
    + TrainingWrites
    + Send
{
    async fn commit(self: Box<Self>) -> Result<()>;
}

/// The SQL transaction behind every [`Tx`].
pub struct SqlTx {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) backend: crate::Backend,
    pub(crate) phone_key: crate::PhoneKey,
    /// Workers whose change-feed position moves on at commit (a certificate of theirs issued or withdrawn): the
    /// feed's counter is taken once, last, so a long transaction does not hold it.
    pub(crate) touched_workers: Vec<i64>,
}

#[async_trait]
impl Tx for SqlTx {
    async fn commit(mut self: Box<Self>) -> Result<()> {
        if !self.touched_workers.is_empty() {
            let mut ids = std::mem::take(&mut self.touched_workers);
            ids.sort_unstable();
            ids.dedup();
            let seq = crate::SqlStore::next_seq(&mut self.tx).await?;
            for id in ids {
                sqlx::query("UPDATE workers SET seq = $1 WHERE id = $2")
                    .bind(seq)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        self.tx.commit().await?;
        Ok(())
    }
}
