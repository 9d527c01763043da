//! The one error type. Services return `AppError` (or errors that convert into it); this module is
//! the only place that decides status codes and writes `application/problem+json` (RFC 9457).
//! Extractor errors, the 404/405 fallback and rate limits all come through here too.

use std::collections::BTreeMap;
use std::fmt;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// Messages per field name, e.g. `{"email": ["must be a valid e-mail address"]}`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    /// Keeps the value when `result` is `Ok`, records the message under `field` otherwise; lets a
    /// conversion check every field before it fails.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn names(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The first field named (in order), if any.
    pub fn first_field(&self) -> Option<String> {
        self.0.keys().next().cloned()
    }

    /// These errors and the fields of `other` that have none here yet: a field already named
    /// for its shape is not named again for what its replacement lacks.
    pub fn and(mut self, other: FieldErrors) -> FieldErrors {
        for (field, messages) in other.0 {
            self.0.entry(field).or_insert(messages);
        }
        self
    }

    /// Adds every message of `other`.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, messages) in other.0 {
            self.0.entry(field).or_default().extend(messages);
        }
    }

    /// `Ok(())` when no field was bad, else the 422 naming every bad field.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }

    /// One message for one field.
    pub fn one(field: &str, message: impl Into<String>) -> FieldErrors {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    /// A 422 naming one field.
    pub fn single(field: &str, message: impl Into<String>) -> AppError {
        AppError::Validation(FieldErrors::one(field, message))
    }
}

#[derive(Debug)]
pub enum AppError {
    /// 422: the body was well-formed but some fields are not acceptable.
    Validation(FieldErrors),
    /// 400: malformed JSON, a bad query string, an out-of-range page.
    BadRequest(String),
    /// 401: no credentials, or credentials that are not valid.
    Unauthorized(String),
    /// 403: valid credentials, not allowed.
    Forbidden(String),
    NotFound(String),
    /// 410: a link that worked once (used or expired token).
    Gone(String),
    MethodNotAllowed {
        allow: Vec<String>,
    },
    /// 408: the client took too long to send the request.
    RequestTimeout(String),
    Conflict(String),
    PreconditionFailed(String),
    PayloadTooLarge(String),
    UnsupportedMediaType(String),
    TooManyRequests {
        retry_after_secs: u64,
    },
    /// 503: the server is too busy for this request now (a statement ran out of its time
    /// budget, no database connection came free in time, or the media store did not answer).
    Unavailable {
        retry_after_secs: u64,
        detail: String,
    },
    /// 500: logged in full, answered with a generic detail.
    Internal(anyhow::Error),
}

/// Every problem `type` Byline answers with (`urn:byline:problem:<name>`), its status, and what
/// it means: listed in the OpenAPI document and the README.
pub const PROBLEM_TYPES: [(&str, u16, &str); 16] = [
    (
        "bad-request",
        400,
        "Malformed JSON, a bad query parameter, or an out-of-range page",
    ),
    (
        "unauthorized",
        401,
        "Missing, expired or invalid credentials",
    ),
    (
        "forbidden",
        403,
        "Signed in, but the role (or ownership) does not allow this",
    ),
    (
        "not-found",
        404,
        "No such resource, or not visible to this caller",
    ),
    (
        "method-not-allowed",
        405,
        "The path exists; `Allow` lists its methods",
    ),
    ("request-timeout", 408, "The body did not arrive in time"),
    (
        "conflict",
        409,
        "A unique value is taken, or the same thing was already done",
    ),
    ("gone", 410, "A link that worked once: used or expired"),
    (
        "precondition-failed",
        412,
        "`If-Match` names an older version",
    ),
    ("payload-too-large", 413, "The body is over its size limit"),
    (
        "unsupported-media-type",
        415,
        "The body's type is not accepted",
    ),
    (
        "range-not-satisfiable",
        416,
        "The `Range` is not within the file",
    ),
    (
        "validation",
        422,
        "Some fields are not valid; `errors` names each of them",
    ),
    (
        "too-many-requests",
        429,
        "Rate limited; `Retry-After` says how long to wait",
    ),
    (
        "internal",
        500,
        "Something failed on the server; it was logged",
    ),
    (
        "unavailable",
        503,
        "Too busy to answer in time; `Retry-After` says when to try again",
    ),
];

/// An example problem document for `status`, as the OpenAPI document shows under each response.
pub fn example_problem(status: u16) -> serde_json::Value {
    let (name, meaning) = PROBLEM_TYPES
        .iter()
        .find(|(_, s, _)| *s == status)
        .map_or(("error", "Error"), |(n, _, m)| (*n, *m));
    let title = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut example = serde_json::json!({
        "type": format!("urn:byline:problem:{name}"),
        "title": title,
        "status": status,
        "detail": format!("{meaning}."),
    });
    if status == 422 {
        example["detail"] = "Some fields are not valid: email.".into();
        example["errors"] = serde_json::json!({"email": ["must be a valid e-mail address"]});
    }
    example
}

impl AppError {
    pub fn not_found() -> AppError {
        AppError::NotFound("No resource was found at this address.".into())
    }

    /// Database work stopped by its time budget.
    pub fn over_budget() -> AppError {
        AppError::Unavailable {
            retry_after_secs: 1,
            detail: "The database took longer than this request's time budget; try again shortly."
                .into(),
        }
    }

