//! `Idempotency-Key` for creates: the first answer is stored with a hash of the request, and a
//! retry with the same key and body gets the same answer instead of a second resource.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::models::IdempotencyKey;
use crate::db::schema::idempotency_keys;
use crate::error::{AppError, FieldErrors};

/// How long a key is remembered.
pub const TTL_HOURS: i64 = 24;

/// A stored answer to replay.
pub struct Replay {
    pub status_code: u16,
    pub location: Option<String>,
    pub body: String,
}

/// The stored answer for this caller's key, if fresh. The same key with another request body is
/// a 422: the client reused a key by mistake.
pub fn find(
    conn: &mut Conn,
    user_id: &str,
    key: &str,
    request_hash: &str,
) -> Result<Option<Replay>, AppError> {
    let cutoff = super::now() - Duration::hours(TTL_HOURS);
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
        .execute(conn)?;
    let found: Option<IdempotencyKey> = idempotency_keys::table
        .find((user_id, key))
        .select(IdempotencyKey::as_select())
        .first(conn)
        .optional()?;
    match found {
        None => Ok(None),
        Some(k) if k.request_hash != request_hash => Err(FieldErrors::single(
            "Idempotency-Key",
            "was already used with a different request body",
        )),
        Some(k) => Ok(Some(Replay {
            status_code: u16::try_from(k.status_code).unwrap_or(201),
            location: k.location,
            body: k.body,
        })),
    }
}

pub fn store(
    conn: &mut Conn,
    user_id: &str,
    key: &str,
    request_hash: &str,
    answer: &Replay,
) -> Result<(), AppError> {
    diesel::insert_into(idempotency_keys::table)
        .values(&IdempotencyKey {
            user_id: user_id.into(),
            key: key.into(),
            request_hash: request_hash.into(),
            status_code: i32::from(answer.status_code),
            location: answer.location.clone(),
            body: answer.body.clone(),
            created_at: super::now(),
        })
        .execute(conn)?;
    Ok(())
}

/// A key must be 1 to 255 visible ASCII characters (HTTP has already dropped the spaces around a
/// header's value).
pub fn parse_key(raw: &str) -> Result<String, AppError> {
    let key = raw;
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(FieldErrors::single(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(key.to_string())
}
