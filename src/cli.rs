//! The `masthead` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::auth::Role;
use crate::auth::keys::KeySettings;
use crate::config::Settings;
use crate::db::{DatabaseUrl, Db};
use crate::seed;
use crate::service::editorial::{NewUserInput, UserUpdate};
use crate::service::purge::PurgeStyle;
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
    Serve(Box<ServeArgs>),
    /// Run pending database migrations and exit.
    Migrate(DbArgs),
    /// Load content into the database.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Write schema.graphql and openapi/openapi.json from the code.
    ExportSchema(ExportArgs),
    /// Manage editorial users (create the first admin here).
    #[command(subcommand)]
    User(UserCommand),
    /// Measure the quality of discovery on generated data.
    #[command(subcommand)]
    Evaluate(EvaluateCommand),
    /// Bring a newsroom's archive from another system.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// A WordPress site, over its REST API or from an export file: categories, tags, users,
    /// posts, featured images and comments, with their old addresses. Run it again to bring
    /// what changed.
    Wordpress(WordpressArgs),
}

#[derive(Debug, Args)]
struct WordpressArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The site's address, e.g. https://news.example.com (its REST API is /wp-json/wp/v2/).
    #[arg(long, required_unless_present = "wxr", conflicts_with = "wxr")]
    url: Option<String>,
    /// A WordPress export file (Tools → Export → All content), read as a stream.
    #[arg(long)]
    wxr: Option<PathBuf>,
    /// A WordPress user with an application password, read from standard input: also
    /// brings drafts, scheduled and pending posts, pending comments and commenters' emails.
    #[arg(long, requires = "url")]
    user: Option<String>,
    /// Only posts modified after this UTC time (e.g. 2025-09-01 or 2025-09-01T12:00:00).
    #[arg(long, value_parser = parse_since)]
    since: Option<chrono::NaiveDateTime>,
    /// Move a dateline that opens a body (`<strong>TEL-AVIV — </strong>...`) to the
    /// article's dateline.
    #[arg(long)]
    dateline_from_body: bool,
}

fn parse_since(raw: &str) -> Result<chrono::NaiveDateTime, String> {
    chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
        .map_err(|_| format!("{raw:?} is not a date (2025-09-01) or a UTC time (2025-09-01T12:00:00)"))
}

#[derive(Debug, Subcommand)]
enum EvaluateCommand {
    /// Precision@5 of related articles against the stories of `seed synthetic --stories`.
    Related(EvaluateRelatedArgs),
}

#[derive(Debug, Args)]
struct EvaluateRelatedArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The `slug,story` file that `seed synthetic --stories --labels` wrote.
    #[arg(long)]
    labels: PathBuf,
    /// How many source articles to measure, spread over the whole set.
    #[arg(long, default_value_t = 1000)]
    sample: usize,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user; the password comes from --password-stdin or MASTHEAD_PASSWORD.
    Create(UserCreateArgs),
    /// List users.
    List(DbArgs),
    /// Change a user's role.
    SetRole(UserRoleArgs),
    /// Disable a user and revoke their sessions.
    Disable(UserEmailArgs),
    /// Let a disabled user sign in again.
    Enable(UserEmailArgs),
    /// Set a user's password, read from standard input (or MASTHEAD_PASSWORD).
    SetPassword(UserPasswordArgs),
}

#[derive(Debug, Args)]
struct UserPasswordArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long)]
    email: String,
    /// Read the password from standard input (a password is never taken as an argument).
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Args)]
struct UserCreateArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long)]
    email: String,
    /// Display name.
    #[arg(long)]
    name: String,
    /// contributor, moderator, author, editor or admin.
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// Slug of the author profile the user writes as.
    #[arg(long)]
    author: Option<String>,
    /// Read the password from standard input (a password is never taken as an argument).
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Args)]
struct UserRoleArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long)]
    email: String,
    #[arg(long, value_parser = parse_role)]
    role: Role,
}

#[derive(Debug, Args)]
struct UserEmailArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long)]
    email: String,
}

