//! The e-mail outbox: `enqueue` writes an e-mail in the caller's transaction, so the e-mail and
//! what caused it happen together or not at all; the mail job sends it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::OutboxMessage;
use crate::db::schema::outbox;
use crate::db::{self, Conn};
use crate::domain::{Listing, OutboxStatus, Paging, new_id};
use crate::error::AppError;
use crate::mail::templates::Message;

/// Who an e-mail goes to, and the headers that depend on them.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    pub to: String,
    pub reply_to: Option<String>,
    /// The one-click unsubscribe URL (RFC 8058) for e-mails to subscribers.
    pub list_unsubscribe: Option<String>,
    /// Erasing the subscriber erases the e-mail too.
    pub subscriber_id: Option<String>,
}

/// Queues `message`; call inside the transaction that causes it.
pub fn enqueue(
    conn: &mut Conn,
    envelope: Envelope,
    message: Message,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let id = new_id();
    diesel::insert_into(outbox::table)
        .values(&OutboxMessage {
            id: id.clone(),
            recipient: envelope.to,
            subject: message.subject,
            body: message.text,
            reply_to: envelope.reply_to,
            list_unsubscribe: envelope.list_unsubscribe,
            subscriber_id: envelope.subscriber_id,
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
            newsletter_id: None,
            html: message.html,
        })
        .execute(conn)?;
    Ok(id)
}

/// Messages for admins, newest first, optionally in one status.
pub fn list(
    conn: &mut Conn,
    status: Option<OutboxStatus>,
    paging: &Paging,
) -> Result<(Vec<OutboxMessage>, Listing), AppError> {
    let query = || {
        let mut q = outbox::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(outbox::status.eq(s));
        }
        q
    };
    db::paged!(
        conn,
        paging,
        query(),
        "-created_at",
        (outbox::created_at, outbox::id, NaiveDateTime),
        desc,
        OutboxMessage::as_select(),
        |r: &OutboxMessage| (r.created_at, r.id.clone())
    )
}

pub fn get(conn: &mut Conn, id: &str) -> Result<OutboxMessage, AppError> {
    Ok(outbox::table
        .find(id)
        .select(OutboxMessage::as_select())
        .first(conn)?)
}

/// Keeps why the last attempt failed (or clears it after a success).
pub fn record_error(conn: &mut Conn, id: &str, error: Option<String>) -> Result<(), AppError> {
    diesel::update(outbox::table.find(id))
        .set(outbox::last_error.eq(error))
        .execute(conn)?;
    Ok(())
}
