//! Comments: the public "Post a comment" form, threads, spam rules and moderation. The author's
//! e-mail, IP and user agent are kept for moderators only.

use chrono::{Duration, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::content;
use crate::db::Conn;
use crate::db::models::Comment;
use crate::db::schema::{comments, posts};
use crate::domain::{
    Caller, CommentStatus, Email, Line, Listing, Paging, Role, Text, WebhookEvent, new_id, parse_id,
};
use crate::error::{AppError, FieldErrors};
use crate::mail::{Links, templates};

/// A commenter's name as shown.
pub type AuthorName = Line<1, 80>;
/// A comment's text as written.
pub type CommentText = Text<1, 10_000>;

/// A comment as submitted, each field already valid.
#[derive(Debug, Clone)]
pub struct CommentDraft {
    pub author_name: String,
    pub author_email: Option<Email>,
    pub body: String,
    pub parent_id: Option<String>,
    /// The hidden `website` field was filled: a bot.
    pub honeypot: bool,
}

/// Who sent it, for moderation and for staff auto-approval.
#[derive(Debug, Clone, Default)]
pub struct Submitter {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub user: Option<Caller>,
}

/// Site-wide rules for new comments.
#[derive(Debug, Clone)]
pub struct Rules {
    /// More links than this marks a comment as spam.
    pub max_links: usize,
    /// Replies nest at most this deep (1 = no replies to replies).
    pub max_depth: i32,
    /// Who hears about comments waiting for moderation (the site owner), if anyone.
    pub notify: Option<String>,
}

/// Too many links, or nothing but links.
fn looks_like_spam(body: &str, max_links: usize) -> bool {
    let urls = content::find_urls(body);
    if urls.len() > max_links {
        return true;
    }
    let mut rest = String::new();
    let mut last = 0;
    for (start, end) in &urls {
        rest.push_str(&body[last..*start]);
        last = *end;
    }
    rest.push_str(&body[last..]);
    !urls.is_empty() && rest.chars().filter(|c| c.is_alphanumeric()).count() < 3
}

/// Text as compared for repeats: Unicode NFKC, invisible characters dropped, white space
/// collapsed, lower case. "Great post", "GREAT  post\u{200b}" and "Ｇreat post" are one text.
fn normalized(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let visible: String = text
        .nfkc()
        .filter(|c| !matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}'))
        .collect();
    visible
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The same text on the same post, whoever signs it.
fn fingerprint(post_id: &str, body: &str) -> String {
    crate::crypto::sha256_hex(format!("{post_id}\n{}", normalized(body)).as_bytes())
}

/// A repeat: the same text on the post within a day from the same e-mail or name, or from the
/// same address when the text is long enough that two readers would not both write it (a new
/// name alone does not make it new; two readers behind one proxy may both say "Thanks!").
fn is_repeat(earlier: &Comment, draft: &CommentDraft, ip: Option<&str>) -> bool {
    const DISTINCT_CHARS: usize = 20;
    let same_ip = ip.is_some()
        && earlier.ip.as_deref() == ip
        && normalized(&draft.body).chars().count() >= DISTINCT_CHARS;
    let same_email = draft
        .author_email
        .as_ref()
        .is_some_and(|e| earlier.author_email.as_deref() == Some(e.as_str()));
    same_ip || same_email || normalized(&earlier.author_name) == normalized(&draft.author_name)
}

/// What webhooks say about a comment (never the author's e-mail or IP).
fn event_data(c: &Comment) -> serde_json::Value {
    serde_json::json!({"id": c.id, "post_id": c.post_id, "parent_id": c.parent_id, "author_name": c.author_name})
}

/// Keeps `posts.comment_count` equal to the post's approved, not deleted comments.
fn recount(conn: &mut Conn, post_id: &str) -> Result<(), AppError> {
    let approved: i64 = comments::table
        .filter(comments::post_id.eq(post_id))
        .filter(comments::status.eq(CommentStatus::Approved))
        .filter(comments::deleted.eq(false))
        .select(count_star())
        .get_result(conn)?;
    diesel::update(posts::table.find(post_id))
        .set(posts::comment_count.eq(i32::try_from(approved).unwrap_or(i32::MAX)))
        .execute(conn)?;
    Ok(())
}

/// Where a new comment `id` goes in its thread: its parent, depth and path. Past the depth
/// limit a reply becomes a sibling of its parent: the deepest allowed level.
fn placement(id: &str, parent: Option<&Comment>, max_depth: i32) -> (Option<String>, i32, String) {
    match parent {
        None => (None, 0, id.to_string()),
        Some(p) if p.depth + 1 >= max_depth => {
            let prefix = p.path.rsplit_once('/').map(|(prefix, _)| prefix);
            let path = prefix.map_or_else(|| id.to_string(), |prefix| format!("{prefix}/{id}"));
            (p.parent_id.clone(), p.depth, path)
        }
        Some(p) => (Some(p.id.clone()), p.depth + 1, format!("{}/{id}", p.path)),
    }
}

/// A comment moved in from another blog, each field valid.
#[derive(Debug, Clone)]
pub struct MovedComment {
    pub source_id: String,
    pub post_source_id: String,
    pub parent_source_id: Option<String>,
    pub author_name: String,
    pub author_email: Option<Email>,
    pub ip: Option<String>,
    pub created_at: NaiveDateTime,
    pub status: CommentStatus,
    /// The plain text and its HTML (`content::render_comment`), made before the transaction.
    pub body: String,
    pub html: String,
}

/// What became of a moved-in comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MovedOutcome {
    Created {
        id: String,
        post_id: String,
    },
    Updated {
        id: String,
        post_id: String,
    },
    Unchanged {
        id: String,
    },
    /// Its post is not on this site (not in the file, or it failed).
    NoPost,
    /// Its parent has not moved in yet; `orphans_at_top` was false.
    NoParentYet,
}

/// Writes a moved-in comment under its post (found by source id) and parent: once, however
/// often the file is imported; a changed status is taken over. A reply whose parent is not here
/// waits (`NoParentYet`) unless `orphans_at_top`, when it becomes a top-level comment. No
/// webhook or e-mail: these comments are old. The caller recounts the post's comments.
pub fn move_in(
    conn: &mut Conn,
    moved: MovedComment,
    max_depth: i32,
    orphans_at_top: bool,
) -> Result<MovedOutcome, AppError> {
    let existing: Option<Comment> = comments::table
        .filter(comments::source_id.eq(&moved.source_id))
        .select(Comment::as_select())
        .first(conn)
        .optional()?;
    if let Some(existing) = existing {
        if existing.status == moved.status || existing.deleted {
            return Ok(MovedOutcome::Unchanged { id: existing.id });
        }
        diesel::update(comments::table.find(&existing.id))
            .set(comments::status.eq(moved.status))
            .execute(conn)?;
        return Ok(MovedOutcome::Updated {
            id: existing.id,
            post_id: existing.post_id,
        });
    }
    let post_id: Option<String> = posts::table
        .filter(posts::source_id.eq(&moved.post_source_id))
        .select(posts::id)
        .first(conn)
        .optional()?;
    let Some(post_id) = post_id else {
        return Ok(MovedOutcome::NoPost);
    };
    let parent: Option<Comment> = match &moved.parent_source_id {
        None => None,
        Some(parent) => comments::table
            .filter(comments::source_id.eq(parent))
            .filter(comments::post_id.eq(&post_id))
            .select(Comment::as_select())
            .first(conn)
            .optional()?,
    };
    if parent.is_none() && moved.parent_source_id.is_some() && !orphans_at_top {
        return Ok(MovedOutcome::NoParentYet);
    }
    let id = new_id();
    let (parent_id, depth, path) = placement(&id, parent.as_ref(), max_depth);
    let comment = Comment {
        id: id.clone(),
        post_id: post_id.clone(),
        parent_id,
        path,
        depth,
        status: moved.status,
        deleted: false,
        author_name: moved.author_name,
        author_email: moved.author_email.map(Email::into_inner),
        user_id: None,
        ip: moved.ip,
        user_agent: None,
        fingerprint: fingerprint(&post_id, &moved.body),
        body: moved.body,
        html: moved.html,
        created_at: moved.created_at,
        updated_at: moved.created_at,
        source_id: Some(moved.source_id),
    };
    diesel::insert_into(comments::table)
        .values(&comment)
        .execute(conn)?;
    Ok(MovedOutcome::Created { id, post_id })
}

/// Sets a post's `comment_count` from its comments (after a batch of moved-in ones).
pub fn recount_post(conn: &mut Conn, post_id: &str) -> Result<(), AppError> {
    recount(conn, post_id)
}

/// Stores a new comment. Spam is stored as `spam` and otherwise treated like any comment, so the
/// sender learns nothing; the caller shows it as `pending`.
pub fn submit(
    conn: &mut Conn,
    post_reference: &str,
    draft: CommentDraft,
    submitter: Submitter,
    rules: Rules,
    links: &Links,
    now: NaiveDateTime,
) -> Result<Comment, AppError> {
    // Rendered before the write lock is taken.
    let html = content::render_comment(&draft.body);
    crate::db::write_transaction(conn, |conn| {
        let post = super::posts::find_live(conn, post_reference, now)?;
        if !post.comments_enabled {
            return Err(AppError::Forbidden(
                "Comments are closed on this post.".into(),
            ));
        }
        let parent = match &draft.parent_id {
            None => None,
            Some(raw) => {
                let found: Option<Comment> = match parse_id(raw) {
                    Some(id) => comments::table
                        .find(id)
                        .select(Comment::as_select())
                        .first(conn)
                        .optional()?,
                    None => None,
                };
                match found {
                    Some(p)
                        if p.post_id == post.id
                            && p.status == CommentStatus::Approved
                            && !p.deleted =>
                    {
                        Some(p)
                    }
                    _ => {
                        return Err(FieldErrors::single(
                            "parent_id",
                            "must be an approved comment on the same post",
                        ));
                    }
                }
            }
        };
        let fingerprint = fingerprint(&post.id, &draft.body);
        let earlier: Vec<Comment> = comments::table
            .filter(comments::post_id.eq(&post.id))
            .filter(comments::fingerprint.eq(&fingerprint))
            .filter(comments::created_at.gt(now - Duration::days(1)))
            .limit(100)
            .select(Comment::as_select())
            .load(conn)?;
        if earlier
            .iter()
            .any(|c| is_repeat(c, &draft, submitter.ip.as_deref()))
        {
            return Err(AppError::Conflict(
                "This comment was already posted.".into(),
            ));
        }
        let staff = submitter
            .user
            .as_ref()
            .is_some_and(|u| u.role >= Role::Author);
        let moderated = super::site::get(conn)?.comments_moderated;
        let status = if draft.honeypot || looks_like_spam(&draft.body, rules.max_links) {
            CommentStatus::Spam
        } else if staff || !moderated {
            CommentStatus::Approved
        } else {
            CommentStatus::Pending
        };
        let id = new_id();
        let (parent_id, depth, path) = placement(&id, parent.as_ref(), rules.max_depth);
        let comment = Comment {
            id,
            post_id: post.id.clone(),
            parent_id,
            path,
            depth,
            status,
            deleted: false,
            author_name: draft.author_name,
            author_email: draft.author_email.map(Email::into_inner),
            user_id: submitter.user.map(|u| u.user_id),
            ip: submitter.ip,
            user_agent: submitter.user_agent,
            fingerprint,
            html,
            body: draft.body,
            created_at: now,
            updated_at: now,
            source_id: None,
        };
        let stored = diesel::insert_into(comments::table)
            .values(&comment)
            .returning(crate::db::columns::<Comment>())
            .get_result(conn)?;
        if status == CommentStatus::Approved {
            recount(conn, &post.id)?;
        }
        if status != CommentStatus::Spam {
            super::webhooks::emit(conn, WebhookEvent::CommentCreated, event_data(&stored), now)?;
        }
        if let (Some(owner), CommentStatus::Pending) = (&rules.notify, status) {
            let message = templates::comment_awaiting_moderation(
                &post.title,
                &stored.author_name,
                &stored.body,
                &links.comment(&stored.id),
            );
            let to = super::outbox::Envelope {
                to: owner.clone(),
                ..Default::default()
            };
            super::outbox::enqueue(conn, to, message, now)?;
        }
        Ok(stored)
    })
}

/// A live post's approved comments in thread order (each reply right after its parent, siblings
/// oldest first).
pub fn thread(
    conn: &mut Conn,
    post_reference: &str,
    paging: &Paging,
    now: NaiveDateTime,
) -> Result<(Vec<Comment>, Listing), AppError> {
    let post = super::posts::find_live(conn, post_reference, now)?;
    crate::db::paged!(
        conn,
        paging,
        comments::table
            .filter(comments::post_id.eq(&post.id))
            .filter(comments::status.eq(CommentStatus::Approved))
            .into_boxed(),
        "thread",
        (comments::path, comments::id, String),
        asc,
        Comment::as_select(),
        |c: &Comment| (c.path.clone(), c.id.clone())
    )
}

#[derive(Debug, Clone, Default)]
pub struct ModerationFilter {
    pub status: Option<CommentStatus>,
    pub post: Option<String>,
    pub q: Option<String>,
}

/// Comments for moderators, newest first.
pub fn list(
    conn: &mut Conn,
    filter: &ModerationFilter,
    paging: &Paging,
) -> Result<(Vec<Comment>, Listing), AppError> {
    // An unknown post matches no comment.
    let post_id = match &filter.post {
        None => None,
        Some(reference) => Some(super::posts::find_id(conn, reference)?.unwrap_or_default()),
    };
    let query = || {
        let mut q = comments::table.into_boxed();
        if let Some(status) = filter.status {
            q = q.filter(comments::status.eq(status));
        }
        if let Some(id) = &post_id {
            q = q.filter(comments::post_id.eq(id.clone()));
        }
        if let Some(text) = &filter.q {
            let pattern = format!(
                "%{}%",
                text.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            q = q.filter(
                comments::body
                    .like(pattern.clone())
                    .escape('\\')
                    .or(comments::author_name.like(pattern.clone()).escape('\\'))
                    .or(comments::author_email
                        .like(pattern)
                        .escape('\\')
                        .assume_not_null()),
            );
        }
        q
    };
    crate::db::paged!(
        conn,
        paging,
        query(),
        "-created_at",
        (comments::created_at, comments::id, NaiveDateTime),
        desc,
        Comment::as_select(),
        |r: &Comment| (r.created_at, r.id.clone())
    )
}

pub fn get(conn: &mut Conn, id: &str) -> Result<Comment, AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    Ok(comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)?)
}

