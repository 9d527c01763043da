//! Posts: the content API frontends read on every page view and editors script.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::extract::{self, Json};
use super::pagination::{self, Paginated};
use crate::auth::MaybeAuthUser;
use crate::content;
use crate::db::models::PostRevision;
use crate::domain::{Caller, PageQuery, PostStatus, Role};
use crate::error::{AppError, Problem};
use crate::http_cache;
use crate::services::idempotency::{self, Replay};
use crate::services::import::{self as post_import, ImportReport};
use crate::services::post_input::{CreatePostRequest, UpdatePostRequest};
use crate::services::posts::{self, PostDraft, PostFilter, PostPatch, PostView, Sort, Viewer};
use crate::state::AppState;

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
    "tags": [{"slug": "news", "name": "News"}], "feature_image": null, "meta_title": null, "meta_description": null,
    "reading_time": 1, "comments_enabled": true, "comment_count": 0
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
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    /// Minutes, at 200 words a minute.
    pub reading_time: i32,
    pub comments_enabled: bool,
    /// Approved comments.
    pub comment_count: i32,
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
            meta_title: p.meta_title,
            meta_description: p.meta_description,
            comments_enabled: p.comments_enabled,
            comment_count: p.comment_count,
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
    MetaTitle,
    MetaDescription,
    ReadingTime,
    CommentsEnabled,
    CommentCount,
}

const FIELD_NAMES: [&str; 18] = [
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
    "meta_title",
    "meta_description",
    "reading_time",
    "comments_enabled",
    "comment_count",
];

/// The fields a list shows: those asked for (unknown names are a 400), or by default every
/// field but the bodies (`markdown`, `html`), which a list page rarely needs and which make up
/// nearly all of a post's bytes.
fn parse_fields(raw: Option<&str>) -> Result<Vec<String>, AppError> {
    let Some(raw) = raw else {
        return Ok(FIELD_NAMES
            .iter()
            .filter(|f| !matches!(**f, "markdown" | "html"))
            .map(|f| f.to_string())
            .collect());
    };
    let mut fields = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !FIELD_NAMES.contains(&name) {
            return Err(AppError::BadRequest(format!(
                "fields: unknown field `{name}`; choose from {}",
                FIELD_NAMES.join(", ")
            )));
        }
        fields.push(name.to_string());
    }
    Ok(fields)
}

/// A post in a list: the fields asked for with `fields`, by default all but `markdown` and
/// `html`. (Documentation only; lists serialize the selected fields of `PostResponse`.)
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(example = json!({
    "id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d20", "slug": "hello-world", "title": "Hello, world",
    "excerpt": "The first post on this blog.", "status": "published", "published_at": "2026-11-25T10:00:00Z",
    "created_at": "2026-11-25T09:00:00Z", "updated_at": "2026-11-25T10:00:00Z",
    "author": {"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d11", "name": "Ann Author"},
    "tags": [{"slug": "news", "name": "News"}], "feature_image": null, "meta_title": null, "meta_description": null,
    "reading_time": 1, "comments_enabled": true, "comment_count": 0
}))]
pub struct PostSummary {
    #[schema(format = Uuid)]
    pub id: Option<String>,
    pub slug: Option<String>,
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
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub reading_time: Option<i32>,
    pub comments_enabled: Option<bool>,
    pub comment_count: Option<i32>,
}

/// The selected fields of a post, for lists.
fn post_fields(
    view: PostView,
    now: NaiveDateTime,
    fields: &[String],
) -> serde_json::Map<String, Value> {
    let mut map = match serde_json::to_value(PostResponse::new(view, now)) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    map.retain(|k, _| fields.iter().any(|f| f == k));
    map
}

/// Everything a post's JSON depends on besides its row's `updated_at`: the same version means
/// the same bytes, so ETags come from this short string instead of hashing whole bodies.
fn post_version(view: &PostView, now: NaiveDateTime) -> String {
    let p = &view.post;
    let tags: Vec<String> = view
        .tags
        .iter()
        .map(|t| format!("{}:{}", t.slug, t.name))
        .collect();
    format!(
        "{}|{}|{}|{}|{}|{}",
        p.id,
        p.updated_at.and_utc().timestamp_micros(),
        p.comment_count,
        PostStatus::at(p.status, p.published_at, now),
        view.author_name,
        tags.join(",")
    )
}

/// The ETag `GET /posts/{post}` serves; `If-Match` compares against it.
fn post_etag(view: &PostView, now: NaiveDateTime) -> String {
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
    /// Full-text search over title and body, best match first (unless `sort` is given).
    pub q: Option<String>,
    /// Order; default newest first (`-published_at`).
    pub sort: Option<PostSort>,
    /// Comma-separated fields to return, e.g. `slug,title,excerpt`. By default every field but
    /// `markdown` and `html` (fetch one post for its body, or name them here).
    #[param(value_type = Option<Vec<PostField>>, style = Form, explode = false)]
    pub fields: Option<String>,
    /// Signed-in callers only: filter by status.
    pub status: Option<PostStatus>,
}

