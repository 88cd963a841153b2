use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Content, cache, params};
use crate::error::{AppError, Problem};
use crate::service::Scope;
use crate::service::feeds::SiteSettings;
use crate::service::redirects::Redirect;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RedirectParams {
    /// The old address's path, e.g. `/2025/09/14/slug/` or `/?p=123` (a whole URL is
    /// accepted too; its host is ignored).
    #[param(value_type = String, example = "/2025/09/14/harbour-tunnel-opens/")]
    path: Option<String>,
}

/// Where content imported with an old address (a WordPress permalink, `/?p=123`, a category,
/// tag or author page, a feed) lives now, for frontends that answer old links with a 301.
#[utoipa::path(
    operation_id = "getRedirect",
    tag = "discovery",
    params(RedirectParams),
    responses(
        (status = 200, description = "Where it lives now", body = Redirect),
        (status = 404, description = "No public content had this address", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "No path given", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/redirects")]
pub async fn redirect(
    req: HttpRequest,
    content: Content,
    site: web::Data<SiteSettings>,
    query: web::Query<RedirectParams>,
) -> Result<HttpResponse, AppError> {
    let path = params::given("path", &query.path)?
        .ok_or_else(|| {
            AppError::invalid(
                "path",
                "give the old address's path, e.g. ?path=/2025/09/14/slug/",
            )
        })?
        .to_owned();
    cache::public(&req, &content, Scope::List, async {
        content.redirect(&site, &path).await
    })
    .await
}
