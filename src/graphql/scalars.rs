//! Scalars whose text must match REST byte for byte.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, SecondsFormat, Utc};

/// An instant in RFC 3339 form, in UTC with a `Z` suffix, as REST writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTimeUtc(pub DateTime<Utc>);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTimeUtc {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => DateTime::parse_from_rfc3339(s)
                .map(|t| DateTimeUtc(t.with_timezone(&Utc)))
                .map_err(|_| InputValueError::custom(format!("{s:?} is not an RFC 3339 time"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}
