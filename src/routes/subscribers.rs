//! The "free gift" sign-up form, its confirmation and unsubscribe links, and the editors' list.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Json;
use super::pagination::{self, Paginated};
use super::site::Gift;
use crate::auth::Editor;
use crate::db::models::Subscriber;
use crate::domain::{AnyChars, CursorQuery, Email, PageQuery, SubscriberStatus};
use crate::error::{AppError, FieldErrors, Problem};
use crate::services::subscribers::{self, Signup, SignupText};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "reader@example.com", "name": "Reader", "source": "video-training"}))]
pub struct SubscribeRequest {
    #[serde(default)]
    #[schema(required = true, value_type = Email, inline)]
    pub email: String,
    /// One line, up to 100 characters.
    #[schema(value_type = Option<SignupText>, inline)]
    pub name: Option<String>,
    /// Which form or gift the sign-up came from: one line, up to 100 characters.
    #[schema(value_type = Option<SignupText>, inline)]
    pub source: Option<String>,
    /// Leave empty: a hidden field that only bots fill in.
    #[schema(value_type = Option<AnyChars<0, 1000>>, inline)]
    pub website: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "accepted", "message": "Check your inbox to confirm your subscription."}))]
pub struct SubscribeReceipt {
    /// Always `accepted`: the answer is the same whether the address is new or known.
    pub status: String,
    pub message: String,
}

fn optional_text(field: &str, value: Option<String>, errors: &mut FieldErrors) -> Option<String> {
    value
        .and_then(|v| errors.check(field, SignupText::parse_optional(&v)))
        .flatten()
        .map(SignupText::into_inner)
}

/// Signs up for the newsletter and the gift. A confirmation e-mail follows (double opt-in). The
/// answer is the same for new, pending, confirmed and unsubscribed addresses.
#[utoipa::path(
    operation_id = "subscribe",
    tag = "subscribers",
    request_body = SubscribeRequest,
    responses(
        (status = 202, description = "Accepted; a confirmation e-mail is on its way if needed", body = SubscribeReceipt),
        (status = 429, description = "Too many sign-ups from this client", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/subscribers")]
pub async fn subscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<SubscribeRequest>,
) -> Result<HttpResponse, AppError> {
    state
        .subscriber_limiter
        .check(&state.db, super::client_ip(&req, &state))
        .await?;
    let (body, shape) = body.lenient()?;
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&body.email));
    let name = optional_text("name", body.name, &mut errors);
    let source = optional_text("source", body.source, &mut errors);
    if let Some(website) = &body.website {
        errors.check("website", AnyChars::<0, 1000>::check(website));
    }
    shape.and(errors).into_result()?;
    let receipt = SubscribeReceipt {
        status: "accepted".into(),
        message: "Check your inbox to confirm your subscription.".into(),
    };
    // A filled honeypot gets the same answer and nothing else.
    if body.website.is_some_and(|w| !w.trim().is_empty()) {
        return Ok(HttpResponse::Accepted().json(receipt));
    }
    if let Some(email) = email {
        let signup = Signup {
            email,
            name,
            source,
        };
        let links = state.links.clone();
        let now = crate::services::now();
        crate::db::run(&state.db, move |c| {
            subscribers::subscribe(c, signup, &links, now)
        })
        .await?;
    }
    Ok(HttpResponse::Accepted().json(receipt))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The token from the e-mail's link.
    #[serde(default)]
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "confirmed", "gift": {"title": "Free video training",
    "description": "Get immediate access to our video training", "url": "https://blog.example.com/gift/video-training"}}))]
pub struct ConfirmResponse {
    pub status: SubscriberStatus,
    /// The gift promised by the sign-up form.
    pub gift: Gift,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "unsubscribed"}))]
pub struct UnsubscribeResponse {
    pub status: SubscriberStatus,
}

async fn confirm(state: web::Data<AppState>, token: String) -> Result<HttpResponse, AppError> {
    let links = state.links.clone();
    let now = crate::services::now();
    let (_, site) = crate::db::run(&state.db, move |c| {
        subscribers::confirm(c, &token, &links, now)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ConfirmResponse {
            status: SubscriberStatus::Confirmed,
            gift: Gift {
                title: site.gift_title,
                description: site.gift_description,
                url: site.gift_url,
            },
        }))
}

/// Confirms a subscription from the e-mail's link and answers with the gift. Links are single
/// use and expire after 48 hours.
#[utoipa::path(
    operation_id = "confirmSubscription",
    tag = "subscribers",
    params(TokenQuery),
    responses(
        (status = 200, description = "Confirmed", body = ConfirmResponse),
        (status = 404, description = "Not a valid link", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The link was used or has expired", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/subscribers/confirm")]
pub async fn confirm_get(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    confirm(state, query.into_inner().token).await
}

/// As `GET`, for forms and scripts.
#[utoipa::path(
    operation_id = "confirmSubscriptionPost",
    tag = "subscribers",
    params(TokenQuery),
    responses(
        (status = 200, description = "Confirmed", body = ConfirmResponse),
        (status = 404, description = "Not a valid link", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The link was used or has expired", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/subscribers/confirm")]
