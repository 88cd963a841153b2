//! Per-request dataloaders: every article relation requested anywhere in one GraphQL query
//! is fetched in one batch per kind.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use futures_util::future::BoxFuture;

use crate::content::Block;
use crate::db::taxonomy::TagRow;
use crate::error::AppError;
use crate::service::ContentService;
use crate::service::views::{Byline, Correction, Media};

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

pub struct Loaders {
    pub bylines: DataLoader<Batch<Vec<Byline>>>,
    pub tags: DataLoader<Batch<Vec<TagRow>>>,
    /// Keyed by media id.
    pub media: DataLoader<Batch<Media>>,
    pub corrections: DataLoader<Batch<Vec<Correction>>>,
    pub secondary_sections: DataLoader<Batch<Vec<i64>>>,
    pub bodies: DataLoader<Batch<Arc<Vec<Block>>>>,
}

fn loader<V: Clone + Send + Sync + 'static>(
    content: &ContentService,
    fetch: Fetch<V>,
) -> DataLoader<Batch<V>> {
    DataLoader::new(
        Batch {
            content: content.clone(),
            fetch,
        },
        tokio::spawn,
    )
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
        }
    }
}
