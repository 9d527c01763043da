//! The outbox, for admins to see what was sent and what is stuck.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::pagination::{self, Paginated};
use crate::auth::Admin;
use crate::db::models::OutboxMessage;
use crate::domain::{CursorQuery, OutboxStatus, PageQuery};
use crate::error::AppError;
use crate::state::AppState;

/// An e-mail in the outbox. The body is left out: it may carry a subscriber's links.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    /// When it is tried next (pending), or when a stalled send is retried (sending).
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The newsletter this is a copy of, if it is one.
    #[schema(format = Uuid)]
    pub newsletter_id: Option<String>,
}

impl From<OutboxMessage> for OutboxResponse {
    fn from(m: OutboxMessage) -> OutboxResponse {
        OutboxResponse {
            status: m.status,
            id: m.id,
            recipient: m.recipient,
            subject: m.subject,
            newsletter_id: m.newsletter_id,
            attempts: m.attempts,
            next_attempt_at: crate::services::utc(m.next_attempt_at),
            last_error: m.last_error,
            created_at: crate::services::utc(m.created_at),
            sent_at: m.sent_at.map(crate::services::utc),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Only e-mails in this state.
    pub status: Option<OutboxStatus>,
}

/// E-mails, newest first (admins).
#[utoipa::path(
    operation_id = "listOutbox",
    tag = "outbox",
    security(("bearer" = [])),
    params(PageQuery, CursorQuery, OutboxQuery),
    responses((status = 200, description = "A page of e-mails", body = Paginated<OutboxResponse>,
        headers(("Link" = String, description = "RFC 8288 pagination links"))))
)]
#[get("/outbox")]
pub async fn list(
    req: HttpRequest,
    _: Admin,
    state: web::Data<AppState>,
    paging: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&paging, &cursor)?;
    let status = query.status;
    let (rows, listing) = crate::db::run(&state.db, move |c| {
        crate::services::outbox::list(c, status, &paging)
    })
    .await?;
    let data: Vec<OutboxResponse> = rows.into_iter().map(OutboxResponse::from).collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
}
