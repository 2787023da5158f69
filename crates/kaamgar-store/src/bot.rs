//! The conversation's persistence: contacts with their conversation state, service requests, offers and contact
//! exchanges, written through [`ConversationWrites`] inside a [`Tx`](crate::Tx). One inbound event is handled in one
//! transaction: the state it read, every change it made (here and in other capabilities), the messages it queued
//! and the mark that it was processed commit together, so a crash replays it whole or not at all, and a redelivered
//! message is never handled twice.

use crate::SqlTx;
use crate::{Result, StoreError};
use async_trait::async_trait;
use kaamgar_domain::channel::Channel;
use kaamgar_domain::ids::{OfferId, RequestId, WorkerId};
use kaamgar_domain::request::{Actor, Change, Lifecycle, OfferStatus, Refused, RequestStatus};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// Everything kept about one person the bot talks to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactRow {
    /// The stored form of the contact's [`kaamgar_domain::channel::ContactKey`].
    pub key: String,
    pub channel: Channel,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub phone_number_id: Option<String>,
    pub name: Option<String>,
    /// The conversation state, as JSON.
    pub state: String,
    pub opted_out: bool,
    pub worker_id: Option<WorkerId>,
    pub last_inbound_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    pub citizen: String,
    pub citizen_phone: Option<String>,
    pub channel: Channel,
    pub trade: String,
    pub place_name: String,
    pub district: String,
    pub block: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestRow {
    pub id: RequestId,
    pub new: NewRequest,
    pub status: RequestStatus,
    /// Worker ids found for the request, best first.
    pub candidates: Vec<WorkerId>,
    pub worker_id: Option<WorkerId>,
    pub rating: Option<i64>,
    pub note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub accepted_at: Option<i64>,
    pub closed_at: Option<i64>,
}

impl RequestRow {
    /// Changes the request through its lifecycle ([`Lifecycle::apply`]): the only way its status changes. A refused
    /// change leaves the row as it was.
    pub fn apply(&mut self, by: Actor<'_>, change: Change, now: i64) -> Result<(), Refused> {
        let mut life = Lifecycle {
            status: self.status,
            worker: self.worker_id,
            rating: self.rating,
            note: self.note.clone(),
            accepted_at: self.accepted_at,
            closed_at: self.closed_at,
        };
        life.apply(&self.new.citizen, by, change, now)?;
        self.status = life.status;
        self.worker_id = life.worker;
        self.rating = life.rating;
        self.note = life.note;
        self.accepted_at = life.accepted_at;
        self.closed_at = life.closed_at;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OfferRow {
    pub id: OfferId,
    pub request_id: RequestId,
    pub worker_id: WorkerId,
    pub rank: i64,
    pub status: OfferStatus,
    pub offered_at: i64,
    pub answered_at: Option<i64>,
}

/// The conversation's writes inside a [`Tx`](crate::Tx): contacts and their state, service requests, offers and
/// contact exchanges.
#[async_trait]
pub trait ConversationWrites: Send {
    async fn contact(&mut self, key: &str) -> Result<Option<ContactRow>>;
    /// The contact a registered worker writes from, if they ever wrote.
    async fn contact_of_worker(&mut self, worker: WorkerId) -> Result<Option<ContactRow>>;
    async fn save_contact(&mut self, c: &ContactRow, now: i64) -> Result<()>;
    /// The WhatsApp contact of a phone (digits, as Meta writes `wa_id`), whatever its key: the one last written
    /// from.
    async fn contact_of_phone(&mut self, wa_id: &str) -> Result<Option<ContactRow>>;
    /// Notes a question in a contact's conversation from outside the bot's turn: the state is replaced only if it
    /// is still `was` (`None`: the contact is new, created unless it appeared meanwhile); nothing else of the row
    /// is touched. False when the conversation moved on meanwhile.
    async fn note_question(&mut self, c: &ContactRow, was: Option<&str>, now: i64) -> Result<bool>;
    async fn create_request(&mut self, r: &NewRequest, now: i64) -> Result<RequestId>;
    async fn request(&mut self, id: RequestId) -> Result<Option<RequestRow>>;
    /// The contact's latest request that is still looking for a worker.
    async fn searching_request_of(&mut self, citizen: &str) -> Result<Option<RequestRow>>;
    /// Saves status, candidates, worker, rating, note and the lifecycle times.
    async fn save_request(&mut self, r: &RequestRow, now: i64) -> Result<()>;
    async fn create_offer(
        &mut self,
        request: RequestId,
        worker: WorkerId,
        rank: i64,
        now: i64,
    ) -> Result<OfferId>;
    async fn offer(&mut self, id: OfferId) -> Result<Option<OfferRow>>;
    async fn offers_of(&mut self, request: RequestId) -> Result<Vec<OfferRow>>;
    async fn set_offer(&mut self, id: OfferId, status: OfferStatus, now: i64) -> Result<()>;
    async fn record_exchange(
        &mut self,
        request: RequestId,
        worker: WorkerId,
        citizen: &str,
        now: i64,
    ) -> Result<()>;
    /// Whether a worker is engaged since `since`: being asked about a lead now, or holding a job they accepted that
    /// is not yet done.
    async fn engaged(&mut self, worker: WorkerId, since: i64) -> Result<bool>;
}

pub(crate) const REQUEST_COLUMNS: &str = "id, citizen, citizen_phone, channel, trade, place_name, district, block, lat, lon, \
    message, status, candidates, worker_id, rating, note, created_at, updated_at, accepted_at, closed_at";

fn channel_from(r: &AnyRow) -> Result<Channel> {
    let c: String = r.try_get("channel")?;
    Channel::parse(&c).ok_or_else(|| StoreError::Corrupt(format!("channel '{c}'")))
}

fn contact_from(r: &AnyRow) -> Result<ContactRow> {
    Ok(ContactRow {
        key: r.try_get("key")?,
        channel: channel_from(r)?,
        wa_id: r.try_get("wa_id")?,
        user_id: r.try_get("user_id")?,
        phone_number_id: r.try_get("phone_number_id")?,
        name: r.try_get("name")?,
        state: r.try_get("state")?,
        opted_out: r.try_get::<i64, _>("opted_out")? != 0,
        worker_id: r.try_get::<Option<i64>, _>("worker_id")?.map(WorkerId),
        last_inbound_at: r.try_get("last_inbound_at")?,
    })
}

pub(crate) fn request_from(r: &AnyRow) -> Result<RequestRow> {
    let status: String = r.try_get("status")?;
    let candidates: String = r.try_get("candidates")?;
    Ok(RequestRow {
        id: RequestId(r.try_get("id")?),
        new: NewRequest {
            citizen: r.try_get("citizen")?,
            citizen_phone: r.try_get("citizen_phone")?,
            channel: channel_from(r)?,
            trade: r.try_get("trade")?,
            place_name: r.try_get("place_name")?,
            district: r.try_get("district")?,
            block: r.try_get("block")?,
            lat: r.try_get("lat")?,
            lon: r.try_get("lon")?,
            message: r.try_get("message")?,
        },
        status: RequestStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("request status '{status}'")))?,
        candidates: serde_json::from_str(&candidates)
            .map_err(|e| StoreError::Corrupt(format!("request candidates: {e}")))?,
        worker_id: r.try_get::<Option<i64>, _>("worker_id")?.map(WorkerId),
        rating: r.try_get("rating")?,
        note: r.try_get("note")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        accepted_at: r.try_get("accepted_at")?,
        closed_at: r.try_get("closed_at")?,
    })
}

