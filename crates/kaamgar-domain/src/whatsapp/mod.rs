//! The WhatsApp Cloud API webhook as Meta sends it, parsed into inbound events: messages (text, reply buttons,
//! list replies, template quick replies, locations, and the rest as "unsupported") and delivery statuses. Several
//! entries, changes and messages may come in one POST. Contacts are keyed on the phone (`wa_id`) and on the
//! business-scoped user id (`user_id`) when Meta sends one; either may be missing.

use serde::{Deserialize, Serialize};

pub mod outbound;
pub mod policy;

/// Meta's error for a free-form message outside the 24-hour customer-service window: the message's template
/// fallback is sent instead.
pub const WINDOW_CLOSED: i64 = 131_047;

/// Who wrote or was written to: the phone (`wa_id`), the business-scoped user id, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRef {
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub name: Option<String>,
}

impl ContactRef {
    /// The recipient from the one address a queued message keeps: a phone (digits only, as Meta writes `wa_id`),
    /// else a business-scoped user id (`IN.…`); nobody when empty.
    pub fn addressed(address: &str) -> ContactRef {
        let address = address.trim();
        let phone = !address.is_empty() && address.bytes().all(|b| b.is_ascii_digit());
        ContactRef {
            wa_id: phone.then(|| address.to_string()),
            user_id: (!phone && !address.is_empty()).then(|| address.to_string()),
            name: None,
        }
    }

