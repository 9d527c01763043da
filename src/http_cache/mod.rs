//! HTTP caching: ETags and `Cache-Control` for public reads (`If-None-Match` answers `304`,
//! `If-Match` is parsed here too), and the micro-cache for anonymous reads (`micro`).

pub mod micro;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// How long shared caches may keep a public answer.
pub const PUBLIC_MAX_AGE: &str = "public, max-age=60";

/// A strong ETag over the exact bytes served.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", crate::crypto::hex(&digest[..16]))
}

/// The entity tags a header lists (`If-None-Match`, `If-Match`), weak ones compared as strong;
/// `None` when the header was not sent.
pub fn entity_tags(req: &HttpRequest, name: header::HeaderName) -> Option<Vec<String>> {
    let mut values = req.headers().get_all(name).peekable();
    values.peek()?;
    Some(
        values
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().trim_start_matches("W/").to_string())
            .collect(),
    )
}

/// True when `tags` names this ETag (or `*`).
pub fn matches(tags: &[String], etag: &str) -> bool {
    tags.iter().any(|t| t == "*" || t == etag)
}

/// True when the client's `If-None-Match` already names this ETag (or `*`).
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    entity_tags(req, header::IF_NONE_MATCH).is_some_and(|tags| matches(&tags, etag))
}

/// Serves `value` as JSON with an ETag and the given `Cache-Control`, or a bodiless `304`.
pub fn cached_json<T: Serialize>(
    req: &HttpRequest,
    value: &T,
    cache_control: &str,
) -> Result<HttpResponse, AppError> {
    let body = serde_json::to_vec(value).map_err(|e| AppError::Internal(e.into()))?;
    Ok(cached(req, body, "application/json", cache_control))
}

/// As `cached_json`, with the ETag taken from `version`: a short string that changes whenever
/// the body would. Cheaper than hashing a large body, and a `304` skips serializing altogether.
pub fn cached_json_versioned<T: Serialize>(
    req: &HttpRequest,
    value: &T,
    version: &str,
    cache_control: &str,
) -> Result<HttpResponse, AppError> {
    let etag = etag_of(version.as_bytes());
    answer(req, etag, "application/json", cache_control, || {
        serde_json::to_vec(value).map_err(|e| AppError::Internal(e.into()))
    })
}

/// Serves `body` with an ETag and the given `Cache-Control`, or a bodiless `304`.
pub fn cached(
    req: &HttpRequest,
    body: Vec<u8>,
    content_type: &str,
    cache_control: &str,
) -> HttpResponse {
    let etag = etag_of(&body);
    let answered = answer(req, etag, content_type, cache_control, || Ok(body));
    answered.unwrap_or_else(|e| actix_web::ResponseError::error_response(&e))
}

fn answer(
    req: &HttpRequest,
    etag: String,
    content_type: &str,
    cache_control: &str,
    body: impl FnOnce() -> Result<Vec<u8>, AppError>,
) -> Result<HttpResponse, AppError> {
    let fresh = not_modified(req, &etag);
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control.to_string()));
    if fresh {
        return Ok(response.finish());
    }
    Ok(response
        .content_type(content_type.to_string())
        .body(body()?))
}
