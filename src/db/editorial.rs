//! Writes of the editorial API: articles with their relations, revisions, old slugs, and the
//! sections, tags, authors and media they point at.

use crate::content::status::{ArticleStatus, Discussion};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::articles::ArticleRow;
use super::schema::{
    article_authors, article_sections, article_tags, articles, authors, corrections, media, revisions,
    sections, slug_redirects, tags,
};
use crate::with_conn;

/// The editable columns of an article, written together.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = articles, treat_none_as_default_value = false)]
pub struct ArticleColumns {
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub dateline: String,
    pub excerpt: String,
    pub body: String,
    pub section_id: i64,
    pub featured_media_id: Option<i64>,
    pub canonical_url: Option<String>,
    pub language: String,
    pub comment_status: Discussion,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = articles, treat_none_as_default_value = false)]
pub struct NewArticleMeta {
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub version: i32,
}

pub fn insert_article(conn: &mut DbConn, cols: &ArticleColumns, meta: &NewArticleMeta) -> QueryResult<i64> {
    with_conn!(conn, |c| diesel::insert_into(articles::table)
        .values((cols, meta))
        .returning(articles::id)
        .get_result(c))
}

/// Writes the columns if the article is still at `expected` (when given) and bumps its
/// version; returns the new version, or None when someone saved first.
pub fn update_article(
    conn: &mut DbConn,
    id: i64,
    expected: i32,
    cols: &ArticleColumns,
) -> QueryResult<Option<i32>> {
    let n = with_conn!(conn, |c| diesel::update(
        articles::table.find(id).filter(articles::version.eq(expected))
    )
    .set((cols, articles::version.eq(expected + 1)))
    .execute(c))?;
    Ok((n == 1).then_some(expected + 1))
}

pub fn set_status(
    conn: &mut DbConn,
    id: i64,
    expected: i32,
    status: ArticleStatus,
    published_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<Option<i32>> {
    let n = with_conn!(conn, |c| diesel::update(
        articles::table.find(id).filter(articles::version.eq(expected))
    )
    .set((
        articles::status.eq(status),
        articles::published_at.eq(published_at),
        articles::updated_at.eq(now),
        articles::version.eq(expected + 1),
    ))
    .execute(c))?;
    Ok((n == 1).then_some(expected + 1))
}

/// An article in any status, with its body and owner.
pub fn article_any(conn: &mut DbConn, id: i64) -> QueryResult<Option<(ArticleRow, String, Option<i64>)>> {
    with_conn!(conn, |c| articles::table
        .select((ArticleRow::as_select(), articles::body, articles::created_by))
        .find(id)
        .first(c)
        .optional())
}

pub fn delete_article(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::delete(articles::table.find(id)).execute(c))
}

pub fn slug_owner(conn: &mut DbConn, slug: &str) -> QueryResult<Option<i64>> {
    with_conn!(conn, |c| articles::table
        .select(articles::id)
        .filter(articles::slug.eq(slug))
        .first(c)
        .optional())
}

pub fn redirect_owner(conn: &mut DbConn, slug: &str) -> QueryResult<Option<i64>> {
    with_conn!(conn, |c| slug_redirects::table
        .select(slug_redirects::article_id)
        .find(slug)
        .first(c)
        .optional())
}

/// Points an old slug at an article (replacing an older pointer of the same slug).
pub fn add_redirect(conn: &mut DbConn, slug: &str, article_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, |c| {
        diesel::delete(slug_redirects::table.find(slug)).execute(c)?;
        diesel::insert_into(slug_redirects::table)
            .values((
                slug_redirects::slug.eq(slug),
                slug_redirects::article_id.eq(article_id),
                slug_redirects::created_at.eq(now),
            ))
            .execute(c)
            .map(drop)
    })
}

pub fn drop_redirect(conn: &mut DbConn, slug: &str) -> QueryResult<()> {
    with_conn!(conn, |c| diesel::delete(slug_redirects::table.find(slug))
        .execute(c))
    .map(drop)
}

/// Replaces an article's secondary sections, tags and bylines.
pub fn replace_relations(
    conn: &mut DbConn,
    id: i64,
    section_ids: &[i64],
    tag_ids: &[i64],
    bylines: &[(i64, Option<String>)],
) -> QueryResult<()> {
    with_conn!(conn, |c| {
        diesel::delete(article_sections::table.filter(article_sections::article_id.eq(id))).execute(c)?;
        diesel::delete(article_tags::table.filter(article_tags::article_id.eq(id))).execute(c)?;
        diesel::delete(article_authors::table.filter(article_authors::article_id.eq(id))).execute(c)?;
        for s in section_ids {
            diesel::insert_into(article_sections::table)
                .values((
                    article_sections::article_id.eq(id),
                    article_sections::section_id.eq(s),
                ))
                .execute(c)?;
        }
        for (i, t) in tag_ids.iter().enumerate() {
            diesel::insert_into(article_tags::table)
                .values((
                    article_tags::article_id.eq(id),
                    article_tags::tag_id.eq(t),
                    article_tags::position.eq(i as i32),
                ))
                .execute(c)?;
        }
        for (i, (a, role)) in bylines.iter().enumerate() {
            diesel::insert_into(article_authors::table)
                .values((
                    article_authors::article_id.eq(id),
                    article_authors::author_id.eq(a),
                    article_authors::position.eq(i as i32),
                    article_authors::role.eq(role),
                ))
                .execute(c)?;
        }
        Ok(())
    })
}

/// An article's relations by slug, as editors name them.
pub struct RelationSlugs {
    pub sections: Vec<String>,
    pub tags: Vec<String>,
    /// (author slug, role), in byline order.
    pub bylines: Vec<(String, Option<String>)>,
}

