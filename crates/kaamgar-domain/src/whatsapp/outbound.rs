//! The WhatsApp rendering of the conversation's replies (`conversation::Reply`): the Graph API's JSON
//! (`POST /{phone_number_id}/messages`) for text, reply buttons, lists, a location request and templates, with Meta's
//! limits applied. Texts that come from data (a worker's name in a
//! button) are shortened to the limit by characters, never split inside a letter; our own ids and counts out of
//! range are errors, because they mean a bug, not a long name.

use super::ContactRef;
use crate::conversation::{Choice, Reply, Shown};
use serde_json::{Value, json};

/// The outbox's name for a message stored as a Graph API request body (rows queued before the outbox kept
/// channel-neutral replies).
pub const GRAPH_FORMAT: &str = "graph";

/// Meta's limits, in characters.
pub const TEXT_MAX: usize = 4096;
pub const INTERACTIVE_BODY_MAX: usize = 1024;
pub const BUTTON_TITLE_MAX: usize = 20;
pub const BUTTONS_MAX: usize = 3;
pub const LIST_ROWS_MAX: usize = 10;
pub const ROW_TITLE_MAX: usize = 24;
pub const ROW_DESCRIPTION_MAX: usize = 72;
pub const LIST_BUTTON_MAX: usize = 20;
pub const FOOTER_MAX: usize = 60;
const BUTTON_ID_MAX: usize = 256;
const ROW_ID_MAX: usize = 200;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OutboundError {
    #[error("the recipient has neither a phone number nor a user id")]
    NoRecipient,
    #[error("the message body is empty")]
    EmptyBody,
    #[error("{what}: {count} given, {min} to {max} allowed")]
    Count {
        what: &'static str,
        count: usize,
        min: usize,
        max: usize,
    },
    #[error("{what} id '{id}' is empty, longer than {max} characters, or repeated")]
    BadId {
        what: &'static str,
        id: String,
        max: usize,
    },
    #[error("template name '{0}' is not a template name")]
    TemplateName(String),
    #[error("a document's link must be an http(s) URL")]
    DocumentLink,
}

/// The Graph API request body for `msg` to `to`.
pub fn graph_request(to: &ContactRef, msg: &Reply) -> Result<Value, OutboundError> {
    let mut v = json!({ "messaging_product": "whatsapp", "recipient_type": "individual" });
    // The phone when known; a user known only by their business-scoped id is addressed by it.
    match (&to.wa_id, &to.user_id) {
        (Some(phone), _) => v["to"] = json!(phone),
        (None, Some(user)) => v["recipient"] = json!(user),
        (None, None) => return Err(OutboundError::NoRecipient),
    }
    match msg {
        Reply::Text { body } => {
            v["type"] = json!("text");
            v["text"] = json!({ "preview_url": false, "body": clip(nonempty(body)?, TEXT_MAX) });
        }
        Reply::Buttons {
            body,
            buttons,
            footer,
        } => {
            count("buttons", buttons.len(), 1, BUTTONS_MAX)?;
            ids("button", buttons, BUTTON_ID_MAX)?;
            let mut interactive = json!({
                "type": "button",
                "body": { "text": clip(nonempty(body)?, INTERACTIVE_BODY_MAX) },
                "action": { "buttons": buttons.iter().map(|b| json!({
                    "type": "reply",
                    "reply": { "id": b.id, "title": clip(&b.title, BUTTON_TITLE_MAX) },
                })).collect::<Vec<_>>() },
            });
            if let Some(f) = footer.as_deref().filter(|f| !f.trim().is_empty()) {
                interactive["footer"] = json!({ "text": clip(f, FOOTER_MAX) });
            }
            v["type"] = json!("interactive");
            v["interactive"] = interactive;
        }
        Reply::List { body, button, rows } => {
            count("list rows", rows.len(), 1, LIST_ROWS_MAX)?;
            ids("list row", rows, ROW_ID_MAX)?;
            let rows: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let mut row = json!({ "id": r.id, "title": clip(&r.title, ROW_TITLE_MAX) });
                    if let Some(d) = r.description.as_deref().filter(|d| !d.trim().is_empty()) {
                        row["description"] = json!(clip(d, ROW_DESCRIPTION_MAX));
                    }
                    row
                })
                .collect();
            v["type"] = json!("interactive");
            v["interactive"] = json!({
                "type": "list",
                "body": { "text": clip(nonempty(body)?, INTERACTIVE_BODY_MAX) },
                "action": {
                    "button": clip(nonempty(button)?, LIST_BUTTON_MAX),
                    "sections": [{ "rows": rows }],
                },
            });
        }
        Reply::LocationRequest { body } => {
            v["type"] = json!("interactive");
            v["interactive"] = json!({
                "type": "location_request_message",
                "body": { "text": clip(nonempty(body)?, INTERACTIVE_BODY_MAX) },
                "action": { "name": "send_location" },
            });
        }
        Reply::Document {
            link,
            filename,
            caption,
        } => {
            if !link.starts_with("https://") && !link.starts_with("http://") {
                return Err(OutboundError::DocumentLink);
            }
            v["type"] = json!("document");
            v["document"] = json!({
                "link": link,
                "filename": clip(nonempty(filename)?, 240),
                "caption": clip(caption, 1024),
            });
        }
        Reply::Template {
            name,
            language,
            body_params,
            quick_replies,
            document,
        } => {
            v["type"] = json!("template");
            v["template"] = template(
                name,
                language,
                body_params,
                quick_replies,
                document.as_ref(),
            )?;
        }
    }
    Ok(v)
}

