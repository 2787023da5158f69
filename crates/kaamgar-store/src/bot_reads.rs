//! `ConversationStore`: the transaction of one bot event, a contact's transcript (the web chat), service requests
//! for officials, and the offers the matching index reads its fairness from.

use crate::bot::{OfferRow, RequestRow, offer_from, request_from};
use crate::{LeadRecord, OutMessage, Result, SqlStore, StoreError};
use kaamgar_domain::ids::RequestId;
use kaamgar_domain::request::{OfferStatus, RequestStatus};
use sqlx::{AssertSqlSafe, Row};

/// One line of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatLine {
    pub id: i64,
    pub at: i64,
    pub said: Said,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Said {
    /// What the person sent: the stored inbound event, as JSON.
    Person(String),
    /// What kaamgar sent.
    Bot(OutMessage),
}

/// Which requests officials list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFilter {
    /// Any of these statuses (all when empty).
    pub statuses: Vec<RequestStatus>,
    pub district: Option<String>,
    pub block: Option<String>,
    pub trade: Option<String>,
    /// Made at or after this time.
    pub created_from: Option<i64>,
    /// Made before this time.
    pub created_to: Option<i64>,
    /// Newest first, below this id (instead of oldest first after `after`).
    pub before: Option<i64>,
}

#[async_trait::async_trait]
impl crate::ConversationStore for SqlStore {
    async fn lead_history(&self, since: Option<i64>, memory: i64) -> Result<Vec<LeadRecord>> {
        let since = match since {
            Some(t) => t,
            None => {
                let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(offered_at) FROM offers")
                    .fetch_one(&self.read)
                    .await?;
                match newest {
                    Some(t) => t.saturating_sub(memory),
                    None => return Ok(Vec::new()),
                }
            }
        };
        let rows = sqlx::query(
            "SELECT id, worker_id, offered_at, status, answered_at FROM offers \
             WHERE offered_at >= $1 OR answered_at >= $1 ORDER BY offered_at, id",
        )
        .bind(since)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                let answered: Option<i64> = r.try_get("answered_at")?;
                let refused = [OfferStatus::Declined, OfferStatus::Expired]
                    .iter()
                    .any(|o| o.as_str() == status);
                Ok(LeadRecord {
                    offer_id: r.try_get("id")?,
                    worker_id: r.try_get("worker_id")?,
                    offered_at: r.try_get("offered_at")?,
                    refused_at: answered.filter(|_| refused),
                })
            })
            .collect()
    }

    async fn chat_lines(&self, contact: &str, limit: i64) -> Result<Vec<ChatLine>> {
        let rows = sqlx::query(
            "SELECT id, at, from_bot, format, payload FROM (\
             SELECT id, received_at AS at, 0 AS from_bot, '' AS format, payload FROM inbox \
             WHERE contact = $1 AND kind = 'message' \
             UNION ALL SELECT id, created_at AS at, 1 AS from_bot, format, message AS payload FROM outbox \
             WHERE contact = $1) lines ORDER BY at DESC, from_bot DESC, id DESC LIMIT $2",
        )
        .bind(contact)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        let mut lines = rows
            .iter()
            .map(|r| {
                let payload: String = r.try_get("payload")?;
                let said = if r.try_get::<i64, _>("from_bot")? != 0 {
                    Said::Bot(OutMessage::read(
                        &r.try_get::<String, _>("format")?,
                        payload,
                    ))
                } else {
                    Said::Person(payload)
                };
                Ok(ChatLine {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    said,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        lines.reverse();
        Ok(lines)
    }

    async fn list_requests(
        &self,
        f: &RequestFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<RequestRow>> {
        let (cmp, order, bound) = match f.before {
            Some(b) => ("<", "DESC", b),
            None => (">", "ASC", after),
        };
        let (mut sql, mut binds) = (
            format!(
                "SELECT {} FROM service_requests WHERE id {cmp} $1",
                crate::bot::REQUEST_COLUMNS
            ),
            vec![Bind::Int(bound)],
        );
        request_conditions(f, &mut sql, &mut binds);
        binds.push(Bind::Int(limit));
        sql.push_str(&format!(" ORDER BY id {order} LIMIT ${}", binds.len()));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            q = b.bind_to(q);
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter().map(request_from).collect()
    }

    async fn count_requests(&self, f: &RequestFilter) -> Result<i64> {
        let (mut sql, mut binds) = (
            "SELECT COUNT(*) FROM service_requests WHERE 1 = 1".to_string(),
            Vec::new(),
        );
        request_conditions(f, &mut sql, &mut binds);
        let mut q = sqlx::query_scalar(AssertSqlSafe(sql));
        for b in binds {
            q = match b {
                Bind::Int(v) => q.bind(v),
                Bind::Text(v) => q.bind(v),
            };
        }
        Ok(q.fetch_one(&self.read).await?)
    }

    async fn request_with_offers(&self, id: RequestId) -> Result<(RequestRow, Vec<OfferRow>)> {
        let sql = format!(
            "SELECT {} FROM service_requests WHERE id = $1",
            crate::bot::REQUEST_COLUMNS
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        let offers = sqlx::query(
            "SELECT id, request_id, worker_id, rank, status, offered_at, answered_at FROM offers \
             WHERE request_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.read)
        .await?;
        Ok((
            request_from(&row)?,
            offers.iter().map(offer_from).collect::<Result<_>>()?,
        ))
    }

    async fn worker_history(&self, worker: i64, limit: i64) -> Result<WorkerHistory> {
        let mut h = WorkerHistory::default();
        let counts = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM offers WHERE worker_id = $1 GROUP BY status",
        )
        .bind(worker)
        .fetch_all(&self.read)
        .await?;
        for r in &counts {
            let status: String = r.try_get("status")?;
            let n: i64 = r.try_get("n")?;
            h.leads += n;
            match status.as_str() {
                "accepted" => h.accepted += n,
                "declined" => h.declined += n,
                "expired" => h.unanswered += n,
                _ => {}
            }
        }
        h.jobs_done = sqlx::query_scalar(
            "SELECT COUNT(*) FROM service_requests WHERE worker_id = $1 AND status IN ('done', 'rated')",
        )
        .bind(worker)
        .fetch_one(&self.read)
        .await?;
        let rows = sqlx::query(
            "SELECT o.request_id, o.status AS lead, o.offered_at, r.trade, r.place_name, r.district, r.block, \
             r.status AS outcome, r.rating, r.worker_id FROM offers o JOIN service_requests r ON r.id = o.request_id \
             WHERE o.worker_id = $1 ORDER BY o.offered_at DESC, o.id DESC LIMIT $2",
        )
        .bind(worker)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        for r in &rows {
            let taker: Option<i64> = r.try_get("worker_id")?;
            h.recent.push(LeadLine {
                request_id: r.try_get("request_id")?,
                offered_at: r.try_get("offered_at")?,
                lead: r.try_get("lead")?,
                trade: r.try_get("trade")?,
                place_name: r.try_get("place_name")?,
                district: r.try_get("district")?,
                block: r.try_get("block")?,
                outcome: r.try_get("outcome")?,
                rating: r
                    .try_get::<Option<i64>, _>("rating")?
                    .filter(|_| taker == Some(worker)),
                took_it: taker == Some(worker),
            });
        }
        Ok(h)
    }
}

/// What a worker's profile shows of their work: leads by answer, jobs done, and the latest leads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkerHistory {
    pub leads: i64,
    pub accepted: i64,
    pub declined: i64,
    /// Leads left unanswered until they expired.
    pub unanswered: i64,
    /// Requests this worker took that were done (rated or not).
    pub jobs_done: i64,
    pub recent: Vec<LeadLine>,
}

/// One lead offered to a worker, with what became of the request.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadLine {
    pub request_id: i64,
    pub offered_at: i64,
    /// The offer's status: offered, accepted, declined, expired, withdrawn.
    pub lead: String,
    pub trade: String,
    pub place_name: String,
    pub district: String,
    pub block: Option<String>,
    /// The request's status.
    pub outcome: String,
    /// The citizen's rating, when this worker did the job.
    pub rating: Option<i64>,
    /// This worker took the request.
    pub took_it: bool,
}

/// A value of a statement built from a filter.
enum Bind {
    Int(i64),
    Text(String),
}

impl Bind {
    fn bind_to<'q>(
        self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        match self {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        }
    }
}

/// Appends a request filter's conditions (` AND …`, numbered after the binds already there).
fn request_conditions(f: &RequestFilter, sql: &mut String, binds: &mut Vec<Bind>) {
    let mut push = |sql: &mut String, cond: &str, b: Bind| {
        binds.push(b);
        sql.push_str(&format!(" AND {cond} ${}", binds.len()));
    };
    for (col, v) in [
        ("district =", &f.district),
        ("block =", &f.block),
        ("trade =", &f.trade),
    ] {
        if let Some(v) = v {
            push(sql, col, Bind::Text(v.clone()));
        }
    }
    if let Some(t) = f.created_from {
        push(sql, "created_at >=", Bind::Int(t));
    }
    if let Some(t) = f.created_to {
        push(sql, "created_at <", Bind::Int(t));
    }
    if !f.statuses.is_empty() {
        // Statuses are the lifecycle's own words, never a caller's text.
        let list = f
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push_str(&format!(" AND status IN ({list})"));
    }
}
