//! The outbox: what the conversation says, channel-neutral (a [`Reply`] as JSON), queued first with the change that
//! caused it, claimed by its channel's sender in due order (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so several senders never take the same row; SQLite has one writer), and end sent (with Meta's
//! message id, later its delivery status) or failed; a retry puts a message back in the queue for later. A sender
//! that died mid-send leaves rows `sending`; `requeue_stuck` puts them back.

use crate::{Backend, Result, SqlStore, Store};
use async_trait::async_trait;
use kaamgar_domain::channel::Channel;
use kaamgar_domain::conversation::Reply;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbound {
    /// The contact's stored key; messages to one contact are sent in order.
    pub contact: String,
    pub channel: Channel,
    /// The channel account it is sent from (on WhatsApp the business number's phone number id); empty on the local
    /// channels.
    pub sender_id: String,
    /// The address on the channel (on WhatsApp the phone, else the business-scoped user id); none on the local
    /// channels.
    pub recipient: Option<String>,
    pub message: Reply,
    /// A message to send instead if the channel reports the conversation window closed (a WhatsApp template).
    pub fallback: Option<Reply>,
}

/// A queued message as it was stored.
#[derive(Debug, Clone, PartialEq)]
pub enum OutMessage {
    Reply(Reply),
    /// A body in the channel's own wire format, written before the outbox kept replies (WhatsApp's Graph API
    /// request JSON, `format` 'graph'); the channel sends it as it is.
    Wire {
        format: String,
        body: String,
    },
}

