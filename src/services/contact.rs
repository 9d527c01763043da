//! The contact form: messages for the editors' inbox, optionally forwarded to the site owner.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::ContactMessage;
use crate::db::schema::contact_messages;
use crate::domain::{Email, Page, new_id, parse_id};
use crate::error::AppError;
use crate::mail::{self, Outgoing};

pub const MESSAGE_MAX_CHARS: usize = 5_000;
pub const NAME_MAX_CHARS: usize = 100;
pub const SUBJECT_MAX_CHARS: usize = 200;

#[derive(Debug, Clone)]
pub struct ContactDraft {
    pub email: Email,
    pub message: String,
    pub name: Option<String>,
    pub subject: Option<String>,
    /// The hidden `website` field was filled: a bot.
    pub honeypot: bool,
}

/// Stores a message; spam (the honeypot) is kept as `spam` and not forwarded. With
/// `notify`, the site owner gets a copy whose Reply-To is the sender.
pub fn submit(
    conn: &mut SqliteConnection,
    draft: ContactDraft,
    ip: Option<String>,
    user_agent: Option<String>,
    notify: Option<&str>,
    now: NaiveDateTime,
) -> Result<ContactMessage, AppError> {
    crate::db::write(conn, |conn| {
        let message = ContactMessage {
            id: new_id(),
            email: draft.email.into_inner(),
            name: draft.name,
            subject: draft.subject,
            message: draft.message,
            status: if draft.honeypot { "spam" } else { "unread" }.into(),
            ip,
            user_agent,
            created_at: now,
            updated_at: now,
        };
        let stored = diesel::insert_into(contact_messages::table)
            .values(&message)
            .returning(ContactMessage::as_returning())
            .get_result(conn)?;
        if !draft.honeypot {
            super::webhooks::emit(
                conn,
                "contact.received",
                serde_json::json!({"id": stored.id, "subject": stored.subject}),
                now,
            )?;
        }
        if let (Some(owner), false) = (notify, draft.honeypot) {
            mail::enqueue(
                conn,
                Outgoing {
                    to: owner.to_string(),
                    subject: format!(
                        "Contact form: {}",
                        stored.subject.as_deref().unwrap_or("(no subject)")
                    ),
                    body: format!(
                        "From: {} <{}>\n\n{}\n",
                        stored.name.as_deref().unwrap_or(""),
                        stored.email,
                        stored.message
                    ),
                    reply_to: Some(stored.email.clone()),
                    ..Outgoing::default()
                },
                now,
            )?;
        }
        Ok(stored)
    })
}

pub fn list(
    conn: &mut SqliteConnection,
    status: Option<&str>,
    page: Page,
) -> Result<(Vec<ContactMessage>, i64), AppError> {
    let query = || {
        let mut q = contact_messages::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(contact_messages::status.eq(s.to_string()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .order((
            contact_messages::created_at.desc(),
            contact_messages::id.desc(),
        ))
        .offset(page.offset())
        .limit(page.limit())
        .select(ContactMessage::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn get(conn: &mut SqliteConnection, id: &str) -> Result<ContactMessage, AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    Ok(contact_messages::table
        .find(id)
        .select(ContactMessage::as_select())
        .first(conn)?)
}

pub fn set_status(
    conn: &mut SqliteConnection,
    id: &str,
    status: &str,
) -> Result<ContactMessage, AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    Ok(diesel::update(contact_messages::table.find(id))
        .set((
            contact_messages::status.eq(status),
            contact_messages::updated_at.eq(super::now()),
        ))
        .returning(ContactMessage::as_returning())
        .get_result(conn)?)
}

pub fn delete(conn: &mut SqliteConnection, id: &str) -> Result<(), AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    match diesel::delete(contact_messages::table.find(id)).execute(conn)? {
        0 => Err(AppError::not_found()),
        _ => Ok(()),
    }
}
