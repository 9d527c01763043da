//! Users (admins only).

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use super::pagination::{self, Paginated};
use crate::auth::Admin;
use crate::db::models::User;
use crate::domain::{CursorQuery, Email, Name, PageQuery, Password, Role, parse_id};
use crate::error::{AppError, FieldErrors, Problem};
use crate::services::users::{self, UserDraft, UserUpdate};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d11", "email": "ed@example.com", "name": "Ed Itor",
    "role": "editor", "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"}))]
pub struct UserResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(u: User) -> UserResponse {
        UserResponse {
            role: u.role,
            id: u.id,
            email: u.email,
            name: u.name,
            created_at: crate::services::utc(u.created_at),
            updated_at: crate::services::utc(u.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ed@example.com", "name": "Ed Itor", "password": "a long passphrase", "role": "editor"}))]
pub struct CreateUserRequest {
    #[serde(default)]
    #[schema(required = true, value_type = Email, inline)]
    pub email: String,
    /// One line, 1 to 100 characters.
    #[serde(default)]
    #[schema(required = true, value_type = Name, inline)]
    pub name: String,
    /// 8 to 1024 characters; for an admin at least 12, and not one a guesser tries first.
    #[serde(default)]
    #[schema(required = true, value_type = Password, inline)]
    pub password: String,
    /// Defaults to `author`.
    pub role: Option<Role>,
}

impl TryFrom<CreateUserRequest> for UserDraft {
    type Error = AppError;

    fn try_from(body: CreateUserRequest) -> Result<UserDraft, AppError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", Email::parse(&body.email));
        let name = errors.check("name", Name::parse(&body.name).map(Name::into_inner));
        let password = errors.check("password", Password::parse(&body.password));
        errors.into_result()?;
        match (email, name, password) {
            (Some(email), Some(name), Some(password)) => Ok(UserDraft {
                email,
                name,
                password,
                role: body.role.unwrap_or(Role::Author),
            }),
            _ => Err(AppError::Internal(anyhow::anyhow!(
                "unreachable: checked fields"
            ))),
        }
    }
}

/// Only the fields sent are changed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "admin"}))]
pub struct UpdateUserRequest {
    #[schema(value_type = Option<Email>, inline)]
    pub email: Option<String>,
    /// One line, 1 to 100 characters.
    #[schema(value_type = Option<Name>, inline)]
    pub name: Option<String>,
    /// 8 to 1024 characters; for an admin at least 12, and not one a guesser tries first.
    #[schema(value_type = Option<Password>, inline)]
    pub password: Option<String>,
    pub role: Option<Role>,
}

impl TryFrom<UpdateUserRequest> for UserUpdate {
    type Error = AppError;

    fn try_from(body: UpdateUserRequest) -> Result<UserUpdate, AppError> {
        let mut errors = FieldErrors::default();
        let changes = UserUpdate {
            email: body
                .email
                .and_then(|e| errors.check("email", Email::parse(&e))),
            name: body
                .name
                .and_then(|n| errors.check("name", Name::parse(&n).map(Name::into_inner))),
            password: body
                .password
                .and_then(|p| errors.check("password", Password::parse(&p))),
            role: body.role,
        };
        errors.into_result()?;
        Ok(changes)
    }
}

fn user_id(raw: &str) -> Result<String, AppError> {
    parse_id(raw).ok_or_else(AppError::not_found)
}

/// Lists users, oldest first.
#[utoipa::path(
    operation_id = "listUsers",
    tag = "users",
    security(("bearer" = [])),
    params(PageQuery, CursorQuery),
    responses((status = 200, description = "A page of users", body = Paginated<UserResponse>,
        headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))))
)]
#[get("/users")]
pub async fn list(
    req: HttpRequest,
    _: Admin,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&query, &cursor)?;
    let (rows, listing) = crate::db::run(&state.db, move |c| users::list(c, &paging)).await?;
    let data: Vec<UserResponse> = rows.into_iter().map(UserResponse::from).collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
}

/// Creates a user. The e-mail is normalised (trimmed, lower-cased) and must be unique.
#[utoipa::path(
    operation_id = "createUser",
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserResponse,
            headers(("Location" = String, description = "The new user's URL"))),
        (status = 409, description = "The e-mail is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create(
    _: Admin,
    state: web::Data<AppState>,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let draft = body.convert(UserDraft::try_from)?;
    let user = crate::db::run(&state.db, move |c| users::create(c, draft)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{}/api/v1/users/{}", state.public_url, user.id),
        ))
        .json(UserResponse::from(user)))
}

/// One user.
#[utoipa::path(
    operation_id = "getUser",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The user's id")),
    responses((status = 200, description = "The user", body = UserResponse))
)]
#[get("/users/{id}")]
pub async fn get(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = user_id(&id)?;
    let user = crate::db::run(&state.db, move |c| users::get(c, &id)).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Changes a user's e-mail, name, password or role. The last admin cannot be demoted.
#[utoipa::path(
    operation_id = "updateUser",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The user's id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The updated user", body = UserResponse),
        (status = 409, description = "The e-mail is taken, or this is the last admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<UpdateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let id = user_id(&id)?;
    let changes = body.convert(UserUpdate::try_from)?;
    let user = crate::db::run(&state.db, move |c| users::update(c, &id, changes)).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Deletes a user and their API keys. The last admin cannot be deleted.
#[utoipa::path(
    operation_id = "deleteUser",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The user's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "This is the last admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}")]
pub async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = user_id(&id)?;
    crate::db::run(&state.db, move |c| users::delete(c, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
