//! Webhook endpoints and their outbox of deliveries (see the migration).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{outbox_cursors, webhook_deliveries as d, webhooks as w};
use crate::content::status::DeliveryStatus;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = w)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub events: String,
    pub section_id: Option<i64>,
    pub secret: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub after_seq: i64,
    pub failing_since: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = w, treat_none_as_default_value = false)]
pub struct NewWebhook {
    pub url: String,
    pub description: String,
    pub events: String,
    pub section_id: Option<i64>,
    pub secret: String,
    pub enabled: bool,
    pub after_seq: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an admin changed; `None` leaves a column as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = w)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<String>,
    pub section_id: Option<Option<i64>>,
    pub secret: Option<String>,
    pub enabled: Option<bool>,
    pub disabled_reason: Option<Option<String>>,
    pub after_seq: Option<i64>,
    pub failing_since: Option<Option<NaiveDateTime>>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub seq: i64,
    pub message_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub response_status: Option<i32>,
    pub last_error: Option<String>,
    pub retry_from: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = d)]
pub struct NewDelivery {
    pub webhook_id: i64,
    pub seq: i64,
    pub message_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: &'static str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub retry_from: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewWebhook) -> QueryResult<i64> {
    with_conn!(conn, |c| diesel::insert_into(w::table)
        .values(new)
        .returning(w::id)
        .get_result(c))
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<WebhookRow>> {
    with_conn!(conn, |c| w::table
        .select(WebhookRow::as_select())
        .find(id)
        .first(c)
        .optional())
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<WebhookRow>> {
    with_conn!(conn, |c| w::table
        .select(WebhookRow::as_select())
        .order(w::id)
        .load(c))
}

pub fn enabled(conn: &mut DbConn) -> QueryResult<Vec<WebhookRow>> {
    with_conn!(conn, |c| w::table
        .select(WebhookRow::as_select())
        .filter(w::enabled.eq(true))
        .order(w::id)
        .load(c))
}

pub fn any_enabled(conn: &mut DbConn) -> QueryResult<bool> {
    with_conn!(conn, |c| diesel::select(diesel::dsl::exists(
        w::table.filter(w::enabled.eq(true))
    ))
    .get_result(c))
}

pub fn update(conn: &mut DbConn, id: i64, changes: &WebhookChanges) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(w::table.find(id))
        .set(changes)
        .execute(c))
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::delete(w::table.find(id)).execute(c))
}

/// Moves an endpoint's position in the log from `from` to `to`, unless another server
/// already did: answers whether this caller did (and so makes the deliveries in between).
pub fn advance(conn: &mut DbConn, id: i64, from: i64, to: i64) -> QueryResult<bool> {
    with_conn!(conn, |c| diesel::update(
        w::table
            .find(id)
            .filter(w::after_seq.eq(from))
            .filter(w::enabled.eq(true))
    )
    .set(w::after_seq.eq(to))
    .execute(c))
    .map(|n| n == 1)
}

/// Queues deliveries; one already made for the same endpoint and log entry stays as it is.
pub fn enqueue(conn: &mut DbConn, new: &[NewDelivery]) -> QueryResult<usize> {
    let mut made = 0;
    // One by one: SQLite takes no batch insert with ON CONFLICT.
    for delivery in new {
        made += with_conn!(conn, |c| diesel::insert_into(d::table)
            .values(delivery)
            .on_conflict((d::webhook_id, d::seq))
            .do_nothing()
            .execute(c))?;
    }
    Ok(made)
}

/// A delivery as a sender needs it, with its endpoint.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub webhook_id: i64,
    pub message_id: String,
    pub payload: String,
    pub attempts: i32,
    pub retry_from: NaiveDateTime,
    pub url: String,
    pub secret: String,
}

