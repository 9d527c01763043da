//! Posts: writing (render, sanitize, slug, status and time), reading with visibility rules,
//! revisions, and bulk import. Visibility is decided at read time, so a scheduled post goes live
//! by itself when its time passes.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

pub use super::deep_pages::DeepPages;
use super::idempotency::{self, Replay};
pub use super::post_list::{PostFilter, PostPage, Sort, list};
use super::search;
use super::tags::{self, TagRef};
use crate::content::{self, Source};
use crate::db::fragments::Unindexed;
use crate::db::models::{Post, PostContent, PostRevision, Tag, TagLabel};
use crate::db::schema::{post_revisions, post_tags, posts, site, tags as tags_table, users};
use crate::db::{self, Conn};
use crate::domain::{
    Caller, Listing, Paging, PostState, PostStatus, Slug, WebhookEvent, is_live, new_id, parse_id,
};
use crate::error::{AppError, FieldErrors};

/// A post's body as the author sent it.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Markdown(String),
    Html(String),
}

impl Body {
    /// The body from a request's `markdown` and `html` fields. With both, Markdown is the source
    /// and `html` (what it renders to) is ignored: a client may send back a post as it read it.
    pub fn from_fields(markdown: Option<String>, html: Option<String>) -> Option<Body> {
        match (markdown, html) {
            (Some(md), _) => Some(Body::Markdown(md)),
            (None, Some(html)) => Some(Body::Html(html)),
            (None, None) => None,
        }
    }
}

/// At most this many tags on a post.
pub const MAX_TAGS: usize = 30;

/// A feature image: an absolute http(s) URL, or a path on this server such as `/media/...`.
pub fn parse_feature_image(raw: &str) -> Result<String, String> {
    crate::domain::ImageUrl::parse(raw)
}

/// Everything an author sets on a post, each field already valid on its own.
#[derive(Debug, Clone)]
pub struct PostDraft {
    pub title: String,
    pub slug: Option<Slug>,
    pub body: Option<Body>,
    /// `None`: derived from the body.
    pub excerpt: Option<String>,
    pub status: PostStatus,
    pub published_at: Option<NaiveDateTime>,
    pub tags: Vec<TagRef>,
    pub feature_image: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub comments_enabled: bool,
    /// E-mail it to the confirmed subscribers once, when it goes live.
    pub email_subscribers: bool,
}

/// Fields to change; `None` leaves a field alone, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct PostPatch {
    pub title: Option<String>,
    pub slug: Option<Slug>,
    pub body: Option<Body>,
    pub excerpt: Option<Option<String>>,
    pub status: Option<PostStatus>,
    pub published_at: Option<Option<NaiveDateTime>>,
    pub tags: Option<Vec<TagRef>>,
    pub feature_image: Option<Option<String>>,
    pub meta_title: Option<Option<String>>,
    pub meta_description: Option<Option<String>>,
    pub comments_enabled: Option<bool>,
    pub email_subscribers: Option<bool>,
}

/// A post with what readers see beside it.
#[derive(Debug, Clone)]
pub struct PostView {
    pub post: Post,
    pub author_name: String,
    pub tags: Vec<TagLabel>,
    /// Where the site's frontend shows it (the site's `post_url`).
    pub url: String,
}

/// Who is reading: the public sees live posts only.
#[derive(Debug, Clone)]
pub enum Viewer {
    Public,
    User(Caller),
}

impl Viewer {
    pub fn is_public(&self) -> bool {
        matches!(self, Viewer::Public)
    }
}

impl Post {
    /// Readers may see it now (see `domain::is_live`).
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        is_live(self.status, self.published_at, now)
    }
}

/// Live posts for everyone, and all the posts a signed-in caller may change.
fn can_read(viewer: &Viewer, post: &Post, now: NaiveDateTime) -> bool {
    post.is_live(now)
        || match viewer {
            Viewer::Public => false,
            Viewer::User(u) => u.may_change(Some(&post.author_id)),
        }
}

/// The database form of `domain::is_live`: usable in any query that has `posts`.
pub type Live = diesel::dsl::And<
    diesel::dsl::Eq<posts::status, PostState>,
    diesel::dsl::LtEq<posts::published_at, NaiveDateTime>,
>;

pub fn live(now: NaiveDateTime) -> Live {
    posts::status
        .eq(PostState::Published)
        .and(posts::published_at.le(now))
}

