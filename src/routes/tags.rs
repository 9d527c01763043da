//! Tags: public list with post counts; editors create, rename and delete.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use super::pagination::{self, Paginated};
use crate::auth::{Editor, MaybeAuthUser};
use crate::db::models::Tag;
use crate::domain::{CursorQuery, Name, PageQuery, Slug};
use crate::error::{AppError, FieldErrors, Problem};
use crate::http_cache;
use crate::services::tags::{self, Description, TagChanges, TagWithCount};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d30", "slug": "news", "name": "News",
    "description": "What is new", "post_count": 12, "created_at": "2026-11-25T10:00:00Z"}))]
pub struct TagResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Posts with this tag: live posts for the public, all posts for signed-in callers.
    pub post_count: i64,
    pub created_at: DateTime<Utc>,
}

impl From<TagWithCount> for TagResponse {
    fn from(TagWithCount { tag: t, post_count }: TagWithCount) -> TagResponse {
        TagResponse {
            id: t.id,
            slug: t.slug,
            name: t.name,
            description: t.description,
            post_count,
            created_at: crate::services::utc(t.created_at),
        }
    }
}

fn without_count(tag: Tag) -> TagResponse {
    TagResponse::from(TagWithCount { tag, post_count: 0 })
}

fn name(raw: &str) -> Result<String, String> {
    Name::parse(raw).map(Name::into_inner)
}

fn description(raw: &str) -> Result<String, String> {
    Description::parse(raw).map(Description::into_inner)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Video Training", "description": "Lessons and tips"}))]
pub struct CreateTagRequest {
    /// One line, 1 to 100 characters.
    #[serde(default)]
    #[schema(required = true, value_type = Name, inline)]
    pub name: String,
    /// Derived from the name when absent.
    #[schema(value_type = Option<Slug>, inline)]
    pub slug: Option<String>,
    /// Up to 500 characters.
    #[schema(value_type = Option<Description>, inline)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Training"}))]
pub struct UpdateTagRequest {
    /// One line, 1 to 100 characters.
    #[schema(value_type = Option<Name>, inline)]
    pub name: Option<String>,
    #[schema(value_type = Option<Slug>, inline)]
    pub slug: Option<String>,
    /// Up to 500 characters.
    #[schema(value_type = Option<Description>, inline)]
    pub description: Option<String>,
}

/// Lists tags by name, with how many posts carry each.
#[utoipa::path(
    operation_id = "listTags",
    tag = "tags",
    security((), ("bearer" = [])),
    params(PageQuery, CursorQuery),
    responses(
        (status = 200, description = "A page of tags", body = Paginated<TagResponse>,
            headers(("Link" = String, description = "RFC 8288 pagination links"), ("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 401, description = "The credentials sent are not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags")]
pub async fn list(
    req: HttpRequest,
    auth: MaybeAuthUser,
    state: web::Data<AppState>,
    paging: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&paging, &cursor)?;
    let public = auth.0.is_none();
    let now = crate::services::now();
    let (rows, listing) =
        crate::db::read(&state.db, move |c| tags::list(c, &paging, public, now)).await?;
    let data: Vec<TagResponse> = rows.into_iter().map(TagResponse::from).collect();
    pagination::respond_cached(
        &req,
        &state.public_url,
        &listing,
        data,
        cache_control(public),
        None,
    )
}

/// One tag with its post count.
#[utoipa::path(
    operation_id = "getTag",
    tag = "tags",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The tag's slug")),
    responses(
        (status = 200, description = "The tag", body = TagResponse, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 401, description = "The credentials sent are not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags/{slug}")]
pub async fn get(
    req: HttpRequest,
    auth: MaybeAuthUser,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let public = auth.0.is_none();
    let now = crate::services::now();
    let slug = slug.into_inner();
    let tag = crate::db::read_point(&state.db, move |c| {
        tags::get_with_count(c, &slug, public, now)
    })
    .await?;
    http_cache::cached_json(&req, &TagResponse::from(tag), cache_control(public))
}

fn cache_control(public: bool) -> &'static str {
    if public {
        http_cache::PUBLIC_MAX_AGE
    } else {
        "private, no-cache"
    }
}

/// Creates a tag (editors).
#[utoipa::path(
    operation_id = "createTag",
    tag = "tags",
    security(("bearer" = [])),
    request_body = CreateTagRequest,
    responses(
        (status = 201, description = "Created", body = TagResponse, headers(("Location" = String))),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tags")]
pub async fn create(
    _: Editor,
    state: web::Data<AppState>,
    body: Json<CreateTagRequest>,
) -> Result<HttpResponse, AppError> {
    let (name, slug, description) = body.convert(|body| {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", name(&body.name));
        let slug = body
            .slug
            .and_then(|s| errors.check("slug", Slug::parse(&s)));
        let description = body
            .description
            .and_then(|d| errors.check("description", description(&d)))
            .unwrap_or_default();
        errors.into_result()?;
        Ok((name.unwrap_or_default(), slug, description))
    })?;
    let tag = crate::db::run(&state.db, move |c| tags::create(c, name, slug, description)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{}/api/v1/tags/{}", state.public_url, tag.slug),
        ))
        .json(without_count(tag)))
}

/// Renames a tag or changes its slug or description (editors).
#[utoipa::path(
    operation_id = "updateTag",
    tag = "tags",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The tag's slug")),
    request_body = UpdateTagRequest,
    responses(
        (status = 200, description = "The updated tag", body = TagResponse),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/tags/{slug}")]
pub async fn update(
    _: Editor,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: Json<UpdateTagRequest>,
) -> Result<HttpResponse, AppError> {
    let changes = body.convert(|body| {
        let mut errors = FieldErrors::default();
        let changes = TagChanges {
            name: body.name.and_then(|n| errors.check("name", name(&n))),
            slug: body
                .slug
                .and_then(|s| errors.check("slug", Slug::parse(&s).map(|s| s.to_string()))),
            description: body
                .description
                .and_then(|d| errors.check("description", description(&d))),
        };
        errors.into_result()?;
        Ok(changes)
    })?;
    let slug = slug.into_inner();
    let tag = crate::db::run(&state.db, move |c| tags::update(c, &slug, changes)).await?;
    Ok(HttpResponse::Ok().json(without_count(tag)))
}

/// Deletes a tag and takes it off every post (editors).
#[utoipa::path(
    operation_id = "deleteTag",
    tag = "tags",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The tag's slug")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/tags/{slug}")]
pub async fn delete(
    _: Editor,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    crate::db::run(&state.db, move |c| tags::delete(c, &slug)).await?;
    Ok(HttpResponse::NoContent().finish())
}
