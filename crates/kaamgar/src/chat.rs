//! `kaamgar chat`: talk to the bot in the terminal, on the same engine, store and inbox as WhatsApp. Each line is
//! stored as an inbound message and handled at once; the bot's replies are printed, and messages it queued for
//! other people (a lead to a worker) are shown with the number masked. Lines starting with `/` steer the session:
//! `/as PHONE [NAME]` to speak as someone else (a worker answering a lead), `/tap ID` to tap a button,
//! `/loc LAT,LON` to share a location, `/wait SECONDS` to move the session clock on (lead timeouts, follow-ups).

use crate::app::{self, App};
use crate::config::Config;
use anyhow::{Context, Result};
use kaamgar_app::matching::Matcher;
use kaamgar_domain::PhoneNumber;
use kaamgar_domain::channel::{Channel, ContactKey};
use kaamgar_domain::whatsapp::{ContactRef, InboundEvent, InboundMessage, MessageBody};
use kaamgar_store::NewOutbound;
use kaamgar_store::prelude::*;
use std::io::{BufRead, Write};
use std::sync::Arc;

struct Who {
    key: String,
    wa_id: Option<String>,
    name: Option<String>,
}

fn who(phone: Option<&str>, name: Option<String>) -> Result<Who> {
    Ok(match phone {
        Some(p) => {
            let p =
                PhoneNumber::parse(p).with_context(|| format!("'{p}' is not a mobile number"))?;
            let wa = p.e164().trim_start_matches('+').to_string();
            Who {
                key: ContactKey::new(Channel::Terminal, &wa).to_string(),
                wa_id: Some(wa),
                name,
            }
        }
        None => Who {
            key: ContactKey::new(Channel::Terminal, "local").to_string(),
            wa_id: None,
            name,
        },
    })
}

pub async fn command(cfg: Config, phone: Option<String>, name: Option<String>) -> Result<()> {
    let app = App::open(cfg).await?;
    let matcher = Arc::new(Matcher::new(&app.trades));
    matcher.refresh(app.store.as_ref()).await?;
    let bot = crate::serve::bot_service(&app, app.understander()?, matcher)
        .with_training(crate::serve::training(&app)?);
    let mut me = who(phone.as_deref(), name)?;
    let mut offset = 0i64;
    let mut seq = 0u64;
    let session = app::now();
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "kaamgar chat as {} — /as PHONE [NAME], /tap ID, /loc LAT,LON, /wait SECONDS",
        label(&me)
    )?;
    for line in stdin.lock().lines() {
        let line = line.context("reading standard input")?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let now = app::now() + offset;
        let body = if let Some(rest) = line.strip_prefix("/as ") {
            let mut parts = rest.trim().splitn(2, ' ');
            let phone = parts.next().filter(|p| !p.is_empty());
            me = who(phone, parts.next().map(str::to_string))?;
            writeln!(out, "(now speaking as {})", label(&me))?;
            continue;
        } else if let Some(secs) = line.strip_prefix("/wait ") {
            offset += secs.trim().parse::<i64>().context("/wait takes seconds")?;
            let msgs = bot.drain(app::now() + offset).await?;
            show(&mut out, &me, &msgs)?;
            continue;
        } else if let Some(id) = line.strip_prefix("/tap ") {
            MessageBody::ButtonReply {
                id: id.trim().into(),
                title: id.trim().into(),
            }
        } else if let Some(ll) = line.strip_prefix("/loc ") {
            let (lat, lon) = ll.split_once(',').context("/loc takes LAT,LON")?;
            MessageBody::Location {
                lat: lat.trim().parse().context("latitude")?,
                lon: lon.trim().parse().context("longitude")?,
                name: None,
                address: None,
            }
        } else {
            MessageBody::Text { body: line.into() }
        };
        seq += 1;
        let event = InboundEvent::Message(InboundMessage {
            id: format!("term-{session}-{seq}"),
            phone_number_id: String::new(),
            from: ContactRef {
                wa_id: me.wa_id.clone(),
                user_id: None,
                name: me.name.clone(),
            },
            timestamp: now,
            body,
            context_id: None,
        });
        let row = kaamgar_app::conversation::inbox_row(&event, &me.key)?;
        app.store.ingest_inbound(&[row], now).await?;
        let msgs = bot.drain(now).await?;
        show(&mut out, &me, &msgs)?;
    }
    Ok(())
}

fn label(w: &Who) -> String {
    w.wa_id
        .as_deref()
        .and_then(|p| PhoneNumber::parse(p).ok())
        .map_or_else(|| "a citizen without a number".into(), |p| p.masked())
}

fn show(out: &mut impl Write, me: &Who, msgs: &[NewOutbound]) -> Result<()> {
    for m in msgs {
        let r = m.message.shown();
        if m.contact == me.key {
            writeln!(out, "bot> {}", r.text)?;
        } else {
            let to = PhoneNumber::parse(ContactKey::parse(&m.contact).address())
                .map_or_else(|_| "another contact".to_string(), |p| p.masked());
            let how = if m.channel.is_local() {
                "terminal"
            } else {
                "WhatsApp, queued"
            };
            writeln!(out, "bot → {to} ({how})> {}", r.text)?;
        }
        for c in &r.choices {
            match &c.description {
                Some(d) => writeln!(out, "    [{}] {} — {}", c.id, c.title, d)?,
                None => writeln!(out, "    [{}] {}", c.id, c.title)?,
            }
        }
    }
    out.flush()?;
    Ok(())
}
