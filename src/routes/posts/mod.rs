//! Posts: the content API frontends read on every page view and editors script.

mod shapes;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use self::shapes::{
    AuthorRef, PostField, PostResponse, PostSort, PostSummary, PostsQuery, RevisionResponse,
    TagRefResponse,
};
use self::shapes::{list_fields, post_etag, post_fields, post_version};
use super::extract::{self, Json};
use super::pagination::{self, Paginated};
use crate::auth::MaybeAuthUser;
use crate::domain::Listing;
use crate::domain::{Caller, CursorQuery, PageQuery, Paging, Role};
use crate::error::{AppError, Problem};
use crate::http_cache;
use crate::services::idempotency::{self, Replay};
use crate::services::import::{self as post_import, ImportReport};
use crate::services::post_input::{CreatePostRequest, UpdatePostRequest};
use crate::services::posts::{self, PostFilter, Sort, Viewer};
use crate::services::previews;
use crate::state::AppState;

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
    params(PageQuery, CursorQuery, PostsQuery),
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
    deep_pages: web::Data<posts::DeepPages>,
    paging: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
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
    let (fields, page) = list_fields(query.fields.as_deref(), page)?;
    let position = Paging::at(page, cursor.cursor.as_deref()).map_err(AppError::BadRequest)?;
    let searching = query.q.is_some();
    let author = match query.author {
        Some(raw) => Some(
            crate::domain::parse_id(&raw)
                .ok_or_else(|| AppError::BadRequest("author must be a user id (a UUID)".into()))?,
        ),
        None => None,
    };
    if query
        .source_url
        .as_ref()
        .is_some_and(|u| u.chars().count() > crate::domain::MAX_URL_CHARS)
    {
        return Err(AppError::BadRequest(format!(
            "source_url must be at most {} characters",
            crate::domain::MAX_URL_CHARS
        )));
    }
    let filter = PostFilter {
        tag: query.tag,
        author,
        status: query.status,
        q: query.q,
        sort: query.sort.map(Sort::from),
        source_url: query.source_url,
        bodies: fields
            .iter()
            .any(|f| matches!(f.as_str(), "markdown" | "html")),
    };
    let now = now();
    let list_viewer = viewer.clone();
    let listed_at = position.clone();
    let list = move |c: &mut crate::db::Conn| {
        posts::list(c, &list_viewer, &filter, &listed_at, Some(&deep_pages), now)
    };
    let listed = match searching {
        true => crate::db::read_slow(&state.db, list).await?,
        false => crate::db::read(&state.db, list).await?,
    };
    let views = listed.views;
    let listing = Listing {
        paging: position,
        total: listed.total,
        total_is_lower_bound: listed.total_is_lower_bound,
        next_cursor: listed.next_cursor,
    };
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
        &listing,
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
    let view = crate::db::read_point(&state.db, move |c| {
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
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Any unique string of 1 to 255 visible ASCII characters, kept 24 hours")),
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
    let max_body_bytes = state.settings.post_max_bytes;
    let (request_hash, draft) = body.convert(|request| {
        let json = serde_json::to_vec(&request).map_err(|e| AppError::Internal(e.into()))?;
        let draft = request
            .into_draft(max_body_bytes)
            .map_err(AppError::Validation)?;
        Ok((crate::crypto::sha256_hex(&json), draft))
    })?;
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| idempotency::parse_key(v.to_str().unwrap_or("")))
        .transpose()?;
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
    let max_body_bytes = state.settings.post_max_bytes;
    let patch = body.convert(|request| {
        request
            .into_patch(max_body_bytes)
            .map_err(AppError::Validation)
    })?;
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

/// Earlier versions of a post, newest first (editors, or the post's author).
#[utoipa::path(
    operation_id = "listPostRevisions",
    tag = "posts",
    security(("bearer" = [])),
    params(("post" = String, Path, description = "The post's id or slug"), PageQuery, CursorQuery),
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
    cursor: web::Query<CursorQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&paging, &cursor)?;
    let reference = reference.into_inner();
    let (rows, listing) = crate::db::run(&state.db, move |c| {
        posts::revisions(c, &auth, &reference, &paging, now())
    })
    .await?;
    let data: Vec<RevisionResponse> = rows.into_iter().map(RevisionResponse::from).collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
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
    let items = post_import::parse_items(&body, ndjson, state.settings.post_max_bytes)?;
    drop(body);
    let now = now();
    let outcomes =
        crate::db::run_long(&state.db, move |c| posts::import(c, &auth, items, now)).await?;
    Ok(HttpResponse::Ok().json(post_import::report(outcomes)))
}

