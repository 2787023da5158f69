//! The bot test harness: a fresh app with five plumbers in Marhaura, Meta's webhook payloads signed and posted to
//! the router, and the bot's messages read back per contact.
#![allow(dead_code)]

use crate::common::{self, HINDI_HEADER, call, csv, import_bytes};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hmac::{Hmac, Mac};
use kaamgar_app::conversation::BotService;
use kaamgar_domain::conversation::Shown;
use kaamgar_domain::whatsapp::ContactRef;
use kaamgar_domain::whatsapp::outbound::{graph_request, render};
use kaamgar_store::Store;
use kaamgar_web::WhatsAppSecrets;
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::Arc;

pub const SECRET: &str = "bot-test-secret";
pub const PNID: &str = "106540352242922";
pub const T0: i64 = 1_780_000_000;
pub const CITIZEN: &str = "919123456780";
pub const W1: &str = "919800000001";

pub struct Bot {
    pub router: axum::Router,
    pub bot: Arc<BotService>,
    pub store: Arc<dyn Store>,
    seq: std::cell::Cell<u32>,
}

pub async fn setup(t: &common::TestApp) -> Bot {
    let rows: Vec<[String; 8]> = (1..=5)
        .map(|i| {
            [
                i.to_string(),
                format!("मिस्त्री {i}"),
                format!("98000000{i:02}"),
                "पुरुष".into(),
                "35".into(),
                "plumber".into(),
                "Marhaura".into(),
                "Saran".into(),
            ]
        })
        .collect();
    let mut all: Vec<&[&str]> = vec![&HINDI_HEADER];
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    all.extend(refs.iter().map(Vec::as_slice));
    let (out, _) = import_bytes(&t.app, "plumbers.csv", csv(&all)).await;
    assert_eq!(out.unwrap().summary.inserted, 5);
    let mut state = kaamgar::serve::state(&t.app).unwrap();
    state.whatsapp = WhatsAppSecrets {
        verify_token: Some(Arc::from("v")),
        app_secret: Some(Arc::from(SECRET)),
    };
    let bot = state.bot.clone().unwrap();
    Bot {
        router: kaamgar_web::router(state),
        bot,
        store: t.app.store.clone(),
        seq: std::cell::Cell::new(0),
    }
}

pub fn envelope(contacts: Value, messages: Value) -> Value {
    json!({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
        "messaging_product":"whatsapp",
        "metadata":{"display_phone_number":"15550783881","phone_number_id":PNID},
        "contacts":contacts,"messages":messages},"field":"messages"}]}]})
}

impl Bot {
    pub fn next_id(&self) -> String {
        self.seq.set(self.seq.get() + 1);
        format!("wamid.HBgM{:06}", self.seq.get())
    }

    /// One message as Meta sends it: `kind` is the message object without from/id/timestamp.
    pub fn message(&self, from: &str, at: i64, kind: Value) -> Value {
        let mut m = kind;
        m["from"] = json!(from);
        m["id"] = json!(self.next_id());
        m["timestamp"] = json!(at.to_string());
        envelope(
            json!([{"profile":{"name":"Test"},"wa_id":from}]),
            json!([m]),
        )
    }

    pub async fn post(&self, body: &Value) -> StatusCode {
        let bytes = body.to_string().into_bytes();
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(&bytes);
        let sig: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let req = Request::post("/webhooks/whatsapp")
            .header(header::CONTENT_TYPE, "application/json")
            .header("X-Hub-Signature-256", format!("sha256={sig}"))
            .body(Body::from(bytes))
            .unwrap();
        call(&self.router, req).await.0
    }

    /// Sends and lets the bot handle everything pending at `at`; returns what it sent to each contact.
    pub async fn say(&self, from: &str, at: i64, kind: Value) -> Vec<(String, Shown)> {
        assert_eq!(
            self.post(&self.message(from, at, kind)).await,
            StatusCode::OK
        );
        self.run(at).await
    }

    pub async fn text(&self, from: &str, at: i64, text: &str) -> Vec<(String, Shown)> {
        self.say(from, at, json!({"type":"text","text":{"body":text}}))
            .await
    }

    pub async fn tap(&self, from: &str, at: i64, id: &str) -> Vec<(String, Shown)> {
        self.say(from, at, json!({"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":id,"title":"x"}}}))
            .await
    }

    pub async fn pick(&self, from: &str, at: i64, id: &str) -> Vec<(String, Shown)> {
        self.say(from, at, json!({"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":id,"title":"x","description":"d"}}}))
            .await
    }

    pub async fn template_tap(&self, from: &str, at: i64, payload: &str) -> Vec<(String, Shown)> {
        self.say(from, at, json!({"context":{"from":"15550783881","id":"wamid.LEAD"},"type":"button","button":{"payload":payload,"text":"हाँ"}}))
            .await
    }

    /// Each message as its channel shows it: WhatsApp's rendered to the Graph API's JSON (which must succeed) and
    /// read back, the local channels' as they are.
    pub async fn run(&self, at: i64) -> Vec<(String, Shown)> {
        let msgs = self.bot.drain(at).await.unwrap();
        msgs.iter()
            .map(|m| {
                let shown = if m.channel.is_local() {
                    m.message.shown()
                } else {
                    let to = ContactRef::addressed(m.recipient.as_deref().unwrap_or_default());
                    render(&graph_request(&to, &m.message).unwrap())
                };
                (m.contact.clone(), shown)
            })
            .collect()
    }
}

/// The WhatsApp id and name of the worker a pick button is for.
pub async fn worker_of(store: &dyn Store, pick_id: &str) -> (String, String) {
    let w: i64 = pick_id.rsplit(':').next().unwrap().parse().unwrap();
    let w = store.get_worker(w).await.unwrap();
    (
        w.data.phone.e164().trim_start_matches('+').to_string(),
        w.data.name,
    )
}

pub fn to<'a>(msgs: &'a [(String, Shown)], who: &str) -> Vec<&'a Shown> {
    msgs.iter()
        .filter(|(c, _)| c == who)
        .map(|(_, r)| r)
        .collect()
}

pub fn only<'a>(msgs: &'a [(String, Shown)], who: &str) -> &'a Shown {
    let v = to(msgs, who);
    assert_eq!(v.len(), 1, "one message to {who}: {msgs:#?}");
    v[0]
}
