//! Users, refresh tokens, partner keys and the audit log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{api_keys, audit_log, refresh_tokens, users};
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub author_id: Option<i64>,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub author_id: Option<i64>,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub author_id: Option<Option<i64>>,
    pub password_hash: Option<String>,
    pub disabled: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_user(conn: &mut DbConn, new: &NewUser) -> QueryResult<i64> {
    with_conn!(conn, |c| diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result(c))
}

pub fn user_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<UserRow>> {
    with_conn!(conn, |c| users::table
        .select(UserRow::as_select())
        .filter(users::email.eq(email))
        .first(c)
        .optional())
}

pub fn user_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<UserRow>> {
    with_conn!(conn, |c| users::table
        .select(UserRow::as_select())
        .find(id)
        .first(c)
        .optional())
}

pub fn list_users(conn: &mut DbConn) -> QueryResult<Vec<UserRow>> {
    with_conn!(conn, |c| users::table
        .select(UserRow::as_select())
        .order(users::id)
        .load(c))
}

/// Admins who can still sign in: the newsroom is locked out when there are none.
pub fn active_admins(conn: &mut DbConn) -> QueryResult<i64> {
    with_conn!(conn, |c| users::table
        .filter(users::role.eq("admin"))
        .filter(users::disabled.eq(false))
        .count()
        .get_result(c))
}

pub fn update_user(conn: &mut DbConn, id: i64, changes: &UserChanges) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(users::table.find(id))
        .set(changes)
        .execute(c))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshRow {
    pub id: i64,
    pub user_id: i64,
    pub family: String,
    pub expires_at: NaiveDateTime,
    pub spent_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefresh {
    pub user_id: i64,
    pub token_hash: String,
    pub family: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert_refresh(conn: &mut DbConn, new: &NewRefresh) -> QueryResult<()> {
    with_conn!(conn, |c| diesel::insert_into(refresh_tokens::table)
        .values(new)
        .execute(c))
    .map(drop)
}

pub fn refresh_by_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<RefreshRow>> {
    with_conn!(conn, |c| refresh_tokens::table
        .select(RefreshRow::as_select())
        .filter(refresh_tokens::token_hash.eq(hash))
        .first(c)
        .optional())
}

/// Marks a token spent, only if nobody spent it first; returns whether this call did.
pub fn spend_refresh(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    with_conn!(conn, |c| diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::spent_at.is_null())
    )
    .set(refresh_tokens::spent_at.eq(now))
    .execute(c))
    .map(|n| n == 1)
}

pub fn revoke_family(conn: &mut DbConn, family: &str, now: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null())
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(c))
}

pub fn revoke_user_tokens(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null())
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(c))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub tier: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_keys, treat_none_as_default_value = false)]
pub struct NewApiKey {
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub scopes: String,
    pub tier: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_key(conn: &mut DbConn, new: &NewApiKey) -> QueryResult<i64> {
    with_conn!(conn, |c| diesel::insert_into(api_keys::table)
        .values(new)
        .returning(api_keys::id)
        .get_result(c))
}

pub fn key_by_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<ApiKeyRow>> {
    with_conn!(conn, |c| api_keys::table
        .select(ApiKeyRow::as_select())
        .filter(api_keys::key_hash.eq(hash))
        .first(c)
        .optional())
}

pub fn list_keys(conn: &mut DbConn) -> QueryResult<Vec<ApiKeyRow>> {
    with_conn!(conn, |c| api_keys::table
        .select(ApiKeyRow::as_select())
        .order(api_keys::id)
        .load(c))
}

pub fn revoke_key(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(
        api_keys::table.find(id).filter(api_keys::revoked_at.is_null())
    )
    .set(api_keys::revoked_at.eq(now))
    .execute(c))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub summary: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct NewAudit {
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub summary: String,
}

pub fn insert_audit(conn: &mut DbConn, new: &NewAudit) -> QueryResult<()> {
    with_conn!(conn, |c| diesel::insert_into(audit_log::table)
        .values(new)
        .execute(c))
    .map(drop)
}

/// Newest first, `limit` rows, before the entry with id `before`.
pub fn list_audit(conn: &mut DbConn, before: Option<i64>, limit: i64) -> QueryResult<Vec<AuditRow>> {
    with_conn!(conn, |c| {
        let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
        if let Some(b) = before {
            q = q.filter(audit_log::id.lt(b));
        }
        q.order(audit_log::id.desc()).limit(limit).load(c)
    })
}
