use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Content, cache, params};
use crate::content::cursor::NameCursor;
use crate::error::{AppError, Problem};
use crate::service::views::{AuthorDetail, AuthorPage, TagDetail, TagPage};
use crate::service::{PageRequest, Scope};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NameListParams {
    /// Page size, 1 to 100.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, default = 20)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl NameListParams {
    fn page(&self) -> Result<PageRequest<NameCursor>, AppError> {
        PageRequest::parse(
            params::limit(&self.limit)?,
            params::present(&self.cursor),
            ("limit", "cursor"),
        )
    }
}

/// Tags in alphabetical order.
#[utoipa::path(
    operation_id = "listTags",
    tag = "tags",
    params(NameListParams),
    responses(
        (status = 200, description = "A page of tags", body = TagPage),
    )
)]
#[get("/v1/tags")]
pub async fn tags(
    req: HttpRequest,
    content: Content,
    query: web::Query<NameListParams>,
) -> Result<HttpResponse, AppError> {
    let page = query.page()?;
    cache::public(&req, &content, Scope::Tags, async { content.tags(page).await }).await
}

/// A tag and its newest articles (further pages: `/v1/articles?tag=`).
#[utoipa::path(
    operation_id = "getTagBySlug",
    tag = "tags",
    params(("slug" = String, Path, description = "The tag's slug")),
    responses(
        (status = 200, description = "The tag", body = TagDetail),
        (status = 404, description = "No such tag", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/tags/{slug}")]
pub async fn tag(
    req: HttpRequest,
    content: Content,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    cache::public(&req, &content, Scope::List, async {
        content.tag_detail(&slug).await
    })
    .await
}

/// Authors in alphabetical order.
#[utoipa::path(
    operation_id = "listAuthors",
    tag = "authors",
    params(NameListParams),
    responses(
        (status = 200, description = "A page of authors", body = AuthorPage),
    )
)]
#[get("/v1/authors")]
pub async fn authors(
    req: HttpRequest,
    content: Content,
    query: web::Query<NameListParams>,
) -> Result<HttpResponse, AppError> {
    let page = query.page()?;
    cache::public(&req, &content, Scope::Authors, async {
        content.authors(page).await
    })
    .await
}

/// An author and their newest articles (further pages: `/v1/articles?author=`).
#[utoipa::path(
    operation_id = "getAuthorBySlug",
    tag = "authors",
    params(("slug" = String, Path, description = "The author's slug")),
    responses(
        (status = 200, description = "The author", body = AuthorDetail),
        (status = 404, description = "No such author", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/authors/{slug}")]
pub async fn author(
    req: HttpRequest,
    content: Content,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    cache::public(&req, &content, Scope::List, async {
        content.author_detail(&slug).await
    })
    .await
}
