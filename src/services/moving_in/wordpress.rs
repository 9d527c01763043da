//! A WordPress export (WXR 1.0–1.2, Tools → Export): `wp:author`s in the channel, then one
//! `item` per post, page, attachment or menu item, each post with its `wp:comment`s.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::autop::{autop, captions_to_figures};
use super::source::{
    SourceAuthor, SourceComment, SourceItem, SourcePost, feed_time, real_email, wordpress_time,
};
use super::xml::Element;
use crate::domain::{CommentStatus, PostStatus};

/// Every WXR version's namespace starts so.
pub const NAMESPACE_PREFIX: &str = "http://wordpress.org/export/";

/// The records a WordPress pass reads.
pub fn wanted(ns: &str, name: &str) -> bool {
    (ns.is_empty() && name == "item")
        || (ns.starts_with(NAMESPACE_PREFIX)
            && matches!(name, "author" | "base_blog_url" | "base_site_url"))
}

/// The channel's facts items need: who the logins are, and which site this is.
#[derive(Debug, Default)]
pub struct Channel {
    /// `wp:author_login` → the author.
    pub authors: HashMap<String, SourceAuthor>,
    /// `wp:base_blog_url`: part of every source id, so two sites' post 1 stay apart.
    pub site: String,
}

impl Channel {
    /// Takes in a channel-level record; `false` when it is not one.
    pub fn take(&mut self, record: &Element) -> bool {
        match record.name.as_str() {
            "author" => {
                let login = record.text_of("author_login").to_string();
                let name = match record.text_of("author_display_name") {
                    "" => login.clone(),
                    name => name.to_string(),
                };
                let email = real_email(record.text_of("author_email"));
                self.authors.insert(login, SourceAuthor { name, email });
                true
            }
            "base_blog_url" => {
                self.site = record.text.trim().trim_end_matches('/').to_string();
                true
            }
            // Used only when an export has no blog URL (a single site writes both, equal).
            "base_site_url" => {
                if self.site.is_empty() {
                    self.site = record.text.trim().trim_end_matches('/').to_string();
                }
                true
            }
            _ => false,
        }
    }

    fn source_id(&self, kind: &str, id: &str) -> String {
        format!("wordpress:{}:{kind}:{id}", self.site)
    }
}

/// An `item` as what Byline keeps of it: a post followed by its comments (parents first), or
/// a skipped line.
pub fn item(channel: &Channel, item: &Element, now: NaiveDateTime) -> Vec<SourceItem> {
    let id = item.text_of("post_id");
    let source_id = channel.source_id("post", id);
    let post_type = item.text_of("post_type");
    let status = item.text_of("status");
    let skipped = |reason: &str| vec![SourceItem::skipped(source_id.clone(), reason)];
    match post_type {
        "post" | "" => {}
        "page" => return skipped("a page (Byline has no pages yet)"),
        "attachment" => {
            return skipped("an attachment (files are not copied; posts keep their links)");
        }
        "nav_menu_item" => return skipped("a menu item"),
        other => return skipped(&format!("a `{other}` item, not a post")),
    }
    let published_at = wordpress_time(item.text_of("post_date_gmt"))
        .or_else(|| feed_time(item.text_of("pubDate")).filter(|_| status != "draft"));
    let status = match status {
        "publish" => PostStatus::Published,
        "future" if published_at.is_some_and(|t| t > now) => PostStatus::Scheduled,
        "future" => PostStatus::Published,
        "trash" => return skipped("a post in the trash"),
        // draft, pending (awaiting review), private, auto-draft
        _ => PostStatus::Draft,
    };
    let creator = item.text_of("creator");
    let author = channel
        .authors
        .get(creator)
        .cloned()
        .unwrap_or_else(|| SourceAuthor {
            name: creator.to_string(),
            email: None,
        });
    let mut tags: Vec<(String, String)> = Vec::new();
    for category in item.children("category") {
        let domain = category.attr("domain").unwrap_or("category");
        if !matches!(domain, "category" | "post_tag") {
            continue;
        }
        let name = category.text.trim().to_string();
        let slug = category.attr("nicename").unwrap_or(&name).to_string();
        tags.push((slug, name));
    }
    let excerpt = item
        .children("encoded")
        .find(|e| e.ns.contains("excerpt"))
        .map(|e| e.text.trim().to_string())
        .filter(|e| !e.is_empty());
    let mut out = vec![SourceItem::Post(Box::new(SourcePost {
        source_id: source_id.clone(),
        source_url: Some(item.text_of("link").to_string()).filter(|l| !l.is_empty()),
        title: item.text_of("title").to_string(),
        slug: item.text_of("post_name").to_string(),
        status,
        published_at,
        author,
        tags,
        html: content_of(item),
        excerpt,
        comments_enabled: item.text_of("comment_status") != "closed",
    }))];
    out.extend(comments(channel, item, &source_id));
    out
}