fn parse_header(raw: &str) -> Result<(String, String), String> {
    let (name, value) = raw
        .split_once(':')
        .ok_or_else(|| "a header is `Name: value`".to_owned())?;
    let name = name.trim();
    let value = value.trim();
    actix_web::http::header::HeaderName::try_from(name)
        .map_err(|_| format!("{name:?} is not a header name"))?;
    actix_web::http::header::HeaderValue::try_from(value)
        .map_err(|_| format!("the value of {name} cannot be sent"))?;
    Ok((name.to_owned(), value.to_owned()))
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::parse(raw).ok_or_else(|| "the role is contributor, moderator, author, editor or admin".to_owned())
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
    /// Pieces of database work run at once, the rest queued in arrival order (default: two
    /// per core on SQLite, four per core on PostgreSQL; at most the pool size).
    #[arg(long, env = "MASTHEAD_DB_CONCURRENCY")]
    db_concurrency: Option<u32>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "MASTHEAD_WORKERS")]
    workers: Option<usize>,
    /// SQLite: MiB of the database file read through a memory map instead of copied out of
    /// the page cache (0: off; SQLite maps at most 2 GiB). Faster reads; the mapped pages
    /// count in the process's resident memory.
    #[arg(long, env = "MASTHEAD_SQLITE_MMAP_MIB", default_value_t = 0)]
    sqlite_mmap_mib: u64,
    /// Seconds clients and CDNs may cache public responses.
    #[arg(long, env = "MASTHEAD_CACHE_MAX_AGE", default_value_t = 60)]
    cache_max_age: u32,
    /// Seconds shared caches (CDNs) may keep public responses, when longer than browsers
    /// (`s-maxage`); unset: the same as `--cache-max-age`.
    #[arg(long, env = "MASTHEAD_CACHE_S_MAXAGE")]
    cache_s_maxage: Option<u32>,
    /// Seconds a cache may serve a stale copy while it fetches a fresh one (0: never).
    #[arg(long, env = "MASTHEAD_CACHE_STALE_WHILE_REVALIDATE", default_value_t = 300)]
    cache_stale_while_revalidate: u32,
    /// Seconds a cache may serve a stale copy while this server is failing (0: never).
    #[arg(long, env = "MASTHEAD_CACHE_STALE_IF_ERROR", default_value_t = 86_400)]
    cache_stale_if_error: u32,
    /// Where to send the surrogate keys of what each write changed, so a CDN drops them
    /// (e.g. `https://api.fastly.com/service/ID/purge`); unset: no purges are sent.
    #[arg(long, env = "MASTHEAD_PURGE_URL")]
    purge_url: Option<url::Url>,
    /// The purge request's shape: fastly (POST `{"surrogate_keys": […]}`), xkey (Varnish:
    /// PURGE with an `xkey-purge` header) or cloudflare (POST `{"tags": […]}`).
    #[arg(long, env = "MASTHEAD_PURGE_STYLE", default_value = "fastly", value_parser = str::parse::<PurgeStyle>)]
    purge_style: PurgeStyle,
    /// A header sent with every purge, `Name: value` (e.g. `Fastly-Key: …`); repeatable.
    #[arg(long = "purge-header", env = "MASTHEAD_PURGE_HEADERS", value_delimiter = '\n', value_parser = parse_header)]
    purge_headers: Vec<(String, String)>,
    /// Seconds one webhook attempt may take before it counts as failed.
    #[arg(long, env = "MASTHEAD_WEBHOOK_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    webhook_timeout: u64,
    /// Hours a webhook delivery is retried (with exponential backoff) before it is given up.
    #[arg(long, env = "MASTHEAD_WEBHOOK_RETRY_HOURS", default_value_t = 72, value_parser = clap::value_parser!(u64).range(1..=720))]
    webhook_retry_hours: u64,
    /// Hours every attempt to a webhook endpoint may fail before it is disabled.
    #[arg(long, env = "MASTHEAD_WEBHOOK_DISABLE_AFTER_HOURS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=8760))]
    webhook_disable_after_hours: u64,
    /// Let webhook endpoints be on this machine or a private network (off: such URLs are
    /// refused, and names must resolve to public addresses).
    #[arg(long, env = "MASTHEAD_WEBHOOKS_ALLOW_PRIVATE")]
    webhooks_allow_private: bool,
    /// Seconds the server reuses an assembled article or list page (0: off). Never past the
    /// next scheduled publication; writes through this server clear it at once.
    #[arg(long, env = "MASTHEAD_READ_CACHE_TTL", default_value_t = 5)]
    read_cache_ttl: u64,
    /// Days the change log keeps what changed; a sync token older than this is refused
    /// (410), and the client syncs from the start.
    #[arg(long, env = "MASTHEAD_SYNC_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3650))]
    sync_retention_days: u64,
    /// How often counted article views are written to the database, in seconds.
    #[arg(long, env = "MASTHEAD_VIEWS_FLUSH_INTERVAL", default_value_t = 30)]
    views_flush_interval: u64,
    /// Days of hourly view counts to keep.
    #[arg(long, env = "MASTHEAD_VIEWS_RETENTION_DAYS", default_value_t = 90)]
    views_retention_days: u64,
    /// A JSON file configuring the comment form (labels and messages), moderation, limits
    /// and anti-spam; see README. Defaults apply without it.
    #[arg(long, env = "MASTHEAD_COMMENTS_CONFIG")]
    comments_config: Option<PathBuf>,
    /// Requests per second one address may make without a partner key (0: unlimited).
    #[arg(long, env = "MASTHEAD_ANONYMOUS_RATE_LIMIT", default_value_t = 100)]
    anonymous_rate_limit: u32,
    /// Where this API is reached from outside (e.g. https://api.news.example.com), for the
    /// links it writes to itself in feeds and sitemaps. Never taken from request headers.
    /// Default: http://localhost:PORT.
    #[arg(long, env = "MASTHEAD_PUBLIC_URL")]
    public_url: Option<String>,
    /// Proxies and load balancers whose Forwarded / X-Forwarded-For headers are believed,
    /// as addresses or CIDR blocks, comma-separated (default: none).
    #[arg(long, env = "MASTHEAD_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: String,
    /// Browser origins that may call the API, comma-separated (`*`: any, for public reads).
    /// Editorial routes and requests with credentials are open only to origins named here.
    #[arg(long, env = "MASTHEAD_CORS_ORIGINS", default_value = "*")]
    cors_origins: String,
    /// The largest request body accepted, in bytes.
    #[arg(long, env = "MASTHEAD_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Send Strict-Transport-Security with this max-age in seconds (only behind HTTPS).
    #[arg(long, env = "MASTHEAD_HSTS_MAX_AGE")]
    hsts_max_age: Option<u64>,
    /// The highest price of one GraphQL query: each field costs 1, a list multiplies what
    /// it holds by its size.
    #[arg(long, env = "MASTHEAD_GRAPHQL_MAX_COST", default_value_t = 25_000)]
    graphql_max_cost: usize,
    /// The most fields one GraphQL response may resolve.
    #[arg(long, env = "MASTHEAD_GRAPHQL_MAX_FIELDS", default_value_t = 50_000)]
    graphql_max_fields: usize,
    /// An Apollo persisted query manifest (`@apollo/generate-persisted-query-manifest`):
    /// its queries can be named by hash from the first request.
    #[arg(long, env = "MASTHEAD_GRAPHQL_PERSISTED_QUERIES")]
    graphql_persisted_queries: Option<PathBuf>,
    /// Run only the manifest's queries (by hash or by text) and refuse any other document:
    /// for a production API whose only clients are the newsroom's own apps.
    #[arg(long, env = "MASTHEAD_GRAPHQL_PERSISTED_ONLY")]
    graphql_persisted_only: bool,
    #[command(flatten)]
    keys: KeyArgs,
    #[command(flatten)]
    site: SiteArgs,
}

