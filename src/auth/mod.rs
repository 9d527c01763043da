//! Who is calling: JWT access tokens and API keys (both `Authorization: Bearer ...`), Argon2id
//! passwords, and role checks.

pub mod api_key;
pub mod jwt;
pub mod password;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::domain::Role;
use crate::error::AppError;
use crate::services::users;
use crate::startup::AppState;

/// The signed-in caller of a request. Taking it as a handler argument makes the route require
/// valid credentials (401 otherwise); `require` then checks the role (403).
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: String,
    /// The role in force: the user's own for a JWT, the key's for an API key.
    pub role: Role,
}

impl AuthUser {
    pub fn require(&self, at_least: Role) -> Result<(), AppError> {
        if self.role >= at_least {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<AuthUser, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
            let token = token.ok_or_else(|| {
                AppError::Unauthorized("Send `Authorization: Bearer <token or API key>`.".into())
            })?;
            authenticate(&state, token).await
        })
    }
}

/// A caller with at least the editor role. As an extractor it refuses (401/403) before the
/// body is read, so nobody learns about a route's validation without being allowed to use it.
#[derive(Debug, Clone)]
pub struct Editor(pub AuthUser);

/// A caller with the admin role; see `Editor`.
#[derive(Debug, Clone)]
pub struct Admin(pub AuthUser);

macro_rules! role_extractor {
    ($name:ident, $role:expr) => {
        impl FromRequest for $name {
            type Error = AppError;
            type Future = Pin<Box<dyn Future<Output = Result<$name, AppError>>>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let user = AuthUser::from_request(req, payload);
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
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequest for MaybeAuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<MaybeAuthUser, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().contains_key(header::AUTHORIZATION) {
            let fut = AuthUser::from_request(req, payload);
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

async fn authenticate(state: &AppState, token: String) -> Result<AuthUser, AppError> {
    let invalid = || AppError::Unauthorized("The token or API key is not valid.".into());
    if api_key::looks_like_key(&token) {
        let hash = api_key::hash(&token);
        let found = crate::db::run(&state.pool, move |c| {
            crate::services::api_keys::authenticate(c, &hash)
        })
        .await?;
        return found.ok_or_else(invalid);
    }
    let claims = state.jwt.verify(&token).ok_or_else(invalid)?;
    // The user is read again so a deleted user's tokens stop working and a role change applies now.
    let sub = claims.sub.clone();
    let user = crate::db::run(&state.pool, move |c| users::find(c, &sub)).await?;
    let user = user.ok_or_else(invalid)?;
    // A password change signs out every session started before it.
    if user
        .password_changed_at
        .is_some_and(|t| claims.iat < t.and_utc().timestamp())
    {
        return Err(invalid());
    }
    Ok(AuthUser {
        role: user
            .role
            .parse()
            .map_err(|e: String| AppError::Internal(anyhow::anyhow!(e)))?,
        user_id: user.id,
    })
}

/// `n` random bytes as URL-safe base64 without padding.
pub fn random_token(n: usize) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_have_the_expected_length_and_alphabet() {
        let t = random_token(32);
        assert_eq!(t.len(), 43);
        assert!(
            t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(t, random_token(32));
    }

    #[test]
    fn hex_is_lowercase_pairs() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}