/// Two queries for any number of posts: their authors' names and their tags.
pub(super) fn with_authors_and_tags(
    conn: &mut Conn,
    rows: Vec<Post>,
) -> Result<Vec<PostView>, AppError> {
    let ids: Vec<String> = rows.iter().map(|p| p.id.clone()).collect();
    let author_ids: Vec<String> = rows.iter().map(|p| p.author_id.clone()).collect();
    let names: HashMap<String, String> = users::table
        .filter(db::fragments::one_of(users::id, &author_ids))
        .select((users::id, users::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut tags_by_post: HashMap<String, Vec<TagLabel>> = HashMap::new();
    for (post_id, tag) in tags::for_posts(conn, &ids)? {
        tags_by_post.entry(post_id).or_default().push(tag);
    }
    let urls = super::site::post_urls(conn)?;
    Ok(rows
        .into_iter()
        .map(|post| PostView {
            author_name: names.get(&post.author_id).cloned().unwrap_or_default(),
            tags: tags_by_post.remove(&post.id).unwrap_or_default(),
            url: urls.post(&post.slug, &post.id),
            post,
        })
        .collect())
}

/// A post by id or slug, whoever may see it: the one place a `{post}` reference is resolved.
pub fn find(conn: &mut Conn, reference: &str) -> Result<Option<Post>, AppError> {
    match parse_id(reference) {
        Some(id) => Ok(db::on_inner!(conn, |c| posts::table
            .find(id)
            .select(Post::as_select())
            .first(c)
            .optional())?),
        None => by_slug(conn, reference),
    }
}

/// The post a viewer asked for, or 404 when it does not exist or they may not see it: two
/// statements with fixed SQL (prepared once per connection), the post with its author's name
/// and the site's URL template, then its tags. On PostgreSQL each statement is a round trip.
pub fn get(
    conn: &mut Conn,
    viewer: &Viewer,
    reference: &str,
    now: NaiveDateTime,
) -> Result<PostView, AppError> {
    // A macro: the selection's type names the backend, so each backend builds its own.
    macro_rules! post_author_site {
        () => {
            posts::table
                .left_join(users::table)
                .inner_join(site::table.on(site::id.eq(1)))
                .select((
                    Post::as_select(),
                    users::name.nullable(),
                    (site::url, site::post_url),
                ))
        };
    }
    let found: Option<(Post, Option<String>, (String, String))> = match parse_id(reference) {
        Some(id) => db::on_inner!(conn, |c| post_author_site!()
            .filter(posts::id.eq(id))
            .first(c)
            .optional())?,
        None => db::on_inner!(conn, |c| post_author_site!()
            .filter(posts::slug.eq(reference))
            .first(c)
            .optional())?,
    };
    let (post, author_name, (site_url, template)) = found
        .filter(|(post, ..)| can_read(viewer, post, now))
        .ok_or_else(AppError::not_found)?;
    Ok(PostView {
        url: super::site::PostUrls::new(&site_url, template).post(&post.slug, &post.id),
        tags: tags_of(conn, &post.id)?,
        author_name: author_name.unwrap_or_default(),
        post,
    })
}

/// One post's tags, in their order: sorted here, not by SQL, which would build a temporary
/// B-tree for a handful of rows on every read of a post.
fn tags_of(conn: &mut Conn, post_id: &str) -> Result<Vec<TagLabel>, AppError> {
    let mut tags: Vec<(i32, TagLabel)> = db::on_inner!(&mut *conn, |c| post_tags::table
        .inner_join(tags_table::table)
        .filter(post_tags::post_id.eq(post_id))
        .select((post_tags::position, TagLabel::as_select()))
        .load(c))?;
    tags.sort_unstable_by_key(|(position, _)| *position);
    Ok(tags.into_iter().map(|(_, tag)| tag).collect())
}

fn by_slug(conn: &mut Conn, slug: &str) -> Result<Option<Post>, AppError> {
    Ok(db::on_inner!(conn, |c| posts::table
        .filter(posts::slug.eq(slug))
        .select(Post::as_select())
        .first(c)
        .optional())?)
}

/// A live post by id or slug, or 404 (comments hang off these).
pub fn find_live(conn: &mut Conn, reference: &str, now: NaiveDateTime) -> Result<Post, AppError> {
    find(conn, reference)?
        .filter(|p| p.is_live(now))
        .ok_or_else(AppError::not_found)
}

/// The id of the post a reference names, if any.
pub fn find_id(conn: &mut Conn, reference: &str) -> Result<Option<String>, AppError> {
    Ok(find(conn, reference)?.map(|p| p.id))
}

/// One post's author and tags, with fixed SQL (prepared once per connection).
pub(super) fn view(conn: &mut Conn, post: Post) -> Result<PostView, AppError> {
    let author = users::table.find(&post.author_id).select(users::name);
    let author_name =
        db::on_inner!(&mut *conn, |c| author.first(c).optional())?.unwrap_or_default();
    let tags = tags_of(conn, &post.id)?;
    let url = super::site::post_urls(conn)?.post(&post.slug, &post.id);
    Ok(PostView {
        post,
        author_name,
        tags,
        url,
    })
}

/// A post the caller may change: 404 if they cannot even see it, 403 if they see but may not edit.
pub(super) fn editable(
    conn: &mut Conn,
    caller: &Caller,
    reference: &str,
    now: NaiveDateTime,
) -> Result<Post, AppError> {
    let post = find(conn, reference)?
        .filter(|p| can_read(&Viewer::User(caller.clone()), p, now))
        .ok_or_else(AppError::not_found)?;
    if !caller.may_change(Some(&post.author_id)) {
        return Err(AppError::Forbidden(
            "Authors may change only their own posts.".into(),
        ));
    }
    Ok(post)
}

/// A body rendered and sanitized, with its plain text (for excerpts, reading time and search):
/// the slow part of writing a post, done before the write transaction opens.
#[derive(Debug, Clone)]
pub struct Rendered {
    markdown: Option<String>,
    html: String,
    text: String,
    /// The excerpt a post gets when its author sets none: from its paragraphs.
    excerpt: String,
    /// JSON: the copies of the feature image, when it is one of our uploads.
    feature_image_variants: String,
}

impl Rendered {
    /// Renders and sanitizes; a body that nests too deep or grows too large is a 422 naming
    /// its field.
    pub fn of(body: Option<&Body>) -> Result<Rendered, AppError> {
        let (field, markdown, source) = match body {
            Some(Body::Markdown(md)) => ("markdown", Some(md.clone()), Source::Markdown(md)),
            Some(Body::Html(html)) => ("html", None, Source::Html(html)),
            None => ("html", None, Source::Html("")),
        };
        let html = content::render_post(source).map_err(|e| FieldErrors::single(field, e))?;
        Ok(Rendered {
            text: content::plain_text(&html),
            excerpt: content::excerpt(&content::prose(&html)),
            markdown,
            html,
            feature_image_variants: "[]".into(),
        })
    }

    /// Gives each image that is one of our uploads a `srcset` of its resized copies, and
    /// looks up the copies of the feature image.
    pub fn with_image_copies(
        mut self,
        conn: &mut Conn,
        feature_image: Option<&str>,
    ) -> Result<Rendered, AppError> {
        self.html = super::media::with_srcset(conn, &self.html)?;
        self.feature_image_variants = super::media::copies_of_url(conn, feature_image)?;
        Ok(self)
    }
}

/// What is stored for a draft whose body is already rendered.
fn compose(
    draft: &PostDraft,
    rendered: &Rendered,
    slug: String,
    now: NaiveDateTime,
) -> Result<PostContent, AppError> {
    let (status, published_at) = resolve_status(draft.status, draft.published_at, now)?;
    let (excerpt, excerpt_is_custom) = match &draft.excerpt {
        Some(e) => (e.clone(), true),
        None => (rendered.excerpt.clone(), false),
    };
    Ok(PostContent {
        slug,
        title: draft.title.clone(),
        excerpt,
        excerpt_is_custom,
        markdown: rendered.markdown.clone(),
        html: rendered.html.clone(),
        status,
        published_at,
        feature_image: draft.feature_image.clone(),
        meta_title: draft.meta_title.clone(),
        meta_description: draft.meta_description.clone(),
        word_count: content::word_count(&rendered.text),
        comments_enabled: draft.comments_enabled,
        email_subscribers: draft.email_subscribers,
        feature_image_variants: rendered.feature_image_variants.clone(),
    })
}

/// What is stored now: equal to `compose` of the draft that wrote it.
fn stored_content(p: &Post) -> PostContent {
    PostContent {
        slug: p.slug.clone(),
        title: p.title.clone(),
        excerpt: p.excerpt.clone(),
        excerpt_is_custom: p.excerpt_is_custom,
        markdown: p.markdown.clone(),
        html: p.html.clone(),
        status: p.status,
        published_at: p.published_at,
        feature_image: p.feature_image.clone(),
        meta_title: p.meta_title.clone(),
        meta_description: p.meta_description.clone(),
        word_count: p.word_count,
        comments_enabled: p.comments_enabled,
        email_subscribers: p.email_subscribers,
        feature_image_variants: p.feature_image_variants.clone(),
    }
}

/// Publishing without a time means now; a future time means scheduled; `scheduled` needs one.
fn resolve_status(
    requested: PostStatus,
    published_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(PostState, Option<NaiveDateTime>), AppError> {
    match requested {
        PostStatus::Draft | PostStatus::Archived => Ok((requested.state(), published_at)),
        PostStatus::Published => Ok((PostState::Published, Some(published_at.unwrap_or(now)))),
        PostStatus::Scheduled => match published_at {
            Some(t) if t > now => Ok((PostState::Published, Some(t))),
            _ => Err(FieldErrors::single(
                "published_at",
                "must be a future time for a scheduled post",
            )),
        },
    }
}

fn slug_taken(slug: &str) -> AppError {
    AppError::Conflict(format!("A post with the slug `{slug}` already exists."))
}

fn slug_exists(conn: &mut Conn, slug: &str, except_id: Option<&str>) -> Result<bool, AppError> {
    let mut query = posts::table
        .filter(posts::slug.eq(slug))
        .select(count_star())
        .into_boxed();
    if let Some(id) = except_id {
        query = query.filter(posts::id.ne(id.to_string()));
    }
    Ok(query.get_result::<i64>(conn)? > 0)
}

/// `base`, or `base-2`, `base-3`... whichever is free first.
fn unique_slug(conn: &mut Conn, title: &str) -> Result<String, AppError> {
    let mut base = content::slugify(title);
    base.truncate(Slug::MAX_CHARS - 8);
    let base = base.trim_end_matches('-').to_string();
    let taken: std::collections::HashSet<String> = posts::table
        .filter(
            posts::slug
                .eq(&base)
                .or(posts::slug.like(format!("{base}-%"))),
        )
        .select(posts::slug)
        .load(conn)?
        .into_iter()
        .collect();
    if !taken.contains(&base) {
        return Ok(base);
    }
    Ok((2..)
        .map(|n| format!("{base}-{n}"))
        .find(|s| !taken.contains(s))
        .unwrap_or(base))
}

/// Replaces a post's tags with the draft's.
fn retag(conn: &mut Conn, post: &Post, draft: &PostDraft) -> Result<(), AppError> {
    let tags = tags::ensure(conn, &draft.tags)?;
    tags::clear_for_post(conn, &post.id)?;
    tags::add_to_post(conn, post, &tags)
}

/// When a new post's search entry is written.
enum Indexing<'a> {
    /// Now, as the post is.
    Now,
    /// After the batch's other writes (the caller writes the list): FTS5 writes out its pending
    /// entries before every statement that may need undoing, so entries written between other
    /// statements are written out one by one; written together, they go out once.
    Later(&'a mut Vec<search::Entry>),
}

impl Indexing<'_> {
    fn add(
        self,
        conn: &mut Conn,
        post: &Post,
        draft: &PostDraft,
        text: &str,
    ) -> Result<(), AppError> {
        match self {
            Indexing::Now => search::index(conn, &post.id, &draft.title, text),
            Indexing::Later(entries) => {
                entries.push(search::Entry {
                    post_id: post.id.clone(),
                    title: draft.title.clone(),
                    text: text.to_string(),
                });
                Ok(())
            }
        }
    }
}

/// Creates a post by the caller. An explicit slug already taken is a 409 (but for a post the
/// caller may not see, a suffix: nobody learns of another author's draft); a derived one gets
/// a `-2`, `-3`... suffix. Once per `Idempotency-Key`: the same key and request replay the first answer
/// (`answer` turns the new post into it); the same key with another request is a 422.
pub fn create_idempotent(
    conn: &mut Conn,
    caller: &Caller,
    key: Option<&str>,
    request_hash: &str,
    draft: &PostDraft,
    now: NaiveDateTime,
    answer: impl FnOnce(PostView) -> Result<Replay, AppError>,
) -> Result<Replay, AppError> {
    let rendered = Rendered::of(draft.body.as_ref())?
        .with_image_copies(conn, draft.feature_image.as_deref())?;
    db::write_transaction(conn, |c| {
        if let Some(key) = key
            && let Some(previous) = idempotency::find(c, &caller.user_id, key, request_hash)?
        {
            return Ok(previous);
        }
        let replay = answer(insert(c, caller, draft, &rendered, now)?)?;
        if let Some(key) = key {
            idempotency::store(c, &caller.user_id, key, request_hash, &replay)?;
        }
        Ok(replay)
    })
}

fn insert(
    conn: &mut Conn,
    caller: &Caller,
    draft: &PostDraft,
    rendered: &Rendered,
    now: NaiveDateTime,
) -> Result<PostView, AppError> {
    let slug = match &draft.slug {
        Some(slug) => match by_slug(conn, slug.as_str())? {
            None => slug.to_string(),
            Some(taken) if can_read(&Viewer::User(caller.clone()), &taken, now) => {
                return Err(slug_taken(slug.as_str()));
            }
            Some(_) => unique_slug(conn, slug.as_str())?,
        },
        None => unique_slug(conn, &draft.title)?,
    };
    let tags = tags::ensure(conn, &draft.tags)?;
    let new = New {
        draft,
        rendered,
        tags: &tags,
    };
    let post = insert_free(conn, caller, slug, new, now, Indexing::Now)?;
    view(conn, post)
}

/// What a new post is written from: the draft, its rendering, and its tags (looked up or
/// created already).
#[derive(Clone, Copy)]
struct New<'a> {
    draft: &'a PostDraft,
    rendered: &'a Rendered,
    tags: &'a [Tag],
}

/// Inserts a post under a slug known to be free, announcing it if it is live: one row written
/// once (the announcement's mark goes in with it).
fn insert_free(
    conn: &mut Conn,
    caller: &Caller,
    slug: String,
    new: New,
    now: NaiveDateTime,
    indexing: Indexing,
) -> Result<Post, AppError> {
    let post = insert_row(conn, &caller.user_id, slug, new, None, now)?;
    indexing.add(conn, &post, new.draft, &new.rendered.text)?;
    if post.is_live(now) {
        tell(conn, &post, now)?;
    }
    Ok(post)
}

/// Where a moved-in post came from.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The post's id in its export: re-importing the same file finds the post by it.
    pub source_id: String,
    /// Its old public URL.
    pub source_url: Option<String>,
}

