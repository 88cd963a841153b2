//! Per-request dataloaders: every article relation requested anywhere in one GraphQL query
//! is fetched in one batch per kind.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use futures_util::future::BoxFuture;

use crate::content::Block;
use crate::db::taxonomy::TagRow;
use crate::error::AppError;
use crate::service::comments::PublicComment;
use crate::service::views::{Byline, Correction, Media};
use crate::service::{ArticleBundle, ContentService};

type Fetch<V> = fn(ContentService, Vec<i64>) -> BoxFuture<'static, Result<HashMap<i64, V>, AppError>>;

/// Loads values keyed by id through one batch service call.
pub struct Batch<V> {
    content: ContentService,
    fetch: Fetch<V>,
}

impl<V: Clone + Send + Sync + 'static> Loader<i64> for Batch<V> {
    type Value = V;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, V>, Self::Error> {
        (self.fetch)(self.content.clone(), keys.to_vec())
            .await
            .map_err(Arc::new)
    }
}

pub(super) type Cached<V> = DataLoader<Batch<V>, HashMapCache>;

pub struct Loaders {
    pub bylines: Cached<Vec<Byline>>,
    pub tags: Cached<Vec<TagRow>>,
    /// Keyed by media id.
    pub media: Cached<Media>,
    pub corrections: Cached<Vec<Correction>>,
    pub secondary_sections: Cached<Vec<i64>>,
    pub bodies: Cached<Arc<Vec<Block>>>,
    /// Approved comments per article.
    pub comment_counts: Cached<i64>,
    /// Approved replies per comment.
    pub replies: Cached<Vec<PublicComment>>,
}

fn loader<V: Clone + Send + Sync + 'static>(content: &ContentService, fetch: Fetch<V>) -> Cached<V> {
    let batch = Batch {
        content: content.clone(),
        fetch,
    };
    DataLoader::with_cache(batch, tokio::spawn, HashMapCache::default())
}

impl Loaders {
    pub fn new(content: ContentService) -> Loaders {
        Loaders {
            bylines: loader(&content, |c, ids| Box::pin(async move { c.bylines(ids).await })),
            tags: loader(&content, |c, ids| Box::pin(async move { c.tags_of(ids).await })),
            media: loader(&content, |c, ids| Box::pin(async move { c.media(ids).await })),
            corrections: loader(&content, |c, ids| {
                Box::pin(async move { c.corrections(ids).await })
            }),
            secondary_sections: loader(&content, |c, ids| {
                Box::pin(async move { c.secondary_sections(ids).await })
            }),
            bodies: loader(&content, |c, ids| Box::pin(async move { c.bodies(ids).await })),
            comment_counts: loader(&content, |c, ids| {
                Box::pin(async move { c.comment_counts(ids).await })
            }),
            replies: loader(&content, |c, ids| {
                Box::pin(async move { c.comment_replies(ids).await })
            }),
        }
    }
}

impl Loaders {
    /// Hands an article the service already assembled to the loaders, so resolving its
    /// relations costs nothing more.
    pub async fn prime(&self, bundle: &ArticleBundle) {
        let id = bundle.row.id;
        self.bylines.feed_one(id, bundle.bylines.clone()).await;
        self.tags.feed_one(id, bundle.tags.clone()).await;
        self.corrections.feed_one(id, bundle.corrections.clone()).await;
        self.secondary_sections
            .feed_one(id, bundle.secondary_sections.clone())
            .await;
        self.bodies.feed_one(id, bundle.blocks.clone()).await;
        if let (Some(media_id), Some(media)) = (bundle.row.featured_media_id, &bundle.media) {
            self.media.feed_one(media_id, media.clone()).await;
        }
    }
}
