use actix_web::{HttpResponse, get};
use serde_json::json;

use super::Content;
use crate::error::{AppError, Problem};

/// The process is alive.
#[utoipa::path(operation_id = "getHealth", tag = "operations", responses((status = 200, description = "Alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({ "status": "ok" }))
}

/// The database answers.
#[utoipa::path(
    operation_id = "getReadiness",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve"),
        (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/readyz")]
pub async fn readyz(content: Content) -> Result<HttpResponse, AppError> {
    content.ping().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({ "status": "ready", "database": content.db().backend().to_string() })))
}
