//! The full-text index: SQLite's FTS5 or PostgreSQL's tsvector with a GIN index. The two
//! engines differ enough that each has its own SQL here.

use chrono::NaiveDateTime;
use std::collections::HashSet;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text, Timestamp};

use super::DbConn;
use crate::with_conn;

/// What is searchable about one article.
pub struct SearchDocument<'a> {
    pub id: i64,
    pub title: &'a str,
    pub subtitle: &'a str,
    pub body: &'a str,
    pub tags: &'a str,
    pub authors: &'a str,
}

/// The full-text indexes: every article, and the newest again on their own, so that a
/// common word is ranked among the few thousand newest articles that hold it instead of
/// the hundred thousand that do in all (see the migration `search_recent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    All,
    Recent,
}

impl Tier {
    fn table(self) -> &'static str {
        match self {
            Tier::All => "article_search",
            Tier::Recent => "article_search_recent",
        }
    }
}

/// The recent index holds the articles with ids above `floor`; once twice `span` are
/// above it, the floor moves up to `span` below the newest.
#[derive(QueryableByName, Debug, Clone, Copy)]
struct RecentFloor {
    #[diesel(sql_type = BigInt)]
    floor: i64,
    #[diesel(sql_type = BigInt)]
    span: i64,
}

fn recent_floor(conn: &mut DbConn) -> QueryResult<RecentFloor> {
    with_conn!(conn, |c| diesel::sql_query(
        "SELECT floor, span FROM article_search_recent_floor WHERE id = 1"
    )
    .get_result(c))
}

/// Writes (or rewrites) an article's entry in the index.
pub fn index(conn: &mut DbConn, doc: &SearchDocument<'_>) -> QueryResult<()> {
    let recent = recent_floor(conn)?;
    write(conn, Tier::All, doc)?;
    if doc.id > recent.floor {
        write(conn, Tier::Recent, doc)?;
        roll(conn, recent, doc.id)?;
    }
    Ok(())
}

