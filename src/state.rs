//! What every handler can reach, built once by `startup`. Workers' handles are not here: the
//! jobs live on the `Application`, and handlers only ever touch the database.

use std::fmt::Display;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{NaiveDateTime, Timelike};

use crate::config::{Settings, SiteSource};
use crate::db::{self, DatabaseUrl, Db};
use crate::error::AppError;
use crate::mail::Links;
use crate::media_store::MediaStore;
use crate::rate_limit::{AccountDelay, RateLimiter};

pub struct AppState {
    pub db: Db,
    /// Where uploaded files are kept (shared by every node of a site).
    pub media: MediaStore,
    pub settings: Settings,
    /// The base URL used in `Location` and `Link` headers.
    pub public_url: String,
    /// Where e-mailed links lead.
    pub links: Links,
    pub login_limiter: Limit,
    /// Failed sign-ins per account (exponential delay; per node).
    pub login_delay: AccountDelay,
    pub comment_limiter: Limit,
    /// Keyed by the post's id, whichever name the path used.
    pub comment_post_limiter: Limit<String>,
    pub subscriber_limiter: Limit,
    pub contact_limiter: Limit,
}

impl AppState {
    pub fn new(db: Db, media: MediaStore, settings: Settings, public_url: String) -> AppState {
        let shared = DatabaseUrl::parse(&settings.database_url).is_postgres();
        AppState {
            links: Links::new(&public_url, settings.site != SiteSource::None),
            login_limiter: Limit::new("login", settings.login_per_minute, shared),
            login_delay: AccountDelay::default(),
            comment_limiter: Limit::new("comments", settings.comments_per_minute, shared),
            comment_post_limiter: Limit::new(
                "post-comments",
                settings.comments_per_post_per_minute,
                shared,
            ),
            subscriber_limiter: Limit::new("subscribers", settings.subscribers_per_minute, shared),
            contact_limiter: Limit::new("contact", settings.contact_per_minute, shared),
            db,
            media,
            settings,
            public_url,
        }
    }
}

/// A rate limit every node of a site counts together: in this process's memory on SQLite (one
/// process per file: a smooth limit, GCRA), in the database on PostgreSQL (requests per key per
/// calendar minute, so several nodes count the same requests).
pub struct Limit<K: Hash + Eq + Clone = IpAddr> {
    name: &'static str,
    per_minute: u32,
    local: RateLimiter<K>,
    shared: bool,
    /// The minute this node last deleted ended windows in (one delete per node per minute).
    swept: AtomicI64,
}

impl<K: Hash + Eq + Clone + Display> Limit<K> {
    pub fn new(name: &'static str, per_minute: u32, shared: bool) -> Limit<K> {
        Limit {
            name,
            per_minute,
            local: RateLimiter::per_minute(per_minute),
            shared,
            swept: AtomicI64::new(0),
        }
    }

    /// Counts one more request of `key`: `429` with `Retry-After` past the limit.
    pub async fn check(&self, db: &Db, key: K) -> Result<(), AppError> {
        if !self.shared {
            return self.local.check(key);
        }
        // Hashed: the table holds no client addresses.
        let key = crate::crypto::sha256_hex(format!("{}:{key}", self.name).as_bytes());
        let now = chrono::Utc::now().naive_utc();
        let window = minute_of(now);
        let minute = window.and_utc().timestamp() / 60;
        let forget_before = (self.swept.swap(minute, Ordering::Relaxed) != minute)
            .then(|| window - chrono::Duration::minutes(1));
        let n = db::run(db, move |c| {
            db::limits::count(c, &key, window, forget_before)
        })
        .await?;
        if n > i64::from(self.per_minute) {
            let next = window + chrono::Duration::minutes(1);
            let wait = (next - now).num_seconds().max(1);
            return Err(AppError::TooManyRequests {
                retry_after_secs: u64::try_from(wait).unwrap_or(1),
            });
        }
        Ok(())
    }
}

/// The start of the minute `at` falls in.
fn minute_of(at: NaiveDateTime) -> NaiveDateTime {
    at.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at)
}
