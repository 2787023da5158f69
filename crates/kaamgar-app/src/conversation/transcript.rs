//! A conversation read back for a screen (the web chat, an official's page of a request): each line as text and
//! choices, whatever channel it came or went by.

use kaamgar_domain::conversation::Shown;
use kaamgar_domain::whatsapp::outbound;
use kaamgar_domain::whatsapp::{InboundEvent, MessageBody};
use kaamgar_store::{OutMessage, Said};

/// A line of a transcript as a person sees it.
pub fn shown(said: &Said) -> Shown {
    match said {
        Said::Person(payload) => Shown {
            text: person_text(payload),
            choices: Vec::new(),
            kind: "text".into(),
        },
        Said::Bot(OutMessage::Reply(r)) => r.shown(),
        // Rows from before the outbox kept replies hold WhatsApp's own request body.
        Said::Bot(OutMessage::Wire { format, body }) if format == outbound::GRAPH_FORMAT => {
            serde_json::from_str(body)
                .map(|v| outbound::render(&v))
                .unwrap_or_default()
        }
        Said::Bot(OutMessage::Wire { .. }) => Shown::default(),
    }
}

/// What a person sent, from the stored inbound event.
fn person_text(payload: &str) -> String {
    match serde_json::from_str::<InboundEvent>(payload) {
        Ok(InboundEvent::Message(m)) => match m.body {
            MessageBody::Text { body } => body,
            MessageBody::ButtonReply { title, .. } | MessageBody::ListReply { title, .. } => title,
            MessageBody::TemplateButton { text, .. } => text,
            MessageBody::Location { lat, lon, .. } => format!("📍 {lat:.4}, {lon:.4}"),
            MessageBody::Unsupported { kind } => format!("({kind})"),
        },
        _ => String::new(),
    }
}