/// An approved template's request: its name, language, a document in its header, body parameters and quick-reply
/// payloads.
fn template(
    name: &str,
    language: &str,
    body_params: &[String],
    quick_replies: &[String],
    document: Option<&crate::conversation::HeaderDocument>,
) -> Result<Value, OutboundError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(OutboundError::TemplateName(name.to_string()));
    }
    count("template quick replies", quick_replies.len(), 0, 10)?;
    let mut components = Vec::new();
    if let Some(d) = document {
        if !d.link.starts_with("https://") && !d.link.starts_with("http://") {
            return Err(OutboundError::DocumentLink);
        }
        components.push(json!({
            "type": "header",
            "parameters": [{ "type": "document", "document": {
                "link": d.link, "filename": clip(nonempty(&d.filename)?, 240) } }],
        }));
    }
    if !body_params.is_empty() {
        components.push(json!({
            "type": "body",
            "parameters": body_params.iter().map(|p| json!({ "type": "text", "text": p })).collect::<Vec<_>>(),
        }));
    }
    for (i, payload) in quick_replies.iter().enumerate() {
        components.push(json!({
            "type": "button",
            "sub_type": "quick_reply",
            "index": i.to_string(),
            "parameters": [{ "type": "payload", "payload": payload }],
        }));
    }
    Ok(json!({
        "name": name,
        "language": { "code": language },
        "components": components,
    }))
}

fn nonempty(s: &str) -> Result<&str, OutboundError> {
    if s.trim().is_empty() {
        Err(OutboundError::EmptyBody)
    } else {
        Ok(s)
    }
}

fn count(what: &'static str, n: usize, min: usize, max: usize) -> Result<(), OutboundError> {
    if (min..=max).contains(&n) {
        Ok(())
    } else {
        Err(OutboundError::Count {
            what,
            count: n,
            min,
            max,
        })
    }
}

fn ids(what: &'static str, choices: &[Choice], max: usize) -> Result<(), OutboundError> {
    for (i, c) in choices.iter().enumerate() {
        let repeated = choices[..i].iter().any(|o| o.id == c.id);
        if c.id.is_empty() || c.id.chars().count() > max || repeated {
            return Err(OutboundError::BadId {
                what,
                id: c.id.chars().take(40).collect(),
                max,
            });
        }
    }
    Ok(())
}

