//! The REST adapter: routes under `/v1`, health checks and the OpenAPI document. Handlers
//! parse parameters, call one service method and write the response; nothing else.

mod admin;
mod articles;
mod auth;
mod body;
mod cache;
mod comments;
pub mod contract;
pub mod cors;
mod discovery;
pub mod edge;
mod editor_articles;
mod editor_comments;
mod editor_taxonomy;
mod events;
pub mod feeds;
pub mod gate;
mod health;
mod params;
mod private;
mod redirects;
mod search;
mod sections;
mod sync;
mod taxonomy;
mod webhooks;

use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppError, Problem};
use crate::service::ContentService;

pub use body::require_json;
pub use cache::CachePolicy;
pub use cache::respond as cached_response;

/// The document as checked in; `/openapi.json` serves exactly this file.
pub const OPENAPI_JSON: &str = include_str!("../../openapi/openapi.json");

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Masthead",
        description = "A headless content API for news publishers: articles, sections, tags and authors.",
        license(name = "MIT")
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "articles", description = "Published articles"),
        (name = "sections", description = "The section tree and section pages"),
        (name = "tags", description = "Tags and their articles"),
        (name = "authors", description = "Authors and their articles"),
        (name = "discovery", description = "Related and popular articles, and view beacons"),
        (name = "comments", description = "The reader comment form, submissions and published comments"),
        (name = "moderation", description = "Comment moderation (moderators and up)"),
        (name = "feeds", description = "RSS, Atom, JSON Feed and sitemaps"),
        (name = "auth", description = "Sign-in and tokens for the editorial API"),
        (name = "editorial", description = "Writing and publishing (access token required)"),
        (name = "admin", description = "Users, partner keys and the audit log (admins)"),
        (name = "operations", description = "Health and API description")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
    }
}

/// Registers every REST route; the OpenAPI document is collected from the same calls.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(articles::list)
        .service(articles::by_slug)
        .service(articles::json_ld)
        .service(sync::sync)
        .service(events::events)
        .service(sections::tree)
        .service(redirects::redirect)
        .service(sections::by_slug)
        .service(taxonomy::tags)
        .service(taxonomy::tag)
        .service(taxonomy::authors)
        .service(taxonomy::author)
        .service(auth::token)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::me)
        .service(editor_articles::list)
        .service(editor_articles::create)
        .service(editor_articles::get_one)
        .service(editor_articles::update)
        .service(editor_articles::remove)
        .service(editor_articles::publish)
        .service(editor_articles::unpublish)
        .service(editor_articles::archive)
        .service(editor_articles::correct)
        .service(editor_articles::revisions)
        .service(editor_articles::revision)
        .service(editor_articles::restore)
        .service(editor_articles::preview_token)
        .service(editor_articles::preview)
        .service(editor_taxonomy::get_section)
        .service(editor_taxonomy::get_tag)
        .service(editor_taxonomy::get_author)
        .service(editor_taxonomy::get_media)
        .service(editor_taxonomy::create_section)
        .service(editor_taxonomy::update_section)
        .service(editor_taxonomy::delete_section)
        .service(editor_taxonomy::create_tag)
        .service(editor_taxonomy::update_tag)
        .service(editor_taxonomy::delete_tag)
        .service(editor_taxonomy::create_author)
        .service(editor_taxonomy::update_author)
        .service(editor_taxonomy::delete_author)
        .service(editor_taxonomy::create_media)
        .service(editor_taxonomy::update_media)
        .service(editor_taxonomy::delete_media)
        .service(admin::users)
        .service(admin::create_user)
        .service(admin::update_user)
        .service(admin::keys)
        .service(admin::create_key)
        .service(admin::revoke_key)
        .service(admin::audit)
        .service(webhooks::list)
        .service(webhooks::create)
        .service(webhooks::get_one)
        .service(webhooks::update)
        .service(webhooks::remove)
        .service(webhooks::rotate_secret)
        .service(webhooks::deliveries)
        .service(webhooks::redeliver)
        .service(search::search)
        .service(discovery::related)
        .service(discovery::popular)
        .service(discovery::record_view)
        .service(discovery::view_pixel)
        .service(comments::form)
        .service(comments::submit)
        .service(comments::thread)
        .service(editor_comments::queue)
        .service(editor_comments::bulk)
        .service(editor_comments::act)
        .service(editor_comments::edit)
        .service(feeds::directory)
        .service(feeds::all)
        .service(feeds::scoped)
        .service(feeds::sitemap_index)
        .service(feeds::sitemap)
        .service(health::healthz)
        .service(health::readyz)
        .service(openapi_json);
}

/// Actix configuration shared by the server and the tests: error shapes for bad queries and
/// paths, and the fallback for unknown routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _req| {
        AppError::invalid("query", format!("the query string could not be read: {err}")).into()
    }))
    .app_data(
        web::JsonConfig::default()
            .limit(4 * 1024 * 1024)
            .error_handler(|err, _req| {
                AppError::invalid(
                    "body",
                    format!("the request body is not the JSON this route takes: {err}"),
                )
                .into()
            }),
    )
    .app_data(
        web::PathConfig::default().error_handler(|err, _req| {
            AppError::invalid("path", format!("the path is not valid: {err}")).into()
        }),
    );
}

/// A path that exists with another method is a 405 naming the methods it takes; anything
/// else a 404.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    if let Some(allowed) = edge::allowed_methods(req.path())
        && !allowed.contains(req.method())
    {
        return Ok(edge::method_not_allowed(req.method(), &allowed));
    }
    if let Some(moved) = old_address(&req).await? {
        return Ok(moved);
    }
    Err(AppError::not_found(
        "route",
        format!("{} {}", req.method(), req.path()),
    ))
}

/// With `--serve-wordpress-paths`, an imported site's old address (a permalink, `/?p=123`,
/// a category, tag or author page, a feed) answered with a 301 to where it lives now: the
/// website's page where its pattern is known (articles, authors), else this API's.
async fn old_address(req: &HttpRequest) -> Result<Option<HttpResponse>, AppError> {
    use actix_web::http::{Method, header};
    let (Some(site), Some(content)) = (
        req.app_data::<web::Data<crate::service::feeds::SiteSettings>>(),
        req.app_data::<Content>(),
    ) else {
        return Ok(None);
    };
    if !site.serve_wordpress_paths || !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(None);
    }
    let old = match req.query_string() {
        "" => req.path().to_owned(),
        query => format!("{}?{query}", req.path()),
    };
    match content.redirect(site, &old).await {
        Ok(found) => {
            let location = found
                .url
                .unwrap_or_else(|| format!("{}{}", site.api_url.trim_end_matches('/'), found.api_path));
            Ok(Some(
                HttpResponse::MovedPermanently()
                    .insert_header((header::LOCATION, location))
                    .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
                    .finish(),
            ))
        }
        Err(AppError::NotFound { .. } | AppError::InvalidParameter { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The OpenAPI 3.1 document generated from the code.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    doc
}

/// The OpenAPI document of this API.
#[utoipa::path(
    operation_id = "getOpenApiDocument",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
#[get("/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(OPENAPI_JSON)
}

pub(crate) type Content = web::Data<ContentService>;
