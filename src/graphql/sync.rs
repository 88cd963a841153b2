//! Delta sync over GraphQL, on the same service call as `GET /v1/sync`.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result};

use super::scalars::DateTimeUtc;
use super::types::{Article, Author, Section, Tag, content};
use crate::service::sync::{SyncPage, SyncedArticle, SyncedKind, Tombstone};

#[derive(Default)]
pub struct SyncQuery;

#[Object]
impl SyncQuery {
    /// Delta sync for offline copies: without `token`, every public article, section, tag
    /// and author, page by page; with the `nextToken` a sync ended with, only what changed
    /// since, and `deleted` for what stopped being public. A token older than the changes
    /// kept is refused with `SYNC_TOKEN_EXPIRED`: sync from the start.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 100, child_complexity)")]
    async fn sync(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A `nextToken`, or a `nextPage` of a sync under way.")] token: Option<String>,
        #[graphql(
            desc = "Items per page (sections, tags, authors, articles and tombstones together), 1 to 200; 100 by default."
        )]
        first: Option<i32>,
    ) -> Result<SyncResult> {
        let page = content(ctx)
            .sync(token.as_deref(), false, first.map(i64::from), ("token", "first"))
            .await
            .map_err(|e| e.extend())?;
        Ok(SyncResult(page))
    }
}

pub struct SyncResult(SyncPage);

#[Object(name = "SyncPage")]
impl SyncResult {
    /// Public articles created or changed: put them in place of what the client holds.
    async fn articles(&self) -> Vec<Article> {
        self.0
            .articles
            .iter()
            .map(|a| match a {
                SyncedArticle::Summary(s) => Article::Summary(s.clone()),
                SyncedArticle::Full(a) => Article::Full(std::sync::Arc::new((**a).clone())),
            })
            .collect()
    }
    async fn sections(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let tree = content(ctx).section_tree().await.map_err(|e| e.extend())?;
        Ok(self
            .0
            .sections
            .iter()
            .filter_map(|s| tree.get(s.id).cloned().map(Section))
            .collect())
    }
    async fn tags(&self) -> Vec<Tag> {
        self.0.tags.iter().cloned().map(Tag::from).collect()
    }
    async fn authors(&self) -> Vec<Author> {
        self.0.authors.iter().cloned().map(Author).collect()
    }
    /// What to drop.
    async fn deleted(&self) -> Vec<TombstoneObject> {
        self.0.deleted.iter().cloned().map(TombstoneObject).collect()
    }
    /// More of this sync: ask again with it as `token`.
    async fn next_page(&self) -> Option<&str> {
        self.0.next_page.as_deref()
    }
    /// The sync is complete: keep it, and ask with it as `token` next time.
    async fn next_token(&self) -> Option<&str> {
        self.0.next_token.as_deref()
    }
}

pub struct TombstoneObject(Tombstone);

#[Object(name = "Tombstone")]
impl TombstoneObject {
    #[graphql(name = "type")]
    async fn kind(&self) -> SyncedKind {
        self.0.kind
    }
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn deleted_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.deleted_at)
    }
}
