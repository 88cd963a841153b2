//! Article queries. Every public query filters through [`public!`], the one definition of
//! what a reader may see.

use crate::content::status::{ArticleStatus, Discussion};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::DbConn;
use super::schema::{
    article_authors, article_documents, article_sections, article_tags, articles, authors,
    content_generation, corrections, media, tags,
};
use super::taxonomy::{AuthorRow, TagRow};
use crate::content::cursor::ArticleCursor;
use crate::with_conn;

pub use crate::content::status::PUBLIC_STATUS_SQL;

/// `column IN ids` on a boxed query, written as `=` for one id: diesel keeps that prepared,
/// where an `IN` list is parsed and planned anew on SQLite every time, and one article's
/// relations are what most reads ask for.
macro_rules! among {
    ($query:expr, $column:expr, $ids:expr) => {
        match $ids {
            [one] => $query.filter($column.eq(*one)),
            many => $query.filter($column.eq_any(many)),
        }
    };
}

/// Public means: a status that can be public, and a publication time that has come.
macro_rules! public {
    ($now:expr) => {
        PublicStatus.and(articles::published_at.le($now))
    };
}

/// The statuses that can be public. Written out as literal SQL, since both planners match
/// the partial indexes on it only then; a type of its own rather than `sql()`, which diesel
/// never keeps prepared, so every public read would be parsed and planned anew.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
pub struct PublicStatus;

impl diesel::Expression for PublicStatus {
    type SqlType = Bool;
}

impl<QS> diesel::AppearsOnTable<QS> for PublicStatus where articles::status: diesel::AppearsOnTable<QS> {}

impl<QS> diesel::SelectableExpression<QS> for PublicStatus where
    articles::status: diesel::SelectableExpression<QS>
{
}

impl<GB> diesel::expression::ValidGrouping<GB> for PublicStatus {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for PublicStatus {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(PUBLIC_STATUS_SQL);
        Ok(())
    }
}

/// An article without its body (lists never need the body).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub dateline: String,
    pub excerpt: String,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub section_id: i64,
    pub featured_media_id: Option<i64>,
    pub canonical_url: Option<String>,
    pub language: String,
    pub comment_status: Discussion,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media)]
pub struct MediaRow {
    pub id: i64,
    pub url: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = corrections)]
pub struct CorrectionRow {
    pub id: i64,
    pub article_id: i64,
    pub noted_at: NaiveDateTime,
    pub note: String,
}

/// Which public articles a list wants, and where the page starts.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Primary or secondary section in this set (a section and its descendants).
    pub section_ids: Option<Vec<i64>>,
    pub tag_id: Option<i64>,
    pub author_id: Option<i64>,
    pub published_after: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    pub after: Option<ArticleCursor>,
    pub limit: i64,
}

pub fn find_public(
    conn: &mut DbConn,
    key: ArticleKey<'_>,
    now: NaiveDateTime,
) -> QueryResult<Option<(ArticleRow, String)>> {
    with_conn!(conn, |c| {
        let query = articles::table
            .select((ArticleRow::as_select(), articles::body))
            .filter(public!(now))
            .into_boxed();
        let query = match key {
            ArticleKey::Slug(slug) => query.filter(articles::slug.eq(slug)),
            ArticleKey::Id(id) => query.filter(articles::id.eq(id)),
        };
        query.first(c).optional()
    })
}

#[derive(Debug, Clone, Copy)]
pub enum ArticleKey<'a> {
    Slug(&'a str),
    Id(i64),
}

/// One page of public articles, newest first, ties broken by id; `limit` rows at most.
pub fn list_public(conn: &mut DbConn, q: &ListQuery, now: NaiveDateTime) -> QueryResult<Vec<ArticleRow>> {
    with_conn!(conn, |c| {
        let mut query = articles::table
            .select(ArticleRow::as_select())
            .filter(public!(now))
            .into_boxed();
        if let Some(ids) = &q.section_ids {
            let secondary = article_sections::table
                .select(article_sections::article_id)
                .filter(article_sections::section_id.eq_any(ids.clone()));
            query = query.filter(
                articles::section_id
                    .eq_any(ids.clone())
                    .or(articles::id.eq_any(secondary)),
            );
        }
        if let Some(tag) = q.tag_id {
            let tagged = article_tags::table
                .select(article_tags::article_id)
                .filter(article_tags::tag_id.eq(tag));
            query = query.filter(articles::id.eq_any(tagged));
        }
        if let Some(author) = q.author_id {
            let bylined = article_authors::table
                .select(article_authors::article_id)
                .filter(article_authors::author_id.eq(author));
            query = query.filter(articles::id.eq_any(bylined));
        }
        if let Some(after) = q.published_after {
            query = query.filter(articles::published_at.ge(after));
        }
        if let Some(before) = q.published_before {
            query = query.filter(articles::published_at.lt(before));
        }
        if let Some(cursor) = q.after {
            query = query.filter(
                articles::published_at
                    .lt(cursor.published_at)
                    .or(articles::published_at
                        .eq(cursor.published_at)
                        .and(articles::id.lt(cursor.id))),
            );
        }
        query
            .order((articles::published_at.desc(), articles::id.desc()))
            .limit(q.limit)
            .load(c)
    })
}

