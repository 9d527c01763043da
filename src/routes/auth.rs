//! Sign-in and "who am I".

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use super::users::UserResponse;
use crate::auth::Authenticator;
use crate::domain::{AnyChars, Caller};
use crate::error::{AppError, FieldErrors, Problem};
use crate::services::users;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "admin@example.com", "password": "correct horse battery"}))]
pub struct LoginRequest {
    #[serde(default)]
    #[schema(required = true, format = Email)]
    pub email: String,
    #[serde(default)]
    #[schema(required = true, value_type = AnyChars<1, 1024>, inline)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMTkzIn0.c2ln",
    "token_type": "Bearer",
    "expires_in": 900,
    "user": {"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d11", "email": "admin@example.com", "name": "Admin",
             "role": "admin", "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"}
}))]
pub struct LoginResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub user: UserResponse,
}

/// Signs in with e-mail and password and returns a short-lived access token.
///
/// A wrong password and an unknown e-mail get the same 401. Attempts are rate-limited per client,
/// and after a few failures in a row each next attempt on the same account waits longer (429).
#[utoipa::path(
    operation_id = "login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong e-mail or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this client or on this account", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: web::Data<Authenticator>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    state
        .login_limiter
        .check(&state.db, super::client_ip(&req, &state))
        .await?;
    let (LoginRequest { email, password }, shape) = body.lenient()?;
    let mut errors = FieldErrors::default();
    if email.trim().is_empty() {
        errors.add("email", "is required");
    }
    if password.is_empty() {
        errors.add("password", "is required");
    }
    shape.and(errors).into_result()?;
    let account = email.trim().to_lowercase();
    state.login_delay.check(&account)?;
    let found = crate::db::run(&state.db, move |c| {
        users::authenticate(c, &email, &password)
    })
    .await?;
    let Some(user) = found else {
        state.login_delay.failed(&account);
        return Err(AppError::Unauthorized(
            "The e-mail or password is wrong.".into(),
        ));
    };
    state.login_delay.succeeded(&account);
    let pwv = crate::auth::jwt::password_version(user.password_changed_at);
    let user = UserResponse::from(user);
    let access_token = auth.jwt.issue(&user.id, user.role, pwv)?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: auth.jwt.ttl_seconds,
        user,
    }))
}

/// How the caller signed in.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// A JWT from `POST /auth/login`.
    Token,
    /// An API key.
    ApiKey,
}

/// The caller: their user, with `role` the role in force for this request (for an API key the
/// key's own, never more than its owner's), and how they signed in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d11", "email": "admin@example.com", "name": "Admin",
    "role": "author", "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z",
    "credential": "api_key", "api_key_id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d12"}))]
pub struct MeResponse {
    #[serde(flatten)]
    pub user: UserResponse,
    pub credential: Credential,
    /// The key the request came with, for `api_key`.
    #[schema(format = Uuid)]
    pub api_key_id: Option<String>,
}

/// The signed-in user, with the role this request may act with (for an API key: the key's
/// owner, with the key's role).
#[utoipa::path(
    operation_id = "getMe",
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = MeResponse))
)]
#[get("/auth/me")]
pub async fn me(auth: Caller, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let user_id = auth.user_id.clone();
    let user = crate::db::run(&state.db, move |c| users::get(c, &user_id)).await?;
    let mut user = UserResponse::from(user);
    user.role = auth.role;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .json(MeResponse {
            user,
            credential: if auth.api_key.is_some() {
                Credential::ApiKey
            } else {
                Credential::Token
            },
            api_key_id: auth.api_key,
        }))
}