fn insert_row(
    conn: &mut Conn,
    author_id: &str,
    slug: String,
    new: New,
    origin: Option<&Origin>,
    now: NaiveDateTime,
) -> Result<Post, AppError> {
    let content = compose(new.draft, new.rendered, slug, now)?;
    // A post live from the start is announced as it is written (by the caller, or never for
    // one moved in): marked here, so the row is written once.
    let announced_at = is_live(content.status, content.published_at, now).then_some(now);
    let id = new_id();
    let insert = diesel::insert_into(posts::table).values((
        &content,
        posts::id.eq(&id),
        posts::author_id.eq(author_id),
        posts::created_at.eq(now),
        posts::updated_at.eq(now),
        posts::announced_at.eq(announced_at),
        posts::source_id.eq(origin.map(|o| o.source_id.as_str())),
        posts::source_url.eq(origin.and_then(|o| o.source_url.as_deref())),
    ));
    db::natively!(conn, |c| insert.execute(c))?;
    // The row as written, built here rather than read back: every column is known.
    let post = Post {
        id,
        slug: content.slug,
        title: content.title,
        excerpt: content.excerpt,
        excerpt_is_custom: content.excerpt_is_custom,
        markdown: content.markdown,
        html: content.html,
        status: content.status,
        published_at: content.published_at,
        author_id: author_id.to_string(),
        feature_image: content.feature_image,
        meta_title: content.meta_title,
        meta_description: content.meta_description,
        word_count: content.word_count,
        comments_enabled: content.comments_enabled,
        comment_count: 0,
        created_at: now,
        updated_at: now,
        email_subscribers: content.email_subscribers,
        source_url: origin.and_then(|o| o.source_url.clone()),
        feature_image_variants: content.feature_image_variants,
    };
    tags::add_to_post(conn, &post, new.tags)?;
    Ok(post)
}

