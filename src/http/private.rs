//! Helpers of the editorial routes: private responses and `If-Match` versions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::AppError;

/// A response no shared cache may keep.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("cache-control", "private, no-store"))
        .json(value)
}

pub fn no_content() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("cache-control", "private, no-store"))
        .finish()
}

/// An article with its version as the ETag, to send back as `If-Match`.
pub fn versioned<T: Serialize>(status: StatusCode, value: &T, version: i32) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("cache-control", "private, no-store"))
        .insert_header(("etag", format!("\"{version}\"")))
        .json(value)
}

/// The version named by `If-Match` (`"3"`, `W/"3"` or `3`), if any.
pub fn if_match(req: &HttpRequest) -> Result<Option<i32>, AppError> {
    let Some(raw) = req.headers().get("if-match") else {
        return Ok(None);
    };
    let text = raw.to_str().unwrap_or_default().trim();
    let bare = text.trim_start_matches("W/").trim_matches('"');
    bare.parse::<i32>().map(Some).map_err(|_| {
        AppError::invalid(
            "If-Match",
            format!("If-Match must carry the article's version, e.g. \"3\"; got {text:?}"),
        )
    })
}

/// The caller's address, for per-address limits.
pub fn peer(req: &HttpRequest) -> Option<String> {
    super::edge::client_ip(req).map(|ip| ip.to_string())
}
