//! Webhooks (admins): where to announce changes, and the log of what was delivered.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use super::pagination::{self, Paginated};
use crate::auth::Admin;
use crate::db::models::{Webhook, WebhookDelivery};
use crate::domain::{AnyChars, CursorQuery, HttpUrl, PageQuery};
use crate::error::{AppError, FieldErrors};
use crate::services::webhooks::{self, NewWebhook, WebhookChanges};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d70", "url": "https://build.example.com/hooks/byline",
    "events": ["post.published", "post.updated"], "secret": "whsec_3q2+7w", "active": true,
    "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"}))]
pub struct WebhookResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub url: String,
    /// Event names, or `*` for all.
    pub events: Vec<String>,
    /// Verify `Byline-Signature` with it: `v1` is the hex HMAC-SHA256 of `"<t>.<body>"`.
    pub secret: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookResponse {
    fn from(w: Webhook) -> WebhookResponse {
        WebhookResponse {
            events: webhooks::events_of(&w),
            id: w.id,
            url: w.url,
            secret: w.secret,
            active: w.active,
            created_at: crate::services::utc(w.created_at),
            updated_at: crate::services::utc(w.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d71", "webhook_id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d70",
    "event": "post.published", "status": "delivered", "attempts": 1, "last_status_code": 200, "last_response": "ok",
    "duration_ms": 12, "next_attempt_at": "2026-11-25T10:00:00Z", "created_at": "2026-11-25T10:00:00Z",
    "delivered_at": "2026-11-25T10:00:00Z"}))]
pub struct DeliveryResponse {
    /// Also the `Byline-Delivery` header and the body's `id`: the same on every retry.
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub webhook_id: String,
    pub event: String,
    /// `pending`, `sending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    /// The start of the receiver's last answer, or why there was none.
    pub last_response: Option<String>,
    pub duration_ms: Option<i32>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<WebhookDelivery> for DeliveryResponse {
    fn from(d: WebhookDelivery) -> DeliveryResponse {
        DeliveryResponse {
            id: d.id,
            webhook_id: d.webhook_id,
            event: d.event,
            status: d.status.to_string(),
            attempts: d.attempts,
            last_status_code: d.last_status_code,
            last_response: d.last_response,
            duration_ms: d.duration_ms,
            next_attempt_at: crate::services::utc(d.next_attempt_at),
            created_at: crate::services::utc(d.created_at),
            delivered_at: d.delivered_at.map(crate::services::utc),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://build.example.com/hooks/byline", "events": ["post.published", "post.updated"]}))]
pub struct CreateWebhookRequest {
    /// An http(s) URL on a public address.
    #[serde(default)]
    #[schema(required = true, value_type = HttpUrl, inline)]
    pub url: String,
    #[serde(default)]
    #[schema(required = true, schema_with = event_list)]
    pub events: Vec<String>,
    /// 16 to 200 characters; generated when absent.
    #[schema(value_type = Option<Secret>, inline)]
    pub secret: Option<String>,
    /// Default true.
    pub active: Option<bool>,
}

type Secret = AnyChars<16, 200>;

/// The events a hook listens to, as the server checks them (`webhooks::parse_events`).
fn event_list() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(webhooks::event_names())),
        )
        .min_items(Some(1))
        .description(Some("The events to deliver, at least one; `*` for all."))
        .build()
}

fn event_list_or_null() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(event_list())
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .build()
        .into()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateWebhookRequest {
    /// An http(s) URL on a public address.
    #[schema(value_type = Option<HttpUrl>, inline)]
    pub url: Option<String>,
    #[schema(schema_with = event_list_or_null)]
    pub events: Option<Vec<String>>,
    /// 16 to 200 characters.
    #[schema(value_type = Option<Secret>, inline)]
    pub secret: Option<String>,
    pub active: Option<bool>,
}

async fn check_url(
    state: &AppState,
    errors: &mut FieldErrors,
    url: Option<String>,
) -> Option<String> {
    let checked = webhooks::check_url(&url?, state.settings.webhooks_allow_private).await;
    errors.check("url", checked)
}

/// Lists webhooks.
#[utoipa::path(
    operation_id = "listWebhooks",
    tag = "webhooks",
    security(("bearer" = [])),
    params(PageQuery, CursorQuery),
    responses((status = 200, description = "A page of webhooks", body = Paginated<WebhookResponse>,
        headers(("Link" = String, description = "RFC 8288 pagination links"))))
)]
#[get("/webhooks")]
pub async fn list(
    req: HttpRequest,
    _: Admin,
    state: web::Data<AppState>,
    paging: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&paging, &cursor)?;
    let (rows, listing) = crate::db::run(&state.db, move |c| webhooks::list(c, &paging)).await?;
    let data: Vec<WebhookResponse> = rows.into_iter().map(WebhookResponse::from).collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
}

