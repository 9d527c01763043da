//! Newsletters: a live post e-mailed to the confirmed subscribers, each exactly once. The
//! recipient list is written with the newsletter in one transaction and one statement (an
//! outbox copy per subscriber, unique per pair, its body empty), so a crash can neither drop
//! nor double anyone whatever the list's size. Each copy is rendered when its turn comes, with
//! that reader's own unsubscribe link; a reader who left before then gets nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamp};

use super::outbox::{self, Envelope};
use crate::db::models::{Newsletter, OutboxMessage, Post, Site, Subscriber};
use crate::db::schema::{newsletters, outbox as outbox_table, subscribers};
use crate::db::{self, Conn};
use crate::domain::{
    Email, Line, Listing, NewsletterStatus, OutboxStatus, Paging, SubscriberStatus, WebhookEvent,
    is_live, new_id, parse_id,
};
use crate::error::AppError;
use crate::mail::Links;
use crate::mail::templates;

/// A subject line, as editors may set it (else the post's title).
pub type Subject = Line<1, 200>;

/// What an editor asks for: which post, and optionally a subject and one sign-up `source`.
#[derive(Debug, Clone)]
pub struct NewsletterRequest {
    pub post: String,
    pub subject: Option<String>,
    pub source: Option<String>,
    /// Send even though the post already went out once.
    pub resend: bool,
}

/// The live post `reference` (id or slug) names, or a 404: only what readers can see is sent.
fn live_post(conn: &mut Conn, reference: &str, now: NaiveDateTime) -> Result<Post, AppError> {
    super::posts::find(conn, reference)?
        .filter(|p| is_live(p.status, p.published_at, now))
        .ok_or_else(|| AppError::NotFound("No live post has this id or slug.".into()))
}

