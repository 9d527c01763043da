//! The contact form and the editors' inbox.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Json;
use super::pagination::{self, Paginated};
use crate::auth::Editor;
use crate::db::models::ContactMessage;
use crate::domain::{AnyChars, ContactStatus, CursorQuery, Email, PageQuery};
use crate::error::{AppError, FieldErrors, Problem};
use crate::services::contact::{self, ContactDraft, MessageText, SenderName, Subject};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "reader@example.com", "message": "Hello! I have a question about the training.", "name": "Reader"}))]
pub struct ContactRequest {
    #[serde(default)]
    #[schema(required = true, value_type = Email, inline)]
    pub email: String,
    /// 1 to 5,000 characters.
    #[serde(default)]
    #[schema(required = true, value_type = MessageText, inline)]
    pub message: String,
    /// One line, up to 100 characters.
    #[schema(value_type = Option<SenderName>, inline)]
    pub name: Option<String>,
    /// One line, up to 200 characters.
    #[schema(value_type = Option<Subject>, inline)]
    pub subject: Option<String>,
    /// Leave empty: a hidden field that only bots fill in.
    #[schema(value_type = Option<AnyChars<0, 1000>>, inline)]
    pub website: Option<String>,
}

impl TryFrom<ContactRequest> for ContactDraft {
    type Error = AppError;

    fn try_from(r: ContactRequest) -> Result<ContactDraft, AppError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", Email::parse(&r.email));
        let message = errors.check("message", MessageText::parse(&r.message));
        let name = r
            .name
            .and_then(|n| errors.check("name", SenderName::parse_optional(&n)))
            .flatten();
        let subject = r
            .subject
            .and_then(|s| errors.check("subject", Subject::parse_optional(&s)))
            .flatten();
        if let Some(website) = &r.website {
            errors.check("website", AnyChars::<0, 1000>::check(website));
        }
        errors.into_result()?;
        let (Some(email), Some(message)) = (email, message) else {
            return Err(FieldErrors::single("email", "is required"));
        };
        Ok(ContactDraft {
            email,
            message: message.into_inner(),
            name: name.map(SenderName::into_inner),
            subject: subject.map(Subject::into_inner),
            honeypot: r.website.is_some_and(|w| !w.trim().is_empty()),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "accepted", "message": "Thank you, your message was received."}))]
pub struct ContactReceipt {
    /// Always `accepted`.
    pub status: String,
    pub message: String,
}

/// Sends a message to the site's editors (and, when configured, to the owner by e-mail).
#[utoipa::path(
    operation_id = "sendContactMessage",
    tag = "contact",
    request_body = ContactRequest,
    responses(
        (status = 202, description = "Received", body = ContactReceipt),
        (status = 429, description = "Too many messages from this client", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/contact")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<ContactRequest>,
) -> Result<HttpResponse, AppError> {
    let ip = super::client_ip(&req, &state);
    state.contact_limiter.check(&state.db, ip).await?;
    let draft = body.convert(ContactDraft::try_from)?;
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(500).collect());
    let owner = state.settings.owner_email.clone();
    let now = crate::services::now();
    crate::db::run(&state.db, move |c| {
        contact::submit(
            c,
            draft,
            Some(ip.to_string()),
            user_agent,
            owner.as_deref(),
            now,
        )
    })
    .await?;
    Ok(HttpResponse::Accepted().json(ContactReceipt {
        status: "accepted".into(),
        message: "Thank you, your message was received.".into(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d60", "email": "reader@example.com", "name": "Reader",
    "subject": null, "message": "Hello!", "status": "unread", "ip": "203.0.113.7", "user_agent": "Mozilla/5.0",
    "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"}))]
pub struct ContactMessageResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub subject: Option<String>,
    pub message: String,
    pub status: ContactStatus,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ContactMessage> for ContactMessageResponse {
    fn from(m: ContactMessage) -> ContactMessageResponse {
        ContactMessageResponse {
            status: m.status,
            id: m.id,
            email: m.email,
            name: m.name,
            subject: m.subject,
            message: m.message,
            ip: m.ip,
            user_agent: m.user_agent,
            created_at: crate::services::utc(m.created_at),
            updated_at: crate::services::utc(m.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// Only messages in this state.
    pub status: Option<ContactStatus>,
}

/// The inbox, newest first (editors).
#[utoipa::path(
    operation_id = "listContactMessages",
    tag = "contact",
    security(("bearer" = [])),
    params(PageQuery, CursorQuery, StatusQuery),
    responses((status = 200, description = "A page of messages", body = Paginated<ContactMessageResponse>,
        headers(("Link" = String, description = "RFC 8288 pagination links"))))
)]
#[get("/contact-messages")]
pub async fn list(
    req: HttpRequest,
    _: Editor,
    state: web::Data<AppState>,
    paging: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&paging, &cursor)?;
    let status = query.status;
    let (rows, listing) =
        crate::db::run(&state.db, move |c| contact::list(c, status, &paging)).await?;
    let data: Vec<ContactMessageResponse> =
        rows.into_iter().map(ContactMessageResponse::from).collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
}

/// One message (editors).
#[utoipa::path(
    operation_id = "getContactMessage",
    tag = "contact",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The message's id")),
    responses((status = 200, description = "The message", body = ContactMessageResponse))
)]
#[get("/contact-messages/{id}")]
pub async fn get(
    _: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let m = crate::db::run(&state.db, move |c| contact::get(c, &id)).await?;
    Ok(HttpResponse::Ok().json(ContactMessageResponse::from(m)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "read"}))]
pub struct UpdateContactRequest {
    pub status: ContactStatus,
}

/// Marks a message read, archived or spam (editors).
#[utoipa::path(
    operation_id = "updateContactMessage",
    tag = "contact",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The message's id")),
    request_body = UpdateContactRequest,
    responses((status = 200, description = "The message", body = ContactMessageResponse))
)]
#[patch("/contact-messages/{id}")]
pub async fn update(
    _: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<UpdateContactRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let status = body.into_inner()?.status;
    let m = crate::db::run(&state.db, move |c| contact::set_status(c, &id, status)).await?;
    Ok(HttpResponse::Ok().json(ContactMessageResponse::from(m)))
}

/// Deletes a message (editors).
#[utoipa::path(
    operation_id = "deleteContactMessage",
    tag = "contact",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The message's id")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/contact-messages/{id}")]
pub async fn delete(
    _: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    crate::db::run(&state.db, move |c| contact::delete(c, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
