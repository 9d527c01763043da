//! Webhooks: admins register URLs for events; `emit` queues a delivery to each subscribed hook in
//! the caller's transaction, and `webhook_worker` sends them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::db::models::{Webhook, WebhookDelivery};
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::domain::{Page, new_id, parse_id};
use crate::error::AppError;

pub const EVENTS: [&str; 9] = [
    "post.published",
    "post.updated",
    "post.unpublished",
    "post.deleted",
    "comment.created",
    "comment.approved",
    "subscriber.confirmed",
    "contact.received",
    "site.updated",
];

/// Every event, or `*`; an unknown name is refused.
pub fn parse_events(events: &[String]) -> Result<String, String> {
    if events.is_empty() {
        return Err("name at least one event, or \"*\"".into());
    }
    for e in events {
        if e != "*" && !EVENTS.contains(&e.as_str()) {
            return Err(format!(
                "unknown event `{e}`; use {} or *",
                EVENTS.join(", ")
            ));
        }
    }
    Ok(events.join(","))
}

pub fn events_of(hook: &Webhook) -> Vec<String> {
    hook.events.split(',').map(str::to_string).collect()
}

fn listens_to(hook: &Webhook, event: &str) -> bool {
    hook.events.split(',').any(|e| e == "*" || e == event)
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

pub fn create(conn: &mut SqliteConnection, new: NewWebhook) -> Result<Webhook, AppError> {
    let now = super::now();
    Ok(diesel::insert_into(webhooks::table)
        .values(&Webhook {
            id: new_id(),
            url: new.url,
            events: new.events,
            secret: new
                .secret
                .unwrap_or_else(|| format!("whsec_{}", crate::auth::random_token(24))),
            active: new.active,
            created_at: now,
            updated_at: now,
        })
        .returning(Webhook::as_returning())
        .get_result(conn)?)
}

pub fn get(conn: &mut SqliteConnection, id: &str) -> Result<Webhook, AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    Ok(webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)?)
}

pub fn list(conn: &mut SqliteConnection, page: Page) -> Result<(Vec<Webhook>, i64), AppError> {
    let total = webhooks::table.count().get_result(conn)?;
    let rows = webhooks::table
        .order((webhooks::created_at.asc(), webhooks::id.asc()))
        .offset(page.offset())
        .limit(page.limit())
        .select(Webhook::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn update(
    conn: &mut SqliteConnection,
    id: &str,
    mut changes: WebhookChanges,
) -> Result<Webhook, AppError> {
    let hook = get(conn, id)?;
    changes.updated_at = Some(super::now());
    Ok(diesel::update(webhooks::table.find(&hook.id))
        .set(&changes)
        .returning(Webhook::as_returning())
        .get_result(conn)?)
}

pub fn delete(conn: &mut SqliteConnection, id: &str) -> Result<(), AppError> {
    let hook = get(conn, id)?;
    diesel::delete(webhooks::table.find(&hook.id)).execute(conn)?;
    Ok(())
}

fn queue(
    conn: &mut SqliteConnection,
    hook: &Webhook,
    event: &str,
    data: &Value,
    now: NaiveDateTime,
) -> Result<WebhookDelivery, AppError> {
    let id = new_id();
    let payload = json!({
        "id": id,
        "event": event,
        "created_at": super::utc(now).to_rfc3339(),
        "data": data,
    });
    Ok(diesel::insert_into(webhook_deliveries::table)
        .values(&WebhookDelivery {
            id,
            webhook_id: hook.id.clone(),
            event: event.into(),
            payload: payload.to_string(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            last_status_code: None,
            last_response: None,
            duration_ms: None,
            created_at: now,
            delivered_at: None,
        })
        .returning(WebhookDelivery::as_returning())
        .get_result(conn)?)
}

/// Queues `event` for every active hook that listens to it. Call inside the transaction that
/// makes the change, so the change and its announcement happen together or not at all.
pub fn emit(
    conn: &mut SqliteConnection,
    event: &str,
    data: Value,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let hooks: Vec<Webhook> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select(Webhook::as_select())
        .load(conn)?;
    for hook in hooks.iter().filter(|h| listens_to(h, event)) {
        queue(conn, hook, event, &data, now)?;
    }
    Ok(())
}

/// A `ping` delivery to one hook, whatever its events.
pub fn ping(conn: &mut SqliteConnection, id: &str) -> Result<WebhookDelivery, AppError> {
    let hook = get(conn, id)?;
    queue(
        conn,
        &hook,
        "ping",
        &json!({"webhook_id": hook.id}),
        super::now(),
    )
}

pub fn deliveries(
    conn: &mut SqliteConnection,
    id: &str,
    page: Page,
) -> Result<(Vec<WebhookDelivery>, i64), AppError> {
    let hook = get(conn, id)?;
    let total = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(&hook.id))
        .count()
        .get_result(conn)?;
    let rows = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(&hook.id))
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .offset(page.offset())
        .limit(page.limit())
        .select(WebhookDelivery::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Sends a delivery again (same id and body, so receivers can de-duplicate).
pub fn redeliver(
    conn: &mut SqliteConnection,
    delivery_id: &str,
) -> Result<WebhookDelivery, AppError> {
    let id = parse_id(delivery_id).ok_or_else(AppError::not_found)?;
    Ok(diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(super::now()),
        ))
        .returning(WebhookDelivery::as_returning())
        .get_result(conn)?)
}
