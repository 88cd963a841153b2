//! GraphQL object types. Each wraps what the service returned and resolves its relations
//! through the service (directly or via the request's dataloaders).

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, ID, Json, Object, Result};

use super::loaders::Loaders;
use super::scalars::DateTimeUtc;
use crate::content::cursor::ArticleCursor;
use crate::content::{Block, BodyFormat, RenderedBody};
use crate::db::taxonomy::{AuthorRow, SectionRow, TagRow};
use crate::error::AppError;
use crate::service::views::{Byline, Correction, Media};
use crate::service::{ArticleFilter, ArticleRecord, ContentService, Page, PageRequest};

pub(super) fn content<'a>(ctx: &Context<'a>) -> &'a ContentService {
    ctx.data_unchecked::<ContentService>()
}

pub(super) fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

fn gql(e: AppError) -> async_graphql::Error {
    e.extend()
}

fn gql_shared(e: Arc<AppError>) -> async_graphql::Error {
    e.extend()
}

pub type ArticleConnection = Connection<String, Article>;

/// Builds a connection from a service page; `first`/`after` name the arguments in errors.
pub(super) async fn article_connection(
    ctx: &Context<'_>,
    filter: ArticleFilter,
    first: Option<i32>,
    after: Option<String>,
) -> Result<ArticleConnection> {
    // Inside a list each item asks for its own page: those pages stay small.
    let first = if super::limits::inside_list(ctx) {
        let most = super::limits::NESTED_PAGE_MAX;
        match first {
            None => Some(most),
            Some(n) if n > most => {
                return Err(gql(AppError::invalid(
                    "first",
                    format!("a list of articles inside another list holds at most {most} items, got {n}"),
                )));
            }
            some => some,
        }
    } else {
        first
    };
    let page =
        PageRequest::<ArticleCursor>::parse(first.map(i64::from), after.as_deref(), ("first", "after"))
            .map_err(gql)?;
    let page = content(ctx).list_articles(filter, page).await.map_err(gql)?;
    prefetch(ctx, &page.items).await?;
    Ok(connection(page, |r| r.cursor(), Article))
}

/// Loads, one batch per relation, what the query asks of the page's articles, before any
/// field resolves: each relation then costs one statement however long the page is.
async fn prefetch(ctx: &Context<'_>, records: &[ArticleRecord]) -> Result<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    let asked = |field: &str| node.field(field).exists();
    let loaders = loaders(ctx);
    let ids: Vec<i64> = records.iter().map(|r| r.row.id).collect();
    let media: Vec<i64> = records.iter().filter_map(|r| r.row.featured_media_id).collect();
    warm(asked("authors"), &loaders.bylines, &ids).await?;
    warm(asked("tags"), &loaders.tags, &ids).await?;
    warm(asked("corrections"), &loaders.corrections, &ids).await?;
    warm(asked("sections"), &loaders.secondary_sections, &ids).await?;
    warm(asked("body"), &loaders.bodies, &ids).await?;
    warm(asked("featuredMedia"), &loaders.media, &media).await
}

/// Loads `ids` in one batch when the query asks for what `loader` holds.
async fn warm<V: Clone + Send + Sync + 'static>(
    asked: bool,
    loader: &super::loaders::Cached<V>,
    ids: &[i64],
) -> Result<()> {
    if asked {
        loader.load_many(ids.iter().copied()).await.map_err(gql_shared)?;
    }
    Ok(())
}

pub(super) fn connection<R, T: async_graphql::OutputType>(
    page: Page<R>,
    cursor: impl Fn(&R) -> String,
    wrap: impl Fn(R) -> T,
) -> Connection<String, T> {
    let mut conn = Connection::new(false, page.next_cursor.is_some());
    conn.edges
        .extend(page.items.into_iter().map(|r| Edge::new(cursor(&r), wrap(r))));
    conn
}

/// A published article.
pub struct Article(pub ArticleRecord);

