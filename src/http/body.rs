//! JSON request bodies, read strictly: a body that is not JSON is a 400, a value of the wrong
//! kind, an unknown field or a control character is a 422 naming the field, and in every
//! case nothing is changed. A lenient reader once published an embargoed article at once
//! because its time had a typo.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::edge;
use crate::error::{AppError, FieldError};

/// A JSON body of type `T`. `Body<Option<T>>` also takes an empty body, as `None`.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let bytes = edge::read_body(&req, payload).await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return serde_json::from_value::<T>(serde_json::Value::Null)
                    .map(Body)
                    .map_err(|_| {
                        AppError::invalid("body", "this route takes a JSON body; the request had none")
                    });
            }
            require_json(&req)?;
            parse(&bytes).map(Body)
        })
    }
}

/// `application/json` or any `+json` type.
pub fn require_json(req: &HttpRequest) -> Result<(), AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType(format!(
            "send the body as application/json, not {:?}",
            if content_type.is_empty() {
                "nothing"
            } else {
                content_type
            }
        )))
    }
}

/// Parses `bytes` as `T`, naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| AppError::invalid("body", format!("the request body is not valid JSON: {e}")))?;
    check_strings(&value, "")?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        AppError::Validation(vec![field_error(&path, &message)])
    })
}

/// serde's message, turned into a field, a stable code and a sentence for people.
fn field_error(path: &str, message: &str) -> FieldError {
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let quoted = message.split('`').nth(1).unwrap_or_default();
    if message.starts_with("unknown field") {
        // The path already ends with the unknown name.
        let field = if path.ends_with(quoted) {
            path.to_owned()
        } else {
            join(quoted)
        };
        return FieldError::new(field, "unknown_field", message);
    }
    if message.starts_with("missing field") {
        return FieldError::new(join(quoted), "required", format!("{quoted} is required"));
    }
    let field = if path.is_empty() || path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    FieldError::new(field, "invalid", message)
}

/// Every string in the body, keys included, free of control characters.
pub fn check_strings(value: &serde_json::Value, path: &str) -> Result<(), AppError> {
    let here = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    match value {
        serde_json::Value::String(s) => match edge::forbidden_in(s) {
            Some(c) => Err(AppError::Validation(vec![FieldError::new(
                if path.is_empty() { "body" } else { path },
                "control_character",
                edge::control_message("the value", c),
            )])),
            None => Ok(()),
        },
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_strings(v, &format!("{path}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            if let Some(c) = edge::forbidden_in(k) {
                return Err(AppError::Validation(vec![FieldError::new(
                    here("?"),
                    "control_character",
                    edge::control_message("a field name", c),
                )]));
            }
            check_strings(v, &here(k))
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Publish {
        #[allow(dead_code)]
        published_at: Option<DateTime<Utc>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        #[allow(dead_code)]
        title: String,
        #[allow(dead_code)]
        authors: Vec<Publish>,
    }

    fn fault<T: DeserializeOwned + std::fmt::Debug>(raw: &str) -> (u16, String, String) {
        use actix_web::ResponseError;
        let err = parse::<T>(raw.as_bytes()).expect_err("must be refused");
        let problem = err.problem();
        let first = problem.errors.as_ref().and_then(|e| e.first().cloned());
        (
            err.status_code().as_u16(),
            first
                .as_ref()
                .map(|f| f.field.clone())
                .or(problem.parameter)
                .unwrap_or_default(),
            first.map(|f| f.code).unwrap_or_default(),
        )
    }

    #[test]
    fn a_mistyped_publish_body_is_refused_with_the_field_named() {
        assert_eq!(fault::<Publish>(r#"{"published_at":"2030-13-45"}"#).0, 422);
        assert_eq!(
            fault::<Publish>(r#"{"published_at":"2030-13-45"}"#).1,
            "published_at"
        );
        assert_eq!(fault::<Publish>(r#"{"published_at":20300101}"#).1, "published_at");
        assert_eq!(
            fault::<Publish>(r#"{"publish_at":"2030-01-01T00:00:00Z"}"#),
            (422, "publish_at".into(), "unknown_field".into())
        );
        assert_eq!(fault::<Publish>(r#"{"published_at":"2030-01"#).0, 400);
        assert!(parse::<Publish>(br#"{"published_at":"2030-01-01T00:00:00Z"}"#).is_ok());
    }

    #[test]
    fn nested_fields_are_named_by_their_path() {
        assert_eq!(
            fault::<Outer>(r#"{"title":"a","authors":[{"published_at":null},{"when":1}]}"#),
            (422, "authors[1].when".into(), "unknown_field".into())
        );
        assert_eq!(
            fault::<Outer>(r#"{"authors":[]}"#),
            (422, "title".into(), "required".into())
        );
        assert_eq!(
            fault::<Outer>("{\"title\":\"a\\u0000b\",\"authors\":[]}"),
            (422, "title".into(), "control_character".into())
        );
    }
}