/// The earliest publication time after `now` of an article that will then become public:
/// until then, nothing public can change by the clock alone.
pub fn next_publication_after(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    with_conn!(conn, |c| articles::table
        .select(diesel::dsl::min(articles::published_at))
        .filter(PublicStatus)
        .filter(articles::published_at.gt(now))
        .first(c))
}

/// Public articles among `ids` (in no particular order).
pub fn public_by_ids(conn: &mut DbConn, ids: &[i64], now: NaiveDateTime) -> QueryResult<Vec<ArticleRow>> {
    with_conn!(conn, |c| articles::table
        .select(ArticleRow::as_select())
        .filter(public!(now))
        .filter(articles::id.eq_any(ids))
        .load(c))
}

/// Public articles by id, after `after`: the pages of a first sync.
pub fn public_after_id(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<ArticleRow>> {
    with_conn!(conn, |c| articles::table
        .select(ArticleRow::as_select())
        .filter(public!(now))
        .filter(articles::id.gt(after))
        .order(articles::id)
        .limit(limit)
        .load(c))
}

/// (id, primary section) of any articles among `ids`.
pub fn section_ids_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    with_conn!(conn, |c| articles::table
        .select((articles::id, articles::section_id))
        .filter(articles::id.eq_any(ids))
        .load(c))
}

pub fn bodies(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    with_conn!(conn, |c| articles::table
        .select((articles::id, articles::body))
        .filter(articles::id.eq_any(ids))
        .load(c))
}

/// Bylines of many articles: (article id, role, author), in byline order.
pub fn bylines(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, Option<String>, AuthorRow)>> {
    with_conn!(conn, |c| {
        let query = article_authors::table
            .inner_join(authors::table)
            .select((
                article_authors::article_id,
                article_authors::role,
                AuthorRow::as_select(),
            ))
            .order((
                article_authors::article_id,
                article_authors::position,
                authors::id,
            ))
            .into_boxed();
        among!(query, article_authors::article_id, ids).load(c)
    })
}

pub fn tags_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, TagRow)>> {
    with_conn!(conn, |c| {
        let query = article_tags::table
            .inner_join(tags::table)
            .select((article_tags::article_id, TagRow::as_select()))
            .order((article_tags::article_id, article_tags::position, tags::id))
            .into_boxed();
        among!(query, article_tags::article_id, ids).load(c)
    })
}

