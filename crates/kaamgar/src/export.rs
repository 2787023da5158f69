//! `kaamgar export workers`: the registry as CSV in the same column names the importer reads, so an exported file
//! can be corrected in Excel and imported again (the rows are `kaamgar_app::export`'s, as the dashboard's download).

use anyhow::{Context, Result};
use kaamgar_app::export;
use kaamgar_domain::trade::TradeCatalogue;
use kaamgar_store::{Store, WorkerFilter};
use std::io::Write;

pub use export::{HEADER_EN as HEADER, date};

/// Streams every worker (in id order, a page at a time) as CSV.
pub async fn workers(
    store: &dyn Store,
    trades: &TradeCatalogue,
    filter: &WorkerFilter,
    mut out: impl Write,
) -> Result<u64> {
    let mut buf = Vec::new();
    export::write_line(&mut buf, &HEADER);
    let (mut after, mut n) = (0, 0u64);
    loop {
        out.write_all(&buf).context("writing the export")?;
        buf.clear();
        match export::page(store, trades, filter, after, &mut buf)
            .await
            .context("reading workers")?
        {
            Some((last, count)) => {
                after = last;
                n += count;
            }
            None => break,
        }
    }
    out.flush().context("flushing the export")?;
    Ok(n)
}
