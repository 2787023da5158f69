//! `kaamgar understand`: what each message on standard input asks for, as one JSON object per line; with `--eval`,
//! the accuracy on an evaluation set; and the understanding benchmark.

use crate::reference;
use anyhow::{Context as _, Result, bail};
use kaamgar_domain::places::{LgdBlock, LgdDistrict, PlaceDirectory};
use kaamgar_domain::understand::{Context, Understander, eval};
use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Instant;

/// The understander for a service area, from the built-in reference data (no database needed: LGD codes add
/// nothing to reading a message).
pub fn build(area: &[String]) -> Result<(Understander, PlaceDirectory)> {
    build_with_lgd(area, &[], &[])
}

/// The understander with the LGD districts and blocks (when they have been imported): block names the gazetteer
/// lacks or misplaces then resolve to the right district.
pub fn build_with_lgd(
    area: &[String],
    districts: &[LgdDistrict],
    blocks: &[LgdBlock],
) -> Result<(Understander, PlaceDirectory)> {
    let trades = reference::trades()?;
    let mut dir = PlaceDirectory::new(
        reference::gazetteer()?,
        reference::PLACE_ALIASES,
        districts,
        blocks,
    );
    let names: Vec<&str> = area.iter().map(String::as_str).collect();
    let missing = dir.set_area(&names);
    if !missing.is_empty() {
        bail!("unknown districts in the area: {}", missing.join(", "));
    }
    let u = Understander::new(&trades, &dir, reference::LEXICON)
        .context("building the understanding lexicons")?;
    Ok((u, dir))
}

/// LGD codes from the configured database when it already exists (reading messages never creates one).
pub async fn lgd_if_present(cfg: &crate::config::Config) -> (Vec<LgdDistrict>, Vec<LgdBlock>) {
    let url = cfg.database_url.as_str();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path);
        if file.is_empty() || file.starts_with(':') || !std::path::Path::new(file).exists() {
            return (Vec::new(), Vec::new());
        }
    }
    let Ok(store) = kaamgar_store::SqlStore::connect(url).await else {
        return (Vec::new(), Vec::new());
    };
    let lgd = kaamgar_store::PlacesStore::lgd(&store)
        .await
        .unwrap_or_default();
    store.close().await;
    lgd
}

