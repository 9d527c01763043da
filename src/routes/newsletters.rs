//! Newsletters (editors): a live post e-mailed to the confirmed subscribers, its progress, a test
//! copy, and cancelling.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use super::pagination::{self, Paginated};
use crate::auth::Editor;
use crate::db::models::Newsletter;
use crate::domain::{CursorQuery, Email, NewsletterStatus, PageQuery};
use crate::error::{AppError, FieldErrors};
use crate::services::newsletters::{self, NewsletterRequest, Subject};
use crate::services::subscribers::SignupText;
use crate::state::AppState;

/// A post's id or slug, as a body names it.
type PostReference = crate::domain::Line<1, 200>;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d70", "post_id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d20",
    "subject": "Hello, world", "source": null, "status": "sending", "total": 1200, "sent": 480, "failed": 0,
    "created_at": "2026-11-25T10:00:00Z", "finished_at": null}))]
pub struct NewsletterResponse {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub post_id: String,
    pub subject: String,
    /// Only subscribers who signed up with this `source`, when set.
    pub source: Option<String>,
    pub status: NewsletterStatus,
    /// Recipients: the confirmed subscribers when it was queued.
    pub total: i32,
    /// Copies delivered to the mail server.
    pub sent: i32,
    /// Copies given up on after every retry.
    pub failed: i32,
    pub created_at: DateTime<Utc>,
    /// When the last copy went (or it was cancelled).
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Newsletter> for NewsletterResponse {
    fn from(n: Newsletter) -> NewsletterResponse {
        NewsletterResponse {
            id: n.id,
            post_id: n.post_id,
            subject: n.subject,
            source: n.source,
            status: n.status,
            total: n.total,
            sent: n.sent,
            failed: n.failed,
            created_at: crate::services::utc(n.created_at),
            finished_at: n.finished_at.map(crate::services::utc),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"post": "hello-world", "subject": "New on the blog: Hello, world"}))]
pub struct CreateNewsletterRequest {
    /// The id or slug of a live post.
    #[serde(default)]
    #[schema(required = true, value_type = PostReference, inline)]
    pub post: String,
    /// One line, 1 to 200 characters; the post's title when absent.
    #[schema(value_type = Option<Subject>, inline)]
    pub subject: Option<String>,
    /// Only subscribers who signed up with this `source`.
    #[schema(value_type = Option<SignupText>, inline)]
    pub source: Option<String>,
    /// Send although this post was e-mailed before (else that is a 409).
    pub resend: Option<bool>,
}

impl TryFrom<CreateNewsletterRequest> for NewsletterRequest {
    type Error = AppError;

    fn try_from(r: CreateNewsletterRequest) -> Result<NewsletterRequest, AppError> {
        let mut errors = FieldErrors::default();
        let post = errors.check("post", PostReference::parse(&r.post));
        let subject = r
            .subject
            .and_then(|s| errors.check("subject", Subject::parse(&s)));
        let source = r
            .source
            .and_then(|s| errors.check("source", SignupText::parse_optional(&s)))
            .flatten();
        errors.into_result()?;
        Ok(NewsletterRequest {
            post: post.map(PostReference::into_inner).unwrap_or_default(),
            subject: subject.map(Subject::into_inner),
            source: source.map(SignupText::into_inner),
            resend: r.resend.unwrap_or(false),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"post": "hello-world", "email": "editor@example.com"}))]