fn write(conn: &mut DbConn, tier: Tier, doc: &SearchDocument<'_>) -> QueryResult<()> {
    let table = tier.table();
    match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query(format!("DELETE FROM {table} WHERE rowid = ?"))
                .bind::<BigInt, _>(doc.id)
                .execute(c)?;
            diesel::sql_query(format!(
                "INSERT INTO {table} (rowid, title, subtitle, body, tags, authors) VALUES (?, ?, ?, ?, ?, ?)"
            ))
            .bind::<BigInt, _>(doc.id)
            .bind::<Text, _>(doc.title)
            .bind::<Text, _>(doc.subtitle)
            .bind::<Text, _>(doc.body)
            .bind::<Text, _>(doc.tags)
            .bind::<Text, _>(doc.authors)
            .execute(c)?;
        }
        // The recent index copies the vector just computed for the index of all.
        DbConn::Pg(c) if tier == Tier::Recent => {
            copy_recent(c, &[doc.id])?;
        }
        DbConn::Pg(c) => {
            diesel::sql_query(
                "INSERT INTO article_search (article_id, document) VALUES ($1, \
                   setweight(to_tsvector('english', $2), 'A') || setweight(to_tsvector('english', $3), 'B') || \
                   setweight(to_tsvector('english', $5 || ' ' || $6), 'B') || setweight(to_tsvector('english', $4), 'C')) \
                 ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document",
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

fn copy_recent(c: &mut diesel::PgConnection, ids: &[i64]) -> QueryResult<usize> {
    use diesel::pg::sql_types::Array;
    diesel::sql_query(
        "INSERT INTO article_search_recent (article_id, document) \
         SELECT article_id, document FROM article_search WHERE article_id = ANY($1) \
         ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document",
    )
    .bind::<Array<BigInt>, _>(ids)
    .execute(c)
}

/// Moves the recent index's floor up once twice its span of articles is above it, so it
/// stays small: the articles left below are dropped from it (they stay in the index of all).
/// Runs in the writer's transaction, about once per `span` new articles.
fn roll(conn: &mut DbConn, recent: RecentFloor, newest: i64) -> QueryResult<()> {
    if newest - recent.floor <= 2 * recent.span {
        return Ok(());
    }
    let floor = newest - recent.span;
    match conn {
        // A contentless FTS5 table cannot be scanned by rowid range; the articles can.
        DbConn::Sqlite(c) => diesel::sql_query(
            "DELETE FROM article_search_recent WHERE rowid IN (SELECT id FROM articles WHERE id > ? AND id <= ?)",
        )
        .bind::<BigInt, _>(recent.floor)
        .bind::<BigInt, _>(floor)
        .execute(c)?,
        DbConn::Pg(c) => diesel::sql_query("DELETE FROM article_search_recent WHERE article_id <= $1")
            .bind::<BigInt, _>(floor)
            .execute(c)?,
    };
    let update = match conn {
        DbConn::Sqlite(_) => "UPDATE article_search_recent_floor SET floor = ? WHERE id = 1",
        DbConn::Pg(_) => "UPDATE article_search_recent_floor SET floor = $1 WHERE id = 1",
    };
    with_conn!(conn, |c| diesel::sql_query(update)
        .bind::<BigInt, _>(floor)
        .execute(c))?;
    tracing::info!(floor, "recent full-text index moved up");
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
                "INSERT INTO article_search (article_id, document) \
                 SELECT id, setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', subtitle), 'B') || \
                   setweight(to_tsvector('english', tags || ' ' || authors), 'B') || setweight(to_tsvector('english', body), 'C') \
                 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) \
                   AS d(id, title, subtitle, body, tags, authors) \
                 ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document",
            )
            .bind::<Array<BigInt>, _>(docs.iter().map(|d| d.id).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(column(docs, |d| d.title))
            .bind::<Array<Text>, _>(column(docs, |d| d.subtitle))
            .bind::<Array<Text>, _>(column(docs, |d| d.body))
            .bind::<Array<Text>, _>(column(docs, |d| d.tags))
            .bind::<Array<Text>, _>(column(docs, |d| d.authors))
            .execute(c)?;
            let recent = recent_floor(conn)?;
            let ids: Vec<i64> = docs
                .iter()
                .map(|d| d.id)
                .filter(|id| *id > recent.floor)
                .collect();
            if let (DbConn::Pg(c), Some(newest)) = (&mut *conn, ids.iter().max().copied()) {
                copy_recent(c, &ids)?;
                roll(conn, recent, newest)?;
            }
        }
    }
    Ok(())
}

pub fn remove(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    for tier in [Tier::All, Tier::Recent] {
        let table = tier.table();
        match conn {
            DbConn::Sqlite(c) => diesel::sql_query(format!("DELETE FROM {table} WHERE rowid = ?"))
                .bind::<BigInt, _>(id)
                .execute(c)?,
            DbConn::Pg(c) => diesel::sql_query(format!("DELETE FROM {table} WHERE article_id = $1"))
                .bind::<BigInt, _>(id)
                .execute(c)?,
        };
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

#[derive(Debug)]
pub struct Hit {
    pub id: i64,
    pub score: f64,
}

/// Best first, ties broken by newer id; `limit` hits from `offset`.
///
/// Ranking runs on the full-text index alone: a common word matches tens of thousands of
/// articles, and joining each of them is not affordable. The public, section and date filters are
/// then applied to the best candidates; when too few pass, more candidates are ranked.
pub fn search(conn: &mut DbConn, q: &SearchQuery, now: NaiveDateTime) -> QueryResult<Vec<Hit>> {
    let wanted = (q.offset + q.limit) as usize;
    let mut pool = (wanted * 2 + 50).max(200) as i64;
    let passed = loop {
        let ranked = rank(conn, q, pool)?;
        let exhausted = (ranked.len() as i64) < pool;
        let ids: Vec<i64> = ranked.iter().map(|r| r.0).collect();
        let visible = filter(conn, q, &ids, now)?;
        let passed: Vec<(i64, f64)> = ranked.into_iter().filter(|r| visible.contains(&r.0)).collect();
        if passed.len() >= wanted || exhausted {
            break passed;
        }
        pool *= 4;
    };
    let page: Vec<(i64, f64)> = passed
        .into_iter()
        .skip(q.offset as usize)
        .take(q.limit as usize)
        .collect();
    Ok(page.into_iter().map(|(id, score)| Hit { id, score }).collect())
}

#[derive(QueryableByName)]
struct Ranked {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Double)]
    score: f64,
    /// How many matches the pass ranked.
    #[diesel(sql_type = BigInt)]
    seen: i64,
}

