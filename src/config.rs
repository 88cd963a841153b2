//! Runtime settings of the server, gathered from flags and environment by the CLI.

use crate::auth::keys::KeySettings;
use crate::db::{Backend, DatabaseUrl};
use crate::http::CachePolicy;
use crate::http::feeds::FeedPolicy;
use crate::service::ContentSettings;
use crate::service::editorial::EditorialSettings;
use crate::service::feeds::SiteSettings;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    pub database_url: DatabaseUrl,
    /// Connections in the pool; by default 8 for SQLite and 16 for PostgreSQL.
    pub pool_size: Option<u32>,
    /// Pieces of database work run at once; by default two per core on SQLite (the work
    /// is this process's) and four per core on PostgreSQL (it waits on the server).
    pub db_concurrency: Option<u32>,
    /// HTTP worker threads; by default one per core.
    pub workers: Option<usize>,
    /// SQLite: MiB of the database file read through a memory map (0: off).
    pub sqlite_mmap_mib: u64,
    pub cache: CachePolicy,
    pub feeds: FeedPolicy,
    /// The newsroom's website, for links in feeds and sitemaps.
    pub site: SiteSettings,
    pub content: ContentSettings,
    pub comments: crate::service::comments::settings::CommentSettings,
    pub editorial: EditorialSettings,
    /// Where the token signing keys come from.
    pub keys: KeySettings,
    /// Requests per second one address may make without a key (0: unlimited).
    pub anonymous_rate_limit: u32,
    /// Body size, trusted proxies and security headers, enforced before routing.
    pub edge: crate::http::edge::EdgeSettings,
    /// Where this API is reached from outside, for the links it writes to itself; by
    /// default `http://localhost:PORT`.
    pub public_url: Option<String>,
    /// Which browser origins may call the API.
    pub cors: crate::http::cors::CorsSettings,
    /// What one GraphQL request may cost.
    pub graphql: crate::graphql::limits::GraphqlLimits,
    /// Persisted queries: an allow-list, and whether only it runs.
    pub persisted_queries: crate::graphql::PersistedSettings,
    /// Whether SIGINT/SIGTERM stop the server (off when a test hosts several servers).
    pub handle_signals: bool,
}

impl Settings {
    pub fn new(bind: impl Into<String>, database_url: DatabaseUrl) -> Settings {
        Settings {
            bind: bind.into(),
            database_url,
            pool_size: None,
            sqlite_mmap_mib: 0,
            db_concurrency: None,
            workers: None,
            cache: CachePolicy::default(),
            feeds: FeedPolicy::default(),
            site: SiteSettings::default(),
            content: ContentSettings::default(),
            comments: Default::default(),
            editorial: EditorialSettings::default(),
            keys: KeySettings::default(),
            anonymous_rate_limit: 100,
            edge: Default::default(),
            public_url: None,
            graphql: Default::default(),
            persisted_queries: Default::default(),
            cors: Default::default(),
            handle_signals: true,
        }
    }

    pub fn pool_size(&self) -> u32 {
        self.pool_size.unwrap_or(match self.database_url.backend() {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
    }

    pub fn db_concurrency(&self) -> u32 {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
        self.db_concurrency.unwrap_or(match self.database_url.backend() {
            Backend::Sqlite => 2 * cores,
            Backend::Postgres => 4 * cores,
        })
    }
}
