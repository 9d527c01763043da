//! The mail job: claims one due e-mail at a time, sends it, and records the result.

use crate::db::queue::{self, Queue, Settle};
use crate::db::{self, Db};
use crate::error::AppError;
use crate::mail::sender::Mailer;
use crate::services::{self, outbox};

use super::{RetryPolicy, Step};

/// How many e-mails are in flight at once. Each SMTP exchange spends most of its time waiting
/// on the network, so a few senders side by side multiply throughput.
pub const SENDERS: usize = 8;

pub struct MailJob {
    db: Db,
    mailer: Mailer,
    retry: RetryPolicy,
}

impl MailJob {
    pub fn new(db: Db, mailer: Mailer, retry: RetryPolicy) -> MailJob {
        MailJob { db, mailer, retry }
    }

    /// Sends at most one due e-mail. `None` when nothing is due.
    pub async fn run_once(&self) -> Result<Option<Step>, AppError> {
        let now = services::now();
        let claimed = db::run(&self.db, move |c| {
            match queue::claim(c, Queue::Mail, now, super::lease_from(now))? {
                Some(claim) => Ok(Some((outbox::get(c, &claim.id)?, claim.attempts))),
                None => Ok(None),
            }
        })
        .await?;
        let Some((message, attempts)) = claimed else {
            return Ok(None);
        };
        let result = self.mailer.send(&message).await;
        let id = message.id;
        let finished = services::now();
        let retry = self.retry;
        let step = db::run(&self.db, move |c| {
            let (settle, error) = match result {
                Ok(()) => (Settle::Done, None),
                Err(error) => (retry.after_failure(attempts, None, finished), Some(error)),
            };
            db::write_transaction(c, |c| {
                queue::settle(c, Queue::Mail, &id, settle, finished)?;
                outbox::record_error(c, &id, error)
            })?;
            Ok(match settle {
                Settle::Done => Step::Sent(id),
                Settle::RetryAt(_) => Step::Retrying(id),
                Settle::Failed => Step::Failed(id),
            })
        })
        .await?;
        if let Step::Retrying(id) | Step::Failed(id) = &step {
            log::warn!(target: "byline::mail", "e-mail {id} not sent (attempt {attempts})");
        }
        Ok(Some(step))
    }
}
