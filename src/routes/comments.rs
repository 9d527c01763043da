//! Comments: the public form and thread, and moderation for editors.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Json;
use super::pagination::{self, Paginated};
use crate::auth::{Editor, MaybeAuthUser};
use crate::db::models::Comment;
use crate::domain::{AnyChars, CommentStatus, CursorQuery, Email, EmailOrBlank, PageQuery};
use crate::error::{AppError, FieldErrors, Problem};
use crate::http_cache;
use crate::services::comments::{
    self, AuthorName, CommentDraft, CommentText, ModerationFilter, Rules, Submitter,
};
use crate::state::AppState;

/// A comment as readers see it. The author's e-mail, IP and user agent are never here.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d40", "post_id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d20",
    "parent_id": null, "depth": 0, "author_name": "Reader", "html": "<p>Great post!</p>", "status": "approved",
    "created_at": "2026-11-25T10:00:00Z"}))]
pub struct CommentResponse {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub post_id: String,
    /// The comment this one replies to.
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
    /// 0 for a top-level comment, 1 for a reply, and so on.
    pub depth: i32,
    pub author_name: String,
    /// The text as HTML: escaped, paragraphs kept, links `rel="nofollow ugc noopener"`.
    pub html: String,
    pub status: CommentStatus,
    pub created_at: DateTime<Utc>,
}

impl CommentResponse {
    fn new(c: &Comment, status: CommentStatus) -> CommentResponse {
        CommentResponse {
            id: c.id.clone(),
            post_id: c.post_id.clone(),
            parent_id: c.parent_id.clone(),
            depth: c.depth,
            author_name: c.author_name.clone(),
            html: c.html.clone(),
            status,
            created_at: crate::services::utc(c.created_at),
        }
    }
}

/// A comment with what moderators need: the author's e-mail, IP and user agent, and the text.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModerationComment {
    #[serde(flatten)]
    pub comment: CommentResponse,
    pub author_email: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The signed-in user who wrote it, if any.
    #[schema(format = Uuid)]
    pub user_id: Option<String>,
    /// The text as written.
    pub body: String,
    /// A "[deleted]" placeholder kept because it has replies.
    pub deleted: bool,
    pub updated_at: DateTime<Utc>,
}

impl From<Comment> for ModerationComment {
    fn from(c: Comment) -> ModerationComment {
        ModerationComment {
            comment: CommentResponse::new(&c, c.status),
            author_email: c.author_email,
            ip: c.ip,
            user_agent: c.user_agent,
            user_id: c.user_id,
            body: c.body,
            deleted: c.deleted,
            updated_at: crate::services::utc(c.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"author_name": "Reader", "author_email": "reader@example.com", "body": "Great post!"}))]
pub struct CreateCommentRequest {
    /// One line, 1 to 80 characters.
    #[serde(default)]
    #[schema(required = true, value_type = AuthorName, inline)]
    pub author_name: String,
    /// Kept for moderators only; never shown. Blank for none.
    #[schema(value_type = Option<EmailOrBlank>, inline)]
    pub author_email: Option<String>,
    /// Plain text, 1 to 10,000 characters. Blank lines separate paragraphs; URLs become links.
    #[serde(default)]
    #[schema(required = true, value_type = CommentText, inline)]
    pub body: String,
    #[schema(schema_with = parent_id_schema)]
    pub parent_id: Option<String>,
    /// Leave empty: a hidden field that only bots fill in.
    #[schema(value_type = Option<AnyChars<0, 1000>>, inline)]
    pub website: Option<String>,
}

/// A comment's id (what `parse_id` reads), or blank for none: forms send an empty hidden field.
fn parent_id_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let hex = |n: usize| format!("[0-9A-Fa-f]{{{n}}}");
    let uuid = [8, 4, 4, 4, 12].map(hex).join("-");
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(format!("^(?:{uuid})?$")))
        .description(Some(
            "The approved comment on the same post this one replies to (its id); blank or null \
             for a top-level comment.",
        ))
        .build()
}

impl TryFrom<CreateCommentRequest> for CommentDraft {
    type Error = AppError;

