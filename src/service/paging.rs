//! Page sizes and cursors, validated once for every list.

use crate::content::cursor::{ArticleCursor, NameCursor};
use crate::error::AppError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// A validated request for one page. `C` is the cursor type of the list.
#[derive(Debug, Clone)]
pub struct PageRequest<C> {
    pub limit: i64,
    pub after: Option<C>,
}

/// Items of one page and the cursor after its last item (none on the last page).
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Parses a cursor of type `C`; adapters name their own parameters (`limit`/`cursor` over
/// REST, `first`/`after` over GraphQL) so errors point at what the client sent.
pub trait Cursor: Sized {
    fn decode(raw: &str) -> Option<Self>;
}

impl Cursor for ArticleCursor {
    fn decode(raw: &str) -> Option<Self> {
        ArticleCursor::decode(raw)
    }
}

impl Cursor for NameCursor {
    fn decode(raw: &str) -> Option<Self> {
        NameCursor::decode(raw)
    }
}

impl<C: Cursor> PageRequest<C> {
    pub fn first() -> PageRequest<C> {
        PageRequest {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }

    pub fn parse(
        limit: Option<i64>,
        cursor: Option<&str>,
        (limit_name, cursor_name): (&str, &str),
    ) -> Result<PageRequest<C>, AppError> {
        let limit = limit_within(limit, DEFAULT_LIMIT, MAX_LIMIT, limit_name)?;
        let after = match cursor {
            None => None,
            Some(raw) => Some(C::decode(raw).ok_or_else(|| {
                AppError::invalid(
                    cursor_name,
                    format!("{cursor_name} is not a cursor this API issued; use a next_cursor/endCursor value as is"),
                )
            })?),
        };
        Ok(PageRequest { limit, after })
    }
}

/// A list's size as asked (`default` when not), refused outside 1 to `max` under the name
/// the client used for it.
pub fn limit_within(limit: Option<i64>, default: i64, max: i64, name: &str) -> Result<i64, AppError> {
    let limit = limit.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(AppError::invalid(
            name,
            format!("{name} must be between 1 and {max}, got {limit}"),
        ));
    }
    Ok(limit)
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only says another page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Page<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(cursor_of) } else { None };
        Page {
            items: rows,
            next_cursor,
        }
    }
}