/// Queues a newsletter of a live post to the confirmed subscribers (of one `source`, if given):
/// a `409` when the post already went out, unless `resend`.
pub fn create(
    conn: &mut Conn,
    request: &NewsletterRequest,
    created_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<Newsletter, AppError> {
    db::write_transaction(conn, |conn| {
        let post = live_post(conn, &request.post, now)?;
        if !request.resend && already_sent(conn, &post.id)? {
            return Err(AppError::Conflict(
                "This post was already e-mailed to the subscribers; send \"resend\": true to \
                 send it again."
                    .into(),
            ));
        }
        let subject = request
            .subject
            .clone()
            .unwrap_or_else(|| post.title.clone());
        queue(
            conn,
            &post,
            &subject,
            request.source.as_deref(),
            created_by,
            now,
        )
    })
}

/// A post marked `email_subscribers` that is live gets its newsletter once. Call in the
/// transaction that makes it live.
pub fn ensure_for_post(conn: &mut Conn, post: &Post, now: NaiveDateTime) -> Result<(), AppError> {
    if post.email_subscribers
        && is_live(post.status, post.published_at, now)
        && !already_sent(conn, &post.id)?
    {
        queue(conn, post, &post.title, None, None, now)?;
    }
    Ok(())
}

fn already_sent(conn: &mut Conn, post_id: &str) -> Result<bool, AppError> {
    Ok(diesel::select(diesel::dsl::exists(
        newsletters::table.filter(newsletters::post_id.eq(post_id)),
    ))
    .get_result(conn)?)
}

/// The newsletter row and one outbox copy per confirmed subscriber, in one `INSERT ... SELECT`.
fn queue(
    conn: &mut Conn,
    post: &Post,
    subject: &str,
    source: Option<&str>,
    created_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<Newsletter, AppError> {
    let id = new_id();
    diesel::insert_into(newsletters::table)
        .values(&Newsletter {
            id: id.clone(),
            post_id: post.id.clone(),
            subject: subject.to_string(),
            source: source.map(str::to_string),
            status: NewsletterStatus::Queued,
            total: 0,
            sent: 0,
            failed: 0,
            created_by: created_by.map(str::to_string),
            created_at: now,
            finished_at: None,
        })
        .execute(conn)?;
    // Backend-specific: the copies' ids are random UUIDs (v4 layout) made by the database.
    let random_uuid = match conn {
        Conn::Sqlite(_) => {
            "lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)), \
             substr(hex(randomblob(2)), 2), substr('89ab', 1 + abs(random()) % 4, 1), \
             substr(hex(randomblob(2)), 2), hex(randomblob(6))))"
        }
        Conn::Postgres(_) => "gen_random_uuid()::text",
    };
    let total = db::sql_query(
        conn,
        &format!(
            "INSERT INTO outbox (id, recipient, subject, body, subscriber_id, status, attempts, \
                                 next_attempt_at, created_at, newsletter_id) \
             SELECT {random_uuid}, email, ?, '', id, ?, 0, ?, ?, ? \
             FROM subscribers WHERE status = ? AND (CAST(? AS TEXT) IS NULL OR source = ?)"
        ),
    )
    .bind::<Text, _>(subject)
    .bind::<Text, _>(OutboxStatus::Pending.as_str())
    .bind::<Timestamp, _>(now)
    .bind::<Timestamp, _>(now)
    .bind::<Text, _>(&id)
    .bind::<Text, _>(SubscriberStatus::Confirmed.as_str())
    .bind::<Nullable<Text>, _>(source)
    .bind::<Nullable<Text>, _>(source)
    .execute(conn)?;
    let total = i32::try_from(total).unwrap_or(i32::MAX);
    // Nobody to write to: done as soon as it starts.
    let (status, finished_at) = match total {
        0 => (NewsletterStatus::Sent, Some(now)),
        _ => (NewsletterStatus::Queued, None),
    };
    let newsletter = diesel::update(newsletters::table.find(&id))
        .set((
            newsletters::total.eq(total),
            newsletters::status.eq(status),
            newsletters::finished_at.eq(finished_at),
        ))
        .returning(crate::db::columns::<Newsletter>())
        .get_result(conn)?;
    if total == 0 {
        announce_sent(conn, &newsletter, now)?;
    }
    Ok(newsletter)
}

/// Newsletters, newest first.
pub fn list(conn: &mut Conn, paging: &Paging) -> Result<(Vec<Newsletter>, Listing), AppError> {
    db::paged!(
        conn,
        paging,
        newsletters::table.into_boxed(),
        "-created_at",
        (newsletters::created_at, newsletters::id, NaiveDateTime),
        desc,
        Newsletter::as_select(),
        |r: &Newsletter| (r.created_at, r.id.clone())
    )
}

pub fn get(conn: &mut Conn, id: &str) -> Result<Newsletter, AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    newsletters::table
        .find(id)
        .select(Newsletter::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

/// Stops a newsletter: copies not yet claimed are skipped; what went out stays sent.
pub fn cancel(conn: &mut Conn, id: &str, now: NaiveDateTime) -> Result<Newsletter, AppError> {
    db::write_transaction(conn, |conn| {
        let newsletter = get(conn, id)?;
        if !OPEN.contains(&newsletter.status) {
            return Err(AppError::Conflict(format!(
                "This newsletter is {} already.",
                newsletter.status
            )));
        }
        diesel::update(
            outbox_table::table
                .filter(outbox_table::newsletter_id.eq(&newsletter.id))
                .filter(outbox_table::status.eq(OutboxStatus::Pending)),
        )
        .set(outbox_table::status.eq(OutboxStatus::Skipped))
        .execute(conn)?;
        Ok(diesel::update(newsletters::table.find(&newsletter.id))
            .set((
                newsletters::status.eq(NewsletterStatus::Cancelled),
                newsletters::finished_at.eq(Some(now)),
            ))
            .returning(crate::db::columns::<Newsletter>())
            .get_result(conn)?)
    })
}

/// What a newsletter copy is made from, besides its reader.
fn parts(conn: &mut Conn, newsletter_id: &str) -> Result<(Newsletter, Post, Site), AppError> {
    let newsletter: Newsletter = newsletters::table
        .find(newsletter_id)
        .select(Newsletter::as_select())
        .first(conn)?;
    let post = super::posts::find(conn, &newsletter.post_id)?.ok_or_else(AppError::not_found)?;
    Ok((newsletter, post, super::site::get(conn)?))
}

fn render(
    post: &Post,
    site: &Site,
    subject: &str,
    public_url: &str,
    unsubscribe_url: &str,
) -> templates::Message {
    let text = crate::content::plain_text_blocks(&post.html);
    let post_url = super::site::PostUrls::of(site).post(&post.slug, &post.id);
    templates::newsletter(
        &templates::Newsletter {
            site_title: &site.title,
            subject,
            post_title: &post.title,
            post_url: &post_url,
            html: &post.html,
            text: &text,
            public_url,
        },
        unsubscribe_url,
    )
}

/// One copy of a live post to `email` only, subject prefixed `[Test] `: not a newsletter, not
/// counted, sent at once on the transactional lane. Its unsubscribe link leads nowhere.
pub fn send_test(
    conn: &mut Conn,
    post: &str,
    email: Email,
    public_url: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let post = live_post(conn, post, now)?;
    let site = super::site::get(conn)?;
    let subject = format!("[Test] {}", post.title);
    let message = render(&post, &site, &subject, public_url, "#unsubscribe");
    let envelope = Envelope {
        to: email.into_inner(),
        ..Envelope::default()
    };
    outbox::enqueue(conn, envelope, message, now)?;
    Ok(())
}

/// A claimed copy, ready to send, or one to skip.
pub enum Copy {
    Send(Box<OutboxMessage>),
    /// Cancelled, or the reader unsubscribed (or was erased) since it was queued.
    Skip(String),
}

/// Loads a claimed copy: its reader must still be confirmed and the newsletter not cancelled;
/// then it is rendered with a new unsubscribe link of that reader's.
pub fn load_copy(
    conn: &mut Conn,
    id: &str,
    links: &Links,
    public_url: &str,
) -> Result<Copy, AppError> {
    let mut message = outbox::get(conn, id)?;
    let Some(newsletter_id) = message.newsletter_id.clone() else {
        return Ok(Copy::Send(Box::new(message)));
    };
    let (newsletter, post, site) = parts(conn, &newsletter_id)?;
    let reader: Option<Subscriber> = match &message.subscriber_id {
        Some(sid) => subscribers::table
            .find(sid)
            .select(Subscriber::as_select())
            .first(conn)
            .optional()?,
        None => None,
    };
    let reader = match reader {
        Some(r)
            if r.status == SubscriberStatus::Confirmed
                && newsletter.status != NewsletterStatus::Cancelled =>
        {
            r
        }
        _ => return Ok(Copy::Skip(message.id)),
    };
    let unsubscribe =
        super::subscribers::unsubscribe_links(conn, &reader, &links.for_site(&site), super::now())?;
    let rendered = render(
        &post,
        &site,
        &newsletter.subject,
        public_url,
        &unsubscribe.page,
    );
    message.body = rendered.text;
    message.html = rendered.html;
    message.list_unsubscribe = Some(unsubscribe.one_click);
    Ok(Copy::Send(Box::new(message)))
}

/// Marks a claimed copy that will not go out.
pub fn skip_copy(conn: &mut Conn, id: &str) -> Result<(), AppError> {
    diesel::update(outbox_table::table.find(id))
        .set(outbox_table::status.eq(OutboxStatus::Skipped))
        .execute(conn)?;
    Ok(())
}

/// Counts a copy that went out (or failed for good) on its newsletter; the first one makes it
/// `sending`. Call in the transaction that settles the copy.
pub fn count_copy(conn: &mut Conn, newsletter_id: &str, sent: bool) -> Result<(), AppError> {
    diesel::update(newsletters::table.find(newsletter_id))
        .set((
            newsletters::sent.eq(newsletters::sent + i32::from(sent)),
            newsletters::failed.eq(newsletters::failed + i32::from(!sent)),
        ))
        .execute(conn)?;
    diesel::update(
        newsletters::table
            .find(newsletter_id)
            .filter(newsletters::status.eq(NewsletterStatus::Queued)),
    )
    .set(newsletters::status.eq(NewsletterStatus::Sending))
    .execute(conn)?;
    Ok(())
}

/// The states of a newsletter with copies still to go.
const OPEN: [NewsletterStatus; 2] = [NewsletterStatus::Queued, NewsletterStatus::Sending];

/// Newsletters with no copy left to send become `sent` (and `newsletter.sent` is announced).
/// The scheduler calls this every second; only unfinished newsletters are looked at.
pub fn finish_done(conn: &mut Conn, now: NaiveDateTime) -> Result<usize, AppError> {
    // Most seconds nothing is open: a read, not the writer's lock.
    let any_open: bool = diesel::select(diesel::dsl::exists(
        newsletters::table.filter(newsletters::status.eq_any(OPEN)),
    ))
    .get_result(conn)?;
    if !any_open {
        return Ok(0);
    }
    db::write_transaction(conn, |conn| {
        let open: Vec<Newsletter> = newsletters::table
            .filter(newsletters::status.eq_any(OPEN))
            .select(Newsletter::as_select())
            .load(conn)?;
        let mut finished = 0;
        for newsletter in open {
            let waiting: bool = diesel::select(diesel::dsl::exists(
                outbox_table::table
                    .filter(outbox_table::newsletter_id.eq(&newsletter.id))
                    .filter(
                        outbox_table::status.eq_any([OutboxStatus::Pending, OutboxStatus::Sending]),
                    ),
            ))
            .get_result(conn)?;
            if waiting {
                continue;
            }
            let done = diesel::update(newsletters::table.find(&newsletter.id))
                .set((
                    newsletters::status.eq(NewsletterStatus::Sent),
                    newsletters::finished_at.eq(Some(now)),
                ))
                .returning(crate::db::columns::<Newsletter>())
                .get_result(conn)?;
            announce_sent(conn, &done, now)?;
            finished += 1;
        }
        Ok(finished)
    })
}

fn announce_sent(conn: &mut Conn, n: &Newsletter, now: NaiveDateTime) -> Result<(), AppError> {
    super::webhooks::emit(
        conn,
        WebhookEvent::NewsletterSent,
        serde_json::json!({"id": n.id, "post_id": n.post_id, "subject": n.subject,
                           "total": n.total, "sent": n.sent, "failed": n.failed}),
        now,
    )
}
