use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Content, cache, params};
use crate::error::{AppError, Problem};
use crate::service::search::SearchResults;
use crate::service::{ArticleFilter, Scope};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to find (stemmed English); "quoted phrases" match as phrases. 1 to 200 characters.
    q: Option<String>,
    /// Section slug; its sub-sections are included.
    section: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    published_after: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    published_before: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, default = 20)]
    limit: Option<String>,
    cursor: Option<String>,
}

/// Full-text search over published articles: title (weighted most), deck, body, tags and
/// author names; best match first, with a snippet that marks the matches.
#[utoipa::path(
    operation_id = "searchArticles",
    tag = "articles",
    params(SearchParams),
    responses(
        (status = 200, description = "Ranked results", body = SearchResults),
        (status = 400, description = "An empty or too long query, or another bad parameter", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/search")]
pub async fn search(
    req: HttpRequest,
    content: Content,
    query: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let p = query.into_inner();
    let filter = ArticleFilter {
        section: params::slug(&p.section),
        published_after: params::instant("published_after", &p.published_after)?,
        published_before: params::instant("published_before", &p.published_before)?,
        ..Default::default()
    };
    let text = p.q.unwrap_or_default();
    let limit = params::limit(&p.limit)?;
    let cursor = params::slug(&p.cursor);
    cache::public(&req, &content, Scope::List, async {
        content
            .search(&text, filter, limit, cursor.as_deref(), ("q", "limit", "cursor"))
            .await
    })
    .await
}