/// Reads a Graph API request body (as built by [`graph_request`]; the outbox held these before it held replies)
/// back into text and choices.
pub fn render(v: &Value) -> Shown {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let kind = s(&v["type"]);
    let mut out = Shown {
        kind: kind.clone(),
        ..Shown::default()
    };
    match kind.as_str() {
        "text" => out.text = s(&v["text"]["body"]),
        "interactive" => {
            let i = &v["interactive"];
            out.text = s(&i["body"]["text"]);
            let buttons = i["action"]["buttons"].as_array().into_iter().flatten();
            for b in buttons {
                out.choices.push(Choice {
                    id: s(&b["reply"]["id"]),
                    title: s(&b["reply"]["title"]),
                    description: None,
                });
            }
            let sections = i["action"]["sections"].as_array().into_iter().flatten();
            for r in sections.flat_map(|sec| sec["rows"].as_array().into_iter().flatten()) {
                out.choices.push(Choice {
                    id: s(&r["id"]),
                    title: s(&r["title"]),
                    description: r["description"].as_str().map(str::to_string),
                });
            }
        }
        "template" => {
            let t = &v["template"];
            let params: Vec<String> = t["components"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["type"] == "body")
                .flat_map(|c| c["parameters"].as_array().cloned().unwrap_or_default())
                .map(|p| s(&p["text"]))
                .collect();
            out.text = format!("[{}] {}", s(&t["name"]), params.join(" · "));
            let header = t["components"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["type"] == "header");
            if let Some(link) = header.and_then(|h| h["parameters"][0]["document"]["link"].as_str())
            {
                out.text = format!("{}\n{link}", out.text);
            }
            for c in t["components"].as_array().into_iter().flatten() {
                if c["sub_type"] == "quick_reply" {
                    let payload = s(&c["parameters"][0]["payload"]);
                    out.choices.push(Choice {
                        title: payload.clone(),
                        id: payload,
                        description: None,
                    });
                }
            }
        }
        _ => {}
    }
    out
}

