//! Old addresses of imported content (a WordPress permalink, `/?p=123`, a category, tag or
//! author page, a feed) answered with where the thing lives now. Targets are kept by id,
//! so a later slug change is followed; an article that is not public is not found, as
//! everywhere else.

use serde::Serialize;
use utoipa::ToSchema;

use super::ContentService;
use super::feeds::SiteSettings;
use crate::db::imports as q;
use crate::error::AppError;

/// Where content that had an old address lives now.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct Redirect {
    /// The old address as it was looked up (path, percent-decoded, with a trailing slash).
    pub path: String,
    /// `article`, `section`, `tag`, `author` or `feed`.
    #[serde(rename = "type")]
    #[graphql(name = "type")]
    pub kind: String,
    /// The slug of the article, section, tag or author (of the feed's subject for a feed;
    /// none for the site's feed).
    pub slug: Option<String>,
    /// Where this API serves it, e.g. `/v1/articles/{slug}` or `/feeds/rss.xml`.
    pub api_path: String,
    /// The page on the website, where its address pattern is configured (articles and
    /// authors: `--article-url`, `--author-url`).
    pub url: Option<String>,
}

impl ContentService {
    /// Where the content once at `path` lives now.
    pub async fn redirect(&self, site: &SiteSettings, raw: &str) -> Result<Redirect, AppError> {
        let path = crate::import::path_of(raw).ok_or_else(|| {
            AppError::invalid(
                "path",
                "path is an address on the old site, such as /2025/09/14/slug/",
            )
        })?;
        let tree = self.section_tree().await?;
        let now = self.now();
        let lookup = path.clone();
        let found = self
            .db
            .run(move |c| {
                let Some((kind, target, feed_of)) = q::redirect(c, &lookup)? else {
                    return Ok(None);
                };
                let subject = if kind == "feed" {
                    feed_of.clone().unwrap_or_default()
                } else {
                    kind.clone()
                };
                let article = if subject == "article" {
                    match target {
                        Some(id) => crate::db::articles::public_by_ids(c, &[id], now)?
                            .into_iter()
                            .next(),
                        None => None,
                    }
                } else {
                    None
                };
                let slug = match (subject.as_str(), target) {
                    ("article", _) => article.as_ref().map(|a| a.slug.clone()),
                    ("site", _) | (_, None) => None,
                    (kind, Some(id)) => q::slug_of(c, kind, id)?,
                };
                Ok(Some((kind, subject, slug, article.map(|a| (a.id, a.section_id)))))
            })
            .await?;
        let missing = || AppError::not_found("redirect", format!("for {path}"));
        let (kind, subject, slug, section) = found.ok_or_else(missing)?;
        let encoded = slug
            .as_deref()
            .map(|s| crate::content::slug::encode(s).into_owned());
        let (api_path, url) = match (kind.as_str(), subject.as_str(), encoded) {
            ("feed", "site", _) => ("/feeds/rss.xml".to_owned(), None),
            ("feed", subject, Some(slug)) => (format!("/feeds/{subject}s/{slug}/rss.xml"), None),
            ("article", _, Some(encoded)) => {
                let (id, section) = section.ok_or_else(missing)?;
                let section = tree.get(section).map(|s| s.slug.clone()).unwrap_or_default();
                let page = site.article_link(&section, slug.as_deref().unwrap_or_default(), id);
                (format!("/v1/articles/{encoded}"), Some(page))
            }
            ("author", _, Some(encoded)) => (
                format!("/v1/authors/{encoded}"),
                slug.as_deref().map(|s| site.author_link(s)),
            ),
            (kind @ ("section" | "tag"), _, Some(encoded)) => (format!("/v1/{kind}s/{encoded}"), None),
            _ => return Err(missing()),
        };
        Ok(Redirect {
            path,
            kind,
            slug,
            api_path,
            url,
        })
    }
}
