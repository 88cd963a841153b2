//! Partner feeds (RSS, Atom, JSON Feed) and sitemaps, with validators for conditional GETs.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Content, cache};
use crate::auth::Actor;
use crate::error::{AppError, Problem};
use crate::feeds;
use crate::service::feeds::{FeedScope, SiteSettings};
use crate::service::{Rendered, ResponseKey, Scope};

/// How long feeds and sitemaps may be cached, in seconds.
#[derive(Debug, Clone)]
pub struct FeedPolicy {
    pub max_age_seconds: u32,
}

impl Default for FeedPolicy {
    fn default() -> Self {
        FeedPolicy { max_age_seconds: 300 }
    }
}

type Site = web::Data<SiteSettings>;

#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
    Ninjs,
}

impl Format {
    fn parse(file: &str) -> Option<Format> {
        match file {
            "rss.xml" => Some(Format::Rss),
            "atom.xml" => Some(Format::Atom),
            "feed.json" => Some(Format::Json),
            "ninjs.json" => Some(Format::Ninjs),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
            Format::Ninjs => "application/ninjs+json",
        }
    }
}

/// Answers from the response cache or renders; then applies the validators.
async fn serve(
    req: &HttpRequest,
    content: &Content,
    key: String,
    content_type: &'static str,
    private: bool,
    render: impl std::future::Future<Output = Result<Rendered, AppError>>,
) -> Result<HttpResponse, AppError> {
    let key = ResponseKey::new(key, Scope::Feed);
    let rendered = content
        .response(key, async { Ok(Arc::new(render.await?)) })
        .await?;
    let policy = req
        .app_data::<web::Data<FeedPolicy>>()
        .map(|p| p.max_age_seconds)
        .unwrap_or(300);
    let etag = rendered.etag.clone();
    let cache_control = if private {
        format!("private, max-age={policy}")
    } else {
        req.app_data::<web::Data<cache::CachePolicy>>()
            .map(|p| p.header_for(policy))
            .unwrap_or_else(|| cache::CachePolicy::default().header_for(policy))
    };
    let last_modified = rendered.last_modified.map(cache::http_date);
    let not_modified = if req.headers().contains_key(header::IF_NONE_MATCH) {
        cache::matches_etag(req, &etag)
    } else {
        match (rendered.last_modified, if_modified_since(req)) {
            (Some(changed), Some(since)) => changed.timestamp() <= since.timestamp(),
            _ => false,
        }
    };
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, "Accept-Encoding, Authorization, X-Api-Key"));
    if !private {
        cache::tag(&mut response, Scope::Feed, &rendered);
    }
    if let Some(lm) = last_modified {
        response.insert_header((header::LAST_MODIFIED, lm));
    }
    if not_modified {
        return Ok(response.finish());
    }
    Ok(response.content_type(content_type).body(rendered.body.clone()))
}

fn if_modified_since(req: &HttpRequest) -> Option<DateTime<Utc>> {
    let raw = req.headers().get(header::IF_MODIFIED_SINCE)?.to_str().ok()?;
    let date: header::HttpDate = raw.parse().ok()?;
    Some(DateTime::<Utc>::from(std::time::SystemTime::from(date)))
}

async fn feed(
    req: HttpRequest,
    content: Content,
    site: Site,
    actor: Actor,
    scope: FeedScope,
    format: Format,
) -> Result<HttpResponse, AppError> {
    // Partners whose key has `feeds:full` get whole articles; everyone else the summary.
    let full = actor.has_scope("feeds:full");
    let key = format!("feed\0{full}\0{}", req.uri().path());
    let self_url = site.api_link(req.uri().path());
    let render = async {
        let feed = content.feed(&site, scope, full).await?;
        let body = match format {
            Format::Rss => feeds::rss(&feed, &self_url).into_bytes(),
            Format::Atom => feeds::atom(&feed, &self_url).into_bytes(),
            Format::Json => feeds::json_feed(&feed, &self_url),
            Format::Ninjs => feeds::ninjs_feed(&feed, &self_url),
        };
        Ok(Rendered::modified(body, Some(feed.updated)))
    };
    serve(&req, &content, key, format.content_type(), full, render).await
}