/// Takes up to `limit` due deliveries of enabled endpoints for this server until `until`.
/// The conditions are checked again by the UPDATE itself, so of two servers taking the same
/// row at once (PostgreSQL re-reads it after the other's lock), only one gets it.
pub fn claim(
    conn: &mut DbConn,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let due = || {
        d::status
            .eq(DeliveryStatus::Pending.as_str())
            .and(d::next_attempt_at.le(now))
            .and(d::locked_until.is_null().or(d::locked_until.lt(now)))
    };
    let candidates: Vec<i64> = with_conn!(conn, |c| d::table
        .inner_join(w::table)
        .select(d::id)
        .filter(due())
        .filter(w::enabled.eq(true))
        .order(d::id)
        .limit(limit)
        .load(c))?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let taken: Vec<i64> = with_conn!(conn, |c| diesel::update(
        d::table.filter(d::id.eq_any(&candidates)).filter(due())
    )
    .set((d::locked_until.eq(until), d::attempts.eq(d::attempts + 1)))
    .returning(d::id)
    .get_results(c))?;
    with_conn!(conn, |c| d::table
        .inner_join(w::table)
        .select((
            d::id,
            d::webhook_id,
            d::message_id,
            d::payload,
            d::attempts,
            d::retry_from,
            w::url,
            w::secret,
        ))
        .filter(d::id.eq_any(&taken))
        .order(d::id)
        .load::<(i64, i64, String, String, i32, NaiveDateTime, String, String)>(
            c
        ))
    .map(|rows| {
        rows.into_iter()
            .map(
                |(id, webhook_id, message_id, payload, attempts, retry_from, url, secret)| Claimed {
                    id,
                    webhook_id,
                    message_id,
                    payload,
                    attempts,
                    retry_from,
                    url,
                    secret,
                },
            )
            .collect()
    })
}

/// Records how an attempt went: delivered, failed (given up) or pending (tried again at
/// `next`).
pub fn finish(
    conn: &mut DbConn,
    id: i64,
    status: DeliveryStatus,
    response_status: Option<i32>,
    error: Option<&str>,
    next: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let finished = (status != DeliveryStatus::Pending).then_some(now);
    with_conn!(conn, |c| diesel::update(d::table.find(id))
        .set((
            d::status.eq(status.as_str()),
            d::response_status.eq(response_status),
            d::last_error.eq(error),
            d::next_attempt_at.eq(next),
            d::locked_until.eq(None::<NaiveDateTime>),
            d::finished_at.eq(finished),
        ))
        .execute(c))
}

/// An endpoint's deliveries, newest first, before delivery `before`.
pub fn deliveries(
    conn: &mut DbConn,
    webhook: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    with_conn!(conn, |c| {
        let mut q = d::table
            .select(DeliveryRow::as_select())
            .filter(d::webhook_id.eq(webhook))
            .order(d::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(before) = before {
            q = q.filter(d::id.lt(before));
        }
        q.load(c)
    })
}

pub fn delivery(conn: &mut DbConn, webhook: i64, id: i64) -> QueryResult<Option<DeliveryRow>> {
    with_conn!(conn, |c| d::table
        .select(DeliveryRow::as_select())
        .filter(d::webhook_id.eq(webhook))
        .filter(d::id.eq(id))
        .first(c)
        .optional())
}

/// Sends a delivery again, now, with a fresh retry window; a server sending it keeps it
/// until its attempt ends.
pub fn redeliver(conn: &mut DbConn, webhook: i64, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    with_conn!(conn, |c| diesel::update(
        d::table.filter(d::webhook_id.eq(webhook)).filter(d::id.eq(id))
    )
    .set((
        d::status.eq(DeliveryStatus::Pending.as_str()),
        d::next_attempt_at.eq(now),
        d::retry_from.eq(now),
        d::finished_at.eq(None::<NaiveDateTime>),
    ))
    .execute(c))
}

/// A named reader's position in the change log, started at `start` the first time.
pub fn cursor(conn: &mut DbConn, name: &str, start: i64) -> QueryResult<i64> {
    let found: Option<i64> = with_conn!(conn, |c| outbox_cursors::table
        .select(outbox_cursors::seq)
        .find(name)
        .first(c)
        .optional())?;
    match found {
        Some(seq) => Ok(seq),
        None => {
            with_conn!(conn, |c| diesel::insert_into(outbox_cursors::table)
                .values((outbox_cursors::name.eq(name), outbox_cursors::seq.eq(start)))
                .on_conflict(outbox_cursors::name)
                .do_nothing()
                .execute(c))?;
            with_conn!(conn, |c| outbox_cursors::table
                .select(outbox_cursors::seq)
                .find(name)
                .first(c))
        }
    }
}

/// Moves a named reader on from `from` to `to`, unless another server already did.
pub fn advance_cursor(conn: &mut DbConn, name: &str, from: i64, to: i64) -> QueryResult<bool> {
    with_conn!(conn, |c| diesel::update(
        outbox_cursors::table
            .find(name)
            .filter(outbox_cursors::seq.eq(from))
    )
    .set(outbox_cursors::seq.eq(to))
    .execute(c))
    .map(|n| n == 1)
}
