//! The full-text index: SQLite's FTS5 or PostgreSQL's tsvector with a GIN index. The two
//! engines differ enough that each has its own SQL here.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text, Timestamp};

use super::DbConn;

/// What is searchable about one article.
pub struct SearchDocument<'a> {
    pub id: i64,
    pub title: &'a str,
    pub subtitle: &'a str,
    pub body: &'a str,
    pub tags: &'a str,
    pub authors: &'a str,
}

/// Writes (or rewrites) an article's entry in the index.
pub fn index(conn: &mut DbConn, doc: &SearchDocument<'_>) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query("DELETE FROM article_search WHERE rowid = ?")
                .bind::<BigInt, _>(doc.id)
                .execute(c)?;
            diesel::sql_query(
                "INSERT INTO article_search (rowid, title, subtitle, body, tags, authors) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind::<BigInt, _>(doc.id)
            .bind::<Text, _>(doc.title)
            .bind::<Text, _>(doc.subtitle)
            .bind::<Text, _>(doc.body)
            .bind::<Text, _>(doc.tags)
            .bind::<Text, _>(doc.authors)
            .execute(c)?;
        }
        DbConn::Pg(c) => {
            diesel::sql_query(
                "INSERT INTO article_search (article_id, body, document) VALUES ($1, $4, \
                   setweight(to_tsvector('english', $2), 'A') || setweight(to_tsvector('english', $3), 'B') || \
                   setweight(to_tsvector('english', $5 || ' ' || $6), 'B') || setweight(to_tsvector('english', $4), 'C')) \
                 ON CONFLICT (article_id) DO UPDATE SET body = EXCLUDED.body, document = EXCLUDED.document",
            )
            .bind::<BigInt, _>(doc.id)
            .bind::<Text, _>(doc.title)
            .bind::<Text, _>(doc.subtitle)
            .bind::<Text, _>(doc.body)
            .bind::<Text, _>(doc.tags)
            .bind::<Text, _>(doc.authors)
            .execute(c)?;
        }
    }
    Ok(())
}

/// Indexes many articles at once: the bulk path. PostgreSQL takes the whole batch in one
/// statement; SQLite's inserts are in-process and cheap one by one.
pub fn index_many(conn: &mut DbConn, docs: &[SearchDocument<'_>]) -> QueryResult<()> {
    use diesel::pg::sql_types::Array;
    match conn {
        DbConn::Sqlite(_) => {
            for doc in docs {
                index(conn, doc)?;
            }
        }
        DbConn::Pg(c) => {
            fn column<'a>(docs: &[SearchDocument<'a>], f: fn(&SearchDocument<'a>) -> &'a str) -> Vec<String> {
                docs.iter().map(|d| f(d).to_owned()).collect()
            }
            diesel::sql_query(
                "INSERT INTO article_search (article_id, body, document) \
                 SELECT id, body, setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', subtitle), 'B') || \
                   setweight(to_tsvector('english', tags || ' ' || authors), 'B') || setweight(to_tsvector('english', body), 'C') \
                 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) \
                   AS d(id, title, subtitle, body, tags, authors) \
                 ON CONFLICT (article_id) DO UPDATE SET body = EXCLUDED.body, document = EXCLUDED.document",
            )
            .bind::<Array<BigInt>, _>(docs.iter().map(|d| d.id).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(column(docs, |d| d.title))
            .bind::<Array<Text>, _>(column(docs, |d| d.subtitle))
            .bind::<Array<Text>, _>(column(docs, |d| d.body))
            .bind::<Array<Text>, _>(column(docs, |d| d.tags))
            .bind::<Array<Text>, _>(column(docs, |d| d.authors))
            .execute(c)?;
        }
    }
    Ok(())
}

pub fn remove(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query("DELETE FROM article_search WHERE rowid = ?")
                .bind::<BigInt, _>(id)
                .execute(c)?;
        }
        DbConn::Pg(c) => {
            diesel::sql_query("DELETE FROM article_search WHERE article_id = $1")
                .bind::<BigInt, _>(id)
                .execute(c)?;
        }
    }
    Ok(())
}

/// A search over public articles.
pub struct SearchQuery {
    /// For FTS5: a MATCH expression built from the user's words and phrases.
    pub fts5: String,
    /// For PostgreSQL: the user's text, for `websearch_to_tsquery`.
    pub websearch: String,
    /// A section and its descendants (ids the service resolved).
    pub section_ids: Option<Vec<i64>>,
    pub published_after: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Double)]
    pub score: f64,
    /// Body text around the matches, with \u{1} and \u{2} around each match.
    #[diesel(sql_type = Text)]
    pub snippet: String,
}

const START: &str = "\u{1}";
const STOP: &str = "\u{2}";

/// Best first, ties broken by newer id; `limit` hits from `offset`.
pub fn search(conn: &mut DbConn, q: &SearchQuery, now: NaiveDateTime) -> QueryResult<Vec<Hit>> {
    // Section ids are integers from our own tree, so they are written into the SQL.
    let sections = |column_prefix: &str| match &q.section_ids {
        Some(ids) => {
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            format!(
                " AND ({column_prefix}section_id IN ({list}) OR {column_prefix}id IN \
                 (SELECT article_id FROM article_sections WHERE section_id IN ({list})))"
            )
        }
        None => String::new(),
    };
    let after = q.published_after.unwrap_or_default();
    let before = q.published_before.unwrap_or(now + chrono::Duration::days(1));
    match conn {
        DbConn::Sqlite(c) => {
            let sql = format!(
                "SELECT a.id AS id, -bm25(article_search, 10.0, 4.0, 1.0, 3.0, 3.0) AS score, \
                   snippet(article_search, 2, '{START}', '{STOP}', '…', 24) AS snippet \
                 FROM article_search JOIN articles a ON a.id = article_search.rowid \
                 WHERE article_search MATCH ? AND a.status IN ('published', 'scheduled') AND a.published_at <= ? \
                   AND a.published_at >= ? AND a.published_at < ?{} \
                 ORDER BY score DESC, a.id DESC LIMIT ? OFFSET ?",
                sections("a.")
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(&q.fts5)
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(after)
                .bind::<Timestamp, _>(before)
                .bind::<BigInt, _>(q.limit)
                .bind::<BigInt, _>(q.offset)
                .load(c)
        }
        DbConn::Pg(c) => {
            let sql = format!(
                "SELECT a.id AS id, ts_rank_cd(s.document, query)::float8 AS score, \
                   ts_headline('english', s.body, query, 'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, ShortWord=2') AS snippet \
                 FROM article_search s JOIN articles a ON a.id = s.article_id, websearch_to_tsquery('english', $1) query \
                 WHERE s.document @@ query AND a.status IN ('published', 'scheduled') AND a.published_at <= $2 \
                   AND a.published_at >= $3 AND a.published_at < $4{} \
                 ORDER BY score DESC, a.id DESC LIMIT $5 OFFSET $6",
                sections("a.")
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(&q.websearch)
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(after)
                .bind::<Timestamp, _>(before)
                .bind::<BigInt, _>(q.limit)
                .bind::<BigInt, _>(q.offset)
                .load(c)
        }
    }
}

pub fn marks() -> (&'static str, &'static str) {
    (START, STOP)
}