/// The newsroom's website, for links in feeds and sitemaps.
#[derive(Debug, Args)]
struct SiteArgs {
    /// The website's home.
    #[arg(long, env = "MASTHEAD_SITE_URL", default_value = "https://news.example.com")]
    site_url: String,
    /// An article's page; {site}, {section}, {slug} and {id} are filled in.
    #[arg(long, env = "MASTHEAD_ARTICLE_URL", default_value = "{site}/{section}/{slug}")]
    article_url: String,
    /// An author's page; {site} and {slug} are filled in.
    #[arg(long, env = "MASTHEAD_AUTHOR_URL", default_value = "{site}/authors/{slug}")]
    author_url: String,
    /// The publication's logo (an absolute URL), for the publisher in structured data.
    #[arg(long, env = "MASTHEAD_SITE_LOGO")]
    site_logo: Option<url::Url>,
    /// A WebSub hub the feeds name (`rel="hub"`), told of every change to a feed's content
    /// (`hub.mode=publish`); repeatable.
    #[arg(long = "websub-hub", env = "MASTHEAD_WEBSUB_HUBS", value_delimiter = ',')]
    websub_hubs: Vec<url::Url>,
    /// Answer the old addresses of an imported WordPress site (permalinks, `/?p=123`,
    /// category, tag and author pages, feeds) with a 301 to where each lives now: point the
    /// old domain here, or let the frontend ask `/v1/redirects`.
    #[arg(long, env = "MASTHEAD_SERVE_WORDPRESS_PATHS")]
    serve_wordpress_paths: bool,
    /// Publication name in feeds and the news sitemap.
    #[arg(long, env = "MASTHEAD_SITE_NAME", default_value = "Masthead")]
    site_name: String,
    /// Language of the publication (news sitemap, feeds).
    #[arg(long, env = "MASTHEAD_SITE_LANGUAGE", default_value = "en")]
    site_language: String,
    /// Items per feed, 1 to 100.
    #[arg(long, env = "MASTHEAD_FEED_SIZE", default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=100))]
    feed_size: i64,
    /// Seconds clients may cache feeds and sitemaps.
    #[arg(long, env = "MASTHEAD_FEED_CACHE_MAX_AGE", default_value_t = 300)]
    feed_cache_max_age: u32,
}

