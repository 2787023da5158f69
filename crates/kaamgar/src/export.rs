//! `kaamgar export workers`: the registry as CSV in the same column names the importer reads, so an exported file
//! can be corrected in Excel and imported again.

use crate::import::report::spreadsheet_safe;
use anyhow::{Context, Result};
use kaamgar_domain::trade::TradeCatalogue;
use kaamgar_domain::worker::Worker;
use kaamgar_store::{Page, Store, WorkerFilter};
use std::io::Write;

pub const HEADER: [&str; 20] = [
    "kaamgar id",
    "name",
    "mobile",
    "gender",
    "age",
    "skill",
    "secondary skills",
    "experience",
    "village",
    "panchayat",
    "block",
    "district",
    "pin code",
    "languages",
    "availability",
    "source",
    "consent",
    "consent date",
    "latitude",
    "longitude",
];

/// Streams every worker (in id order, a page at a time) as CSV.
pub async fn workers(
    store: &dyn Store,
    trades: &TradeCatalogue,
    filter: &WorkerFilter,
    out: impl Write,
) -> Result<u64> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER).context("writing the CSV header")?;
    let mut after = 0;
    let mut n = 0u64;
    loop {
        let page = store
            .list_workers(filter, Page { after, limit: 5000 })
            .await
            .context("reading workers")?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for worker in &page {
            w.write_record(record(worker, trades))
                .context("writing a worker")?;
            n += 1;
        }
    }
    w.flush().context("flushing the export")?;
    Ok(n)
}

fn record(worker: &Worker, trades: &TradeCatalogue) -> Vec<String> {
    let d = &worker.data;
    let p = &d.place;
    let trade_name = |slug: &str| {
        trades
            .by_slug(slug)
            .map_or_else(|| slug.to_string(), |t| t.name_en.clone())
    };
    let opt = |v: Option<String>| v.unwrap_or_default();
    let text = |v: &str| spreadsheet_safe(v).into_owned();
    vec![
        worker.id.to_string(),
        text(&d.name),
        d.phone.e164(),
        opt(d.gender.map(|g| g.as_str().to_string())),
        opt(d.age.map(|a| a.to_string())),
        trade_name(&d.trade),
        d.other_trades
            .iter()
            .map(|t| trade_name(t))
            .collect::<Vec<_>>()
            .join(", "),
        opt(d.experience_years.map(|e| e.to_string())),
        text(&opt(p.village.clone())),
        text(&opt(p.panchayat.clone())),
        opt(p.block.clone()),
        p.district.clone(),
        opt(p.pin.map(|v| v.to_string())),
        d.languages.join(", "),
        d.availability.as_str().to_string(),
        text(&d.source),
        d.consent.method.as_str().to_string(),
        date(d.consent.given_at),
        p.lat.to_string(),
        p.lon.to_string(),
    ]
}

/// YYYY-MM-DD for unix seconds.
pub fn date(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{m:02}-{d:02}", yoe + era * 400 + i64::from(m <= 2))
}