pub struct TestNewsletterRequest {
    /// The id or slug of a live post.
    #[serde(default)]
    #[schema(required = true, value_type = PostReference, inline)]
    pub post: String,
    /// The one address the test copy goes to.
    #[serde(default)]
    #[schema(required = true, value_type = Email, inline)]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "accepted"}))]
pub struct TestReceipt {
    /// Always `accepted`: the copy is in the outbox.
    pub status: String,
}

fn answer(state: &AppState, newsletter: Newsletter, created: bool) -> HttpResponse {
    let location = format!("{}/api/v1/newsletters/{}", state.public_url, newsletter.id);
    let mut response = if created {
        HttpResponse::Accepted()
    } else {
        HttpResponse::Ok()
    };
    if created {
        response.insert_header((header::LOCATION, location));
    }
    response.json(NewsletterResponse::from(newsletter))
}

/// E-mails a live post to the confirmed subscribers (editors): each gets exactly one copy, with
/// their own unsubscribe link, at `BYLINE_NEWSLETTER_PER_SECOND` at most.
#[utoipa::path(
    operation_id = "sendNewsletter",
    tag = "newsletters",
    security(("bearer" = [])),
    request_body = CreateNewsletterRequest,
    responses(
        (status = 202, description = "Queued; follow its progress at `Location`", body = NewsletterResponse,
            headers(("Location" = String, description = "The newsletter's URL"))),
        (status = 404, description = "No live post has this id or slug", body = crate::error::Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "This post was e-mailed before (send `resend: true`)", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/newsletters")]
pub async fn create(
    Editor(auth): Editor,
    state: web::Data<AppState>,
    body: Json<CreateNewsletterRequest>,
) -> Result<HttpResponse, AppError> {
    let request = body.convert(NewsletterRequest::try_from)?;
    let now = crate::services::now();
    let newsletter = crate::db::run(&state.db, move |c| {
        newsletters::create(c, &request, Some(&auth.user_id), now)
    })
    .await?;
    Ok(answer(&state, newsletter, true))
}

/// Sends one copy of a live post to one address (editors): subject prefixed `[Test] `, not a
/// newsletter and not counted.
#[utoipa::path(
    operation_id = "sendTestNewsletter",
    tag = "newsletters",
    security(("bearer" = [])),
    request_body = TestNewsletterRequest,
    responses(
        (status = 202, description = "The test copy is on its way", body = TestReceipt),
        (status = 404, description = "No live post has this id or slug", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/newsletters/test")]
pub async fn test(
    _: Editor,
    state: web::Data<AppState>,
    body: Json<TestNewsletterRequest>,
) -> Result<HttpResponse, AppError> {
    let (post, email) = body.convert(|r| {
        let mut errors = FieldErrors::default();
        let post = errors.check("post", PostReference::parse(&r.post));
        let email = errors.check("email", Email::parse(&r.email));
        errors.into_result()?;
        match (post, email) {
            (Some(post), Some(email)) => Ok((post.into_inner(), email)),
            _ => Err(FieldErrors::single("post", "is required")),
        }
    })?;
    let now = crate::services::now();
    let public_url = state.public_url.clone();
    crate::db::run(&state.db, move |c| {
        newsletters::send_test(c, &post, email, &public_url, now)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(TestReceipt {
        status: "accepted".into(),
    }))
}

/// Newsletters, newest first (editors).
#[utoipa::path(
    operation_id = "listNewsletters",
    tag = "newsletters",
    security(("bearer" = [])),
    params(PageQuery, CursorQuery),
    responses((status = 200, description = "A page of newsletters", body = Paginated<NewsletterResponse>,
        headers(("Link" = String, description = "RFC 8288 pagination links"))))
)]
#[get("/newsletters")]
pub async fn list(
    req: HttpRequest,
    _: Editor,
    state: web::Data<AppState>,
    paging: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = pagination::paging(&paging, &cursor)?;
    let (rows, listing) = crate::db::run(&state.db, move |c| newsletters::list(c, &paging)).await?;
    let data: Vec<NewsletterResponse> = rows.into_iter().map(NewsletterResponse::from).collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
}

/// One newsletter and its progress (editors).
#[utoipa::path(
    operation_id = "getNewsletter",
    tag = "newsletters",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The newsletter's id")),
    responses((status = 200, description = "The newsletter", body = NewsletterResponse))
)]
#[get("/newsletters/{id}")]
pub async fn get(
    _: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let newsletter = crate::db::run(&state.db, move |c| newsletters::get(c, &id)).await?;
    Ok(answer(&state, newsletter, false))
}

/// Stops a newsletter (editors): copies not yet sent are skipped; what went out stays sent.
#[utoipa::path(
    operation_id = "cancelNewsletter",
    tag = "newsletters",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The newsletter's id")),
    responses(
        (status = 200, description = "Cancelled", body = NewsletterResponse),
        (status = 409, description = "It had finished (or was cancelled) already", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/newsletters/{id}/cancel")]
pub async fn cancel(
    _: Editor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = crate::services::now();
    let newsletter = crate::db::run(&state.db, move |c| newsletters::cancel(c, &id, now)).await?;
    Ok(answer(&state, newsletter, false))
}