/// Matches ranked per query at most. A word in a tenth of a million articles would cost
/// every search for it a full ranking pass; instead the newest matches (highest ids) are
/// ranked, which is exact for all but such very common words.
pub const RANKED_MATCHES: i64 = 500;

/// The `limit` best of the newest `RANKED_MATCHES` (or `limit`, if more) matches, best first.
///
/// Ranking counts every article of the index that holds a query word (bm25's rarity; the
/// GIN bitmap on PostgreSQL), so the newest matches are ranked in the recent index when it
/// holds enough of them, which settles any word held by one recent article in a hundred.
/// Otherwise the span that holds the newest matches is found first, without ranking, among
/// ids eight times as far back each step (a rare word has few matches to read in any
/// span), and ranked once in the index of all.
fn rank(conn: &mut DbConn, q: &SearchQuery, limit: i64) -> QueryResult<Vec<(i64, f64)>> {
    let window = limit.max(RANKED_MATCHES);
    let newest: Option<i64> = with_conn!(conn, |c| super::schema::articles::table
        .select(diesel::dsl::max(super::schema::articles::id))
        .first(c))?;
    let Some(newest) = newest else {
        return Ok(Vec::new());
    };
    let mut floor = recent_floor(conn)?.floor.clamp(0, newest);
    let rows = rank_above(conn, q, Tier::Recent, floor, window, limit)?;
    if matched(&rows, window) || floor <= 0 {
        return Ok(rows.into_iter().map(|r| (r.id, r.score)).collect());
    }
    loop {
        let span = (newest - floor).max(window).saturating_mul(8);
        floor = newest.saturating_sub(span).max(0);
        if floor <= 0 || count_above(conn, q, floor, window)? >= window {
            break;
        }
    }
    let rows = rank_above(conn, q, Tier::All, floor, window, limit)?;
    Ok(rows.into_iter().map(|r| (r.id, r.score)).collect())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many articles above `floor` match, counting up to `window`: no ranking, so only
/// the matches of the span are read.
fn count_above(conn: &mut DbConn, q: &SearchQuery, floor: i64, window: i64) -> QueryResult<i64> {
    let found: Count = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT count(*) AS n FROM (SELECT rowid FROM article_search \
             WHERE article_search MATCH ? AND rowid > ? ORDER BY rowid DESC LIMIT ?)",
        )
        .bind::<Text, _>(&q.fts5)
        .bind::<BigInt, _>(floor)
        .bind::<BigInt, _>(window)
        .get_result(c)?,
        // As in `rank_above`: the GIN index intersected with the id range.
        DbConn::Pg(c) => c.transaction(|c| {
            diesel::sql_query("SET LOCAL enable_indexscan = off").execute(c)?;
            diesel::sql_query(
                "SELECT count(*) AS n FROM (SELECT s.article_id FROM article_search s, \
                   websearch_to_tsquery('english', $1) q \
                 WHERE s.document @@ q AND s.article_id + 0 > $2 ORDER BY s.article_id DESC LIMIT $3) newest",
            )
            .bind::<Text, _>(&q.websearch)
            .bind::<BigInt, _>(floor)
            .bind::<BigInt, _>(window)
            .get_result(c)
        })?,
    };
    Ok(found.n)
}

