//! The full-text index: SQLite's FTS5 or PostgreSQL's tsvector with a GIN index. The two
//! engines differ enough that each has its own SQL here.
//!
//! Ranking reads every article of a table that holds a query word (bm25's rarity on
//! SQLite, the GIN bitmap on PostgreSQL), so no table holds a million articles: the index
//! of all is split into bands of consecutive ids (migration `search_bands`), and the
//! newest articles are indexed a second time on their own (migration `search_recent`).

use chrono::NaiveDateTime;
use std::collections::HashSet;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text, Timestamp};

use super::DbConn;
use super::prepared::{Prepared, Value};
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

const RECENT: &str = "article_search_recent";

fn band_table(band: i64) -> String {
    format!("article_search_band_{band}")
}

/// Where entries are: the recent index holds the articles with ids above `floor` (once
/// twice `span` are above it, the floor moves up to `span` below the newest); band `n`
/// holds the ids from `n * band_span` up to the next band, and `bands` bands have a table.
#[derive(QueryableByName, Debug, Clone, Copy)]
struct Layout {
    #[diesel(sql_type = BigInt)]
    floor: i64,
    #[diesel(sql_type = BigInt)]
    span: i64,
    #[diesel(sql_type = BigInt)]
    band_span: i64,
    #[diesel(sql_type = BigInt)]
    bands: i64,
}

impl Layout {
    fn band_of(&self, id: i64) -> i64 {
        id / self.band_span
    }
}

fn layout(conn: &mut DbConn) -> QueryResult<Layout> {
    let sql = "SELECT r.floor, r.span, b.span AS band_span, b.count AS bands \
               FROM article_search_recent_floor r, article_search_bands b WHERE r.id = 1 AND b.id = 1";
    with_conn!(conn, |c| Prepared::new(sql, &[]).get_result(c))
}

/// Creates the tables of the bands up to `band` that have none yet.
fn ensure_band(conn: &mut DbConn, layout: &mut Layout, band: i64) -> QueryResult<()> {
    if band < layout.bands {
        return Ok(());
    }
    if let DbConn::Pg(c) = conn {
        // Two writers reaching a new band at once: the second waits here, then sees it.
        diesel::sql_query("SELECT 1 FROM article_search_bands WHERE id = 1 FOR UPDATE").execute(c)?;
        *layout = self::layout(conn)?;
        if band < layout.bands {
            return Ok(());
        }
    }
    for n in layout.bands..=band {
        create_band(conn, n)?;
    }
    // Ids only grow: the band below is complete, and one segment answers faster than the
    // many that its articles were written in.
    if layout.bands > 0 {
        optimize(conn, &band_table(layout.bands - 1))?;
    }
    set_band_count(conn, band + 1)?;
    layout.bands = band + 1;
    Ok(())
}

fn set_band_count(conn: &mut DbConn, count: i64) -> QueryResult<usize> {
    let update = match conn {
        DbConn::Sqlite(_) => "UPDATE article_search_bands SET count = ? WHERE id = 1",
        DbConn::Pg(_) => "UPDATE article_search_bands SET count = $1 WHERE id = 1",
    };
    with_conn!(conn, |c| diesel::sql_query(update)
        .bind::<BigInt, _>(count)
        .execute(c))
}

/// Merges an FTS5 table's segments into one (SQLite; PostgreSQL's GIN needs no such step).
fn optimize(conn: &mut DbConn, table: &str) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute(&format!("INSERT INTO {table} ({table}) VALUES ('optimize')")),
        DbConn::Pg(_) => Ok(()),
    }
}

/// A new, empty band table.
fn create_band(conn: &mut DbConn, band: i64) -> QueryResult<()> {
    let table = band_table(band);
    match conn {
        DbConn::Sqlite(c) => c.batch_execute(&format!(
            "CREATE VIRTUAL TABLE {table} USING fts5(title, subtitle, body, tags, authors, \
               content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2');"
        )),
        DbConn::Pg(c) => c.batch_execute(&format!(
            "CREATE TABLE {table} (article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE, \
               document TSVECTOR NOT NULL); \
             CREATE INDEX {table}_document ON {table} USING GIN (document);"
        )),
    }
}