impl OutMessage {
    /// Reads a stored message; a `reply` row that no longer parses is kept as wire text for the channel to refuse.
    pub(crate) fn read(format: &str, body: String) -> OutMessage {
        match format {
            "reply" => match serde_json::from_str(&body) {
                Ok(r) => OutMessage::Reply(r),
                Err(_) => OutMessage::Wire {
                    format: format.into(),
                    body,
                },
            },
            _ => OutMessage::Wire {
                format: format.into(),
                body,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboundJob {
    pub id: i64,
    pub contact: String,
    pub channel: Channel,
    pub sender_id: String,
    pub recipient: Option<String>,
    pub message: OutMessage,
    /// Including this one.
    pub attempts: i64,
}

/// How an outbound message stands, for officials and for the bot.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundRecord {
    pub id: i64,
    pub state: String,
    pub attempts: i64,
    pub wamid: Option<String>,
    pub delivery: Option<String>,
    pub error_code: Option<i64>,
    pub error: Option<String>,
}

/// A channel's report about a message it sent.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The channel's id of the message (on WhatsApp Meta's `wamid`).
    pub provider_id: &'a str,
    /// `sent`, `delivered`, `read` or `failed`.
    pub status: &'a str,
    pub code: Option<i64>,
    pub error: Option<&'a str>,
    /// The message did not reach the person because the conversation window had closed (the channel knows its own
    /// code for it): its fallback is queued instead, when it has one.
    pub window_closed: bool,
}

/// Queues one message inside a caller's transaction.
pub(crate) async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    m: &NewOutbound,
    now: i64,
) -> Result<i64> {
    let state = if m.channel.is_local() {
        "local"
    } else {
        "queued"
    };
    let json = |r: &Reply| {
        serde_json::to_string(r)
            .map_err(|e| crate::StoreError::Corrupt(format!("a reply as JSON: {e}")))
    };
    let fallback = m.fallback.as_ref().map(json).transpose()?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (contact, channel, sender_id, recipient, format, message, fallback, state, next_at, \
         created_at) VALUES ($1, $2, $3, $4, 'reply', $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(&m.contact)
    .bind(m.channel.as_str())
    .bind(&m.sender_id)
    .bind(&m.recipient)
    .bind(json(&m.message)?)
    .bind(fallback)
    .bind(state)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

#[async_trait::async_trait]
impl crate::OutboxStore for SqlStore {
    async fn enqueue_outbound(&self, msgs: &[NewOutbound], now: i64) -> Result<Vec<i64>> {
        let mut tx = self.write.begin().await?;
        let mut ids = Vec::with_capacity(msgs.len());
        for m in msgs {
            ids.push(insert(&mut tx, m, now).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn claim_outbound(
        &self,
        channel: Channel,
        limit: i64,
        now: i64,
    ) -> Result<Vec<OutboundJob>> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_at = $1 WHERE id IN \
             (SELECT id FROM outbox WHERE state = 'queued' AND next_at <= $1 AND channel = $3 ORDER BY next_at, id \
             LIMIT $2{lock}) RETURNING id, contact, sender_id, recipient, format, message, attempts"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(limit)
            .bind(channel.as_str())
            .fetch_all(&self.write)
            .await?;
        let mut jobs = rows
            .iter()
            .map(|r| {
                Ok(OutboundJob {
                    id: r.try_get("id")?,
                    contact: r.try_get("contact")?,
                    channel,
                    sender_id: r.try_get("sender_id")?,
                    recipient: r.try_get("recipient")?,
                    message: OutMessage::read(
                        &r.try_get::<String, _>("format")?,
                        r.try_get("message")?,
                    ),
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // RETURNING does not promise an order; callers send in queue order.
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    async fn outbound_sent(&self, id: i64, wamid: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE outbox SET state = 'sent', sent_at = $1, wamid = $2 WHERE id = $3")
            .bind(now)
            .bind(wamid)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn outbound_retry(
        &self,
        id: i64,
        next_at: i64,
        code: Option<i64>,
        error: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'queued', next_at = $1, error_code = $2, error = $3 WHERE id = $4",
        )
        .bind(next_at)
        .bind(code)
        .bind(error)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn outbound_failed(&self, id: i64, code: Option<i64>, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'failed', error_code = $1, error = $2 WHERE id = $3",
        )
        .bind(code)
        .bind(error)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn outbound_delivery(&self, d: &Delivery<'_>, now: i64) -> Result<bool> {
        let Delivery {
            provider_id: wamid,
            status,
            code,
            error,
            window_closed,
        } = *d;
        if status == "failed" && window_closed {
            // The message never reached the person because the window had closed: send the template instead.
            let done = sqlx::query(
                "UPDATE outbox SET message = fallback, fallback = NULL, state = 'queued', next_at = $1, \
                 wamid = NULL, delivery = NULL, error_code = $2, error = $3 WHERE wamid = $4 AND fallback IS NOT NULL",
            )
            .bind(now)
            .bind(code)
            .bind(error)
            .bind(wamid)
            .execute(&self.write)
            .await?;
            if done.rows_affected() > 0 {
                return Ok(true);
            }
        }
        let done = sqlx::query(
            "UPDATE outbox SET delivery = $1, error_code = COALESCE($2, error_code), error = COALESCE($3, error), \
             state = CASE WHEN $1 = 'failed' THEN 'failed' ELSE state END WHERE wamid = $4",
        )
        .bind(status)
        .bind(code)
        .bind(error)
        .bind(wamid)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Sends the fallback template instead (the window was closed); false when there is none.
    async fn outbound_use_fallback(&self, id: i64, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET message = fallback, fallback = NULL, state = 'queued', next_at = $1, wamid = NULL, \
             delivery = NULL WHERE id = $2 AND fallback IS NOT NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn requeue_stuck_outbound(&self, claimed_before: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET state = 'queued', next_at = claimed_at WHERE state = 'sending' AND claimed_at < $1",
        )
        .bind(claimed_before)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }

    async fn outbound(&self, id: i64) -> Result<OutboundRecord> {
        let r = sqlx::query(
            "SELECT id, state, attempts, wamid, delivery, error_code, error FROM outbox WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?
        .ok_or(crate::StoreError::NotFound)?;
        Ok(OutboundRecord {
            id: r.try_get("id")?,
            state: r.try_get("state")?,
            attempts: r.try_get("attempts")?,
            wamid: r.try_get("wamid")?,
            delivery: r.try_get("delivery")?,
            error_code: r.try_get("error_code")?,
            error: r.try_get("error")?,
        })
    }
}

/// The channels' writes inside a [`Tx`](crate::Tx): queueing replies, marking an inbound event processed.
#[async_trait]
pub trait MessagingWrites: Send {
    async fn enqueue(&mut self, msgs: &[NewOutbound], now: i64) -> Result<()>;
    /// Marks the inbound event processed.
    async fn finish_inbound(&mut self, id: i64, now: i64) -> Result<()>;
}

#[async_trait]
impl crate::MessagingWrites for crate::SqlTx {
    async fn enqueue(&mut self, msgs: &[NewOutbound], now: i64) -> Result<()> {
        for m in msgs {
            crate::outbox::insert(&mut self.tx, m, now).await?;
        }
        Ok(())
    }

    async fn finish_inbound(&mut self, id: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE inbox SET processed_at = $1, attempts = attempts + 1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
