//! The service layer: every rule about what is read and who sees it lives here. REST
//! handlers and GraphQL resolvers only translate to and from these calls.

pub(crate) mod articles;
mod cache;
mod clock;
pub mod comments;
pub mod editorial;
pub mod feeds;
mod paging;
pub mod popular;
pub mod related;
mod related_index;
mod relations;
pub mod search;
mod sections;
pub(crate) mod taxonomy;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::db::Db;
pub use articles::{ArticleFilter, ArticleLookup};
use cache::ReadCache;
pub use cache::Ticket;
pub use clock::Clock;
pub use paging::{Page, PageRequest};
pub use relations::Relations;
pub use sections::SectionTree;

/// A response body as sent, with the time its content last changed when known.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Shared, not copied, by every response that sends it.
    pub body: bytes::Bytes,
    /// Computed once, when the bytes are made (see `content_etag`).
    pub etag: String,
    pub last_modified: Option<DateTime<Utc>>,
}

impl Rendered {
    pub fn new(body: Vec<u8>) -> Rendered {
        Rendered::modified(body, None)
    }

    pub fn modified(body: Vec<u8>, last_modified: Option<DateTime<Utc>>) -> Rendered {
        Rendered {
            etag: content_etag(&body),
            body: body.into(),
            last_modified,
        }
    }
}

/// A validator from the content's SHA-256: the same bytes give the same tag on every
/// instance and with every Rust release. Weak, because the gzip and identity encodings of
/// the same bytes share it (RFC 9110, 8.8.1).
pub fn content_etag(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    format!(
        "W/\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18])
    )
}

/// Tunables of the content service.
#[derive(Debug, Clone)]
pub struct ContentSettings {
    /// How long a section tree read from the database is reused.
    pub section_cache_ttl: Duration,
    /// How long assembled articles and list pages are reused (zero: not at all). Entries
    /// never outlive the next scheduled publication.
    pub read_cache_ttl: Duration,
    /// Memory the read cache may use, in bytes (estimated).
    pub read_cache_bytes: u64,
    /// Counting readers' views.
    pub views: popular::ViewSettings,
    /// What "now" is; the system clock unless a test moves it.
    pub clock: Clock,
}

impl Default for ContentSettings {
    fn default() -> Self {
        ContentSettings {
            section_cache_ttl: Duration::from_secs(5),
            read_cache_ttl: Duration::from_secs(5),
            read_cache_bytes: 64 * 1024 * 1024,
            views: popular::ViewSettings::default(),
            clock: Clock::default(),
        }
    }
}

/// The read side of the newsroom: articles, sections, tags and authors.
#[derive(Clone)]
pub struct ContentService {
    db: Db,
    sections: moka::sync::Cache<(), Arc<SectionTree>>,
    articles: Arc<ReadCache<ArticleLookup, views::Article>>,
    pages: Arc<ReadCache<articles::PageKey, views::ArticlePage>>,
    responses: Arc<ReadCache<String, Rendered>>,
    /// One lock per response being produced, so that concurrent misses of the same
    /// response wait for one producer instead of all querying the database at once.
    filling: moka::sync::Cache<String, Arc<tokio::sync::Mutex<()>>>,
    views: Arc<popular::ViewCounter>,
    related_index: Arc<related_index::RelatedIndex>,
    horizon: Arc<cache::Horizon>,
    clock: Clock,
}

impl ContentService {
    pub fn new(db: Db, settings: &ContentSettings) -> ContentService {
        ContentService {
            db,
            sections: moka::sync::Cache::builder()
                .max_capacity(1)
                .time_to_live(settings.section_cache_ttl)
                .build(),
            articles: Arc::new(ReadCache::new(
                settings.read_cache_ttl,
                settings.read_cache_bytes,
                articles::article_weight,
            )),
            pages: Arc::new(ReadCache::new(
                settings.read_cache_ttl,
                settings.read_cache_bytes / 2,
                articles::page_weight,
            )),
            responses: Arc::new(ReadCache::new(
                settings.read_cache_ttl,
                settings.read_cache_bytes / 2,
                |body| u32::try_from(body.body.len() + 256).unwrap_or(u32::MAX),
            )),
            views: Arc::new(popular::ViewCounter::new(settings.views.clone())),
            related_index: related_index::RelatedIndex::new(),
            horizon: Arc::new(cache::Horizon::new(settings.read_cache_ttl)),
            filling: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(60))
                .build(),
            clock: settings.clock.clone(),
        }
    }

    /// A public response rendered earlier for the same request, if still fresh.
    pub fn cached_response(&self, key: &str) -> Option<Arc<Rendered>> {
        self.responses.get(&key.to_owned(), self.now())
    }

    /// Keeps a rendered public response under the same rules as the read cache: until the
    /// TTL passes, the next scheduled publication comes, or a write clears it.
    /// Take before producing a response to cache (see `cache::ReadCache::insert`).
    pub fn response_ticket(&self) -> Ticket {
        self.responses.ticket()
    }

    pub async fn cache_response(
        &self,
        key: String,
        body: Arc<Rendered>,
        ticket: Ticket,
    ) -> Result<(), crate::error::AppError> {
        if !self.responses.enabled() {
            return Ok(());
        }
        let now = self.now();
        // Mostly remembered: a turn in the database queue would only be waited for.
        let horizon = match self.horizon.remembered(now) {
            Some(next) => next,
            None => {
                let next = self.horizon.clone();
                self.db.run(move |c| Ok(next.at(c, now)?)).await?
            }
        };
        self.responses.insert(key, body, ticket, now, horizon);
        Ok(())
    }

    /// While held, this caller alone produces the response under `key`; `None` when the
    /// response cache is off (nothing would be shared, so nobody waits).
    pub async fn fill_guard(&self, key: &str) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        if !self.responses.enabled() {
            return None;
        }
        let lock = self
            .filling
            .get_with(key.to_owned(), || Arc::new(tokio::sync::Mutex::new(())));
        Some(lock.lock_owned().await)
    }

    /// Forgets everything cached; every write through this process calls it.
    pub fn invalidate(&self) {
        self.sections.invalidate_all();
        self.articles.clear();
        self.pages.clear();
        self.responses.clear();
        self.related_index.mark_stale();
        self.horizon.clear();
        self.forget_view_sections();
    }

    /// Forgets rendered responses only: what changed is counted, not written content.
    pub(crate) fn forget_responses(&self) {
        self.responses.clear();
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The instant against which publication times are compared.
    pub fn now(&self) -> NaiveDateTime {
        self.clock.now()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}

pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

impl ContentService {
    /// Checks that the database answers, for readiness probes.
    pub async fn ping(&self) -> Result<(), crate::error::AppError> {
        use diesel::connection::SimpleConnection;
        self.db
            .run(|c| {
                crate::with_conn!(c, |c| c.batch_execute("SELECT 1"))
                    .map_err(crate::error::AppError::unavailable)
            })
            .await
    }
}