/// Writes a post moved in from another blog: the post with the same source id is kept when
/// nothing changed, else rewritten (with a revision); a new one takes its slug, or the next free
/// one. Posts that are already live are old news: marked announced, no webhook or newsletter.
pub fn move_in(
    conn: &mut Conn,
    author_id: &str,
    origin: &Origin,
    mut draft: PostDraft,
    rendered: &Rendered,
    now: NaiveDateTime,
) -> Result<ImportOutcome, AppError> {
    let existing: Option<Post> = posts::table
        .filter(posts::source_id.eq(&origin.source_id))
        .select(Post::as_select())
        .first(conn)
        .optional()?;
    let Some(existing) = existing else {
        let wanted = draft
            .slug
            .as_ref()
            .map_or_else(|| content::slugify(&draft.title), Slug::to_string);
        let slug = match by_slug(conn, &wanted)? {
            None => wanted,
            Some(_) => unique_slug(conn, &wanted)?,
        };
        let tags = tags::ensure(conn, &draft.tags)?;
        let new = New {
            draft: &draft,
            rendered,
            tags: &tags,
        };
        let post = insert_row(conn, author_id, slug, new, Some(origin), now)?;
        search::index(conn, &post.id, &draft.title, &rendered.text)?;
        return Ok(ImportOutcome::Created {
            id: post.id,
            slug: post.slug,
        });
    };
    // The post keeps the slug it was given (perhaps with a suffix) when it moved in.
    draft.slug = Slug::parse(&existing.slug).ok();
    let current = view(conn, existing)?;
    if is_unchanged(&current, &draft, rendered, now)? && current.post.author_id == author_id {
        return Ok(ImportOutcome::Unchanged {
            id: current.post.id,
            slug: current.post.slug,
        });
    }
    let updated = rewrite(conn, &current, &draft, rendered, None, now)?;
    if updated.post.author_id != author_id {
        diesel::update(posts::table.find(&updated.post.id))
            .set(posts::author_id.eq(author_id))
            .execute(conn)?;
    }
    Ok(ImportOutcome::Updated {
        id: updated.post.id,
        slug: updated.post.slug,
    })
}

