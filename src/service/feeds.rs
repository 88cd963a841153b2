//! What partner feeds and sitemaps carry, from the same queries as the read API.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::articles::ArticleFilter;
use super::paging::PageRequest;
use super::views::ArticleSummary;
use super::views::Media;
use super::{ContentService, utc};
use crate::content::cursor::ArticleCursor;
use crate::content::render_html;
use crate::error::AppError;

/// Where articles live on the newsroom's own website.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// The website's home, e.g. https://news.example.com.
    pub url: String,
    /// An article's page: `{site}`, `{section}`, `{slug}` and `{id}` are filled in.
    pub article_url: String,
    /// An author's page: `{site}` and `{slug}` are filled in.
    pub author_url: String,
    /// The publication's logo, for the publisher in structured data.
    pub logo_url: Option<String>,
    pub name: String,
    pub language: String,
    /// Items per feed, at most 100.
    pub feed_size: i64,
    /// Where this API is reached from outside (`--public-url`), for the links it writes to
    /// itself: feed self-links and sitemap locations. Never taken from a request's `Host`
    /// or forwarded headers, which any client can set and a cache would then keep.
    pub api_url: String,
    /// WebSub hubs the feeds name, and that are told when a feed's content changes.
    pub hubs: Vec<String>,
    /// Answer the old addresses of an imported WordPress site with 301s (`--serve-wordpress-paths`).
    pub serve_wordpress_paths: bool,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            url: "https://news.example.com".into(),
            article_url: "{site}/{section}/{slug}".into(),
            author_url: "{site}/authors/{slug}".into(),
            logo_url: None,
            name: "Masthead".into(),
            language: "en".into(),
            feed_size: 50,
            api_url: "http://localhost:8080".into(),
            hubs: Vec::new(),
            serve_wordpress_paths: false,
        }
    }
}

impl SiteSettings {
    pub fn article_link(&self, section: &str, slug: &str, id: i64) -> String {
        self.article_url
            .replace("{site}", self.url.trim_end_matches('/'))
            .replace("{section}", &crate::content::slug::encode(section))
            .replace("{slug}", &crate::content::slug::encode(slug))
            .replace("{id}", &id.to_string())
    }

    pub fn author_link(&self, slug: &str) -> String {
        self.author_url
            .replace("{site}", self.url.trim_end_matches('/'))
            .replace("{slug}", &crate::content::slug::encode(slug))
    }

    /// A `tag:` URI (RFC 4151) for `specific`, minted under the website's domain: valid
    /// for every feed validator, and stable as long as the domain is (the date is fixed).
    pub fn tag_uri(&self, specific: &str) -> String {
        let host = url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "masthead.invalid".into());
        format!("tag:{host},2026:{specific}")
    }

    /// An absolute URL of this API for `path` (which starts with `/`).
    pub fn api_link(&self, path: &str) -> String {
        format!("{}{path}", self.api_url.trim_end_matches('/'))
    }

    pub fn section_link(&self, slug: &str) -> String {
        format!(
            "{}/{}",
            self.url.trim_end_matches('/'),
            crate::content::slug::encode(slug)
        )
    }
}

/// Which articles a feed holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FeedScope {
    All,
    Section(String),
    Tag(String),
    Author(String),
}

