//! The change log (see its migration): appended to by writers, read by delta sync.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{articles, change_log, change_seq};
use crate::content::status::EventKind;
use crate::with_conn;

/// What a change log entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Article(i64),
    Section(i64),
    Tag(i64),
    Author(i64),
    /// The published comments of an article.
    Comments(i64),
}

impl Entity {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Entity::Article(id) => ("article", id),
            Entity::Section(id) => ("section", id),
            Entity::Tag(id) => ("tag", id),
            Entity::Author(id) => ("author", id),
            Entity::Comments(id) => ("comments", id),
        }
    }
}

/// Appends entries, in the caller's transaction; the counter row stays locked until it
/// commits.
pub fn record(conn: &mut DbConn, entities: &[Entity], at: NaiveDateTime) -> QueryResult<()> {
    for entity in entities {
        append(conn, *entity, None, false, at)?;
    }
    Ok(())
}

/// Appends what readers saw happen to an article (`published`, `updated`, `unpublished`,
/// `deleted`).
pub fn record_event(
    conn: &mut DbConn,
    article: i64,
    action: EventKind,
    breaking: bool,
    at: NaiveDateTime,
) -> QueryResult<()> {
    append(
        conn,
        Entity::Article(article),
        Some(action.as_str()),
        breaking,
        at,
    )
}

fn append(
    conn: &mut DbConn,
    entity: Entity,
    action: Option<&str>,
    breaking: bool,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let (kind, entity_id) = entity.parts();
    with_conn!(conn, |c| {
        let seq: i64 = diesel::update(change_seq::table.find(1))
            .set(change_seq::value.eq(change_seq::value + 1))
            .returning(change_seq::value)
            .get_result(c)?;
        diesel::insert_into(change_log::table)
            .values((
                change_log::seq.eq(seq),
                change_log::kind.eq(kind),
                change_log::entity_id.eq(entity_id),
                change_log::action.eq(action),
                change_log::breaking.eq(breaking),
                change_log::at.eq(at),
            ))
            .execute(c)
    })?;
    Ok(())
}

/// An article event: (seq, article id, action, breaking, at).
pub type EventRow = (i64, i64, EventKind, bool, NaiveDateTime);

/// Article events after `after`, oldest first.
pub fn events_after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<EventRow>> {
    with_conn!(conn, |c| change_log::table
        .select((
            change_log::seq,
            change_log::entity_id,
            change_log::action.assume_not_null(),
            change_log::breaking,
            change_log::at,
        ))
        .filter(change_log::kind.eq("article"))
        .filter(change_log::action.is_not_null())
        .filter(change_log::seq.gt(after))
        .order(change_log::seq)
        .limit(limit)
        .load(c))
}

/// The articles whose featured image is `media`: a change to it changes them.
pub fn articles_showing_media(conn: &mut DbConn, media: i64) -> QueryResult<Vec<i64>> {
    with_conn!(conn, |c| articles::table
        .select(articles::id)
        .filter(articles::featured_media_id.eq(media))
        .load(c))
}

/// The last sequence number handed out (committed or not: read it before the data).
pub fn last(conn: &mut DbConn) -> QueryResult<i64> {
    with_conn!(conn, |c| change_seq::table
        .select(change_seq::value)
        .find(1)
        .first(c))
}

/// The last sequence number handed out and how many view flushes have written, in one
/// statement: what a server following the others looks at.
pub fn positions(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    with_conn!(conn, |c| change_seq::table
        .select((change_seq::value, change_seq::views_flushed))
        .find(1)
        .first(c))
}

/// Counts a view flush, in its transaction; answers the count it made. Call it last there:
/// the counter row is every writer's, and it stays locked until the flush commits.
pub fn count_views_flush(conn: &mut DbConn) -> QueryResult<i64> {
    with_conn!(conn, |c| diesel::update(change_seq::table.find(1))
        .set(change_seq::views_flushed.eq(change_seq::views_flushed + 1))
        .returning(change_seq::views_flushed)
        .get_result(c))
}

/// The oldest entry still kept, if any.
pub fn oldest(conn: &mut DbConn) -> QueryResult<Option<i64>> {
    with_conn!(conn, |c| change_log::table
        .select(diesel::dsl::min(change_log::seq))
        .first(c))
}

