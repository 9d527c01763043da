//! The contact form: messages for the editors' inbox, optionally forwarded to the site owner.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::outbox::{self, Envelope};
use crate::db::models::ContactMessage;
use crate::db::schema::contact_messages;
use crate::db::{self, Conn};
use crate::domain::{
    ContactStatus, Email, Line, Listing, Paging, Text, WebhookEvent, new_id, parse_id,
};
use crate::error::AppError;
use crate::mail::templates;

pub type MessageText = Text<1, 5_000>;
pub type SenderName = Line<0, 100>;
pub type Subject = Line<0, 200>;

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
    conn: &mut Conn,
    draft: ContactDraft,
    ip: Option<String>,
    user_agent: Option<String>,
    notify: Option<&str>,
    now: NaiveDateTime,
) -> Result<ContactMessage, AppError> {
    db::write_transaction(conn, |conn| {
        let message = ContactMessage {
            id: new_id(),
            email: draft.email.into_inner(),
            name: draft.name,
            subject: draft.subject,
            message: draft.message,
            status: if draft.honeypot {
                ContactStatus::Spam
            } else {
                ContactStatus::Unread
            },
            ip,
            user_agent,
            created_at: now,
            updated_at: now,
        };
        let stored: ContactMessage = diesel::insert_into(contact_messages::table)
            .values(&message)
            .returning(crate::db::columns::<ContactMessage>())
            .get_result(conn)?;
        if !draft.honeypot {
            super::webhooks::emit(
                conn,
                WebhookEvent::ContactReceived,
                serde_json::json!({"id": stored.id, "subject": stored.subject}),
                now,
            )?;
        }
        if let (Some(owner), false) = (notify, draft.honeypot) {
            let message = templates::contact_copy(
                stored.subject.as_deref(),
                stored.name.as_deref(),
                &stored.email,
                &stored.message,
            );
            let envelope = Envelope {
                to: owner.to_string(),
                reply_to: Some(stored.email.clone()),
                ..Envelope::default()
            };
            outbox::enqueue(conn, envelope, message, now)?;
        }
        Ok(stored)
    })
}

pub fn list(
    conn: &mut Conn,
    status: Option<ContactStatus>,
    paging: &Paging,
) -> Result<(Vec<ContactMessage>, Listing), AppError> {
    let query = || {
        let mut q = contact_messages::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(contact_messages::status.eq(s));
        }
        q
    };
    db::paged!(
        conn,
        paging,
        query(),
        "-created_at",
        (
            contact_messages::created_at,
            contact_messages::id,
            NaiveDateTime
        ),
        desc,
        ContactMessage::as_select(),
        |r: &ContactMessage| (r.created_at, r.id.clone())
    )
}

pub fn get(conn: &mut Conn, id: &str) -> Result<ContactMessage, AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    Ok(contact_messages::table
        .find(id)
        .select(ContactMessage::as_select())
        .first(conn)?)
}

pub fn set_status(
    conn: &mut Conn,
    id: &str,
    status: ContactStatus,
) -> Result<ContactMessage, AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    Ok(diesel::update(contact_messages::table.find(id))
        .set((
            contact_messages::status.eq(status),
            contact_messages::updated_at.eq(super::now()),
        ))
        .returning(crate::db::columns::<ContactMessage>())
        .get_result(conn)?)
}

pub fn delete(conn: &mut Conn, id: &str) -> Result<(), AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    match diesel::delete(contact_messages::table.find(id)).execute(conn)? {
        0 => Err(AppError::not_found()),
        _ => Ok(()),
    }
}
