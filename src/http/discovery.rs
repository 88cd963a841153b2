//! Related and popular articles, and the view beacons that feed popularity.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Content, cache, params};
use crate::error::{AppError, Problem};
use crate::service::popular::{PopularList, Viewer, Window};
use crate::service::related::{RelatedList, RelatedScope};
use crate::service::{ArticleLookup, Scope};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedParams {
    /// How many, 1 to 20.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 20, default = 5)]
    limit: Option<String>,
    /// `all` (default), or `section` for "More like this" within the article's section and
    /// its sub-sections.
    #[param(value_type = Option<String>, example = "section")]
    scope: Option<String>,
}

/// Articles related to a published one: those its editors pinned first, then the closest by
/// shared tags (rarer ones weigh more), section, distinctive words and nearness in time; each
/// with the reasons it was picked.
#[utoipa::path(
    operation_id = "listRelatedArticles",
    tag = "discovery",
    params(("slug" = String, Path, description = "The article's slug"), RelatedParams),
    responses(
        (status = 200, description = "Related articles, closest first", body = RelatedList),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/articles/{slug}/related")]
pub async fn related(
    req: HttpRequest,
    content: Content,
    slug: web::Path<String>,
    query: web::Query<RelatedParams>,
) -> Result<HttpResponse, AppError> {
    let limit = params::limit(&query.limit)?;
    let scope = RelatedScope::parse("scope", params::given("scope", &query.scope)?)?;
    let lookup = ArticleLookup::slug(slug.into_inner());
    cache::public(&req, &content, Scope::List, async {
        content.related(lookup, limit, scope, "limit").await
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PopularParams {
    /// `1h`, `24h` (default), `7d` or `30d`.
    #[param(value_type = Option<String>, example = "24h")]
    window: Option<String>,
    /// Section slug; its sub-sections are included.
    section: Option<String>,
    /// How many, 1 to 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 50, default = 10)]
    limit: Option<String>,
}

/// The most viewed published articles over a window, with their view counts. Views are
/// counted in memory and written every few seconds, so the newest ones show after that.
#[utoipa::path(
    operation_id = "listPopularArticles",
    tag = "discovery",
    params(PopularParams),
    responses(
        (status = 200, description = "Most viewed first", body = PopularList),
    )
)]
#[get("/v1/popular")]
pub async fn popular(
    req: HttpRequest,
    content: Content,
    query: web::Query<PopularParams>,
) -> Result<HttpResponse, AppError> {
    let window = Window::parse("window", params::given("window", &query.window)?)?;
    let limit = params::limit(&query.limit)?;
    let section = params::slug(&query.section);
    let list = cache::json(async { content.popular(window, section, limit, "limit").await });
    cache::public_bytes(&req, &content, Scope::Popular, list).await
}

fn viewer(req: &HttpRequest) -> Viewer<'_> {
    Viewer {
        address: super::edge::client_ip(req),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
    }
}

/// Counts a reader's view of a published article (send it once per page view). Bots and a
/// repeat from the same reader within 30 minutes are answered the same but not counted; the
/// `Masthead-View` header says which it was (`counted`, `bot` or `repeat`).
#[utoipa::path(
    operation_id = "recordArticleView",
    tag = "discovery",
    params(("slug" = String, Path, description = "The article's slug")),
    responses(
        (status = 204, description = "Received", headers(("Masthead-View" = String, description = "`counted`, `bot` (a crawler's user agent) or `repeat` (the same reader within 30 minutes)"))),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/articles/{slug}/views")]
pub async fn record_view(
    req: HttpRequest,
    content: Content,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let counted = content
        .record_view(ArticleLookup::slug(slug.into_inner()), viewer(&req))
        .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("masthead-view", counted.as_str()))
        .finish())
}

/// A transparent 1×1 GIF.
const PIXEL: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// The view beacon for pages without scripts: `<img src=".../views.gif" alt="">` counts a
/// view and shows nothing.
#[utoipa::path(
    operation_id = "getArticleViewPixel",
    tag = "discovery",
    params(("slug" = String, Path, description = "The article's slug")),
    responses(
        (status = 200, description = "A transparent 1×1 GIF", content_type = "image/gif"),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/articles/{slug}/views.gif")]
pub async fn view_pixel(
    req: HttpRequest,
    content: Content,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let counted = content
        .record_view(ArticleLookup::slug(slug.into_inner()), viewer(&req))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("image/gif")
        .insert_header(("masthead-view", counted.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store, private"))
        .body(PIXEL))
}
