//! Reads and small writes around the bot outside an event's transaction: abandoning an event that keeps
//! failing, a contact's transcript (the web chat), and service requests for officials.

use crate::bot::{OfferRow, RequestRow, SqlBotTx, offer_from, request_from};
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