/// At most this many comments in one bulk change.
pub const MAX_BULK: usize = 500;

/// Sets one comment's status and answers it as it is now.
pub fn moderate(conn: &mut Conn, id: &str, status: CommentStatus) -> Result<Comment, AppError> {
    let existing = get(conn, id)?;
    set_status(conn, std::slice::from_ref(&existing.id), status)?;
    get(conn, &existing.id)
}

/// Sets the status of 1 to `MAX_BULK` comments; returns how many of the ids named one.
pub fn moderate_many(
    conn: &mut Conn,
    ids: &[String],
    status: CommentStatus,
) -> Result<usize, AppError> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(FieldErrors::single(
            "ids",
            format!("must name 1 to {MAX_BULK} comments"),
        ));
    }
    if let Some(i) = ids.iter().position(|id| parse_id(id).is_none()) {
        return Err(FieldErrors::single(
            &format!("ids[{i}]"),
            "must be a comment id (UUID)",
        ));
    }
    set_status(conn, ids, status)
}

/// Sets the status of each comment found; returns how many there were.
fn set_status(conn: &mut Conn, ids: &[String], status: CommentStatus) -> Result<usize, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let ids: Vec<String> = ids.iter().filter_map(|i| parse_id(i)).collect();
        let post_ids: Vec<String> = comments::table
            .filter(comments::id.eq_any(&ids))
            .select(comments::post_id)
            .distinct()
            .load(conn)?;
        let newly_approved: Vec<Comment> = if status == CommentStatus::Approved {
            comments::table
                .filter(comments::id.eq_any(&ids))
                .filter(comments::status.ne(CommentStatus::Approved))
                .select(Comment::as_select())
                .load(conn)?
        } else {
            vec![]
        };
        let now = super::now();
        let changed = diesel::update(comments::table.filter(comments::id.eq_any(&ids)))
            .set((comments::status.eq(status), comments::updated_at.eq(now)))
            .execute(conn)?;
        for c in newly_approved {
            super::webhooks::emit(conn, WebhookEvent::CommentApproved, event_data(&c), now)?;
        }
        for post_id in &post_ids {
            recount(conn, post_id)?;
        }
        Ok(changed)
    })
}

