//! Editorial writes of sections, tags, authors and media.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::articles::MediaRow;
use super::schema::{
    article_authors, article_sections, article_tags, articles, authors, media, sections, tags,
};
use super::taxonomy::{AuthorRow, SectionRow, TagRow};
use crate::with_conn;

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = sections, treat_none_as_default_value = false)]
pub struct SectionColumns {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = tags)]
pub struct TagColumns {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = authors, treat_none_as_default_value = false)]
pub struct AuthorColumns {
    pub slug: String,
    pub name: String,
    pub title: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = media, treat_none_as_default_value = false)]
pub struct MediaColumns {
    pub url: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub updated_at: NaiveDateTime,
}

pub fn section(conn: &mut DbConn, id: i64) -> QueryResult<Option<SectionRow>> {
    with_conn!(conn, |c| sections::table
        .select(SectionRow::as_select())
        .find(id)
        .first(c)
        .optional())
}

pub fn section_slug_owner(conn: &mut DbConn, slug: &str) -> QueryResult<Option<i64>> {
    with_conn!(conn, |c| sections::table
        .select(sections::id)
        .filter(sections::slug.eq(slug))
        .first(c)
        .optional())
}

pub fn insert_section(conn: &mut DbConn, cols: &SectionColumns, now: NaiveDateTime) -> QueryResult<i64> {
    with_conn!(conn, |c| diesel::insert_into(sections::table)
        .values((cols, sections::created_at.eq(now)))
        .returning(sections::id)
        .get_result(c))
}

pub fn update_section(conn: &mut DbConn, id: i64, cols: &SectionColumns) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(sections::table.find(id))
        .set(cols)
        .execute(c))
}

/// How many articles (primary or secondary) and child sections point at a section.
pub fn section_uses(conn: &mut DbConn, id: i64) -> QueryResult<(i64, i64)> {
    with_conn!(conn, |c| {
        let primary: i64 = articles::table
            .filter(articles::section_id.eq(id))
            .count()
            .get_result(c)?;
        let secondary: i64 = article_sections::table
            .filter(article_sections::section_id.eq(id))
            .count()
            .get_result(c)?;
        let children: i64 = sections::table
            .filter(sections::parent_id.eq(id))
            .count()
            .get_result(c)?;
        Ok((primary + secondary, children))
    })
}

pub fn delete_section(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::delete(sections::table.find(id)).execute(c))
}

pub fn tag(conn: &mut DbConn, id: i64) -> QueryResult<Option<TagRow>> {
    with_conn!(conn, |c| tags::table
        .select(TagRow::as_select())
        .find(id)
        .first(c)
        .optional())
}

pub fn tag_slug_owner(conn: &mut DbConn, slug: &str) -> QueryResult<Option<i64>> {
    with_conn!(conn, |c| tags::table
        .select(tags::id)
        .filter(tags::slug.eq(slug))
        .first(c)
        .optional())
}

pub fn insert_tag(conn: &mut DbConn, cols: &TagColumns, now: NaiveDateTime) -> QueryResult<i64> {
    with_conn!(conn, |c| diesel::insert_into(tags::table)
        .values((cols, tags::created_at.eq(now)))
        .returning(tags::id)
        .get_result(c))
}

pub fn update_tag(conn: &mut DbConn, id: i64, cols: &TagColumns) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(tags::table.find(id))
        .set(cols)
        .execute(c))
}

/// Articles with this tag, whose search entries carry its name.
pub fn tagged_article_ids(conn: &mut DbConn, tag_id: i64) -> QueryResult<Vec<i64>> {
    with_conn!(conn, |c| article_tags::table
        .select(article_tags::article_id)
        .filter(article_tags::tag_id.eq(tag_id))
        .load(c))
}

/// Articles with a byline of this author, whose search entries carry their name.
pub fn bylined_article_ids(conn: &mut DbConn, author_id: i64) -> QueryResult<Vec<i64>> {
    with_conn!(conn, |c| article_authors::table
        .select(article_authors::article_id)
        .filter(article_authors::author_id.eq(author_id))
        .load(c))
}

pub fn delete_tag(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::delete(tags::table.find(id)).execute(c))
}

pub fn author(conn: &mut DbConn, id: i64) -> QueryResult<Option<AuthorRow>> {
    with_conn!(conn, |c| authors::table
        .select(AuthorRow::as_select())
        .find(id)
        .first(c)
        .optional())
}

pub fn author_slug_owner(conn: &mut DbConn, slug: &str) -> QueryResult<Option<i64>> {
    with_conn!(conn, |c| authors::table
        .select(authors::id)
        .filter(authors::slug.eq(slug))
        .first(c)
        .optional())
}

pub fn insert_author(conn: &mut DbConn, cols: &AuthorColumns, now: NaiveDateTime) -> QueryResult<i64> {
    with_conn!(conn, |c| diesel::insert_into(authors::table)
        .values((cols, authors::created_at.eq(now)))
        .returning(authors::id)
        .get_result(c))
}

pub fn update_author(conn: &mut DbConn, id: i64, cols: &AuthorColumns) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(authors::table.find(id))
        .set(cols)
        .execute(c))
}

pub fn author_bylines(conn: &mut DbConn, id: i64) -> QueryResult<i64> {
    with_conn!(conn, |c| article_authors::table
        .filter(article_authors::author_id.eq(id))
        .count()
        .get_result(c))
}

pub fn delete_author(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::delete(authors::table.find(id)).execute(c))
}

pub fn media_item(conn: &mut DbConn, id: i64) -> QueryResult<Option<MediaRow>> {
    with_conn!(conn, |c| media::table
        .select(MediaRow::as_select())
        .find(id)
        .first(c)
        .optional())
}

pub fn insert_media(conn: &mut DbConn, cols: &MediaColumns, now: NaiveDateTime) -> QueryResult<i64> {
    with_conn!(conn, |c| diesel::insert_into(media::table)
        .values((cols, media::created_at.eq(now)))
        .returning(media::id)
        .get_result(c))
}

pub fn update_media(conn: &mut DbConn, id: i64, cols: &MediaColumns) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(media::table.find(id))
        .set(cols)
        .execute(c))
}

pub fn delete_media(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::delete(media::table.find(id)).execute(c))
}