/// Writing `draft` over `current` would store what is stored already.
fn is_unchanged(
    current: &PostView,
    draft: &PostDraft,
    rendered: &Rendered,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let wanted = compose(draft, rendered, current.post.slug.clone(), now)?;
    let same_tags = current
        .tags
        .iter()
        .map(|t| t.slug.as_str())
        .eq(draft.tags.iter().map(|t| t.slug.as_str()));
    Ok(wanted == stored_content(&current.post) && same_tags)
}

/// Emits `post.published` and records that it was said, so the scheduler does not repeat it;
/// a post marked `email_subscribers` gets its newsletter now.
fn announce(conn: &mut Conn, post: &Post, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(posts::table.find(&post.id))
        .set(posts::announced_at.eq(now))
        .execute(conn)?;
    tell(conn, post, now)
}

/// The announcement itself: the webhook event and the newsletter.
fn tell(conn: &mut Conn, post: &Post, now: NaiveDateTime) -> Result<(), AppError> {
    let data = event_data(conn, post)?;
    super::webhooks::emit(conn, WebhookEvent::PostPublished, data, now)?;
    super::newsletters::ensure_for_post(conn, post, now)
}

/// When the next scheduled post goes live (after `after`): public answers change then. One probe
/// of the live-posts index.
pub fn next_publication(
    conn: &mut Conn,
    after: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, AppError> {
    Ok(posts::table
        .filter(posts::status.eq(PostState::Published))
        .filter(posts::published_at.gt(after))
        .select(diesel::dsl::min(posts::published_at))
        .first(conn)?)
}

/// Announces scheduled posts whose time has come, each once. Returns how many.
pub fn announce_due(conn: &mut Conn, now: NaiveDateTime) -> Result<usize, AppError> {
    db::write_transaction(conn, |conn| {
        let due: Vec<Post> = posts::table
            .filter(live(now))
            .filter(posts::announced_at.is_null())
            .select(Post::as_select())
            .load(conn)?;
        for post in &due {
            announce(conn, post, now)?;
        }
        Ok(due.len())
    })
}

/// What webhooks say about a post, its public `url` included.
fn event_data(conn: &mut Conn, p: &Post) -> Result<serde_json::Value, AppError> {
    let url = super::site::post_urls(conn)?.post(&p.slug, &p.id);
    Ok(serde_json::json!({
        "id": p.id,
        "slug": p.slug,
        "title": p.title,
        "status": p.status.as_str(),
        "published_at": p.published_at.map(|t| super::utc(t).to_rfc3339()),
        "url": url,
    }))
}

/// The draft a stored post corresponds to, for applying a patch or comparing an import.
fn draft_of(view: &PostView, now: NaiveDateTime) -> PostDraft {
    let p = &view.post;
    PostDraft {
        title: p.title.clone(),
        slug: Slug::parse(&p.slug).ok(),
        body: Some(match &p.markdown {
            Some(md) => Body::Markdown(md.clone()),
            None => Body::Html(p.html.clone()),
        }),
        excerpt: p.excerpt_is_custom.then(|| p.excerpt.clone()),
        status: match PostStatus::at(p.status, p.published_at, now) {
            PostStatus::Scheduled => PostStatus::Published,
            other => other,
        },
        published_at: p.published_at,
        tags: view
            .tags
            .iter()
            .filter_map(|t| {
                Slug::parse(&t.slug).ok().map(|slug| TagRef {
                    slug,
                    name: t.name.clone(),
                })
            })
            .collect(),
        feature_image: p.feature_image.clone(),
        meta_title: p.meta_title.clone(),
        meta_description: p.meta_description.clone(),
        comments_enabled: p.comments_enabled,
        email_subscribers: p.email_subscribers,
    }
}

impl PostPatch {
    fn apply(self, mut d: PostDraft) -> PostDraft {
        if let Some(v) = self.title {
            d.title = v
        }
        if let Some(v) = self.slug {
            d.slug = Some(v)
        }
        if let Some(v) = self.body {
            d.body = Some(v)
        }
        if let Some(v) = self.excerpt {
            d.excerpt = v
        }
        if let Some(v) = self.status {
            d.status = v
        }
        if let Some(v) = self.published_at {
            d.published_at = v
        }
        if let Some(v) = self.tags {
            d.tags = v
        }
        if let Some(v) = self.feature_image {
            d.feature_image = v
        }
        if let Some(v) = self.meta_title {
            d.meta_title = v
        }
        if let Some(v) = self.meta_description {
            d.meta_description = v
        }
        if let Some(v) = self.email_subscribers {
            d.email_subscribers = v;
        }
        if let Some(v) = self.comments_enabled {
            d.comments_enabled = v
        }
        d
    }
}

fn editable_view(
    conn: &mut Conn,
    caller: &Caller,
    reference: &str,
    now: NaiveDateTime,
) -> Result<PostView, AppError> {
    let post = editable(conn, caller, reference, now)?;
    view(conn, post)
}

/// Applies a patch, keeping the previous state as a revision. `precondition` sees the current
/// post (for `If-Match`) inside the write transaction. The new body is rendered before that
/// transaction opens; if the post changed in between, it is rendered again from the new state.
pub fn update(
    conn: &mut Conn,
    caller: &Caller,
    reference: &str,
    patch: PostPatch,
    now: NaiveDateTime,
    precondition: impl Fn(&PostView) -> Result<(), AppError>,
) -> Result<PostView, AppError> {
    const ATTEMPTS: usize = 3;
    let tag_ids = |v: &PostView| v.tags.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
    for attempt in 1..=ATTEMPTS {
        // The last attempt, if the post kept changing under us, renders inside the transaction.
        let prepared = if attempt < ATTEMPTS {
            let before = editable_view(conn, caller, reference, now)?;
            precondition(&before)?;
            let draft = patch.clone().apply(draft_of(&before, now));
            let rendered = Rendered::of(draft.body.as_ref())?
                .with_image_copies(conn, draft.feature_image.as_deref())?;
            Some((before, draft, rendered))
        } else {
            None
        };
        let written = db::write_transaction(conn, |conn| {
            let current = editable_view(conn, caller, reference, now)?;
            precondition(&current)?;
            let (draft, rendered) = match prepared {
                Some((before, draft, rendered)) => {
                    if current.post != before.post || tag_ids(&current) != tag_ids(&before) {
                        return Ok(None);
                    }
                    (draft, rendered)
                }
                None => {
                    let draft = patch.clone().apply(draft_of(&current, now));
                    let rendered = Rendered::of(draft.body.as_ref())?
                        .with_image_copies(conn, draft.feature_image.as_deref())?;
                    (draft, rendered)
                }
            };
            let editor = Some(caller.user_id.as_str());
            rewrite(conn, &current, &draft, &rendered, editor, now).map(Some)
        })?;
        if let Some(view) = written {
            return Ok(view);
        }
    }
    Err(AppError::Conflict(
        "The post kept changing while this update was prepared; try again.".into(),
    ))
}

/// Stores `draft` over `current` with a revision of `current`.
fn rewrite(
    conn: &mut Conn,
    current: &PostView,
    draft: &PostDraft,
    rendered: &Rendered,
    editor: Option<&str>,
    now: NaiveDateTime,
) -> Result<PostView, AppError> {
    let old = &current.post;
    let slug = draft
        .slug
        .as_ref()
        .map_or_else(|| old.slug.clone(), Slug::to_string);
    if slug != old.slug && slug_exists(conn, &slug, Some(&old.id))? {
        return Err(slug_taken(&slug));
    }
    let content = compose(draft, rendered, slug, now)?;
    diesel::insert_into(post_revisions::table)
        .values(&PostRevision {
            id: new_id(),
            post_id: old.id.clone(),
            title: old.title.clone(),
            slug: old.slug.clone(),
            excerpt: old.excerpt.clone(),
            markdown: old.markdown.clone(),
            html: old.html.clone(),
            status: old.status,
            published_at: old.published_at,
            edited_by: editor.map(str::to_string),
            created_at: now,
        })
        .execute(conn)?;
    let post = diesel::update(posts::table.find(&old.id))
        .set((&content, posts::updated_at.eq(now)))
        .returning(crate::db::columns::<Post>())
        .get_result(conn)?;
    retag(conn, &post, draft)?;
    search::remove(conn, &post.id)?;
    search::index(conn, &post.id, &draft.title, &rendered.text)?;
    match (old.is_live(now), post.is_live(now)) {
        (false, true) => announce(conn, &post, now)?,
        (true, true) => {
            let data = event_data(conn, &post)?;
            super::webhooks::emit(conn, WebhookEvent::PostUpdated, data, now)?;
            super::newsletters::ensure_for_post(conn, &post, now)?;
        }
        (true, false) => {
            // A later publication is announced again.
            diesel::update(posts::table.find(&post.id))
                .set(posts::announced_at.eq(None::<NaiveDateTime>))
                .execute(conn)?;
            let data = event_data(conn, &post)?;
            super::webhooks::emit(conn, WebhookEvent::PostUnpublished, data, now)?;
        }
        (false, false) => {}
    }
    view(conn, post)
}

pub fn delete(
    conn: &mut Conn,
    caller: &Caller,
    reference: &str,
    now: NaiveDateTime,
) -> Result<PostView, AppError> {
    db::write_transaction(conn, |conn| {
        let post = editable(conn, caller, reference, now)?;
        let gone = view(conn, post)?;
        search::remove(conn, &gone.post.id)?;
        diesel::delete(posts::table.find(&gone.post.id)).execute(conn)?;
        let data = event_data(conn, &gone.post)?;
        super::webhooks::emit(conn, WebhookEvent::PostDeleted, data, now)?;
        Ok(gone)
    })
}

/// Earlier versions of a post, newest first (editors, or the post's author).
pub fn revisions(
    conn: &mut Conn,
    caller: &Caller,
    reference: &str,
    paging: &Paging,
    now: NaiveDateTime,
) -> Result<(Vec<PostRevision>, Listing), AppError> {
    let post = editable(conn, caller, reference, now)?;
    db::paged!(
        conn,
        paging,
        post_revisions::table
            .filter(post_revisions::post_id.eq(&post.id))
            .into_boxed(),
        "-created_at",
        (
            post_revisions::created_at,
            post_revisions::id,
            NaiveDateTime
        ),
        desc,
        PostRevision::as_select(),
        |r: &PostRevision| (r.created_at, r.id.clone())
    )
}

/// What happened to one item of an import.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    Created {
        id: String,
        slug: String,
    },
    Updated {
        id: String,
        slug: String,
    },
    Unchanged {
        id: String,
        slug: String,
    },
    Error {
        slug: Option<String>,
        errors: FieldErrors,
    },
}

