//! Values that are always valid: parse once at the edge, then trust the type. Imports nothing
//! of ours but `error`.

#[macro_use]
mod text_enum;

mod caller;
mod email;
mod page;
mod password;
mod post_status;
mod role;
mod slug;
mod states;
mod text;
mod url;

pub use caller::Caller;
pub use email::{Email, EmailOrBlank};
pub use page::{Cursor, CursorKey, CursorQuery, Listing, Page, PageQuery, Paging};
pub use password::Password;
pub use post_status::{PostStatus, is_live};
pub use role::Role;
pub use slug::Slug;
pub use states::{
    CommentStatus, ContactStatus, DeliveryStatus, NewsletterStatus, OutboxStatus, PostState,
    SubscriberStatus, TokenPurpose, WebhookEvent,
};
pub use text::{AnyChars, Line, NO_NUL, Name, Text, Title};
pub use url::{
    HttpUrl, HttpUrlOrBlank, ImageUrl, MAX_URL_CHARS, PostUrlTemplate, TokenUrlTemplate, url_under,
};

/// A new time-ordered id (UUID v7) as stored and served.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Parses an id from a path; anything that is not a UUID in its usual hyphenated form (36
/// characters, either case) cannot name a row. The answer is the one canonical spelling, so
/// `{...}`, `urn:uuid:` and no-dash forms never become a second name for the same row.
pub fn parse_id(raw: &str) -> Option<String> {
    if raw.len() != 36 {
        return None;
    }
    uuid::Uuid::try_parse(raw).ok().map(|u| u.to_string())
}

/// An absolute `http(s)://` URL, as links to the site or a gift must be (see `HttpUrl`).
pub fn parse_http_url(raw: &str) -> Result<String, String> {
    HttpUrl::parse(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_uuids() {
        assert!(parse_id("nope").is_none());
        let id = new_id();
        assert_eq!(parse_id(&id), Some(id.clone()));
        assert_eq!(parse_id(&id.to_uppercase()), Some(id.clone()));
        for other in [
            format!("{{{id}}}"),
            format!("urn:uuid:{id}"),
            id.replace('-', ""),
        ] {
            assert_eq!(parse_id(&other), None, "{other}");
        }
    }
}
