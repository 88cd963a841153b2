//! The `masthead` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Settings;
use crate::db::{DatabaseUrl, Db};
use crate::seed;
use crate::startup::Application;
use crate::telemetry::{self, LogFormat};

#[derive(Debug, Parser)]
#[command(
    name = "masthead",
    version,
    about = "A headless content API for news publishers"
)]
pub struct Cli {
    /// Log format: human-readable lines or JSON objects.
    #[arg(
        long,
        global = true,
        env = "MASTHEAD_LOG_FORMAT",
        value_enum,
        default_value = "human"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the REST and GraphQL APIs.
    Serve(ServeArgs),
    /// Run pending database migrations and exit.
    Migrate(DbArgs),
    /// Load content into the database.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Write schema.graphql and openapi/openapi.json from the code.
    ExportSchema(ExportArgs),
}

#[derive(Debug, Args)]
struct DbArgs {
    /// sqlite://relative/path.db, sqlite:///absolute/path.db or postgres://user@host/db.
    #[arg(long, env = "DATABASE_URL", default_value = DatabaseUrl::DEFAULT)]
    database_url: String,
}

impl DbArgs {
    fn url(&self) -> anyhow::Result<DatabaseUrl> {
        DatabaseUrl::parse(&self.database_url).map_err(anyhow::Error::msg)
    }
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "MASTHEAD_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    #[command(flatten)]
    db: DbArgs,
    /// Load the demo newsroom first if the database has no articles.
    #[arg(long)]
    demo: bool,
    /// Database connections in the pool (default: 8 on SQLite, 16 on PostgreSQL).
    #[arg(long, env = "MASTHEAD_POOL_SIZE")]
    pool_size: Option<u32>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "MASTHEAD_WORKERS")]
    workers: Option<usize>,
    /// Seconds clients and CDNs may cache public responses.
    #[arg(long, env = "MASTHEAD_CACHE_MAX_AGE", default_value_t = 60)]
    cache_max_age: u32,
    /// Seconds the server reuses an assembled article or list page (0: off). Never past the
    /// next scheduled publication; writes through this server clear it at once.
    #[arg(long, env = "MASTHEAD_READ_CACHE_TTL", default_value_t = 5)]
    read_cache_ttl: u64,
}

#[derive(Debug, Subcommand)]
enum SeedCommand {
    /// The demo newsroom: sections, tags, authors and articles, loaded idempotently.
    Demo(DbArgs),
    /// Generated articles for benchmarks and load tests, deterministic for a seed.
    Synthetic(SyntheticArgs),
}

#[derive(Debug, Args)]
struct SyntheticArgs {
    #[command(flatten)]
    db: DbArgs,
    /// How many articles to generate.
    #[arg(long)]
    articles: u64,
    /// Seed of the random generator; the same seed gives the same articles.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Body length range in words, e.g. 500-1500.
    #[arg(long, default_value = "500-1500", value_parser = parse_range)]
    body_words: (u32, u32),
}

fn parse_range(raw: &str) -> Result<(u32, u32), String> {
    let (lo, hi) = raw.split_once('-').ok_or("expected MIN-MAX, e.g. 500-1500")?;
    let lo: u32 = lo.trim().parse().map_err(|_| format!("{lo:?} is not a number"))?;
    let hi: u32 = hi.trim().parse().map_err(|_| format!("{hi:?} is not a number"))?;
    if lo == 0 || lo > hi {
        return Err("MIN must be at least 1 and not above MAX".into());
    }
    Ok((lo, hi))
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Directory holding schema.graphql and openapi/.
    #[arg(long, default_value = ".")]
    out_dir: PathBuf,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(args),
        Command::Migrate(args) => {
            let url = args.url()?;
            Db::connect(&url, 1)?;
            println!("migrations are up to date on {url}");
            Ok(())
        }
        Command::Seed(SeedCommand::Demo(args)) => {
            let db = Db::connect(&args.url()?, 2)?;
            let report = seed::demo::load(&db)?;
            println!("{report}");
            Ok(())
        }
        Command::Seed(SeedCommand::Synthetic(args)) => {
            let db = Db::connect(&args.db.url()?, 2)?;
            let options = seed::synthetic::Options {
                articles: args.articles,
                seed: args.seed,
                body_words: args.body_words,
            };
            let report = seed::synthetic::generate(&db, &options)?;
            println!("{report}");
            Ok(())
        }
        Command::ExportSchema(args) => {
            let written = crate::contracts::export(&args.out_dir)?;
            for path in written {
                println!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let url = args.db.url()?;
    let mut settings = Settings::new(args.bind, url.clone());
    settings.pool_size = args.pool_size;
    settings.workers = args.workers;
    settings.cache.max_age_seconds = args.cache_max_age;
    settings.content.read_cache_ttl = std::time::Duration::from_secs(args.read_cache_ttl);
    actix_web::rt::System::new().block_on(async move {
        let pool_size = settings.pool_size();
        let db = tokio::task::spawn_blocking(move || Db::connect(&url, pool_size)).await??;
        if args.demo {
            let seeded = db.clone();
            let report = tokio::task::spawn_blocking(move || seed::demo::load_if_empty(&seeded)).await??;
            if let Some(report) = report {
                tracing::info!(%report, "loaded the demo newsroom");
            }
        }
        let app = Application::with_db(db, settings)?;
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(())
    })
}
