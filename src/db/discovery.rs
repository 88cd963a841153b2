//! Storage of discovery: the related-articles key index, editors' pinned related articles,
//! and readers' views in hourly buckets.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use diesel::upsert::excluded;

use super::DbConn;
use super::schema::{article_views, articles, related_keys, related_pins};
use crate::with_conn;

/// One key of one article: written by the indexers, read back by the in-memory index.
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = related_keys)]
pub struct NewKey {
    pub key: i64,
    pub published_at: NaiveDateTime,
    pub article_id: i64,
}

/// Replaces an article's keys; `None` (not public-able) leaves it with none.
pub fn replace_keys(
    conn: &mut DbConn,
    article_id: i64,
    keys: Option<(NaiveDateTime, &[i64])>,
) -> QueryResult<()> {
    with_conn!(conn, |c| diesel::delete(
        related_keys::table.filter(related_keys::article_id.eq(article_id))
    )
    .execute(c))?;
    if let Some((published_at, keys)) = keys {
        let mut rows: Vec<NewKey> = keys
            .iter()
            .map(|&key| NewKey {
                key,
                published_at,
                article_id,
            })
            .collect();
        rows.sort_by_key(|r| r.key);
        rows.dedup_by_key(|r| r.key);
        insert_keys(conn, &rows)?;
    }
    Ok(())
}

