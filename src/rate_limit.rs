//! Per-client rate limits for public forms and login (GCRA from the governor crate), answered as
//! 429 problem+json with `Retry-After`.

use std::hash::Hash;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::AppError;

/// Forget idle clients once this many are tracked, so memory stays bounded.
const PRUNE_AT: usize = 10_000;

/// A per-key limit: by client IP for forms and login, by post for comment floods.
pub struct RateLimiter<K: Hash + Eq + Clone = std::net::IpAddr> {
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// `per_minute` requests per client per minute, all of which may come in one burst.
    pub fn per_minute(per_minute: u32) -> RateLimiter<K> {
        let n = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        RateLimiter {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)),
        }
    }

    pub fn check(&self, key: K) -> Result<(), AppError> {
        if self.limiter.len() > PRUNE_AT {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::TooManyRequests {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    #[test]
    fn the_request_past_the_quota_waits() {
        let limiter: RateLimiter = RateLimiter::per_minute(2);
        let ip: IpAddr = [127, 0, 0, 1].into();
        assert!(limiter.check(ip).is_ok());
        assert!(limiter.check(ip).is_ok());
        match limiter.check(ip) {
            Err(AppError::TooManyRequests { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!("expected 429, got {other:?}"),
        }
        let other: IpAddr = [127, 0, 0, 2].into();
        assert!(limiter.check(other).is_ok(), "limits are per client");
    }
}