/// The ids of `kind` changed in `(after, upto]`, each with its latest change.
pub fn changed(
    conn: &mut DbConn,
    kind: &str,
    after: i64,
    upto: i64,
) -> QueryResult<Vec<(i64, NaiveDateTime)>> {
    with_conn!(conn, |c| change_log::table
        .group_by(change_log::entity_id)
        .select((change_log::entity_id, diesel::dsl::max(change_log::at)))
        .filter(change_log::kind.eq(kind))
        .filter(change_log::seq.gt(after))
        .filter(change_log::seq.le(upto))
        .load::<(i64, Option<NaiveDateTime>)>(c))
    .map(|rows| {
        rows.into_iter()
            .map(|(id, at)| (id, at.unwrap_or_default()))
            .collect()
    })
}

/// Forgets entries older than `before`; answers how many.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::delete(
        change_log::table.filter(change_log::at.lt(before))
    )
    .execute(c))
}

/// The articles filed under a section or any section below it, as primary or secondary
/// section: their section paths show its name.
pub fn articles_under_section(conn: &mut DbConn, section: i64) -> QueryResult<Vec<i64>> {
    use super::schema::{article_sections, sections};
    let tree: Vec<(i64, Option<i64>)> = with_conn!(conn, |c| sections::table
        .select((sections::id, sections::parent_id))
        .load(c))?;
    let mut under = vec![section];
    let mut i = 0;
    while i < under.len() {
        let parent = under[i];
        under.extend(tree.iter().filter(|(_, p)| *p == Some(parent)).map(|(id, _)| *id));
        i += 1;
    }
    let mut ids: Vec<i64> = with_conn!(conn, |c| articles::table
        .select(articles::id)
        .filter(articles::section_id.eq_any(&under))
        .union(
            article_sections::table
                .select(article_sections::article_id)
                .filter(article_sections::section_id.eq_any(&under)),
        )
        .load(c))?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// What changed in `(after, upto]`, each entity once: (kind, id).
pub fn entities_between(conn: &mut DbConn, after: i64, upto: i64) -> QueryResult<Vec<(String, i64)>> {
    with_conn!(conn, |c| change_log::table
        .select((change_log::kind, change_log::entity_id))
        .filter(change_log::seq.gt(after))
        .filter(change_log::seq.le(upto))
        .distinct()
        .load(c))
}

/// The slugs of the section, tag and author feeds that show what changed: the sections
/// (with every section above them, whose feeds hold their sub-sections), tags and authors of
/// these articles, and these sections, tags and authors themselves.
pub fn feed_slugs(
    conn: &mut DbConn,
    articles: &[i64],
    sections: &[i64],
    tags: &[i64],
    authors: &[i64],
) -> QueryResult<[Vec<String>; 3]> {
    use super::schema::{
        article_authors, article_sections, article_tags, authors as a, sections as s, tags as t,
    };
    let tree: Vec<(i64, Option<i64>, String)> =
        with_conn!(conn, |c| s::table.select((s::id, s::parent_id, s::slug)).load(c))?;
    let mut section_ids: Vec<i64> = with_conn!(conn, |c| articles::table
        .select(articles::section_id)
        .filter(articles::id.eq_any(articles))
        .union(
            article_sections::table
                .select(article_sections::section_id)
                .filter(article_sections::article_id.eq_any(articles)),
        )
        .load(c))?;
    section_ids.extend_from_slice(sections);
    let mut i = 0;
    while i < section_ids.len() && section_ids.len() <= tree.len() * 2 {
        let parent = tree
            .iter()
            .find(|(id, _, _)| *id == section_ids[i])
            .and_then(|(_, p, _)| *p);
        if let Some(parent) = parent
            && !section_ids.contains(&parent)
        {
            section_ids.push(parent);
        }
        i += 1;
    }
    let section_slugs = tree
        .iter()
        .filter(|(id, _, _)| section_ids.contains(id))
        .map(|(_, _, slug)| slug.clone())
        .collect();
    let tag_slugs = with_conn!(conn, |c| t::table
        .select(t::slug)
        .filter(
            t::id
                .eq_any(
                    article_tags::table
                        .select(article_tags::tag_id)
                        .filter(article_tags::article_id.eq_any(articles)),
                )
                .or(t::id.eq_any(tags)),
        )
        .order(t::slug)
        .load(c))?;
    let author_slugs = with_conn!(conn, |c| a::table
        .select(a::slug)
        .filter(
            a::id
                .eq_any(
                    article_authors::table
                        .select(article_authors::author_id)
                        .filter(article_authors::article_id.eq_any(articles)),
                )
                .or(a::id.eq_any(authors)),
        )
        .order(a::slug)
        .load(c))?;
    Ok([section_slugs, tag_slugs, author_slugs])
}
