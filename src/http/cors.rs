//! Cross-origin access for browser frontends, with actix's own CORS middleware. Public reads
//! (and the comment form, its submission and the view beacon) are open to the configured
//! origins, `*` by default. Whatever carries credentials (an `Authorization` or `X-Api-Key`
//! header) and every editorial route is open only to origins named one by one: a page on any
//! site must not be able to drive an editor's session.

use actix_cors::Cors;
use actix_web::dev::RequestHead;
use actix_web::http::header::{self, HeaderValue};

/// Origins as configured: `*`, or exact origins such as `https://news.example.com`.
#[derive(Debug, Clone)]
pub struct CorsSettings {
    pub origins: Vec<String>,
}

impl Default for CorsSettings {
    fn default() -> Self {
        CorsSettings {
            origins: vec!["*".into()],
        }
    }
}

impl CorsSettings {
    /// A comma-separated list; each origin is a scheme, a host and maybe a port.
    pub fn parse(raw: &str) -> Result<CorsSettings, String> {
        let mut origins = Vec::new();
        for origin in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if origin != "*" {
                let url = url::Url::parse(origin).map_err(|_| format!("{origin:?} is not an origin"))?;
                if url.origin().ascii_serialization() != origin.trim_end_matches('/') {
                    return Err(format!(
                        "{origin:?} is not an origin: give a scheme, a host and a port only, e.g. https://news.example.com"
                    ));
                }
            }
            origins.push(origin.trim_end_matches('/').to_owned());
        }
        Ok(CorsSettings { origins })
    }

    fn named(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    fn any(&self) -> bool {
        self.origins.iter().any(|o| o == "*")
    }

    /// Whether `origin` may make this request (or, for a preflight, the request it announces).
    fn allows(&self, origin: &HeaderValue, head: &RequestHead) -> bool {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        if self.named(origin) {
            return true;
        }
        self.any() && !is_private(head)
    }
}

/// An editorial route, or a request that carries credentials.
fn is_private(head: &RequestHead) -> bool {
    let path = head.uri.path();
    if path.starts_with("/v1/editor/") || path.starts_with("/v1/auth/") || path.starts_with("/v1/preview/") {
        return true;
    }
    let credential =
        |name: &str| name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("x-api-key");
    if head.headers().contains_key(header::AUTHORIZATION) || head.headers().contains_key("x-api-key") {
        return true;
    }
    head.headers()
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| list.split(',').any(|h| credential(h.trim())))
}

pub fn middleware(settings: &CorsSettings) -> Cors {
    let settings = settings.clone();
    Cors::default()
        .allowed_origin_fn(move |origin, head| settings.allows(origin, head))
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-api-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("ratelimit-limit"),
            header::HeaderName::from_static("ratelimit-remaining"),
            header::HeaderName::from_static("ratelimit-reset"),
            header::HeaderName::from_static("masthead-warning"),
            header::HeaderName::from_static("masthead-view"),
        ])
        .max_age(86_400)
}

/// actix-cors answers a preflight 200; it has no content, so 204 says so.
pub async fn preflight_no_content(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let preflight = req.method() == actix_web::http::Method::OPTIONS
        && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = next.call(req).await?;
    if preflight
        && response.status() == actix_web::http::StatusCode::OK
        && response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    {
        *response.response_mut().status_mut() = actix_web::http::StatusCode::NO_CONTENT;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked_when_configured() {
        assert!(CorsSettings::parse("https://news.example.com, http://localhost:3000").is_ok());
        assert!(CorsSettings::parse("*").is_ok());
        assert!(CorsSettings::parse("news.example.com").is_err());
        assert!(CorsSettings::parse("https://news.example.com/path").is_err());
    }
}
