//! Group commit for the webhook: concurrent notifications are written to the inbox in one transaction, so the
//! rate is not bound by one commit per request on SQLite's single writer. Each request still gets its 200 only
//! after the transaction holding its events has committed; if it fails, every request in it gets an error and
//! Meta delivers them again.

use kaamgar_store::{NewInboxEvent, Store};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Requests combined into one transaction at most.
const GROUP: usize = 256;

type Reply = oneshot::Sender<Result<(usize, usize), String>>;

struct Job {
    events: Vec<NewInboxEvent>,
    now: i64,
    reply: Reply,
}

#[derive(Clone)]
pub struct InboxWriter {
    store: Arc<dyn Store>,
    tx: Option<mpsc::Sender<Job>>,
}

impl InboxWriter {
    /// Starts the writer task on the current runtime; without one, writes go straight to the store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        let tx = tokio::runtime::Handle::try_current().ok().map(|rt| {
            let (tx, rx) = mpsc::channel(4 * GROUP);
            rt.spawn(run(store.clone(), rx));
            tx
        });
        InboxWriter { store, tx }
    }

    /// Stores the events; returns (stored, duplicates) once they are committed.
    pub async fn write(
        &self,
        events: Vec<NewInboxEvent>,
        now: i64,
    ) -> Result<(usize, usize), String> {
        let Some(tx) = &self.tx else {
            let out = self
                .store
                .ingest_inbound(&events, now)
                .await
                .map_err(|e| e.to_string())?;
            return Ok((out.stored, out.duplicates));
        };
        let (reply, answer) = oneshot::channel();
        tx.send(Job { events, now, reply })
            .await
            .map_err(|_| "the inbox writer has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the inbox writer has stopped".to_string())?
    }
}

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let all: Vec<NewInboxEvent> = jobs.iter().flat_map(|j| j.events.iter().cloned()).collect();
        let now = jobs.iter().map(|j| j.now).max().unwrap_or(0);
        match store.ingest_inbound(&all, now).await {
            Ok(out) => {
                let mut at = 0;
                for j in jobs {
                    let n = j.events.len();
                    let fresh = out
                        .fresh
                        .get(at..at + n)
                        .map_or(0, |f| f.iter().filter(|b| **b).count());
                    at += n;
                    let _ = j.reply.send(Ok((fresh, n - fresh)));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, requests = jobs.len(), "storing webhook events failed");
                for j in jobs {
                    let _ = j.reply.send(Err(e.to_string()));
                }
            }
        }
    }
}
