use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, Result};

use super::scalars::DateTimeUtc;
use super::types::{
    Article, ArticleConnection, Author, Section, Tag, article_connection, connection, content,
};
use crate::auth::Actor;
use crate::content::cursor::NameCursor;
use crate::error::AppError;
use crate::service::feeds::{FeedItem, FeedScope, SiteSettings};
use crate::service::views::{AuthorView, Media, TagView};
use crate::service::{ArticleFilter, ArticleLookup, PageRequest};

/// Filters of an article list; all given filters must match.
#[derive(Debug, Default, InputObject)]
pub struct ArticleFilterInput {
    /// Section slug; its sub-sections are included.
    pub section: Option<String>,
    pub tag: Option<String>,
    pub author: Option<String>,
    /// Published at or after this time.
    pub published_after: Option<DateTimeUtc>,
    /// Published before this time.
    pub published_before: Option<DateTimeUtc>,
}

impl From<ArticleFilterInput> for ArticleFilter {
    fn from(f: ArticleFilterInput) -> ArticleFilter {
        ArticleFilter {
            section: f.section,
            tag: f.tag,
            author: f.author,
            published_after: f.published_after.map(|t| t.0),
            published_before: f.published_before.map(|t| t.0),
        }
    }
}

#[derive(Default)]
pub struct PublicQuery;

#[Object]
impl PublicQuery {
    /// A published article by slug (current or former) or by id (give exactly one).
    async fn article(
        &self,
        ctx: &Context<'_>,
        slug: Option<String>,
        id: Option<ID>,
    ) -> Result<Option<Article>> {
        let lookup =
            match (slug, id) {
                (Some(slug), None) => ArticleLookup::slug(slug),
                (None, Some(id)) => ArticleLookup::Id(id.parse::<i64>().map_err(|_| {
                    AppError::invalid("id", format!("{:?} is not an article id", id.0)).extend()
                })?),
                _ => return Err(AppError::invalid("slug", "give exactly one of slug and id").extend()),
            };
        let content = content(ctx);
        let mut found = content.article(lookup.clone()).await.map_err(|e| e.extend())?;
        if found.is_none()
            && let ArticleLookup::Slug(slug) = &lookup
            && let Some(current) = content.moved_to(slug).await.map_err(|e| e.extend())?
        {
            // An old slug resolves to the article under its current one.
            found = content
                .article(ArticleLookup::Slug(current))
                .await
                .map_err(|e| e.extend())?;
        }
        Ok(found.map(Article::Full))
    }