    /// The key conversations are ordered by: the business-scoped user id when known (stable across number
    /// changes), else the phone.
    pub fn key(&self) -> Option<&str> {
        self.user_id.as_deref().or(self.wa_id.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageBody {
    Text {
        body: String,
    },
    ButtonReply {
        id: String,
        title: String,
    },
    ListReply {
        id: String,
        title: String,
    },
    /// A quick-reply button of a template message.
    TemplateButton {
        payload: String,
        text: String,
    },
    Location {
        lat: f64,
        lon: f64,
        name: Option<String>,
        address: Option<String>,
    },
    /// Images, audio, stickers, reactions and anything new: answered politely, not read.
    Unsupported {
        kind: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// Meta's message id (`wamid…`): redelivery repeats it.
    pub id: String,
    pub phone_number_id: String,
    pub from: ContactRef,
    /// Unix seconds, as Meta stamps it.
    pub timestamp: i64,
    pub body: MessageBody,
    /// The message this one replies to (a button tap carries the id of the message with the button).
    pub context_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Failed,
    /// A status Meta added after this was written.
    Other,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusError {
    pub code: i64,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// The id of the message kaamgar sent.
    pub message_id: String,
    pub phone_number_id: String,
    pub status: DeliveryStatus,
    pub recipient: ContactRef,
    pub timestamp: i64,
    pub errors: Vec<StatusError>,
}

impl StatusUpdate {
    /// The message did not reach the person because the conversation window had closed (Meta's own code).
    pub fn window_closed(&self) -> bool {
        self.errors.iter().any(|e| e.code == WINDOW_CLOSED)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum InboundEvent {
    Message(InboundMessage),
    Status(StatusUpdate),
    /// A message or status of a notification that could not be read (a field missing, a wrong type). It is kept
    /// with its reason, and the other events of the notification are stored as usual.
    Rejected(RejectedEvent),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedEvent {
    /// Meta's id of the message or status, when it has one.
    pub id: Option<String>,
    /// A stable digest of the event's JSON, so a redelivery is recognised even without an id.
    pub digest: String,
    /// The sender or recipient, when readable.
    pub contact: Option<String>,
    pub reason: String,
}

impl InboundEvent {
    /// What makes a redelivery recognisable: the message id, or the message id and status for a status.
    pub fn dedupe_key(&self) -> String {
        match self {
            InboundEvent::Message(m) => format!("m:{}", m.id),
            InboundEvent::Status(s) => format!("s:{}:{}", s.message_id, s.status.as_str()),
            InboundEvent::Rejected(r) => format!("x:{}", r.digest),
        }
    }

    /// The contact the event belongs to (events are processed in order per contact).
    pub fn contact_key(&self) -> Option<&str> {
        match self {
            InboundEvent::Message(m) => m.from.key(),
            InboundEvent::Status(s) => s.recipient.key(),
            InboundEvent::Rejected(r) => r.contact.as_deref(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            InboundEvent::Message(_) => "message",
            InboundEvent::Status(_) => "status",
            InboundEvent::Rejected(_) => "rejected",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WebhookError {
    #[error("the body is not valid JSON: {0}")]
    Json(String),
    #[error("object '{0}' is not a WhatsApp Business account notification")]
    NotWhatsApp(String),
    #[error("{0}")]
    Missing(String),
}

// The wire format. Unknown fields are ignored; every optional field is optional.
#[derive(Deserialize)]
struct Payload {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    field: Option<String>,
    value: Option<Value>,
}

#[derive(Deserialize)]
struct Value {
    metadata: Option<Metadata>,
    #[serde(default)]
    contacts: Vec<WireContact>,
    // Read one by one, so one unreadable message does not cost the others in the notification.
    #[serde(default)]
    messages: Vec<serde_json::Value>,
    #[serde(default)]
    statuses: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Metadata {
    phone_number_id: String,
}

#[derive(Deserialize)]
struct WireContact {
    wa_id: Option<String>,
    user_id: Option<String>,
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    id: String,
    from: Option<String>,
    from_user_id: Option<String>,
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    text: Option<WireText>,
    interactive: Option<WireInteractive>,
    button: Option<WireButton>,
    location: Option<WireLocation>,
    context: Option<WireContext>,
}

#[derive(Deserialize)]
struct WireText {
    body: String,
}

#[derive(Deserialize)]
struct WireInteractive {
    button_reply: Option<WireReply>,
    list_reply: Option<WireReply>,
}

#[derive(Deserialize)]
struct WireReply {
    id: String,
    title: String,
}

#[derive(Deserialize)]
struct WireButton {
    payload: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct WireLocation {
    latitude: f64,
    longitude: f64,
    name: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize)]
struct WireContext {
    id: Option<String>,
}

#[derive(Deserialize)]
struct WireStatus {
    id: String,
    status: String,
    timestamp: Option<String>,
    recipient_id: Option<String>,
    recipient_user_id: Option<String>,
    #[serde(default)]
    errors: Vec<WireError>,
}

#[derive(Deserialize)]
struct WireError {
    code: i64,
    title: Option<String>,
    message: Option<String>,
}

/// Parses a webhook body. Changes other than `messages` (account updates, templates) carry no events.
pub fn parse_webhook(body: &[u8]) -> Result<Vec<InboundEvent>, WebhookError> {
    let p: Payload = serde_json::from_slice(body).map_err(|e| WebhookError::Json(e.to_string()))?;
    if p.object != "whatsapp_business_account" {
        return Err(WebhookError::NotWhatsApp(
            p.object.chars().take(60).collect(),
        ));
    }
    let mut events = Vec::new();
    for change in p.entry.into_iter().flat_map(|e| e.changes) {
        if change.field.as_deref().is_some_and(|f| f != "messages") {
            continue;
        }
        let Some(v) = change.value else { continue };
        let phone_number_id = match (&v.metadata, v.messages.is_empty() && v.statuses.is_empty()) {
            (_, true) => continue,
            (Some(m), false) => m.phone_number_id.clone(),
            (None, false) => {
                return Err(WebhookError::Missing(
                    "a change with messages or statuses has no metadata.phone_number_id".into(),
                ));
            }
        };
        for raw in v.messages {
            let read = serde_json::from_value::<WireMessage>(raw.clone())
                .map_err(|e| WebhookError::Missing(e.to_string()))
                .and_then(|m| message(m, &v.contacts, &phone_number_id));
            events.push(match read {
                Ok(m) => InboundEvent::Message(m),
                Err(e) => rejected(&raw, "from", e),
            });
        }
        for raw in v.statuses {
            let read = serde_json::from_value::<WireStatus>(raw.clone())
                .map_err(|e| WebhookError::Missing(e.to_string()))
                .and_then(|s| status(s, &phone_number_id));
            events.push(match read {
                Ok(s) => InboundEvent::Status(s),
                Err(e) => rejected(&raw, "recipient_id", e),
            });
        }
    }
    Ok(events)
}

fn message(
    m: WireMessage,
    contacts: &[WireContact],
    phone_number_id: &str,
) -> Result<InboundMessage, WebhookError> {
    if m.from.is_none() && m.from_user_id.is_none() {
        return Err(WebhookError::Missing(format!(
            "message {} has neither 'from' nor 'from_user_id'",
            m.id
        )));
    }
    // The contact entry of this sender: by phone, else by user id, else the only one.
    let c = contacts
        .iter()
        .find(|c| c.wa_id.is_some() && c.wa_id == m.from)
        .or_else(|| {
            contacts
                .iter()
                .find(|c| c.user_id.is_some() && c.user_id == m.from_user_id)
        })
        .or(if contacts.len() == 1 {
            contacts.first()
        } else {
            None
        });
    let from = ContactRef {
        wa_id: m.from.clone().or_else(|| c.and_then(|c| c.wa_id.clone())),
        user_id: m
            .from_user_id
            .clone()
            .or_else(|| c.and_then(|c| c.user_id.clone())),
        name: c.and_then(|c| c.profile.as_ref().and_then(|p| p.name.clone())),
    };
    let body = match (m.kind.as_str(), m.text, m.interactive, m.button, m.location) {
        ("text", Some(t), ..) => MessageBody::Text { body: t.body },
        ("interactive", _, Some(i), ..) => match (i.button_reply, i.list_reply) {
            (Some(r), _) => MessageBody::ButtonReply {
                id: r.id,
                title: r.title,
            },
            (None, Some(r)) => MessageBody::ListReply {
                id: r.id,
                title: r.title,
            },
            (None, None) => MessageBody::Unsupported {
                kind: "interactive".into(),
            },
        },
        ("button", _, _, Some(b), _) => MessageBody::TemplateButton {
            payload: b.payload.unwrap_or_default(),
            text: b.text.unwrap_or_default(),
        },
        ("location", .., Some(l)) => MessageBody::Location {
            lat: l.latitude,
            lon: l.longitude,
            name: l.name,
            address: l.address,
        },
        (kind, ..) => MessageBody::Unsupported {
            kind: kind.chars().take(40).collect(),
        },
    };
    Ok(InboundMessage {
        id: m.id,
        phone_number_id: phone_number_id.to_string(),
        from,
        timestamp: parse_time(m.timestamp.as_deref()),
        body,
        context_id: m.context.and_then(|c| c.id),
    })
}

fn status(s: WireStatus, phone_number_id: &str) -> Result<StatusUpdate, WebhookError> {
    Ok(StatusUpdate {
        message_id: s.id,
        phone_number_id: phone_number_id.to_string(),
        status: match s.status.as_str() {
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Other,
        },
        recipient: ContactRef {
            wa_id: s.recipient_id,
            user_id: s.recipient_user_id,
            name: None,
        },
        timestamp: parse_time(s.timestamp.as_deref()),
        errors: s
            .errors
            .into_iter()
            .map(|e| StatusError {
                code: e.code,
                title: e.title.or(e.message).unwrap_or_default(),
            })
            .collect(),
    })
}

/// The record of an event that could not be read: its id and contact when those fields are readable, its reason,
/// and a digest of its JSON (FNV-1a: stable across builds, enough to recognise a redelivery).
fn rejected(raw: &serde_json::Value, contact_field: &str, e: WebhookError) -> InboundEvent {
    let text = |v: Option<&serde_json::Value>| {
        v.and_then(serde_json::Value::as_str)
            .map(|s| s.chars().take(128).collect::<String>())
    };
    let json = raw.to_string();
    let digest = json.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    InboundEvent::Rejected(RejectedEvent {
        id: text(raw.get("id")),
        digest: format!("{digest:016x}"),
        contact: text(raw.get(contact_field)),
        reason: e.to_string().chars().take(300).collect(),
    })
}

fn parse_time(t: Option<&str>) -> i64 {
    t.and_then(|t| t.trim().parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests;
