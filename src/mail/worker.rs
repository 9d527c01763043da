//! The mail worker: claims one due message at a time, sends it, and records the result.
//! A claim is a lease: a message whose sender died mid-way becomes due again after it lapses.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::sender::Mailer;
use crate::db::Db;
use crate::db::models::OutboxMessage;
use crate::db::schema::outbox;
use crate::error::AppError;

/// How long a claimed message is left alone before another sender may retry it.
const LEASE_SECONDS: i64 = 120;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: i32,
    /// The first retry waits about this long; each later one twice as long (with jitter).
    pub base: Duration,
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
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Sent(String),
    Retrying(String),
    Failed(String),
}

fn claim(
    conn: &mut SqliteConnection,
    now: NaiveDateTime,
) -> Result<Option<OutboxMessage>, AppError> {
    crate::db::write(conn, |conn| {
        let due: Option<OutboxMessage> = outbox::table
            .filter(outbox::status.eq_any(["pending", "sending"]))
            .filter(outbox::next_attempt_at.le(now))
            .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
            .select(OutboxMessage::as_select())
            .first(conn)
            .optional()?;
        let Some(message) = due else { return Ok(None) };
        let claimed = diesel::update(outbox::table.find(&message.id))
            .set((
                outbox::status.eq("sending"),
                outbox::attempts.eq(message.attempts + 1),
                outbox::next_attempt_at.eq(now + chrono::Duration::seconds(LEASE_SECONDS)),
            ))
            .returning(OutboxMessage::as_returning())
            .get_result(conn)?;
        Ok(Some(claimed))
    })
}

/// Sends at most one due message. `None` when nothing is due.
pub async fn run_once(
    db: &Db,
    mailer: &Mailer,
    policy: RetryPolicy,
) -> Result<Option<Step>, AppError> {
    let now = crate::services::now();
    let Some(message) = crate::db::run(db, move |c| claim(c, now)).await? else {
        return Ok(None);
    };
    let result = mailer.send(&message).await;
    let id = message.id.clone();
    let attempts = message.attempts;
    let finished = crate::services::now();
    let step = crate::db::run(db, move |c| {
        let step = match result {
            Ok(()) => {
                diesel::update(outbox::table.find(&id))
                    .set((
                        outbox::status.eq("sent"),
                        outbox::sent_at.eq(finished),
                        outbox::last_error.eq(None::<String>),
                    ))
                    .execute(c)?;
                Step::Sent(id)
            }
            Err(error) if attempts >= policy.max_attempts => {
                diesel::update(outbox::table.find(&id))
                    .set((outbox::status.eq("failed"), outbox::last_error.eq(error)))
                    .execute(c)?;
                Step::Failed(id)
            }
            Err(error) => {
                diesel::update(outbox::table.find(&id))
                    .set((
                        outbox::status.eq("pending"),
                        outbox::next_attempt_at.eq(finished + policy.delay_after(attempts)),
                        outbox::last_error.eq(error),
                    ))
                    .execute(c)?;
                Step::Retrying(id)
            }
        };
        Ok(step)
    })
    .await?;
    if let Step::Retrying(id) | Step::Failed(id) = &step {
        log::warn!(target: "byline::mail", "e-mail {id} not sent (attempt {attempts})");
    }
    Ok(Some(step))
}

/// How many messages are in flight at once. Each SMTP exchange spends most of its time waiting
/// on the network, so a few senders side by side multiply throughput.
pub const SENDERS: usize = 8;

/// Runs `step` in `senders` loops until the process stops: straight on while it finds work,
/// otherwise sleeping `poll` or until a write wakes it. Claims are atomic, so loops never take the
/// same item. Shared by the e-mail and webhook workers.
pub fn run_senders<F, Fut>(
    senders: usize,
    poll: Duration,
    wake: Arc<tokio::sync::Notify>,
    name: &'static str,
    step: F,
) where
    F: Fn() -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = Result<Option<Step>, AppError>> + 'static,
{
    for _ in 0..senders {
        let (step, wake) = (step.clone(), wake.clone());
        actix_web::rt::spawn(async move {
            loop {
                match step().await {
                    Ok(Some(_)) => continue,
                    Ok(None) => {}
                    Err(e) => log::error!(target: "byline::workers", "{name}: {e}"),
                }
                tokio::select! {
                    _ = actix_web::rt::time::sleep(poll) => {}
                    _ = wake.notified() => {}
                }
            }
        });
    }
}

/// Sends due e-mails until the process stops.
pub fn spawn(
    db: Db,
    mailer: Arc<Mailer>,
    policy: RetryPolicy,
    poll: Duration,
    wake: Arc<tokio::sync::Notify>,
) {
    run_senders(SENDERS, poll, wake, "mail worker", move || {
        let (db, mailer) = (db.clone(), mailer.clone());
        async move { run_once(&db, &mailer, policy).await }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_with_jitter() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_secs(10),
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