fn viewer(auth: MaybeAuthUser) -> Viewer {
    auth.0.map_or(Viewer::Public, Viewer::User)
}

fn cache_control(viewer: &Viewer) -> &'static str {
    if viewer.is_public() {
        http_cache::PUBLIC_MAX_AGE
    } else {
        "private, no-cache"
    }
}

fn now() -> NaiveDateTime {
    crate::services::now()
}

/// Lists posts. The public sees published posts whose time has come, newest first.
#[utoipa::path(
    operation_id = "listPosts",
    tag = "posts",
    security((), ("bearer" = [])),
    params(PageQuery, PostsQuery),
    responses(
        (status = 200, description = "A page of posts", body = Paginated<PostSummary>,
            headers(("Link" = String, description = "RFC 8288 pagination links"), ("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 401, description = "`status` needs a signed-in caller, or the credentials sent are not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/posts")]
pub async fn list(
    req: HttpRequest,
    auth: MaybeAuthUser,
    state: web::Data<AppState>,
    paging: web::Query<PageQuery>,
    query: web::Query<PostsQuery>,
) -> Result<HttpResponse, AppError> {
    let viewer = viewer(auth);
    let page = pagination::page(&paging)?;
    let query = query.into_inner();
    if query.status.is_some() && viewer.is_public() {
        return Err(AppError::Unauthorized(
            "Sign in to filter posts by status.".into(),
        ));
    }
    let fields = parse_fields(query.fields.as_deref())?;
    let filter = PostFilter {
        tag: query.tag,
        author: query.author,
        status: query.status,
        q: query.q,
        sort: query.sort.map(Sort::from),
    };
    let now = now();
    let list_viewer = viewer.clone();
    let (views, total) = crate::db::run(&state.db, move |c| {
        posts::list(c, &list_viewer, &filter, page, now)
    })
    .await?;
    let mut version = format!("{fields:?}");
    for v in &views {
        version.push('/');
        version.push_str(&post_version(v, now));
    }
    let data: Vec<_> = views
        .into_iter()
        .map(|v| post_fields(v, now, &fields))
        .collect();
    pagination::respond_cached(
        &req,
        &state.public_url,
        page,
        total,
        data,
        cache_control(&viewer),
        Some(&version),
    )
}

/// One post by id or slug. Drafts, scheduled and archived posts are 404 to the public.
#[utoipa::path(
    operation_id = "getPost",
    tag = "posts",
    security((), ("bearer" = [])),
    params(("post" = String, Path, description = "The post's id or slug")),
    responses(
        (status = 200, description = "The post", body = PostResponse,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
    )
)]
#[get("/posts/{post}")]
pub async fn get(
    req: HttpRequest,
    auth: MaybeAuthUser,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let viewer = viewer(auth);
    let now = now();
    let reference = reference.into_inner();
    let read_viewer = viewer.clone();
    let view = crate::db::run(&state.db, move |c| {
        posts::get(c, &read_viewer, &reference, now)
    })
    .await?;
    let version = post_version(&view, now);
    http_cache::cached_json_versioned(
        &req,
        &PostResponse::new(view, now),
        &version,
        cache_control(&viewer),
    )
}

fn location(state: &AppState, id: &str) -> String {
    format!("{}/api/v1/posts/{id}", state.public_url)
}

fn replay(answer: Replay) -> HttpResponse {
    let mut response = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(answer.status_code)
            .unwrap_or(actix_web::http::StatusCode::CREATED),
    );
    if let Some(location) = answer.location {
        response.insert_header((header::LOCATION, location));
    }
    response.content_type("application/json").body(answer.body)
}

/// Creates a post (authors and up). Send `Idempotency-Key` to make retries safe: the same key
/// and body replay the first answer; the same key with another body is a 422.
#[utoipa::path(
    operation_id = "createPost",
    tag = "posts",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique string, kept 24 hours")),
    request_body = CreatePostRequest,
    responses(
        (status = 201, description = "Created (or replayed for a repeated Idempotency-Key)", body = PostResponse,
            headers(("Location" = String, description = "The new post's URL"))),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/posts")]
pub async fn create(
    req: HttpRequest,
    auth: Caller,
    state: web::Data<AppState>,
    body: Json<CreatePostRequest>,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let request = body.into_inner()?;
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| idempotency::parse_key(v.to_str().unwrap_or("")))
        .transpose()?;
    let request_json = serde_json::to_vec(&request).map_err(|e| AppError::Internal(e.into()))?;
    let request_hash = crate::crypto::sha256_hex(&request_json);
    let draft = PostDraft::try_from(request).map_err(AppError::Validation)?;
    let now = now();
    let base = location(&state, "");
    let answer = crate::db::run(&state.db, move |c| {
        posts::create_idempotent(
            c,
            &auth,
            key.as_deref(),
            &request_hash,
            &draft,
            now,
            |view| {
                Ok(Replay {
                    status_code: 201,
                    location: Some(format!("{base}{}", view.post.id)),
                    body: serde_json::to_string(&PostResponse::new(view, now))
                        .map_err(|e| AppError::Internal(e.into()))?,
                })
            },
        )
    })
    .await?;
    Ok(replay(answer))
}

/// Changes a post (editors, or the post's author). Send `If-Match` with the post's ETag to get a
/// 412 instead of overwriting someone else's change. Every update keeps a revision.
#[utoipa::path(
    operation_id = "updatePost",
    tag = "posts",
    security(("bearer" = [])),
    params(
        ("post" = String, Path, description = "The post's id or slug"),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on"),
    ),
    request_body = UpdatePostRequest,
    responses(
        (status = 200, description = "The updated post", body = PostResponse, headers(("ETag" = String))),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The post changed since that ETag", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/posts/{post}")]
pub async fn update(
    req: HttpRequest,
    auth: Caller,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    body: Json<UpdatePostRequest>,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let patch = PostPatch::try_from(body.into_inner()?).map_err(AppError::Validation)?;
    let if_match = http_cache::entity_tags(&req, header::IF_MATCH);
    let now = now();
    let reference = reference.into_inner();
    let view = crate::db::run(&state.db, move |c| {
        posts::update(
            c,
            &auth,
            &reference,
            patch,
            now,
            |current| match &if_match {
                Some(tags) if !http_cache::matches(tags, &post_etag(current, now)) => {
                    Err(AppError::PreconditionFailed(
                        "The post changed since that ETag; fetch it again.".into(),
                    ))
                }
                _ => Ok(()),
            },
        )
    })
    .await?;
    let etag = post_etag(&view, now);
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(PostResponse::new(view, now)))
}

