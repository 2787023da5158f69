//! The command line: argument parsing and dispatch to the use cases.

use crate::app::{self, App};
use crate::config::{self, Config};
use crate::{demo, export, lgd, reference, serve, telemetry, understand, xlsx_write};
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use kaamgar_store::Store;
use kaamgar_store::prelude::*;
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "kaamgar",
    version,
    about = "Connect local skilled workers with the people and factories who need them"
)]
pub struct Cli {
    /// Configuration file (TOML); KAAMGAR_* environment variables win over it.
    #[arg(long, global = true, env = "KAAMGAR_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the HTTP server (JSON API, health, metrics).
    Serve {
        /// Listen address, e.g. 127.0.0.1:8080 (overrides KAAMGAR_ADDR).
        #[arg(long)]
        addr: Option<String>,
        /// Fill an empty database with a realistic synthetic registry for the service area.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Officials' accounts for the dashboard and API tokens.
    #[command(subcommand)]
    User(crate::users::UserCommand),
    /// Import lists into the registry.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Look workers up.
    #[command(subcommand)]
    Workers(WorkersCommand),
    /// Export the registry.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Reference data about places.
    #[command(subcommand)]
    Places(PlacesCommand),
    /// Write a synthetic skill-mapping list (CSV, or XLSX when the output ends in .xlsx).
    DemoData {
        #[arg(long, default_value_t = 80_000)]
        rows: usize,
        /// Output file; CSV to standard output when absent.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Column names and person names in Hindi (hi) or English (en).
        #[arg(long, default_value = "hi")]
        lang: String,
        /// Percent of rows spoiled on purpose.
        #[arg(long, default_value_t = 3)]
        bad_percent: u64,
        #[arg(long, default_value_t = 2020)]
        seed: u64,
    },
    /// Read messages, one per line on standard input, and print what each asks for (intent, trade, place) as
    /// one JSON object per line.
    Understand {
        /// Service area the place names are resolved towards: comma-separated districts (default KAAMGAR_AREA).
        #[arg(long)]
        area: Option<String>,
        /// Score an evaluation set (tab-separated, see data/eval/understand.tsv) instead of reading stdin.
        #[arg(long)]
        eval: Option<PathBuf>,
        /// With --eval: print every wrong reading to standard error.
        #[arg(long)]
        verbose: bool,
        /// Print how each message was split into words and phrases to standard error.
        #[arg(long)]
        explain: bool,
    },
    /// The best available workers of a trade near a place, ranked, with the reason for each (JSON).
    Match {
        /// Trade by name (either script, colloquial, misspelt) or NCO-2015 code.
        #[arg(long)]
        trade: String,
        /// A place name, a 6-digit PIN or lat,lon.
        #[arg(long)]
        near: String,
        #[arg(long, default_value_t = 5)]
        limit: usize,
    },
    /// Talk to the bot in the terminal (same engine as WhatsApp): one message per line; /as PHONE [NAME] to
    /// speak as someone else, /tap ID to tap a button, /loc LAT,LON, /wait SECONDS to move the clock on.
    Chat {
        /// Speak as this WhatsApp number (a registered worker is recognised by it).
        #[arg(long = "as")]
        phone: Option<String>,
        /// The profile name WhatsApp would show.
        #[arg(long)]
        name: Option<String>,
    },
    /// Show or check the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Certificates: check one offline.
    #[command(subcommand)]
    Certificate(CertificateCommand),
    /// Training: enrol a list of trainees into a batch.
    #[command(subcommand)]
    Training(TrainingCommand),
    /// Measure the performance targets.
    #[command(subcommand)]
    Bench(crate::bench_cli::BenchCommand),
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Import a skill-mapping list (CSV or XLSX, English or Hindi column names).
    Workers {
        file: PathBuf,
        /// Where to write the rejected rows (default: FILE.errors.csv beside the list).
        #[arg(long)]
        report: Option<PathBuf>,
        /// Where the records come from, when the list has no source column.
        #[arg(long, default_value = "returned migrant 2020 survey")]
        source: String,
        /// How consent was collected, when the list has no consent column: survey_form, verbal, whatsapp, web, phone.
        #[arg(long, default_value = "survey_form")]
        consent: String,
        /// Import as this dashboard account: rows outside its jurisdiction are rejected, and the upload is its own
        /// in the uploads list and the audit log.
        #[arg(long = "as", value_name = "ACCOUNT")]
        as_user: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum WorkersCommand {
    /// List workers as JSON lines, filtered as people write (trade, block and district in either script).
    List {
        #[arg(long)]
        trade: Option<String>,
        #[arg(long)]
        district: Option<String>,
        #[arg(long)]
        block: Option<String>,
        /// available, busy or inactive
        #[arg(long)]
        availability: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

#[derive(Subcommand, Debug)]
enum ExportCommand {
    /// Write workers as CSV (the importer reads it back).
    Workers {
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum PlacesCommand {
    /// Load LGD state, district, sub-district and block codes from the official CSVs in DIR.
    ImportLgd { dir: PathBuf },
    /// List the blocks of a district with their LGD codes, coordinates and how each position was found.
    Blocks { district: String },
    /// Check every block position of the service area: the blocks whose head office lies farthest from its
    /// cluster of offices, worst first.
    CheckBlocks {
        /// How many to list.
        #[arg(long, default_value_t = 15)]
        top: usize,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print an example configuration file.
    Example,
    /// Load and check the configuration and print it with secrets hidden.
    Check,
}

#[derive(Subcommand, Debug)]
enum TrainingCommand {
    /// Enrol the trainees of a list (CSV or XLSX; columns नाम/name, मोबाइल/phone, पद/office, पंचायत, प्रखंड/block,
    /// जिला/district, or a worker id) into a batch, each row on its own; writes FILE.enrolment.csv with every row's
    /// outcome.
    Enrol {
        /// The batch's id.
        #[arg(long)]
        batch: i64,
        file: PathBuf,
        /// Put those who do not fit on the waiting list (otherwise they are refused).
        #[arg(long)]
        wait_if_full: bool,
        /// Where to write the report (default: FILE.enrolment.csv beside the list).
        #[arg(long)]
        report: Option<PathBuf>,
        /// Enrol as this dashboard account (a training partner: only into batches of its centres).
        #[arg(long = "as", value_name = "ACCOUNT")]
        as_user: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum CertificateCommand {
    /// Check a certificate (a W3C Verifiable Credential, JSON) offline: its signature, its issuer, its dates and,
    /// with a status list, whether it was revoked. Exits with status 1 for anything but a valid certificate.
    Verify {
        file: PathBuf,
        /// The issuer's BitstringStatusListCredential (JSON), to check revocation.
        #[arg(long)]
        status_list: Option<PathBuf>,
        /// The issuer to trust (the district's did:key); any issuer when absent (the signer is printed).
        #[arg(long)]
        issuer: Option<String>,
    },
}

/// Parses the arguments, runs the command and turns its error into a message and an exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // `kaamgar export workers | head`: the reader has what it wanted; that is not an error.
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let broken = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
    // The CSV writer keeps its I/O error inside its own (it reports no `source`).
    e.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(broken)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|c| matches!(c.kind(), csv::ErrorKind::Io(io) if broken(io)))
    })
}

async fn run(cli: Cli) -> Result<()> {
    if let Command::Config(ConfigCommand::Example) = cli.command {
        print!("{}", config::EXAMPLE);
        return Ok(());
    }

    let mut cfg = Config::load(cli.config.as_deref())?;
    telemetry::init_logs(&cfg.log_format);
    match cli.command {
        Command::Serve { addr, demo } => {
            if let Some(a) = addr {
                cfg.addr = a;
                cfg.validate()?;
            }
            serve::run(App::open(cfg).await?, demo).await
        }
        Command::User(cmd) => crate::users::run(cfg, cmd).await,
        // Offline: no database.
        Command::Certificate(CertificateCommand::Verify {
            file,
            status_list,
            issuer,
        }) => {
            crate::certificate::verify(&file, status_list.as_deref(), issuer.as_deref(), app::now())
        }
        Command::Training(TrainingCommand::Enrol {
            batch,
            file,
            wait_if_full,
            report,
            as_user,
        }) => {
            let job = crate::training_list::ListEnrolment {
                batch,
                file: &file,
                as_user: as_user.as_deref(),
                wait_if_full,
                report,
            };
            crate::training_list::enrol(cfg, job, app::now()).await
        }
        Command::Migrate => {
            app::connect(&cfg).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Import(ImportCommand::Workers {
            file,
            report,
            source,
            consent,
            as_user,
        }) => {
            crate::import::command::import_workers(
                cfg,
                &file,
                report,
                source,
                &consent,
                as_user.as_deref(),
            )
            .await
        }
        Command::Workers(WorkersCommand::List {
            trade,
            district,
            block,
            availability,
            limit,
        }) => {
            if !(1..=10_000).contains(&limit) {
                bail!("--limit must be between 1 and 10000");
            }
            let app = App::open(cfg).await?;
            let input = kaamgar_domain::filter::FilterInput {
                trade: trade.as_deref(),
                district: district.as_deref(),
                block: block.as_deref(),
                availability: availability.as_deref(),
                source: None,
                verified: None,
                search: None,
            };
            let filter = kaamgar_store::WorkerFilter::resolve(&app.trades, &app.places, &input)?;
            let total = app.store.count_workers(&filter).await?;
            let mut out = std::io::stdout().lock();
            for w in app
                .store
                .list_workers(&filter, kaamgar_store::Page { after: 0, limit })
                .await?
            {
                writeln!(out, "{}", serde_json::to_string(&w)?).context("writing a worker")?;
            }
            eprintln!("{total} workers match");
            Ok(())
        }
        Command::Export(ExportCommand::Workers { output }) => {
            let app = App::open(cfg).await?;
            let filter = kaamgar_store::WorkerFilter::default();
            let n = match output {
                Some(p) => {
                    let f = std::io::BufWriter::new(
                        std::fs::File::create(&p)
                            .with_context(|| format!("creating {}", p.display()))?,
                    );
                    export::workers(app.store.as_ref(), &app.trades, &filter, f).await?
                }
                None => {
                    export::workers(
                        app.store.as_ref(),
                        &app.trades,
                        &filter,
                        std::io::stdout().lock(),
                    )
                    .await?
                }
            };
            eprintln!("exported {n} workers");
            Ok(())
        }
        Command::Places(PlacesCommand::ImportLgd { dir }) => {
            let data = lgd::read_dir(&dir)?;
            let store = app::connect(&cfg).await?;
            store
                .replace_lgd(&data)
                .await
                .context("storing LGD codes")?;
            println!(
                "LGD codes loaded: {} states, {} districts, {} sub-districts, {} blocks",
                data.states.len(),
                data.districts.len(),
                data.subdistricts.len(),
                data.blocks.len()
            );
            Ok(())
        }
        Command::Places(PlacesCommand::Blocks { district }) => {
            let app = App::open(cfg).await?;
            let d = app.places.resolve_district(&district)?;
            let mut blocks: Vec<_> = app.places.blocks_of(d).collect();
            blocks.sort_by(|a, b| a.name.cmp(&b.name));
            for b in blocks {
                let code = b
                    .lgd_code
                    .map_or_else(|| "-".to_string(), |c| c.to_string());
                println!(
                    "{code}\t{}\t{:.4}\t{:.4}\t{}",
                    b.name,
                    b.lat,
                    b.lon,
                    placed_text(&b.placed)
                );
            }
            Ok(())
        }
        Command::Places(PlacesCommand::CheckBlocks { top }) => {
            let app = App::open(cfg).await?;
            let mut rows: Vec<(f64, String)> = Vec::new();
            let mut total = 0;
            for &d in app.places.area() {
                let district = app
                    .places
                    .district(d)
                    .map(|i| i.name.clone())
                    .unwrap_or_default();
                for b in app.places.blocks_of(d) {
                    total += 1;
                    let off = b.placed.head_office_off_km().unwrap_or(0.0);
                    rows.push((
                        off,
                        format!(
                            "{district}\t{}\t{:.4}\t{:.4}\t{}",
                            b.name,
                            b.lat,
                            b.lon,
                            placed_text(&b.placed)
                        ),
                    ));
                }
            }
            rows.sort_by(|a, b| b.0.total_cmp(&a.0));
            let moved = rows.iter().filter(|r| r.1.contains("left out")).count();
            println!(
                "# {total} blocks in the service area; {moved} placed at their offices' median"
            );
            for (_, line) in rows.into_iter().take(top) {
                println!("{line}");
            }
            Ok(())
        }
        Command::DemoData {
            rows,
            output,
            lang,
            bad_percent,
            seed,
        } => demo_data(cfg, rows, output, &lang, bad_percent, seed).await,
        Command::Config(ConfigCommand::Check) => {
            print!("{}", cfg.redacted_toml());
            let store = app::connect(&cfg).await?;
            reference::places(&store, &cfg.area_districts()).await?;
            eprintln!(
                "configuration is valid; database reachable ({})",
                store.backend().name()
            );
            Ok(())
        }
        Command::Understand {
            area,
            eval,
            verbose,
            explain,
        } => understand::command(&cfg, area, eval, verbose, explain).await,
        Command::Match { trade, near, limit } => {
            crate::matching::command(cfg, trade, near, limit).await
        }
        Command::Chat { phone, name } => crate::chat::command(cfg, phone, name).await,
        Command::Config(ConfigCommand::Example) => Ok(()),
        Command::Bench(cmd) => crate::bench_cli::run(cmd).await,
    }
}

async fn demo_data(
    cfg: Config,
    rows: usize,
    output: Option<PathBuf>,
    lang: &str,
    bad_percent: u64,
    seed: u64,
) -> Result<()> {
    let hindi = match lang {
        "hi" => true,
        "en" => false,
        other => bail!("--lang '{other}': use hi or en"),
    };
    if bad_percent > 100 {
        bail!("--bad-percent must be at most 100");
    }
    let store = app::connect(&Config {
        database_url: "sqlite::memory:".into(),
        ..cfg.clone()
    })
    .await?;
    let places = reference::places(&store, &cfg.area_districts()).await?;
    let trades = reference::trades()?;
    let opts = demo::DemoOptions {
        rows,
        hindi,
        bad_percent,
        seed,
    };
    match output {
        Some(p)
            if p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) =>
        {
            if rows >= 1_048_575 {
                bail!("an XLSX sheet holds at most 1,048,575 rows; write CSV instead");
            }
            let all = demo::generate(&places, &trades, &opts);
            let f =
                std::fs::File::create(&p).with_context(|| format!("creating {}", p.display()))?;
            xlsx_write::write(std::io::BufWriter::new(f), &[("श्रमिक सूची", &all)], true)?;
        }
        Some(p) => {
            let f =
                std::fs::File::create(&p).with_context(|| format!("creating {}", p.display()))?;
            write_csv(&places, &trades, &opts, std::io::BufWriter::new(f))?;
        }
        None => write_csv(&places, &trades, &opts, std::io::stdout().lock())?,
    }
    Ok(())
}

fn write_csv(
    places: &kaamgar_domain::places::PlaceDirectory,
    trades: &kaamgar_domain::trade::TradeCatalogue,
    opts: &demo::DemoOptions,
    mut out: impl std::io::Write,
) -> Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    demo::generate_each(places, trades, opts, |row| Ok(w.write_record(&row)?))?;
    w.flush()?;
    Ok(())
}

/// How a block's position was found, for `kaamgar places blocks` and `check-blocks`.
fn placed_text(p: &kaamgar_domain::places::Placed) -> String {
    use kaamgar_domain::places::Placed;
    match *p {
        Placed::HeadOffice {
            off_km: Some(off_km),
            offices,
        } => format!(
            "head office ({off_km:.1} km from the median of the {offices} offices it serves)"
        ),
        Placed::HeadOffice { off_km: None, .. } => {
            "head office (no other office of its PIN area placed apart from it)".into()
        }
        Placed::Median {
            off_km: Some(off),
            offices,
        } => {
            format!("median of {offices} offices (head office {off:.1} km away, left out)")
        }
        Placed::Median {
            off_km: None,
            offices,
        } => format!("median of {offices} offices (no head office)"),
        Placed::District => "district centre (no office found)".into(),
    }
}
