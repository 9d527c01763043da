//! Rows as stored. Reads are `User`, inserts `NewUser`, updates `UserChanges`; none of these
//! derive `Serialize`, so a stored hash or e-mail can only reach a client through an API type.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_keys, site, users};
use crate::domain::{
    CommentStatus, ContactStatus, DeliveryStatus, NewsletterStatus, OutboxStatus, PostState, Role,
    SubscriberStatus,
};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub password_changed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub password_hash: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
    pub password_changed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub role: Role,
    pub prefix: String,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKey {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub role: Role,
    pub prefix: String,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = site)]
pub struct Site {
    pub id: i32,
    pub title: String,
    pub description: String,
    pub url: String,
    pub gift_title: String,
    pub gift_description: String,
    pub gift_url: String,
    pub comments_moderated: bool,
    pub updated_at: NaiveDateTime,
    /// Where the frontend shows a post (`/posts/{slug}`; see `services::site::PostUrls`).
    pub post_url: String,
    /// Where the e-mailed links lead (`{token}` filled in); empty for the API's endpoints.
    pub confirm_url: String,
    pub unsubscribe_url: String,
    /// The frontend's draft preview page; empty for the API's `GET /api/v1/preview/{token}`.
    pub preview_url: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = super::schema::posts)]
pub struct Post {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    pub excerpt_is_custom: bool,
    pub markdown: Option<String>,
    pub html: String,
    pub status: PostState,
    pub published_at: Option<NaiveDateTime>,
    pub author_id: String,
    pub feature_image: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub word_count: i32,
    pub comments_enabled: bool,
    pub comment_count: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// E-mail it to the subscribers (once) when it goes live.
    pub email_subscribers: bool,
    /// Where a post moved in from Blogger or WordPress was published before.
    pub source_url: Option<String>,
    /// JSON: the copies of `feature_image` (`services::media::ImageCopy`), widest first.
    pub feature_image_variants: String,
}

/// Everything a post's author writes; shared by insert and full update.
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::posts, treat_none_as_null = true)]
pub struct PostContent {
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    pub excerpt_is_custom: bool,
    pub markdown: Option<String>,
    pub html: String,
    pub status: PostState,
    pub published_at: Option<NaiveDateTime>,
    pub feature_image: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub word_count: i32,
    pub comments_enabled: bool,
    pub email_subscribers: bool,
    pub feature_image_variants: String,
}

/// What a post shows of each of its tags: read for every post answer, so no more than that.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = super::schema::tags)]
pub struct TagLabel {
    pub id: String,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = super::schema::tags)]
pub struct Tag {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::post_revisions)]
pub struct PostRevision {
    pub id: String,
    pub post_id: String,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    pub markdown: Option<String>,
    pub html: String,
    pub status: PostState,
    pub published_at: Option<NaiveDateTime>,
    pub edited_by: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::idempotency_keys)]
pub struct IdempotencyKey {
    pub user_id: String,
    pub key: String,
    pub request_hash: String,
    pub status_code: i32,
    pub location: Option<String>,
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::comments)]
pub struct Comment {
    pub id: String,
    pub post_id: String,
    pub parent_id: Option<String>,
    pub path: String,
    pub depth: i32,
    pub status: CommentStatus,
    pub deleted: bool,
    pub author_name: String,
    pub author_email: Option<String>,
    pub user_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub fingerprint: String,
    pub body: String,
    pub html: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The comment's id in the export it moved in from.
    pub source_id: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::subscribers)]
pub struct Subscriber {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub status: SubscriberStatus,
    pub source: Option<String>,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub unsubscribed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::contact_messages)]
pub struct ContactMessage {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub subject: Option<String>,
    pub message: String,
    pub status: ContactStatus,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::outbox)]
pub struct OutboxMessage {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub reply_to: Option<String>,
    pub list_unsubscribe: Option<String>,
    pub subscriber_id: Option<String>,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// The newsletter this is a copy of (rendered when sent; `body` is empty until then).
    pub newsletter_id: Option<String>,
    /// The HTML part, for e-mails that have one.
    pub html: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::newsletters)]
pub struct Newsletter {
    pub id: String,
    pub post_id: String,
    pub subject: String,
    pub source: Option<String>,
    pub status: NewsletterStatus,
    pub total: i32,
    pub sent: i32,
    pub failed: i32,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::webhooks)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::webhook_deliveries)]
pub struct WebhookDelivery {
    pub id: String,
    pub webhook_id: String,
    pub event: String,
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_status_code: Option<i32>,
    pub last_response: Option<String>,
    pub duration_ms: Option<i32>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::media)]
pub struct Media {
    pub id: String,
    pub name: String,
    pub filename: String,
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub alt: String,
    pub uploaded_by: Option<String>,
    pub created_at: NaiveDateTime,
    /// JSON: the resized copies (`services::media::Variant`), widest first.
    pub variants: String,
}