pub(crate) fn offer_from(r: &AnyRow) -> Result<OfferRow> {
    let status: String = r.try_get("status")?;
    Ok(OfferRow {
        id: OfferId(r.try_get("id")?),
        request_id: RequestId(r.try_get("request_id")?),
        worker_id: WorkerId(r.try_get("worker_id")?),
        rank: r.try_get("rank")?,
        status: OfferStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("offer status '{status}'")))?,
        offered_at: r.try_get("offered_at")?,
        answered_at: r.try_get("answered_at")?,
    })
}

const CONTACT_COLUMNS: &str = "key, channel, wa_id, user_id, phone_number_id, name, state, opted_out, worker_id, \
    last_inbound_at";

#[async_trait]
impl ConversationWrites for SqlTx {
    async fn contact(&mut self, key: &str) -> Result<Option<ContactRow>> {
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE key = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(contact_from).transpose()
    }

    async fn contact_of_worker(&mut self, worker: WorkerId) -> Result<Option<ContactRow>> {
        let sql = format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE worker_id = $1 \
             ORDER BY last_inbound_at DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(worker.0)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(contact_from).transpose()
    }

    async fn contact_of_phone(&mut self, wa_id: &str) -> Result<Option<ContactRow>> {
        let sql = format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE wa_id = $1 AND channel = 'whatsapp' \
             ORDER BY COALESCE(last_inbound_at, 0) DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(wa_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(contact_from).transpose()
    }

    async fn note_question(&mut self, c: &ContactRow, was: Option<&str>, now: i64) -> Result<bool> {
        let done = match was {
            Some(old) => {
                sqlx::query(
                    "UPDATE contacts SET state = $1, updated_at = $2 WHERE key = $3 AND state = $4",
                )
                .bind(&c.state)
                .bind(now)
                .bind(&c.key)
                .bind(old)
                .execute(&mut *self.tx)
                .await?
            }
            None => {
                sqlx::query(
                    "INSERT INTO contacts (key, channel, wa_id, state, opted_out, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 0, $5, $5) ON CONFLICT (key) DO NOTHING",
                )
                .bind(&c.key)
                .bind(c.channel.as_str())
                .bind(&c.wa_id)
                .bind(&c.state)
                .bind(now)
                .execute(&mut *self.tx)
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    async fn save_contact(&mut self, c: &ContactRow, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO contacts (key, channel, wa_id, user_id, phone_number_id, name, state, opted_out, worker_id, \
             last_inbound_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
             ON CONFLICT (key) DO UPDATE SET channel = $2, wa_id = COALESCE($3, contacts.wa_id), \
             user_id = COALESCE($4, contacts.user_id), phone_number_id = COALESCE($5, contacts.phone_number_id), \
             name = COALESCE($6, contacts.name), state = $7, opted_out = $8, worker_id = $9, last_inbound_at = $10, \
             updated_at = $11",
        )
        .bind(&c.key)
        .bind(c.channel.as_str())
        .bind(&c.wa_id)
        .bind(&c.user_id)
        .bind(&c.phone_number_id)
        .bind(&c.name)
        .bind(&c.state)
        .bind(i64::from(c.opted_out))
        .bind(c.worker_id.map(|w| w.0))
        .bind(c.last_inbound_at)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn create_request(&mut self, r: &NewRequest, now: i64) -> Result<RequestId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO service_requests (citizen, citizen_phone, channel, trade, place_name, district, block, lat, \
             lon, message, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $11) RETURNING id",
        )
        .bind(&r.citizen)
        .bind(&r.citizen_phone)
        .bind(r.channel.as_str())
        .bind(&r.trade)
        .bind(&r.place_name)
        .bind(&r.district)
        .bind(&r.block)
        .bind(r.lat)
        .bind(r.lon)
        .bind(&r.message)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(RequestId(id))
    }

    async fn request(&mut self, id: RequestId) -> Result<Option<RequestRow>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM service_requests WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(request_from).transpose()
    }

    async fn searching_request_of(&mut self, citizen: &str) -> Result<Option<RequestRow>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM service_requests WHERE citizen = $1 AND status IN ('open', 'offered') \
             ORDER BY id DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(citizen)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(request_from).transpose()
    }

    async fn save_request(&mut self, r: &RequestRow, now: i64) -> Result<()> {
        let candidates =
            serde_json::to_string(&r.candidates).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "UPDATE service_requests SET status = $1, candidates = $2, worker_id = $3, rating = $4, note = $5, \
             accepted_at = $6, closed_at = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(r.status.as_str())
        .bind(candidates)
        .bind(r.worker_id.map(|w| w.0))
        .bind(r.rating)
        .bind(&r.note)
        .bind(r.accepted_at)
        .bind(r.closed_at)
        .bind(now)
        .bind(r.id.0)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn create_offer(
        &mut self,
        request: RequestId,
        worker: WorkerId,
        rank: i64,
        now: i64,
    ) -> Result<OfferId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO offers (request_id, worker_id, rank, status, offered_at) VALUES ($1, $2, $3, 'offered', $4) \
             RETURNING id",
        )
        .bind(request.0)
        .bind(worker.0)
        .bind(rank)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(OfferId(id))
    }

