//! Opaque pagination cursors. A cursor is the sort key of the last item of a page; clients
//! must treat it as an opaque string.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime};

/// Position after an article in newest-first order: (published_at, id), both descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArticleCursor {
    pub published_at: NaiveDateTime,
    pub id: i64,
}

impl ArticleCursor {
    pub fn encode(&self) -> String {
        let micros = self.published_at.and_utc().timestamp_micros();
        URL_SAFE_NO_PAD.encode(format!("a1:{micros}:{}", self.id))
    }

    pub fn decode(raw: &str) -> Option<ArticleCursor> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let mut parts = text.strip_prefix("a1:")?.split(':');
        let micros: i64 = parts.next()?.parse().ok()?;
        let id: i64 = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        let published_at = DateTime::from_timestamp_micros(micros)?.naive_utc();
        Some(ArticleCursor { published_at, id })
    }
}

/// Position after a name in alphabetical lists (tags, authors): (name, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCursor {
    pub name: String,
    pub id: i64,
}

impl NameCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("n1:{}:{}", self.id, self.name))
    }

    pub fn decode(raw: &str) -> Option<NameCursor> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (id, name) = text.strip_prefix("n1:")?.split_once(':')?;
        Some(NameCursor {
            name: name.to_owned(),
            id: id.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_cursor_round_trips_and_rejects_garbage() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456)
            .unwrap()
            .naive_utc();
        let c = ArticleCursor {
            published_at: at,
            id: 42,
        };
        assert_eq!(ArticleCursor::decode(&c.encode()), Some(c));
        for bad in ["", "!!!", "bjE6MTp4", &URL_SAFE_NO_PAD.encode("a1:1:2:3")] {
            assert_eq!(ArticleCursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn name_cursor_round_trips() {
        let c = NameCursor {
            name: "Ünïcode: name".into(),
            id: 7,
        };
        assert_eq!(NameCursor::decode(&c.encode()), Some(c));
        assert_eq!(NameCursor::decode("garbage"), None);
    }
}
