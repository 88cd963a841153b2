//! HTTP caching of public reads: a strong ETag over the exact bytes sent, `304 Not
//! Modified` when the client already has them, and a shared-cache lifetime.

use std::future::Future;
use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::AppError;
use crate::service::{ContentService, Rendered, ResponseKey, Scope};

/// How long browsers, apps and CDNs may reuse a public response (RFC 9111, RFC 5861).
#[derive(Debug, Clone)]
pub struct CachePolicy {
    pub max_age_seconds: u32,
    /// For shared caches (CDNs) only, when they may keep it longer than browsers.
    pub shared_max_age_seconds: Option<u32>,
    /// How long a cache may answer with a stale copy while it fetches a fresh one.
    pub stale_while_revalidate_seconds: u32,
    /// How long a cache may answer with a stale copy while this server fails or is down.
    pub stale_if_error_seconds: u32,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            max_age_seconds: 60,
            shared_max_age_seconds: None,
            stale_while_revalidate_seconds: 300,
            stale_if_error_seconds: 86_400,
        }
    }
}

impl CachePolicy {
    fn header(&self) -> String {
        self.header_for(self.max_age_seconds)
    }

    /// The `Cache-Control` of a public response whose own lifetime is `max_age` seconds
    /// (feeds have theirs); the shared and stale directives are the server's.
    pub(super) fn header_for(&self, max_age: u32) -> String {
        let mut value = format!("public, max-age={max_age}");
        if let Some(shared) = self.shared_max_age_seconds {
            value.push_str(&format!(", s-maxage={shared}"));
        }
        if self.stale_while_revalidate_seconds > 0 {
            value.push_str(&format!(
                ", stale-while-revalidate={}",
                self.stale_while_revalidate_seconds
            ));
        }
        if self.stale_if_error_seconds > 0 {
            value.push_str(&format!(", stale-if-error={}", self.stale_if_error_seconds));
        }
        value
    }
}

/// Answers a public GET from the response cache when the same URL was answered moments ago;
/// otherwise awaits `produce`, answers it and keeps the bytes (see `service::responses`).
/// `scope` is what it shows: what clears it, and its surrogate keys.
pub async fn public<T, F>(
    req: &HttpRequest,
    content: &ContentService,
    scope: Scope,
    produce: F,
) -> Result<HttpResponse, AppError>
where
    T: Serialize,
    F: Future<Output = Result<T, AppError>>,
{
    public_bytes(req, content, scope, json(produce)).await
}

/// What `produce` answers, as the JSON bytes of a response.
pub async fn json<T: Serialize>(
    produce: impl Future<Output = Result<T, AppError>>,
) -> Result<Arc<Rendered>, AppError> {
    let bytes = serde_json::to_vec(&produce.await?).map_err(AppError::internal)?;
    Ok(Arc::new(Rendered::new(bytes)))
}

/// The same, for a producer that hands out the JSON bytes ready to send.
pub async fn public_bytes<F>(
    req: &HttpRequest,
    content: &ContentService,
    scope: Scope,
    produce: F,
) -> Result<HttpResponse, AppError>
where
    F: Future<Output = Result<Arc<Rendered>, AppError>>,
{
    public_as(req, content, scope, "application/json", produce).await
}

/// The same, for a response of another media type.
pub async fn public_as<F>(
    req: &HttpRequest,
    content: &ContentService,
    scope: Scope,
    media_type: &str,
    produce: F,
) -> Result<HttpResponse, AppError>
where
    F: Future<Output = Result<Arc<Rendered>, AppError>>,
{
    let key = ResponseKey::new(format!("{media_type}\0{}", req.uri()), scope);
    let rendered = content.response(key, produce).await?;
    Ok(respond(req, &rendered, media_type, scope))
}

/// The surrogate keys of a response, as Fastly and Varnish (`Surrogate-Key`, spaces) and
/// Cloudflare (`Cache-Tag`, commas) read them.
pub(super) fn tag(response: &mut actix_web::HttpResponseBuilder, scope: Scope, rendered: &Rendered) {
    let keys = crate::service::purge::keys_of(scope, rendered);
    response
        .insert_header(("cache-tag", keys.replace(' ', ",")))
        .insert_header(("surrogate-key", keys));
}

/// A public response with its validators: `304 Not Modified` when the client already has
/// these bytes, else the bytes, shared rather than copied.
pub fn respond(req: &HttpRequest, rendered: &Rendered, content_type: &str, scope: Scope) -> HttpResponse {
    let policy = req
        .app_data::<actix_web::web::Data<CachePolicy>>()
        .map(|p| p.get_ref().clone())
        .unwrap_or_default();
    let not_modified = matches_etag(req, &rendered.etag);
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, rendered.etag.clone()))
        .insert_header((header::CACHE_CONTROL, policy.header()))
        .insert_header((header::VARY, "Accept-Encoding"));
    tag(&mut response, scope, rendered);
    if let Some(at) = rendered.last_modified {
        response.insert_header((header::LAST_MODIFIED, http_date(at)));
    }
    if not_modified {
        return response.finish();
    }
    response.content_type(content_type).body(rendered.body.clone())
}

pub(super) fn http_date(at: chrono::DateTime<chrono::Utc>) -> header::HttpDate {
    header::HttpDate::from(std::time::SystemTime::from(at))
}

/// Weak comparison (RFC 9110, 13.1.2): `W/` on either side does not matter.
pub(super) fn matches_etag(req: &HttpRequest, etag: &str) -> bool {
    let Some(value) = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v: &HeaderValue| v.to_str().ok())
    else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    value
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || opaque(candidate) == ours)
}