    pub fn forbidden() -> AppError {
        AppError::Forbidden("Your role does not allow this.".into())
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            AppError::Validation(_) => ("validation", "Validation failed"),
            AppError::BadRequest(_) => ("bad-request", "Bad request"),
            AppError::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            AppError::Forbidden(_) => ("forbidden", "Forbidden"),
            AppError::NotFound(_) => ("not-found", "Not found"),
            AppError::Gone(_) => ("gone", "Gone"),
            AppError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            AppError::RequestTimeout(_) => ("request-timeout", "Request timeout"),
            AppError::Conflict(_) => ("conflict", "Conflict"),
            AppError::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            AppError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            AppError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            AppError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            AppError::Unavailable { .. } => ("unavailable", "Service unavailable"),
            AppError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            AppError::Validation(errors) => {
                let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
                format!("Some fields are not valid: {}.", fields.join(", "))
            }
            AppError::BadRequest(d)
            | AppError::Unauthorized(d)
            | AppError::Forbidden(d)
            | AppError::NotFound(d)
            | AppError::Gone(d)
            | AppError::RequestTimeout(d)
            | AppError::Conflict(d)
            | AppError::PreconditionFailed(d)
            | AppError::PayloadTooLarge(d)
            | AppError::UnsupportedMediaType(d) => d.clone(),
            AppError::MethodNotAllowed { allow } => {
                format!("This address answers only {}.", allow.join(", "))
            }
            AppError::TooManyRequests { retry_after_secs } => {
                format!("Too many requests; try again in {retry_after_secs} seconds.")
            }
            AppError::Unavailable { detail, .. } => detail.clone(),
            AppError::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Internal(e) => write!(f, "internal error: {e:#}"),
            other => write!(f, "{}: {}", other.kind().1, other.detail()),
        }
    }
}

impl std::error::Error for AppError {}

/// An RFC 9457 problem document, as every error answers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:byline:problem:validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "Some fields are not valid: email, password.",
    "errors": {"email": ["must be a valid e-mail address"], "password": ["is required"]}
}))]
pub struct Problem {
    /// A URI naming the kind of problem, stable for clients to match on.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence, for humans.
    pub detail: String,
    /// For 422 only: messages per bad field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<std::collections::HashMap<String, Vec<String>>>)]
    pub errors: Option<FieldErrors>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            log::error!("{cause:#}");
        }
        let status = self.status_code();
        let (slug, title) = self.kind();
        let problem = Problem {
            kind: format!("urn:byline:problem:{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: self.detail(),
            errors: match self {
                AppError::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            AppError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            AppError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            AppError::TooManyRequests { retry_after_secs }
            | AppError::Unavailable {
                retry_after_secs, ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&problem).unwrap_or_default())
    }
}

/// Middleware: an error answer written outside our handlers (actix-files' `416`, a static
/// site's `404`, Swagger UI's) becomes problem+json too, keeping headers such as
/// `Content-Range`. (Only a `431`, written by actix before any of our code runs, stays bare.)
pub async fn problems_everywhere(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if status.as_u16() < 400 || is_problem {
        return Ok(res.map_into_boxed_body());
    }
    let (req, old) = res.into_parts();
    let reason = status.canonical_reason().unwrap_or("Error");
    let problem = Problem {
        kind: format!(
            "urn:byline:problem:{}",
            reason.to_ascii_lowercase().replace(' ', "-")
        ),
        title: reason.into(),
        status: status.as_u16(),
        detail: match status {
            StatusCode::NOT_FOUND => AppError::not_found().detail(),
            StatusCode::RANGE_NOT_SATISFIABLE => {
                "The requested range is not within the file.".into()
            }
            _ => format!("{reason}."),
        },
        errors: None,
    };
    let mut answer = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.append_header((name.clone(), value.clone()));
        }
    }
    let body = serde_json::to_string(&problem).unwrap_or_default();
    let answer = answer.content_type("application/problem+json").body(body);
    Ok(actix_web::dev::ServiceResponse::new(req, answer))
}

/// When (Unix seconds) a database connection was last found closed under us: `db` checks each
/// connection it hands out for a while after that, and not otherwise (a check is a round trip).
static CONNECTION_LOST_AT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Seconds since a database connection was last found closed (`i64::MAX`: never).
pub fn seconds_since_a_connection_was_lost() -> i64 {
    match CONNECTION_LOST_AT.load(std::sync::atomic::Ordering::Relaxed) {
        0 => i64::MAX,
        at => chrono::Utc::now().timestamp() - at,
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        use diesel::result::{DatabaseErrorKind, Error};
        if let Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) = e {
            CONNECTION_LOST_AT.store(
                chrono::Utc::now().timestamp(),
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        match e {
            Error::NotFound => AppError::not_found(),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::Conflict("A resource with the same unique value already exists.".into())
            }
            // PostgreSQL's `statement_timeout` (SQLite's budget is checked in `db` itself).
            Error::DatabaseError(_, info) if info.message().contains("statement timeout") => {
                AppError::over_budget()
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> AppError {
        AppError::Internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_collect_every_field() {
        let mut errors = FieldErrors::default();
        assert_eq!(errors.check("a", Ok::<_, String>(1)), Some(1));
        errors.check::<()>("b", Err("bad".into()));
        errors.add("c", "worse");
        assert!(matches!(errors.into_result(), Err(AppError::Validation(e)) if e.0.len() == 2));
    }

    #[test]
    fn diesel_not_found_is_404() {
        let e: AppError = diesel::result::Error::NotFound.into();
        assert_eq!(e.status_code(), StatusCode::NOT_FOUND);
    }
}