impl FeedScope {
    pub fn path(&self) -> String {
        match self {
            FeedScope::All => "/feeds".into(),
            FeedScope::Section(s) => format!("/feeds/sections/{}", crate::content::slug::encode(s)),
            FeedScope::Tag(s) => format!("/feeds/tags/{}", crate::content::slug::encode(s)),
            FeedScope::Author(s) => format!("/feeds/authors/{}", crate::content::slug::encode(s)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct FeedItem {
    /// Stable: it never changes when the title or slug does.
    pub id: String,
    pub title: String,
    pub link: String,
    pub authors: Vec<String>,
    /// The section first, then tags.
    pub categories: Vec<String>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub summary: String,
    pub image: Option<Media>,
    /// The full body as HTML, for partners entitled to it.
    pub content_html: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Feed {
    /// A `tag:` URI (RFC 4151) that names this feed for good.
    pub id: String,
    pub title: String,
    pub description: String,
    pub home: String,
    pub language: String,
    pub updated: DateTime<Utc>,
    pub items: Vec<FeedItem>,
    /// WebSub hubs subscribers may use instead of polling.
    pub hubs: Vec<String>,
}

/// One URL of a sitemap.
#[derive(Debug, Clone)]
pub struct SitemapEntry {
    pub loc: String,
    pub lastmod: DateTime<Utc>,
    pub title: String,
    pub published: DateTime<Utc>,
}

impl ContentService {
    /// The newest public articles of a scope, as feed items.
    pub async fn feed(&self, site: &SiteSettings, scope: FeedScope, full: bool) -> Result<Feed, AppError> {
        let (filter, title, description) = match &scope {
            FeedScope::All => (
                ArticleFilter::default(),
                site.name.clone(),
                format!("The latest from {}", site.name),
            ),
            FeedScope::Section(slug) => {
                let s = self.section(slug).await?;
                (
                    ArticleFilter::section(slug),
                    format!("{}: {}", site.name, s.name),
                    s.description,
                )
            }
            FeedScope::Tag(slug) => {
                let t = self.tag(slug).await?;
                (
                    ArticleFilter::tag(slug),
                    format!("{}: {}", site.name, t.name),
                    format!("Articles tagged {}", t.name),
                )
            }
            FeedScope::Author(slug) => {
                let a = self.author(slug).await?;
                (
                    ArticleFilter::author(slug),
                    format!("{}: {}", site.name, a.name),
                    format!("Articles by {}", a.name),
                )
            }
        };
        let limit = site.feed_size.clamp(1, 100);
        let page = self
            .article_page(filter, PageRequest::<ArticleCursor> { limit, after: None })
            .await?;
        let items = self.feed_items(site, &page.items, full).await?;
        let updated = items
            .iter()
            .map(|i| i.updated)
            .max()
            .unwrap_or_else(|| utc(NaiveDateTime::default()));
        Ok(Feed {
            id: site.tag_uri(&format!("feed{}", scope.path().trim_start_matches("/feeds"))),
            title,
            description,
            home: site.url.clone(),
            language: site.language.clone(),
            updated,
            items,
            hubs: site.hubs.clone(),
        })
    }

    async fn feed_items(
        &self,
        site: &SiteSettings,
        articles: &[ArticleSummary],
        full: bool,
    ) -> Result<Vec<FeedItem>, AppError> {
        let mut bodies = if full {
            self.bodies(articles.iter().map(|a| a.id).collect()).await?
        } else {
            HashMap::new()
        };
        Ok(articles
            .iter()
            .map(|a| {
                let mut categories = vec![a.section.name.clone()];
                categories.extend(a.tags.iter().map(|t| t.name.clone()));
                FeedItem {
                    id: site.tag_uri(&format!("article/{}", a.id)),
                    link: a
                        .canonical_url
                        .clone()
                        .unwrap_or_else(|| site.article_link(&a.section.slug, &a.slug, a.id)),
                    authors: a.authors.iter().map(|b| b.name.clone()).collect(),
                    categories,
                    published: a.published_at,
                    updated: a.updated_at.max(a.published_at),
                    summary: if a.subtitle.is_empty() {
                        a.excerpt.clone()
                    } else {
                        a.subtitle.clone()
                    },
                    image: a.featured_media.clone(),
                    content_html: bodies.remove(&a.id).map(|b| render_html(&b)),
                    title: a.title.clone(),
                }
            })
            .collect())
    }

    /// Months that have public articles, with the latest change in each, newest first.
    pub async fn sitemap_months(&self) -> Result<Vec<(String, DateTime<Utc>)>, AppError> {
        let now = self.now();
        let months = self
            .db
            .run(move |c| Ok(crate::db::sitemaps::months(c, now)?))
            .await?;
        Ok(months.into_iter().map(|(m, at)| (m, utc(at))).collect())
    }

    /// Public articles published in one month (`YYYY-MM`), at most 50,000.
    pub async fn sitemap_month(
        &self,
        site: &SiteSettings,
        month: &str,
    ) -> Result<Vec<SitemapEntry>, AppError> {
        let start = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map_err(|_| AppError::not_found("sitemap", month))?;
        let end = start
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| AppError::not_found("sitemap", month))?;
        let (from, to) = (
            start.and_hms_opt(0, 0, 0).unwrap_or_default(),
            end.and_hms_opt(0, 0, 0).unwrap_or_default(),
        );
        self.sitemap_between(site, from, to, 50_000).await
    }

    /// Public articles of the last 48 hours, at most 1,000, for the news sitemap.
    pub async fn sitemap_news(&self, site: &SiteSettings) -> Result<Vec<SitemapEntry>, AppError> {
        let now = self.now();
        self.sitemap_between(site, now - Duration::hours(48), now + Duration::seconds(1), 1_000)
            .await
    }

    async fn sitemap_between(
        &self,
        site: &SiteSettings,
        from: NaiveDateTime,
        to: NaiveDateTime,
        limit: i64,
    ) -> Result<Vec<SitemapEntry>, AppError> {
        let tree = self.section_tree().await?;
        let now = self.now();
        let rows = self
            .db
            .run(move |c| Ok(crate::db::sitemaps::between(c, from, to, limit, now)?))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let section = tree.get(r.section_id).map(|s| s.slug.as_str()).unwrap_or("news");
                let published = r.published_at.unwrap_or_default();
                SitemapEntry {
                    loc: r
                        .canonical_url
                        .unwrap_or_else(|| site.article_link(section, &r.slug, r.id)),
                    lastmod: utc(r.updated_at.max(published)),
                    title: r.title,
                    published: utc(published),
                }
            })
            .collect())
    }
}