/// On start: the bands that existing articles need and that have no table yet are created
/// and filled from the stored articles (their blocks' text, tags and bylines). That is the
/// whole index after the upgrade to bands on SQLite, whose migration cannot name tables;
/// PostgreSQL's migration moves its vectors itself, so there this finds nothing to do.
pub fn build_missing_bands(conn: &mut DbConn) -> QueryResult<()> {
    let mut layout = layout(conn)?;
    let newest: Option<i64> = with_conn!(conn, |c| super::schema::articles::table
        .select(diesel::dsl::max(super::schema::articles::id))
        .first(c))?;
    let Some(newest) = newest else { return Ok(()) };
    let first = layout.bands;
    let last = layout.band_of(newest);
    if last < first {
        return Ok(());
    }
    let DbConn::Sqlite(_) = conn else {
        return ensure_band(conn, &mut layout, last);
    };
    tracing::info!(
        bands = last - first + 1,
        "building the full-text index's bands from the stored articles"
    );
    for band in first..=last {
        conn.transaction(|conn| {
            // A reverted migration leaves its bands behind.
            with_conn!(conn, |c| c
                .batch_execute(&format!("DROP TABLE IF EXISTS {}", band_table(band))))?;
            create_band(conn, band)?;
            fill_band_from_articles(conn, &layout, band)?;
            optimize(conn, &band_table(band))?;
            set_band_count(conn, band + 1)
        })?;
        tracing::info!(band, of = last, "full-text band built");
    }
    Ok(())
}

/// SQLite: indexes the stored articles of one band from their blocks' text (as the
/// migration `search_text` did for the single index before).
fn fill_band_from_articles(conn: &mut DbConn, layout: &Layout, band: i64) -> QueryResult<usize> {
    let DbConn::Sqlite(c) = conn else {
        unreachable!("PostgreSQL moves its vectors in its migration")
    };
    let table = band_table(band);
    diesel::sql_query(format!(
        "INSERT INTO {table} (rowid, title, subtitle, body, tags, authors) \
         SELECT a.id, a.title, a.subtitle, \
           coalesce((SELECT group_concat(j.value, ' ') FROM json_tree(a.body) AS j \
                     WHERE j.key IN ('text', 'caption', 'credit', 'attribution') AND j.type = 'text'), ''), \
           coalesce((SELECT group_concat(t.name, ' ') FROM article_tags AS x JOIN tags AS t ON t.id = x.tag_id \
                     WHERE x.article_id = a.id), ''), \
           coalesce((SELECT group_concat(u.name, ' ') FROM article_authors AS x JOIN authors AS u ON u.id = x.author_id \
                     WHERE x.article_id = a.id), '') \
         FROM articles AS a WHERE a.id >= ? AND a.id < ?"
    ))
    .bind::<BigInt, _>(band * layout.band_span)
    .bind::<BigInt, _>((band + 1) * layout.band_span)
    .execute(c)
}

/// Writes (or rewrites) an article's entry in the index.
pub fn index(conn: &mut DbConn, doc: &SearchDocument<'_>) -> QueryResult<()> {
    let mut layout = layout(conn)?;
    let band = layout.band_of(doc.id);
    ensure_band(conn, &mut layout, band)?;
    let table = band_table(band);
    match conn {
        DbConn::Sqlite(c) => {
            write_fts5(c, &table, doc)?;
            if doc.id > layout.floor {
                write_fts5(c, RECENT, doc)?;
            }
        }
        DbConn::Pg(c) => {
            insert_band_pg(c, &table, &[doc])?;
            if doc.id > layout.floor {
                copy_recent(c, &table, &[doc.id])?;
            }
        }
    }
    if doc.id > layout.floor {
        roll(conn, layout, doc.id)?;
    }
    Ok(())
}

fn write_fts5(c: &mut diesel::SqliteConnection, table: &str, doc: &SearchDocument<'_>) -> QueryResult<()> {
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
    Ok(())
}

