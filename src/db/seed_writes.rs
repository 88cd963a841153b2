//! Bulk writes used by the seeders (demo newsroom, synthetic data sets).

use super::editorial::ArticleColumns;
use crate::content::status::ArticleStatus;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    article_authors, article_sections, article_tags, articles, authors, corrections, media, sections, tags,
};
use crate::with_conn;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sections, treat_none_as_default_value = false)]
pub struct NewSection {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tags)]
pub struct NewTag {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = authors, treat_none_as_default_value = false)]
pub struct NewAuthor {
    pub slug: String,
    pub name: String,
    pub title: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = media, treat_none_as_default_value = false)]
pub struct NewMedia {
    pub id: i64,
    pub url: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = articles, treat_none_as_default_value = false)]
pub struct NewArticle {
    pub id: i64,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// What the editorial side writes too.
    #[diesel(embed)]
    pub columns: ArticleColumns,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = article_sections)]
pub struct NewArticleSection {
    pub article_id: i64,
    pub section_id: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = article_tags)]
pub struct NewArticleTag {
    pub article_id: i64,
    pub tag_id: i64,
    pub position: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = article_authors, treat_none_as_default_value = false)]
pub struct NewArticleAuthor {
    pub article_id: i64,
    pub author_id: i64,
    pub position: i32,
    pub role: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = corrections)]
pub struct NewCorrection {
    pub article_id: i64,
    pub noted_at: NaiveDateTime,
    pub note: String,
}

/// Returns the id of the section with this slug, creating it if needed.
pub fn ensure_section(conn: &mut DbConn, new: &NewSection) -> QueryResult<i64> {
    with_conn!(conn, |c| {
        let found = sections::table
            .select(sections::id)
            .filter(sections::slug.eq(&new.slug))
            .first::<i64>(c)
            .optional()?;
        match found {
            Some(id) => Ok(id),
            None => diesel::insert_into(sections::table)
                .values(new)
                .returning(sections::id)
                .get_result(c),
        }
    })
}

pub fn ensure_tag(conn: &mut DbConn, new: &NewTag) -> QueryResult<i64> {
    with_conn!(conn, |c| {
        let found = tags::table
            .select(tags::id)
            .filter(tags::slug.eq(&new.slug))
            .first::<i64>(c)
            .optional()?;
        match found {
            Some(id) => Ok(id),
            None => diesel::insert_into(tags::table)
                .values(new)
                .returning(tags::id)
                .get_result(c),
        }
    })
}

pub fn ensure_author(conn: &mut DbConn, new: &NewAuthor) -> QueryResult<i64> {
    with_conn!(conn, |c| {
        let found = authors::table
            .select(authors::id)
            .filter(authors::slug.eq(&new.slug))
            .first::<i64>(c)
            .optional()?;
        match found {
            Some(id) => Ok(id),
            None => diesel::insert_into(authors::table)
                .values(new)
                .returning(authors::id)
                .get_result(c),
        }
    })
}

pub fn article_exists(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
    with_conn!(conn, |c| diesel::select(diesel::dsl::exists(
        articles::table.filter(articles::slug.eq(slug))
    ))
    .get_result(c))
}

/// The next free ids for articles and media; seeders assign ids themselves so that rows and
/// their relations go in as batches.
pub fn next_ids(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    use diesel::dsl::max;
    with_conn!(conn, |c| {
        let a: Option<i64> = articles::table.select(max(articles::id)).first(c)?;
        let m: Option<i64> = media::table.select(max(media::id)).first(c)?;
        Ok((a.unwrap_or(0) + 1, m.unwrap_or(0) + 1))
    })
}

/// Everything about a batch of articles, written in one go.
#[derive(Default)]
pub struct ArticleBatch {
    pub media: Vec<NewMedia>,
    pub articles: Vec<NewArticle>,
    pub sections: Vec<NewArticleSection>,
    pub tags: Vec<NewArticleTag>,
    pub authors: Vec<NewArticleAuthor>,
    pub corrections: Vec<NewCorrection>,
}

impl ArticleBatch {
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }
}

/// Inserts a batch, chunked to stay under both backends' limits on bound parameters.
pub fn insert_batch(conn: &mut DbConn, batch: &ArticleBatch) -> QueryResult<()> {
    const ROWS: usize = 500;
    with_conn!(conn, |c| {
        for chunk in batch.media.chunks(ROWS) {
            diesel::insert_into(media::table).values(chunk).execute(c)?;
        }
        for chunk in batch.articles.chunks(ROWS) {
            diesel::insert_into(articles::table).values(chunk).execute(c)?;
        }
        for chunk in batch.sections.chunks(ROWS * 4) {
            diesel::insert_into(article_sections::table)
                .values(chunk)
                .execute(c)?;
        }
        for chunk in batch.tags.chunks(ROWS * 4) {
            diesel::insert_into(article_tags::table)
                .values(chunk)
                .execute(c)?;
        }
        for chunk in batch.authors.chunks(ROWS * 4) {
            diesel::insert_into(article_authors::table)
                .values(chunk)
                .execute(c)?;
        }
        for chunk in batch.corrections.chunks(ROWS * 4) {
            diesel::insert_into(corrections::table).values(chunk).execute(c)?;
        }
        Ok(())
    })
}

/// Refreshes the planner's statistics after a bulk load, so that both planners pick the
/// partial indexes for public lists (and, on PostgreSQL, clears the load's dead rows).
pub fn analyze(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        // The recent full-text index is filled and emptied ~30 times over while a million
        // articles are loaded, faster than autovacuum follows: ~950,000 dead rows, 2.9 GB
        // for 42,000 live ones. It is rewritten compactly (124 MB, 6 s); the rest is
        // vacuumed. Each VACUUM must be a statement of its own.
        DbConn::Pg(c) => {
            c.batch_execute("VACUUM FULL article_search_recent")?;
            c.batch_execute("VACUUM ANALYZE")
        }
        // A sample of each index is enough to choose plans, and reading every row of a
        // database of millions of articles takes minutes.
        DbConn::Sqlite(c) => c.batch_execute("PRAGMA analysis_limit = 2000; ANALYZE"),
    }
}

/// PostgreSQL identities do not move when ids are given explicitly; move them past the
/// seeded rows so that later inserts get fresh ids.
pub fn sync_id_sequences(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    if let DbConn::Pg(c) = conn {
        c.batch_execute(
            "SELECT setval(pg_get_serial_sequence('articles', 'id'), GREATEST((SELECT MAX(id) FROM articles), 1));
             SELECT setval(pg_get_serial_sequence('media', 'id'), GREATEST((SELECT MAX(id) FROM media), 1));",
        )?;
    }
    Ok(())
}
