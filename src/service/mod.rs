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
pub mod purge;
pub mod redirects;
pub mod related;
mod related_index;
mod relations;
mod responses;
mod schedule;
pub mod search;
mod sections;
pub mod structured;
pub mod sync;
pub(crate) mod taxonomy;
pub mod views;
pub mod webhooks;
mod websub;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::db::Db;
pub use articles::{ArticleFilter, ArticleLookup};
use cache::ReadCache;
pub use clock::Clock;
pub use paging::{Page, PageRequest};
pub use relations::Relations;
pub use responses::{Change, Depends, ResponseKey, ResponseTicket, Scope};
pub use sections::SectionTree;

/// A response body as sent, with the time its content last changed when known.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Shared, not copied, by every response that sends it.
    pub body: bytes::Bytes,
    /// Computed once, when the bytes are made (see `content_etag`).
    pub etag: String,
    pub last_modified: Option<DateTime<Utc>>,
    /// The one article this response shows, when it shows one: a change to another
    /// article leaves it cached.
    pub article: Option<i64>,
    /// The surrogate keys of what it shows beyond its kind (see `purge`), space-separated.
    pub keys: String,
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
            article: None,
            keys: String::new(),
        }
    }

    /// The same, as a response about one article: a change to another leaves it cached.
    pub fn about(self, article: i64) -> Rendered {
        Rendered {
            article: Some(article),
            ..self
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
    /// Where a CDN is told what to drop.
    pub purge: purge::PurgeSettings,
    /// How often the schedule is looked at for articles that became public at their time.
    pub schedule_check: Duration,
    /// How long the change log keeps what changed: a sync token older than this is refused.
    pub sync_retention: Duration,
    /// How often the change log is read for other servers' writes.
    pub follow_interval: Duration,
    /// How webhooks are delivered.
    pub webhooks: webhooks::WebhookSettings,
}

impl Default for ContentSettings {
    fn default() -> Self {
        ContentSettings {
            section_cache_ttl: Duration::from_secs(5),
            read_cache_ttl: Duration::from_secs(5),
            read_cache_bytes: 64 * 1024 * 1024,
            views: popular::ViewSettings::default(),
            clock: Clock::default(),
            purge: purge::PurgeSettings::default(),
            schedule_check: Duration::from_secs(1),
            sync_retention: Duration::from_secs(30 * 86_400),
            follow_interval: Duration::from_millis(250),
            webhooks: webhooks::WebhookSettings::default(),
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
    responses: Arc<responses::Responses>,
    views: Arc<popular::ViewCounter>,
    related_index: Arc<related_index::RelatedIndex>,
    horizon: Arc<cache::Horizon>,
    purger: Arc<purge::Purger>,
    /// Woken by every change this server makes, for event streams waiting on the log.
    changes: Arc<tokio::sync::Notify>,
    sync_retention: chrono::TimeDelta,
    webhooks: Arc<webhooks::WebhookSettings>,
    /// Set when an admin here changed a webhook endpoint or delivery.
    endpoints_changed: Arc<std::sync::atomic::AtomicBool>,
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
            responses: Arc::new(responses::Responses::new(
                settings.read_cache_ttl,
                settings.read_cache_bytes / 2,
            )),
            views: Arc::new(popular::ViewCounter::new(settings.views.clone())),
            related_index: related_index::RelatedIndex::new(),
            horizon: Arc::new(cache::Horizon::new(settings.read_cache_ttl)),
            purger: Arc::new(purge::Purger::new(&settings.purge)),
            changes: Arc::new(tokio::sync::Notify::new()),
            sync_retention: chrono::TimeDelta::from_std(settings.sync_retention)
                .unwrap_or(chrono::TimeDelta::MAX),
            webhooks: Arc::new(settings.webhooks.clone()),
            endpoints_changed: Arc::default(),
            clock: settings.clock.clone(),
        }
    }

    /// Forgets everything cached, as after a change nobody described.
    pub fn invalidate(&self) {
        self.changed(Change::Content);
    }

    /// Learns of a committed change: forgets what it made stale here (the read caches,
    /// each refilled in one indexed read, and the responses that depend on it) and tells
    /// the CDN which keys to drop. Every write to public content ends here.
    pub fn changed(&self, change: Change) {
        self.forget_here(&change);
        self.purger.purge(change.surrogate_keys());
    }

    /// Forgets what `change` made stale in this process only: for another server's writes,
    /// learned from the change log (that server told the CDN).
    pub(crate) fn forget_here(&self, change: &Change) {
        if change.kind() == responses::Kind::Content {
            self.sections.invalidate_all();
            self.articles.clear();
            self.pages.clear();
            self.related_index.mark_stale();
            self.horizon.clear();
            self.forget_view_sections();
        }
        self.responses.forget(change);
        self.changes.notify_waiters();
    }

    /// Wakes whoever waits in `next_change`, as a change would.
    pub(crate) fn wake(&self) {
        self.changes.notify_waiters();
    }

    /// Waits until this server changes something, or `at_most` passes (another server's
    /// writes are only seen by looking).
    pub async fn next_change(&self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.changes.notified()).await;
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

    pub fn webhook_settings(&self) -> &webhooks::WebhookSettings {
        &self.webhooks
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
