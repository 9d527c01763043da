//! Draft preview links: a post's author or an editor hands a frontend a token that reads the
//! post in any status, without handing over their own credentials. Only the token's hash is
//! stored; links expire, are revoked all at once, and die with their post (`ON DELETE CASCADE`).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::posts::{self, PostView};
use crate::db::schema::{posts as posts_table, preview_links};
use crate::db::{self, Conn};
use crate::domain::Caller;
use crate::error::AppError;
use crate::mail::Links;

/// How long a link works unless asked otherwise, and at most.
pub const DEFAULT_DAYS: i64 = 7;
pub const MAX_DAYS: i64 = 90;
/// Live links kept per post: past it, making one drops the oldest, so the table stays small
/// whatever a script does.
pub const MAX_LINKS_PER_POST: i64 = 50;

/// A new link; the token is shown this once.
#[derive(Debug)]
pub struct PreviewLink {
    pub url: String,
    pub token: String,
    pub expires_at: NaiveDateTime,
}

fn hash(token: &str) -> String {
    crate::crypto::sha256_hex(token.as_bytes())
}

/// A link to the post `reference` names, working for `days` (editors, or the post's author).
pub fn create(
    conn: &mut Conn,
    caller: &Caller,
    reference: &str,
    days: i64,
    links: &Links,
    now: NaiveDateTime,
) -> Result<PreviewLink, AppError> {
    let token = crate::crypto::random_token(32);
    let expires_at = now + Duration::days(days);
    db::write_transaction(conn, |conn| {
        let post = posts::editable(conn, caller, reference, now)?;
        let mine = preview_links::table.filter(preview_links::post_id.eq(&post.id));
        diesel::delete(mine.filter(preview_links::expires_at.le(now))).execute(conn)?;
        let oldest_kept: Vec<String> = mine
            .order(preview_links::created_at.desc())
            .select(preview_links::token_hash)
            .offset(MAX_LINKS_PER_POST - 1)
            .load(conn)?;
        diesel::delete(preview_links::table.filter(preview_links::token_hash.eq_any(oldest_kept)))
            .execute(conn)?;
        diesel::insert_into(preview_links::table)
            .values((
                preview_links::token_hash.eq(hash(&token)),
                preview_links::post_id.eq(&post.id),
                preview_links::created_by.eq(&caller.user_id),
                preview_links::created_at.eq(now),
                preview_links::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        let site = super::site::get(conn)?;
        Ok(PreviewLink {
            url: links.for_site(&site).preview(&token),
            token,
            expires_at,
        })
    })
}

/// Revokes every link to the post (editors, or the post's author); how many there were.
pub fn revoke_all(
    conn: &mut Conn,
    caller: &Caller,
    reference: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    db::write_transaction(conn, |conn| {
        let post = posts::editable(conn, caller, reference, now)?;
        Ok(
            diesel::delete(preview_links::table.filter(preview_links::post_id.eq(&post.id)))
                .execute(conn)?,
        )
    })
}

/// The post a token opens, in whatever status it is: 404 for a token that never was (or was
/// revoked, or whose post is gone), 410 once it has expired.
pub fn read(conn: &mut Conn, token: &str, now: NaiveDateTime) -> Result<PostView, AppError> {
    let not_valid = || AppError::NotFound("This preview link is not valid.".into());
    if token.len() > 128 {
        return Err(not_valid());
    }
    let (post_id, expires_at): (String, NaiveDateTime) = preview_links::table
        .find(hash(token))
        .select((preview_links::post_id, preview_links::expires_at))
        .first(conn)
        .optional()?
        .ok_or_else(not_valid)?;
    if expires_at <= now {
        return Err(AppError::Gone(
            "This preview link has expired; ask for a new one.".into(),
        ));
    }
    let post = posts_table::table
        .find(post_id)
        .select(crate::db::models::Post::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(not_valid)?;
    posts::view(conn, post)
}
