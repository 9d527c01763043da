//! The "free gift" sign-up: double opt-in, the gift on confirmation, one-click unsubscribe, and
//! erasure. Answers never reveal whether an address is known.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::models::{Site, Subscriber};
use crate::db::schema::{subscriber_tokens, subscribers};
use crate::domain::{Email, Page, new_id, parse_id};
use crate::error::AppError;
use crate::mail::{self, Outgoing};

pub const CONFIRM_HOURS: i64 = 48;

#[derive(Debug, Clone)]
pub struct Signup {
    pub email: Email,
    pub name: Option<String>,
    pub source: Option<String>,
}

fn hash(token: &str) -> String {
    crate::auth::hex(&Sha256::digest(token.as_bytes()))
}

/// A new token for `purpose`; only its hash is stored.
fn new_token(
    conn: &mut SqliteConnection,
    subscriber_id: &str,
    purpose: &str,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let token = crate::auth::random_token(32);
    diesel::insert_into(subscriber_tokens::table)
        .values((
            subscriber_tokens::token_hash.eq(hash(&token)),
            subscriber_tokens::subscriber_id.eq(subscriber_id),
            subscriber_tokens::purpose.eq(purpose),
            subscriber_tokens::expires_at.eq(expires_at),
            subscriber_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

fn unsubscribe_url(
    conn: &mut SqliteConnection,
    s: &Subscriber,
    base: &str,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let token = new_token(conn, &s.id, "unsubscribe", None, now)?;
    Ok(format!(
        "{base}/api/v1/subscribers/unsubscribe?token={token}"
    ))
}

fn send_confirmation(
    conn: &mut SqliteConnection,
    s: &Subscriber,
    site: &Site,
    base: &str,
    confirm_page: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let token = new_token(
        conn,
        &s.id,
        "confirm",
        Some(now + Duration::hours(CONFIRM_HOURS)),
        now,
    )?;
    let unsubscribe = unsubscribe_url(conn, s, base, now)?;
    let gift = if site.gift_title.is_empty() {
        String::new()
    } else {
        format!(" and get \"{}\"", site.gift_title)
    };
    mail::enqueue(
        conn,
        Outgoing {
            to: s.email.clone(),
            subject: format!("Confirm your subscription to {}", site.title),
            body: format!(
                "Hello{},\n\nPlease confirm your subscription to {}{gift}:\n\n{confirm_page}?token={token}\n\n\
                 The link works for {CONFIRM_HOURS} hours. If you did not sign up, ignore this e-mail.\n\n\
                 Unsubscribe: {unsubscribe}\n",
                s.name
                    .as_deref()
                    .map(|n| format!(" {n}"))
                    .unwrap_or_default(),
                site.title,
            ),
            list_unsubscribe: Some(unsubscribe),
            subscriber_id: Some(s.id.clone()),
            reply_to: None,
        },
        now,
    )?;
    Ok(())
}

/// Signs an address up (or again): a confirmation e-mail, linking to `confirm_page?token=...`,
/// for new, pending and unsubscribed
/// addresses; nothing for confirmed ones. The caller answers the same 202 either way.
pub fn subscribe(
    conn: &mut SqliteConnection,
    signup: Signup,
    base: &str,
    confirm_page: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    crate::db::write(conn, |conn| {
        let site = super::site::get(conn)?;
        let existing: Option<Subscriber> = subscribers::table
            .filter(subscribers::email.eq(signup.email.as_str()))
            .select(Subscriber::as_select())
            .first(conn)
            .optional()?;
        let subscriber = match existing {
            Some(s) if s.status == "confirmed" => return Ok(()),
            Some(s) => diesel::update(subscribers::table.find(&s.id))
                .set((
                    subscribers::status.eq("pending"),
                    subscribers::name.eq(signup.name.or(s.name)),
                    subscribers::source.eq(signup.source.or(s.source)),
                ))
                .returning(Subscriber::as_returning())
                .get_result(conn)?,
            None => diesel::insert_into(subscribers::table)
                .values(&Subscriber {
                    id: new_id(),
                    email: signup.email.into_inner(),
                    name: signup.name,
                    status: "pending".into(),
                    source: signup.source,
                    created_at: now,
                    confirmed_at: None,
                    unsubscribed_at: None,
                })
                .returning(Subscriber::as_returning())
                .get_result(conn)?,
        };
        send_confirmation(conn, &subscriber, &site, base, confirm_page, now)
    })
}

/// The subscriber a token of `purpose` belongs to: 404 unknown, 410 used or expired.
fn redeem(
    conn: &mut SqliteConnection,
    token: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> Result<Subscriber, AppError> {
    let row: Option<(String, Option<NaiveDateTime>, Option<NaiveDateTime>)> =
        subscriber_tokens::table
            .find(hash(token))
            .filter(subscriber_tokens::purpose.eq(purpose))
            .select((
                subscriber_tokens::subscriber_id,
                subscriber_tokens::expires_at,
                subscriber_tokens::used_at,
            ))
            .first(conn)
            .optional()?;
    let Some((subscriber_id, expires_at, used_at)) = row else {
        return Err(AppError::NotFound("This link is not valid.".into()));
    };
    if used_at.is_some() || expires_at.is_some_and(|t| t <= now) {
        return Err(AppError::Gone(
            "This link has expired or was already used; sign up again for a new one.".into(),
        ));
    }
    Ok(subscribers::table
        .find(subscriber_id)
        .select(Subscriber::as_select())
        .first(conn)?)
}

/// Confirms a subscription (single use) and sends the welcome e-mail with the gift.
pub fn confirm(
    conn: &mut SqliteConnection,
    token: &str,
    base: &str,
    now: NaiveDateTime,
) -> Result<(Subscriber, Site), AppError> {
    crate::db::write(conn, |conn| {
        let s = redeem(conn, token, "confirm", now)?;
        diesel::update(subscriber_tokens::table.find(hash(token)))
            .set(subscriber_tokens::used_at.eq(now))
            .execute(conn)?;
        let s: Subscriber = diesel::update(subscribers::table.find(&s.id))
            .set((
                subscribers::status.eq("confirmed"),
                subscribers::confirmed_at.eq(now),
                subscribers::unsubscribed_at.eq(None::<NaiveDateTime>),
            ))
            .returning(Subscriber::as_returning())
            .get_result(conn)?;
        super::webhooks::emit(
            conn,
            "subscriber.confirmed",
            serde_json::json!({"id": s.id, "email": s.email, "name": s.name, "source": s.source}),
            now,
        )?;
        let site = super::site::get(conn)?;
        let unsubscribe = unsubscribe_url(conn, &s, base, now)?;
        let gift = if site.gift_url.is_empty() {
            String::new()
        } else {
            format!(
                "Here is your gift, {}:\n\n{}\n\n{}\n\n",
                site.gift_title, site.gift_url, site.gift_description
            )
        };
        mail::enqueue(
            conn,
            Outgoing {
                to: s.email.clone(),
                subject: format!("Welcome to {}", site.title),
                body: format!(
                    "Thank you for confirming your subscription to {}.\n\n{gift}Unsubscribe: {unsubscribe}\n",
                    site.title
                ),
                list_unsubscribe: Some(unsubscribe),
                subscriber_id: Some(s.id.clone()),
                reply_to: None,
            },
            now,
        )?;
        Ok((s, site))
    })
}

/// Unsubscribes (one click, no sign-in). Repeating it is harmless.
pub fn unsubscribe(
    conn: &mut SqliteConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<Subscriber, AppError> {
    crate::db::write(conn, |conn| {
        let s = redeem(conn, token, "unsubscribe", now)?;
        if s.status == "unsubscribed" {
            return Ok(s);
        }
        Ok(diesel::update(subscribers::table.find(&s.id))
            .set((
                subscribers::status.eq("unsubscribed"),
                subscribers::unsubscribed_at.eq(now),
            ))
            .returning(Subscriber::as_returning())
            .get_result(conn)?)
    })
}

pub fn list(
    conn: &mut SqliteConnection,
    status: Option<&str>,
    page: Page,
) -> Result<(Vec<Subscriber>, i64), AppError> {
    let query = || {
        let mut q = subscribers::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(subscribers::status.eq(s.to_string()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .order((subscribers::created_at.desc(), subscribers::id.desc()))
        .offset(page.offset())
        .limit(page.limit())
        .select(Subscriber::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Every subscriber, oldest first, for the CSV export.
pub fn all(conn: &mut SqliteConnection, status: Option<&str>) -> Result<Vec<Subscriber>, AppError> {
    let mut q = subscribers::table.into_boxed();
    if let Some(s) = status {
        q = q.filter(subscribers::status.eq(s.to_string()));
    }
    Ok(q.order(subscribers::created_at.asc())
        .select(Subscriber::as_select())
        .load(conn)?)
}

/// Erases a subscriber: the row, their tokens and every e-mail to them (cascade).
pub fn erase(conn: &mut SqliteConnection, id: &str) -> Result<(), AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    match diesel::delete(subscribers::table.find(id)).execute(conn)? {
        0 => Err(AppError::not_found()),
        _ => Ok(()),
    }
}
