//! What the conversation says, whatever the channel: text, a choice among a few (buttons) or more (a list), a request
//! to share one's location, or a message for outside the conversation window. Replies are stored as they are (JSON,
//! tagged by `kind`) and each channel renders them when it sends: WhatsApp as Graph API JSON
//! (`whatsapp::outbound`), the web chat and the terminal through [`Reply::shown`]; SMS and voice will do the same.

use serde::{Deserialize, Serialize};

/// One option of a choice: the id the reply carries back, its title and an optional line under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A document an approved template carries in its header (a certificate outside the conversation window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeaderDocument {
    /// Public http(s) address the channel fetches it from.
    pub link: String,
    pub filename: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    Text {
        body: String,
    },
    /// Up to three reply buttons.
    Buttons {
        body: String,
        buttons: Vec<Choice>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
    },
    /// A list of up to ten rows behind a button.
    List {
        body: String,
        button: String,
        rows: Vec<Choice>,
    },
    /// Asks the user to share their location.
    LocationRequest {
        body: String,
    },
    /// A document to download (on WhatsApp fetched by Meta from `link`, which must be public), with a caption.
    Document {
        link: String,
        filename: String,
        caption: String,
    },
    /// A message a channel may send outside a conversation window (on WhatsApp an approved template, the only thing
    /// that may be sent after 24 hours of silence): its name, language, parameters and quick replies.
    Template {
        name: String,
        language: String,
        body_params: Vec<String>,
        /// Payloads of the template's quick-reply buttons, in order.
        quick_replies: Vec<String>,
        /// A document in the template's header.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<HeaderDocument>,
    },
}

/// A message as a screen or a terminal shows it: the text a person reads and the choices they can tap.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Shown {
    pub text: String,
    pub choices: Vec<Choice>,
    /// `text`, `buttons`, `list`, `location_request` or `template`.
    pub kind: String,
}

impl Reply {
    pub fn kind(&self) -> &'static str {
        match self {
            Reply::Text { .. } => "text",
            Reply::Buttons { .. } => "buttons",
            Reply::List { .. } => "list",
            Reply::LocationRequest { .. } => "location_request",
            Reply::Template { .. } => "template",
            Reply::Document { .. } => "document",
        }
    }

    /// The text and choices, for a channel that shows messages itself (the web chat, the terminal, the dashboard).
    pub fn shown(&self) -> Shown {
        let (text, choices) = match self {
            Reply::Text { body } | Reply::LocationRequest { body } => (body.clone(), Vec::new()),
            Reply::Document { link, caption, .. } => (format!("{caption}\n{link}"), Vec::new()),
            Reply::Buttons { body, buttons, .. } => (body.clone(), buttons.clone()),
            Reply::List { body, rows, .. } => (body.clone(), rows.clone()),
            Reply::Template {
                name,
                body_params,
                quick_replies,
                document,
                ..
            } => (
                match document {
                    Some(d) => format!("[{name}] {}\n{}", body_params.join(" · "), d.link),
                    None => format!("[{name}] {}", body_params.join(" · ")),
                },
                quick_replies
                    .iter()
                    .map(|p| Choice {
                        id: p.clone(),
                        title: p.clone(),
                        description: None,
                    })
                    .collect(),
            ),
        };
        Shown {
            text,
            choices,
            kind: self.kind().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_reads_back_from_its_stored_form() {
        let r = Reply::Buttons {
            body: "काम मिला?".into(),
            buttons: vec![Choice {
                id: "yes".into(),
                title: "हाँ".into(),
                description: None,
            }],
            footer: None,
        };
        let stored = serde_json::to_string(&r).unwrap();
        assert_eq!(
            stored,
            r#"{"kind":"buttons","body":"काम मिला?","buttons":[{"id":"yes","title":"हाँ"}]}"#
        );
        assert_eq!(serde_json::from_str::<Reply>(&stored).unwrap(), r);
        assert_eq!(r.shown().choices[0].title, "हाँ");
        assert!(serde_json::from_str::<Reply>(r#"{"kind":"sticker"}"#).is_err());
    }
}