#[Object]
impl Article {
    async fn id(&self) -> ID {
        ID(self.0.row.id.to_string())
    }
    async fn slug(&self) -> &str {
        &self.0.row.slug
    }
    async fn title(&self) -> &str {
        &self.0.row.title
    }
    /// The deck.
    async fn subtitle(&self) -> &str {
        &self.0.row.subtitle
    }
    /// Where the story was filed from, e.g. "Tel-Aviv, Israel".
    async fn dateline(&self) -> &str {
        &self.0.row.dateline
    }
    async fn excerpt(&self) -> &str {
        &self.0.row.excerpt
    }
    async fn published_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.row.published_at.unwrap_or_default().and_utc())
    }
    async fn updated_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.row.updated_at.and_utc())
    }
    async fn canonical_url(&self) -> Option<&str> {
        self.0.row.canonical_url.as_deref()
    }
    async fn language(&self) -> &str {
        &self.0.row.language
    }
    /// `open` or `closed`.
    async fn comment_status(&self) -> &str {
        &self.0.row.comment_status
    }
    async fn word_count(&self) -> i32 {
        self.0.row.word_count
    }
    async fn reading_time_minutes(&self) -> i32 {
        self.0.row.reading_time_minutes
    }

    /// The primary section.
    async fn section(&self, ctx: &Context<'_>) -> Result<Option<Section>> {
        let tree = content(ctx).section_tree().await.map_err(gql)?;
        Ok(tree.get(self.0.row.section_id).cloned().map(Section))
    }

    /// From the root section down to the primary section.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn section_path(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let tree = content(ctx).section_tree().await.map_err(gql)?;
        Ok(tree
            .path(self.0.row.section_id)
            .into_iter()
            .cloned()
            .map(Section)
            .collect())
    }

    /// Secondary sections.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn sections(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let ids = loaders(ctx)
            .secondary_sections
            .load_one(self.0.row.id)
            .await
            .map_err(gql_shared)?;
        let tree = content(ctx).section_tree().await.map_err(gql)?;
        Ok(ids
            .into_iter()
            .flatten()
            .filter_map(|id| tree.get(id).cloned().map(Section))
            .collect())
    }

    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<Tag>> {
        let tags = loaders(ctx)
            .tags
            .load_one(self.0.row.id)
            .await
            .map_err(gql_shared)?;
        Ok(tags.unwrap_or_default().into_iter().map(Tag).collect())
    }

    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn authors(&self, ctx: &Context<'_>) -> Result<Vec<Byline>> {
        let bylines = loaders(ctx)
            .bylines
            .load_one(self.0.row.id)
            .await
            .map_err(gql_shared)?;
        Ok(bylines.unwrap_or_default())
    }

    async fn featured_media(&self, ctx: &Context<'_>) -> Result<Option<Media>> {
        let Some(id) = self.0.row.featured_media_id else {
            return Ok(None);
        };
        loaders(ctx).media.load_one(id).await.map_err(gql_shared)
    }

    /// Oldest first.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn corrections(&self, ctx: &Context<'_>) -> Result<Vec<CorrectionNote>> {
        let found = loaders(ctx)
            .corrections
            .load_one(self.0.row.id)
            .await
            .map_err(gql_shared)?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(CorrectionNote)
            .collect())
    }

    /// Related articles: pinned ones first, then the closest by shared tags (rarer weigh
    /// more), section, distinctive words and nearness in time, each with its reasons.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 5, child_complexity)")]
    async fn related(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5, desc = "1 to 20.")] first: i32,
        #[graphql(
            default,
            desc = "SECTION keeps to this article's section and its sub-sections."
        )]
        scope: crate::service::related::RelatedScope,
    ) -> Result<Vec<super::discovery::RelatedArticleObject>> {
        super::discovery::related(ctx, self.0.row.id, first, scope).await
    }

    /// Published top-level comments, oldest first; each brings its `replies` (which carry
    /// `parentId` and `depth`), so no comment is listed twice.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 50, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1 to 100, default 50.")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<async_graphql::connection::Connection<String, super::comments::CommentObject>> {
        super::comments::article_comments(ctx, self.0.row.id, first, after).await
    }

    /// How many published comments it has, replies included.
    async fn comment_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let found = loaders(ctx)
            .comment_counts
            .load_one(self.0.row.id)
            .await
            .map_err(gql_shared)?;
        Ok(found.unwrap_or(0))
    }

    /// The body as structured blocks, rendered HTML or plain text.
    async fn body(&self, ctx: &Context<'_>, #[graphql(default)] format: BodyFormat) -> Result<ArticleBody> {
        let blocks: Arc<Vec<Block>> = match &self.0.body {
            Some(body) => body.clone(),
            None => loaders(ctx)
                .bodies
                .load_one(self.0.row.id)
                .await
                .map_err(gql_shared)?
                .unwrap_or_default(),
        };
        Ok(ArticleBody(RenderedBody::new(&blocks, format)))
    }
}

/// A correction appended to an article.
pub struct CorrectionNote(pub Correction);

#[Object(name = "Correction")]
impl CorrectionNote {
    async fn noted_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.noted_at)
    }
    async fn note(&self) -> &str {
        &self.0.note
    }
}

/// An article body in one format: exactly one of `blocks`, `html` and `text` is set.
pub struct ArticleBody(RenderedBody);

#[Object]
impl ArticleBody {
    async fn format(&self) -> BodyFormat {
        self.0.format
    }
    /// The structured blocks (when the format is BLOCKS).
    async fn blocks(&self) -> Option<Json<Vec<Block>>> {
        self.0.blocks.clone().map(Json)
    }
    /// Safe HTML (when the format is HTML).
    async fn html(&self) -> Option<&str> {
        self.0.html.as_deref()
    }
    /// Plain text (when the format is TEXT).
    async fn text(&self) -> Option<&str> {
        self.0.text.as_deref()
    }
}

/// A section of the newsroom (World, World > Middle East, ...).
pub struct Section(pub SectionRow);

#[Object]
impl Section {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn position(&self) -> i32 {
        self.0.position
    }
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Section>> {
        let tree = content(ctx).section_tree().await.map_err(gql)?;
        Ok(tree.parent(self.0.id).cloned().map(Section))
    }
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let tree = content(ctx).section_tree().await.map_err(gql)?;
        Ok(tree.children(Some(self.0.id)).cloned().map(Section).collect())
    }
    /// From the root down to this section, inclusive.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn path(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let tree = content(ctx).section_tree().await.map_err(gql)?;
        Ok(tree.path(self.0.id).into_iter().cloned().map(Section).collect())
    }
    /// Articles of this section and its sub-sections, newest first.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ArticleConnection> {
        let filter = ArticleFilter {
            section: Some(self.0.slug.clone()),
            ..Default::default()
        };
        article_connection(ctx, filter, first, after).await
    }
}

pub struct Tag(pub TagRow);

#[Object]
impl Tag {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Articles with this tag, newest first.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ArticleConnection> {
        let filter = ArticleFilter {
            tag: Some(self.0.slug.clone()),
            ..Default::default()
        };
        article_connection(ctx, filter, first, after).await
    }
}

pub struct Author(pub AuthorRow);

#[Object]
impl Author {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Job title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn bio(&self) -> &str {
        &self.0.bio
    }
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }
    /// Articles with this author in the byline, newest first.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ArticleConnection> {
        let filter = ArticleFilter {
            author: Some(self.0.slug.clone()),
            ..Default::default()
        };
        article_connection(ctx, filter, first, after).await
    }
}
