//! Webhooks: admins register URLs for events; `emit` queues a delivery to each subscribed hook in
//! the caller's transaction, and the webhook job (`jobs::webhooks`) sends them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::db::models::{Webhook, WebhookDelivery};
use crate::db::queue::{self, Queue};
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::db::{self, Conn};
use crate::domain::{DeliveryStatus, Listing, Paging, WebhookEvent, new_id, parse_id};
use crate::error::AppError;

/// Every event, or `*`; an unknown name is refused. Stored comma-separated.
pub fn parse_events(events: &[String]) -> Result<String, String> {
    if events.is_empty() {
        return Err("name at least one event, or \"*\"".into());
    }
    for e in events {
        let known = e
            .parse::<WebhookEvent>()
            .is_ok_and(|e| e != WebhookEvent::Ping);
        if e != "*" && !known {
            let names: Vec<&str> = WebhookEvent::subscribable()
                .map(WebhookEvent::as_str)
                .collect();
            return Err(format!(
                "unknown event `{e}`; use {} or *",
                names.join(", ")
            ));
        }
    }
    Ok(events.join(","))
}

pub fn events_of(hook: &Webhook) -> Vec<String> {
    hook.events.split(',').map(str::to_string).collect()
}

fn listens_to(hook: &Webhook, event: WebhookEvent) -> bool {
    hook.events
        .split(',')
        .any(|e| e == "*" || e == event.as_str())
}

/// A webhook's URL as it may be saved: checked against private addresses (see `outbound`).
pub async fn check_url(url: &str, allow_private: bool) -> Result<String, String> {
    let url = crate::domain::HttpUrl::parse(url)?;
    crate::outbound::check_target(&url, allow_private).await?;
    Ok(url)
}

/// The events a hook may name: every subscribable event, and `*` for all.
pub fn event_names() -> Vec<&'static str> {
    WebhookEvent::subscribable()
        .map(WebhookEvent::as_str)
        .chain(["*"])
        .collect()
}

/// 16 to 200 characters; generated when absent.
pub fn parse_secret(raw: &str) -> Result<String, String> {
    match raw.chars().count() {
        16..=200 => Ok(raw.to_string()),
        _ => Err("must be 16 to 200 characters".into()),
    }
}

pub struct NewWebhook {
    pub url: String,
    pub events: String,
    pub secret: Option<String>,
    pub active: bool,
}

#[derive(Default, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<String>,
    pub secret: Option<String>,
    pub active: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn create(conn: &mut Conn, new: NewWebhook) -> Result<Webhook, AppError> {
    let now = super::now();
    Ok(diesel::insert_into(webhooks::table)
        .values(&Webhook {
            id: new_id(),
            url: new.url,
            events: new.events,
            secret: new
                .secret
                .unwrap_or_else(|| format!("whsec_{}", crate::crypto::random_token(24))),
            active: new.active,
            created_at: now,
            updated_at: now,
        })
        .returning(crate::db::columns::<Webhook>())
        .get_result(conn)?)
}

pub fn get(conn: &mut Conn, id: &str) -> Result<Webhook, AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    Ok(webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)?)
}

pub fn list(conn: &mut Conn, paging: &Paging) -> Result<(Vec<Webhook>, Listing), AppError> {
    db::paged!(
        conn,
        paging,
        webhooks::table.into_boxed(),
        "created_at",
        (webhooks::created_at, webhooks::id, NaiveDateTime),
        asc,
        Webhook::as_select(),
        |r: &Webhook| (r.created_at, r.id.clone())
    )
}

pub fn update(conn: &mut Conn, id: &str, mut changes: WebhookChanges) -> Result<Webhook, AppError> {
    let hook = get(conn, id)?;
    changes.updated_at = Some(super::now());
    Ok(diesel::update(webhooks::table.find(&hook.id))
        .set(&changes)
        .returning(crate::db::columns::<Webhook>())
        .get_result(conn)?)
}

pub fn delete(conn: &mut Conn, id: &str) -> Result<(), AppError> {
    let hook = get(conn, id)?;
    diesel::delete(webhooks::table.find(&hook.id)).execute(conn)?;
    Ok(())
}