pub fn relation_slugs(conn: &mut DbConn, id: i64) -> QueryResult<RelationSlugs> {
    with_conn!(conn, |c| {
        let secs = article_sections::table
            .inner_join(sections::table)
            .select(sections::slug)
            .filter(article_sections::article_id.eq(id))
            .order(sections::slug)
            .load(c)?;
        let tag_slugs = article_tags::table
            .inner_join(tags::table)
            .select(tags::slug)
            .filter(article_tags::article_id.eq(id))
            .order(article_tags::position)
            .load(c)?;
        let bylines = article_authors::table
            .inner_join(authors::table)
            .select((authors::slug, article_authors::role))
            .filter(article_authors::article_id.eq(id))
            .order(article_authors::position)
            .load(c)?;
        Ok(RelationSlugs {
            sections: secs,
            tags: tag_slugs,
            bylines,
        })
    })
}

pub fn section_ids_by_slug(conn: &mut DbConn, slugs: &[String]) -> QueryResult<Vec<(String, i64)>> {
    with_conn!(conn, |c| sections::table
        .select((sections::slug, sections::id))
        .filter(sections::slug.eq_any(slugs))
        .load(c))
}

pub fn tag_ids_by_slug(conn: &mut DbConn, slugs: &[String]) -> QueryResult<Vec<(String, i64)>> {
    with_conn!(conn, |c| tags::table
        .select((tags::slug, tags::id))
        .filter(tags::slug.eq_any(slugs))
        .load(c))
}

pub fn author_ids_by_slug(conn: &mut DbConn, slugs: &[String]) -> QueryResult<Vec<(String, i64)>> {
    with_conn!(conn, |c| authors::table
        .select((authors::slug, authors::id))
        .filter(authors::slug.eq_any(slugs))
        .load(c))
}

pub fn author_slug(conn: &mut DbConn, id: i64) -> QueryResult<Option<String>> {
    with_conn!(conn, |c| authors::table
        .select(authors::slug)
        .find(id)
        .first(c)
        .optional())
}

pub fn media_exists(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    with_conn!(conn, |c| diesel::select(diesel::dsl::exists(
        media::table.find(id)
    ))
    .get_result(c))
}

pub fn add_correction(conn: &mut DbConn, article_id: i64, note: &str, now: NaiveDateTime) -> QueryResult<()> {
    with_conn!(conn, |c| diesel::insert_into(corrections::table)
        .values((
            corrections::article_id.eq(article_id),
            corrections::noted_at.eq(now),
            corrections::note.eq(note)
        ))
        .execute(c))
    .map(drop)
}

/// Any status, newest change first, for the CMS.
#[derive(Debug, Default, Clone)]
pub struct EditorialQuery {
    pub statuses: Option<Vec<ArticleStatus>>,
    /// Stored status is published or scheduled and the time is still ahead.
    pub future_only: bool,
    pub past_only: bool,
    pub title_contains: Option<String>,
    pub owner: Option<i64>,
    pub after: Option<(NaiveDateTime, i64)>,
    pub limit: i64,
}

pub fn editorial_list(
    conn: &mut DbConn,
    q: &EditorialQuery,
    now: NaiveDateTime,
) -> QueryResult<Vec<ArticleRow>> {
    with_conn!(conn, |c| {
        let mut query = articles::table.select(ArticleRow::as_select()).into_boxed();
        if let Some(statuses) = &q.statuses {
            query = query.filter(articles::status.eq_any(statuses.clone()));
        }
        if q.future_only {
            query = query.filter(articles::published_at.gt(now));
        }
        if q.past_only {
            query = query.filter(articles::published_at.le(now));
        }
        if let Some(text) = &q.title_contains {
            let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            query = query.filter(articles::title.like(format!("%{escaped}%")).escape('\\'));
        }
        if let Some(owner) = q.owner {
            query = query.filter(articles::created_by.eq(owner));
        }
        if let Some((at, id)) = q.after {
            query = query.filter(
                articles::updated_at
                    .lt(at)
                    .or(articles::updated_at.eq(at).and(articles::id.lt(id))),
            );
        }
        query
            .order((articles::updated_at.desc(), articles::id.desc()))
            .limit(q.limit)
            .load(c)
    })
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = revisions)]
pub struct RevisionRow {
    pub id: i64,
    pub article_id: i64,
    pub version: i32,
    pub actor_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub summary: String,
    pub content: String,
}

pub fn insert_revision(
    conn: &mut DbConn,
    article_id: i64,
    version: i32,
    actor_id: Option<i64>,
    summary: &str,
    content: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, |c| diesel::insert_into(revisions::table)
        .values((
            revisions::article_id.eq(article_id),
            revisions::version.eq(version),
            revisions::actor_id.eq(actor_id),
            revisions::created_at.eq(now),
            revisions::summary.eq(summary),
            revisions::content.eq(content),
        ))
        .execute(c))
    .map(drop)
}

pub fn list_revisions(conn: &mut DbConn, article_id: i64) -> QueryResult<Vec<RevisionRow>> {
    with_conn!(conn, |c| revisions::table
        .select(RevisionRow::as_select())
        .filter(revisions::article_id.eq(article_id))
        .order(revisions::version.desc())
        .load(c))
}

pub fn revision(conn: &mut DbConn, article_id: i64, version: i32) -> QueryResult<Option<RevisionRow>> {
    with_conn!(conn, |c| revisions::table
        .select(RevisionRow::as_select())
        .filter(revisions::article_id.eq(article_id))
        .filter(revisions::version.eq(version))
        .first(c)
        .optional())
}
