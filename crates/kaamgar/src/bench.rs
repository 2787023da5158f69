//! `kaamgar bench …`: measured figures for the import and start-up targets, printed as one JSON object each.
//! Each run uses a fresh database (a temporary SQLite file, or a new PostgreSQL database next to the given URL).

use crate::app::App;
use crate::config::Config;
use crate::import::report::{CsvReport, ReportSink};
use crate::import::source::Input;
use crate::import::{ImportOptions, Progress};
use anyhow::{Context, Result, bail};
use kaamgar_domain::worker::ConsentMethod;
use kaamgar_store::{Store, scratch};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The secret of a throw-away benchmark database (it never holds a real person).
const SCRATCH_SECRET: &str = "scratch-database-of-a-benchmark-run";

/// Peak resident memory of this process so far, in MiB (Linux).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Bytes this process has caused to be written to storage so far (Linux `/proc/self/io`), in MiB.
fn written_mib() -> Option<f64> {
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    let line = io.lines().find(|l| l.starts_with("write_bytes:"))?;
    let bytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(bytes / 1048576.0)
}

struct Scratch {
    dir: PathBuf,
    pg: Option<(String, String)>,
}

impl Scratch {
    async fn new(database_url: Option<&str>) -> Result<(Scratch, String)> {
        let dir = std::env::temp_dir().join(format!("kaamgar-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        match database_url {
            Some(url) if url.starts_with("postgres") => {
                let name = format!("kaamgar_bench_{}", std::process::id());
                let fresh = scratch::create_postgres_database(url, &name)
                    .await
                    .context("creating a scratch PostgreSQL database")?;
                Ok((
                    Scratch {
                        dir,
                        pg: Some((url.to_string(), name)),
                    },
                    fresh,
                ))
            }
            Some(other) => bail!(
                "--database-url must be a postgres:// URL (SQLite benches use a temporary file): {other}"
            ),
            None => {
                let url = format!("sqlite://{}", dir.join("bench.db").display());
                Ok((Scratch { dir, pg: None }, url))
            }
        }
    }

    async fn cleanup(self) {
        if let Some((url, name)) = &self.pg {
            let _ = scratch::drop_postgres_database(url, name).await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Generates a demo list of `rows` rows in a child process (so its memory is not counted), then imports it
/// twice: a first import and an unchanged re-import.
pub async fn import(rows: usize, database_url: Option<&str>, xlsx: bool) -> Result<()> {
    let (scratch, url) = Scratch::new(database_url).await?;
    let ext = if xlsx { "xlsx" } else { "csv" };
    let file = scratch.dir.join(format!("list.{ext}"));
    let exe = std::env::current_exe().context("finding the kaamgar executable")?;
    let status = std::process::Command::new(exe)
        .args(["demo-data", "--rows", &rows.to_string(), "--output"])
        .arg(&file)
        .status()
        .context("generating the list")?;
    if !status.success() {
        bail!("generating the list failed");
    }
    let bytes = std::fs::metadata(&file)?.len();
    let config = Config {
        database_url: url.clone(),
        secret_key: Some(SCRATCH_SECRET.into()),
        ..Config::default()
    };
    let app = App::open(config).await?;
    let rss_before = peak_rss_mib();
    let written_before = written_mib();
    let first = timed_import(&app, &file).await?;
    let rss_after_first = peak_rss_mib();
    let written_first = written_mib();
    let second = timed_import(&app, &file).await?;
    let written_second = written_mib();
    let diff = |a: Option<f64>, b: Option<f64>| Some(((b? - a?) * 10.0).round() / 10.0);
    let result = serde_json::json!({
        "bench": "import",
        "backend": app.store.backend().name(),
        "format": ext,
        "rows": rows,
        "file_mib": (bytes as f64 / 1048576.0 * 10.0).round() / 10.0,
        "first_import_s": first.0,
        "first_rows_per_s": (rows as f64 / first.0).round(),
        "inserted": first.1.inserted,
        "rejected": first.1.rejected,
        "reimport_s": second.0,
        "reimport_unchanged": second.1.unchanged,
        "reimport_inserted": second.1.inserted,
        "first_written_mib": diff(written_before, written_first),
        "reimport_written_mib": diff(written_first, written_second),
        "peak_rss_mib_before_import": rss_before,
        "peak_rss_mib_after_import": rss_after_first,
        "peak_rss_mib": peak_rss_mib(),
    });
    println!("{result}");
    app.store.close().await;
    scratch.cleanup().await;
    Ok(())
}

async fn timed_import(app: &App, file: &Path) -> Result<(f64, kaamgar_store::ImportSummary)> {
    let input = Input::File(std::io::BufReader::new(std::fs::File::open(file)?));
    let opts = ImportOptions {
        file_name: "bench".into(),
        source: "bench".into(),
        consent: ConsentMethod::SurveyForm,
        now: crate::app::now(),
        only: None,
    };
    let mut report = CsvReport::new(std::io::sink())?;
    let t = Instant::now();
    let out = crate::importer::run(
        app,
        input,
        &opts,
        &mut report,
        Arc::new(Progress::default()),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    report.finish()?;
    Ok((t.elapsed().as_secs_f64(), out.summary))
}

/// Time for `serve --demo` on a fresh database to be ready (open, migrate, load reference data, create the
/// 80,000-worker demo registry, bind).
pub async fn demo(database_url: Option<&str>) -> Result<()> {
    let (scratch, url) = Scratch::new(database_url).await?;
    let t = Instant::now();
    let app = App::open(Config {
        database_url: url,
        secret_key: Some(SCRATCH_SECRET.into()),
        ..Config::default()
    })
    .await?;
    let opened = t.elapsed().as_secs_f64();
    let rows = crate::serve::fill_demo(&app, crate::serve::DEMO_WORKERS).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let ready = t.elapsed().as_secs_f64();
    drop(listener);
    println!(
        "{}",
        serde_json::json!({"bench": "serve_demo", "backend": app.store.backend().name(), "workers": rows,
            "open_s": opened, "ready_s": ready, "peak_rss_mib": peak_rss_mib()})
    );
    app.store.close().await;
    scratch.cleanup().await;
    Ok(())
}
