//! Webhook delivery: claims one due delivery at a time (a lease, as for e-mail), POSTs it signed,
//! and records the answer. Network errors, 429 and 5xx are retried with back-off (honouring
//! `Retry-After`); any other answer is final.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::db::Db;
use crate::db::models::{Webhook, WebhookDelivery};
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::error::AppError;
use crate::mail::worker::{RetryPolicy, Step};

const LEASE_SECONDS: i64 = 120;
/// Receivers must answer quickly; slow ones are retried later.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a receiver's answer is kept for the delivery log.
const KEEP_RESPONSE: usize = 1024;

/// `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| {
            // HMAC takes keys of any length; this branch cannot run.
            <Hmac<Sha256> as KeyInit>::new_from_slice(b"-").expect("a one-byte key")
        });
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        crate::auth::hex(&mac.finalize().into_bytes())
    )
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1])
        }
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.is_unspecified() || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// Refuses URLs that are not http(s) or that resolve to private, loopback or link-local
/// addresses (unless allowed): a webhook must not become a way into the server's network.
pub async fn check_target(url: &str, allow_private: bool) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|_| "must be an absolute http(s) URL".to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    let host = parsed
        .host_str()
        .ok_or("must have a host")?
        .trim_matches(['[', ']'])
        .to_string();
    let port = parsed.port_or_known_default().unwrap_or(80);
    if allow_private {
        return Ok(());
    }
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| format!("the host {host} does not resolve"))?
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.is_empty() || addresses.into_iter().any(is_private) {
        return Err("must not point at a private, loopback or link-local address".into());
    }
    Ok(())
}

pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(allow_private: bool) -> anyhow::Result<Sender> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Byline-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Sender {
            client,
            allow_private,
        })
    }
}

fn claim(
    conn: &mut SqliteConnection,
    now: NaiveDateTime,
) -> Result<Option<(WebhookDelivery, Webhook)>, AppError> {
    crate::db::write(conn, |conn| {
        let due: Option<WebhookDelivery> = webhook_deliveries::table
            .filter(webhook_deliveries::status.eq_any(["pending", "sending"]))
            .filter(webhook_deliveries::next_attempt_at.le(now))
            .order((
                webhook_deliveries::next_attempt_at.asc(),
                webhook_deliveries::id.asc(),
            ))
            .select(WebhookDelivery::as_select())
            .first(conn)
            .optional()?;
        let Some(d) = due else { return Ok(None) };
        let claimed = diesel::update(webhook_deliveries::table.find(&d.id))
            .set((
                webhook_deliveries::status.eq("sending"),
                webhook_deliveries::attempts.eq(d.attempts + 1),
                webhook_deliveries::next_attempt_at
                    .eq(now + chrono::Duration::seconds(LEASE_SECONDS)),
            ))
            .returning(WebhookDelivery::as_returning())
            .get_result(conn)?;
        let hook = webhooks::table
            .find(&d.webhook_id)
            .select(Webhook::as_select())
            .first(conn)?;
        Ok(Some((claimed, hook)))
    })
}

enum Outcome {
    Delivered,
    Retry(Option<Duration>),
    Final,
}

/// Sends at most one due delivery. `None` when nothing is due.
pub async fn run_once(
    db: &Db,
    sender: &Sender,
    policy: RetryPolicy,
) -> Result<Option<Step>, AppError> {
    let now = crate::services::now();
    // Scheduled posts whose time has come are announced (queued) first, each once.
    crate::db::run(db, move |c| crate::services::posts::announce_due(c, now)).await?;
    let Some((delivery, hook)) = crate::db::run(db, move |c| claim(c, now)).await? else {
        return Ok(None);
    };
    let started = Instant::now();
    let (outcome, code, response) = match check_target(&hook.url, sender.allow_private).await {
        Err(reason) => (Outcome::Final, None, format!("refused: the URL {reason}")),
        Ok(()) => {
            let timestamp = chrono::Utc::now().timestamp();
            let result = sender
                .client
                .post(&hook.url)
                .header("content-type", "application/json")
                .header("Byline-Event", &delivery.event)
                .header("Byline-Delivery", &delivery.id)
                .header(
                    "Byline-Signature",
                    signature(&hook.secret, timestamp, &delivery.payload),
                )
                .body(delivery.payload.clone())
                .send()
                .await;
            match result {
                Err(e) => (Outcome::Retry(None), None, format!("network error: {e}")),
                Ok(res) => {
                    let status = res.status();
                    let retry_after = res
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let text: String = res
                        .text()
                        .await
                        .unwrap_or_default()
                        .chars()
                        .take(KEEP_RESPONSE)
                        .collect();
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
        }
    };
    let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let finished = crate::services::now();
    let id = delivery.id.clone();
    let attempts = delivery.attempts;
    let step = crate::db::run(db, move |c| {
        let (status, next, step) = match outcome {
            Outcome::Delivered => ("delivered", finished, Step::Sent(id.clone())),
            Outcome::Retry(_) | Outcome::Final if attempts >= policy.max_attempts => {
                ("failed", finished, Step::Failed(id.clone()))
            }
            Outcome::Final => ("failed", finished, Step::Failed(id.clone())),
            Outcome::Retry(after) => {
                let backoff = policy.delay_after(attempts);
                let wait = after
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .map_or(backoff, |d| d.max(backoff));
                ("pending", finished + wait, Step::Retrying(id.clone()))
            }
        };
        diesel::update(webhook_deliveries::table.find(&id))
            .set((
                webhook_deliveries::status.eq(status),
                webhook_deliveries::next_attempt_at.eq(next),
                webhook_deliveries::last_status_code.eq(code),
                webhook_deliveries::last_response.eq(response),
                webhook_deliveries::duration_ms.eq(duration_ms),
                webhook_deliveries::delivered_at.eq((status == "delivered").then_some(finished)),
            ))
            .execute(c)?;
        Ok(step)
    })
    .await?;
    Ok(Some(step))
}

/// Delivers due webhooks until the process stops, a few at a time; sleeps `poll` when idle or
/// Delivers due webhooks until the process stops, a few at a time.
pub fn spawn(
    db: Db,
    sender: Arc<Sender>,
    policy: RetryPolicy,
    poll: Duration,
    wake: Arc<tokio::sync::Notify>,
) {
    crate::mail::worker::run_senders(4, poll, wake, "webhook worker", move || {
        let (db, sender) = (db.clone(), sender.clone());
        async move { run_once(&db, &sender, policy).await }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_over_time_and_body() {
        // Known answer, computed with Python's hmac module.
        assert_eq!(
            signature("secret", 1_700_000_000, "{}"),
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert_ne!(signature("secret", 1, "a"), signature("secret", 1, "b"));
        assert_ne!(signature("secret", 1, "a"), signature("other", 1, "a"));
    }

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.0.1",
            "169.254.169.254",
            "::1",
            "fc00::1",
            "fe80::1",
            "0.0.0.0",
            "100.64.0.1",
        ] {
            assert!(is_private(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"] {
            assert!(!is_private(ip.parse().expect("ip")), "{ip}");
        }
    }
}
