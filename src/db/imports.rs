//! What imports remember: the other system's ids (see the imports migration) and the old
//! addresses of what they brought.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{articles, authors, comments, import_ids, redirects, sections, tags};
use crate::with_conn;

/// Masthead's id of a thing an import brought from `source`, with its modification time
/// there as of that import.
pub fn local_id(
    conn: &mut DbConn,
    source: &str,
    kind: &str,
    remote_id: i64,
) -> QueryResult<Option<(i64, Option<NaiveDateTime>)>> {
    with_conn!(conn, |c| import_ids::table
        .select((import_ids::local_id, import_ids::remote_modified))
        .find((source, kind, remote_id))
        .first(c)
        .optional())
}

/// Every id of `kind` from `source`: remote → local.
pub fn local_ids(conn: &mut DbConn, source: &str, kind: &str) -> QueryResult<Vec<(i64, i64)>> {
    with_conn!(conn, |c| import_ids::table
        .select((import_ids::remote_id, import_ids::local_id))
        .filter(import_ids::source.eq(source))
        .filter(import_ids::kind.eq(kind))
        .load(c))
}

pub fn remember(
    conn: &mut DbConn,
    source: &str,
    kind: &str,
    remote_id: i64,
    local_id: i64,
    remote_modified: Option<NaiveDateTime>,
) -> QueryResult<()> {
    with_conn!(conn, |c| diesel::insert_into(import_ids::table)
        .values((
            import_ids::source.eq(source),
            import_ids::kind.eq(kind),
            import_ids::remote_id.eq(remote_id),
            import_ids::local_id.eq(local_id),
            import_ids::remote_modified.eq(remote_modified),
        ))
        .on_conflict((import_ids::source, import_ids::kind, import_ids::remote_id))
        .do_update()
        .set((
            import_ids::local_id.eq(local_id),
            import_ids::remote_modified.eq(remote_modified),
        ))
        .execute(c))?;
    Ok(())
}

/// Records an old address; a path already recorded points at the new target.
pub fn add_redirect(
    conn: &mut DbConn,
    path: &str,
    kind: &str,
    target_id: Option<i64>,
    feed_of: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    with_conn!(conn, |c| diesel::insert_into(redirects::table)
        .values((
            redirects::path.eq(path),
            redirects::kind.eq(kind),
            redirects::target_id.eq(target_id),
            redirects::feed_of.eq(feed_of),
            redirects::created_at.eq(now),
        ))
        .on_conflict(redirects::path)
        .do_update()
        .set((
            redirects::kind.eq(kind),
            redirects::target_id.eq(target_id),
            redirects::feed_of.eq(feed_of),
        ))
        .execute(c))?;
    Ok(())
}

/// An old address: (kind, target id, feed of).
pub type RedirectRow = (String, Option<i64>, Option<String>);

pub fn redirect(conn: &mut DbConn, path: &str) -> QueryResult<Option<RedirectRow>> {
    with_conn!(conn, |c| redirects::table
        .select((redirects::kind, redirects::target_id, redirects::feed_of))
        .find(path)
        .first(c)
        .optional())
}

/// The slug of a section, tag or author.
pub fn slug_of(conn: &mut DbConn, kind: &str, id: i64) -> QueryResult<Option<String>> {
    match kind {
        "section" => with_conn!(conn, |c| sections::table
            .select(sections::slug)
            .find(id)
            .first(c)
            .optional()),
        "tag" => with_conn!(conn, |c| tags::table
            .select(tags::slug)
            .find(id)
            .first(c)
            .optional()),
        "author" => with_conn!(conn, |c| authors::table
            .select(authors::slug)
            .find(id)
            .first(c)
            .optional()),
        _ => with_conn!(conn, |c| articles::table
            .select(articles::slug)
            .find(id)
            .first(c)
            .optional()),
    }
}

/// Brings an imported comment up to date with its source.
pub fn update_comment(
    conn: &mut DbConn,
    id: i64,
    status: crate::content::status::CommentStatus,
    body: &str,
    author_name: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(comments::table.find(id))
        .set((
            comments::status.eq(status),
            comments::answered_status.eq(status),
            comments::body.eq(body),
            comments::author_name.eq(author_name),
            comments::updated_at.eq(now),
        ))
        .execute(c))
}