/// Deletes a comment. One with replies stays as a "[deleted]" placeholder (its author's data
/// erased) so the thread stays whole.
pub fn delete(conn: &mut Conn, id: &str) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let comment = get(conn, id)?;
        let replies: i64 = comments::table
            .filter(comments::parent_id.eq(&comment.id))
            .select(count_star())
            .get_result(conn)?;
        if replies > 0 {
            diesel::update(comments::table.find(&comment.id))
                .set((
                    comments::deleted.eq(true),
                    comments::author_name.eq("[deleted]"),
                    comments::author_email.eq(None::<String>),
                    comments::ip.eq(None::<String>),
                    comments::user_agent.eq(None::<String>),
                    comments::body.eq(""),
                    comments::html.eq("<p>[deleted]</p>"),
                    comments::updated_at.eq(super::now()),
                ))
                .execute(conn)?;
        } else {
            diesel::delete(comments::table.find(&comment.id)).execute(conn)?;
        }
        recount(conn, &comment.post_id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_spam_is_recognised() {
        assert!(!looks_like_spam(
            "A thoughtful comment with https://example.com in it.",
            3
        ));
        assert!(looks_like_spam("https://a.example https://b.example", 3));
        assert!(looks_like_spam(
            "a https://1.ex b https://2.ex c https://3.ex d https://4.ex",
            3
        ));
        assert!(!looks_like_spam("no links at all", 3));
    }
}
