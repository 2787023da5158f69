//! `kaamgar bench bot`: the time from a citizen's message to the bot's reply reaching the Graph API, with real HTTP
//! on loopback at both ends — signed webhook POSTs from a load generator at a fixed rate of new conversations, the
//! whole server as `kaamgar serve` runs it (inbox, bot, outbox, sender) on a demo registry, and a fake Graph API that
//! notes when each citizen's first reply arrives.

use crate::app::App;
use crate::config::Config;
use anyhow::{Context, Result, bail};
use axum::extract::State;
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct BotBenchArgs {
    /// New conversations a second.
    #[arg(long, default_value_t = 100)]
    pub rate: u32,
    #[arg(long, default_value_t = 20)]
    pub seconds: u32,
    /// Demo registry size.
    #[arg(long, default_value_t = 80_000)]
    pub workers: usize,
    /// The sender's per-number rate (Meta allows up to 1,000 a second on higher tiers; the default 80 would be the
    /// bottleneck at 100 conversations a second).
    #[arg(long, default_value_t = 1000.0)]
    pub send_rate: f64,
}

static SENT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

const SECRET: &str = "bench-secret";
const PNID: &str = "106540352242922";
const PLACES: [&str; 6] = ["marhaura", "chapra", "sonpur", "ekma", "dighwara", "parsa"];
const TRADES: [&str; 5] = [
    "plumber",
    "bijli mistri",
    "raj mistri",
    "carpenter",
    "painter",
];

async fn fake_graph(
    State(arrivals): State<Arrivals>,
    body: axum::body::Bytes,
) -> axum::Json<Value> {
    let at = Instant::now();
    let to = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["to"].as_str().map(str::to_string))
        .unwrap_or_default();
    arrivals
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(to)
        .or_insert(at);
    let n = SENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    axum::Json(
        json!({"messaging_product":"whatsapp","messages":[{"id":format!("wamid.bench.out.{n}")}]}),
    )
}

fn signed(body: &[u8]) -> Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).context("hmac key")?;
    mac.update(body);
    Ok(format!(
        "sha256={}",
        mac.finalize()
            .into_bytes()
            .iter()
            .fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            })
    ))
}

fn message(i: u32, wa: &str, now: i64) -> Value {
    let text = format!(
        "{} chahiye {} me",
        TRADES[i as usize % 5],
        PLACES[i as usize % 6]
    );
    json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp",
        "metadata":{"display_phone_number":"15550783881","phone_number_id":PNID},
        "contacts":[{"profile":{"name":"Bench"},"wa_id":wa}],
        "messages":[{"from":wa,"id":format!("wamid.bench.{i}"),"timestamp":now.to_string(),"type":"text","text":{"body":text}}]},
        "field":"messages"}]}]})
}

pub async fn run(args: BotBenchArgs) -> Result<String> {
    let dir = tempfile_dir()?;
    let arrivals: Arrivals = Arc::default();
    let graph = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let graph_addr = graph.local_addr()?;
    let fake = axum::Router::new()
        .route("/v23.0/{pnid}/messages", post(fake_graph))
        .with_state(arrivals.clone());
    tokio::spawn(async move { axum::serve(graph, fake).await });

    let cfg = Config {
        database_url: format!("sqlite://{}", dir.join("bench.db").display()),
        whatsapp_app_secret: Some(SECRET.into()),
        whatsapp_verify_token: Some("v".into()),
        whatsapp_access_token: Some("bench-token".into()),
        whatsapp_phone_number_id: Some(PNID.into()),
        whatsapp_api_base: format!("http://{graph_addr}/v23.0"),
        whatsapp_send_rate: args.send_rate,
        ..Config::default()
    };
    let app = App::open(cfg).await?;
    crate::serve::fill_demo(&app, args.workers).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let serving = crate::serve::start(app.clone()).await?;
    tokio::spawn(async move { axum::serve(listener, serving).await });

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let total = args.rate * args.seconds;
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(f64::from(i) / f64::from(args.rate));
        tokio::time::sleep_until(due.into()).await;
        let wa = format!("91{}", 7_000_000_000u64 + u64::from(i));
        let body = message(i, &wa, crate::app::now()).to_string();
        let sig = signed(body.as_bytes())?;
        let (client, sent) = (client.clone(), sent.clone());
        let url = format!("http://{addr}/webhooks/whatsapp");
        tasks.push(tokio::spawn(async move {
            sent.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(wa, Instant::now());
            let r = client
                .post(url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", sig)
                .body(body)
                .send()
                .await;
            matches!(r, Ok(r) if r.status().is_success())
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap_or(false));
    }
    // Let the last replies arrive.
    let deadline = Instant::now() + Duration::from_secs(30);
    while arrivals.lock().unwrap_or_else(|e| e.into_inner()).len() < ok && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent = sent.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let arrived = arrivals.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut ms: Vec<f64> = sent
        .iter()
        .filter_map(|(wa, s)| {
            arrived
                .get(wa)
                .map(|a| a.duration_since(*s).as_secs_f64() * 1000.0)
        })
        .collect();
    if ms.is_empty() {
        bail!("no reply reached the fake Graph API");
    }
    ms.sort_by(f64::total_cmp);
    let p = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    let _ = std::fs::remove_dir_all(&dir);
    Ok(format!(
        "bot: {total} conversations at {}/s over {} s on a {}-worker demo registry (SQLite)\n\
         webhook 200s: {ok}/{total}; first replies at the fake Graph API: {}/{ok}\n\
         message → reply at the Graph API: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        args.rate,
        args.seconds,
        args.workers,
        ms.len(),
        p(0.50),
        p(0.95),
        p(0.99),
        ms[ms.len() - 1],
    ))
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("kaamgar-bench-bot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