/// How long a new preview link works.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewLinkQuery {
    /// Days until the link stops working, 1 to 90 (default 7).
    #[param(minimum = 1, maximum = 90, example = 7)]
    pub expires_in_days: Option<i64>,
}

/// A new preview link. The token is shown only here: Byline keeps its hash.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"url": "https://blog.example.com/preview.html?token=kq3V0cT1Yk7x9mB2pZ8wL4nR6sD0fH5j",
    "token": "kq3V0cT1Yk7x9mB2pZ8wL4nR6sD0fH5j", "expires_at": "2026-12-09T10:00:00Z"}))]
pub struct PreviewLinkResponse {
    /// The frontend's preview page for it (the site's `preview_url`), or the API's own read.
    pub url: String,
    /// Read the post with it at `GET /api/v1/preview/{token}`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Makes a draft preview link (editors, or the post's author): whoever holds it reads the post
/// in any status, until it expires or is revoked, without signing in.
#[utoipa::path(
    operation_id = "createPreviewLink",
    tag = "posts",
    security(("bearer" = [])),
    params(("post" = String, Path, description = "The post's id or slug"), PreviewLinkQuery),
    responses(
        (status = 201, description = "The new link", body = PreviewLinkResponse,
            headers(("Cache-Control" = String, description = "`no-store`: the token is a secret"))),
        (status = 400, description = "`expires_in_days` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/posts/{post}/preview-links")]
pub async fn create_preview_link(
    auth: Caller,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    query: web::Query<PreviewLinkQuery>,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let days = query.expires_in_days.unwrap_or(previews::DEFAULT_DAYS);
    if !(1..=previews::MAX_DAYS).contains(&days) {
        return Err(AppError::BadRequest(format!(
            "expires_in_days must be from 1 to {}.",
            previews::MAX_DAYS
        )));
    }
    let reference = reference.into_inner();
    let links = state.links.clone();
    let link = crate::db::run(&state.db, move |c| {
        previews::create(c, &auth, &reference, days, &links, now())
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PreviewLinkResponse {
            url: link.url,
            token: link.token,
            expires_at: crate::services::utc(link.expires_at),
        }))
}

/// Revokes every preview link of a post (editors, or the post's author).
#[utoipa::path(
    operation_id = "revokePreviewLinks",
    tag = "posts",
    security(("bearer" = [])),
    params(("post" = String, Path, description = "The post's id or slug")),
    responses((status = 204, description = "Revoked (also when there were none)"))
)]
#[delete("/posts/{post}/preview-links")]
pub async fn revoke_preview_links(
    auth: Caller,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let reference = reference.into_inner();
    crate::db::run(&state.db, move |c| {
        previews::revoke_all(c, &auth, &reference, now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A post through its preview link, in whatever status it is: the shape of `GET
/// /api/v1/posts/{post}`, never cached, never indexed. No sign-in: the token is the key.
#[utoipa::path(
    operation_id = "getPreview",
    tag = "posts",
    security(()),
    params(("token" = String, Path, description = "The preview link's token")),
    responses(
        (status = 200, description = "The post", body = PostResponse,
            headers(("Cache-Control" = String, description = "`private, no-store`"),
                    ("X-Robots-Tag" = String, description = "`noindex`"))),
        (status = 404, description = "Not a valid link (never made, revoked, or its post deleted)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The link has expired", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/preview/{token}")]
pub async fn preview(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let now = now();
    let view = crate::db::read_point(&state.db, move |c| previews::read(c, &token, now)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .json(PostResponse::new(view, now)))
}