/// Upserts each item by slug, each in its own savepoint: a bad item is reported and leaves the
/// others (and the database) untouched.
pub fn import(
    conn: &mut Conn,
    caller: &Caller,
    items: Vec<Result<PostDraft, FieldErrors>>,
    now: NaiveDateTime,
) -> Result<Vec<ImportOutcome>, AppError> {
    let mut report = Vec::with_capacity(items.len());
    // A write transaction per batch: SQLite's one writer is free for other requests between
    // batches, so a large import never holds it for seconds (items stand alone anyway). Each
    // batch's bodies are rendered before its transaction opens, on the other cores while the
    // batch before it is written; the transaction only compares and writes.
    std::thread::scope(|scope| {
        let (rendered, batches) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || {
            let mut items = items.into_iter().peekable();
            while items.peek().is_some() {
                let batch: Vec<_> = items.by_ref().take(IMPORT_BATCH).collect();
                if rendered.send(render_all(batch)).is_err() {
                    break; // the import failed: nothing more to render
                }
            }
        });
        for batch in batches {
            // Images' copies are looked up as an API write would, so a re-import finds the
            // post unchanged.
            let batch = batch
                .into_iter()
                .map(|item| {
                    item.map(|(draft, rendered)| {
                        let feature = draft.feature_image.as_deref();
                        let rendered = rendered.and_then(|r| r.with_image_copies(conn, feature));
                        (draft, rendered)
                    })
                })
                .collect();
            report.extend(import_batch(conn, caller, batch, now)?);
        }
        Ok(report)
    })
}