pub fn tags_by_id(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<TagRow>> {
    with_conn!(conn, |c| {
        let query = tags::table.select(TagRow::as_select()).into_boxed();
        among!(query, tags::id, ids).load(c)
    })
}

/// Secondary sections: (article id, section id).
pub fn secondary_sections(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    with_conn!(conn, |c| {
        let query = article_sections::table
            .select((article_sections::article_id, article_sections::section_id))
            .order((article_sections::article_id, article_sections::section_id))
            .into_boxed();
        among!(query, article_sections::article_id, ids).load(c)
    })
}

/// Corrections, oldest first.
pub fn corrections_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<CorrectionRow>> {
    with_conn!(conn, |c| {
        let query = corrections::table
            .select(CorrectionRow::as_select())
            .order((corrections::article_id, corrections::noted_at, corrections::id))
            .into_boxed();
        among!(query, corrections::article_id, ids).load(c)
    })
}

pub fn media_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<MediaRow>> {
    with_conn!(conn, |c| {
        let query = media::table.select(MediaRow::as_select()).into_boxed();
        among!(query, media::id, ids).load(c)
    })
}

pub fn count_all(conn: &mut DbConn) -> QueryResult<i64> {
    with_conn!(conn, |c| articles::table.count().get_result(c))
}

/// A public article's rendered response in one body format, when one is stored and the
/// article is public now: one indexed read of ready bytes.
pub fn find_public_document(
    conn: &mut DbConn,
    key: ArticleKey<'_>,
    format: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<StoredDocument>> {
    with_conn!(conn, |c| {
        let query = articles::table
            .inner_join(article_documents::table)
            .select((
                articles::id,
                article_documents::etag,
                article_documents::body,
                article_documents::surrogate_keys,
            ))
            .filter(public!(now))
            .filter(article_documents::format.eq(format))
            .into_boxed();
        let query = match key {
            ArticleKey::Slug(slug) => query.filter(articles::slug.eq(slug)),
            ArticleKey::Id(id) => query.filter(articles::id.eq(id)),
        };
        query.first(c).optional()
    })
}

/// The public articles whose publication time fell in `(after, upto]`: those a schedule
/// made public in that span.
pub fn became_public(conn: &mut DbConn, after: NaiveDateTime, upto: NaiveDateTime) -> QueryResult<Vec<i64>> {
    with_conn!(conn, |c| articles::table
        .select(articles::id)
        .filter(public!(upto))
        .filter(articles::published_at.gt(after))
        .load(c))
}

/// The scheduled articles whose time fell in `(after, upto]`: those that became public by
/// themselves (an article published on the spot is announced by its write).
pub fn scheduled_due(conn: &mut DbConn, after: NaiveDateTime, upto: NaiveDateTime) -> QueryResult<Vec<i64>> {
    with_conn!(conn, |c| articles::table
        .select(articles::id)
        .filter(articles::status.eq(crate::content::status::ArticleStatus::Scheduled))
        .filter(articles::published_at.gt(after))
        .filter(articles::published_at.le(upto))
        .load(c))
}

/// Where the writes that change documents have got to (see the documents migration).
pub fn content_generation(conn: &mut DbConn) -> QueryResult<i64> {
    with_conn!(conn, |c| content_generation::table
        .select(content_generation::value)
        .find(1)
        .first(c))
}

/// A stored document: (article id, etag, body, surrogate keys).
pub type StoredDocument = (i64, String, Vec<u8>, String);

/// Stores a rendered document, unless a write that can change it came after `generation`
/// was read (then the next reader renders it again). Returns whether it was stored.
pub fn store_document(
    conn: &mut DbConn,
    article_id: i64,
    format: &str,
    (etag, body, keys): (&str, &[u8], &str),
    generation: i64,
) -> QueryResult<bool> {
    use diesel::sql_types::{BigInt, Binary, Text};
    // The share lock (PostgreSQL) waits for a writer that has bumped the generation but not
    // committed, then sees its bump: the writer's deletes cannot miss this row.
    let lock = match conn.backend() {
        super::Backend::Postgres => " FOR SHARE",
        super::Backend::Sqlite => "",
    };
    let sql = format!(
        "INSERT INTO article_documents (article_id, format, etag, body, surrogate_keys) \
         SELECT $1, $2, $3, $4, $5 FROM content_generation WHERE id = 1 AND value = $6{lock} \
         ON CONFLICT (article_id, format) DO UPDATE \
         SET etag = excluded.etag, body = excluded.body, surrogate_keys = excluded.surrogate_keys"
    );
    let stored = with_conn!(conn, |c| diesel::sql_query(sql.as_str())
        .bind::<BigInt, _>(article_id)
        .bind::<Text, _>(format)
        .bind::<Text, _>(etag)
        .bind::<Binary, _>(body)
        .bind::<Text, _>(keys)
        .bind::<BigInt, _>(generation)
        .execute(c))?;
    Ok(stored > 0)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::{Connection, InstrumentationEvent};
    use diesel::sqlite::SqliteConnection;

    use super::*;

    #[test]
    fn public_reads_are_prepared_once_per_connection() {
        let mut conn = DbConn::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        super::super::migrations::run(&mut conn).unwrap();
        let prepared = Arc::new(Mutex::new(Vec::new()));
        let seen = prepared.clone();
        let DbConn::Sqlite(c) = &mut conn else {
            unreachable!()
        };
        c.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().unwrap().push(sql.to_owned());
            }
        });
        let now = chrono::Utc::now().naive_utc();
        for slug in ["one", "two", "three"] {
            find_public(&mut conn, ArticleKey::Slug(slug), now).unwrap();
            find_public_document(&mut conn, ArticleKey::Slug(slug), "blocks", now).unwrap();
        }
        let prepared = prepared.lock().unwrap();
        assert_eq!(prepared.len(), 2, "each read prepared once: {prepared:?}");
        assert!(prepared.iter().all(|sql| sql.contains(PUBLIC_STATUS_SQL)));
    }
}
