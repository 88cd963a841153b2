//! Opaque pagination cursors. A cursor is the sort key of the last item of a page; clients
//! must treat it as an opaque string.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime};

/// The one encoding of every cursor: `kind:field:field…` in URL-safe base64. The kind names
/// the list a cursor belongs to, so one list's cursor is refused by another; the last field
/// may itself hold `:` (a name).
pub fn encode(kind: Kind, fields: &[&dyn std::fmt::Display]) -> String {
    let mut text = kind.tag().to_owned();
    for field in fields {
        text.push(':');
        text.push_str(&field.to_string());
    }
    URL_SAFE_NO_PAD.encode(text)
}

/// The `n` fields of a cursor of `kind`, or `None` for anything this API did not issue.
pub fn decode(kind: Kind, raw: &str, n: usize) -> Option<Vec<String>> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    let rest = text.strip_prefix(kind.tag())?.strip_prefix(':')?;
    let fields: Vec<String> = rest.splitn(n, ':').map(str::to_owned).collect();
    (fields.len() == n).then_some(fields)
}

/// Which list a cursor pages through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Public articles, newest first.
    Article,
    /// Tags and authors by name.
    Name,
    /// Comments of a thread, oldest first.
    Comment,
    /// The editors' article list.
    Editorial,
    /// Search results, by rank.
    Search,
    /// Where a client's synced copy stands (a delta sync's `next_token`).
    SyncToken,
    /// The rest of a sync under way (`next_page`).
    SyncPage,
}

impl Kind {
    // The tags of the first cursors issued: changing one would break every saved cursor.
    fn tag(self) -> &'static str {
        match self {
            Kind::Article => "a1",
            Kind::Name => "n1",
            Kind::Comment => "c1",
            Kind::Editorial => "e1",
            Kind::Search => "s1",
            Kind::SyncToken => "y1",
            Kind::SyncPage => "p1",
        }
    }
}

/// A position in a list ordered by a time and an id (articles, comments, the editors' list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeCursor {
    pub at: NaiveDateTime,
    pub id: i64,
}

impl TimeCursor {
    pub fn encode(&self, kind: Kind) -> String {
        encode(kind, &[&self.at.and_utc().timestamp_micros(), &self.id])
    }

    pub fn decode(kind: Kind, raw: &str) -> Option<TimeCursor> {
        let fields = decode(kind, raw, 2)?;
        let micros: i64 = fields[0].parse().ok()?;
        let id: i64 = fields[1].parse().ok()?;
        let at = DateTime::from_timestamp_micros(micros)?.naive_utc();
        Some(TimeCursor { at, id })
    }
}

/// Position after an article in newest-first order: (published_at, id), both descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArticleCursor {
    pub published_at: NaiveDateTime,
    pub id: i64,
}

impl ArticleCursor {
    pub fn encode(&self) -> String {
        TimeCursor {
            at: self.published_at,
            id: self.id,
        }
        .encode(Kind::Article)
    }

    pub fn decode(raw: &str) -> Option<ArticleCursor> {
        let TimeCursor { at, id } = TimeCursor::decode(Kind::Article, raw)?;
        Some(ArticleCursor { published_at: at, id })
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
        encode(Kind::Name, &[&self.id, &self.name])
    }

    pub fn decode(raw: &str) -> Option<NameCursor> {
        let mut fields = decode(Kind::Name, raw, 2)?;
        Some(NameCursor {
            name: fields.pop()?,
            id: fields[0].parse().ok()?,
        })
    }
}

/// The position after `offset` items of a ranked list.
pub fn encode_offset(offset: i64) -> String {
    encode(Kind::Search, &[&offset])
}

pub fn decode_offset(raw: &str) -> Option<i64> {
    decode(Kind::Search, raw, 1)?[0]
        .parse()
        .ok()
        .filter(|o: &i64| *o >= 0)
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

    #[test]
    fn a_cursor_of_one_list_is_refused_by_another() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_000_000)
            .unwrap()
            .naive_utc();
        let comment = TimeCursor { at, id: 3 }.encode(Kind::Comment);
        assert_eq!(
            TimeCursor::decode(Kind::Comment, &comment),
            Some(TimeCursor { at, id: 3 })
        );
        assert_eq!(TimeCursor::decode(Kind::Editorial, &comment), None);
        assert_eq!(ArticleCursor::decode(&comment), None);
        assert_eq!(decode_offset(&encode_offset(40)), Some(40));
        assert_eq!(decode_offset(&encode(Kind::Search, &[&-1])), None);
    }
}
