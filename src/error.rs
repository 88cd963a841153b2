//! One error type for the whole service, rendered as `application/problem+json` (RFC 9457)
//! over REST and as an error with `extensions.code` over GraphQL. Both carry the same code.

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
    #[error("the database is not available")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
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
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::NotFound { .. } => "Not found",
            AppError::InvalidParameter { .. } => "Invalid parameter",
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

    /// Logs what the client is not told, once, where the error becomes a response.
    fn log(&self) {
        match self {
            AppError::Internal(e) => tracing::error!(error = ?e, "request failed"),
            AppError::Unavailable(e) => tracing::warn!(error = ?e, "database unavailable"),
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
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        HttpResponse::build(self.status_code())
            .content_type(PROBLEM_JSON)
            .insert_header(("cache-control", "no-store"))
            .json(self.problem())
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
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(p) = parameter {
                ext.set("parameter", p);
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
}
