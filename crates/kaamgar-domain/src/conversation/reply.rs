//! What the conversation says, whatever the channel: text, a choice among a few (buttons) or more (a list), a request
//! to share one's location, or a message for outside the conversation window. Each channel renders these: WhatsApp
//! as Graph API JSON (`whatsapp::outbound`), the web chat and the terminal as text; SMS and voice will do the same.

/// One option of a choice: the id the reply carries back, its title and an optional line under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Text {
        body: String,
    },
    /// Up to three reply buttons.
    Buttons {
        body: String,
        buttons: Vec<Choice>,
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
    /// A message a channel may send outside a conversation window (on WhatsApp an approved template, the only thing
    /// that may be sent after 24 hours of silence): its name, language, parameters and quick replies.
    Template {
        name: String,
        language: String,
        body_params: Vec<String>,
        /// Payloads of the template's quick-reply buttons, in order.
        quick_replies: Vec<String>,
    },
}
