//! Sends the outbox to the WhatsApp Cloud API: `POST {api_base}/{phone_number_id}/messages` with the access token,
//! at most `rate` messages a second per business number, in queue order per contact. What happens to a message is
//! decided by Meta's answer:
//! - a message id: sent;
//! - a throttling code (130429, 131056), HTTP 429/5xx or a network error: retried with backoff, and the sender slows
//!   down for a while;
//! - 131047 (outside the 24-hour window): failed with its code, so that the conversation engine sends the approved
//!   template instead;
//! - anything else: failed permanently with Meta's code and message, for officials to see.

use anyhow::{Context, Result};
use kaamgar_domain::channel::Channel;
use kaamgar_domain::whatsapp::ContactRef;
use kaamgar_domain::whatsapp::outbound::{GRAPH_FORMAT, graph_request};
use kaamgar_store::{OutMessage, OutboundJob, Store};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Attempts before a message that keeps failing transiently is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// Meta's throttling codes: too many messages from the number, or to one user.
const THROTTLED: [i64; 2] = [130_429, 131_056];
/// Meta's "re-engagement" code: the 24-hour customer service window is closed.
pub use kaamgar_domain::whatsapp::WINDOW_CLOSED;

/// What Meta's answer means for the message.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Sent {
        wamid: String,
    },
    Retry {
        code: Option<i64>,
        error: String,
        throttled: bool,
    },
    Failed {
        code: Option<i64>,
        error: String,
    },
}

#[derive(Debug, Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl GraphClient {
    pub fn new(base: &str, token: &str) -> Result<Self> {
        // One TLS provider for the process (ring, see docs/ARCHITECTURE.md); a second install is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("building the Graph API client")?;
        Ok(GraphClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
        })
    }

    /// Sends one request body (JSON text) and classifies Meta's answer.
    pub async fn send(&self, phone_number_id: &str, request: &str) -> Outcome {
        let url = format!("{}/{}/messages", self.base, phone_number_id);
        let res = self
            .http
            .post(&url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(request.to_string())
            .send()
            .await;
        let res = match res {
            Ok(r) => r,
            Err(e) => {
                return Outcome::Retry {
                    code: None,
                    error: format!("network: {e}"),
                    throttled: false,
                };
            }
        };
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
        classify(status.as_u16(), &body)
    }
}

/// Meta's answer to a send, as an outcome.
pub fn classify(status: u16, body: &serde_json::Value) -> Outcome {
    if (200..300).contains(&status) {
        return match body["messages"][0]["id"].as_str() {
            Some(id) if !id.is_empty() => Outcome::Sent {
                wamid: id.to_string(),
            },
            _ => Outcome::Retry {
                code: None,
                error: "a success without a message id".into(),
                throttled: false,
            },
        };
    }
    let code = body["error"]["code"].as_i64();
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or("no error message")
        .chars()
        .take(300)
        .collect::<String>();
    let error = format!("HTTP {status}: {message}");
    match code {
        Some(c) if THROTTLED.contains(&c) => Outcome::Retry {
            code,
            error,
            throttled: true,
        },
        Some(WINDOW_CLOSED) => Outcome::Failed { code, error },
        _ if status == 429 => Outcome::Retry {
            code,
            error,
            throttled: true,
        },
        _ if status >= 500 => Outcome::Retry {
            code,
            error,
            throttled: false,
        },
        _ => Outcome::Failed { code, error },
    }
}

/// Seconds to wait before attempt `attempts + 1`: 2, 4, 8 … up to 5 minutes; longer after throttling.
pub fn backoff_secs(attempts: i64, throttled: bool) -> i64 {
    let base = 1i64 << attempts.clamp(1, 8);
    let secs = if throttled { base * 4 } else { base };
    secs.min(300)
}

/// Spaces sends per business number to at most `rate` a second, and slows down after throttling.
#[derive(Debug)]
struct Pace {
    rate: f64,
    next: HashMap<String, Instant>,
    slow_until: Option<Instant>,
}

impl Pace {
    fn wait_for(&mut self, number: &str, now: Instant) -> Duration {
        let slowed = self.slow_until.is_some_and(|t| t > now);
        let gap = Duration::from_secs_f64(1.0 / if slowed { self.rate / 4.0 } else { self.rate });
        let at = self.next.get(number).copied().unwrap_or(now).max(now);
        self.next.insert(number.to_string(), at + gap);
        at - now
    }

    fn throttled(&mut self, now: Instant) {
        self.slow_until = Some(now + Duration::from_secs(60));
    }
}

/// The Graph API request body of a queued message: a reply rendered now, or a body stored in Graph's own format
/// (before the outbox kept replies) as it is.
pub fn body_of(job: &OutboundJob) -> Result<String, String> {
    match &job.message {
        OutMessage::Reply(r) => {
            let to = ContactRef::addressed(job.recipient.as_deref().unwrap_or_default());
            graph_request(&to, r)
                .map(|v| v.to_string())
                .map_err(|e| format!("building the message: {e}"))
        }
        OutMessage::Wire { format, body } if format == GRAPH_FORMAT => Ok(body.clone()),
        OutMessage::Wire { format, .. } => Err(format!(
            "a stored message in format '{format}' is not one WhatsApp can send"
        )),
    }
}

/// The outbox sender.
pub struct Sender {
    store: Arc<dyn Store>,
    client: GraphClient,
    pace: tokio::sync::Mutex<Pace>,
}

impl Sender {
    pub fn new(store: Arc<dyn Store>, client: GraphClient, rate_per_second: f64) -> Self {
        Sender {
            store,
            client,
            pace: tokio::sync::Mutex::new(Pace {
                rate: rate_per_second.max(0.1),
                next: HashMap::new(),
                slow_until: None,
            }),
        }
    }

