//! `X-Request-Id` on every response and one log line per request. The logged path never includes
//! the query string (confirmation and unsubscribe tokens travel there).

use std::time::Instant;

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A client's id is echoed when it is short and plain; anything else gets a fresh UUID v7.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// The path as logged: a preview link's token is a secret, like the query string.
fn loggable(path: &str) -> String {
    match path.strip_prefix("/api/v1/preview/") {
        Some(_) => "/api/v1/preview/…".to_string(),
        None => path.to_string(),
    }
}

pub async fn request_id_and_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().clone();
    let path = loggable(req.path());
    let header_value = HeaderValue::from_str(&id).ok();
    let result: Result<ServiceResponse<BoxBody>, Error> = match next.call(req).await {
        Ok(mut res) => {
            if let Some(value) = header_value {
                res.headers_mut().insert(REQUEST_ID, value);
            }
            Ok(res.map_into_boxed_body())
        }
        // An error that escaped the handlers (e.g. a CORS refusal) still carries the id.
        Err(e) => {
            let mut res = e.error_response();
            if let Some(value) = header_value {
                res.headers_mut().insert(REQUEST_ID, value);
            }
            Err(InternalError::from_response(e, res).into())
        }
    };
    let status = match &result {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    log::info!(
        target: "byline::http",
        "{id} {method} {path} {} {:.1}ms",
        status.as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    result
}
