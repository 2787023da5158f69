//! `kaamgar import workers FILE`: a list imported from the command line, with a progress bar on a terminal, the
//! report written beside the file, a summary in English and Hindi, and the import recorded like a dashboard upload.

use super::record::{self, Tee};
use super::report::{CsvReport, ReportSink};
use super::source::Input;
use super::{self as import, ImportOptions, Progress};
use crate::app::{self, App};
use crate::config::Config;
use crate::importer;
use anyhow::{Context, Result, bail};
use kaamgar_domain::worker::ConsentMethod;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The summary's words, in English and in Hindi: rows, new, updated, unchanged, warned, rejected, empty.
const SUMMARY_LABELS: [[&str; 7]; 2] = [
    [
        "rows read",
        "new",
        "updated",
        "unchanged",
        "imported with a warning",
        "rejected",
        "empty",
    ],
    [
        "पंक्तियाँ पढ़ी गईं",
        "नए",
        "बदले गए",
        "अपरिवर्तित",
        "चेतावनी सहित जोड़े गए",
        "अस्वीकृत",
        "खाली",
    ],
];

pub async fn import_workers(
    cfg: Config,
    file: &Path,
    report: Option<PathBuf>,
    source: String,
    consent: &str,
    as_user: Option<&str>,
) -> Result<()> {
    let consent = ConsentMethod::parse(consent).with_context(|| {
        format!("--consent '{consent}': use survey_form, verbal, whatsapp, web or phone")
    })?;
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let app = App::open(cfg).await?;
    let report_path = report.unwrap_or_else(|| {
        let mut p = file.as_os_str().to_owned();
        p.push(".errors.csv");
        PathBuf::from(p)
    });
    let out = std::fs::File::create(&report_path)
        .with_context(|| format!("creating the report {}", report_path.display()))?;
    let mut file_sink = CsvReport::new(std::io::BufWriter::new(out))?;
    let name = file
        .file_name()
        .map_or_else(|| "list".into(), |n| n.to_string_lossy().into_owned());
    let recorded = record::begin(&app, as_user, &name, app::now()).await?;
    let opts = ImportOptions {
        file_name: name,
        source,
        consent,
        now: app::now(),
        only: recorded.only.clone(),
    };
    let mut sink = Tee::new(&mut file_sink)?;
    let progress = Arc::new(Progress::default());
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {wide_bar} {percent}% {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let ticker = bar.clone().map(|bar| {
        let progress = progress.clone();
        tokio::spawn(async move {
            loop {
                bar.set_length(progress.total.load(Ordering::Relaxed).max(1));
                bar.set_position(progress.done.load(Ordering::Relaxed));
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        })
    });
    let result = importer::run(
        &app,
        Input::File(std::io::BufReader::new(f)),
        &opts,
        &mut sink,
        progress,
    )
    .await;
    let count = sink.count();
    record::finish(&app, &recorded, &result, sink.stored(), app::now()).await?;
    if let Some(t) = ticker {
        t.abort();
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let outcome = match result {
        Ok(o) => o,
        Err(import::ImportError::Rejected(why)) => {
            let _ = std::fs::remove_file(&report_path);
            bail!(
                "{} was not imported (nothing was written): {why}",
                file.display()
            );
        }
        Err(import::ImportError::Internal(e)) => {
            return Err(e.context(format!("importing {}", file.display())));
        }
    };
    let s = &outcome.summary;
    for labels in SUMMARY_LABELS {
        let counts = [
            s.rows,
            s.inserted,
            s.updated,
            s.unchanged,
            s.warned,
            s.rejected,
            s.empty,
        ];
        let parts: Vec<String> = counts
            .iter()
            .zip(labels)
            .map(|(n, label)| format!("{n} {label}"))
            .collect();
        println!("{}: {}", file.display(), parts.join(", "));
    }
    if !outcome.unrecognised_columns.is_empty() {
        println!(
            "columns not imported (not recognised): {}",
            outcome.unrecognised_columns.join(", ")
        );
    }
    for note in &outcome.skipped_sheets {
        println!("sheet '{}' skipped: {}", note.sheet, note.note);
    }
    if count > 0 {
        println!(
            "rejected rows and warnings, with reasons / अस्वीकृत पंक्तियाँ और चेतावनियाँ, कारण सहित: {}",
            report_path.display()
        );
    } else {
        drop(file_sink);
        let _ = std::fs::remove_file(&report_path);
    }
    Ok(())
}
