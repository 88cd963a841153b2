use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Content, cache, params};
use crate::error::{AppError, Problem};
use crate::service::feeds::SiteSettings;
use crate::service::views::{Article, ArticlePage};
use crate::service::{ArticleFilter, ArticleLookup, PageRequest, Scope};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Section slug; articles of its sub-sections are included.
    #[param(example = "world")]
    section: Option<String>,
    /// Tag slug.
    tag: Option<String>,
    /// Author slug.
    author: Option<String>,
    /// Published at or after this time (RFC 3339, or a date meaning midnight UTC).
    #[param(value_type = Option<String>, format = DateTime)]
    published_after: Option<String>,
    /// Published before this time (RFC 3339, or a date meaning midnight UTC).
    #[param(value_type = Option<String>, format = DateTime)]
    published_before: Option<String>,
    /// Page size, 1 to 100.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, default = 20)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Published articles, newest first, one page at a time.
#[utoipa::path(
    operation_id = "listArticles",
    tag = "articles",
    params(ListParams),
    responses(
        (status = 200, description = "A page of article summaries", body = ArticlePage),
    )
)]
#[get("/v1/articles")]
pub async fn list(
    req: HttpRequest,
    content: Content,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let filter = ArticleFilter {
        section: params::slug(&q.section),
        tag: params::slug(&q.tag),
        author: params::slug(&q.author),
        published_after: params::instant("published_after", &q.published_after)?,
        published_before: params::instant("published_before", &q.published_before)?,
    };
    let page = PageRequest::parse(
        params::limit(&q.limit)?,
        params::present(&q.cursor),
        ("limit", "cursor"),
    )?;
    cache::public(&req, &content, Scope::List, async {
        content.article_page(filter, page).await
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleParams {
    /// The body format: structured `blocks` (default), rendered `html`, or plain `text`.
    #[param(value_type = Option<String>, example = "html")]
    body: Option<String>,
}

/// One published article by slug.
#[utoipa::path(
    operation_id = "getArticleBySlug",
    tag = "articles",
    params(("slug" = String, Path, description = "The article's slug"), ArticleParams),
    responses(
        (status = 200, description = "The article; as an IPTC ninjs 2.2 news item when `Accept` asks for `application/ninjs+json`", content(
            (Article = "application/json"),
            ("application/ninjs+json")
        )),
        (status = 301, description = "An old slug: Location has the article's current URL"),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/articles/{slug}")]
pub async fn by_slug(
    req: HttpRequest,
    content: Content,
    site: web::Data<SiteSettings>,
    slug: web::Path<String>,
    query: web::Query<ArticleParams>,
) -> Result<HttpResponse, AppError> {
    let format = params::body_format(&query.body)?;
    let slug = slug.into_inner();
    let lookup = ArticleLookup::slug(&slug);
    let answer = if wants(&req, NINJS) {
        let item = content.ninjs_document(lookup, &site);
        cache::public_as(&req, &content, Scope::Article, NINJS, item).await
    } else {
        let document = content.article_document(lookup, format);
        cache::public_bytes(&req, &content, Scope::Article, document).await
    };
    match answer.map(negotiated) {
        Err(AppError::NotFound { detail }) => match content.moved_to(&slug).await? {
            // An old slug of a public article: send the reader to where it lives now.
            Some(new_slug) => {
                let query = req.query_string();
                let new_slug = crate::content::slug::encode(&new_slug);
                let location = if query.is_empty() {
                    format!("/v1/articles/{new_slug}")
                } else {
                    format!("/v1/articles/{new_slug}?{query}")
                };
                Ok(HttpResponse::MovedPermanently()
                    .insert_header(("location", location))
                    .finish())
            }
            None => Err(AppError::NotFound { detail }),
        },
        other => other,
    }
}

const NINJS: &str = "application/ninjs+json";

fn wants(req: &HttpRequest, media_type: &str) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.split(',').any(|m| m.trim().starts_with(media_type)))
}

/// The same URL answers JSON or ninjs by `Accept`: caches must keep them apart.
fn negotiated(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("Accept, Accept-Encoding"),
    );
    response
}

/// An article's schema.org `NewsArticle`, to embed in the page as its JSON-LD script element
/// (headline, deck, dates, bylines with their pages, publisher, image, sections, keywords,
/// dateline, corrections).
#[utoipa::path(
    operation_id = "getArticleJsonLd",
    tag = "articles",
    params(("slug" = String, Path, description = "The article's slug")),
    responses(
        (status = 200, description = "schema.org NewsArticle JSON-LD", content_type = "application/ld+json"),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/articles/{slug}/jsonld")]
pub async fn json_ld(
    req: HttpRequest,
    content: Content,
    site: web::Data<SiteSettings>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let lookup = ArticleLookup::slug(slug.into_inner());
    let document = content.json_ld_document(lookup, &site);
    cache::public_as(&req, &content, Scope::Article, "application/ld+json", document).await
}
