//! The mail job: claims one due e-mail at a time, sends it, and records the result.

use crate::db::Db;
use crate::db::queue::{Queue, Settle};
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
        let Some((message, attempts)) =
            super::claim(&self.db, self.retry.lease, Queue::Mail, outbox::get).await?
        else {
            return Ok(None);
        };
        let (settle, error) = match self.mailer.send(&message).await {
            Ok(()) => (Settle::Done, None),
            Err(error) => {
                let settle = self.retry.after_failure(attempts, None, services::now());
                (settle, Some(error))
            }
        };
        let step = super::finish(&self.db, Queue::Mail, message.id, settle, move |c, id| {
            outbox::record_error(c, id, error)
        })
        .await?;
        if let Step::Retrying(id) | Step::Failed(id) = &step {
            log::warn!(target: "byline::mail", "e-mail {id} not sent (attempt {attempts})");
        }
        Ok(Some(step))
    }
}