fn queue_delivery(
    conn: &mut Conn,
    hook: &Webhook,
    event: WebhookEvent,
    data: &Value,
    now: NaiveDateTime,
) -> Result<WebhookDelivery, AppError> {
    let id = new_id();
    let payload = json!({
        "id": id,
        "event": event.as_str(),
        "created_at": super::utc(now).to_rfc3339(),
        "data": data,
    });
    Ok(diesel::insert_into(webhook_deliveries::table)
        .values(&WebhookDelivery {
            id,
            webhook_id: hook.id.clone(),
            event: event.as_str().into(),
            payload: payload.to_string(),
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_status_code: None,
            last_response: None,
            duration_ms: None,
            created_at: now,
            delivered_at: None,
        })
        .returning(crate::db::columns::<WebhookDelivery>())
        .get_result(conn)?)
}

/// Queues `event` for every active hook that listens to it. Call inside the transaction that
/// makes the change, so the change and its announcement happen together or not at all.
pub fn emit(
    conn: &mut Conn,
    event: WebhookEvent,
    data: Value,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let hooks: Vec<Webhook> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select(Webhook::as_select())
        .load(conn)?;
    for hook in hooks.iter().filter(|h| listens_to(h, event)) {
        queue_delivery(conn, hook, event, &data, now)?;
    }
    Ok(())
}

/// A `ping` delivery to one hook, whatever its events.
pub fn ping(conn: &mut Conn, id: &str) -> Result<WebhookDelivery, AppError> {
    let hook = get(conn, id)?;
    queue_delivery(
        conn,
        &hook,
        WebhookEvent::Ping,
        &json!({"webhook_id": hook.id}),
        super::now(),
    )
}

pub fn deliveries(
    conn: &mut Conn,
    id: &str,
    paging: &Paging,
) -> Result<(Vec<WebhookDelivery>, Listing), AppError> {
    let hook = get(conn, id)?;
    db::paged!(
        conn,
        paging,
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(&hook.id))
            .into_boxed(),
        "-created_at",
        (
            webhook_deliveries::created_at,
            webhook_deliveries::id,
            NaiveDateTime
        ),
        desc,
        WebhookDelivery::as_select(),
        |r: &WebhookDelivery| (r.created_at, r.id.clone())
    )
}

/// Sends a delivery again (same id and body, so receivers can de-duplicate).
pub fn redeliver(conn: &mut Conn, delivery_id: &str) -> Result<WebhookDelivery, AppError> {
    let id = parse_id(delivery_id).ok_or_else(AppError::not_found)?;
    if queue::requeue(conn, Queue::Webhooks, &id, super::now())? == 0 {
        return Err(AppError::not_found());
    }
    delivery(conn, &id)
}

pub fn delivery(conn: &mut Conn, id: &str) -> Result<WebhookDelivery, AppError> {
    Ok(webhook_deliveries::table
        .find(id)
        .select(WebhookDelivery::as_select())
        .first(conn)?)
}

/// A claimed delivery and the hook it goes to.
pub fn claimed(conn: &mut Conn, id: &str) -> Result<(WebhookDelivery, Webhook), AppError> {
    let d = delivery(conn, id)?;
    let hook = webhooks::table
        .find(&d.webhook_id)
        .select(Webhook::as_select())
        .first(conn)?;
    Ok((d, hook))
}

/// What one delivery attempt got back.
pub struct Attempt {
    pub status_code: Option<i32>,
    /// The start of the receiver's answer, or why there was none.
    pub response: String,
    pub duration_ms: i32,
}

/// Keeps what the last attempt got, for the delivery log.
pub fn record_attempt(conn: &mut Conn, id: &str, attempt: Attempt) -> Result<(), AppError> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::last_status_code.eq(attempt.status_code),
            webhook_deliveries::last_response.eq(attempt.response),
            webhook_deliveries::duration_ms.eq(attempt.duration_ms),
        ))
        .execute(conn)?;
    Ok(())
}
