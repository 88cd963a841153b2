//! Related and popular articles and the view beacon over GraphQL, on the same service calls
//! as `/v1/articles/{slug}/related`, `/v1/popular` and `/v1/articles/{slug}/views`.

use async_graphql::{Context, ErrorExtensions, Object, Result};

use super::types::{Article, content};
use crate::service::ArticleLookup;
use crate::service::popular::{Viewer, Window};
use crate::service::related::{RelatedReason, RelatedScope};

/// The caller's address and user agent, as the HTTP request gave them.
pub struct ClientInfo {
    pub address: Option<std::net::IpAddr>,
    pub user_agent: String,
}

/// One related article and why it was picked.
pub struct RelatedArticleObject {
    pub article: Article,
    pub score: Option<f64>,
    pub reasons: Vec<RelatedReason>,
}

#[Object(name = "RelatedArticle")]
impl RelatedArticleObject {
    async fn article(&self) -> &Article {
        &self.article
    }
    /// Higher is closer; comparable within one list only. Pinned articles have none.
    async fn score(&self) -> Option<f64> {
        self.score
    }
    async fn reasons(&self) -> &[RelatedReason] {
        &self.reasons
    }
}

/// Related articles of a public article, for `Article.related`.
pub async fn related(
    ctx: &Context<'_>,
    id: i64,
    first: i32,
    scope: RelatedScope,
) -> Result<Vec<RelatedArticleObject>> {
    let list = content(ctx)
        .related(ArticleLookup::Id(id), Some(i64::from(first)), scope, "first")
        .await
        .map_err(|e| e.extend())?;
    Ok(list
        .items
        .into_iter()
        .map(|item| RelatedArticleObject {
            article: Article::from(item.article),
            score: item.score,
            reasons: item.reasons,
        })
        .collect())
}

/// A much-read article and its views in the window.
pub struct PopularArticleObject {
    article: Article,
    views: i64,
}

#[Object(name = "PopularArticle")]
impl PopularArticleObject {
    async fn article(&self) -> &Article {
        &self.article
    }
    /// Views in the window.
    async fn views(&self) -> i64 {
        self.views
    }
}

#[derive(Default)]
pub struct DiscoveryQuery;

#[Object]
impl DiscoveryQuery {
    /// The most viewed published articles over a window, most viewed first. Views are
    /// counted in memory and written every few seconds, so the newest show after that.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 10, child_complexity)")]
    async fn popular(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] window: Window,
        #[graphql(desc = "Section slug; its sub-sections are included.")] section: Option<String>,
        #[graphql(default = 10, desc = "1 to 50.")] first: i32,
    ) -> Result<Vec<PopularArticleObject>> {
        let list = content(ctx)
            .popular(window, section, Some(i64::from(first)), "first")
            .await
            .map_err(|e| e.extend())?;
        Ok(list
            .items
            .into_iter()
            .map(|item| PopularArticleObject {
                article: Article::from(item.article),
                views: item.views,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct RedirectQuery;

#[Object]
impl RedirectQuery {
    /// Where content that had an address on the old site (a WordPress permalink, `/?p=123`,
    /// a category, tag or author page, a feed) lives now; null when nothing public did.
    async fn redirect(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The old address's path, e.g. /2025/09/14/slug/ or /?p=123.")] path: String,
    ) -> Result<Option<crate::service::redirects::Redirect>> {
        let site = ctx.data_unchecked::<crate::service::feeds::SiteSettings>();
        match content(ctx).redirect(site, &path).await {
            Ok(found) => Ok(Some(found)),
            Err(crate::error::AppError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.extend()),
        }
    }
}

#[derive(Default)]
pub struct DiscoveryMutation;

#[Object]
impl DiscoveryMutation {
    /// Counts a reader's view of a published article (once per page view). Bots and a
    /// repeat from the same reader within 30 minutes are answered the same but not counted.
    async fn record_view(&self, ctx: &Context<'_>, slug: String) -> Result<bool> {
        let client = ctx.data_opt::<ClientInfo>();
        let viewer = Viewer {
            address: client.and_then(|c| c.address),
            user_agent: client.map(|c| c.user_agent.as_str()).unwrap_or_default(),
        };
        content(ctx)
            .record_view(ArticleLookup::slug(slug), viewer)
            .await
            .map_err(|e| e.extend())?;
        Ok(true)
    }
}
