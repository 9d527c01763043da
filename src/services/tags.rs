//! Tags: created on the fly from posts or by editors; counted per visible post.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::content::slugify;
use crate::db::models::{Post, Tag, TagLabel};
use crate::db::schema::{post_counts, post_tags, tags};
use crate::db::{self, Conn};
use crate::domain::{Cursor, Listing, Name, Paging, PostState, Slug, Text, new_id};
use crate::error::{AppError, FieldErrors};

/// What a tag is about, shown on its page.
pub type Description = Text<0, 500>;

/// A tag as an author names it on a post: a slug and a display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRef {
    pub slug: Slug,
    pub name: String,
}

impl TagRef {
    /// From a name ("Rust Tips" → slug `rust-tips`) or a slug.
    pub fn from_name(name: &str) -> Result<TagRef, String> {
        let name = Name::parse(name)?.into_inner();
        let slug = Slug::parse(&slugify(&name))?;
        Ok(TagRef { slug, name })
    }
}

/// The tags with these slugs, created (with their names) when missing, in the given order.
pub fn ensure(conn: &mut Conn, refs: &[TagRef]) -> Result<Vec<Tag>, AppError> {
    ensure_known(conn, refs, &mut Known::default())
}

/// Tags already looked up or created in this transaction, by slug: an import's posts share a
/// few tags, each read once per batch rather than once per post.
pub type Known = HashMap<String, Tag>;

/// [`ensure`], answering from and adding to `known`.
pub fn ensure_known(
    conn: &mut Conn,
    refs: &[TagRef],
    known: &mut Known,
) -> Result<Vec<Tag>, AppError> {
    let mut out: Vec<Tag> = Vec::with_capacity(refs.len());
    for r in refs {
        if out.iter().any(|t| t.slug == r.slug.as_str()) {
            continue;
        }
        if let Some(tag) = known.get(r.slug.as_str()) {
            out.push(tag.clone());
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
                .returning(crate::db::columns::<Tag>())
                .get_result(conn)?,
        };
        known.insert(tag.slug.clone(), tag.clone());
        out.push(tag);
    }
    Ok(out)
}

/// Takes every tag off a post.
pub fn clear_for_post(conn: &mut Conn, post_id: &str) -> Result<(), AppError> {
    diesel::delete(post_tags::table.filter(post_tags::post_id.eq(post_id))).execute(conn)?;
    Ok(())
}

/// Gives a post without tags its tags, keeping their order; each row carries the post's state
/// and time (kept in step by a trigger after that) so a tag's page is one index walk.
pub fn add_to_post(conn: &mut Conn, post: &Post, tags: &[Tag]) -> Result<(), AppError> {
    let post_id = post.id.as_str();
    let rows: Vec<_> = tags
        .iter()
        .zip(0..)
        .map(|(t, position)| {
            (
                post_tags::post_id.eq(post_id),
                post_tags::tag_id.eq(&t.id),
                post_tags::position.eq(position),
                post_tags::status.eq(post.status),
                post_tags::published_at.eq(post.published_at),
            )
        })
        .collect();
    // A statement per tag, prepared once: Diesel prepares a multi-row insert anew each time.
    for row in &rows {
        let insert = diesel::insert_into(post_tags::table).values(row);
        db::natively!(conn, |c| insert.execute(c))?;
    }
    Ok(())
}

/// (post id, tag) for every given post, in each post's tag order: one query for a whole page.
pub fn for_posts(
    conn: &mut Conn,
    post_ids: &[String],
) -> Result<Vec<(String, TagLabel)>, AppError> {
    Ok(post_tags::table
        .inner_join(tags::table)
        .filter(crate::db::fragments::one_of(post_tags::post_id, post_ids))
        .order((post_tags::post_id, post_tags::position))
        .select((post_tags::post_id, TagLabel::as_select()))
        .load(conn)?)
}

/// A tag and how many posts carry it.
#[derive(Debug)]
pub struct TagWithCount {
    pub tag: Tag,
    pub post_count: i64,
}

/// How many posts carry each of these tags (live posts only when `live_only`), from the counts
/// the database keeps per tag: constant work per tag, whatever the site's size.
fn post_counts(
    conn: &mut Conn,
    tag_ids: &[String],
    live_only: bool,
    now: NaiveDateTime,
) -> Result<HashMap<String, i64>, AppError> {
    let scopes: Vec<String> = tag_ids.iter().map(|id| format!("tag:{id}")).collect();
    let mut kept = post_counts::table
        .filter(post_counts::scope.eq_any(&scopes))
        .select((post_counts::scope, post_counts::n))
        .into_boxed();
    if live_only {
        kept = kept.filter(post_counts::status.eq(PostState::Published));
    }
    let mut counts: HashMap<String, i64> = HashMap::new();
    for (scope, n) in kept.load::<(String, i64)>(conn)? {
        let id = scope.trim_start_matches("tag:").to_string();
        *counts.entry(id).or_default() += n;
    }
    if live_only {
        // Published but not yet live: the few scheduled posts, a short index range per tag.
        let scheduled: Vec<(String, i64)> = post_tags::table
            .filter(post_tags::tag_id.eq_any(tag_ids))
            .filter(post_tags::status.eq(PostState::Published))
            .filter(post_tags::published_at.gt(now))
            .group_by(post_tags::tag_id)
            .select((post_tags::tag_id, count_star()))
            .load(conn)?;
        for (id, n) in scheduled {
            *counts.entry(id).or_default() -= n;
        }
    }
    Ok(counts)
}

