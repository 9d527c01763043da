//! The "free gift" sign-up: double opt-in, the gift on confirmation, one-click unsubscribe, and
//! erasure. Answers never reveal whether an address is known.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::outbox::{self, Envelope};
use crate::db::models::{Site, Subscriber};
use crate::db::schema::{subscriber_tokens, subscribers};
use crate::db::{self, Conn};
use crate::domain::{
    Email, Line, Listing, Paging, SubscriberStatus, TokenPurpose, WebhookEvent, new_id, parse_id,
};
use crate::error::AppError;
use crate::mail::Links;
use crate::mail::templates::{self, CONFIRM_HOURS, Gift};

/// How often one address may be sent a confirmation e-mail.
pub const CONFIRM_EVERY_MINUTES: i64 = 60;

/// What the sign-up form may say besides the address: a name, and which form or gift.
pub type SignupText = Line<0, 100>;

#[derive(Debug, Clone)]
pub struct Signup {
    pub email: Email,
    pub name: Option<String>,
    pub source: Option<String>,
}

fn hash(token: &str) -> String {
    crate::crypto::sha256_hex(token.as_bytes())
}

/// A new token for `purpose`; only its hash is stored.
fn new_token(
    conn: &mut Conn,
    subscriber_id: &str,
    purpose: TokenPurpose,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let token = crate::crypto::random_token(32);
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

/// A subscriber's way out of one e-mail, by one token that never expires (old e-mails keep
/// working).
pub struct Unsubscribe {
    /// The link in the text: the site's unsubscribe page (`Links::for_site`).
    pub page: String,
    /// The `List-Unsubscribe` header's URL, which mail clients POST to.
    pub one_click: String,
}

/// A new unsubscribe token of `s`'s; `links` already the site's.
pub fn unsubscribe_links(
    conn: &mut Conn,
    s: &Subscriber,
    links: &Links,
    now: NaiveDateTime,
) -> Result<Unsubscribe, AppError> {
    let token = new_token(conn, &s.id, TokenPurpose::Unsubscribe, None, now)?;
    Ok(Unsubscribe {
        page: links.unsubscribe(&token),
        one_click: links.one_click(&token),
    })
}

/// Queues `message` to a subscriber, with their one-click unsubscribe header.
fn send(
    conn: &mut Conn,
    s: &Subscriber,
    unsubscribe: Unsubscribe,
    message: templates::Message,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let envelope = Envelope {
        to: s.email.clone(),
        reply_to: None,
        list_unsubscribe: Some(unsubscribe.one_click),
        subscriber_id: Some(s.id.clone()),
    };
    outbox::enqueue(conn, envelope, message, now)?;
    Ok(())
}

fn send_confirmation(
    conn: &mut Conn,
    s: &Subscriber,
    site: &Site,
    links: &Links,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let links = links.for_site(site);
    let token = new_token(
        conn,
        &s.id,
        TokenPurpose::Confirm,
        Some(now + Duration::hours(CONFIRM_HOURS)),
        now,
    )?;
    let unsubscribe = unsubscribe_links(conn, s, &links, now)?;
    let message = templates::confirm_subscription(
        &site.title,
        &site.gift_title,
        s.name.as_deref(),
        &links.confirm(&token),
        &unsubscribe.page,
    );
    send(conn, s, unsubscribe, message, now)
}

/// Signs an address up (or again): a confirmation e-mail for new, pending and unsubscribed
/// addresses; nothing for confirmed ones. The caller answers the same 202 either way.
pub fn subscribe(
    conn: &mut Conn,
    signup: Signup,
    links: &Links,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    db::write_transaction(conn, |conn| {
        let site = super::site::get(conn)?;
        let existing: Option<Subscriber> = subscribers::table
            .filter(subscribers::email.eq(signup.email.as_str()))
            .select(Subscriber::as_select())
            .first(conn)
            .optional()?;
        let subscriber: Subscriber = match existing {
            Some(s) if s.status == SubscriberStatus::Confirmed => return Ok(()),
            Some(s) => diesel::update(subscribers::table.find(&s.id))
                .set((
                    subscribers::status.eq(SubscriberStatus::Pending),
                    subscribers::name.eq(signup.name.or(s.name)),
                    subscribers::source.eq(signup.source.or(s.source)),
                ))
                .returning(crate::db::columns::<Subscriber>())
                .get_result(conn)?,
            None => diesel::insert_into(subscribers::table)
                .values(&Subscriber {
                    id: new_id(),
                    email: signup.email.into_inner(),
                    name: signup.name,
                    status: SubscriberStatus::Pending,
                    source: signup.source,
                    created_at: now,
                    confirmed_at: None,
                    unsubscribed_at: None,
                })
                .returning(crate::db::columns::<Subscriber>())
                .get_result(conn)?,
        };
        // A pending address gets one confirmation per window, however often it is signed up:
        // the form cannot be used to flood someone's inbox.
        let recent: i64 = subscriber_tokens::table
            .filter(subscriber_tokens::subscriber_id.eq(&subscriber.id))
            .filter(subscriber_tokens::purpose.eq(TokenPurpose::Confirm))
            .filter(
                subscriber_tokens::created_at.gt(now - Duration::minutes(CONFIRM_EVERY_MINUTES)),
            )
            .count()
            .get_result(conn)?;
        if recent > 0 {
            return Ok(());
        }
        send_confirmation(conn, &subscriber, &site, links, now)
    })
}

/// The subscriber a token of `purpose` belongs to: 404 unknown, 410 used or expired.
fn redeem(
    conn: &mut Conn,
    token: &str,
    purpose: TokenPurpose,
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
    conn: &mut Conn,
    token: &str,
    links: &Links,
    now: NaiveDateTime,
) -> Result<(Subscriber, Site), AppError> {
    db::write_transaction(conn, |conn| {
        let s = redeem(conn, token, TokenPurpose::Confirm, now)?;
        diesel::update(subscriber_tokens::table.find(hash(token)))
            .set(subscriber_tokens::used_at.eq(now))
            .execute(conn)?;
        let s: Subscriber = diesel::update(subscribers::table.find(&s.id))
            .set((
                subscribers::status.eq(SubscriberStatus::Confirmed),
                subscribers::confirmed_at.eq(now),
                subscribers::unsubscribed_at.eq(None::<NaiveDateTime>),
            ))
            .returning(crate::db::columns::<Subscriber>())
            .get_result(conn)?;
        super::webhooks::emit(
            conn,
            WebhookEvent::SubscriberConfirmed,
            serde_json::json!({"id": s.id, "email": s.email, "name": s.name, "source": s.source}),
            now,
        )?;
        let site = super::site::get(conn)?;
        let unsubscribe = unsubscribe_links(conn, &s, &links.for_site(&site), now)?;
        let gift = (!site.gift_url.is_empty()).then(|| Gift {
            title: &site.gift_title,
            url: &site.gift_url,
            description: &site.gift_description,
        });
        let message = templates::welcome(&site.title, gift, &unsubscribe.page);
        send(conn, &s, unsubscribe, message, now)?;
        Ok((s, site))
    })
}

/// Unsubscribes (one click, no sign-in). Repeating it is harmless.
pub fn unsubscribe(
    conn: &mut Conn,
    token: &str,
    now: NaiveDateTime,
) -> Result<Subscriber, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let s = redeem(conn, token, TokenPurpose::Unsubscribe, now)?;
        if s.status == SubscriberStatus::Unsubscribed {
            return Ok(s);
        }
        Ok(diesel::update(subscribers::table.find(&s.id))
            .set((
                subscribers::status.eq(SubscriberStatus::Unsubscribed),
                subscribers::unsubscribed_at.eq(now),
            ))
            .returning(crate::db::columns::<Subscriber>())
            .get_result(conn)?)
    })
}