pub async fn confirm_post(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    confirm(state, query.into_inner().token).await
}

async fn unsubscribe(state: web::Data<AppState>, token: String) -> Result<HttpResponse, AppError> {
    let now = crate::services::now();
    crate::db::run(&state.db, move |c| subscribers::unsubscribe(c, &token, now)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(UnsubscribeResponse {
            status: SubscriberStatus::Unsubscribed,
        }))
}

/// Unsubscribes from the e-mail's link; no sign-in.
#[utoipa::path(
    operation_id = "unsubscribe",
    tag = "subscribers",
    params(TokenQuery),
    responses(
        (status = 200, description = "Unsubscribed (repeating it is harmless)", body = UnsubscribeResponse),
        (status = 404, description = "Not a valid link", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/subscribers/unsubscribe")]
pub async fn unsubscribe_get(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    unsubscribe(state, query.into_inner().token).await
}

/// One-click unsubscribe (RFC 8058): mail clients `POST` `List-Unsubscribe=One-Click` here.
#[utoipa::path(
    operation_id = "unsubscribePost",
    tag = "subscribers",
    params(TokenQuery),
    responses(
        (status = 200, description = "Unsubscribed (repeating it is harmless)", body = UnsubscribeResponse),
        (status = 404, description = "Not a valid link", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/subscribers/unsubscribe")]
pub async fn unsubscribe_post(
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    unsubscribe(state, query.into_inner().token).await
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d50", "email": "reader@example.com", "name": "Reader",
    "status": "confirmed", "source": "video-training", "created_at": "2026-11-25T10:00:00Z",
    "confirmed_at": "2026-11-25T10:05:00Z", "unsubscribed_at": null}))]
pub struct SubscriberResponse {
    #[schema(format = Uuid)]
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub status: SubscriberStatus,
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

impl From<Subscriber> for SubscriberResponse {
    fn from(s: Subscriber) -> SubscriberResponse {
        SubscriberResponse {
            status: s.status,
            id: s.id,
            email: s.email,
            name: s.name,
            source: s.source,
            created_at: crate::services::utc(s.created_at),
            confirmed_at: s.confirmed_at.map(crate::services::utc),
            unsubscribed_at: s.unsubscribed_at.map(crate::services::utc),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// Only subscribers in this state.
    pub status: Option<SubscriberStatus>,
}

/// Subscribers, newest first (editors).
#[utoipa::path(
    operation_id = "listSubscribers",
    tag = "subscribers",
    security(("bearer" = [])),
    params(PageQuery, CursorQuery, StatusQuery),
    responses((status = 200, description = "A page of subscribers", body = Paginated<SubscriberResponse>,
        headers(("Link" = String, description = "RFC 8288 pagination links"))))
)]
#[get("/subscribers")]
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
        crate::db::run(&state.db, move |c| subscribers::list(c, status, &paging)).await?;
    let data: Vec<SubscriberResponse> = rows.into_iter().map(SubscriberResponse::from).collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
}

/// A spreadsheet cell that cannot run as a formula: risky first characters get a `'`.
fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// Every subscriber as CSV with a header row (editors). Cells that a spreadsheet would run as
/// formulas are prefixed with `'`.
#[utoipa::path(
    operation_id = "exportSubscribers",
    tag = "subscribers",
    security(("bearer" = [])),
    params(StatusQuery),
    responses((status = 200, description = "CSV: id,email,name,status,source,created_at,confirmed_at,unsubscribed_at",
        content_type = "text/csv", body = String))
)]
#[get("/subscribers/export")]
pub async fn export(
    _: Editor,
    state: web::Data<AppState>,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, AppError> {
    let status = query.status;
    let rows = crate::db::run(&state.db, move |c| subscribers::all(c, status)).await?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    let time = |t: Option<chrono::NaiveDateTime>| {
        t.map(|t| crate::services::utc(t).to_rfc3339())
            .unwrap_or_default()
    };
    let write = |csv: &mut csv::Writer<Vec<u8>>, record: [String; 8]| {
        csv.write_record(&record)
            .map_err(|e| AppError::Internal(e.into()))
    };
    write(
        &mut csv,
        [
            "id",
            "email",
            "name",
            "status",
            "source",
            "created_at",
            "confirmed_at",
            "unsubscribed_at",
        ]
        .map(String::from),
    )?;
    for s in rows {
        write(
            &mut csv,
            [
                s.id.clone(),
                cell(&s.email),
                cell(s.name.as_deref().unwrap_or("")),
                s.status.to_string(),
                cell(s.source.as_deref().unwrap_or("")),
                time(Some(s.created_at)),
                time(s.confirmed_at),
                time(s.unsubscribed_at),
            ],
        )?;
    }
    let body = csv
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"subscribers.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// Erases a subscriber: their row, tokens and every e-mail to them (editors).
#[utoipa::path(
    operation_id = "deleteSubscriber",
    tag = "subscribers",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The subscriber's id")),
    responses((status = 204, description = "Erased"))
)]
#[delete("/subscribers/{id}")]
pub async fn delete(
    _: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    crate::db::run(&state.db, move |c| subscribers::erase(c, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
