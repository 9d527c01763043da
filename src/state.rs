//! What every handler can reach, built once by `startup`. Workers' handles are not here: the
//! jobs live on the `Application`, and handlers only ever touch the database.

use crate::config::{Settings, SiteSource};
use crate::db::Db;
use crate::mail::Links;
use crate::rate_limit::{AccountDelay, RateLimiter};

pub struct AppState {
    pub db: Db,
    pub settings: Settings,
    /// The base URL used in `Location` and `Link` headers.
    pub public_url: String,
    /// Where e-mailed links lead.
    pub links: Links,
    pub login_limiter: RateLimiter,
    /// Failed sign-ins per account (exponential delay).
    pub login_delay: AccountDelay,
    pub comment_limiter: RateLimiter,
    /// Keyed by the post's id, whichever name the path used.
    pub comment_post_limiter: RateLimiter<String>,
    pub subscriber_limiter: RateLimiter,
    pub contact_limiter: RateLimiter,
}

impl AppState {
    pub fn new(db: Db, settings: Settings, public_url: String) -> AppState {
        AppState {
            links: Links::new(&public_url, settings.site != SiteSource::None),
            login_limiter: RateLimiter::per_minute(settings.login_per_minute),
            login_delay: AccountDelay::default(),
            comment_limiter: RateLimiter::per_minute(settings.comments_per_minute),
            comment_post_limiter: RateLimiter::per_minute(settings.comments_per_post_per_minute),
            subscriber_limiter: RateLimiter::per_minute(settings.subscribers_per_minute),
            contact_limiter: RateLimiter::per_minute(settings.contact_per_minute),
            db,
            settings,
            public_url,
        }
    }
}
