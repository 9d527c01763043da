//! What the posts API answers and accepts in its query strings, and the ETag versions that go
//! with them.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::content;
use crate::db::models::PostRevision;
use crate::domain::{Page, PostStatus};
use crate::error::AppError;
use crate::http_cache;
use crate::services::media::ImageCopy;
use crate::services::posts::{PostView, Sort};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorRef {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagRefResponse {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d20", "slug": "hello-world", "title": "Hello, world",
    "excerpt": "The first post on this blog.", "markdown": "# Hello\n\nThe first post on this blog.",
    "html": "<h1 id=\"hello\">Hello</h1>\n<p>The first post on this blog.</p>\n", "status": "published",
    "published_at": "2026-11-25T10:00:00Z", "created_at": "2026-11-25T09:00:00Z", "updated_at": "2026-11-25T10:00:00Z",
    "author": {"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d11", "name": "Ann Author"},
    "tags": [{"slug": "news", "name": "News"}], "feature_image": null, "feature_image_variants": [], "meta_title": null, "meta_description": null,
    "reading_time": 1, "comments_enabled": true, "comment_count": 0, "url": "https://blog.example.com/posts/hello-world", "source_url": null
}))]
pub struct PostResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    /// The Markdown source, when the post was written in Markdown.
    pub markdown: Option<String>,
    /// Rendered and sanitized HTML, safe to insert into a page.
    pub html: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub author: AuthorRef,
    pub tags: Vec<TagRefResponse>,
    pub feature_image: Option<String>,
    /// The resized copies of `feature_image` when it is an upload here, widest first, for
    /// `srcset` (`GET /api/v1/media` has the same); empty otherwise.
    pub feature_image_variants: Vec<ImageCopy>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    /// Minutes, at 200 words a minute.
    pub reading_time: i32,
    pub comments_enabled: bool,
    /// Approved comments.
    pub comment_count: i32,
    /// Where the site's frontend shows the post: the site's `post_url` filled in.
    pub url: String,
    /// Where a post moved in from Blogger or WordPress was published before (a frontend can
    /// redirect old links: `GET /posts?source_url=`); null for posts written here.
    pub source_url: Option<String>,
}

impl PostResponse {
    pub fn new(v: PostView, now: NaiveDateTime) -> PostResponse {
        let p = v.post;
        PostResponse {
            status: PostStatus::at(p.status, p.published_at, now),
            author: AuthorRef {
                id: p.author_id,
                name: v.author_name,
            },
            tags: v
                .tags
                .into_iter()
                .map(|t| TagRefResponse {
                    slug: t.slug,
                    name: t.name,
                })
                .collect(),
            reading_time: content::reading_time(p.word_count),
            published_at: p.published_at.map(crate::services::utc),
            created_at: crate::services::utc(p.created_at),
            updated_at: crate::services::utc(p.updated_at),
            id: p.id,
            slug: p.slug,
            title: p.title,
            excerpt: p.excerpt,
            markdown: p.markdown,
            html: p.html,
            feature_image: p.feature_image,
            feature_image_variants: serde_json::from_str(&p.feature_image_variants)
                .unwrap_or_default(),
            meta_title: p.meta_title,
            meta_description: p.meta_description,
            comments_enabled: p.comments_enabled,
            comment_count: p.comment_count,
            source_url: p.source_url,
            url: v.url,
        }
    }
}

/// A post field that `fields` can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostField {
    Id,
    Slug,
    Title,
    Excerpt,
    Markdown,
    Html,
    Status,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
    Author,
    Tags,
    FeatureImage,
    FeatureImageVariants,
    MetaTitle,
    MetaDescription,
    ReadingTime,
    CommentsEnabled,
    CommentCount,
    SourceUrl,
    Url,
}

const FIELD_NAMES: [&str; 21] = [
    "id",
    "slug",
    "title",
    "excerpt",
    "markdown",
    "html",
    "status",
    "published_at",
    "created_at",
    "updated_at",
    "author",
    "tags",
    "feature_image",
    "feature_image_variants",
    "meta_title",
    "meta_description",
    "reading_time",
    "comments_enabled",
    "comment_count",
    "source_url",
    "url",
];