/// Adds keys of freshly written articles (the bulk path).
pub fn insert_keys(conn: &mut DbConn, rows: &[NewKey]) -> QueryResult<()> {
    // Three parameters a row, well under SQLite's 32,766.
    for chunk in rows.chunks(5000) {
        with_conn!(conn, |c| diesel::insert_into(related_keys::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// A candidate: an article that has `key`, and when it was published.
#[derive(Debug, Clone, QueryableByName)]
pub struct Candidate {
    #[diesel(sql_type = BigInt)]
    pub key: i64,
    #[diesel(sql_type = BigInt)]
    pub article_id: i64,
    #[diesel(sql_type = Timestamp)]
    pub published_at: NaiveDateTime,
}

/// For each key, the articles that have it nearest in time to `around`: up to `per_side`
/// published at or before it (down to `lo`) and up to `per_side` after it (up to `hi`).
/// Each half is one short range read of the primary key.
pub fn candidates(
    conn: &mut DbConn,
    keys: &[i64],
    around: NaiveDateTime,
    lo: NaiveDateTime,
    hi: NaiveDateTime,
    per_side: i64,
) -> QueryResult<Vec<Candidate>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    match conn {
        // In-process: two prepared statements (cached per connection), run per key.
        DbConn::Sqlite(c) => {
            use super::schema::related_keys::dsl as k;
            let mut out = Vec::new();
            for &key in keys {
                let before: Vec<(i64, NaiveDateTime)> = k::related_keys
                    .select((k::article_id, k::published_at))
                    .filter(k::key.eq(key))
                    .filter(k::published_at.le(around))
                    .filter(k::published_at.ge(lo))
                    .order(k::published_at.desc())
                    .limit(per_side)
                    .load(c)?;
                let after: Vec<(i64, NaiveDateTime)> = k::related_keys
                    .select((k::article_id, k::published_at))
                    .filter(k::key.eq(key))
                    .filter(k::published_at.gt(around))
                    .filter(k::published_at.le(hi))
                    .order(k::published_at.asc())
                    .limit(per_side)
                    .load(c)?;
                out.extend(
                    before
                        .into_iter()
                        .chain(after)
                        .map(|(article_id, published_at)| Candidate {
                            key,
                            article_id,
                            published_at,
                        }),
                );
            }
            Ok(out)
        }
        // Over the network: one round trip for all keys.
        DbConn::Pg(c) => {
            use diesel::pg::sql_types::Array;
            diesel::sql_query(
                "SELECT k.key, r.article_id, r.published_at FROM unnest($1::bigint[]) AS k(key) \
                 CROSS JOIN LATERAL (\
                   (SELECT article_id, published_at FROM related_keys WHERE key = k.key AND published_at <= $2 \
                    AND published_at >= $3 ORDER BY published_at DESC LIMIT $5) \
                   UNION ALL \
                   (SELECT article_id, published_at FROM related_keys WHERE key = k.key AND published_at > $2 \
                    AND published_at <= $4 ORDER BY published_at ASC LIMIT $5)) r",
            )
            .bind::<Array<BigInt>, _>(keys)
            .bind::<Timestamp, _>(around)
            .bind::<Timestamp, _>(lo)
            .bind::<Timestamp, _>(hi)
            .bind::<BigInt, _>(per_side)
            .load(c)
        }
    }
}

/// Every key of the articles with ids in `(after, up_to]`: the bulk read that fills the
/// in-memory index, one id range at a time (the article index covers it).
pub fn keys_in_id_range(conn: &mut DbConn, after: i64, up_to: i64) -> QueryResult<Vec<NewKey>> {
    with_conn!(conn, |c| related_keys::table
        .select(NewKey::as_select())
        .filter(related_keys::article_id.gt(after))
        .filter(related_keys::article_id.le(up_to))
        .load(c))
}

/// Every key of the given articles.
pub fn keys_of_articles(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<NewKey>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(5000) {
        out.extend(with_conn!(conn, |c| related_keys::table
            .select(NewKey::as_select())
            .filter(related_keys::article_id.eq_any(chunk))
            .load(c))?);
    }
    Ok(out)
}

/// The highest article id, if any article exists.
pub fn max_article_id(conn: &mut DbConn) -> QueryResult<Option<i64>> {
    use diesel::dsl::max;
    with_conn!(conn, |c| articles::table.select(max(articles::id)).first(c))
}

/// Ids of the articles changed from `since` up to `until`. A change time beyond the
/// present is not one any writer made now (imported or generated data), so an upper
/// bound keeps such articles from being read back at every sync.
pub fn changed_between(
    conn: &mut DbConn,
    since: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    with_conn!(conn, |c| articles::table
        .select(articles::id)
        .filter(articles::updated_at.ge(since))
        .filter(articles::updated_at.le(until))
        .load(c))
}

/// Ids of the articles pinned on `article_id`, in order.
pub fn pins(conn: &mut DbConn, article_id: i64) -> QueryResult<Vec<i64>> {
    with_conn!(conn, |c| related_pins::table
        .select(related_pins::pinned_id)
        .filter(related_pins::article_id.eq(article_id))
        .order(related_pins::position)
        .load(c))
}

/// Slugs of the articles pinned on `article_id`, in order.
pub fn pin_slugs(conn: &mut DbConn, article_id: i64) -> QueryResult<Vec<String>> {
    with_conn!(conn, |c| related_pins::table
        .inner_join(articles::table.on(articles::id.eq(related_pins::pinned_id)))
        .select(articles::slug)
        .filter(related_pins::article_id.eq(article_id))
        .order(related_pins::position)
        .load(c))
}

pub fn replace_pins(conn: &mut DbConn, article_id: i64, pinned: &[i64]) -> QueryResult<()> {
    with_conn!(conn, |c| {
        diesel::delete(related_pins::table.filter(related_pins::article_id.eq(article_id))).execute(c)?;
        for (position, id) in pinned.iter().enumerate() {
            diesel::insert_into(related_pins::table)
                .values((
                    related_pins::article_id.eq(article_id),
                    related_pins::pinned_id.eq(id),
                    related_pins::position.eq(position as i32),
                ))
                .execute(c)?;
        }
        Ok(())
    })
}

/// Adds counted views to their hourly buckets: (hour, article id, views). Articles deleted
/// since their views were counted are skipped.
pub fn add_views(conn: &mut DbConn, counts: &[(NaiveDateTime, i64, i64)]) -> QueryResult<usize> {
    let ids: Vec<i64> = counts.iter().map(|c| c.1).collect();
    let existing: std::collections::HashSet<i64> = with_conn!(conn, |c| articles::table
        .select(articles::id)
        .filter(articles::id.eq_any(&ids))
        .load::<i64>(c))?
    .into_iter()
    .collect();
    let mut written = 0;
    for &(hour, article_id, views) in counts.iter().filter(|c| existing.contains(&c.1)) {
        written += with_conn!(conn, |c| diesel::insert_into(article_views::table)
            .values((
                article_views::hour.eq(hour),
                article_views::article_id.eq(article_id),
                article_views::views.eq(views),
            ))
            .on_conflict((article_views::hour, article_views::article_id))
            .do_update()
            .set(article_views::views.eq(article_views::views + excluded(article_views::views)))
            .execute(c))?;
    }
    Ok(written)
}

/// Drops buckets older than `before`; returns how many.
pub fn prune_views(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::delete(
        article_views::table.filter(article_views::hour.lt(before))
    )
    .execute(c))
}

#[derive(QueryableByName)]
struct ViewTotal {
    #[diesel(sql_type = BigInt)]
    article_id: i64,
    #[diesel(sql_type = BigInt)]
    views: i64,
}

/// Views per article in the buckets from `since` (and before `until`, if given), every
/// article with any: (article id, views). Read from the buckets alone; the caller decides
/// which articles may be shown.
pub fn view_totals(
    conn: &mut DbConn,
    since: NaiveDateTime,
    until: Option<NaiveDateTime>,
) -> QueryResult<Vec<(i64, i64)>> {
    let pg = matches!(conn, DbConn::Pg(_));
    let p = |n: usize| if pg { format!("${n}") } else { "?".to_owned() };
    let bound = if until.is_some() {
        format!(" AND hour < {}", p(2))
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT article_id, CAST(SUM(views) AS BIGINT) AS views FROM article_views WHERE hour >= {}{bound} GROUP BY article_id",
        p(1)
    );
    let rows: Vec<ViewTotal> = match until {
        Some(until) => with_conn!(conn, |c| diesel::sql_query(sql.clone())
            .bind::<Timestamp, _>(since)
            .bind::<Timestamp, _>(until)
            .load(c))?,
        None => with_conn!(conn, |c| diesel::sql_query(sql.clone())
            .bind::<Timestamp, _>(since)
            .load(c))?,
    };
    Ok(rows.into_iter().map(|r| (r.article_id, r.views)).collect())
}
