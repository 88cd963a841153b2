use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Content, params};
use crate::error::{AppError, Problem};
use crate::service::sync::SyncPage;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// The `next_token` of the last complete sync, or the `next_page` of one under way;
    /// none for a first sync.
    token: Option<String>,
    /// `true` for whole articles (body as blocks); summaries otherwise.
    #[param(value_type = Option<bool>, default = false)]
    full: Option<String>,
    /// Items per page (sections, tags, authors, articles and tombstones together), 1 to 200.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200, default = 100)]
    limit: Option<String>,
}

/// Delta sync for offline copies: without `token`, every public article, section, tag and
/// author, page by page; with the `next_token` a sync ended with, only what was created or
/// changed since, and a tombstone (`deleted`) for everything that stopped being public.
#[utoipa::path(
    operation_id = "syncContent",
    tag = "articles",
    params(SyncParams),
    responses(
        (status = 200, description = "One page of the sync: `next_page` while there is more, `next_token` at the end", body = SyncPage),
        (status = 400, description = "A token this API did not issue, or another bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The token is older than the changes kept (`sync_token_expired`): sync from the start", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/sync")]
pub async fn sync(content: Content, query: web::Query<SyncParams>) -> Result<HttpResponse, AppError> {
    let p = query.into_inner();
    let full = match params::given("full", &p.full)? {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(AppError::invalid(
                "full",
                format!("full is true or false, got {other:?}"),
            ));
        }
    };
    let limit = params::limit(&p.limit)?;
    let page = content
        .sync(params::present(&p.token), full, limit, ("token", "limit"))
        .await?;
    // Each client's answer is its own: only it may keep it.
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-cache"))
        .json(page))
}