fn in_status(status: Option<SubscriberStatus>) -> subscribers::BoxedQuery<'static, db::Backend> {
    let mut q = subscribers::table.into_boxed();
    if let Some(s) = status {
        q = q.filter(subscribers::status.eq(s));
    }
    q
}

pub fn list(
    conn: &mut Conn,
    status: Option<SubscriberStatus>,
    paging: &Paging,
) -> Result<(Vec<Subscriber>, Listing), AppError> {
    db::paged!(
        conn,
        paging,
        in_status(status),
        "-created_at",
        (subscribers::created_at, subscribers::id, NaiveDateTime),
        desc,
        Subscriber::as_select(),
        |r: &Subscriber| (r.created_at, r.id.clone())
    )
}

/// Every subscriber, oldest first, for the CSV export.
pub fn all(conn: &mut Conn, status: Option<SubscriberStatus>) -> Result<Vec<Subscriber>, AppError> {
    let q = in_status(status);
    Ok(q.order(subscribers::created_at.asc())
        .select(Subscriber::as_select())
        .load(conn)?)
}

/// Erases a subscriber: the row, their tokens and every e-mail to them (cascade).
pub fn erase(conn: &mut Conn, id: &str) -> Result<(), AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    match diesel::delete(subscribers::table.find(id)).execute(conn)? {
        0 => Err(AppError::not_found()),
        _ => Ok(()),
    }
}