    async fn offer(&mut self, id: OfferId) -> Result<Option<OfferRow>> {
        let row = sqlx::query(
            "SELECT id, request_id, worker_id, rank, status, offered_at, answered_at FROM offers WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(offer_from).transpose()
    }

    async fn offers_of(&mut self, request: RequestId) -> Result<Vec<OfferRow>> {
        let rows = sqlx::query(
            "SELECT id, request_id, worker_id, rank, status, offered_at, answered_at FROM offers \
             WHERE request_id = $1 ORDER BY id",
        )
        .bind(request.0)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(offer_from).collect()
    }

    async fn set_offer(&mut self, id: OfferId, status: OfferStatus, now: i64) -> Result<()> {
        sqlx::query("UPDATE offers SET status = $1, answered_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(now)
            .bind(id.0)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn record_exchange(
        &mut self,
        request: RequestId,
        worker: WorkerId,
        citizen: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO contact_exchanges (request_id, worker_id, citizen, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(request.0)
        .bind(worker.0)
        .bind(citizen)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn engaged(&mut self, worker: WorkerId, since: i64) -> Result<bool> {
        let row = sqlx::query(
            "SELECT o.id FROM offers o JOIN service_requests r ON r.id = o.request_id \
             WHERE o.worker_id = $1 AND o.offered_at >= $2 \
             AND (o.status = 'offered' OR (o.status = 'accepted' AND r.status = 'accepted')) LIMIT 1",
        )
        .bind(worker.0)
        .bind(since)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(row.is_some())
    }
}
