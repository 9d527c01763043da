//! Rules and transactions, without HTTP. Each function takes `&mut SqliteConnection` so it can
//! run alone or inside a caller's transaction; routes, the CLI and imports share them.

pub mod api_keys;
pub mod comments;
pub mod contact;
pub mod idempotency;
pub mod media;
pub mod posts;
pub mod search;
pub mod secrets;
pub mod site;
pub mod subscribers;
pub mod tags;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, NaiveDateTime, Utc};

/// The current time as stored (UTC, no zone), truncated to whole microseconds.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// A stored UTC timestamp as the API shows it.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
