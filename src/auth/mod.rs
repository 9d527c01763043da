//! Who is calling: JWT access tokens and API keys (both `Authorization: Bearer ...`) become a
//! `domain::Caller` through the extractors here, which check roles before a body is read.

pub mod jwt;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::crypto::api_key;
use crate::db::Db;
use crate::domain::{Caller, Role};
use crate::error::AppError;
use crate::services::users;

pub use jwt::JwtKeys;

/// What checking credentials needs: the database (users and keys are read on every request)
/// and the JWT keys. Registered as app data by `startup`.
pub struct Authenticator {
    pub db: Db,
    pub jwt: JwtKeys,
}

/// The signed-in caller of a request. Taking it as a handler argument makes the route require
/// valid credentials (401 otherwise); `Caller::require` then checks the role (403).
impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let auth = req.app_data::<web::Data<Authenticator>>().cloned();
        Box::pin(async move {
            let auth =
                auth.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no authenticator")))?;
            let token = token.ok_or_else(|| {
                AppError::Unauthorized("Send `Authorization: Bearer <token or API key>`.".into())
            })?;
            authenticate(&auth, token).await
        })
    }
}

/// A caller with at least the editor role. As an extractor it refuses (401/403) before the
/// body is read, so nobody learns about a route's validation without being allowed to use it.
#[derive(Debug, Clone)]
pub struct Editor(pub Caller);

/// A caller with the admin role; see `Editor`.
#[derive(Debug, Clone)]
pub struct Admin(pub Caller);

macro_rules! role_extractor {
    ($name:ident, $role:expr) => {
        impl FromRequest for $name {
            type Error = AppError;
            type Future = Pin<Box<dyn Future<Output = Result<$name, AppError>>>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let user = Caller::from_request(req, payload);
                Box::pin(async move {
                    let user = user.await?;
                    user.require($role)?;
                    Ok($name(user))
                })
            }
        }
    };
}

role_extractor!(Editor, Role::Editor);
role_extractor!(Admin, Role::Admin);

/// The caller when credentials were sent, `None` for anonymous requests. Bad credentials are
/// still a 401: a client that sends a token means to be signed in.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<Caller>);

impl FromRequest for MaybeAuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<MaybeAuthUser, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().contains_key(header::AUTHORIZATION) {
            let fut = Caller::from_request(req, payload);
            Box::pin(async move { fut.await.map(|u| MaybeAuthUser(Some(u))) })
        } else {
            Box::pin(async { Ok(MaybeAuthUser(None)) })
        }
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

async fn authenticate(auth: &Authenticator, token: String) -> Result<Caller, AppError> {
    let invalid = || AppError::Unauthorized("The token or API key is not valid.".into());
    if api_key::looks_like_key(&token) {
        let hash = api_key::hash(&token);
        let found = crate::db::run(&auth.db, move |c| {
            crate::services::api_keys::authenticate(c, &hash)
        })
        .await?;
        return found.ok_or_else(invalid);
    }
    let claims = auth.jwt.verify(&token).ok_or_else(invalid)?;
    // The user is read again so a deleted user's tokens stop working and a role change applies now.
    let sub = claims.sub.clone();
    let user = crate::db::run(&auth.db, move |c| users::find(c, &sub)).await?;
    let user = user.ok_or_else(invalid)?;
    // A password change signs out every session started before it, to the microsecond.
    if claims.pwv != jwt::password_version(user.password_changed_at) {
        return Err(invalid());
    }
    Ok(Caller {
        role: user.role,
        user_id: user.id,
        api_key: None,
    })
}
