//! GraphQL object types. Each wraps what the service returned and resolves its relations
//! through the service (directly or via the request's dataloaders).

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, ID, Json, Object, Result};

use super::loaders::Loaders;
use super::scalars::DateTimeUtc;
use crate::content::cursor::ArticleCursor;
use crate::content::{Block, BodyFormat, RenderedBody};
use crate::error::AppError;
use crate::service::views::{
    self, ArticleSummary, AuthorView, Byline, Correction, Media, SectionView, TagRef, TagView,
};
use crate::service::{ArticleFilter, ContentService, PageRequest};

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
    let page = content(ctx).article_page(filter, page).await.map_err(gql)?;
    prefetch(ctx, &page.items).await?;
    Ok(connection(
        page.items.clone(),
        page.next_cursor.clone(),
        ArticleSummary::cursor,
        Article::from,
    ))
}

/// Loads, one batch per relation, what the query asks of the page's articles beyond their
/// summaries, before any field resolves: each relation then costs one statement however
/// long the page is.
async fn prefetch(ctx: &Context<'_>, articles: &[ArticleSummary]) -> Result<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    let asked = |field: &str| node.field(field).exists();
    let loaders = loaders(ctx);
    let ids: Vec<i64> = articles.iter().map(|a| a.id).collect();
    let tags: Vec<i64> = articles
        .iter()
        .flat_map(|a| a.tags.iter().map(|t| t.id))
        .collect();
    warm(asked("corrections"), &loaders.corrections, &ids).await?;
    warm(asked("sections"), &loaders.secondary_sections, &ids).await?;
    warm(asked("body"), &loaders.bodies, &ids).await?;
    warm(
        node.field("tags").field("description").exists(),
        &loaders.tags,
        &tags,
    )
    .await
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

/// A connection over one page of views: each edge's cursor is where the list continues
/// after it.
pub(super) fn connection<R, T: async_graphql::OutputType>(
    items: Vec<R>,
    next_cursor: Option<String>,
    cursor: impl Fn(&R) -> String,
    wrap: impl Fn(R) -> T,
) -> Connection<String, T> {
    let mut conn = Connection::new(false, next_cursor.is_some());
    conn.edges
        .extend(items.into_iter().map(|r| Edge::new(cursor(&r), wrap(r))));
    conn
}

/// A published article: as a list shows it, or whole (one article asked for by itself).
pub enum Article {
    Summary(Box<ArticleSummary>),
    Full(Arc<views::Article>),
}

impl From<ArticleSummary> for Article {
    fn from(summary: ArticleSummary) -> Article {
        Article::Summary(Box::new(summary))
    }
}

impl Article {
    fn summary(&self) -> &ArticleSummary {
        match self {
            Article::Summary(summary) => summary,
            Article::Full(article) => &article.summary,
        }
    }

    fn article_id(&self) -> i64 {
        self.summary().id
    }

    /// What a whole article carries, or what `loader` finds for a summary.
    async fn carried<V: Clone + Default + Send + Sync + 'static>(
        &self,
        whole: impl FnOnce(&views::Article) -> V,
        loader: &super::loaders::Cached<V>,
    ) -> Result<V> {
        match self {
            Article::Full(article) => Ok(whole(article)),
            Article::Summary(summary) => Ok(loader
                .load_one(summary.id)
                .await
                .map_err(gql_shared)?
                .unwrap_or_default()),
        }
    }
}

