//! The reference data compiled into the binary (trades, the all-India gazetteer, place aliases) and the place
//! directory built from it plus the LGD codes in the database.

use anyhow::{Context, Result};
use kaamgar_domain::gazetteer::Gazetteer;
use kaamgar_domain::places::PlaceDirectory;
use kaamgar_domain::trade::TradeCatalogue;
use kaamgar_store::Store;
use std::io::Read;

const TRADES: &str = include_str!("../../../data/trades.tsv");
const PLACES_GZ: &[u8] = include_bytes!("../../../data/places.tsv.gz");
pub const PLACE_ALIASES: &str = include_str!("../../../data/place_aliases.tsv");
/// What words and phrases in a message tell (requests, offers, problems, place markers, days).
pub const LEXICON: &str = include_str!("../../../data/lexicon.tsv");

pub fn trades() -> Result<TradeCatalogue> {
    TradeCatalogue::parse(TRADES).context("parsing the built-in trade catalogue")
}

pub fn gazetteer() -> Result<Gazetteer> {
    let mut text = String::with_capacity(8 << 20);
    flate2::read::GzDecoder::new(PLACES_GZ)
        .read_to_string(&mut text)
        .context("decompressing the built-in gazetteer")?;
    Gazetteer::parse(&text).context("parsing the built-in gazetteer")
}

/// The place directory for a service area, with LGD codes when they have been imported.
pub async fn places(store: &dyn Store, area: &[String]) -> Result<PlaceDirectory> {
    let (districts, blocks) = store.lgd().await.context("reading LGD codes")?;
    let gazetteer = tokio::task::spawn_blocking(gazetteer)
        .await
        .context("loading the gazetteer")??;
    let mut dir = PlaceDirectory::new(gazetteer, PLACE_ALIASES, &districts, &blocks);
    let names: Vec<&str> = area.iter().map(String::as_str).collect();
    let missing = dir.set_area(&names);
    if !missing.is_empty() {
        anyhow::bail!(
            "KAAMGAR_AREA names districts that are not known: {}",
            missing.join(", ")
        );
    }
    Ok(dir)
}