    fn try_from(r: CreateCommentRequest) -> Result<CommentDraft, AppError> {
        let mut errors = FieldErrors::default();
        let author_name = errors.check("author_name", AuthorName::parse(&r.author_name));
        let body = errors.check("body", CommentText::parse(&r.body));
        let author_email = r
            .author_email
            .filter(|e| !e.trim().is_empty())
            .and_then(|e| errors.check("author_email", Email::parse(&e)));
        if let Some(website) = &r.website {
            errors.check("website", AnyChars::<0, 1000>::check(website));
        }
        errors.into_result()?;
        Ok(CommentDraft {
            author_name: author_name.map(AuthorName::into_inner).unwrap_or_default(),
            author_email,
            body: body.map(CommentText::into_inner).unwrap_or_default(),
            parent_id: r.parent_id.filter(|p| !p.is_empty()),
            honeypot: r.website.is_some_and(|w| !w.trim().is_empty()),
        })
    }
}

/// Posts a comment. It waits for moderation (`pending`) unless the site does not moderate or
/// the author is signed in.
#[utoipa::path(
    operation_id = "createComment",
    tag = "comments",
    security((), ("bearer" = [])),
    params(("post" = String, Path, description = "The post's id or slug")),
    request_body = CreateCommentRequest,
    responses(
        (status = 201, description = "Received: `pending` until approved, or `approved`", body = CommentResponse,
            headers(("Location" = String, description = "The comment's moderation URL"))),
        (status = 403, description = "Comments are closed on this post", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published post", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same comment was already posted", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many comments; wait", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/posts/{post}/comments")]
pub async fn create(
    req: HttpRequest,
    auth: MaybeAuthUser,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    body: Json<CreateCommentRequest>,
) -> Result<HttpResponse, AppError> {
    let reference = reference.into_inner();
    let ip = super::client_ip(&req, &state);
    state.comment_limiter.check(&state.db, ip).await?;
    // The flood limit counts per post, whichever name (id or slug) the path uses.
    let post_id = crate::db::run(&state.db, move |c| {
        crate::services::posts::find_id(c, &reference)
    })
    .await?
    .ok_or_else(AppError::not_found)?;
    state
        .comment_post_limiter
        .check(&state.db, post_id.clone())
        .await?;
    let draft = body.convert(CommentDraft::try_from)?;
    let submitter = Submitter {
        ip: Some(ip.to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(500).collect()),
        user: auth.0,
    };
    let rules = Rules {
        max_links: state.settings.comment_max_links,
        max_depth: state.settings.comment_max_depth,
        notify: state.settings.owner_email.clone(),
    };
    let now = crate::services::now();
    let links = state.links.clone();
    let comment = crate::db::run(&state.db, move |c| {
        comments::submit(c, &post_id, draft, submitter, rules, &links, now)
    })
    .await?;
    // Spam is answered exactly like a comment awaiting moderation.
    let shown = match comment.status {
        CommentStatus::Approved => CommentStatus::Approved,
        _ => CommentStatus::Pending,
    };
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("{}/api/v1/comments/{}", state.public_url, comment.id),
        ))
        .json(CommentResponse::new(&comment, shown)))
}

