//! What an export holds, read out of its format: the same items whether the file came from
//! Blogger or WordPress. Nothing here is checked against Byline's rules yet.

use chrono::NaiveDateTime;

use crate::domain::{CommentStatus, Email, PostStatus};

/// A writer as the export names them. Exports often hold no usable address (Blogger writes
/// `noreply@blogger.com` for everyone); then `email` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAuthor {
    pub name: String,
    pub email: Option<Email>,
}

#[derive(Debug, Clone)]
pub struct SourcePost {
    /// Unique across exports: the site and the item's id in it.
    pub source_id: String,
    /// Where the post was published before.
    pub source_url: Option<String>,
    pub title: String,
    /// As the export spells it (percent-encoded, any case); made a valid slug later.
    pub slug: String,
    pub status: PostStatus,
    pub published_at: Option<NaiveDateTime>,
    pub author: SourceAuthor,
    /// `(slug or name, name)`, in the export's order.
    pub tags: Vec<(String, String)>,
    /// The body as HTML, before sanitizing.
    pub html: String,
    pub excerpt: Option<String>,
    pub comments_enabled: bool,
}

#[derive(Debug, Clone)]
pub struct SourceComment {
    pub source_id: String,
    /// The `source_id` of the post it is on.
    pub post_source_id: String,
    pub parent_source_id: Option<String>,
    pub author_name: String,
    pub author_email: Option<Email>,
    pub ip: Option<String>,
    pub created_at: NaiveDateTime,
    pub status: CommentStatus,
    /// The text as HTML (WordPress: after its paragraph rules), before it becomes plain text.
    pub html: String,
}

/// One item of an export.
#[derive(Debug, Clone)]
pub enum SourceItem {
    Post(Box<SourcePost>),
    Comment(Box<SourceComment>),
    /// Something Byline does not import (pages, attachments, menus, settings, templates...).
    Skipped {
        source_id: String,
        reason: String,
    },
}

impl SourceItem {
    pub fn skipped(source_id: impl Into<String>, reason: impl Into<String>) -> SourceItem {
        SourceItem::Skipped {
            source_id: source_id.into(),
            reason: reason.into(),
        }
    }
}

/// An address, unless it is missing, invalid or one of the exporters' placeholders.
pub fn real_email(raw: &str) -> Option<Email> {
    let email = Email::parse(raw).ok()?;
    let placeholder = matches!(
        email.as_str(),
        "noreply@blogger.com" | "anonymous@blogger.com"
    );
    (!placeholder).then_some(email)
}

/// WordPress's `YYYY-MM-DD HH:MM:SS` (UTC in the `_gmt` fields); its zero date means "none".
pub fn wordpress_time(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with("0000-00-00") {
        return None;
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S").ok()
}

/// An RFC 3339 time (Atom) or an RFC 2822 one (RSS `pubDate`), in UTC.
pub fn feed_time(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    chrono::DateTime::parse_from_rfc3339(raw)
        .or_else(|_| chrono::DateTime::parse_from_rfc2822(raw))
        .ok()
        .map(|t| crate::services::stored(t.naive_utc()))
}