/// The newest articles of the whole newsroom, as RSS 2.0, Atom 1.0 or JSON Feed 1.1. With a
/// partner key that has the `feeds:full` scope, items carry the full body as HTML.
#[utoipa::path(
    operation_id = "getFeed",
    tag = "feeds",
    params(("file" = String, Path, description = "`rss.xml`, `atom.xml`, `feed.json` or `ninjs.json` (IPTC ninjs 2.2)")),
    security((), ("api_key" = [])),
    responses(
        (status = 200, description = "The feed", content((String = "application/rss+xml"), (String = "application/atom+xml"), (String = "application/feed+json"), ("application/ninjs+json"))),
        (status = 304, description = "Not modified since the ETag or date the client sent"),
        (status = 404, description = "No such feed", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/feeds/{file}")]
pub async fn all(
    req: HttpRequest,
    content: Content,
    site: Site,
    actor: Actor,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let format = Format::parse(&file).ok_or_else(|| AppError::not_found("feed", file.as_str()))?;
    feed(req, content, site, actor, FeedScope::All, format).await
}

/// The newest articles of a section (with its sub-sections), a tag or an author.
#[utoipa::path(
    operation_id = "getScopedFeed",
    tag = "feeds",
    params(
        ("kind" = String, Path, description = "`sections`, `tags` or `authors`"),
        ("slug" = String, Path, description = "The section's, tag's or author's slug"),
        ("file" = String, Path, description = "`rss.xml`, `atom.xml`, `feed.json` or `ninjs.json` (IPTC ninjs 2.2)")
    ),
    security((), ("api_key" = [])),
    responses(
        (status = 200, description = "The feed", content((String = "application/rss+xml"), (String = "application/atom+xml"), (String = "application/feed+json"), ("application/ninjs+json"))),
        (status = 304, description = "Not modified since the ETag or date the client sent"),
        (status = 404, description = "No such section, tag, author or feed", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/feeds/{kind}/{slug}/{file}")]
pub async fn scoped(
    req: HttpRequest,
    content: Content,
    site: Site,
    actor: Actor,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (kind, slug, file) = path.into_inner();
    let format = Format::parse(&file).ok_or_else(|| AppError::not_found("feed", &file))?;
    let scope = match kind.as_str() {
        "sections" => FeedScope::Section(slug),
        "tags" => FeedScope::Tag(slug),
        "authors" => FeedScope::Author(slug),
        _ => return Err(AppError::not_found("feed kind", kind)),
    };
    feed(req, content, site, actor, scope, format).await
}

/// The sitemap index: one sitemap per month of articles, and one of sections.
#[utoipa::path(
    operation_id = "getSitemapIndex",
    tag = "feeds",
    responses((status = 200, description = "A sitemap index", content_type = "application/xml"), (status = 304, description = "Not modified"))
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(req: HttpRequest, content: Content, site: Site) -> Result<HttpResponse, AppError> {
    let key = "sitemap\0index".to_owned();
    let render = async {
        let months = content.sitemap_months().await?;
        let newest = months.iter().map(|(_, t)| *t).max();
        let mut maps: Vec<(String, DateTime<Utc>)> = months
            .into_iter()
            .map(|(month, at)| (site.api_link(&format!("/sitemaps/articles-{month}.xml")), at))
            .collect();
        maps.push((
            site.api_link("/sitemaps/sections.xml"),
            newest.unwrap_or_default(),
        ));
        Ok(Rendered::modified(feeds::sitemap_index(&maps), newest))
    };
    serve(
        &req,
        &content,
        key,
        "application/xml; charset=utf-8",
        false,
        render,
    )
    .await
}

/// A sitemap: `articles-YYYY-MM.xml` (the articles published that month), `sections.xml`, or
/// `news.xml` (a Google News sitemap of the last 48 hours).
#[utoipa::path(
    operation_id = "getSitemap",
    tag = "feeds",
    params(("name" = String, Path, description = "`articles-YYYY-MM.xml`, `sections.xml` or `news.xml`")),
    responses(
        (status = 200, description = "A sitemap", content_type = "application/xml"),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such sitemap", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/sitemaps/{name}")]
pub async fn sitemap(
    req: HttpRequest,
    content: Content,
    site: Site,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    let key = format!("sitemap\0{name}");
    let render = async {
        if name == "news.xml" {
            let entries = content.sitemap_news(&site).await?;
            // An empty news sitemap last changed when the newest article did.
            let newest = match entries.iter().map(|e| e.lastmod).max() {
                Some(at) => Some(at),
                None => content
                    .sitemap_months()
                    .await?
                    .into_iter()
                    .map(|(_, at)| at)
                    .max(),
            };
            return Ok(Rendered::modified(
                feeds::news_sitemap(&entries, &site.name, &site.language),
                newest,
            ));
        }
        if name == "sections.xml" {
            let tree = content.sections().await?;
            let changed = content.section_tree().await?.last_changed();
            let urls: Vec<(String, Option<DateTime<Utc>>)> = tree
                .flatten()
                .into_iter()
                .map(|s| (site.section_link(&s.slug), None))
                .collect();
            return Ok(Rendered::modified(feeds::urlset(&urls), changed));
        }
        let month = name
            .strip_prefix("articles-")
            .and_then(|m| m.strip_suffix(".xml"))
            .filter(|m| m.len() == 7)
            .ok_or_else(|| AppError::not_found("sitemap", &name))?;
        let entries = content.sitemap_month(&site, month).await?;
        if entries.is_empty() {
            return Err(AppError::not_found("sitemap", &name));
        }
        let newest = entries.iter().map(|e| e.lastmod).max();
        let urls: Vec<(String, Option<DateTime<Utc>>)> =
            entries.into_iter().map(|e| (e.loc, Some(e.lastmod))).collect();
        Ok(Rendered::modified(feeds::urlset(&urls), newest))
    };
    serve(
        &req,
        &content,
        key,
        "application/xml; charset=utf-8",
        false,
        render,
    )
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedLinks {
    pub title: String,
    pub rss: String,
    pub atom: String,
    pub json: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedDirectory {
    /// The whole newsroom, then each section.
    pub feeds: Vec<FeedLinks>,
    /// Patterns for tag and author feeds: replace `{slug}`.
    pub tag_feed: String,
    pub author_feed: String,
    pub sitemap: String,
    pub news_sitemap: String,
}

fn links(title: String, base: &str) -> FeedLinks {
    FeedLinks {
        title,
        rss: format!("{base}/rss.xml"),
        atom: format!("{base}/atom.xml"),
        json: format!("{base}/feed.json"),
    }
}

/// Every feed there is, for discovery.
#[utoipa::path(operation_id = "listFeeds", tag = "feeds", responses((status = 200, description = "The feeds", body = FeedDirectory)))]
#[get("/v1/feeds")]
pub async fn directory(req: HttpRequest, content: Content, site: Site) -> Result<HttpResponse, AppError> {
    cache::public(&req, &content, Scope::Feed, async {
        let tree = content.section_tree().await?;
        let sections = content.sections().await?;
        let mut feeds = vec![links(site.name.clone(), "/feeds")];
        let mut stack: Vec<&crate::service::views::SectionNode> = sections.items.iter().rev().collect();
        while let Some(s) = stack.pop() {
            let path: Vec<String> = tree.path(s.id).iter().map(|p| p.name.clone()).collect();
            feeds.push(links(
                path.join(" > "),
                &FeedScope::Section(s.slug.clone()).path(),
            ));
            stack.extend(s.children.iter().rev());
        }
        Ok(FeedDirectory {
            feeds,
            tag_feed: "/feeds/tags/{slug}/rss.xml".into(),
            author_feed: "/feeds/authors/{slug}/rss.xml".into(),
            sitemap: "/sitemap.xml".into(),
            news_sitemap: "/sitemaps/news.xml".into(),
        })
    })
    .await
}
