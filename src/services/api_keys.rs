//! API keys for scripts: created by admins, shown once, stored hashed, revoked at once.

use diesel::prelude::*;

use crate::crypto::api_key;
use crate::db::models::{ApiKey, NewApiKey};
use crate::db::schema::{api_keys, users};
use crate::db::{self, Conn};
use crate::domain::{Caller, Listing, Paging, Role, new_id};
use crate::error::AppError;

/// Creates a key owned by `owner_id`; returns the row and the secret (never stored in clear).
pub fn create(
    conn: &mut Conn,
    owner_id: &str,
    name: String,
    role: Role,
) -> Result<(ApiKey, String), AppError> {
    let generated = api_key::generate();
    let row = NewApiKey {
        id: new_id(),
        user_id: owner_id.to_string(),
        name,
        role,
        prefix: generated.display_prefix,
        secret_hash: generated.hash,
        created_at: super::now(),
    };
    let key = diesel::insert_into(api_keys::table)
        .values(&row)
        .returning(crate::db::columns::<ApiKey>())
        .get_result(conn)?;
    Ok((key, generated.secret))
}

pub fn list(conn: &mut Conn, paging: &Paging) -> Result<(Vec<ApiKey>, Listing), AppError> {
    db::paged!(
        conn,
        paging,
        api_keys::table.into_boxed(),
        "created_at",
        (api_keys::created_at, api_keys::id, chrono::NaiveDateTime),
        asc,
        ApiKey::as_select(),
        |r: &ApiKey| (r.created_at, r.id.clone())
    )
}

pub fn revoke(conn: &mut Conn, id: &str) -> Result<(), AppError> {
    match diesel::delete(api_keys::table.find(id)).execute(conn)? {
        0 => Err(AppError::not_found()),
        _ => Ok(()),
    }
}

/// The caller a key hash stands for. The key never has more power than its owner has now.
pub fn authenticate(conn: &mut Conn, secret_hash: &str) -> Result<Option<Caller>, AppError> {
    let found: Option<(ApiKey, Role)> = api_keys::table
        .inner_join(users::table)
        .filter(api_keys::secret_hash.eq(secret_hash))
        .select((ApiKey::as_select(), users::role))
        .first(conn)
        .optional()?;
    let Some((key, owner_role)) = found else {
        return Ok(None);
    };
    let role = key.role.min(owner_role);
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
    Ok(Some(Caller {
        user_id: key.user_id,
        role,
        api_key: Some(key.id),
    }))
}

pub fn get(conn: &mut Conn, id: &str) -> Result<ApiKey, AppError> {
    Ok(api_keys::table
        .find(id)
        .select(ApiKey::as_select())
        .first(conn)?)
}