/// The recent index copies the vectors just computed for the band (PostgreSQL).
fn copy_recent(c: &mut diesel::PgConnection, band_table: &str, ids: &[i64]) -> QueryResult<usize> {
    use diesel::pg::sql_types::Array;
    diesel::sql_query(format!(
        "INSERT INTO {RECENT} (article_id, document) \
         SELECT article_id, document FROM {band_table} WHERE article_id = ANY($1) \
         ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document"
    ))
    .bind::<Array<BigInt>, _>(ids)
    .execute(c)
}

/// Moves the recent index's floor up once twice its span of articles is above it, so it
/// stays small: the articles left below are dropped from it (they stay in their bands).
/// Runs in the writer's transaction, about once per `span` new articles.
fn roll(conn: &mut DbConn, layout: Layout, newest: i64) -> QueryResult<()> {
    if newest - layout.floor <= 2 * layout.span {
        return Ok(());
    }
    let floor = newest - layout.span;
    match conn {
        // A contentless FTS5 table cannot be scanned by rowid range; the articles can.
        DbConn::Sqlite(c) => diesel::sql_query(
            "DELETE FROM article_search_recent WHERE rowid IN (SELECT id FROM articles WHERE id > ? AND id <= ?)",
        )
        .bind::<BigInt, _>(layout.floor)
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
    // What the recent index keeps was written over a whole span, in many segments.
    optimize(conn, RECENT)?;
    tracing::info!(floor, "recent full-text index moved up");
    Ok(())
}

/// Indexes many articles at once: the bulk path. PostgreSQL takes each band's share of the
/// batch in one statement; SQLite's inserts are in-process and cheap one by one.
pub fn index_many(conn: &mut DbConn, docs: &[SearchDocument<'_>]) -> QueryResult<()> {
    if matches!(conn, DbConn::Sqlite(_)) {
        for doc in docs {
            index(conn, doc)?;
        }
        return Ok(());
    }
    let mut layout = layout(conn)?;
    let mut bands: Vec<i64> = docs.iter().map(|d| layout.band_of(d.id)).collect();
    bands.sort_unstable();
    bands.dedup();
    for band in bands {
        ensure_band(conn, &mut layout, band)?;
        let share: Vec<&SearchDocument<'_>> = docs.iter().filter(|d| layout.band_of(d.id) == band).collect();
        let DbConn::Pg(c) = &mut *conn else { unreachable!() };
        insert_band_pg(c, &band_table(band), &share)?;
        let recent: Vec<i64> = share
            .iter()
            .map(|d| d.id)
            .filter(|id| *id > layout.floor)
            .collect();
        if !recent.is_empty() {
            copy_recent(c, &band_table(band), &recent)?;
        }
    }
    if let Some(newest) = docs.iter().map(|d| d.id).max().filter(|id| *id > layout.floor) {
        roll(conn, layout, newest)?;
    }
    Ok(())
}

/// Writes (or rewrites) the vectors of articles of one band (PostgreSQL): the title weighs
/// most (A), then the deck, tags and authors (B), then the body (C).
fn insert_band_pg(
    c: &mut diesel::PgConnection,
    table: &str,
    docs: &[&SearchDocument<'_>],
) -> QueryResult<usize> {
    use diesel::pg::sql_types::Array;
    fn column<'a>(docs: &[&SearchDocument<'a>], f: fn(&SearchDocument<'a>) -> &'a str) -> Vec<String> {
        docs.iter().map(|d| f(d).to_owned()).collect()
    }
    diesel::sql_query(format!(
        "INSERT INTO {table} (article_id, document) \
         SELECT id, setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', subtitle), 'B') || \
           setweight(to_tsvector('english', tags || ' ' || authors), 'B') || setweight(to_tsvector('english', body), 'C') \
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) \
           AS d(id, title, subtitle, body, tags, authors) \
         ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document"
    ))
    .bind::<Array<BigInt>, _>(docs.iter().map(|d| d.id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(column(docs, |d| d.title))
    .bind::<Array<Text>, _>(column(docs, |d| d.subtitle))
    .bind::<Array<Text>, _>(column(docs, |d| d.body))
    .bind::<Array<Text>, _>(column(docs, |d| d.tags))
    .bind::<Array<Text>, _>(column(docs, |d| d.authors))
    .execute(c)
}

pub fn remove(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    let layout = layout(conn)?;
    let band = layout.band_of(id);
    let mut tables = vec![RECENT.to_owned()];
    if band < layout.bands {
        tables.push(band_table(band));
    }
    for table in tables {
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
    /// For FTS5: the user's words and phrases, each quoted; an article must match all.
    pub fts5_terms: Vec<String>,
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
/// then applied to the best candidates, a few more than wanted at a time (each is a row of
/// the articles table to read, and without a section or date filter almost all pass);
/// when too few pass, more candidates are ranked.
pub fn search(conn: &mut DbConn, q: &SearchQuery, now: NaiveDateTime) -> QueryResult<Vec<Hit>> {
    let wanted = (q.offset + q.limit) as usize;
    let mut pool = (wanted * 2 + 50).max(200) as i64;
    let passed = loop {
        let ranked = rank(conn, q, pool)?;
        let exhausted = (ranked.len() as i64) < pool;
        let mut passed: Vec<(i64, f64)> = Vec::new();
        let (mut checked, mut step) = (0, wanted + 10);
        while checked < ranked.len() && passed.len() < wanted {
            let chunk = &ranked[checked..(checked + step).min(ranked.len())];
            let ids: Vec<i64> = chunk.iter().map(|r| r.0).collect();
            let visible = filter(conn, q, &ids, now)?;
            passed.extend(chunk.iter().filter(|r| visible.contains(&r.0)));
            checked += chunk.len();
            step *= 2;
        }
        // A deeper pass ranks a wider window, whose order may differ: it checks anew.
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
}

/// Matches ranked per query at most. A word in a tenth of a million articles would cost
/// every search for it a full ranking pass; instead the newest matches (highest ids) are
/// ranked, which is exact for all but such very common words.
pub const RANKED_MATCHES: i64 = 500;

/// A term held by at least one in this many of a recent span's articles (2,048 at the
/// default span, about one in twenty of the recent index) is common: on SQLite it then only
/// filters, see `scored_terms`.
const COMMON_SHARE: i64 = 16;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The terms of a query that bm25 scores (SQLite). Scoring a term first counts every
/// article holding it in each table read, which for a word held by most articles costs
/// more than the rest of the search, for next to no weight. Such common terms only filter
/// (as Lucene's "common terms" do), as long as one term of the query is not common;
/// otherwise every term is scored. On the million-article benchmark set, ranking 400 of
/// its queries took 1.9 ms on average and 15.8 at the 99th percentile with every term
/// scored (a made-up name and "reviews": 8 bands, 15 ms), 0.7 and 2.2 with common terms
/// filtering.
fn scored_terms<'a>(
    c: &mut diesel::SqliteConnection,
    terms: &'a [String],
    common: i64,
) -> QueryResult<Vec<&'a str>> {
    let all = || terms.iter().map(String::as_str).collect();
    if terms.len() < 2 {
        return Ok(all());
    }
    let mut scored = Vec::new();
    for term in terms {
        let found: Count = Prepared::new(
            &format!(
                "SELECT count(*) AS n FROM (SELECT 1 FROM {RECENT} WHERE {RECENT} MATCH :term LIMIT :common)"
            ),
            &[
                ("term", Value::Text(term.clone())),
                ("common", Value::BigInt(common)),
            ],
        )
        .get_result(c)?;
        if found.n < common {
            scored.push(term.as_str());
        }
    }
    Ok(if scored.is_empty() { all() } else { scored })
}

/// The `limit` best of the newest `RANKED_MATCHES` (or `limit`, if more) matches, best first.
///
/// One statement reads the newest matches table by table, newest first: the recent index
/// (which settles any word held by one recent article in a hundred), then the bands below
/// its floor, and stops once it has enough, so a band is only read if it holds some of
/// the newest matches. Each match is scored within its table (bm25's rarity counts that
/// table's articles); the tables are compared as they are, since each holds at least a
/// recent span of articles of the same newsroom, whose word rarities are alike.
fn rank(conn: &mut DbConn, q: &SearchQuery, limit: i64) -> QueryResult<Vec<(i64, f64)>> {
    let window = limit.max(RANKED_MATCHES);
    let layout = layout(conn)?;
    let floor = layout.floor.max(0);
    let bands: Vec<String> = if floor > 0 && layout.bands > 0 {
        (0..=layout.band_of(floor).min(layout.bands - 1))
            .rev()
            .map(band_table)
            .collect()
    } else {
        Vec::new()
    };
    let rows: Vec<Ranked> = match conn {
        DbConn::Sqlite(c) => {
            let scored = scored_terms(c, &q.fts5_terms, (layout.span / COMMON_SHARE).max(1))?;
            // When some terms only filter, an arm ranks the articles holding the scored
            // terms among those holding all.
            let filtered = scored.len() < q.fts5_terms.len();
            let arm = |table: &str, bound: &str| {
                let matching = if filtered {
                    // `+rowid`: the filter must not become FTS5's lookup by rowid, which would
                    // start the scored match (and bm25's counting) over for every row.
                    format!(
                        "{table} MATCH :scored AND +rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH :all AND rowid {bound} :floor)"
                    )
                } else {
                    format!("{table} MATCH :scored AND rowid {bound} :floor")
                };
                format!(
                    "SELECT * FROM (SELECT rowid AS id, -bm25({table}, 10.0, 4.0, 1.0, 3.0, 3.0) AS score \
                     FROM {table} WHERE {matching} ORDER BY rowid DESC LIMIT :window)"
                )
            };
            let mut arms = vec![arm(RECENT, ">")];
            arms.extend(bands.iter().map(|t| arm(t, "<=")));
            Prepared::new(
                &format!(
                    "SELECT id, score FROM ({} LIMIT :window) ORDER BY score DESC, id DESC LIMIT :limit",
                    arms.join(" UNION ALL ")
                ),
                &[
                    ("all", Value::Text(q.fts5_terms.join(" "))),
                    ("scored", Value::Text(scored.join(" "))),
                    ("floor", Value::BigInt(floor)),
                    ("window", Value::BigInt(window)),
                    ("limit", Value::BigInt(limit)),
                ],
            )
            .load(c)?
        }
        // Walking the id index backwards and testing each row's vector reads every
        // vector of the span from TOAST; the GIN index reads only the matches. The planner
        // prefers the walk for a LIMIT, wrongly here, so it is kept from plain index scans
        // for this one statement. A sequential scan tests every row's vector too (390 ms
        // for a word held by 35,000 of the recent index's articles, against 29 ms through
        // the GIN index), so it is kept from those as well. The id bounds are written `+ 0`
        // so that they filter the matches instead of adding a bitmap of the whole id range
        // (13 ms for 250,000 ids). The tables must be read in order, newest first: no
        // parallel append.
        DbConn::Pg(c) => {
            let arm = |table: &str, bound: &str| {
                format!(
                    "(SELECT s.article_id AS id, s.document FROM {table} s \
                     WHERE s.document @@ websearch_to_tsquery('english', :q) AND s.article_id + 0 {bound} :floor \
                     ORDER BY s.article_id DESC LIMIT :window)"
                )
            };
            let mut arms = vec![arm(RECENT, ">")];
            arms.extend(bands.iter().map(|t| arm(t, "<=")));
            let ranked = Prepared::new(
                &format!(
                    "SELECT id, ts_rank_cd(document, query)::float8 AS score \
                     FROM (SELECT * FROM ({}) tables LIMIT :window) newest, websearch_to_tsquery('english', :q) query \
                     ORDER BY score DESC, id DESC LIMIT :limit",
                    arms.join(" UNION ALL ")
                ),
                &[
                    ("q", Value::Text(q.websearch.clone())),
                    ("floor", Value::BigInt(floor)),
                    ("window", Value::BigInt(window)),
                    ("limit", Value::BigInt(limit)),
                ],
            );
            c.transaction(|c| {
                c.batch_execute(
                    "SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off; \
                     SET LOCAL max_parallel_workers_per_gather = 0",
                )?;
                ranked.load(c)
            })?
        }
    };
    Ok(rows.into_iter().map(|r| (r.id, r.score)).collect())
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
        "SELECT id FROM articles WHERE id IN ({}) AND {} AND published_at <= {} \
         AND published_at >= {} AND published_at < {}{sections}",
        list(ids),
        super::articles::PUBLIC_STATUS_SQL,
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
