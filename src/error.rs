//! One error type for the whole service, rendered as `application/problem+json` (RFC 9457)
//! over REST and as an error with `extensions.code` over GraphQL. Both carry the same code.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{detail}")]
    NotFound { detail: String },
    #[error("{detail}")]
    InvalidParameter { parameter: String, detail: String },
    /// Input that parsed but breaks a rule; every field at fault is listed.
    #[error("the input is not valid: {}", summarise(.0))]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// The caller edited a version that is no longer current.
    #[error("{0}")]
    Conflict(String),
    /// The target is still referenced and cannot be removed.
    #[error("{0}")]
    InUse(String),
    /// The article takes no comments (any more).
    #[error("{0}")]
    CommentsClosed(String),
    /// An idempotency key came back with a different request.
    #[error("{0}")]
    KeyReused(String),
    /// The change would leave nobody able to administer the newsroom.
    #[error("{0}")]
    LastAdmin(String),
    /// A sync token older than the change log keeps: the client starts over.
    #[error("{0}")]
    SyncTokenExpired(String),
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{method} is not allowed here; this path answers {allowed}")]
    MethodNotAllowed { method: String, allowed: String },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many requests; retry in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    #[error("the database is not available")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// The error of a producer whose waiters share it (see `ContentService::response`):
    /// the error itself when nobody else holds it, else an equal one.
    pub fn shared(e: Arc<AppError>) -> AppError {
        Arc::try_unwrap(e).unwrap_or_else(|e| e.duplicate())
    }

    fn duplicate(&self) -> AppError {
        use AppError::*;
        match self {
            NotFound { detail } => NotFound {
                detail: detail.clone(),
            },
            InvalidParameter { parameter, detail } => InvalidParameter {
                parameter: parameter.clone(),
                detail: detail.clone(),
            },
            Validation(errors) => Validation(errors.clone()),
            Unauthenticated(m) => Unauthenticated(m.clone()),
            Forbidden(m) => Forbidden(m.clone()),
            Conflict(m) => Conflict(m.clone()),
            InUse(m) => InUse(m.clone()),
            CommentsClosed(m) => CommentsClosed(m.clone()),
            KeyReused(m) => KeyReused(m.clone()),
            LastAdmin(m) => LastAdmin(m.clone()),
            SyncTokenExpired(m) => SyncTokenExpired(m.clone()),
            PayloadTooLarge { limit } => PayloadTooLarge { limit: *limit },
            MethodNotAllowed { method, allowed } => MethodNotAllowed {
                method: method.clone(),
                allowed: allowed.clone(),
            },
            UnsupportedMediaType(m) => UnsupportedMediaType(m.clone()),
            RateLimited { retry_after_seconds } => RateLimited {
                retry_after_seconds: *retry_after_seconds,
            },
            Unavailable(e) => Unavailable(anyhow::anyhow!("{e:#}")),
            Internal(e) => Internal(anyhow::anyhow!("{e:#}")),
        }
    }
}

/// One field at fault in a request body.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct FieldError {
    /// The field, as the client named it (`title`, `authors[1].slug`).
    pub field: String,
    /// Stable machine-readable code, e.g. `required`, `too_long`, `unknown`, `taken`.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

