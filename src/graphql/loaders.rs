//! Per-request dataloaders: every article relation requested anywhere in one GraphQL query
//! is fetched in one batch per kind.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use futures_util::future::BoxFuture;

use crate::content::Block;
use crate::error::AppError;
use crate::service::ContentService;
use crate::service::comments::PublicComment;
use crate::service::views::{Correction, TagView};

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

/// What an article's summary does not carry, keyed by article id unless said otherwise.
pub struct Loaders {
    /// Keyed by tag id: what a summary's tag reference leaves out.
    pub tags: Cached<TagView>,
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
            tags: loader(&content, |c, ids| {
                Box::pin(async move { c.tags_by_id(ids).await })
            }),
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
