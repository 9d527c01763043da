//! Rate limits counted in the database, so that every node of a PostgreSQL site counts the same
//! requests: one row per key and minute, incremented by an upsert. A backend-specific place
//! (SQLite has one process per file, which counts in memory: `rate_limit`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::Conn;
use crate::error::AppError;

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Counts one more request of `key` in the minute that began at `window`; returns how many
/// there were in it so far, this one included. Windows that ended before `forget_before` are
/// deleted on the way (a short walk of the windows index).
pub fn count(
    conn: &mut Conn,
    key: &str,
    window: NaiveDateTime,
    forget_before: Option<NaiveDateTime>,
) -> Result<i64, AppError> {
    let Conn::Postgres(pg) = conn else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "shared rate limits are PostgreSQL's"
        )));
    };
    if let Some(before) = forget_before {
        diesel::sql_query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind::<Timestamp, _>(before)
            .execute(pg)?;
    }
    let counted: Counted = diesel::sql_query(
        "INSERT INTO rate_limits (key, window_start, n) VALUES ($1, $2, 1) \
         ON CONFLICT (key, window_start) DO UPDATE SET n = rate_limits.n + 1 RETURNING n",
    )
    .bind::<Text, _>(key)
    .bind::<Timestamp, _>(window)
    .get_result(pg)?;
    Ok(counted.n)
}
