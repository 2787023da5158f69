//! The WhatsApp inbox: inbound webhook events stored once each (redeliveries recognised by their key) in one
//! transaction per webhook call, and handed out for processing in order per contact.

use crate::{Result, SqlStore};
use sqlx::Row;

/// One inbound event to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInboxEvent {
    /// Recognises a redelivery (`m:<wamid>`, `s:<wamid>:<status>`).
    pub key: String,
    pub kind: String,
    /// Events of one contact are processed in the order they were stored.
    pub contact: String,
    /// The parsed event, as JSON.
    pub payload: String,
}

/// A stored event waiting to be processed.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxEvent {
    pub id: i64,
    pub kind: String,
    pub contact: String,
    pub payload: String,
    pub attempts: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestOutcome {
    pub stored: usize,
    pub duplicates: usize,
    /// Per event, in order: stored now (true) or already there (false).
    pub fresh: Vec<bool>,
}

#[async_trait::async_trait]
impl crate::InboxStore for SqlStore {
    async fn ingest_inbound(&self, events: &[NewInboxEvent], now: i64) -> Result<IngestOutcome> {
        let mut out = IngestOutcome::default();
        let mut tx = self.write.begin().await?;
        for e in events {
            let done = sqlx::query(
                "INSERT INTO inbox (event_key, kind, contact, payload, received_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (event_key) DO NOTHING",
            )
            .bind(&e.key)
            .bind(&e.kind)
            .bind(&e.contact)
            .bind(&e.payload)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let fresh = done.rows_affected() == 1;
            if fresh {
                out.stored += 1;
            } else {
                out.duplicates += 1;
            }
            out.fresh.push(fresh);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The oldest unprocessed event of each contact that has any, oldest first.
    async fn pending_inbound(&self, limit: i64) -> Result<Vec<InboxEvent>> {
        let rows = sqlx::query(
            "SELECT id, kind, contact, payload, attempts FROM inbox i WHERE processed_at IS NULL AND id = \
             (SELECT MIN(id) FROM inbox j WHERE j.contact = i.contact AND j.processed_at IS NULL) \
             ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(InboxEvent {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    contact: r.try_get("contact")?,
                    payload: r.try_get("payload")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect()
    }

    async fn finish_inbound(&self, id: i64, error: Option<&str>, now: i64) -> Result<()> {
        match error {
            None => {
                sqlx::query(
                    "UPDATE inbox SET processed_at = $1, attempts = attempts + 1 WHERE id = $2",
                )
                .bind(now)
                .bind(id)
                .execute(&self.write)
                .await?;
            }
            Some(e) => {
                sqlx::query(
                    "UPDATE inbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2",
                )
                .bind(e)
                .bind(id)
                .execute(&self.write)
                .await?;
            }
        }
        Ok(())
    }

    /// Gives up on an event after repeated failures: it is kept with its error (for officials) and stops
    /// blocking the contact's later messages.
    async fn abandon_inbound(&self, id: i64, error: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE inbox SET processed_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3",
        )
        .bind(now)
        .bind(error)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
