//! `kaamgar bench dashboard`: server time of every dashboard page on the demo registry (80,000 workers and two
//! weeks of requests by default), signed in as a district administrator, requests sent through the router one
//! after another (no network, so the figure is the server's own time), and each page's weight.

use crate::app::App;
use crate::config::Config;
use anyhow::{Context, Result, bail};
use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use kaamgar_store::prelude::*;
use kaamgar_store::{NewUser, RequestFilter, WorkerFilter};
use std::fmt::Write;
use std::time::Instant;
use tower::ServiceExt;

#[derive(clap::Args, Debug)]
pub struct DashboardBenchArgs {
    #[arg(long, default_value_t = 80_000)]
    pub workers: usize,
    /// Requests per page.
    #[arg(long, default_value_t = 300)]
    pub rounds: usize,
}

const PASSWORD: &str = "bench-password-1";

pub(crate) struct Client {
    pub(crate) router: axum::Router,
    pub(crate) cookies: Vec<String>,
}

impl Client {
    pub(crate) async fn send(&mut self, req: Request<Body>) -> Result<(u16, Vec<u8>, String)> {
        let mut req = req;
        if !self.cookies.is_empty() {
            req.headers_mut()
                .insert(header::COOKIE, self.cookies.join("; ").parse()?);
        }
        let res = self.router.clone().oneshot(req).await?;
        let status = res.status().as_u16();
        for c in res.headers().get_all(header::SET_COOKIE) {
            let kv = c.to_str()?.split(';').next().unwrap_or("").to_string();
            let name = kv.split('=').next().unwrap_or("").to_string();
            self.cookies.retain(|x| !x.starts_with(&format!("{name}=")));
            self.cookies.push(kv);
        }
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = res.into_body().collect().await?.to_bytes().to_vec();
        Ok((status, body, location))
    }

    pub(crate) async fn get(&mut self, uri: &str) -> Result<(u16, Vec<u8>, String)> {
        self.send(Request::get(uri).body(Body::empty())?).await
    }
}

impl Client {
    /// A client of the app's router signed in as `name`.
    pub(crate) async fn signed_in(app: &App, name: &str, password: &str) -> Result<Client> {
        let mut c = Client {
            router: kaamgar_web::router(crate::serve::state(app)?),
            cookies: Vec::new(),
        };
        let (_, page, _) = c.get("/").await?;
        let csrf = csrf_of(&page).context("no sign-in form")?;
        let form = format!("name={name}&password={password}&csrf={csrf}");
        let (status, _, _) = c
            .send(
                Request::post("/signin")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form))?,
            )
            .await?;
        if status != 303 {
            bail!("signing in failed with {status}");
        }
        Ok(c)
    }
}