/// Shortens to `max` characters, ending with "…" when something was cut.
pub fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> ContactRef {
        ContactRef {
            wa_id: Some("919876543210".into()),
            user_id: None,
            name: None,
        }
    }

    fn choice(id: &str, title: &str) -> Choice {
        Choice {
            id: id.into(),
            title: title.into(),
            description: None,
        }
    }

    #[test]
    fn a_text_is_the_graph_api_text_message() {
        let v = graph_request(
            &phone(),
            &Reply::Text {
                body: "नमस्ते".into(),
            },
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"919876543210",
                   "type":"text","text":{"preview_url":false,"body":"नमस्ते"}})
        );
    }

    #[test]
    fn reply_buttons_keep_meta_limits_and_shorten_long_titles_by_characters() {
        let msg = Reply::Buttons {
            body: "रमेश कुमार को चुनें?".into(),
            buttons: vec![
                choice("accept:42", "स्वीकार करें"),
                choice("decline:42", "रामप्रसाद विश्वकर्मा बढ़ई मढ़ौरा"),
            ],
            footer: Some("kaamgar".into()),
        };
        let v = graph_request(&phone(), &msg).unwrap();
        let buttons = v["interactive"]["action"]["buttons"].as_array().unwrap();
        assert_eq!(buttons[0]["reply"]["id"], "accept:42");
        let long = buttons[1]["reply"]["title"].as_str().unwrap();
        assert_eq!(long.chars().count(), BUTTON_TITLE_MAX);
        assert!(long.ends_with('…'));
        assert_eq!(v["interactive"]["footer"]["text"], "kaamgar");
        let four = Reply::Buttons {
            body: "x".into(),
            buttons: (0..4).map(|i| choice(&i.to_string(), "t")).collect(),
            footer: None,
        };
        assert!(matches!(
            graph_request(&phone(), &four),
            Err(OutboundError::Count { count: 4, .. })
        ));
        let twice = Reply::Buttons {
            body: "x".into(),
            buttons: vec![choice("a", "1"), choice("a", "2")],
            footer: None,
        };
        assert!(matches!(
            graph_request(&phone(), &twice),
            Err(OutboundError::BadId { .. })
        ));
    }

    #[test]
    fn a_list_has_at_most_ten_rows_with_short_titles() {
        let rows: Vec<Choice> = (0..10)
            .map(|i| Choice {
                id: format!("worker:{i}"),
                title: format!("कामगार नंबर {i} जिसका नाम बहुत लंबा है"),
                description: Some("2.4 km, 8 साल का अनुभव".into()),
            })
            .collect();
        let v = graph_request(
            &phone(),
            &Reply::List {
                body: "तीन सबसे पास के प्लंबर".into(),
                button: "चुनें".into(),
                rows: rows.clone(),
            },
        )
        .unwrap();
        let out = v["interactive"]["action"]["sections"][0]["rows"]
            .as_array()
            .unwrap();
        assert_eq!(out.len(), 10);
        assert!(
            out.iter()
                .all(|r| r["title"].as_str().unwrap().chars().count() <= ROW_TITLE_MAX)
        );
        let mut eleven = rows;
        eleven.push(choice("worker:x", "x"));
        assert!(
            graph_request(
                &phone(),
                &Reply::List {
                    body: "b".into(),
                    button: "c".into(),
                    rows: eleven
                }
            )
            .is_err()
        );
    }

    #[test]
    fn a_location_request_and_a_template_with_quick_replies() {
        let v = graph_request(
            &phone(),
            &Reply::LocationRequest {
                body: "अपनी जगह भेजिए".into(),
            },
        )
        .unwrap();
        assert_eq!(v["interactive"]["type"], "location_request_message");
        assert_eq!(v["interactive"]["action"]["name"], "send_location");
        let v = graph_request(
            &phone(),
            &Reply::Template {
                name: "lead_offer".into(),
                language: "hi".into(),
                body_params: vec!["प्लंबर".into(), "मढ़ौरा".into()],
                quick_replies: vec!["accept:42".into(), "decline:42".into()],
                document: None,
            },
        )
        .unwrap();
        assert_eq!(v["template"]["language"]["code"], "hi");
        let c = v["template"]["components"].as_array().unwrap();
        assert_eq!(c[0]["parameters"][1]["text"], "मढ़ौरा");
        assert_eq!(c[2]["index"], "1");
        assert_eq!(c[2]["parameters"][0]["payload"], "decline:42");
        let bad = Reply::Template {
            name: "Lead Offer!".into(),
            language: "hi".into(),
            body_params: vec![],
            quick_replies: vec![],
            document: None,
        };
        assert!(matches!(
            graph_request(&phone(), &bad),
            Err(OutboundError::TemplateName(_))
        ));
        // A certificate outside the window: the document in the template's header, as Meta documents it.
        let mut cert = Reply::Template {
            name: "kaamgar_certificate".into(),
            language: "hi".into(),
            body_params: vec!["सुनीता देवी".into()],
            quick_replies: vec![],
            document: Some(crate::conversation::HeaderDocument {
                link: "https://kaamgar.example/verify/x/certificate.pdf".into(),
                filename: "certificate.pdf".into(),
            }),
        };
        let v = graph_request(&phone(), &cert).unwrap();
        let c = &v["template"]["components"];
        assert_eq!(c[0]["type"], "header");
        assert_eq!(c[0]["parameters"][0]["type"], "document");
        assert_eq!(
            c[0]["parameters"][0]["document"]["filename"],
            "certificate.pdf"
        );
        assert_eq!(c[1]["parameters"][0]["text"], "सुनीता देवी");
        assert!(render(&v).text.ends_with("/verify/x/certificate.pdf"));
        if let Reply::Template {
            document: Some(d), ..
        } = &mut cert
        {
            d.link = "javascript:alert(1)".into();
        }
        assert!(matches!(
            graph_request(&phone(), &cert),
            Err(OutboundError::DocumentLink)
        ));
    }

    #[test]
    fn a_user_known_only_by_business_scoped_id_is_addressed_by_it_and_nobody_is_refused() {
        let bsuid = ContactRef {
            wa_id: None,
            user_id: Some("IN.1648738043044942".into()),
            name: None,
        };
        let v = graph_request(&bsuid, &Reply::Text { body: "hi".into() }).unwrap();
        assert_eq!(v["recipient"], "IN.1648738043044942");
        assert!(v.get("to").is_none());
        let nobody = ContactRef {
            wa_id: None,
            user_id: None,
            name: None,
        };
        assert_eq!(
            graph_request(&nobody, &Reply::Text { body: "hi".into() }),
            Err(OutboundError::NoRecipient)
        );
        assert_eq!(
            graph_request(&phone(), &Reply::Text { body: "  ".into() }),
            Err(OutboundError::EmptyBody)
        );
    }
}
