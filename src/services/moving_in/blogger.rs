//! A Blogger backup (Settings → Back up content): one Atom feed whose entries are the blog's
//! settings, template, pages, posts and comments, told apart by their "kind" category. A comment
//! names its post in `thr:in-reply-to` and, when it is a reply, its parent in a `related` link.

use chrono::NaiveDateTime;

use super::source::{SourceAuthor, SourceComment, SourceItem, SourcePost, feed_time, real_email};
use super::xml::Element;
use crate::domain::{CommentStatus, PostStatus};

pub const ATOM: &str = "http://www.w3.org/2005/Atom";
const KIND_SCHEME: &str = "http://schemas.google.com/g/2005#kind";
const KIND_PREFIX: &str = "http://schemas.google.com/blogger/2008/kind#";
const LABEL_SCHEME: &str = "http://www.blogger.com/atom/ns#";

/// The records a Blogger pass reads.
pub fn wanted(ns: &str, name: &str) -> bool {
    ns == ATOM && name == "entry"
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Post,
    Comment,
    Other,
}

pub fn kind(entry: &Element) -> Kind {
    match kind_name(entry) {
        Some("post") => Kind::Post,
        Some("comment") => Kind::Comment,
        _ => Kind::Other,
    }
}

fn kind_name(entry: &Element) -> Option<&str> {
    entry
        .children("category")
        .find(|c| c.attr("scheme") == Some(KIND_SCHEME))
        .and_then(|c| c.attr("term"))
        .and_then(|term| term.strip_prefix(KIND_PREFIX))
}

/// An entry that is neither a post nor a comment, as a skipped line.
pub fn other(entry: &Element) -> SourceItem {
    let reason = match kind_name(entry) {
        Some("settings") => "a setting of the blog".to_string(),
        Some("template") => "the blog's template".to_string(),
        Some("page") => "a page (Byline has no pages yet)".to_string(),
        Some(other) => format!("a Blogger `{other}` entry"),
        None => "an entry that is not a Blogger post or comment".to_string(),
    };
    SourceItem::skipped(entry.text_of("id"), reason)
}

fn link<'a>(entry: &'a Element, rel: &str) -> Option<&'a str> {
    entry
        .children("link")
        .find(|l| l.attr("rel") == Some(rel))
        .and_then(|l| l.attr("href"))
}

fn author(entry: &Element) -> SourceAuthor {
    let author = entry.child("author");
    SourceAuthor {
        name: author.map_or("", |a| a.text_of("name")).to_string(),
        email: author.and_then(|a| real_email(a.text_of("email"))),
    }
}

/// A post entry. The slug is the last part of its URL without `.html`
/// (`/2020/01/my-first-post.html` → `my-first-post`); a draft, which has no URL, takes its title's.
pub fn post(entry: &Element, now: NaiveDateTime) -> SourceItem {
    let source_id = entry.text_of("id").to_string();
    let url = link(entry, "alternate").map(str::to_string);
    let slug = url
        .as_deref()
        .map(|u| u.split(['?', '#']).next().unwrap_or(u))
        .and_then(|u| u.trim_end_matches('/').rsplit('/').next())
        .map(|last| last.trim_end_matches(".html").to_string())
        .unwrap_or_default();
    let draft = entry
        .child("control")
        .is_some_and(|c| c.text_of("draft") == "yes");
    let published_at = feed_time(entry.text_of("published"));
    let status = match published_at {
        _ if draft => PostStatus::Draft,
        Some(t) if t > now => PostStatus::Scheduled,
        _ => PostStatus::Published,
    };
    let tags = entry
        .children("category")
        .filter(|c| c.attr("scheme") == Some(LABEL_SCHEME))
        .filter_map(|c| c.attr("term"))
        .map(|label| (label.to_string(), label.to_string()))
        .collect();
    SourceItem::Post(Box::new(SourcePost {
        source_id,
        source_url: url.filter(|_| !draft),
        title: entry.text_of("title").to_string(),
        slug,
        status,
        published_at,
        author: author(entry),
        tags,
        html: entry.text_of("content").to_string(),
        excerpt: None,
        comments_enabled: true,
    }))
}

/// A comment entry. Its parent's id is its own with the number the `related` link ends in
/// (`tag:blogger.com,1999:blog-1.post-<n>`).
pub fn comment(entry: &Element) -> SourceItem {
    let source_id = entry.text_of("id").to_string();
    let removed = entry.children("extendedProperty").any(|p| {
        p.attr("name") == Some("blogger.contentRemoved") && p.attr("value") == Some("true")
    });
    if removed {
        return SourceItem::skipped(source_id, "a comment removed on Blogger");
    }
    let Some(post_source_id) = entry
        .child("in-reply-to")
        .and_then(|r| r.attr("ref"))
        .map(str::to_string)
    else {
        return SourceItem::skipped(source_id, "a comment that names no post");
    };
    let parent_source_id = link(entry, "related")
        .and_then(|href| href.trim_end_matches('/').rsplit('/').next())
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| {
            source_id
                .rsplit_once(".post-")
                .map(|(blog, _)| format!("{blog}.post-{n}"))
        });
    let Some(created_at) = feed_time(entry.text_of("published")) else {
        return SourceItem::skipped(source_id, "a comment without a date");
    };
    let author = author(entry);
    SourceItem::Comment(Box::new(SourceComment {
        source_id,
        post_source_id,
        parent_source_id,
        author_name: author.name,
        author_email: author.email,
        ip: None,
        created_at,
        // A backup holds the comments the blog shows.
        status: CommentStatus::Approved,
        html: entry.text_of("content").to_string(),
    }))
}
