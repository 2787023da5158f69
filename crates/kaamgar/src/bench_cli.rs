//! `kaamgar bench …`: the benchmarks' arguments and which one runs; each prints its figures.

use crate::{bench, bench_match, understand};
use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Message-to-reply latency through the whole bot at a rate of new conversations.
    Bot(crate::bench_bot::BotBenchArgs),
    /// Server time and weight of every dashboard page on the demo registry.
    Dashboard(crate::bench_dashboard::DashboardBenchArgs),
    /// Certificates issued (signed and stored) per second on SQLite, and a 60 × 30 batch page's server time.
    Training(crate::bench_training::TrainingBenchArgs),
    /// Certificates signed and verified per second on one core (eddsa-jcs-2022).
    Certificates {
        #[arg(long, default_value_t = 20_000)]
        count: usize,
    },
    /// Import a generated list into a fresh database, then import it again unchanged.
    Import {
        #[arg(long, default_value_t = 80_000)]
        rows: usize,
        /// A postgres:// URL to bench PostgreSQL (a scratch database is created beside it); SQLite otherwise.
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        xlsx: bool,
    },
    /// Time until `serve --demo` is ready on a fresh database.
    Demo {
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The matching index on a synthetic clustered registry: build time, memory and query latency; with
    /// --postgis, the same queries against PostgreSQL + PostGIS for the ratio.
    Match {
        #[arg(long, default_value_t = 1_000_000)]
        workers: usize,
        #[arg(long, default_value_t = 20_000)]
        queries: usize,
        /// A postgres:// URL of a server with PostGIS (a scratch database is created beside it).
        #[arg(long)]
        postgis: Option<String>,
    },
    /// Lexicon start-up time and messages per second on one core, over an evaluation set's messages.
    Understand {
        #[arg(long, default_value = "data/eval/understand.tsv")]
        messages: PathBuf,
        #[arg(long, default_value_t = 200)]
        rounds: usize,
        /// Service area (default: Saran and the Kanpur division).
        #[arg(
            long,
            default_value = "Saran,Kanpur Nagar,Kanpur Dehat,Etawah,Auraiya,Farrukhabad,Kannauj"
        )]
        area: String,
    },
}

pub async fn run(cmd: BenchCommand) -> Result<()> {
    match cmd {
        BenchCommand::Import {
            rows,
            database_url,
            xlsx,
        } => bench::import(rows, database_url.as_deref(), xlsx).await,
        BenchCommand::Demo { database_url } => bench::demo(database_url.as_deref()).await,
        BenchCommand::Match {
            workers,
            queries,
            postgis,
        } => {
            let report = bench_match::run(workers, queries, postgis.as_deref()).await?;
            println!("{report}");
            Ok(())
        }
        BenchCommand::Dashboard(args) => {
            println!("{}", crate::bench_dashboard::run(args).await?);
            Ok(())
        }
        BenchCommand::Bot(args) => {
            println!("{}", crate::bench_bot::run(args).await?);
            Ok(())
        }
        BenchCommand::Training(args) => {
            println!("{}", crate::bench_training::run(args).await?);
            Ok(())
        }
        BenchCommand::Certificates { count } => {
            println!("{}", crate::certificate::bench(count)?);
            Ok(())
        }
        BenchCommand::Understand {
            messages,
            rounds,
            area,
        } => {
            let report = understand::bench(&understand::parse_area(&area), &messages, rounds)?;
            println!("{report}");
            Ok(())
        }
    }
}
