//! Internal settings that never leave the server.

use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::settings;
use crate::error::AppError;

const JWT_SECRET: &str = "jwt_secret";

/// The JWT secret kept in the database, created on first use so tokens survive a restart.
/// Returns the secret and whether it was just created.
pub fn jwt_secret(conn: &mut Conn) -> Result<(String, bool), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let existing: Option<String> = settings::table
            .find(JWT_SECRET)
            .select(settings::value)
            .first(conn)
            .optional()?;
        if let Some(secret) = existing {
            return Ok((secret, false));
        }
        let secret = crate::crypto::random_token(48);
        diesel::insert_into(settings::table)
            .values((settings::key.eq(JWT_SECRET), settings::value.eq(&secret)))
            .execute(conn)?;
        Ok((secret, true))
    })
}
