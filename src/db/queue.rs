//! The durable queues: e-mails (`outbox`) and webhook deliveries. Rows are written by services in
//! the caller's transaction; the jobs claim them here. A claim is a lease: a row whose worker
//! died mid-way becomes due again when it lapses. The claim is the backend-specific part: one
//! `UPDATE ... RETURNING`, under SQLite's single writer lock, or with `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use super::Conn;
use crate::domain::{DeliveryStatus, OutboxStatus};
use crate::error::AppError;

/// Every queue has `id`, `status`, `attempts` and `next_attempt_at`, and the same states:
/// `pending` → `sending` (claimed) → done, or back to `pending` to retry, or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Transactional e-mail: confirmations, contact, moderation.
    Mail,
    /// Newsletter copies: the same outbox, its own lane (and pace), so a list of ten thousand
    /// never holds up a confirmation e-mail.
    Newsletters,
    Webhooks,
}

impl Queue {
    /// One queue per table: what start-up releases.
    const TABLES: [Queue; 2] = [Queue::Mail, Queue::Webhooks];

    fn table(self) -> &'static str {
        match self {
            Queue::Mail | Queue::Newsletters => "outbox",
            Queue::Webhooks => "webhook_deliveries",
        }
    }

    /// The rows of the table that are this queue's (each lane has its partial index).
    fn lane(self) -> &'static str {
        match self {
            Queue::Mail => "AND newsletter_id IS NULL",
            Queue::Newsletters => "AND newsletter_id IS NOT NULL",
            Queue::Webhooks => "",
        }
    }

    /// The stored states: waiting, claimed, finished, given up.
    fn states(self) -> [&'static str; 4] {
        match self {
            Queue::Mail | Queue::Newsletters => [
                OutboxStatus::Pending,
                OutboxStatus::Sending,
                OutboxStatus::Sent,
                OutboxStatus::Failed,
            ]
            .map(OutboxStatus::as_str),
            Queue::Webhooks => [
                DeliveryStatus::Pending,
                DeliveryStatus::Sending,
                DeliveryStatus::Delivered,
                DeliveryStatus::Failed,
            ]
            .map(DeliveryStatus::as_str),
        }
    }

    /// When a finished row was finished.
    fn done_at(self) -> &'static str {
        match self {
            Queue::Mail | Queue::Newsletters => "sent_at",
            Queue::Webhooks => "delivered_at",
        }
    }
}

/// A claimed row: its id and how many attempts this one makes.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claim {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

/// Claims a row whose lease lapsed (its worker died), else the pending row due longest, leasing
/// it until `lease_until`. Each look-up is one seek in the `(status, next_attempt_at)` index
/// (one state each: an `IN` over two would sort every due row, and a newsletter queues
/// thousands at once).
pub fn claim(
    conn: &mut Conn,
    queue: Queue,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<Claim>, AppError> {
    let (table, lane) = (queue.table(), queue.lane());
    let [pending, sending, ..] = queue.states();
    // PostgreSQL: workers on several nodes claim at once; each skips the rows another is
    // claiming instead of waiting for it and then claiming the same row again.
    let skip_claimed = match conn {
        Conn::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        Conn::Sqlite(_) => "",
    };
    let due = format!(
        "(SELECT id FROM {table} WHERE status = ? AND next_attempt_at <= ? {lane} \
          ORDER BY next_attempt_at LIMIT 1 {skip_claimed})"
    );
    Ok(super::sql_query(
        conn,
        &format!(
            "UPDATE {table} SET status = ?, attempts = attempts + 1, next_attempt_at = ? \
         WHERE id = COALESCE({due}, {due}) RETURNING id, attempts"
        ),
    )
    .bind::<Text, _>(sending)
    .bind::<Timestamp, _>(lease_until)
    .bind::<Text, _>(sending)
    .bind::<Timestamp, _>(now)
    .bind::<Text, _>(pending)
    .bind::<Timestamp, _>(now)
    .get_result(conn)
    .optional()?)
}

/// What becomes of a claimed row after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    Done,
    RetryAt(NaiveDateTime),
    Failed,
}

/// Records the end of an attempt on a claimed row.
pub fn settle(
    conn: &mut Conn,
    queue: Queue,
    id: &str,
    outcome: Settle,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let (table, done_at) = (queue.table(), queue.done_at());
    let [pending, _, done, failed] = queue.states();
    let (status, next, finished) = match outcome {
        Settle::Done => (done, now, Some(now)),
        Settle::RetryAt(at) => (pending, at, None),
        Settle::Failed => (failed, now, None),
    };
    super::sql_query(
        conn,
        &format!("UPDATE {table} SET status = ?, next_attempt_at = ?, {done_at} = ? WHERE id = ?"),
    )
    .bind::<Text, _>(status)
    .bind::<Timestamp, _>(next)
    .bind::<diesel::sql_types::Nullable<Timestamp>, _>(finished)
    .bind::<Text, _>(id)
    .execute(conn)?;
    Ok(())
}

/// Makes a finished or failed row due again now, from its first attempt (redelivery).
pub fn requeue(
    conn: &mut Conn,
    queue: Queue,
    id: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let [pending, ..] = queue.states();
    Ok(super::sql_query(
        conn,
        &format!(
            "UPDATE {} SET status = ?, attempts = 0, next_attempt_at = ? WHERE id = ?",
            queue.table()
        ),
    )
    .bind::<Text, _>(pending)
    .bind::<Timestamp, _>(now)
    .bind::<Text, _>(id)
    .execute(conn)?)
}

/// At start-up, rows a previous process had claimed but not finished are due again: that
/// process is gone (one server per SQLite file), so waiting out its lease only delays them. On
/// PostgreSQL other nodes may be mid-way through their claims: those wait for their lease.
pub fn release_claims(conn: &mut Conn, now: NaiveDateTime) -> Result<usize, AppError> {
    if conn.is_postgres() {
        return Ok(0);
    }
    let mut released = 0;
    for queue in Queue::TABLES {
        let [pending, sending, ..] = queue.states();
        released += super::sql_query(
            conn,
            &format!(
                "UPDATE {} SET status = ?, next_attempt_at = ? WHERE status = ?",
                queue.table()
            ),
        )
        .bind::<Text, _>(pending)
        .bind::<Timestamp, _>(now)
        .bind::<Text, _>(sending)
        .execute(conn)?;
    }
    Ok(released)
}
