//! The webhook job: claims one due delivery at a time, POSTs it signed, and records the answer.
//! Network errors, 429 and 5xx are retried with back-off (honouring `Retry-After`); any other
//! answer is final.

use std::time::{Duration, Instant};

use crate::crypto;
use crate::db::Db;
use crate::db::queue::{Queue, Settle};
use crate::error::AppError;
use crate::services::{self, webhooks};

use super::{RetryPolicy, Step};

/// The first `KEEP_RESPONSE` bytes of an answer, as text. Reading stops there: a receiver that
/// answers with gigabytes costs no more than one that answers "ok".
async fn start_of_body(mut res: reqwest::Response) -> String {
    let mut kept: Vec<u8> = Vec::with_capacity(KEEP_RESPONSE);
    while kept.len() < KEEP_RESPONSE {
        match res.chunk().await {
            Ok(Some(chunk)) => {
                let room = KEEP_RESPONSE - kept.len();
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// Deliveries in flight at once.
pub const SENDERS: usize = 4;
/// Receivers must answer quickly; slow ones are retried later.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a receiver's answer is kept for the delivery log.
const KEEP_RESPONSE: usize = 1024;

pub struct WebhookJob {
    db: Db,
    client: reqwest::Client,
    allow_private: bool,
    retry: RetryPolicy,
}

enum Outcome {
    Delivered,
    Retry(Option<Duration>),
    Final,
}

impl WebhookJob {
    pub fn new(db: Db, allow_private: bool, retry: RetryPolicy) -> anyhow::Result<WebhookJob> {
        let mut client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Byline-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            // Connections go only to the public addresses the check saw.
            client = client.dns_resolver(std::sync::Arc::new(crate::outbound::PublicResolver));
        }
        let client = client.build()?;
        Ok(WebhookJob {
            db,
            client,
            allow_private,
            retry,
        })
    }

    /// Sends at most one due delivery. `None` when nothing is due.
    pub async fn run_once(&self) -> Result<Option<Step>, AppError> {
        let claimed = super::claim(
            &self.db,
            self.retry.lease,
            Queue::Webhooks,
            webhooks::claimed,
        )
        .await?;
        let Some(((delivery, hook), attempts)) = claimed else {
            return Ok(None);
        };
        let started = Instant::now();
        let (outcome, status_code, response) =
            match crate::outbound::check_target(&hook.url, self.allow_private).await {
                Err(reason) => (Outcome::Final, None, format!("refused: the URL {reason}")),
                Ok(()) => self.post(&hook.url, &hook.secret, &delivery).await,
            };
        let attempt = webhooks::Attempt {
            status_code,
            response,
            duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        };
        let settle = match outcome {
            Outcome::Delivered => Settle::Done,
            Outcome::Final => Settle::Failed,
            Outcome::Retry(after) => self.retry.after_failure(
                attempts,
                after.and_then(|d| chrono::Duration::from_std(d).ok()),
                services::now(),
            ),
        };
        let step = super::finish(&self.db, Queue::Webhooks, delivery.id, settle, |c, id| {
            webhooks::record_attempt(c, id, attempt)
        })
        .await?;
        Ok(Some(step))
    }

    /// One signed POST: what came of it, the status code, and the start of the answer.
    async fn post(
        &self,
        url: &str,
        secret: &str,
        delivery: &crate::db::models::WebhookDelivery,
    ) -> (Outcome, Option<i32>, String) {
        let timestamp = chrono::Utc::now().timestamp();
        let result = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("Byline-Event", &delivery.event)
            .header("Byline-Delivery", &delivery.id)
            .header(
                "Byline-Signature",
                crypto::signature(secret, timestamp, &delivery.payload),
            )
            .body(delivery.payload.clone())
            .send()
            .await;
        let res = match result {
            Err(e) => return (Outcome::Retry(None), None, format!("network error: {e}")),
            Ok(res) => res,
        };
        let status = res.status();
        let retry_after = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = start_of_body(res).await;
        let outcome = if status.is_success() {
            Outcome::Delivered
        } else if status.as_u16() == 429 || status.is_server_error() {
            Outcome::Retry(retry_after)
        } else {
            Outcome::Final
        };
        (outcome, Some(i32::from(status.as_u16())), text)
    }
}
