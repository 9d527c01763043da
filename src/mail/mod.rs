//! E-mail through a durable outbox: `enqueue` writes the message in the caller's transaction;
//! `worker` sends due messages over SMTP (or to the log), retrying with back-off.

pub mod sender;
pub mod worker;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::OutboxMessage;
use crate::db::schema::outbox;
use crate::domain::{Page, new_id};
use crate::error::AppError;

/// An e-mail to send.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub reply_to: Option<String>,
    /// The one-click unsubscribe URL (RFC 8058) for e-mails to subscribers.
    pub list_unsubscribe: Option<String>,
    pub subscriber_id: Option<String>,
}

/// Queues `mail`; call inside the transaction that causes it, so both happen or neither.
pub fn enqueue(
    conn: &mut SqliteConnection,
    mail: Outgoing,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let id = new_id();
    diesel::insert_into(outbox::table)
        .values(&OutboxMessage {
            id: id.clone(),
            recipient: mail.to,
            subject: mail.subject,
            body: mail.body,
            reply_to: mail.reply_to,
            list_unsubscribe: mail.list_unsubscribe,
            subscriber_id: mail.subscriber_id,
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
        })
        .execute(conn)?;
    Ok(id)
}

/// Messages for admins, newest first, optionally in one status.
pub fn list(
    conn: &mut SqliteConnection,
    status: Option<&str>,
    page: Page,
) -> Result<(Vec<OutboxMessage>, i64), AppError> {
    let query = || {
        let mut q = outbox::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(outbox::status.eq(s.to_string()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .offset(page.offset())
        .limit(page.limit())
        .select(OutboxMessage::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// At start-up, e-mails and webhook deliveries a previous process had claimed but not finished
/// are due again: that process is gone (one server per database), so waiting out its lease only
/// delays them.
pub fn release_claims(conn: &mut SqliteConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    use crate::db::schema::webhook_deliveries;
    let mail = diesel::update(outbox::table.filter(outbox::status.eq("sending")))
        .set((
            outbox::status.eq("pending"),
            outbox::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    let hooks =
        diesel::update(webhook_deliveries::table.filter(webhook_deliveries::status.eq("sending")))
            .set((
                webhook_deliveries::status.eq("pending"),
                webhook_deliveries::next_attempt_at.eq(now),
            ))
            .execute(conn)?;
    Ok(mail + hooks)
}