/// Items written per write transaction by an import: about a third of a second of writing.
const IMPORT_BATCH: usize = 500;

fn import_batch(
    conn: &mut Conn,
    caller: &Caller,
    items: Vec<Result<Prepared, FieldErrors>>,
    now: NaiveDateTime,
) -> Result<Vec<ImportOutcome>, AppError> {
    db::write_transaction(conn, |conn| {
        let mut report = Vec::with_capacity(items.len());
        let mut batch = Batch::default();
        for item in items {
            let outcome = match item {
                Err(errors) => ImportOutcome::Error { slug: None, errors },
                Ok((draft, rendered)) => {
                    let slug = draft
                        .slug
                        .as_ref()
                        .map_or_else(|| content::slugify(&draft.title), Slug::to_string);
                    let written = rendered.and_then(|rendered| {
                        import_one(conn, caller, draft, &rendered, &slug, now, &mut batch)
                    });
                    match written {
                        Ok(outcome) => outcome,
                        Err(e) => ImportOutcome::Error {
                            slug: Some(slug),
                            errors: item_errors(e)?,
                        },
                    }
                }
            };
            report.push(outcome);
        }
        search::index_all(conn, &mut batch.entries)?;
        Ok(report)
    })
}

type Prepared = (PostDraft, Result<Rendered, AppError>);

/// What an import batch's items share while it is written.
#[derive(Default)]
struct Batch {
    /// The new posts' search entries, written together after the batch's other writes.
    entries: Vec<search::Entry>,
    /// The tags looked up or created so far.
    tags: tags::Known,
}

/// Renders and sanitizes every item's body, split over the machine's cores (the slow part of an
/// import), keeping the items' order.
fn render_all(items: Vec<Result<PostDraft, FieldErrors>>) -> Vec<Result<Prepared, FieldErrors>> {
    let render = |item: Result<PostDraft, FieldErrors>| {
        item.map(|draft| {
            let rendered = Rendered::of(draft.body.as_ref());
            (draft, rendered)
        })
    };
    super::map_on_all_cores(items, render)
}

