//! `kaamgar places import-lgd DIR`: reads the official LGD CSVs (states, districts, sub-districts, blocks).

use anyhow::{Context, Result, bail};
use kaamgar_store::LgdData;
use std::path::Path;

/// Reads `1-state.csv`, `2-district.csv`, `3-subdistrict.csv` and `blocks.csv` from `dir`. Columns are found by
/// their header names, so the column order of a newer LGD release does not matter.
pub fn read_dir(dir: &Path) -> Result<LgdData> {
    let states = read(dir, "1-state.csv", &["State Code", "State Name"], None)?;
    let districts = read(
        dir,
        "2-district.csv",
        &["District Code", "District Name"],
        Some("State Code"),
    )?;
    let subdistricts = read(
        dir,
        "3-subdistrict.csv",
        &["Sub-district Code", "Sub-district Name"],
        Some("District Code"),
    )?;
    let blocks = read(
        dir,
        "blocks.csv",
        &["Block Code", "Block Name"],
        Some("District Code"),
    )?;
    if states.is_empty() || districts.is_empty() || blocks.is_empty() {
        bail!(
            "{} does not look like an LGD download (states, districts or blocks are empty)",
            dir.display()
        );
    }
    Ok(LgdData {
        states: states.into_iter().map(|(c, _, n)| (c, n)).collect(),
        districts,
        subdistricts,
        blocks,
    })
}

fn read(
    dir: &Path,
    file: &str,
    code_name: &[&str; 2],
    parent: Option<&str>,
) -> Result<Vec<(u32, u32, String)>> {
    let path = dir.join(file);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let headers: Vec<String> = rdr
        .headers()
        .with_context(|| format!("reading the header of {}", path.display()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .with_context(|| format!("{} has no '{name}' column", path.display()))
    };
    let code_at = find(code_name[0])?;
    let name_at = find(code_name[1])?;
    let parent_at = parent.map(find).transpose()?;
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut repeated = 0usize;
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("reading line {} of {}", i + 2, path.display()))?;
        let num = |at: usize| rec.get(at).and_then(|v| v.trim().parse::<u32>().ok());
        let (Some(code), Some(name)) = (
            num(code_at),
            rec.get(name_at).map(str::trim).filter(|n| !n.is_empty()),
        ) else {
            continue;
        };
        let parent = parent_at.and_then(num).unwrap_or(0);
        // Official downloads repeat some codes (one row per version or per district split): the first row wins.
        if !seen.insert(code) {
            repeated += 1;
            continue;
        }
        out.push((code, parent, name.to_string()));
    }
    if repeated > 0 {
        tracing::warn!(
            lgd.file = file,
            lgd.repeated = repeated,
            "repeated LGD codes skipped (first row kept)"
        );
    }
    Ok(out)
}