fn summarise(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl AppError {
    pub fn not_found(what: &str, key: impl std::fmt::Display) -> AppError {
        AppError::NotFound {
            detail: format!("no {what} {key}"),
        }
    }

    pub fn invalid(parameter: impl Into<String>, detail: impl Into<String>) -> AppError {
        AppError::InvalidParameter {
            parameter: parameter.into(),
            detail: detail.into(),
        }
    }

    pub fn field(field: impl Into<String>, code: &str, message: impl Into<String>) -> AppError {
        AppError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn unauthenticated(detail: impl Into<String>) -> AppError {
        AppError::Unauthenticated(detail.into())
    }

    pub fn forbidden(detail: impl Into<String>) -> AppError {
        AppError::Forbidden(detail.into())
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(e.into())
    }

    pub fn unavailable(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Unavailable(e.into())
    }

    /// The stable code clients branch on; REST uses it as is, GraphQL upper-cased.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound { .. } => "not_found",
            AppError::InvalidParameter { .. } => "invalid_parameter",
            AppError::Validation(_) => "validation_failed",
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::Conflict(_) => "conflict",
            AppError::InUse(_) => "in_use",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::LastAdmin(_) => "last_admin",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::CommentsClosed(_) => "comments_closed",
            AppError::KeyReused(_) => "idempotency_key_reused",
            AppError::SyncTokenExpired(_) => "sync_token_expired",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::NotFound { .. } => "Not found",
            AppError::InvalidParameter { .. } => "Invalid parameter",
            AppError::Validation(_) => "Validation failed",
            AppError::Unauthenticated(_) => "Authentication required",
            AppError::Forbidden(_) => "Forbidden",
            AppError::Conflict(_) => "Version conflict",
            AppError::InUse(_) => "Still in use",
            AppError::RateLimited { .. } => "Too many requests",
            AppError::LastAdmin(_) => "The last administrator",
            AppError::PayloadTooLarge { .. } => "Request body too large",
            AppError::MethodNotAllowed { .. } => "Method not allowed",
            AppError::UnsupportedMediaType(_) => "Unsupported media type",
            AppError::CommentsClosed(_) => "Comments are closed",
            AppError::KeyReused(_) => "Idempotency key reused",
            AppError::SyncTokenExpired(_) => "Sync token expired",
            AppError::Unavailable(_) => "Service unavailable",
            AppError::Internal(_) => "Internal server error",
        }
    }

    fn parameter(&self) -> Option<&str> {
        match self {
            AppError::InvalidParameter { parameter, .. } => Some(parameter),
            _ => None,
        }
    }

    fn field_errors(&self) -> Option<&[FieldError]> {
        match self {
            AppError::Validation(errors) => Some(errors),
            _ => None,
        }
    }

    /// Logs what the client is not told, once, where the error becomes a response.
    fn log(&self) {
        match self {
            AppError::Internal(e) => tracing::error!(error = %format!("{e:#}"), "request failed"),
            AppError::Unavailable(e) => tracing::warn!(error = %format!("{e:#}"), "database unavailable"),
            _ => {}
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            r#type: format!("urn:masthead:problem:{}", self.code()),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail: self.to_string(),
            code: self.code().to_owned(),
            parameter: self.parameter().map(str::to_owned),
            errors: self.field_errors().map(<[FieldError]>::to_vec),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        AppError::internal(e)
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; stable per `code`.
    #[schema(example = "urn:masthead:problem:invalid_parameter")]
    pub r#type: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, for a human.
    pub detail: String,
    /// Stable machine-readable code, the same as GraphQL's `extensions.code` (lower-cased).
    #[schema(example = "invalid_parameter")]
    pub code: String,
    /// The query or path parameter at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Every field at fault, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::PRECONDITION_FAILED,
            AppError::InUse(_) => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::LastAdmin(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::CommentsClosed(_) => StatusCode::FORBIDDEN,
            AppError::KeyReused(_) => StatusCode::CONFLICT,
            AppError::SyncTokenExpired(_) => StatusCode::GONE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let mut response = HttpResponse::build(self.status_code());
        response
            .content_type(PROBLEM_JSON)
            .insert_header(("cache-control", "no-store"));
        match self {
            AppError::RateLimited { retry_after_seconds } => {
                response.insert_header(("retry-after", retry_after_seconds.to_string()));
            }
            AppError::Unauthenticated(_) => {
                response.insert_header(("www-authenticate", "Bearer"));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl async_graphql::ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        self.log();
        let message = match self {
            AppError::Internal(_) | AppError::Unavailable(_) => self.title().to_owned(),
            _ => self.to_string(),
        };
        let code = self.code().to_ascii_uppercase();
        let parameter = self.parameter().map(str::to_owned);
        let errors = self.field_errors().map(|errors| {
            async_graphql::Value::List(
                errors
                    .iter()
                    .map(|e| {
                        let mut map = async_graphql::indexmap::IndexMap::new();
                        map.insert(
                            async_graphql::Name::new("field"),
                            async_graphql::Value::from(e.field.clone()),
                        );
                        map.insert(
                            async_graphql::Name::new("code"),
                            async_graphql::Value::from(e.code.clone()),
                        );
                        map.insert(
                            async_graphql::Name::new("message"),
                            async_graphql::Value::from(e.message.clone()),
                        );
                        async_graphql::Value::Object(map)
                    })
                    .collect(),
            )
        });
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(p) = parameter {
                ext.set("parameter", p);
            }
            if let Some(errors) = errors {
                ext.set("errors", errors);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::ErrorExtensions;

    #[test]
    fn every_variant_has_matching_status_and_codes() {
        let cases = [
            (AppError::not_found("article", "x"), 404, "not_found"),
            (AppError::invalid("limit", "too big"), 400, "invalid_parameter"),
            (
                AppError::field("title", "required", "Give a title."),
                422,
                "validation_failed",
            ),
            (AppError::unauthenticated("no token"), 401, "unauthenticated"),
            (AppError::forbidden("no"), 403, "forbidden"),
            (AppError::Conflict("old version".into()), 412, "conflict"),
            (AppError::InUse("has articles".into()), 409, "in_use"),
            (
                AppError::RateLimited {
                    retry_after_seconds: 3,
                },
                429,
                "rate_limited",
            ),
            (AppError::unavailable(anyhow::anyhow!("down")), 503, "unavailable"),
            (AppError::internal(anyhow::anyhow!("boom")), 500, "internal"),
        ];
        for (err, status, code) in cases {
            let problem = err.problem();
            assert_eq!(problem.status, status);
            assert_eq!(problem.code, code);
            let gql = err.extend();
            let ext = gql.extensions.expect("extensions");
            assert_eq!(
                ext.get("code"),
                Some(&async_graphql::Value::from(code.to_ascii_uppercase()))
            );
        }
    }

    #[test]
    fn internal_details_never_reach_the_client() {
        let err = AppError::internal(anyhow::anyhow!("no such table: articles"));
        assert!(!err.problem().detail.contains("table"));
        assert!(!err.extend().message.contains("table"));
    }

    #[test]
    fn validation_lists_every_field() {
        let err = AppError::Validation(vec![
            FieldError::new("title", "required", "Give a title."),
            FieldError::new("section", "unknown", "No such section."),
        ]);
        let problem = err.problem();
        assert_eq!(problem.errors.as_ref().map(Vec::len), Some(2));
        let ext = err.extend().extensions.expect("extensions");
        assert!(matches!(ext.get("errors"), Some(async_graphql::Value::List(l)) if l.len() == 2));
    }
}