/// Registers a webhook. URLs on private or loopback addresses are refused (SSRF).
#[utoipa::path(
    operation_id = "createWebhook",
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses((status = 201, description = "Created", body = WebhookResponse, headers(("Location" = String))))
)]
#[post("/webhooks")]
pub async fn create(
    _: Admin,
    state: web::Data<AppState>,
    body: Json<CreateWebhookRequest>,
) -> Result<HttpResponse, AppError> {
    let (body, shape) = body.lenient()?;
    let mut errors = FieldErrors::default();
    let url = check_url(&state, &mut errors, Some(body.url)).await;
    let events = errors.check("events", webhooks::parse_events(&body.events));
    let secret = body
        .secret
        .and_then(|s| errors.check("secret", webhooks::parse_secret(&s)));
    shape.and(errors).into_result()?;
    let new = NewWebhook {
        url: url.unwrap_or_default(),
        events: events.unwrap_or_default(),
        secret,
        active: body.active.unwrap_or(true),
    };
    let hook = crate::db::run(&state.db, move |c| webhooks::create(c, new)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("{}/api/v1/webhooks/{}", state.public_url, hook.id),
        ))
        .json(WebhookResponse::from(hook)))
}

/// One webhook.
#[utoipa::path(
    operation_id = "getWebhook",
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The webhook's id")),
    responses((status = 200, description = "The webhook", body = WebhookResponse))
)]
#[get("/webhooks/{id}")]
pub async fn get(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let hook = crate::db::run(&state.db, move |c| webhooks::get(c, &id)).await?;
    Ok(HttpResponse::Ok().json(WebhookResponse::from(hook)))
}

/// Changes a webhook's URL, events, secret or whether it is active.
#[utoipa::path(
    operation_id = "updateWebhook",
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The webhook's id")),
    request_body = UpdateWebhookRequest,
    responses((status = 200, description = "The webhook", body = WebhookResponse))
)]
#[patch("/webhooks/{id}")]
pub async fn update(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<UpdateWebhookRequest>,
) -> Result<HttpResponse, AppError> {
    let (body, shape) = body.lenient()?;
    let mut errors = FieldErrors::default();
    let changes = WebhookChanges {
        url: check_url(&state, &mut errors, body.url).await,
        events: body
            .events
            .and_then(|e| errors.check("events", webhooks::parse_events(&e))),
        secret: body
            .secret
            .and_then(|s| errors.check("secret", webhooks::parse_secret(&s))),
        active: body.active,
        updated_at: None,
    };
    shape.and(errors).into_result()?;
    let id = id.into_inner();
    let hook = crate::db::run(&state.db, move |c| webhooks::update(c, &id, changes)).await?;
    Ok(HttpResponse::Ok().json(WebhookResponse::from(hook)))
}

/// Deletes a webhook and its delivery log.
#[utoipa::path(
    operation_id = "deleteWebhook",
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The webhook's id")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/webhooks/{id}")]
pub async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    crate::db::run(&state.db, move |c| webhooks::delete(c, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sends a `ping` event to the webhook now.
#[utoipa::path(
    operation_id = "pingWebhook",
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The webhook's id")),
    responses((status = 202, description = "Queued", body = DeliveryResponse))
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let delivery = crate::db::run(&state.db, move |c| webhooks::ping(c, &id)).await?;
    Ok(HttpResponse::Accepted().json(DeliveryResponse::from(delivery)))
}

/// The webhook's deliveries, newest first.
#[utoipa::path(
    operation_id = "listWebhookDeliveries",
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The webhook's id"), PageQuery, CursorQuery),
    responses((status = 200, description = "A page of deliveries", body = Paginated<DeliveryResponse>,
        headers(("Link" = String, description = "RFC 8288 pagination links"))))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    req: HttpRequest,
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    paging: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&paging, &cursor)?;
    let id = id.into_inner();
    let (rows, listing) =
        crate::db::run(&state.db, move |c| webhooks::deliveries(c, &id, &paging)).await?;
    let data: Vec<DeliveryResponse> = rows.into_iter().map(DeliveryResponse::from).collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
}

/// Sends a delivery again, with the same id and body.
#[utoipa::path(
    operation_id = "redeliverWebhook",
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The delivery's id")),
    responses((status = 202, description = "Queued again", body = DeliveryResponse))
)]
#[post("/webhook-deliveries/{id}/redeliver")]
pub async fn redeliver(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let delivery = crate::db::run(&state.db, move |c| webhooks::redeliver(c, &id)).await?;
    Ok(HttpResponse::Accepted().json(DeliveryResponse::from(delivery)))
}
