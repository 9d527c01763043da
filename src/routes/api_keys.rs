//! API keys for scripts (admins only). The secret is in the create answer and nowhere else.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use super::pagination::{self, Paginated};
use crate::auth::Admin;
use crate::db::models::ApiKey;
use crate::domain::{CursorQuery, Name, PageQuery, Role, parse_id};
use crate::error::{AppError, FieldErrors};
use crate::services::api_keys;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d12", "name": "CI import", "role": "editor",
    "prefix": "byl_Zx81Qa", "user_id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d11",
    "created_at": "2026-11-25T10:00:00Z", "last_used_at": null}))]
pub struct ApiKeyResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    /// What the key may do (never more than its owner may do now).
    pub role: Role,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    /// The admin who created the key.
    #[schema(format = Uuid)]
    pub user_id: String,
    pub created_at: DateTime<Utc>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyResponse {
    fn from(k: ApiKey) -> ApiKeyResponse {
        ApiKeyResponse {
            role: k.role,
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            user_id: k.user_id,
            created_at: crate::services::utc(k.created_at),
            last_used_at: k.last_used_at.map(crate::services::utc),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d12", "name": "CI import", "role": "editor",
    "prefix": "byl_Zx81Qa", "user_id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d11",
    "created_at": "2026-11-25T10:00:00Z", "last_used_at": null,
    "secret": "byl_Zx81Qa7cVb3nM2kL9pQr5sT1uW4yX6zA8bC0dE2fG4h"}))]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyResponse,
    /// The key itself: send it as `Authorization: Bearer <secret>`. Shown this once only.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "CI import", "role": "editor"}))]
pub struct CreateApiKeyRequest {
    /// What the key is for: one line, 1 to 100 characters.
    #[serde(default)]
    #[schema(required = true, value_type = Name, inline)]
    pub name: String,
    #[serde(default)]
    #[schema(required = true, value_type = Role)]
    pub role: Option<Role>,
}

fn key_id(raw: &str) -> Result<String, AppError> {
    parse_id(raw).ok_or_else(AppError::not_found)
}

/// Lists API keys, without their secrets.
#[utoipa::path(
    operation_id = "listApiKeys",
    tag = "api-keys",
    security(("bearer" = [])),
    params(PageQuery, CursorQuery),
    responses((status = 200, description = "A page of API keys", body = Paginated<ApiKeyResponse>,
        headers(("Link" = String, description = "RFC 8288 pagination links"))))
)]
#[get("/api-keys")]
pub async fn list(
    req: HttpRequest,
    _: Admin,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&query, &cursor)?;
    let (rows, listing) = crate::db::run(&state.db, move |c| api_keys::list(c, &paging)).await?;
    let data: Vec<ApiKeyResponse> = rows.into_iter().map(ApiKeyResponse::from).collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
}

/// Creates an API key; the answer carries the secret, shown this once.
#[utoipa::path(
    operation_id = "createApiKey",
    tag = "api-keys",
    security(("bearer" = [])),
    request_body = CreateApiKeyRequest,
    responses((status = 201, description = "Created; keep the secret now", body = CreatedApiKey,
        headers(("Location" = String, description = "The key's URL"))))
)]
#[post("/api-keys")]
pub async fn create(
    Admin(auth): Admin,
    state: web::Data<AppState>,
    body: Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, AppError> {
    let (name, role) = body.convert(|CreateApiKeyRequest { name, role }| {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", Name::parse(&name));
        if role.is_none() {
            errors.add("role", "is required");
        }
        errors.into_result()?;
        match (name, role) {
            (Some(name), Some(role)) => Ok((name.into_inner(), role)),
            _ => Err(FieldErrors::single("role", "is required")),
        }
    })?;
    let owner = auth.user_id.clone();
    let (key, secret) =
        crate::db::run(&state.db, move |c| api_keys::create(c, &owner, name, role)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{}/api/v1/api-keys/{}", state.public_url, key.id),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(CreatedApiKey {
            key: key.into(),
            secret,
        }))
}

/// One API key, without its secret.
#[utoipa::path(
    operation_id = "getApiKey",
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The key's id")),
    responses((status = 200, description = "The key", body = ApiKeyResponse))
)]
#[get("/api-keys/{id}")]
pub async fn get(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = key_id(&id)?;
    let key = crate::db::run(&state.db, move |c| api_keys::get(c, &id)).await?;
    Ok(HttpResponse::Ok().json(ApiKeyResponse::from(key)))
}

/// Revokes an API key; it stops working at once.
#[utoipa::path(
    operation_id = "deleteApiKey",
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The key's id")),
    responses((status = 204, description = "Revoked"))
)]
#[delete("/api-keys/{id}")]
pub async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = key_id(&id)?;
    crate::db::run(&state.db, move |c| api_keys::revoke(c, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
