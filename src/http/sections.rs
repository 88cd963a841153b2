use actix_web::{HttpRequest, HttpResponse, get, web};

use super::{Content, cache};
use crate::error::{AppError, Problem};
use crate::service::Scope;
use crate::service::views::{SectionDetail, SectionTreeView};

/// All sections as a tree.
#[utoipa::path(
    operation_id = "listSections",
    tag = "sections",
    responses((status = 200, description = "Root sections with their children", body = SectionTreeView))
)]
#[get("/v1/sections")]
pub async fn tree(req: HttpRequest, content: Content) -> Result<HttpResponse, AppError> {
    cache::public(&req, &content, Scope::Sections, async {
        content.sections().await
    })
    .await
}

/// A section: its place in the tree and its first page of articles (sub-sections included;
/// further pages come from `/v1/articles?section=`).
#[utoipa::path(
    operation_id = "getSectionBySlug",
    tag = "sections",
    params(("slug" = String, Path, description = "The section's slug")),
    responses(
        (status = 200, description = "The section page", body = SectionDetail),
        (status = 404, description = "No such section", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/sections/{slug}")]
pub async fn by_slug(
    req: HttpRequest,
    content: Content,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    cache::public(&req, &content, Scope::List, async {
        content.section_detail(&slug).await
    })
    .await
}