    /// Published articles, newest first.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        filter: Option<ArticleFilterInput>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> Result<ArticleConnection> {
        article_connection(ctx, filter.unwrap_or_default().into(), first, after).await
    }

    /// Root sections in display order; follow `children` for the tree.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn sections(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let tree = content(ctx).section_tree().await.map_err(|e| e.extend())?;
        Ok(tree.children(None).cloned().map(Section).collect())
    }

    async fn section(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Section>> {
        let tree = content(ctx).section_tree().await.map_err(|e| e.extend())?;
        Ok(tree.by_slug(&slug).cloned().map(Section))
    }

    async fn tag(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Tag>> {
        match content(ctx).tag(&slug).await {
            Ok(tag) => Ok(Some(Tag::from(tag))),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.extend()),
        }
    }

    /// Tags in alphabetical order.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Tag>> {
        let page =
            PageRequest::<NameCursor>::parse(first.map(i64::from), after.as_deref(), ("first", "after"))
                .map_err(|e| e.extend())?;
        let page = content(ctx).tags(page).await.map_err(|e| e.extend())?;
        Ok(connection(
            page.items,
            page.next_cursor,
            TagView::cursor,
            Tag::from,
        ))
    }

    async fn author(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Author>> {
        match content(ctx).author(&slug).await {
            Ok(author) => Ok(Some(Author(author))),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.extend()),
        }
    }

    /// The same items as the partner feeds: the newest articles of the newsroom, or of one
    /// section, tag or author (give at most one). Partner keys with `feeds:full` get bodies.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 50, child_complexity)")]
    async fn feed(
        &self,
        ctx: &Context<'_>,
        section: Option<String>,
        tag: Option<String>,
        author: Option<String>,
        #[graphql(desc = "Items, 1 to 100 (default: the feed size).")] first: Option<i32>,
    ) -> Result<Vec<FeedItemObject>> {
        let scope = match (section, tag, author) {
            (None, None, None) => FeedScope::All,
            (Some(s), None, None) => FeedScope::Section(s),
            (None, Some(t), None) => FeedScope::Tag(t),
            (None, None, Some(a)) => FeedScope::Author(a),
            _ => {
                return Err(
                    AppError::invalid("section", "give at most one of section, tag and author").extend(),
                );
            }
        };
        let mut site = ctx.data_unchecked::<SiteSettings>().clone();
        if let Some(first) = first {
            if !(1..=100).contains(&first) {
                return Err(AppError::invalid(
                    "first",
                    format!("first must be between 1 and 100, got {first}"),
                )
                .extend());
            }
            site.feed_size = i64::from(first);
        }
        let full = ctx.data_opt::<Actor>().is_some_and(|a| a.has_scope("feeds:full"));
        let feed = content(ctx)
            .feed(&site, scope, full)
            .await
            .map_err(|e| e.extend())?;
        Ok(feed.items.into_iter().map(FeedItemObject).collect())
    }

    /// Full-text search over published articles, best match first.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words (stemmed English) and \"quoted phrases\", 1 to 200 characters.")]
        query: String,
        filter: Option<ArticleFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, SearchHitObject>> {
        let results = content(ctx)
            .search(
                &query,
                filter.unwrap_or_default().into(),
                first.map(i64::from),
                after.as_deref(),
                ("query", "first", "after"),
            )
            .await
            .map_err(|e| e.extend())?;
        let mut conn = Connection::new(results.offset > 0, results.next_cursor.is_some());
        for (i, hit) in results.items.into_iter().enumerate() {
            // An edge's cursor is the position after it, so `after: endCursor` continues.
            let cursor = crate::service::search::encode_offset(results.offset + i as i64 + 1);
            conn.edges.push(Edge::new(
                cursor,
                SearchHitObject {
                    snippet: hit.snippet,
                    score: hit.score,
                    article: Article::from(hit.article),
                },
            ));
        }
        Ok(conn)
    }

    /// Authors in alphabetical order.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Author>> {
        let page =
            PageRequest::<NameCursor>::parse(first.map(i64::from), after.as_deref(), ("first", "after"))
                .map_err(|e| e.extend())?;
        let page = content(ctx).authors(page).await.map_err(|e| e.extend())?;
        Ok(connection(
            page.items,
            page.next_cursor,
            AuthorView::cursor,
            Author,
        ))
    }
}

/// One feed item.
pub struct FeedItemObject(FeedItem);

#[Object(name = "FeedItem")]
impl FeedItemObject {
    /// Stable: it never changes when the title or slug does.
    async fn id(&self) -> &str {
        &self.0.id
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The article's page on the newsroom's website.
    async fn link(&self) -> &str {
        &self.0.link
    }
    async fn authors(&self) -> &[String] {
        &self.0.authors
    }
    /// The section, then the tags.
    async fn categories(&self) -> &[String] {
        &self.0.categories
    }
    async fn published_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.published)
    }
    async fn updated_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.updated)
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn image(&self) -> Option<&Media> {
        self.0.image.as_ref()
    }
    /// The whole body as HTML, for partner keys with the `feeds:full` scope.
    async fn content_html(&self) -> Option<&str> {
        self.0.content_html.as_deref()
    }
}

/// One search result.
pub struct SearchHitObject {
    article: Article,
    snippet: String,
    score: f64,
}

#[Object(name = "SearchHit")]
impl SearchHitObject {
    async fn article(&self) -> &Article {
        &self.article
    }
    /// Safe HTML: escaped text with each match in `<mark>`.
    async fn snippet(&self) -> &str {
        &self.snippet
    }
    /// Higher is better; comparable within one result list only.
    async fn score(&self) -> f64 {
        self.score
    }
}
