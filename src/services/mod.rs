//! Rules and transactions, without HTTP. Each function takes `&mut db::Conn` so it can run alone
//! or inside a caller's transaction; routes, the CLI and the jobs share them. Services know no
//! actix, no routes and no extractor: the caller comes in as a `domain::Caller`, e-mail text
//! from `mail::templates`, and links from `mail::Links`.

pub mod api_keys;
pub mod comments;
pub mod contact;
pub mod idempotency;
pub mod import;
pub mod media;
pub mod newsletters;
pub mod outbox;
pub mod post_input;
pub mod post_list;
pub mod posts;
pub mod search;
pub mod secrets;
pub mod site;
pub mod subscribers;
pub mod tags;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, NaiveDateTime, Utc};

/// The current time as stored (UTC, no zone).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// A stored UTC timestamp as the API shows it.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
