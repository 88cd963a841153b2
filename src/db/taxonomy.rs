//! Sections, tags and authors.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{authors, sections, tags};
use crate::content::cursor::NameCursor;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sections)]
pub struct SectionRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub updated_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct TagRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = authors)]
pub struct AuthorRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub title: String,
    pub bio: String,
    pub avatar_url: Option<String>,
}

pub fn all_sections(conn: &mut DbConn) -> QueryResult<Vec<SectionRow>> {
    with_conn!(conn, |c| sections::table
        .select(SectionRow::as_select())
        .order((sections::position, sections::name, sections::id))
        .load(c))
}

/// Tags by id after `after`, `limit` of them (a first sync's pages).
pub fn tags_after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<TagRow>> {
    with_conn!(conn, |c| tags::table
        .select(TagRow::as_select())
        .filter(tags::id.gt(after))
        .order(tags::id)
        .limit(limit)
        .load(c))
}

/// Authors by id after `after`, `limit` of them.
pub fn authors_after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<AuthorRow>> {
    with_conn!(conn, |c| authors::table
        .select(AuthorRow::as_select())
        .filter(authors::id.gt(after))
        .order(authors::id)
        .limit(limit)
        .load(c))
}

pub fn authors_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<AuthorRow>> {
    with_conn!(conn, |c| authors::table
        .select(AuthorRow::as_select())
        .filter(authors::id.eq_any(ids))
        .load(c))
}

pub fn tag_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<TagRow>> {
    with_conn!(conn, |c| tags::table
        .select(TagRow::as_select())
        .filter(tags::slug.eq(slug))
        .first(c)
        .optional())
}

pub fn author_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<AuthorRow>> {
    with_conn!(conn, |c| authors::table
        .select(AuthorRow::as_select())
        .filter(authors::slug.eq(slug))
        .first(c)
        .optional())
}

/// Tags in alphabetical order, `limit` at most, after the cursor.
pub fn list_tags(conn: &mut DbConn, after: Option<&NameCursor>, limit: i64) -> QueryResult<Vec<TagRow>> {
    with_conn!(conn, |c| {
        let mut query = tags::table.select(TagRow::as_select()).into_boxed();
        if let Some(cur) = after {
            query = query.filter(
                tags::name
                    .gt(cur.name.clone())
                    .or(tags::name.eq(cur.name.clone()).and(tags::id.gt(cur.id))),
            );
        }
        query.order((tags::name, tags::id)).limit(limit).load(c)
    })
}

/// Authors in alphabetical order, `limit` at most, after the cursor.
pub fn list_authors(
    conn: &mut DbConn,
    after: Option<&NameCursor>,
    limit: i64,
) -> QueryResult<Vec<AuthorRow>> {
    with_conn!(conn, |c| {
        let mut query = authors::table.select(AuthorRow::as_select()).into_boxed();
        if let Some(cur) = after {
            query = query.filter(
                authors::name
                    .gt(cur.name.clone())
                    .or(authors::name.eq(cur.name.clone()).and(authors::id.gt(cur.id))),
            );
        }
        query.order((authors::name, authors::id)).limit(limit).load(c)
    })
}
