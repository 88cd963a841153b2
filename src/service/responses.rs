//! The response cache: the bytes of public responses (REST, feeds and GraphQL alike), each
//! with its ETag, reused while the same request comes again. One path for all three front
//! doors: concurrent misses of one response are produced once (moka's `try_get_with`), an
//! entry lives for the read-cache TTL and never past the next scheduled publication by the
//! service's clock, and an answer produced before an invalidation is never kept after it.
//!
//! Each response says what it depends on besides the articles and their taxonomy, which
//! every response does: published comments, view counts, or neither; and a response that
//! shows one article says which. A change clears only what depends on it: the view flusher
//! (every few seconds) and an approved comment leave articles, lists and feeds in the
//! cache; a write to one article clears that article and every list, and leaves the other
//! articles; a change to sections, tags, authors or media clears everything.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use moka::Expiry;
use moka::future::Cache;

use super::{ContentService, Rendered};
use crate::error::AppError;

/// What a response depends on beyond published articles and their taxonomy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Depends {
    /// Lists or counts of published comments.
    pub comments: bool,
    /// View counts (popular lists).
    pub views: bool,
}

impl Depends {
    /// Articles and their taxonomy only.
    pub const CONTENT: Depends = Depends {
        comments: false,
        views: false,
    };

    fn on(self, kind: Kind) -> bool {
        match kind {
            Kind::Content => true,
            Kind::Comments => self.comments,
            Kind::Views => self.views,
        }
    }
}

/// What a public response shows. It says which changes clear it here and which surrogate
/// keys a CDN files it under (see `service::purge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One article (its own keys come with its bytes: `Rendered::keys`).
    Article,
    /// Anything that lists articles: a section's, a tag's or an author's page, search,
    /// related.
    List,
    /// A list ordered by counted views.
    Popular,
    /// Feeds and sitemaps.
    Feed,
    /// The lists of sections, tags and authors themselves.
    Sections,
    Tags,
    Authors,
    /// The published comments of one article (`Rendered::about` it).
    Comments,
    /// A GraphQL query's answer, and what it depends on as read off its text.
    Graphql(Depends),
}

impl Scope {
    pub(super) fn depends(self) -> Depends {
        match self {
            Scope::Popular => Depends {
                comments: false,
                views: true,
            },
            Scope::Comments => Depends {
                comments: true,
                views: false,
            },
            Scope::Graphql(depends) => depends,
            _ => Depends::CONTENT,
        }
    }
}

/// What changed, for [`ContentService::changed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Anything public may differ (a bulk load, an import).
    Content,
    /// One article: its own responses and every list may differ, other articles not.
    Article(i64),
    /// A section, tag, author or media item, by id: the articles showing it and the lists.
    Section(i64),
    Tag(i64),
    Author(i64),
    Media(i64),
    /// Comments of these articles became public or stopped being public.
    Comments(Vec<i64>),
    /// Counted views were written.
    Views,
}

/// One generation counter per kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Content,
    Comments,
    Views,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Content, Kind::Comments, Kind::Views];

    fn index(self) -> usize {
        self as usize
    }
}

impl Change {
    pub(super) fn kind(&self) -> Kind {
        match self {
            Change::Comments(_) => Kind::Comments,
            Change::Views => Kind::Views,
            _ => Kind::Content,
        }
    }
}

/// One cached response: the request as text and what its answer shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResponseKey {
    text: String,
    scope: Scope,
}

impl ResponseKey {
    pub fn new(text: String, scope: Scope) -> ResponseKey {
        ResponseKey { text, scope }
    }

    pub fn scope(&self) -> Scope {
        self.scope
    }
}

/// The generations of every kind of change when a producer began; see `Responses::keeps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTicket([u64; 3]);

#[derive(Clone)]
struct Entry {
    rendered: Arc<Rendered>,
    lifetime: Duration,
    /// The next scheduled publication when it was produced: stale from then on.
    until: Option<NaiveDateTime>,
}

struct ByLifetime;

impl Expiry<ResponseKey, Entry> for ByLifetime {
    fn expire_after_create(&self, _key: &ResponseKey, entry: &Entry, _at: Instant) -> Option<Duration> {
        Some(entry.lifetime)
    }
}

pub(super) struct Responses {
    /// None when the read-cache TTL is zero.
    cache: Option<Cache<ResponseKey, Entry>>,
    ttl: Duration,
    /// Bumped by every change of each kind before the entries depending on it are cleared.
    generations: [AtomicU64; 3],
}