    /// Sends what is due now; returns how many messages were handled.
    pub async fn run_once(&self, now: i64) -> Result<usize> {
        let jobs = self
            .store
            .claim_outbound(Channel::WhatsApp, 200, now)
            .await
            .context("claiming outbound messages")?;
        let n = jobs.len();
        // One contact's messages go one after another, in queue order.
        let mut by_contact: Vec<Vec<OutboundJob>> = Vec::new();
        for j in jobs {
            match by_contact.iter_mut().find(|g| g[0].contact == j.contact) {
                Some(g) => g.push(j),
                None => by_contact.push(vec![j]),
            }
        }
        // A message whose fate cannot be recorded stays claimed and is requeued with the stuck ones; the rest of
        // the batch goes on.
        for group in by_contact {
            for job in group {
                if let Err(e) = self.send_one(&job, now).await {
                    tracing::warn!(outbox.id = job.id, error = %format!("{e:#}"), "recording a message's outcome failed; it will be requeued");
                }
            }
        }
        Ok(n)
    }

    async fn send_one(&self, job: &OutboundJob, now: i64) -> Result<()> {
        let store = self.store.as_ref();
        let body = match body_of(job) {
            Ok(b) => b,
            Err(error) => {
                // A reply WhatsApp cannot take (a bug in what the conversation built): no attempt will do better.
                tracing::error!(outbox.id = job.id, error = %error, "a message cannot be rendered for WhatsApp");
                return Ok(store.outbound_failed(job.id, None, &error).await?);
            }
        };
        let wait = self
            .pace
            .lock()
            .await
            .wait_for(&job.sender_id, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let outcome = self.client.send(&job.sender_id, &body).await;
        match outcome {
            Outcome::Sent { wamid } => store.outbound_sent(job.id, &wamid, now).await?,
            Outcome::Retry {
                code,
                error,
                throttled,
            } => {
                if throttled {
                    self.pace.lock().await.throttled(Instant::now());
                }
                if job.attempts >= MAX_ATTEMPTS {
                    tracing::warn!(outbox.id = job.id, error = %error, "giving up on a message");
                    store.outbound_failed(job.id, code, &error).await?;
                } else {
                    let next = now + backoff_secs(job.attempts, throttled);
                    store.outbound_retry(job.id, next, code, &error).await?;
                }
            }
            Outcome::Failed { code, error }
                if code == Some(WINDOW_CLOSED)
                    && store.outbound_use_fallback(job.id, now).await? =>
            {
                tracing::info!(outbox.id = job.id, error = %error, "window closed; sending the template instead");
            }
            Outcome::Failed { code, error } => {
                tracing::warn!(outbox.id = job.id, code = ?code, error = %error, "message failed");
                store.outbound_failed(job.id, code, &error).await?;
            }
        }
        Ok(())
    }

    /// Runs the sender until the process ends: requeues what a dead sender left, then sends what is due; woken
    /// by `wake` when messages are queued.
    pub fn spawn(self: Arc<Self>, wake: Arc<tokio::sync::Notify>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let woken = wake.notified();
                let now = crate::app::now();
                if let Err(e) = self.store.requeue_stuck_outbound(now - 120).await {
                    tracing::warn!(error = %e, "requeueing stuck messages failed");
                }
                match self.run_once(now).await {
                    Ok(0) => {
                        let _ = tokio::time::timeout(Duration::from_secs(1), woken).await;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "sending the outbox failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn meta_answers_are_classified() {
        let ok = json!({"messaging_product":"whatsapp","contacts":[{"input":"919876543210","wa_id":"919876543210"}],"messages":[{"id":"wamid.X"}]});
        assert_eq!(
            classify(200, &ok),
            Outcome::Sent {
                wamid: "wamid.X".into()
            }
        );
        let err = |code: i64| json!({"error":{"message":"m","type":"OAuthException","code":code,"fbtrace_id":"A"}});
        assert!(matches!(
            classify(400, &err(130_429)),
            Outcome::Retry {
                throttled: true,
                ..
            }
        ));
        assert!(matches!(
            classify(400, &err(131_056)),
            Outcome::Retry {
                throttled: true,
                ..
            }
        ));
        assert!(matches!(
            classify(400, &err(131_047)),
            Outcome::Failed {
                code: Some(131_047),
                ..
            }
        ));
        assert!(matches!(
            classify(400, &err(131_026)),
            Outcome::Failed { .. }
        ));
        assert!(matches!(
            classify(500, &json!(null)),
            Outcome::Retry {
                throttled: false,
                ..
            }
        ));
        assert!(matches!(
            classify(429, &json!(null)),
            Outcome::Retry {
                throttled: true,
                ..
            }
        ));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_secs(1, false), 2);
        assert_eq!(backoff_secs(3, false), 8);
        assert_eq!(backoff_secs(3, true), 32);
        assert_eq!(backoff_secs(20, true), 300);
    }

    #[test]
    fn the_pace_spaces_messages_per_number() {
        let mut p = Pace {
            rate: 80.0,
            next: HashMap::new(),
            slow_until: None,
        };
        let t = Instant::now();
        assert_eq!(p.wait_for("n1", t), Duration::ZERO);
        let second = p.wait_for("n1", t);
        assert!(second >= Duration::from_millis(12) && second <= Duration::from_millis(13));
        assert_eq!(
            p.wait_for("n2", t),
            Duration::ZERO,
            "another number has its own pace"
        );
        p.throttled(t);
        assert!(p.wait_for("n3", t).is_zero());
        assert!(
            p.wait_for("n3", t) >= Duration::from_millis(49),
            "four times slower after throttling"
        );
    }
}
