//! Queries behind the sitemaps.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use super::DbConn;
use super::articles::PUBLIC_STATUS_SQL;
use super::schema::articles;
use crate::with_conn;

#[derive(QueryableByName)]
struct Month {
    #[diesel(sql_type = Text)]
    month: String,
    #[diesel(sql_type = Timestamp)]
    lastmod: NaiveDateTime,
}

/// (YYYY-MM, latest change) of every month with public articles, newest first.
pub fn months(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    // Grouping by month is the one place the dialects differ.
    let rows: Vec<Month> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(format!(
            "SELECT strftime('%Y-%m', published_at) AS month, MAX(updated_at) AS lastmod FROM articles \
             WHERE {PUBLIC_STATUS_SQL} AND published_at <= ? GROUP BY 1 ORDER BY 1 DESC",
        ))
        .bind::<Timestamp, _>(now)
        .load(c)?,
        DbConn::Pg(c) => diesel::sql_query(format!(
            "SELECT to_char(published_at, 'YYYY-MM') AS month, MAX(updated_at) AS lastmod FROM articles \
             WHERE {PUBLIC_STATUS_SQL} AND published_at <= $1 GROUP BY 1 ORDER BY 1 DESC",
        ))
        .bind::<Timestamp, _>(now)
        .load(c)?,
    };
    Ok(rows.into_iter().map(|m| (m.month, m.lastmod)).collect())
}

/// One article as a sitemap lists it.
#[derive(Debug, Clone, Queryable)]
pub struct SitemapRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub section_id: i64,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub canonical_url: Option<String>,
}

/// Public articles published in [from, to), newest first.
pub fn between(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<SitemapRow>> {
    with_conn!(conn, |c| articles::table
        .select((
            articles::id,
            articles::slug,
            articles::title,
            articles::section_id,
            articles::published_at,
            articles::updated_at,
            articles::canonical_url,
        ))
        .filter(super::articles::PublicStatus)
        .filter(articles::published_at.le(now))
        .filter(articles::published_at.ge(from))
        .filter(articles::published_at.lt(to))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(limit)
        .load(c))
}
