//! Comment storage: submissions, the public thread, the moderation queue.

use crate::content::status::CommentStatus;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::comments;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct CommentRow {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub status: CommentStatus,
    pub author_name: String,
    pub author_email: String,
    pub author_url: Option<String>,
    pub body: String,
    pub spam_reason: Option<String>,
    pub answered_status: CommentStatus,
    pub request_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = comments, treat_none_as_default_value = false)]
pub struct NewComment {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub status: CommentStatus,
    pub author_name: String,
    pub author_email: String,
    pub author_url: Option<String>,
    pub body: String,
    pub text_hash: String,
    pub ip_hash: Option<String>,
    pub user_agent: Option<String>,
    pub spam_reason: Option<String>,
    pub idempotency_key: Option<String>,
    pub answered_status: CommentStatus,
    pub request_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &NewComment) -> QueryResult<i64> {
    with_conn!(conn, |c| diesel::insert_into(comments::table)
        .values(row)
        .returning(comments::id)
        .get_result(c))
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<CommentRow>> {
    with_conn!(conn, |c| comments::table
        .select(CommentRow::as_select())
        .find(id)
        .first(c)
        .optional())
}

pub fn by_idempotency_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<CommentRow>> {
    with_conn!(conn, |c| comments::table
        .select(CommentRow::as_select())
        .filter(comments::idempotency_key.eq(key))
        .first(c)
        .optional())
}

/// Whether the same text was posted on the article since `since` (spam or not).
pub fn has_duplicate(
    conn: &mut DbConn,
    article_id: i64,
    text_hash: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    with_conn!(conn, |c| diesel::select(diesel::dsl::exists(
        comments::table
            .filter(comments::article_id.eq(article_id))
            .filter(comments::text_hash.eq(text_hash))
            .filter(comments::created_at.ge(since))
    ))
    .get_result(c))
}

/// Whether this email already has an approved comment.
pub fn has_approved(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    with_conn!(conn, |c| diesel::select(diesel::dsl::exists(
        comments::table
            .filter(comments::author_email.eq(email))
            .filter(comments::status.eq(CommentStatus::Approved))
    ))
    .get_result(c))
}

/// Approved comments of an article, oldest first, after the (created_at, id) cursor.
pub fn approved_page(
    conn: &mut DbConn,
    article_id: i64,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
    top_level_only: bool,
) -> QueryResult<Vec<CommentRow>> {
    with_conn!(conn, |c| {
        let mut q = comments::table
            .select(CommentRow::as_select())
            .filter(comments::article_id.eq(article_id))
            .filter(comments::status.eq(CommentStatus::Approved))
            .order((comments::created_at.asc(), comments::id.asc()))
            .limit(limit)
            .into_boxed();
        if top_level_only {
            q = q.filter(comments::parent_id.is_null());
        }
        if let Some((at, id)) = after {
            q = q.filter(
                comments::created_at
                    .gt(at)
                    .or(comments::created_at.eq(at).and(comments::id.gt(id))),
            );
        }
        q.load(c)
    })
}

/// Approved replies to any of `parents`, oldest first.
pub fn approved_replies(conn: &mut DbConn, parents: &[i64]) -> QueryResult<Vec<CommentRow>> {
    with_conn!(conn, |c| comments::table
        .select(CommentRow::as_select())
        .filter(comments::parent_id.eq_any(parents))
        .filter(comments::status.eq(CommentStatus::Approved))
        .order((comments::created_at.asc(), comments::id.asc()))
        .load(c))
}

/// Approved comments per article.
pub fn approved_counts(conn: &mut DbConn, article_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    with_conn!(conn, |c| comments::table
        .group_by(comments::article_id)
        .select((comments::article_id, diesel::dsl::count_star()))
        .filter(comments::article_id.eq_any(article_ids))
        .filter(comments::status.eq(CommentStatus::Approved))
        .load(c))
}

/// The moderation queue's filters.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub status: Option<CommentStatus>,
    pub article_id: Option<i64>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// Newest first: only comments before this (created_at, id).
    pub before: Option<(NaiveDateTime, i64)>,
    pub limit: i64,
}

pub fn queue(conn: &mut DbConn, q: &QueueQuery) -> QueryResult<Vec<CommentRow>> {
    with_conn!(conn, |c| {
        let mut query = comments::table
            .select(CommentRow::as_select())
            .order((comments::created_at.desc(), comments::id.desc()))
            .limit(q.limit)
            .into_boxed();
        if let Some(s) = &q.status {
            query = query.filter(comments::status.eq(*s));
        }
        if let Some(a) = q.article_id {
            query = query.filter(comments::article_id.eq(a));
        }
        if let Some(t) = q.since {
            query = query.filter(comments::created_at.ge(t));
        }
        if let Some(t) = q.until {
            query = query.filter(comments::created_at.lt(t));
        }
        if let Some((at, id)) = q.before {
            query = query.filter(
                comments::created_at
                    .lt(at)
                    .or(comments::created_at.eq(at).and(comments::id.lt(id))),
            );
        }
        query.load(c)
    })
}

pub fn set_status(
    conn: &mut DbConn,
    id: i64,
    status: CommentStatus,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(comments::table.find(id))
        .set((comments::status.eq(status), comments::updated_at.eq(now)))
        .execute(c))
}

pub fn set_body(
    conn: &mut DbConn,
    id: i64,
    body: &str,
    text_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(comments::table.find(id))
        .set((
            comments::body.eq(body),
            comments::text_hash.eq(text_hash),
            comments::updated_at.eq(now)
        ))
        .execute(c))
}

/// Forgets hashed addresses and user agents of comments older than `before`.
pub fn forget_addresses(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(
        comments::table
            .filter(comments::created_at.lt(before))
            .filter(comments::ip_hash.is_not_null())
    )
    .set((
        comments::ip_hash.eq(None::<String>),
        comments::user_agent.eq(None::<String>)
    ))
    .execute(c))
}