#[Object]
impl Article {
    async fn id(&self) -> ID {
        ID(self.article_id().to_string())
    }
    async fn slug(&self) -> &str {
        &self.summary().slug
    }
    async fn title(&self) -> &str {
        &self.summary().title
    }
    /// The deck.
    async fn subtitle(&self) -> &str {
        &self.summary().subtitle
    }
    /// Where the story was filed from, e.g. "Tel-Aviv, Israel".
    async fn dateline(&self) -> &str {
        &self.summary().dateline
    }
    async fn excerpt(&self) -> &str {
        &self.summary().excerpt
    }
    async fn published_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.summary().published_at)
    }
    async fn updated_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.summary().updated_at)
    }
    async fn canonical_url(&self) -> Option<&str> {
        self.summary().canonical_url.as_deref()
    }
    async fn language(&self) -> &str {
        &self.summary().language
    }
    /// `open` or `closed`.
    async fn comment_status(&self) -> &str {
        self.summary().comment_status.as_str()
    }
    async fn word_count(&self) -> i32 {
        self.summary().word_count
    }
    async fn reading_time_minutes(&self) -> i32 {
        self.summary().reading_time_minutes
    }

    /// The primary section.
    async fn section(&self, ctx: &Context<'_>) -> Result<Option<Section>> {
        let tree = content(ctx).section_tree().await.map_err(gql)?;
        Ok(tree.get(self.summary().section.id).cloned().map(Section))
    }

    /// From the root section down to the primary section.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn section_path(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let tree = content(ctx).section_tree().await.map_err(gql)?;
        Ok(tree
            .path(self.summary().section.id)
            .into_iter()
            .cloned()
            .map(Section)
            .collect())
    }

    /// Secondary sections.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn sections(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let whole = |a: &views::Article| a.sections.iter().map(|s| s.id).collect();
        let ids = self.carried(whole, &loaders(ctx).secondary_sections).await?;
        let tree = content(ctx).section_tree().await.map_err(gql)?;
        Ok(ids
            .into_iter()
            .filter_map(|id| tree.get(id).cloned().map(Section))
            .collect())
    }

    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn tags(&self) -> Vec<Tag> {
        self.summary().tags.iter().cloned().map(Tag::from).collect()
    }

    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn authors(&self) -> &[Byline] {
        &self.summary().authors
    }

    async fn featured_media(&self) -> Option<&Media> {
        self.summary().featured_media.as_ref()
    }

    /// Oldest first.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn corrections(&self, ctx: &Context<'_>) -> Result<Vec<CorrectionNote>> {
        let whole = |a: &views::Article| a.corrections.clone();
        let found = self.carried(whole, &loaders(ctx).corrections).await?;
        Ok(found.into_iter().map(CorrectionNote).collect())
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
        super::discovery::related(ctx, self.article_id(), first, scope).await
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
        super::comments::article_comments(ctx, self.article_id(), first, after).await
    }

    /// How many published comments it has, replies included.
    async fn comment_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let found = loaders(ctx)
            .comment_counts
            .load_one(self.article_id())
            .await
            .map_err(gql_shared)?;
        Ok(found.unwrap_or(0))
    }

    /// The body as structured blocks, rendered HTML or plain text.
    async fn body(&self, ctx: &Context<'_>, #[graphql(default)] format: BodyFormat) -> Result<ArticleBody> {
        let blocks: Arc<Vec<Block>> = match self {
            // A whole article is read with its body as blocks.
            Article::Full(article) => {
                return Ok(ArticleBody(RenderedBody::new(
                    article.body.blocks.as_deref().unwrap_or_default(),
                    format,
                )));
            }
            Article::Summary(summary) => loaders(ctx)
                .bodies
                .load_one(summary.id)
                .await
                .map_err(gql_shared)?
                .unwrap_or_default(),
        };
        Ok(ArticleBody(RenderedBody::new(&blocks, format)))
    }

    /// schema.org `NewsArticle` JSON-LD, to embed in the page as its JSON-LD script element
    /// (the same as `GET /v1/articles/{slug}/jsonld`).
    async fn json_ld(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        let site = ctx.data_unchecked::<crate::service::feeds::SiteSettings>();
        let whole = match self {
            Article::Full(article) => article.clone(),
            Article::Summary(summary) => content(ctx)
                .article(crate::service::ArticleLookup::Id(summary.id))
                .await
                .map_err(gql)?
                .ok_or_else(|| gql(AppError::not_found("article", summary.id)))?,
        };
        Ok(Json(crate::service::structured::json_ld(&whole, site)))
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
pub struct Section(pub SectionView);

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
        let filter = ArticleFilter::section(&self.0.slug);
        article_connection(ctx, filter, first, after).await
    }
}

/// A tag; its description is read only when asked for.
pub struct Tag {
    tag: TagRef,
    description: Option<String>,
}

impl From<TagView> for Tag {
    fn from(t: TagView) -> Tag {
        Tag {
            tag: TagRef {
                id: t.id,
                slug: t.slug,
                name: t.name,
            },
            description: Some(t.description),
        }
    }
}

impl From<TagRef> for Tag {
    fn from(tag: TagRef) -> Tag {
        Tag {
            tag,
            description: None,
        }
    }
}

#[Object]
impl Tag {
    async fn id(&self) -> ID {
        ID(self.tag.id.to_string())
    }
    async fn slug(&self) -> &str {
        &self.tag.slug
    }
    async fn name(&self) -> &str {
        &self.tag.name
    }
    async fn description(&self, ctx: &Context<'_>) -> Result<String> {
        if let Some(d) = &self.description {
            return Ok(d.clone());
        }
        let found = loaders(ctx)
            .tags
            .load_one(self.tag.id)
            .await
            .map_err(gql_shared)?;
        Ok(found.map(|t| t.description).unwrap_or_default())
    }
    /// Articles with this tag, newest first.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ArticleConnection> {
        let filter = ArticleFilter::tag(&self.tag.slug);
        article_connection(ctx, filter, first, after).await
    }
}

pub struct Author(pub AuthorView);

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
        let filter = ArticleFilter::author(&self.0.slug);
        article_connection(ctx, filter, first, after).await
    }
}

#[async_graphql::ComplexObject]
impl Byline {
    /// The author's id (`Author.id`).
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
}
