//! Tags: created on the fly from posts or by editors; counted per visible post.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::content::slugify;
use crate::db::models::Tag;
use crate::db::schema::{post_tags, tags};
use crate::domain::{Page, Slug, new_id};
use crate::error::{AppError, FieldErrors};

pub const NAME_MAX_CHARS: usize = 100;
pub const DESCRIPTION_MAX_CHARS: usize = 500;

/// A tag as an author names it on a post: a slug and a display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRef {
    pub slug: Slug,
    pub name: String,
}

impl TagRef {
    /// From a name ("Rust Tips" → slug `rust-tips`) or a slug.
    pub fn from_name(name: &str) -> Result<TagRef, String> {
        let name = parse_name(name)?;
        let slug = Slug::parse(&slugify(&name))?;
        Ok(TagRef { slug, name })
    }
}

pub fn parse_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    match name.chars().count() {
        0 => Err("is required".into()),
        n if n > NAME_MAX_CHARS => Err(format!("must be at most {NAME_MAX_CHARS} characters")),
        _ => Ok(name.to_string()),
    }
}

pub fn parse_description(raw: &str) -> Result<String, String> {
    let d = raw.trim();
    if d.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(format!(
            "must be at most {DESCRIPTION_MAX_CHARS} characters"
        ));
    }
    Ok(d.to_string())
}

/// The tags with these slugs, created (with their names) when missing, in the given order.
pub fn ensure(conn: &mut SqliteConnection, refs: &[TagRef]) -> Result<Vec<Tag>, AppError> {
    let mut out: Vec<Tag> = Vec::with_capacity(refs.len());
    for r in refs {
        if out.iter().any(|t| t.slug == r.slug.as_str()) {
            continue;
        }
        let existing = tags::table
            .filter(tags::slug.eq(r.slug.as_str()))
            .select(Tag::as_select())
            .first(conn)
            .optional()?;
        let tag = match existing {
            Some(tag) => tag,
            None => diesel::insert_into(tags::table)
                .values((
                    tags::id.eq(new_id()),
                    tags::slug.eq(r.slug.as_str()),
                    tags::name.eq(&r.name),
                    tags::description.eq(""),
                    tags::created_at.eq(super::now()),
                ))
                .returning(Tag::as_returning())
                .get_result(conn)?,
        };
        out.push(tag);
    }
    Ok(out)
}

