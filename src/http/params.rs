//! Query parameters arrive as strings and are checked here, so that every mistake gets a
//! problem document naming the parameter instead of a framework's generic 400.

use chrono::{DateTime, NaiveDate, Utc};

use crate::content::BodyFormat;
use crate::error::AppError;

/// A text filter (a slug, a cursor): an absent or empty one is no filter.
pub fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A typed parameter (a number, a time, one of a few words): absent is the default, but
/// given empty it is a mistake, as the OpenAPI document says.
pub fn given<'a>(name: &str, value: &'a Option<String>) -> Result<Option<&'a str>, AppError> {
    match value.as_deref().map(str::trim) {
        None => Ok(None),
        Some("") => Err(AppError::invalid(
            name,
            format!("{name} is empty: leave it out or give a value"),
        )),
        Some(v) => Ok(Some(v)),
    }
}

pub fn limit(value: &Option<String>) -> Result<Option<i64>, AppError> {
    given("limit", value)?
        .map(|raw| {
            raw.parse::<i64>().map_err(|_| {
                AppError::invalid(
                    "limit",
                    format!("limit must be a whole number between 1 and 100, got {raw:?}"),
                )
            })
        })
        .transpose()
}

/// An RFC 3339 instant (`2026-05-01T12:00:00Z`) or a date (`2026-05-01`, midnight UTC).
pub fn instant(name: &str, value: &Option<String>) -> Result<Option<DateTime<Utc>>, AppError> {
    let Some(raw) = given(name, value)? else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()));
    }
    Err(AppError::invalid(
        name,
        format!(
            "{name} must be an RFC 3339 time such as 2026-05-01T12:00:00Z or a date such as 2026-05-01, got {raw:?}"
        ),
    ))
}

pub fn body_format(value: &Option<String>) -> Result<BodyFormat, AppError> {
    match given("body", value)? {
        None => Ok(BodyFormat::default()),
        Some(raw) => BodyFormat::parse(raw).ok_or_else(|| {
            AppError::invalid(
                "body",
                format!("body must be one of blocks, html or text, got {raw:?}"),
            )
        }),
    }
}

pub fn slug(value: &Option<String>) -> Option<String> {
    present(value).map(str::to_owned)
}
