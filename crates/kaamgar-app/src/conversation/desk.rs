//! What an official does to a service request from the dashboard: ask another worker (the bot's job runner offers
//! it to the next free worker), or close it with a reason. Each change is written
//! in one transaction with its audit row; a change the request's lifecycle refuses writes nothing.

use kaamgar_domain::ids::RequestId;
use kaamgar_domain::jobs::Job;
use kaamgar_domain::request::{Actor, Change, CloseReason, OfferStatus, Refused, RequestStatus};
use kaamgar_store::{AuditEntry, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request is in a state that does not allow the change (already taken, ended, …).
    #[error(transparent)]
    Refused(#[from] Refused),
}

/// Whether an official may ask another worker for a request in `status`: while it is still searching. A request
/// that ended is not reopened from the office (its citizen may have asked again since, and may no longer be
/// written to); the office calls the citizen instead.
pub fn may_ask_another(status: RequestStatus) -> bool {
    status.is_searching()
}

/// Whether an official may close a request in `status`.
pub fn may_close(status: RequestStatus) -> bool {
    status.can_become(RequestStatus::Cancelled)
}

/// Asks for the request to be offered to the next free worker: a job the bot runs at once (the lead being asked
/// gives way once another worker is asked; nothing changes when nobody else is free). Refused for a request that
/// is taken or finished.
pub async fn ask_another(
    store: &dyn Store,
    id: RequestId,
    audit: &AuditEntry,
) -> Result<(), DeskError> {
    let mut tx = store.begin().await?;
    let r = tx.request(id).await?.ok_or(StoreError::NotFound)?;
    if !may_ask_another(r.status) {
        return Err(Refused::Illegal {
            from: r.status,
            to: RequestStatus::Offered,
        }
        .into());
    }
    tx.schedule(Job::reoffer(id), audit.at).await?;
    tx.audit(audit).await?;
    tx.commit().await?;
    Ok(())
}

/// Closes a request with the official's reason; a lead still open for it is withdrawn.
pub async fn close(
    store: &dyn Store,
    id: RequestId,
    reason: CloseReason,
    audit: &AuditEntry,
) -> Result<(), DeskError> {
    let now = audit.at;
    let mut tx = store.begin().await?;
    let mut r = tx.request(id).await?.ok_or(StoreError::NotFound)?;
    r.apply(Actor::Official, Change::Close { reason }, now)?;
    for o in tx.offers_of(id).await? {
        if o.status == OfferStatus::Offered {
            tx.set_offer(o.id, OfferStatus::Withdrawn, now).await?;
        }
    }
    tx.save_request(&r, now).await?;
    tx.audit(audit).await?;
    tx.commit().await?;
    Ok(())
}