/// Replaces a post's tags, keeping their order.
pub fn set_for_post(
    conn: &mut SqliteConnection,
    post_id: &str,
    tags: &[Tag],
) -> Result<(), AppError> {
    diesel::delete(post_tags::table.filter(post_tags::post_id.eq(post_id))).execute(conn)?;
    let rows: Vec<_> = tags
        .iter()
        .zip(0..)
        .map(|(t, position)| {
            (
                post_tags::post_id.eq(post_id),
                post_tags::tag_id.eq(&t.id),
                post_tags::position.eq(position),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(post_tags::table)
            .values(&rows)
            .execute(conn)?;
    }
    Ok(())
}

/// (post id, tag) for every given post, in each post's tag order: one query for a whole page.
pub fn for_posts(
    conn: &mut SqliteConnection,
    post_ids: &[String],
) -> Result<Vec<(String, Tag)>, AppError> {
    Ok(post_tags::table
        .inner_join(tags::table)
        .filter(post_tags::post_id.eq_any(post_ids))
        .order((post_tags::post_id, post_tags::position))
        .select((post_tags::post_id, Tag::as_select()))
        .load(conn)?)
}

#[derive(Debug, QueryableByName)]
pub struct TagWithCount {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(sql_type = BigInt)]
    pub post_count: i64,
}

/// The count of posts per tag, as a SQL expression over `t`: live posts only when `live_only`
/// (the `?` is bound to now either way).
fn post_count_sql(live_only: bool) -> String {
    let visible = if live_only {
        "p.status = 'published' AND p.published_at <= ?"
    } else {
        "? IS NOT NULL"
    };
    format!(
        "(SELECT count(*) FROM post_tags pt JOIN posts p ON p.id = pt.post_id \
          WHERE pt.tag_id = t.id AND {visible}) AS post_count"
    )
}

/// Tags by name with how many posts carry each: live posts only when `live_only`.
pub fn list(
    conn: &mut SqliteConnection,
    page: Page,
    live_only: bool,
    now: NaiveDateTime,
) -> Result<(Vec<TagWithCount>, i64), AppError> {
    let total = tags::table.count().get_result(conn)?;
    let rows = diesel::sql_query(format!(
        "SELECT t.id, t.slug, t.name, t.description, t.created_at, {} \
         FROM tags t ORDER BY t.name COLLATE NOCASE, t.slug LIMIT ? OFFSET ?",
        post_count_sql(live_only)
    ))
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(page.limit())
    .bind::<BigInt, _>(page.offset())
    .load(conn)?;
    Ok((rows, total))
}

/// One tag with its post count.
pub fn get_with_count(
    conn: &mut SqliteConnection,
    slug: &str,
    live_only: bool,
    now: NaiveDateTime,
) -> Result<TagWithCount, AppError> {
    let found: Option<TagWithCount> = diesel::sql_query(format!(
        "SELECT t.id, t.slug, t.name, t.description, t.created_at, {} FROM tags t WHERE t.slug = ?",
        post_count_sql(live_only)
    ))
    .bind::<Timestamp, _>(now)
    .bind::<Text, _>(slug)
    .get_result(conn)
    .optional()?;
    found.ok_or_else(AppError::not_found)
}

pub fn get(conn: &mut SqliteConnection, slug: &str) -> Result<Tag, AppError> {
    Ok(tags::table
        .filter(tags::slug.eq(slug))
        .select(Tag::as_select())
        .first(conn)?)
}

fn slug_taken() -> AppError {
    AppError::Conflict("A tag with this slug already exists.".into())
}

pub fn create(
    conn: &mut SqliteConnection,
    name: String,
    slug: Option<Slug>,
    description: String,
) -> Result<Tag, AppError> {
    let slug = match slug {
        Some(s) => s,
        None => Slug::parse(&slugify(&name)).map_err(|e| FieldErrors::single("slug", e))?,
    };
    crate::db::write(conn, |conn| {
        let taken: i64 = tags::table
            .filter(tags::slug.eq(slug.as_str()))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(slug_taken());
        }
        Ok(diesel::insert_into(tags::table)
            .values((
                tags::id.eq(new_id()),
                tags::slug.eq(slug.as_str()),
                tags::name.eq(&name),
                tags::description.eq(&description),
                tags::created_at.eq(super::now()),
            ))
            .returning(Tag::as_returning())
            .get_result(conn)?)
    })
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = tags)]
pub struct TagChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

pub fn update(
    conn: &mut SqliteConnection,
    slug: &str,
    changes: TagChanges,
) -> Result<Tag, AppError> {
    crate::db::write(conn, |conn| {
        let tag = get(conn, slug)?;
        if let Some(new_slug) = &changes.slug
            && new_slug != &tag.slug
        {
            let taken: i64 = tags::table
                .filter(tags::slug.eq(new_slug))
                .count()
                .get_result(conn)?;
            if taken > 0 {
                return Err(slug_taken());
            }
        }
        if changes.slug.is_none() && changes.name.is_none() && changes.description.is_none() {
            return Ok(tag);
        }
        Ok(diesel::update(tags::table.find(&tag.id))
            .set(&changes)
            .returning(Tag::as_returning())
            .get_result(conn)?)
    })
}

/// Deletes a tag; posts keep everything else.
pub fn delete(conn: &mut SqliteConnection, slug: &str) -> Result<(), AppError> {
    match diesel::delete(tags::table.filter(tags::slug.eq(slug))).execute(conn)? {
        0 => Err(AppError::not_found()),
        _ => Ok(()),
    }
}
