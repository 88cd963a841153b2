//! HTTP caching of public reads: a strong ETag over the exact bytes sent, `304 Not
//! Modified` when the client already has them, and a shared-cache lifetime.

use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::AppError;
use crate::service::{ContentService, Rendered};

/// How long browsers, apps and CDNs may reuse a public response.
#[derive(Debug, Clone)]
pub struct CachePolicy {
    pub max_age_seconds: u32,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy { max_age_seconds: 60 }
    }
}

impl CachePolicy {
    fn header(&self) -> String {
        format!(
            "public, max-age={}, stale-while-revalidate={}",
            self.max_age_seconds,
            self.max_age_seconds.saturating_mul(5)
        )
    }
}

/// Answers a public GET from the response cache when the same URL was answered moments ago;
/// otherwise awaits `produce`, answers it and keeps the bytes (see
/// `ContentService::cache_response` for how long).
pub async fn public<T, F>(
    req: &HttpRequest,
    content: &ContentService,
    produce: F,
) -> Result<HttpResponse, AppError>
where
    T: Serialize,
    F: Future<Output = Result<T, AppError>>,
{
    let key = format!("rest\0{}", req.uri());
    if let Some(body) = content.cached_response(&key) {
        return Ok(respond(req, body.body.clone()));
    }
    // Concurrent misses of one URL: the first produces it, the others reuse its bytes.
    let _filling = content.fill_guard(&key).await;
    if let Some(body) = content.cached_response(&key) {
        return Ok(respond(req, body.body.clone()));
    }
    let ticket = content.response_ticket();
    let bytes = serde_json::to_vec(&produce.await?).map_err(AppError::internal)?;
    if let Err(e) = content
        .cache_response(key, Arc::new(Rendered::new(bytes.clone())), ticket)
        .await
    {
        tracing::debug!(error = %e, "response not cached");
    }
    Ok(respond(req, bytes))
}

fn respond(req: &HttpRequest, bytes: Vec<u8>) -> HttpResponse {
    let policy = req
        .app_data::<actix_web::web::Data<CachePolicy>>()
        .map(|p| p.get_ref().clone())
        .unwrap_or_default();
    let etag = etag_of(&bytes);
    let cache_control = policy.header();
    if matches_etag(req, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish();
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, "Accept-Encoding"))
        .body(bytes)
}

pub(super) fn etag_of(bytes: &[u8]) -> String {
    // SipHash with fixed keys: the same bytes give the same tag on every instance.
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("\"{:016x}{:08x}\"", hasher.finish(), bytes.len())
}

pub(super) fn matches_etag(req: &HttpRequest, etag: &str) -> bool {
    let Some(value) = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v: &HeaderValue| v.to_str().ok())
    else {
        return false;
    };
    value
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate == etag || candidate.strip_prefix("W/") == Some(etag))
}