/// Whether a ranked pass saw a full window of matches (so a wider span would add none of
/// the newest): the pass reports how many it ranked in each row.
fn matched(rows: &[Ranked], window: i64) -> bool {
    rows.first().is_some_and(|r| r.seen >= window)
}

/// The `limit` best of the newest `window` matches with ids above `floor`, from the index
/// `tier` (which holds every article above `floor`).
fn rank_above(
    conn: &mut DbConn,
    q: &SearchQuery,
    tier: Tier,
    floor: i64,
    window: i64,
    limit: i64,
) -> QueryResult<Vec<Ranked>> {
    let table = tier.table();
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(format!(
            "SELECT id, score, count(*) OVER () AS seen FROM (SELECT rowid AS id, \
               -bm25({table}, 10.0, 4.0, 1.0, 3.0, 3.0) AS score \
               FROM {table} WHERE {table} MATCH ? AND rowid > ? ORDER BY rowid DESC LIMIT ?) \
             ORDER BY score DESC, id DESC LIMIT ?"
        ))
        .bind::<Text, _>(&q.fts5)
        .bind::<BigInt, _>(floor)
        .bind::<BigInt, _>(window)
        .bind::<BigInt, _>(limit)
        .load(c),
        // Walking the id index backwards and testing each row's vector reads every
        // vector of the span from TOAST; the GIN index reads only the matches. The planner
        // prefers the walk for a LIMIT, wrongly here, so it is kept from plain index scans
        // for this one statement. The id bound is written `+ 0` so that it filters the
        // matches instead of adding a bitmap of the whole id range (13 ms for 250,000 ids).
        DbConn::Pg(c) => c.transaction(|c| {
            diesel::sql_query("SET LOCAL enable_indexscan = off").execute(c)?;
            diesel::sql_query(format!(
                "SELECT id, ts_rank_cd(document, query)::float8 AS score, count(*) OVER () AS seen FROM \
                   (SELECT s.article_id AS id, s.document FROM {table} s, websearch_to_tsquery('english', $1) q \
                    WHERE s.document @@ q AND s.article_id + 0 > $2 ORDER BY s.article_id DESC LIMIT $3) newest, \
                   websearch_to_tsquery('english', $1) query \
                 ORDER BY score DESC, id DESC LIMIT $4"
            ))
            .bind::<Text, _>(&q.websearch)
            .bind::<BigInt, _>(floor)
            .bind::<BigInt, _>(window)
            .bind::<BigInt, _>(limit)
            .load(c)
        }),
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Which of `ids` are public and pass the section and date filters.
fn filter(conn: &mut DbConn, q: &SearchQuery, ids: &[i64], now: NaiveDateTime) -> QueryResult<HashSet<i64>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    // Ids come from our own index and sections from our own tree: integers, written in.
    let list = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let sections = match &q.section_ids {
        Some(s) => format!(
            " AND (section_id IN ({0}) OR id IN (SELECT article_id FROM article_sections WHERE section_id IN ({0})))",
            list(s)
        ),
        None => String::new(),
    };
    let pg = matches!(conn, DbConn::Pg(_));
    let p = |n: usize| if pg { format!("${n}") } else { "?".to_owned() };
    let sql = format!(
        "SELECT id FROM articles WHERE id IN ({}) AND status IN ('published', 'scheduled') AND published_at <= {} \
         AND published_at >= {} AND published_at < {}{sections}",
        list(ids),
        p(1),
        p(2),
        p(3)
    );
    let after = q.published_after.unwrap_or_default();
    let before = q.published_before.unwrap_or(now + chrono::Duration::days(1));
    let rows: Vec<Id> = with_conn!(conn, |c| diesel::sql_query(sql.clone())
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(after)
        .bind::<Timestamp, _>(before)
        .load(c))?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
