//! Article queries. Every public query filters through [`public!`], the one definition of
//! what a reader may see.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::DbConn;
use super::schema::{
    article_authors, article_sections, article_tags, articles, authors, corrections, media, tags,
};
use super::taxonomy::{AuthorRow, TagRow};
use crate::content::cursor::ArticleCursor;
use crate::with_conn;

/// Public means: a status that can be public, and a publication time that has come. The
/// status test is literal SQL so both planners can match the partial indexes on it.
macro_rules! public {
    ($now:expr) => {
        sql::<Bool>("articles.status IN ('published', 'scheduled')").and(articles::published_at.le($now))
    };
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
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub section_id: i64,
    pub featured_media_id: Option<i64>,
    pub canonical_url: Option<String>,
    pub language: String,
    pub comment_status: String,
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
        .filter(sql::<Bool>("articles.status IN ('published', 'scheduled')"))
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
    with_conn!(conn, |c| article_authors::table
        .inner_join(authors::table)
        .select((
            article_authors::article_id,
            article_authors::role,
            AuthorRow::as_select()
        ))
        .filter(article_authors::article_id.eq_any(ids))
        .order((
            article_authors::article_id,
            article_authors::position,
            authors::id
        ))
        .load(c))
}

pub fn tags_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, TagRow)>> {
    with_conn!(conn, |c| article_tags::table
        .inner_join(tags::table)
        .select((article_tags::article_id, TagRow::as_select()))
        .filter(article_tags::article_id.eq_any(ids))
        .order((article_tags::article_id, article_tags::position, tags::id))
        .load(c))
}

/// Secondary sections: (article id, section id).
pub fn secondary_sections(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    with_conn!(conn, |c| article_sections::table
        .select((article_sections::article_id, article_sections::section_id))
        .filter(article_sections::article_id.eq_any(ids))
        .order((article_sections::article_id, article_sections::section_id))
        .load(c))
}

/// Corrections, oldest first.
pub fn corrections_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<CorrectionRow>> {
    with_conn!(conn, |c| corrections::table
        .select(CorrectionRow::as_select())
        .filter(corrections::article_id.eq_any(ids))
        .order((corrections::article_id, corrections::noted_at, corrections::id))
        .load(c))
}

pub fn media_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<MediaRow>> {
    with_conn!(conn, |c| media::table
        .select(MediaRow::as_select())
        .filter(media::id.eq_any(ids))
        .load(c))
}

pub fn count_all(conn: &mut DbConn) -> QueryResult<i64> {
    with_conn!(conn, |c| articles::table.count().get_result(c))
}
