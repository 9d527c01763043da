//! Background work as jobs over the durable queues in `db::queue`: e-mail (`mail`), webhook
//! deliveries (`webhooks`), and the scheduler that announces scheduled posts when their time
//! comes (`scheduler`). Each kind has a `run_once` (tests drain the queues with it); `Jobs::spawn`
//! runs them all in loops that a successful write wakes (`Jobs::wake`).
//!
//! Jobs call services and the mail sender; nothing below them calls back up here.

pub mod mail;
pub mod newsletters;
pub mod scheduler;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::db::queue::{self as db_queue, Queue, Settle};
use crate::db::{self, Conn, Db};
use crate::error::AppError;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: i32,
    /// The first retry waits about this long; each later one twice as long (with jitter).
    pub base: Duration,
    /// How long a claimed row is left alone before another sender may take it: longer than any
    /// attempt takes, so a lapsed lease means its sender died (`BYLINE_JOB_LEASE_SECONDS`).
    pub lease: Duration,
}

impl RetryPolicy {
    /// How long to wait after the `attempts`-th failed attempt.
    pub fn delay_after(&self, attempts: i32) -> chrono::Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(16);
        let base_ms = u64::try_from(self.base.as_millis()).unwrap_or(u64::MAX);
        let ms = base_ms.saturating_mul(1 << exponent).min(6 * 3600 * 1000);
        // ±25% jitter so retries from a burst do not arrive together.
        let jitter = (rand::random::<u64>() % (ms / 2 + 1)) as i64 - (ms / 4) as i64;
        chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX) + jitter)
    }

    /// After a failed attempt: try again (at least `at_least` later), or give up.
    fn after_failure(
        &self,
        attempts: i32,
        at_least: Option<chrono::Duration>,
        now: chrono::NaiveDateTime,
    ) -> Settle {
        if attempts >= self.max_attempts {
            return Settle::Failed;
        }
        let backoff = self.delay_after(attempts);
        let wait = at_least.map_or(backoff, |d| d.max(backoff));
        Settle::RetryAt(now + wait)
    }
}

/// What one step did, naming the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Sent(String),
    Retrying(String),
    Failed(String),
    /// A newsletter copy that will not go out (cancelled, or its reader left).
    Skipped(String),
}

/// The job kinds and what they need; built once by `startup`, kept on the `Application`.
#[derive(Clone)]
pub struct Jobs {
    pub mail: Arc<mail::MailJob>,
    pub newsletters: Arc<newsletters::NewsletterJob>,
    pub webhooks: Arc<webhooks::WebhookJob>,
    pub scheduler: Arc<scheduler::Scheduler>,
    wake: Arc<Notify>,
}

impl Jobs {
    pub fn new(
        mail: mail::MailJob,
        newsletters: newsletters::NewsletterJob,
        webhooks: webhooks::WebhookJob,
        scheduler: scheduler::Scheduler,
    ) -> Jobs {
        Jobs {
            mail: Arc::new(mail),
            newsletters: Arc::new(newsletters),
            webhooks: Arc::new(webhooks),
            scheduler: Arc::new(scheduler),
            wake: Arc::new(Notify::new()),
        }
    }

    /// What wakes the loops after a write (new rows leave at once, not at the next poll).
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Runs every kind until the process stops.
    pub fn spawn(&self) {
        let mail = self.mail.clone();
        run_loops(
            mail::SENDERS,
            Duration::from_millis(500),
            self.wake(),
            "mail",
            move || {
                let job = mail.clone();
                async move { job.run_once().await }
            },
        );
        let copies = self.newsletters.clone();
        run_loops(
            newsletters::SENDERS,
            Duration::from_millis(500),
            self.wake(),
            "newsletters",
            move || {
                let job = copies.clone();
                async move { job.run_once().await }
            },
        );
        let hooks = self.webhooks.clone();
        run_loops(
            webhooks::SENDERS,
            Duration::from_secs(1),
            self.wake(),
            "webhooks",
            move || {
                let job = hooks.clone();
                async move { job.run_once().await }
            },
        );
        let scheduler = self.scheduler.clone();
        run_loops(
            1,
            Duration::from_secs(1),
            self.wake(),
            "scheduler",
            move || {
                let job = scheduler.clone();
                async move { job.run_once().await.map(|_| None) }
            },
        );
    }
}

/// Runs `step` in `loops` loops: straight on while it finds work, otherwise waiting until a
/// write wakes them. Only the first loop also polls every `poll` (for retries and lapsed leases
/// coming due): idle loops cost no queries. A loop that finds work after waiting rallies the
/// others. Claims are atomic, so loops never take the same row.
fn run_loops<F, Fut>(loops: usize, poll: Duration, wake: Arc<Notify>, name: &'static str, step: F)
where
    F: Fn() -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = Result<Option<Step>, AppError>> + 'static,
{
    let rally = Arc::new(Notify::new());
    for index in 0..loops {
        let (step, wake, rally) = (step.clone(), wake.clone(), rally.clone());
        actix_web::rt::spawn(async move {
            let mut waited = false;
            loop {
                match step().await {
                    Ok(Some(_)) => {
                        if std::mem::take(&mut waited) {
                            rally.notify_waiters();
                        }
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => log::error!(target: "byline::jobs", "{name}: {e}"),
                }
                waited = true;
                let polls = index == 0;
                tokio::select! {
                    _ = actix_web::rt::time::sleep(poll), if polls => {}
                    _ = wake.notified() => {}
                    _ = rally.notified() => {}
                }
            }
        });
    }
}

/// Claims the next due row of `queue` (leased for `lease`) and loads it with `load`;
/// returns it with the number of this attempt.
async fn claim<T: Send + 'static>(
    db: &Db,
    lease: Duration,
    queue: Queue,
    load: impl FnOnce(&mut Conn, &str) -> Result<T, AppError> + Send + 'static,
) -> Result<Option<(T, i32)>, AppError> {
    let now = crate::services::now();
    let lease_until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    db::run(db, move |c| {
        match db_queue::claim(c, queue, now, lease_until)? {
            Some(claim) => Ok(Some((load(c, &claim.id)?, claim.attempts))),
            None => Ok(None),
        }
    })
    .await
}

/// Records how an attempt ended: the row's state, plus what `record` keeps of the attempt, in
/// one transaction.
async fn finish(
    db: &Db,
    queue: Queue,
    id: String,
    settle: Settle,
    record: impl FnOnce(&mut Conn, &str) -> Result<(), AppError> + Send + 'static,
) -> Result<Step, AppError> {
    let now = crate::services::now();
    db::run(db, move |c| {
        db::keyed_transaction(c, |c| {
            db_queue::settle(c, queue, &id, settle, now)?;
            record(c, &id)
        })?;
        Ok(match settle {
            Settle::Done => Step::Sent(id),
            Settle::RetryAt(_) => Step::Retrying(id),
            Settle::Failed => Step::Failed(id),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_with_jitter() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_secs(10),
            lease: Duration::from_secs(120),
        };
        for attempts in 1..5 {
            let expected = 10_000i64 << (attempts - 1);
            let d = policy.delay_after(attempts).num_milliseconds();
            assert!(
                d >= expected * 3 / 4 && d <= expected * 5 / 4,
                "{attempts}: {d}"
            );
        }
    }
}