/// Deletes a post (editors, or the post's author).
#[utoipa::path(
    operation_id = "deletePost",
    tag = "posts",
    security(("bearer" = [])),
    params(("post" = String, Path, description = "The post's id or slug")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/posts/{post}")]
pub async fn delete(
    auth: Caller,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let reference = reference.into_inner();
    crate::db::run(&state.db, move |c| {
        posts::delete(c, &auth, &reference, now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
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

/// Earlier versions of a post, newest first (editors, or the post's author).
#[utoipa::path(
    operation_id = "listPostRevisions",
    tag = "posts",
    security(("bearer" = [])),
    params(("post" = String, Path, description = "The post's id or slug"), PageQuery),
    responses((status = 200, description = "A page of revisions", body = Paginated<RevisionResponse>,
        headers(("Link" = String, description = "RFC 8288 pagination links"))))
)]
#[get("/posts/{post}/revisions")]
pub async fn revisions(
    req: HttpRequest,
    auth: Caller,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = pagination::page(&paging)?;
    let reference = reference.into_inner();
    let (rows, total) = crate::db::run(&state.db, move |c| {
        posts::revisions(c, &auth, &reference, page, now())
    })
    .await?;
    let data: Vec<RevisionResponse> = rows.into_iter().map(RevisionResponse::from).collect();
    Ok(pagination::respond(
        &req,
        &state.public_url,
        page,
        total,
        data,
    ))
}

/// Imports posts, upserted by slug: a JSON array (`application/json`) or NDJSON
/// (`application/x-ndjson`). Each item succeeds or fails alone; the answer reports each one.
#[utoipa::path(
    operation_id = "importPosts",
    tag = "posts",
    security(("bearer" = [])),
    request_body(
        content(
            (Vec<CreatePostRequest> = "application/json"),
            (String = "application/x-ndjson", example = json!("{\"title\": \"One\", \"markdown\": \"First\"}\n{\"title\": \"Two\", \"markdown\": \"Second\"}\n")),
        ),
        description = "The posts; the body limit is BYLINE_IMPORT_LIMIT (32 MiB by default)"
    ),
    responses((status = 200, description = "What happened to each item", body = ImportReport))
)]
#[post("/posts/import")]
pub async fn import(
    req: HttpRequest,
    auth: Caller,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let content_type = extract::content_type(&req);
    let ndjson = matches!(
        content_type.as_str(),
        "application/x-ndjson" | "application/ndjson"
    );
    if !ndjson && !extract::is_json(&content_type) {
        return Err(AppError::UnsupportedMediaType(
            "Send a JSON array (`application/json`) or NDJSON (`application/x-ndjson`).".into(),
        ));
    }
    let mut payload = payload.into_inner();
    let body = extract::read_body(&req, &mut payload, state.settings.import_limit).await?;
    let items = post_import::parse_items(&body, ndjson)?;
    drop(body);
    let now = now();
    let outcomes = crate::db::run(&state.db, move |c| posts::import(c, &auth, items, now)).await?;
    Ok(HttpResponse::Ok().json(post_import::report(outcomes)))
}
