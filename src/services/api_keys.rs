//! API keys for scripts: created by admins, shown once, stored hashed, revoked at once.

use diesel::prelude::*;

use crate::auth::{AuthUser, api_key};
use crate::db::models::{ApiKey, NewApiKey};
use crate::db::schema::{api_keys, users};
use crate::domain::{Page, Role, new_id};
use crate::error::AppError;

pub const NAME_MAX_CHARS: usize = 100;

/// Creates a key owned by `owner_id`; returns the row and the secret (never stored in clear).
pub fn create(
    conn: &mut SqliteConnection,
    owner_id: &str,
    name: String,
    role: Role,
) -> Result<(ApiKey, String), AppError> {
    let generated = api_key::generate();
    let row = NewApiKey {
        id: new_id(),
        user_id: owner_id.to_string(),
        name,
        role: role.to_string(),
        prefix: generated.display_prefix,
        secret_hash: generated.hash,
        created_at: super::now(),
    };
    let key = diesel::insert_into(api_keys::table)
        .values(&row)
        .returning(ApiKey::as_returning())
        .get_result(conn)?;
    Ok((key, generated.secret))
}

pub fn list(conn: &mut SqliteConnection, page: Page) -> Result<(Vec<ApiKey>, i64), AppError> {
    let total = api_keys::table.count().get_result(conn)?;
    let rows = api_keys::table
        .select(ApiKey::as_select())
        .order((api_keys::created_at.asc(), api_keys::id.asc()))
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok((rows, total))
}

pub fn revoke(conn: &mut SqliteConnection, id: &str) -> Result<(), AppError> {
    match diesel::delete(api_keys::table.find(id)).execute(conn)? {
        0 => Err(AppError::not_found()),
        _ => Ok(()),
    }
}

/// The caller a key hash stands for. The key never has more power than its owner has now.
pub fn authenticate(
    conn: &mut SqliteConnection,
    secret_hash: &str,
) -> Result<Option<AuthUser>, AppError> {
    let found: Option<(ApiKey, String)> = api_keys::table
        .inner_join(users::table)
        .filter(api_keys::secret_hash.eq(secret_hash))
        .select((ApiKey::as_select(), users::role))
        .first(conn)
        .optional()?;
    let Some((key, owner_role)) = found else {
        return Ok(None);
    };
    let parse = |r: &str| -> Result<Role, AppError> {
        r.parse()
            .map_err(|e: String| AppError::Internal(anyhow::anyhow!(e)))
    };
    let role = parse(&key.role)?.min(parse(&owner_role)?);
    // Record use at most once a minute: a busy script should not turn every read into a write.
    let now = super::now();
    if key
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::minutes(1))
    {
        diesel::update(api_keys::table.find(&key.id))
            .set(api_keys::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(AuthUser {
        user_id: key.user_id,
        role,
    }))
}

pub fn get(conn: &mut SqliteConnection, id: &str) -> Result<ApiKey, AppError> {
    Ok(api_keys::table
        .find(id)
        .select(ApiKey::as_select())
        .first(conn)?)
}