/// The fields a list shows: those asked for (unknown names are a 400), or by default every
/// field but the bodies (`markdown`, `html`), which a list page rarely needs and which make up
/// nearly all of a post's bytes.
/// Pages that carry bodies are at most this long: a post's body may be up to
/// `BYLINE_POST_MAX_BYTES`, and an answer must stay a bounded size.
pub const MAX_PER_PAGE_WITH_BODIES: u32 = 10;

/// The fields a list shows (see `parse_fields`), and the page: with bodies, a page is at most
/// `MAX_PER_PAGE_WITH_BODIES` long (a longer one asked for shrinks to it; `meta.per_page` says).
pub(super) fn list_fields(
    raw: Option<&str>,
    mut page: Page,
) -> Result<(Vec<String>, Page), AppError> {
    let fields = parse_fields(raw)?;
    let bodies = fields
        .iter()
        .any(|f| matches!(f.as_str(), "markdown" | "html"));
    if bodies {
        page.per_page = page.per_page.min(MAX_PER_PAGE_WITH_BODIES);
    }
    Ok((fields, page))
}

fn parse_fields(raw: Option<&str>) -> Result<Vec<String>, AppError> {
    let Some(raw) = raw else {
        return Ok(FIELD_NAMES
            .iter()
            .filter(|f| !matches!(**f, "markdown" | "html"))
            .map(|f| f.to_string())
            .collect());
    };
    // `id` and `slug` always come: a list item a client cannot identify is of no use.
    let mut fields = vec!["id".to_string(), "slug".to_string()];
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !FIELD_NAMES.contains(&name) {
            return Err(AppError::BadRequest(format!(
                "fields: unknown field `{name}`; choose from {}",
                FIELD_NAMES.join(", ")
            )));
        }
        if !fields.iter().any(|f| f == name) {
            fields.push(name.to_string());
        }
    }
    Ok(fields)
}

/// A post in a list: `id`, `slug` and the fields asked for with `fields`, by default every
/// field but `markdown` and `html`. Without `fields`, every field but those two is present.
/// (Documentation only; lists serialize the selected fields of `PostResponse`.)
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(example = json!({
    "id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d20", "slug": "hello-world", "title": "Hello, world",
    "excerpt": "The first post on this blog.", "status": "published", "published_at": "2026-11-25T10:00:00Z",
    "created_at": "2026-11-25T09:00:00Z", "updated_at": "2026-11-25T10:00:00Z",
    "author": {"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d11", "name": "Ann Author"},
    "tags": [{"slug": "news", "name": "News"}], "feature_image": null, "feature_image_variants": [], "meta_title": null, "meta_description": null,
    "reading_time": 1, "comments_enabled": true, "comment_count": 0, "url": "https://blog.example.com/posts/hello-world", "source_url": null
}))]
pub struct PostSummary {
    #[schema(format = Uuid)]
    pub id: String,
    pub slug: String,
    pub title: Option<String>,
    pub excerpt: Option<String>,
    /// Only when asked for with `fields`.
    pub markdown: Option<String>,
    /// Only when asked for with `fields`.
    pub html: Option<String>,
    pub status: Option<PostStatus>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub author: Option<AuthorRef>,
    pub tags: Option<Vec<TagRefResponse>>,
    pub feature_image: Option<String>,
    pub feature_image_variants: Option<Vec<ImageCopy>>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub reading_time: Option<i32>,
    pub comments_enabled: Option<bool>,
    pub comment_count: Option<i32>,
    pub url: Option<String>,
    pub source_url: Option<String>,
}

/// The selected fields of a post, for lists.
pub(super) fn post_fields(
    mut view: PostView,
    now: NaiveDateTime,
    fields: &[String],
) -> serde_json::Map<String, Value> {
    // The bodies are most of a post's bytes: not copied into the map only to be dropped.
    let wanted = |name: &str| fields.iter().any(|f| f == name);
    if !wanted("markdown") {
        view.post.markdown = None;
    }
    if !wanted("html") {
        view.post.html = String::new();
    }
    let mut map = match serde_json::to_value(PostResponse::new(view, now)) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    map.retain(|k, _| fields.iter().any(|f| f == k));
    map
}