/// Token signing keys. With none, SQLite setups get a generated secret kept beside the
/// database; PostgreSQL setups must configure one.
#[derive(Debug, Args)]
struct KeyArgs {
    /// HS256 secret, at least 32 bytes.
    #[arg(long, env = "MASTHEAD_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// Retired secrets that still verify tokens, comma-separated.
    #[arg(
        long,
        env = "MASTHEAD_JWT_PREVIOUS_SECRETS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    jwt_previous_secrets: Vec<String>,
    /// PEM private key (Ed25519 or RSA) to sign with instead of a secret.
    #[arg(long, env = "MASTHEAD_JWT_PRIVATE_KEY")]
    jwt_private_key: Option<PathBuf>,
    /// PEM public keys that verify tokens, comma-separated; the first belongs to the private key.
    #[arg(long, env = "MASTHEAD_JWT_PUBLIC_KEYS", value_delimiter = ',')]
    jwt_public_keys: Vec<PathBuf>,
    /// Lifetime of access tokens in seconds.
    #[arg(long, env = "MASTHEAD_ACCESS_TOKEN_TTL", default_value_t = 900)]
    access_token_ttl: u64,
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
    /// Write articles in stories (runs of 6 to 12 that share names, tags, a section and a
    /// fortnight), the ground truth for `masthead evaluate related`.
    #[arg(long)]
    stories: bool,
    /// With --stories: write `slug,story` lines to this file.
    #[arg(long, requires = "stories")]
    labels: Option<PathBuf>,
    /// Also record readers' views over the last 30 days for about 2% of the articles.
    #[arg(long)]
    views: bool,
    /// Add to a database that already holds articles (refused without it).
    #[arg(long)]
    append: bool,
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
        Command::Serve(args) => serve(*args),
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
                stories: args.stories,
                labels: args.labels,
                views: args.views,
                append: args.append,
                stop: Some(stop_on_ctrl_c()),
            };
            let report = seed::synthetic::generate(&db, &options)?;
            println!("{report}");
            Ok(())
        }
        Command::User(command) => user(command),
        Command::Import(ImportCommand::Wordpress(args)) => {
            let db = Db::connect(&args.db.url()?, 4)?;
            let credentials = match args.user {
                Some(user) => {
                    let mut password = String::new();
                    std::io::stdin().read_line(&mut password)?;
                    let password = password.trim().to_owned();
                    anyhow::ensure!(
                        !password.is_empty(),
                        "give {user}'s application password on standard input"
                    );
                    Some((user, password))
                }
                None => None,
            };
            let source = match (args.url, args.wxr) {
                (Some(url), _) => crate::import::wordpress::Source::Rest { url, credentials },
                (None, Some(path)) => crate::import::wordpress::Source::Wxr(path),
                (None, None) => anyhow::bail!("give --url or --wxr"),
            };
            let options = crate::import::wordpress::Options {
                source,
                since: args.since,
                dateline_from_body: args.dateline_from_body,
                progress: true,
            };
            let report =
                actix_web::rt::System::new().block_on(crate::import::wordpress::import(db, options))?;
            print!("{report}");
            anyhow::ensure!(
                !report.has_failures(),
                "the import did not bring everything (see above)"
            );
            Ok(())
        }
        Command::Evaluate(EvaluateCommand::Related(args)) => {
            let db = Db::connect(&args.db.url()?, 2)?;
            let precision = actix_web::rt::System::new().block_on(seed::evaluate::related_precision(
                db,
                &args.labels,
                args.sample,
            ))?;
            println!("{precision}");
            Ok(())
        }
        Command::ExportSchema(args) => {
            let written = crate::contracts::export(&args.out_dir)?;
            if written.is_empty() {
                println!("schema.graphql and openapi/openapi.json are up to date");
            }
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
    settings.db_concurrency = args.db_concurrency;
    settings.workers = args.workers;
    settings.sqlite_mmap_mib = args.sqlite_mmap_mib;
    settings.cache.max_age_seconds = args.cache_max_age;
    settings.cache.shared_max_age_seconds = args.cache_s_maxage;
    settings.cache.stale_while_revalidate_seconds = args.cache_stale_while_revalidate;
    settings.cache.stale_if_error_seconds = args.cache_stale_if_error;
    settings.content.purge.url = args.purge_url.clone();
    settings.content.purge.style = args.purge_style;
    settings.content.purge.headers = args.purge_headers.clone();
    settings.content.read_cache_ttl = std::time::Duration::from_secs(args.read_cache_ttl);
    settings.content.webhooks.timeout = std::time::Duration::from_secs(args.webhook_timeout);
    settings.content.webhooks.retry_for = std::time::Duration::from_secs(args.webhook_retry_hours * 3600);
    settings.content.webhooks.disable_after =
        std::time::Duration::from_secs(args.webhook_disable_after_hours * 3600);
    settings.content.webhooks.allow_private = args.webhooks_allow_private;
    settings.content.sync_retention = std::time::Duration::from_secs(args.sync_retention_days * 86_400);
    settings.anonymous_rate_limit = args.anonymous_rate_limit;
    settings.public_url = args.public_url.clone();
    if let Some(public) = &settings.public_url {
        url::Url::parse(public).map_err(|e| anyhow::anyhow!("--public-url {public:?} is not a URL: {e}"))?;
    }
    settings.edge.trusted_proxies = crate::http::edge::EdgeSettings::parse_proxies(&args.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?;
    settings.edge.max_body_bytes = args.max_body_bytes;
    settings.cors = crate::http::cors::CorsSettings::parse(&args.cors_origins)
        .map_err(|e| anyhow::anyhow!("--cors-origins: {e}"))?;
    settings.edge.hsts_max_age = args.hsts_max_age;
    settings.graphql.max_cost = args.graphql_max_cost;
    settings.graphql.max_fields = args.graphql_max_fields;
    settings.persisted_queries.manifest = args.graphql_persisted_queries.clone();
    settings.persisted_queries.only = args.graphql_persisted_only;
    settings.content.views.flush_interval = std::time::Duration::from_secs(args.views_flush_interval.max(1));
    settings.content.views.retention =
        std::time::Duration::from_secs(args.views_retention_days.max(1) * 86_400);
    if let Some(path) = &args.comments_config {
        settings.comments = crate::service::comments::settings::CommentSettings::from_file(path)?;
    }
    settings.site = crate::service::feeds::SiteSettings {
        url: args.site.site_url,
        article_url: args.site.article_url,
        author_url: args.site.author_url,
        logo_url: args.site.site_logo.map(String::from),
        name: args.site.site_name,
        language: args.site.site_language,
        feed_size: args.site.feed_size,
        // Filled in once the server knows its port (see `Settings::public_url`).
        api_url: String::new(),
        hubs: args.site.websub_hubs.iter().map(url::Url::to_string).collect(),
        serve_wordpress_paths: args.site.serve_wordpress_paths,
    };
    settings.feeds.max_age_seconds = args.site.feed_cache_max_age;
    settings.keys = KeySettings {
        secret: args.keys.jwt_secret,
        previous_secrets: args.keys.jwt_previous_secrets,
        private_key_file: args.keys.jwt_private_key,
        public_key_files: args.keys.jwt_public_keys,
        access_ttl: Some(std::time::Duration::from_secs(args.keys.access_token_ttl)),
    };
    // Refuse a missing or weak signing key, and a port already taken, before touching the
    // database.
    crate::auth::keys::load(&settings.keys, &url)?;
    drop(
        std::net::TcpListener::bind(&settings.bind).map_err(|e| {
            anyhow::anyhow!("cannot listen on {} (--bind / MASTHEAD_BIND): {e}", settings.bind)
        })?,
    );
    actix_web::rt::System::new().block_on(async move {
        let pool_size = settings.pool_size();
        let mmap = settings.sqlite_mmap_mib * 1024 * 1024;
        let db = tokio::task::spawn_blocking(move || Db::connect_with(&url, pool_size, mmap)).await??;
        if args.demo {
            let seeded = db.clone();
            let report = tokio::task::spawn_blocking(move || seed::demo::load_if_empty(&seeded)).await??;
            if let Some(report) = report {
                tracing::info!(%report, "loaded the demo newsroom");
            }
        }
        let nobody = {
            let db = db.clone();
            tokio::task::spawn_blocking(move || {
                crate::service::editorial::EditorialService::offline(db).users_offline()
            })
            .await??
            .is_empty()
        };
        let bind = settings.bind.clone();
        let app = Application::with_db(db, settings)?;
        let host = bind.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
        let host = if host == "0.0.0.0" || host == "[::]" {
            "localhost"
        } else {
            host
        };
        tracing::info!(
            "GraphiQL: http://{host}:{}/graphql, OpenAPI: http://{host}:{}/openapi.json",
            app.port(),
            app.port()
        );
        if nobody {
            tracing::info!(
                "no editorial users yet: create the first admin with \
                 `masthead user create --email you@example.org --name You --role admin --password-stdin`"
            );
        }
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Offline user management: runs as the operator of the machine and issues no tokens.
fn user(command: UserCommand) -> anyhow::Result<()> {
    let db_args = match &command {
        UserCommand::Create(a) => &a.db,
        UserCommand::List(a) => a,
        UserCommand::SetRole(a) => &a.db,
        UserCommand::Disable(a) | UserCommand::Enable(a) => &a.db,
        UserCommand::SetPassword(a) => &a.db,
    };
    let db = Db::connect(&db_args.url()?, 1)?;
    let editorial = crate::service::editorial::EditorialService::offline(db);
    match command {
        UserCommand::Create(args) => {
            let password = read_password(args.password_stdin)?;
            let user = editorial.create_user_offline(NewUserInput {
                email: args.email,
                display_name: args.name,
                role: args.role,
                password,
                author: args.author,
            })?;
            println!("created user {} ({}) as {}", user.id, user.email, user.role);
        }
        UserCommand::List(_) => {
            for u in editorial.users_offline()? {
                let state = if u.disabled { "disabled" } else { "active" };
                println!("{}\t{}\t{}\t{}\t{}", u.id, u.email, u.role, state, u.display_name);
            }
        }
        UserCommand::SetRole(args) => {
            let u = editorial.update_user_offline(
                &args.email,
                UserUpdate {
                    role: Some(args.role),
                    ..Default::default()
                },
            )?;
            println!("{} is now {}", u.email, u.role);
        }
        UserCommand::Disable(args) => {
            let u = editorial.update_user_offline(
                &args.email,
                UserUpdate {
                    disabled: Some(true),
                    ..Default::default()
                },
            )?;
            println!("{} is disabled and signed out everywhere", u.email);
        }
        UserCommand::Enable(args) => {
            let u = editorial.update_user_offline(
                &args.email,
                UserUpdate {
                    disabled: Some(false),
                    ..Default::default()
                },
            )?;
            println!("{} can sign in again", u.email);
        }
        UserCommand::SetPassword(args) => {
            let password = read_password(args.password_stdin)?;
            let u = editorial.update_user_offline(
                &args.email,
                UserUpdate {
                    password: Some(password),
                    ..Default::default()
                },
            )?;
            println!("the password of {} is changed", u.email);
        }
    }
    Ok(())
}

/// A flag Ctrl-C sets, so that a long seeding stops between two committed batches and says
/// what it wrote, instead of dying in the middle of one.
fn stop_on_ctrl_c() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        runtime.block_on(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping after the batch being written");
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        });
    });
    stop
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_owned());
    }
    std::env::var("MASTHEAD_PASSWORD").map_err(|_| {
        anyhow::anyhow!("give the password on standard input with --password-stdin, or in MASTHEAD_PASSWORD")
    })
}
