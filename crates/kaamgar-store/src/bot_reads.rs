//! Reads and small writes around the bot outside an event's transaction: due jobs, abandoning an event that keeps
//! failing, a contact's transcript (the web chat), and service requests for officials.

use crate::bot::{JobRow, OfferRow, RequestRow, SqlBotTx, offer_from, request_from};
use crate::{BotTx, Result, SqlStore, StoreError};
use kaamgar_domain::request::RequestStatus;
use sqlx::{AssertSqlSafe, Row};

/// One line of a conversation: what the person sent (the stored inbound event) or what the bot sent (the Graph
/// API request), both as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatLine {
    pub id: i64,
    pub at: i64,
    pub from_bot: bool,
    pub payload: String,
}

/// Which requests officials list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFilter {
    pub status: Option<RequestStatus>,
    pub district: Option<String>,
    pub block: Option<String>,
    /// Newest first, below this id (instead of oldest first after `after`).
    pub before: Option<i64>,
}

impl SqlStore {
    pub(crate) async fn begin_bot_tx(&self) -> Result<Box<dyn BotTx>> {
        let phone_key = self.phone_key()?.clone();
        let tx = self.write.begin().await?;
        Ok(Box::new(SqlBotTx {
            tx,
            backend: self.backend,
            phone_key,
        }))
    }

    pub(crate) async fn due(&self, now: i64, limit: i64) -> Result<Vec<JobRow>> {
        let rows = sqlx::query(
            "SELECT id, kind, ref_id, due_at, attempts, last_error, dead_at FROM bot_jobs \
             WHERE done_at IS NULL AND dead_at IS NULL AND due_at <= $1 ORDER BY due_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(job_from).collect()
    }

    /// Jobs set aside after their last attempt, newest first.
    pub(crate) async fn dead(&self, limit: i64) -> Result<Vec<JobRow>> {
        let rows = sqlx::query(
            "SELECT id, kind, ref_id, due_at, attempts, last_error, dead_at FROM bot_jobs \
             WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(job_from).collect()
    }

    /// Records a failed run: due again at `retry_at`, or set aside (dead) when there is none.
    pub(crate) async fn fail(
        &self,
        id: i64,
        error: &str,
        now: i64,
        retry_at: Option<i64>,
    ) -> Result<()> {
        let error: String = error.chars().take(1000).collect();
        let q = match retry_at {
            Some(at) => sqlx::query(
                "UPDATE bot_jobs SET attempts = attempts + 1, last_error = $1, due_at = $2 WHERE id = $3",
            )
            .bind(error)
            .bind(at),
            None => sqlx::query(
                "UPDATE bot_jobs SET attempts = attempts + 1, last_error = $1, dead_at = $2 WHERE id = $3",
            )
            .bind(error)
            .bind(now),
        };
        q.bind(id).execute(&self.write).await?;
        Ok(())
    }

    /// Gives up on an event after repeated failures: it is kept with its error (for officials) and stops
    /// blocking the contact's later messages.
    pub(crate) async fn abandon(&self, id: i64, error: &str, now: i64) -> Result<()> {
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

    pub(crate) async fn chat_lines(&self, contact: &str, limit: i64) -> Result<Vec<ChatLine>> {
        let rows = sqlx::query(
            "SELECT id, at, from_bot, payload FROM (\
             SELECT id, received_at AS at, 0 AS from_bot, payload FROM inbox WHERE contact = $1 AND kind = 'message' \
             UNION ALL SELECT id, created_at AS at, 1 AS from_bot, request AS payload FROM outbox WHERE contact = $1\
             ) lines ORDER BY at DESC, from_bot DESC, id DESC LIMIT $2",
        )
        .bind(contact)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        let mut lines = rows
            .iter()
            .map(|r| {
                Ok(ChatLine {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    from_bot: r.try_get::<i64, _>("from_bot")? != 0,
                    payload: r.try_get("payload")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        lines.reverse();
        Ok(lines)
    }

    pub(crate) async fn list_requests(
        &self,
        f: &RequestFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<RequestRow>> {
        let (cmp, order, bound) = match f.before {
            Some(b) => ("<", "DESC", b),
            None => (">", "ASC", after),
        };
        let mut sql = format!(
            "SELECT {} FROM service_requests WHERE id {cmp} $1",
            crate::bot::REQUEST_COLUMNS
        );
        let mut n = 1;
        let mut binds: Vec<String> = Vec::new();
        let cols = [
            ("status", f.status.map(|s| s.as_str().to_string())),
            ("district", f.district.clone()),
            ("block", f.block.clone()),
        ];
        for (col, v) in cols {
            if let Some(v) = v {
                n += 1;
                sql.push_str(&format!(" AND {col} = ${n}"));
                binds.push(v);
            }
        }
        sql.push_str(&format!(" ORDER BY id {order} LIMIT ${}", n + 1));
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(bound);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(limit).fetch_all(&self.read).await?;
        rows.iter().map(request_from).collect()
    }

    pub(crate) async fn request_with_offers(&self, id: i64) -> Result<(RequestRow, Vec<OfferRow>)> {
        let sql = format!(
            "SELECT {} FROM service_requests WHERE id = $1",
            crate::bot::REQUEST_COLUMNS
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        let offers = sqlx::query(
            "SELECT id, request_id, worker_id, rank, status, offered_at, answered_at FROM offers \
             WHERE request_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        Ok((
            request_from(&row)?,
            offers.iter().map(offer_from).collect::<Result<_>>()?,
        ))
    }
}

fn job_from(r: &sqlx::any::AnyRow) -> Result<JobRow> {
    Ok(JobRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        ref_id: r.try_get("ref_id")?,
        due_at: r.try_get("due_at")?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        dead_at: r.try_get("dead_at")?,
    })
}