/// A published post's approved comments, oldest first, each reply right after its parent.
#[utoipa::path(
    operation_id = "listPostComments",
    tag = "comments",
    params(("post" = String, Path, description = "The post's id or slug"), PageQuery, CursorQuery),
    responses(
        (status = 200, description = "A page of the thread", body = Paginated<CommentResponse>,
            headers(("Link" = String, description = "RFC 8288 pagination links"), ("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
    )
)]
#[get("/posts/{post}/comments")]
pub async fn thread(
    req: HttpRequest,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    paging: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&paging, &cursor)?;
    let reference = reference.into_inner();
    let now = crate::services::now();
    let (rows, listing) = crate::db::read(&state.db, move |c| {
        comments::thread(c, &reference, &paging, now)
    })
    .await?;
    let data: Vec<CommentResponse> = rows
        .iter()
        .map(|c| CommentResponse::new(c, CommentStatus::Approved))
        .collect();
    pagination::respond_cached(
        &req,
        &state.public_url,
        &listing,
        data,
        http_cache::PUBLIC_MAX_AGE,
        None,
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModerationQuery {
    /// Only comments in this state.
    pub status: Option<CommentStatus>,
    /// Only comments on this post (id or slug).
    pub post: Option<String>,
    /// Text to look for in the comment, the author's name or e-mail.
    pub q: Option<String>,
}

/// Comments for moderation, newest first, with the authors' private details (editors).
#[utoipa::path(
    operation_id = "listComments",
    tag = "comments",
    security(("bearer" = [])),
    params(PageQuery, CursorQuery, ModerationQuery),
    responses((status = 200, description = "A page of comments", body = Paginated<ModerationComment>,
        headers(("Link" = String, description = "RFC 8288 pagination links"))))
)]
#[get("/comments")]
pub async fn list(
    req: HttpRequest,
    _: Editor,
    state: web::Data<AppState>,
    paging: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
    query: web::Query<ModerationQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&paging, &cursor)?;
    let query = query.into_inner();
    let filter = ModerationFilter {
        status: query.status,
        post: query.post,
        q: query.q.filter(|q| !q.trim().is_empty()),
    };
    let (rows, listing) =
        crate::db::run(&state.db, move |c| comments::list(c, &filter, &paging)).await?;
    let data: Vec<ModerationComment> = rows.into_iter().map(ModerationComment::from).collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
}

/// One comment with its private details (editors).
#[utoipa::path(
    operation_id = "getComment",
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The comment's id")),
    responses((status = 200, description = "The comment", body = ModerationComment))
)]
#[get("/comments/{id}")]
pub async fn get(
    _: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let comment = crate::db::run(&state.db, move |c| comments::get(c, &id)).await?;
    Ok(HttpResponse::Ok().json(ModerationComment::from(comment)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "approved"}))]
pub struct ModerateRequest {
    pub status: CommentStatus,
}

/// Approves, rejects or trashes a comment (editors).
#[utoipa::path(
    operation_id = "moderateComment",
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The comment's id")),
    request_body = ModerateRequest,
    responses((status = 200, description = "The comment", body = ModerationComment))
)]
#[patch("/comments/{id}")]
pub async fn update(
    _: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<ModerateRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let status = body.into_inner()?.status;
    let comment = crate::db::run(&state.db, move |c| comments::moderate(c, &id, status)).await?;
    Ok(HttpResponse::Ok().json(ModerationComment::from(comment)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ids": ["01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d40"], "status": "spam"}))]
pub struct BulkModerateRequest {
    /// 1 to 500 comment ids.
    #[serde(default)]
    #[schema(required = true, min_items = 1, max_items = 500, value_type = Vec<uuid::Uuid>)]
    pub ids: Vec<String>,
    pub status: CommentStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkModerateResponse {
    /// How many of the ids named a comment.
    pub updated: usize,
}

/// Sets the status of many comments at once (editors).
#[utoipa::path(
    operation_id = "moderateComments",
    tag = "comments",
    security(("bearer" = [])),
    request_body = BulkModerateRequest,
    responses((status = 200, description = "How many were changed", body = BulkModerateResponse))
)]
#[post("/comments/bulk")]
pub async fn bulk(
    _: Editor,
    state: web::Data<AppState>,
    body: Json<BulkModerateRequest>,
) -> Result<HttpResponse, AppError> {
    let BulkModerateRequest { ids, status } = body.into_inner()?;
    let updated =
        crate::db::run(&state.db, move |c| comments::moderate_many(c, &ids, status)).await?;
    Ok(HttpResponse::Ok().json(BulkModerateResponse { updated }))
}

/// Deletes a comment; one with replies stays as a "[deleted]" placeholder (editors).
#[utoipa::path(
    operation_id = "deleteComment",
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The comment's id")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/comments/{id}")]
pub async fn delete(
    _: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    crate::db::run(&state.db, move |c| comments::delete(c, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