fn with_counts(
    conn: &mut Conn,
    rows: Vec<Tag>,
    live_only: bool,
    now: NaiveDateTime,
) -> Result<Vec<TagWithCount>, AppError> {
    let ids: Vec<String> = rows.iter().map(|t| t.id.clone()).collect();
    let counts = post_counts(conn, &ids, live_only, now)?;
    Ok(rows
        .into_iter()
        .map(|tag| TagWithCount {
            post_count: counts.get(&tag.id).copied().unwrap_or(0),
            tag,
        })
        .collect())
}

/// Tags by name with how many posts carry each: live posts only when `live_only`.
pub fn list(
    conn: &mut Conn,
    paging: &Paging,
    live_only: bool,
    now: NaiveDateTime,
) -> Result<(Vec<TagWithCount>, Listing), AppError> {
    use diesel::sql_types::{Bool, Text};
    const ORDER: &str = "name";
    let total: i64 = tags::table.count().get_result(conn)?;
    // By name as people read it (case-insensitive), then slug: the `tags_name` index's order.
    // Backend-specific: how each folds case (the index is on the same expression).
    let (fold, folded) = match conn {
        Conn::Sqlite(_) => ("", " COLLATE NOCASE"),
        Conn::Postgres(_) => ("lower(", ")"),
    };
    let name_folded = format!("{fold}tags.name{folded}");
    let mut walk = tags::table.into_boxed();
    if let Paging::After { cursor, .. } = paging {
        let cursor = cursor.expect(ORDER).map_err(AppError::BadRequest)?;
        let name = cursor.key.clone().unwrap_or_default();
        walk = walk.filter(
            diesel::dsl::sql::<Bool>(&format!("({name_folded}, tags.slug) > ({fold}"))
                .bind::<Text, _>(name)
                .sql(folded)
                .sql(", ")
                .bind::<Text, _>(cursor.id.clone())
                .sql(")"),
        );
    }
    let per_page = paging.per_page() as usize;
    let mut rows: Vec<Tag> = walk
        .order((diesel::dsl::sql::<Text>(&name_folded), tags::slug))
        .offset(paging.offset())
        .limit(i64::from(paging.per_page()) + 1)
        .select(Tag::as_select())
        .load(conn)?;
    let more = rows.len() > per_page;
    rows.truncate(per_page);
    let next_cursor = match (more, rows.last()) {
        (true, Some(last)) => {
            Some(Cursor::new(ORDER, Some(last.name.clone()), &last.slug).encode())
        }
        _ => None,
    };
    let listing = Listing {
        paging: paging.clone(),
        total,
        total_is_lower_bound: false,
        next_cursor,
    };
    Ok((with_counts(conn, rows, live_only, now)?, listing))
}

/// One tag with its post count.
pub fn get_with_count(
    conn: &mut Conn,
    slug: &str,
    live_only: bool,
    now: NaiveDateTime,
) -> Result<TagWithCount, AppError> {
    let tag = get(conn, slug)?;
    with_counts(conn, vec![tag], live_only, now)?
        .pop()
        .ok_or_else(AppError::not_found)
}

pub fn get(conn: &mut Conn, slug: &str) -> Result<Tag, AppError> {
    Ok(tags::table
        .filter(tags::slug.eq(slug))
        .select(Tag::as_select())
        .first(conn)?)
}

fn slug_taken() -> AppError {
    AppError::Conflict("A tag with this slug already exists.".into())
}

pub fn create(
    conn: &mut Conn,
    name: String,
    slug: Option<Slug>,
    description: String,
) -> Result<Tag, AppError> {
    let slug = match slug {
        Some(s) => s,
        None => Slug::parse(&slugify(&name)).map_err(|e| FieldErrors::single("slug", e))?,
    };
    db::write_transaction(conn, |conn| {
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
            .returning(crate::db::columns::<Tag>())
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

pub fn update(conn: &mut Conn, slug: &str, changes: TagChanges) -> Result<Tag, AppError> {
    db::write_transaction(conn, |conn| {
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
            .returning(crate::db::columns::<Tag>())
            .get_result(conn)?)
    })
}

/// Deletes a tag; posts keep everything else.
pub fn delete(conn: &mut Conn, slug: &str) -> Result<(), AppError> {
    match diesel::delete(tags::table.filter(tags::slug.eq(slug))).execute(conn)? {
        0 => Err(AppError::not_found()),
        _ => Ok(()),
    }
}
