//! Newsletter copies: claimed from their own lane of the outbox, at most
//! `BYLINE_NEWSLETTER_PER_SECOND` a second across all senders, each rendered for its reader
//! when claimed, sent, and counted on its newsletter in the transaction that settles it.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::db::Db;
use crate::db::queue::{Queue, Settle};
use crate::error::AppError;
use crate::mail::Links;
use crate::mail::sender::Mailer;
use crate::services::{self, newsletters};

use super::{RetryPolicy, Step};

/// Copies in flight at once: each SMTP exchange mostly waits on the relay, so throughput grows
/// with this until the relay's own limit (against a local relay: 8 → 121/s, 16 → 199/s,
/// 32 → 236/s). At the default pace only one or two are ever busy.
pub const SENDERS: usize = 32;

/// Spaces sends evenly: each takes the next free slot, `interval` after the one before.
pub struct Pace {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl Pace {
    /// `per_second` 0 means no limit.
    pub fn new(per_second: u32) -> Pace {
        Pace {
            interval: (per_second > 0).then(|| Duration::from_secs(1) / per_second),
            next: Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

pub struct NewsletterJob {
    db: Db,
    mailer: Mailer,
    retry: RetryPolicy,
    links: Links,
    public_url: String,
    pace: Pace,
}

impl NewsletterJob {
    pub fn new(
        db: Db,
        mailer: Mailer,
        retry: RetryPolicy,
        links: Links,
        public_url: String,
        pace: Pace,
    ) -> NewsletterJob {
        NewsletterJob {
            db,
            mailer,
            retry,
            links,
            public_url,
            pace,
        }
    }

    /// Sends at most one due copy. `None` when nothing is due.
    pub async fn run_once(&self) -> Result<Option<Step>, AppError> {
        self.pace.wait().await;
        let (links, public_url) = (self.links.clone(), self.public_url.clone());
        let claimed = super::claim(
            &self.db,
            self.retry.lease,
            Queue::Newsletters,
            move |c, id| newsletters::load_copy(c, id, &links, &public_url),
        )
        .await?;
        let Some((copy, attempts)) = claimed else {
            return Ok(None);
        };
        let message = match copy {
            newsletters::Copy::Send(message) => message,
            newsletters::Copy::Skip(id) => {
                let skipped = id.clone();
                crate::db::run(&self.db, move |c| newsletters::skip_copy(c, &skipped)).await?;
                return Ok(Some(Step::Skipped(id)));
            }
        };
        let newsletter_id = message.newsletter_id.clone().unwrap_or_default();
        let (settle, error) = match self.mailer.send(&message).await {
            Ok(()) => (Settle::Done, None),
            Err(error) => (
                self.retry.after_failure(attempts, None, services::now()),
                Some(error),
            ),
        };
        let step = super::finish(
            &self.db,
            Queue::Newsletters,
            message.id,
            settle,
            move |c, id| {
                services::outbox::record_error(c, id, error)?;
                match settle {
                    Settle::Done => newsletters::count_copy(c, &newsletter_id, true),
                    Settle::Failed => newsletters::count_copy(c, &newsletter_id, false),
                    Settle::RetryAt(_) => Ok(()),
                }
            },
        )
        .await?;
        if let Step::Retrying(id) | Step::Failed(id) = &step {
            log::warn!(target: "byline::mail", "newsletter copy {id} not sent (attempt {attempts})");
        }
        Ok(Some(step))
    }
}