/// `kaamgar understand`: messages on stdin to JSON lines on stdout, or `--eval FILE` to a score report.
pub async fn command(
    cfg: &crate::config::Config,
    area: Option<String>,
    eval: Option<std::path::PathBuf>,
    verbose: bool,
    explain: bool,
) -> Result<()> {
    let area = area.map_or_else(|| cfg.area_districts(), |a| parse_area(&a));
    let (districts, blocks) = lgd_if_present(cfg).await;
    let (u, dir) =
        tokio::task::spawn_blocking(move || build_with_lgd(&area, &districts, &blocks)).await??;
    match eval {
        Some(file) => {
            let report = run_eval(&u, &dir, &file, verbose)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        None => {
            let stdin = std::io::stdin().lock();
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            run_lines(&u, stdin, out, std::io::stderr().lock(), explain)?;
        }
    }
    Ok(())
}

/// Splits a comma-separated area ("Saran,Kanpur Nagar").
pub fn parse_area(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads messages line by line and writes one JSON object per line. A line that is not UTF-8 gets an
/// `{"error": …}` object naming it (and a note on standard error); reading goes on.
pub fn run_lines(
    u: &Understander,
    input: impl BufRead,
    mut out: impl Write,
    mut err: impl Write,
    explain: bool,
) -> Result<usize> {
    let ctx = Context::default();
    let mut bad = 0;
    for (n, line) in input.split(b'\n').enumerate() {
        let line = line.context("reading standard input")?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        let line = if n == 0 {
            line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line)
        } else {
            line
        };
        match std::str::from_utf8(line) {
            Ok(text) => {
                if explain {
                    write!(err, "{}", u.explain(text))?;
                }
                let u = u.understand(text, &ctx);
                serde_json::to_writer(&mut out, &u)?;
                out.write_all(b"\n")?;
            }
            Err(e) => {
                bad += 1;
                let msg = format!(
                    "line {}: not valid UTF-8 (byte {} of the line)",
                    n + 1,
                    e.valid_up_to() + 1
                );
                writeln!(err, "kaamgar understand: {msg}")?;
                serde_json::to_writer(&mut out, &serde_json::json!({ "error": msg }))?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush()?;
    Ok(bad)
}

/// Scores an evaluation set and prints the accuracy per split (and every wrong reading with `verbose`).
pub fn run_eval(
    u: &Understander,
    dir: &PlaceDirectory,
    file: &Path,
    verbose: bool,
) -> Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let cases = eval::parse(&text)?;
    let mut tallies: std::collections::BTreeMap<String, eval::Tally> = Default::default();
    for case in &cases {
        let ctx = match &case.context {
            Some(d) => {
                let id = dir
                    .resolve_district(d)
                    .with_context(|| format!("line {}: context district", case.line))?;
                Context {
                    district: Some(id),
                    near: dir.district(id).map(|i| (i.lat, i.lon)),
                }
            }
            None => Context::default(),
        };
        let got = u.understand(&case.text, &ctx);
        let verdict = eval::judge(case, &got);
        if verbose && verdict != (true, true, true) {
            eprintln!(
                "line {} [{}] {:?}: {}\n    want {} {:?} {:?}\n    got  {}",
                case.line,
                case.split,
                verdict,
                case.text,
                case.intent.as_str(),
                case.trade,
                case.place.as_ref().map(|p| &p.0),
                serde_json::to_string(&got)?
            );
        }
        tallies.entry(case.split.clone()).or_default().add(verdict);
        tallies.entry("all".into()).or_default().add(verdict);
    }
    let mut report = serde_json::Map::new();
    for (split, t) in &tallies {
        let (i, tr, p) = t.rates();
        report.insert(
            split.clone(),
            serde_json::json!({
                "cases": t.cases,
                "intent": round3(i),
                "trade": round3(tr),
                "place": round3(p),
            }),
        );
    }
    Ok(serde_json::Value::Object(report))
}

/// `kaamgar bench understand`: lexicon start-up and single-core throughput over the evaluation messages.
pub fn bench(area: &[String], file: &Path, rounds: usize) -> Result<serde_json::Value> {
    let t0 = Instant::now();
    let trades = reference::trades()?;
    let gazetteer = reference::gazetteer()?;
    let t_gazetteer = t0.elapsed();
    let mut dir = PlaceDirectory::new(gazetteer, reference::PLACE_ALIASES, &[], &[]);
    let names: Vec<&str> = area.iter().map(String::as_str).collect();
    dir.set_area(&names);
    let t_dir = t0.elapsed();
    let t1 = Instant::now();
    let u = Understander::new(&trades, &dir, reference::LEXICON)?;
    let t_lex = t1.elapsed();
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let messages: Vec<String> = eval::parse(&text)?.into_iter().map(|c| c.text).collect();
    if messages.is_empty() {
        bail!("{} has no messages", file.display());
    }
    let ctx = Context::default();
    // Warm up, then time.
    for m in &messages {
        std::hint::black_box(u.understand(m, &ctx));
    }
    let mut per_message: Vec<f64> = Vec::with_capacity(messages.len() * rounds);
    let t2 = Instant::now();
    for _ in 0..rounds {
        for m in &messages {
            let s = Instant::now();
            std::hint::black_box(u.understand(m, &ctx));
            per_message.push(s.elapsed().as_secs_f64() * 1e6);
        }
    }
    let total = t2.elapsed().as_secs_f64();
    per_message.sort_by(f64::total_cmp);
    let pct = |p: f64| per_message[((per_message.len() as f64 - 1.0) * p) as usize];
    let (phrases, place_entries, fuzzy_keys) = u.sizes();
    Ok(serde_json::json!({
        "bench": "understand",
        "messages": per_message.len(),
        "distinct_messages": messages.len(),
        "messages_per_second_one_core": (per_message.len() as f64 / total).round(),
        "p50_us": round3(pct(0.5)),
        "p99_us": round3(pct(0.99)),
        "max_us": round3(pct(1.0)),
        "startup_ms": {
            "gazetteer_parse": round3(t_gazetteer.as_secs_f64() * 1e3),
            "place_directory": round3((t_dir - t_gazetteer).as_secs_f64() * 1e3),
            "lexicons": round3(t_lex.as_secs_f64() * 1e3),
        },
        "lexicon_phrases": phrases,
        "place_entries": place_entries,
        "typo_keys": fuzzy_keys,
    }))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
