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

/// Failed sign-ins per account: after `FREE_FAILURES` in a row, each next attempt on that account
/// must wait twice as long as the one before (1 s, 2 s, 4 s... at most `MAX_DELAY_SECS`), until
/// one succeeds. A delay, never a lock: someone guessing another's password slows them down,
/// but cannot keep them out for more than a few minutes at a time.
#[derive(Default)]
pub struct AccountDelay {
    failures: std::sync::Mutex<std::collections::HashMap<String, (u32, std::time::Instant)>>,
}

impl AccountDelay {
    const FREE_FAILURES: u32 = 3;
    const MAX_DELAY_SECS: u64 = 300;

    /// 429 while the account's delay runs.
    pub fn check(&self, account: &str) -> Result<(), AppError> {
        let Ok(failures) = self.failures.lock() else {
            return Ok(());
        };
        match failures.get(account) {
            Some((_, until)) if *until > std::time::Instant::now() => {
                let wait = until.duration_since(std::time::Instant::now());
                Err(AppError::TooManyRequests {
                    retry_after_secs: wait.as_secs().max(1),
                })
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, account: &str) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        let now = std::time::Instant::now();
        if failures.len() > PRUNE_AT {
            // Forget accounts whose delay has run out; memory stays bounded.
            failures.retain(|_, (_, until)| *until > now);
        }
        let entry = failures.entry(account.to_string()).or_insert((0, now));
        entry.0 += 1;
        if let Some(over) = entry.0.checked_sub(Self::FREE_FAILURES + 1) {
            let secs = 1u64
                .checked_shl(over)
                .unwrap_or(u64::MAX)
                .min(Self::MAX_DELAY_SECS);
            entry.1 = now + std::time::Duration::from_secs(secs);
        }
    }

    pub fn succeeded(&self, account: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(account);
        }
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

    #[test]
    fn failed_sign_ins_slow_one_account_down_until_one_succeeds() {
        let delay = AccountDelay::default();
        for _ in 0..AccountDelay::FREE_FAILURES {
            assert!(delay.check("a@x").is_ok());
            delay.failed("a@x");
        }
        assert!(
            delay.check("a@x").is_ok(),
            "the first failures cost nothing"
        );
        delay.failed("a@x");
        assert!(matches!(
            delay.check("a@x"),
            Err(AppError::TooManyRequests { .. })
        ));
        assert!(delay.check("b@x").is_ok(), "other accounts are not slowed");
        delay.succeeded("a@x");
        assert!(delay.check("a@x").is_ok());
    }
}