/// The body: `content:encoded` (an item also holds `excerpt:encoded`), through WordPress's
/// caption shortcode and paragraph rules.
fn content_of(item: &Element) -> String {
    item.children("encoded")
        .find(|e| e.ns.contains("/content/"))
        .map(|e| autop(&captions_to_figures(&e.text)))
        .unwrap_or_default()
}

/// An item's comments, each after its parent (WordPress exports them by id, which a reply
/// written after a later-approved parent can precede).
fn comments(channel: &Channel, item: &Element, post_source_id: &str) -> Vec<SourceItem> {
    let mut out = Vec::new();
    let mut waiting: Vec<(String, Option<String>, SourceItem)> = Vec::new();
    for c in item.children("comment") {
        let id = c.text_of("comment_id");
        let source_id = channel.source_id("comment", id);
        let kind = c.text_of("comment_type");
        if matches!(kind, "pingback" | "trackback") {
            out.push(SourceItem::skipped(source_id, format!("a {kind}")));
            continue;
        }
        let status = match c.text_of("comment_approved") {
            "1" | "approve" => CommentStatus::Approved,
            "spam" => CommentStatus::Spam,
            "trash" | "post-trashed" => {
                out.push(SourceItem::skipped(source_id, "a comment in the trash"));
                continue;
            }
            _ => CommentStatus::Pending,
        };
        let Some(created_at) = wordpress_time(c.text_of("comment_date_gmt"))
            .or_else(|| wordpress_time(c.text_of("comment_date")))
        else {
            out.push(SourceItem::skipped(source_id, "a comment without a date"));
            continue;
        };
        let parent = match c.text_of("comment_parent") {
            "" | "0" => None,
            parent => Some(channel.source_id("comment", parent)),
        };
        let comment = SourceComment {
            source_id: source_id.clone(),
            post_source_id: post_source_id.to_string(),
            parent_source_id: parent.clone(),
            author_name: c.text_of("comment_author").to_string(),
            author_email: real_email(c.text_of("comment_author_email")),
            ip: Some(c.text_of("comment_author_IP").to_string()).filter(|ip| !ip.is_empty()),
            created_at,
            status,
            html: autop(c.text_of("comment_content")),
        };
        waiting.push((source_id, parent, SourceItem::Comment(Box::new(comment))));
    }
    // Parents first: each round places the comments whose parent is placed (or not here).
    let present: std::collections::HashSet<String> =
        waiting.iter().map(|(id, _, _)| id.clone()).collect();
    let mut placed: std::collections::HashSet<String> = std::collections::HashSet::new();
    while !waiting.is_empty() {
        let (ready, rest): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|(_, parent, _)| {
            parent
                .as_ref()
                .is_none_or(|p| placed.contains(p) || !present.contains(p))
        });
        if ready.is_empty() {
            // A cycle (a broken export): the rest as they come.
            out.extend(rest.into_iter().map(|(_, _, c)| c));
            break;
        }
        for (id, _, comment) in ready {
            placed.insert(id);
            out.push(comment);
        }
        waiting = rest;
    }
    out
}
