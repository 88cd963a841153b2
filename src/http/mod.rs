//! The REST adapter: routes under `/v1`, health checks and the OpenAPI document. Handlers
//! parse parameters, call one service method and write the response; nothing else.

mod articles;
mod cache;
mod health;
mod params;
mod sections;
mod taxonomy;

use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppError, Problem};
use crate::service::ContentService;

pub use cache::CachePolicy;

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
    tags(
        (name = "articles", description = "Published articles"),
        (name = "sections", description = "The section tree and section pages"),
        (name = "tags", description = "Tags and their articles"),
        (name = "authors", description = "Authors and their articles"),
        (name = "operations", description = "Health and API description")
    )
)]
struct ApiDoc;

/// Registers every REST route; the OpenAPI document is collected from the same calls.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(articles::list)
        .service(articles::by_slug)
        .service(sections::tree)
        .service(sections::by_slug)
        .service(taxonomy::tags)
        .service(taxonomy::tag)
        .service(taxonomy::authors)
        .service(taxonomy::author)
        .service(health::healthz)
        .service(health::readyz)
        .service(openapi_json);
}

/// Actix configuration shared by the server and the tests: error shapes for bad queries and
/// paths, and the fallback for unknown routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _req| {
        AppError::invalid("query", format!("the query string could not be read: {err}")).into()
    }));
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::not_found(
        "route",
        format!("{} {}", req.method(), req.path()),
    ))
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