fn import_one(
    conn: &mut Conn,
    caller: &Caller,
    mut draft: PostDraft,
    rendered: &Rendered,
    slug: &str,
    now: NaiveDateTime,
    batch: &mut Batch,
) -> Result<ImportOutcome, AppError> {
    draft.slug = Some(Slug::parse(slug).map_err(|e| FieldErrors::single("slug", e))?);
    let existing = by_slug(conn, slug)?;
    let Some(existing) = existing else {
        // The slug is free (just looked up, in this transaction), so the draft's status and
        // time are all a new post can be refused for: checked before the first write, the
        // insert needs no savepoint of its own (each one made FTS5 flush its pending index:
        // a fifth of an import's time). Anything failing after that is the database's fault,
        // and fails the batch's transaction whole.
        resolve_status(draft.status, draft.published_at, now)?;
        let created = tags::ensure_known(conn, &draft.tags, &mut batch.tags)
            .and_then(|tags| {
                let new = New {
                    draft: &draft,
                    rendered,
                    tags: &tags,
                };
                let indexing = Indexing::Later(&mut batch.entries);
                insert_free(conn, caller, slug.to_string(), new, now, indexing)
            })
            .map_err(|e| match e {
                AppError::Internal(cause) => AppError::Internal(cause),
                other => AppError::Internal(anyhow::anyhow!("importing a new post: {other}")),
            })?;
        return Ok(ImportOutcome::Created {
            id: created.id,
            slug: created.slug,
        });
    };
    // The post may be one this batch created, its entry still pending: written first, so the
    // update replaces it.
    search::index_all(conn, &mut batch.entries)?;
    conn.transaction(|conn| import_over(conn, caller, existing, draft, rendered, now))
}

/// Imports `draft` over the post that has its slug, in a savepoint: a refused item leaves the
/// post as it was.
fn import_over(
    conn: &mut Conn,
    caller: &Caller,
    existing: Post,
    mut draft: PostDraft,
    rendered: &Rendered,
    now: NaiveDateTime,
) -> Result<ImportOutcome, AppError> {
    if !caller.may_change(Some(&existing.author_id)) {
        return Err(AppError::Forbidden(
            "Authors may change only their own posts.".into(),
        ));
    }
    // An item without a time keeps the post's: re-importing the same file changes nothing.
    if draft.published_at.is_none() {
        draft.published_at = existing.published_at;
    }
    let current = view(conn, existing)?;
    if is_unchanged(&current, &draft, rendered, now)? {
        return Ok(ImportOutcome::Unchanged {
            id: current.post.id,
            slug: current.post.slug,
        });
    }
    let updated = rewrite(conn, &current, &draft, rendered, Some(&caller.user_id), now)?;
    Ok(ImportOutcome::Updated {
        id: updated.post.id,
        slug: updated.post.slug,
    })
}

/// A failed item's reason as field errors; only a database failure stops the whole import.
fn item_errors(e: AppError) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::default();
    match e {
        AppError::Validation(fields) => return Ok(fields),
        AppError::Internal(cause) => return Err(AppError::Internal(cause)),
        AppError::Conflict(d) => errors.add("slug", d),
        AppError::Forbidden(d) => errors.add("slug", d),
        other => errors.add("item", other.to_string()),
    }
    Ok(errors)
}

/// Every post, oldest first, for `byline export`.
pub fn export(conn: &mut Conn) -> Result<Vec<PostView>, AppError> {
    let rows = posts::table
        .order((posts::created_at.asc(), posts::id.asc()))
        .select(Post::as_select())
        .load(conn)?;
    with_authors_and_tags(conn, rows)
}

/// How many posts a user has written (a user with posts cannot simply be deleted).
pub fn count_by_author(conn: &mut Conn, author_id: &str) -> Result<i64, AppError> {
    Ok(posts::table
        .filter(posts::author_id.eq(author_id))
        .count()
        .get_result(conn)?)
}

/// A live post as a sitemap lists it.
#[derive(Debug, Clone, Queryable)]
pub struct LiveEntry {
    pub id: String,
    pub slug: String,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// Live posts oldest first (so a sitemap file keeps its posts as new ones arrive): those after
/// `after` (the last entry of the previous chunk), else from `offset`; at most `limit`.
pub fn live_entries(
    conn: &mut Conn,
    now: NaiveDateTime,
    after: Option<&LiveEntry>,
    offset: i64,
    limit: i64,
) -> Result<Vec<LiveEntry>, AppError> {
    let mut query = posts::table
        .filter(live(now))
        .select((
            posts::id,
            posts::slug,
            posts::published_at,
            posts::updated_at,
        ))
        .order((posts::published_at.asc(), posts::id.asc()))
        .into_boxed();
    query = match after {
        Some(last) => query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(posts.published_at, posts.id) > (")
                .bind::<diesel::sql_types::Nullable<diesel::sql_types::Timestamp>, _>(
                    last.published_at,
                )
                .sql(", ")
                .bind::<diesel::sql_types::Text, _>(last.id.clone())
                .sql(")"),
        ),
        None => query.offset(offset),
    };
    Ok(query.limit(limit).load(conn)?)
}

/// How many posts are live, and when the last of them changed: from the kept counts and one
/// index probe.
pub fn live_summary(
    conn: &mut Conn,
    now: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>), AppError> {
    let total = super::post_list::live_total(conn, now)?;
    // Down the published posts' updated-at index to the first live one: served by the
    // live-posts index, the filter would read every live post and sort them (23 ms at 100,000).
    let latest = posts::table
        .filter(posts::status.eq(PostState::Published))
        .filter(Unindexed(posts::published_at).le(now))
        .select(posts::updated_at)
        .order(posts::updated_at.desc())
        .first(conn)
        .optional()?;
    Ok((total, latest))
}