fn csrf_of(html: &[u8]) -> Option<String> {
    let html = String::from_utf8_lossy(html);
    let i = html.find("name=\"csrf\" value=\"")? + 19;
    let rest = &html[i..];
    Some(rest[..rest.find('"')?].to_string())
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub async fn run(args: DashboardBenchArgs) -> Result<String> {
    let dir = std::env::temp_dir().join(format!("kaamgar-bench-dash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let cfg = Config {
        database_url: format!("sqlite://{}", dir.join("bench.db").display()),
        ..Config::default()
    };
    let app = App::open(cfg).await?;
    let started = Instant::now();
    crate::serve::fill_demo(&app, args.workers).await?;
    let now = crate::app::now();
    let requests =
        crate::demo_service::fill_requests(&app, crate::serve::DEMO_REQUESTS_PER_DAY, now).await?;
    let district = app
        .places
        .area()
        .first()
        .and_then(|d| app.places.district(*d))
        .map(|d| d.name.clone())
        .context("no district in the service area")?;
    let hash = crate::users::hash_off_runtime(PASSWORD).await?;
    app.store
        .create_user(
            &NewUser {
                name: "bench".into(),
                password_hash: hash,
                role: "district_admin".into(),
                district: Some(district.clone()),
                block: None,
                lang: "hi".into(),
            },
            now,
        )
        .await?;
    let fill = started.elapsed();
    // The search keys and counts are built by following the registry, as a server does after an import.
    let indexing = Instant::now();
    app.store.catch_up_index(None).await?;
    let indexed = indexing.elapsed();

    let mut c = Client::signed_in(&app, "bench", PASSWORD).await?;
    let some = app
        .store
        .list_workers(
            &WorkerFilter::default(),
            kaamgar_store::Page {
                after: 40_000,
                limit: 1,
            },
        )
        .await?;
    let worker = some.first().map_or(1, |w| w.id);
    let block = some
        .first()
        .and_then(|w| w.data.place.block.clone())
        .unwrap_or_default();
    let latest = app
        .store
        .list_requests(
            &RequestFilter {
                before: Some(i64::MAX),
                ..Default::default()
            },
            0,
            1,
        )
        .await?;
    let request = latest.first().map_or(1, |r| r.id.0);
    let pages = [
        ("overview", "/".to_string()),
        ("workers", "/workers".to_string()),
        (
            "workers, 3 filters",
            format!(
                "/workers?trade=plumber&block={}&availability=available",
                enc(&block)
            ),
        ),
        // Names are stored in Devanagari: Latin searches find them through the phonetic keys.
        (
            "workers, name search 'kumar'",
            "/workers?q=kumar".to_string(),
        ),
        (
            "workers, name search 'ramesh yadav'",
            "/workers?q=ramesh%20yadav".to_string(),
        ),
        (
            "workers, name search 'सुनीता'",
            format!("/workers?q={}", enc("सुनीता")),
        ),
        ("workers, phone search", "/workers?q=4321".to_string()),
        ("worker profile", format!("/workers/{worker}")),
        ("worker edit form", format!("/workers/{worker}/edit")),
        ("requests", "/requests".to_string()),
        (
            "requests, one status",
            "/requests?status=accepted".to_string(),
        ),
        (
            "requests, block + trade + days",
            format!(
                "/requests?block={}&trade=plumber&from=01/01/2020&to=31/12/2099",
                enc(&block)
            ),
        ),
        (
            "requests, waiting over an hour",
            "/requests?outcome=stale".to_string(),
        ),
        ("request", format!("/requests/{request}")),
        ("uploads", "/uploads".to_string()),
        ("audit log", "/audit".to_string()),
        (
            "audit log, one person's sign-ins",
            "/audit?who=bench&action=signin".to_string(),
        ),
    ];
    let mut out = String::new();
    writeln!(
        out,
        "dashboard, SQLite, {} workers, {requests} requests over 14 days (filled in {:.1} s, search keys and counts built in {:.1} s); {} requests per page, one at a time, server time through the router",
        args.workers,
        fill.as_secs_f64(),
        indexed.as_secs_f64(),
        args.rounds
    )?;
    writeln!(out, "| page | p50 ms | p99 ms | max ms | bytes |")?;
    writeln!(out, "| --- | --- | --- | --- | --- |")?;
    for (name, uri) in &pages {
        // The first request fills the overview cache; it is not counted.
        let (status, body, _) = c.get(uri).await?;
        if status != 200 {
            bail!("{uri} answered {status}");
        }
        let mut times = Vec::with_capacity(args.rounds);
        for _ in 0..args.rounds {
            let t = Instant::now();
            let (status, _, _) = c.get(uri).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if status != 200 {
                bail!("{uri} answered {status}");
            }
        }
        times.sort_by(f64::total_cmp);
        writeln!(
            out,
            "| {name} | {:.2} | {:.2} | {:.2} | {} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times.last().copied().unwrap_or(0.0),
            body.len()
        )?;
    }
    app.store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

fn enc(s: &str) -> String {
    kaamgar_web::dashboard::session::urlencode(s)
}
