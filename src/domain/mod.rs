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

pub use caller::Caller;
pub use email::Email;
pub use page::{Cursor, CursorKey, CursorQuery, Listing, Page, PageQuery, Paging};
pub use password::Password;
pub use post_status::{PostStatus, is_live};
pub use role::Role;
pub use slug::Slug;
pub use states::{
    CommentStatus, ContactStatus, DeliveryStatus, OutboxStatus, PostState, SubscriberStatus,
    TokenPurpose, WebhookEvent,
};
pub use text::{Line, Name, Text, Title};

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

/// An absolute `http(s)://` URL without spaces, as links to the site or a gift must be.
pub fn parse_http_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| "must be an absolute http:// or https:// URL".to_string())?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty()
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
        || url.len() > 2000
    {
        return Err("must be an absolute http:// or https:// URL".into());
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_need_a_scheme_and_host() {
        assert!(parse_http_url("https://example.com/gift").is_ok());
        for bad in [
            "example.com",
            "ftp://x",
            "https://",
            "https:///x",
            "http://a b",
            "javascript:alert(1)",
        ] {
            assert!(parse_http_url(bad).is_err(), "{bad}");
        }
    }

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