/// Everything a post's JSON depends on besides its row's `updated_at`: the same version means
/// the same bytes, so ETags come from this short string instead of hashing whole bodies.
pub(super) fn post_version(view: &PostView, now: NaiveDateTime) -> String {
    let p = &view.post;
    let tags: Vec<String> = view
        .tags
        .iter()
        .map(|t| format!("{}:{}", t.slug, t.name))
        .collect();
    format!(
        "{}|{}|{}|{}|{}|{}|{}",
        view.url,
        p.id,
        p.updated_at.and_utc().timestamp_micros(),
        p.comment_count,
        PostStatus::at(p.status, p.published_at, now),
        view.author_name,
        tags.join(",")
    )
}

/// The ETag `GET /posts/{post}` serves; `If-Match` compares against it.
pub(super) fn post_etag(view: &PostView, now: NaiveDateTime) -> String {
    http_cache::etag_of(post_version(view, now).as_bytes())
}

/// The sort orders clients may ask for.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum PostSort {
    #[serde(rename = "published_at")]
    PublishedAt,
    #[serde(rename = "-published_at")]
    PublishedAtDesc,
    #[serde(rename = "updated_at")]
    UpdatedAt,
    #[serde(rename = "-updated_at")]
    UpdatedAtDesc,
    #[serde(rename = "title")]
    Title,
    #[serde(rename = "-title")]
    TitleDesc,
}

impl From<PostSort> for Sort {
    fn from(s: PostSort) -> Sort {
        match s {
            PostSort::PublishedAt => Sort::PublishedAtAsc,
            PostSort::PublishedAtDesc => Sort::PublishedAtDesc,
            PostSort::UpdatedAt => Sort::UpdatedAtAsc,
            PostSort::UpdatedAtDesc => Sort::UpdatedAtDesc,
            PostSort::Title => Sort::TitleAsc,
            PostSort::TitleDesc => Sort::TitleDesc,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostsQuery {
    /// Only posts with this tag (its slug).
    pub tag: Option<String>,
    /// Only posts by this author (their user id).
    #[param(format = Uuid)]
    pub author: Option<String>,
    /// Full-text search over title and body, best match first (unless `sort` is given); every
    /// word must match, the last one as a prefix (`sourd` finds "sourdough") unless the words
    /// as typed already match more posts than are ranked (1,000).
    pub q: Option<String>,
    /// Order; default newest first (`-published_at`).
    pub sort: Option<PostSort>,
    /// Comma-separated fields to return, e.g. `title,excerpt` (`id` and `slug` always come).
    /// By default every field but
    /// `markdown` and `html` (fetch one post for its body, or name them here: then a page
    /// holds at most 10 posts, so one answer stays a few MiB at most).
    #[param(value_type = Option<Vec<PostField>>, style = Form, explode = false)]
    pub fields: Option<String>,
    /// Signed-in callers only: filter by status.
    pub status: Option<PostStatus>,
    /// Only the post that moved in (from Blogger or WordPress) from this URL, whether written
    /// with `http` or `https`, with or without a trailing slash: for redirecting old links.
    #[param(max_length = 2000)]
    pub source_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionResponse {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub post_id: String,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    pub markdown: Option<String>,
    pub html: String,
    /// The stored status then (`draft`, `published` or `archived`).
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    /// Who made the change that replaced this version.
    pub edited_by: Option<String>,
    /// When this version was replaced.
    pub created_at: DateTime<Utc>,
}

impl From<PostRevision> for RevisionResponse {
    fn from(r: PostRevision) -> RevisionResponse {
        RevisionResponse {
            id: r.id,
            post_id: r.post_id,
            title: r.title,
            slug: r.slug,
            excerpt: r.excerpt,
            markdown: r.markdown,
            html: r.html,
            status: r.status.to_string(),
            published_at: r.published_at.map(crate::services::utc),
            edited_by: r.edited_by,
            created_at: crate::services::utc(r.created_at),
        }
    }
}