impl Responses {
    pub fn new(ttl: Duration, max_bytes: u64) -> Responses {
        let cache = (!ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_k: &ResponseKey, e: &Entry| {
                    u32::try_from(e.rendered.body.len() + 256).unwrap_or(u32::MAX)
                })
                .expire_after(ByLifetime)
                .support_invalidation_closures()
                .build()
        });
        Responses {
            cache,
            ttl,
            generations: Default::default(),
        }
    }

    fn ticket(&self) -> ResponseTicket {
        ResponseTicket(Kind::ALL.map(|k| self.generations[k.index()].load(Ordering::Acquire)))
    }

    /// Whether an answer begun at `ticket` may still be kept: nothing it depends on changed.
    fn keeps(&self, key: &ResponseKey, ticket: ResponseTicket) -> bool {
        let now = self.ticket();
        let depends = key.scope.depends();
        Kind::ALL
            .iter()
            .all(|&k| !depends.on(k) || now.0[k.index()] == ticket.0[k.index()])
    }

    fn entry(&self, rendered: Arc<Rendered>, now: NaiveDateTime, horizon: Option<NaiveDateTime>) -> Entry {
        let until_horizon = horizon
            .map(|h| (h - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(Duration::MAX);
        Entry {
            rendered,
            lifetime: self.ttl.min(until_horizon),
            until: horizon,
        }
    }

    pub(super) fn forget(&self, change: &Change) {
        let kind = change.kind();
        self.generations[kind.index()].fetch_add(1, Ordering::AcqRel);
        let Some(cache) = &self.cache else { return };
        match *change {
            Change::Article(id) => {
                self.clear_where(cache, move |_, e| e.rendered.article.is_none_or(|a| a == id))
            }
            Change::Comments(_) | Change::Views => {
                self.clear_where(cache, move |k, _| k.scope.depends().on(kind))
            }
            // What shows a section, tag, author or media item is not tracked here.
            _ => cache.invalidate_all(),
        }
    }

    fn clear_where(
        &self,
        cache: &Cache<ResponseKey, Entry>,
        stale: impl Fn(&ResponseKey, &Entry) -> bool + Send + Sync + 'static,
    ) {
        // Only fails when the builder did not ask for closures, which it does.
        if let Err(e) = cache.invalidate_entries_if(stale) {
            tracing::warn!(error = %e, "responses not cleared; clearing all");
            cache.invalidate_all();
        }
    }
}

impl ContentService {
    /// A response produced for the same request moments ago, if it is still good.
    pub async fn cached_response(&self, key: &ResponseKey) -> Option<Arc<Rendered>> {
        let cache = self.responses.cache.as_ref()?;
        let entry = cache.get(key).await?;
        if entry.until.is_some_and(|until| self.now() >= until) {
            // A scheduled publication came (by the service's clock): gone, so that the
            // next producer replaces it rather than being handed it back.
            cache.invalidate(key).await;
            return None;
        }
        Some(entry.rendered)
    }

    /// The response for `key`: from the cache, or produced by `produce` and kept. Callers
    /// asking for the same key while it is produced wait for it rather than produce it too.
    pub async fn response<F>(&self, key: ResponseKey, produce: F) -> Result<Arc<Rendered>, AppError>
    where
        F: Future<Output = Result<Arc<Rendered>, AppError>>,
    {
        let Some(cache) = &self.responses.cache else {
            return produce.await;
        };
        if let Some(hit) = self.cached_response(&key).await {
            return Ok(hit);
        }
        let produced_at = std::sync::Mutex::new(None);
        let entry = cache
            .try_get_with(key.clone(), async {
                *produced_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(self.responses.ticket());
                let rendered = produce.await?;
                let now = self.now();
                let horizon = self.next_publication(now).await?;
                Ok::<_, AppError>(self.responses.entry(rendered, now, horizon))
            })
            .await
            .map_err(AppError::shared)?;
        let ticket = produced_at.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(ticket) = ticket
            && !self.responses.keeps(&key, ticket)
        {
            // Produced from what a change since made stale: answer it, keep nothing.
            cache.invalidate(&key).await;
        }
        Ok(entry.rendered)
    }

    /// Take before producing a response that may then be kept with [`Self::keep_response`].
    pub fn response_ticket(&self) -> ResponseTicket {
        self.responses.ticket()
    }

    /// Keeps a response whose producer decided, having produced it, that it may be shared
    /// (GraphQL: only queries whose answer holds nothing personal).
    pub async fn keep_response(
        &self,
        key: ResponseKey,
        rendered: Arc<Rendered>,
        ticket: ResponseTicket,
    ) -> Result<(), AppError> {
        let Some(cache) = &self.responses.cache else {
            return Ok(());
        };
        let now = self.now();
        let horizon = self.next_publication(now).await?;
        if !self.responses.keeps(&key, ticket) {
            return Ok(());
        }
        cache
            .insert(key.clone(), self.responses.entry(rendered, now, horizon))
            .await;
        // A change between the check and the insert bumped its generation before clearing:
        // either the clear saw this entry, or this check sees the bump.
        if !self.responses.keeps(&key, ticket) {
            cache.invalidate(&key).await;
        }
        Ok(())
    }

    /// The next scheduled publication after `now`, mostly remembered: a turn in the
    /// database queue would only be waited for.
    async fn next_publication(&self, now: NaiveDateTime) -> Result<Option<NaiveDateTime>, AppError> {
        match self.horizon.remembered(now) {
            Some(next) => Ok(next),
            None => {
                let next = self.horizon.clone();
                self.db.run(move |c| Ok(next.at(c, now)?)).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_invalidates_only_what_depends_on_it() {
        let responses = Responses::new(Duration::from_secs(60), 1 << 20);
        let article = ResponseKey::new("article".into(), Scope::Article);
        let popular = ResponseKey::new("popular".into(), Scope::Popular);
        let ticket = responses.ticket();
        responses.forget(&Change::Views);
        assert!(responses.keeps(&article, ticket), "views do not touch an article");
        assert!(
            !responses.keeps(&popular, ticket),
            "the popular list was read before the flush"
        );
        responses.forget(&Change::Content);
        assert!(!responses.keeps(&article, ticket));
    }
}
