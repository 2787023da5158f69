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
}

#[async_trait]
impl Tx for SqlTx {
    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}
