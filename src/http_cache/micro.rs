//! A micro-cache for anonymous reads: a public answer (posts, tags, site, feeds) is kept for a
//! moment (1 s by default, `BYLINE_PUBLIC_CACHE_MS`) so a burst of readers costs one database
//! read. Any successful write through the API clears it, so editors see their changes at once;
//! a scheduled post may appear up to that moment late. (A successful write also wakes the
//! background jobs.)

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use tokio::sync::Notify;

/// Beyond this many bytes the cache starts over: memory stays bounded.
const MAX_BYTES: usize = 8 << 20;
/// Larger answers are not kept: one of them would crowd out many small ones.
const MAX_ENTRY_BYTES: usize = 256 << 10;

struct Entry {
    stored: Instant,
    etag: String,
    headers: header::HeaderMap,
    body: web::Bytes,
}

pub struct PublicCache {
    ttl: Duration,
    entries: Mutex<Entries>,
    /// Woken after every successful write: the jobs send what it queued.
    wake: std::sync::Arc<Notify>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    bytes: usize,
}

impl PublicCache {
    pub fn new(ttl: Duration, wake: std::sync::Arc<Notify>) -> PublicCache {
        PublicCache {
            ttl,
            entries: Mutex::new(Entries::default()),
            wake,
        }
    }

    fn answer(&self, key: &str, req: &actix_web::HttpRequest) -> Option<HttpResponse> {
        let entries = self.entries.lock().ok()?;
        let entry = entries
            .map
            .get(key)
            .filter(|e| e.stored.elapsed() < self.ttl)?;
        let status = if super::not_modified(req, &entry.etag) {
            StatusCode::NOT_MODIFIED
        } else {
            StatusCode::OK
        };
        let mut response = HttpResponse::build(status);
        for (name, value) in &entry.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        Some(if status == StatusCode::OK {
            response.body(entry.body.clone())
        } else {
            response.finish()
        })
    }

    fn store(&self, key: String, entry: Entry) {
        if entry.body.len() > MAX_ENTRY_BYTES {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.bytes + entry.body.len() > MAX_BYTES {
                *entries = Entries::default();
            }
            entries.bytes += entry.body.len();
            if let Some(old) = entries.map.insert(key, entry) {
                entries.bytes -= old.body.len();
            }
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            *entries = Entries::default();
        }
    }
}

fn cacheable(req: &ServiceRequest) -> bool {
    req.method() == Method::GET
        && !req.headers().contains_key(header::AUTHORIZATION)
        && (req.path().starts_with("/api/v1/posts")
            || req.path().starts_with("/api/v1/tags")
            || req.path() == "/api/v1/site"
            || matches!(req.path(), "/feed.atom" | "/feed.json"))
}

/// Serves fresh entries, stores public `200`s, and clears everything after a successful write.
pub async fn microcache(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(cache) = req.app_data::<web::Data<PublicCache>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !cacheable(&req) || cache.ttl.is_zero() {
        let res = next.call(req).await?;
        if !safe && res.status().is_success() {
            cache.clear();
            // A write may have queued deliveries: send them now rather than at the next poll.
            cache.wake.notify_waiters();
        }
        return Ok(res.map_into_boxed_body());
    }
    let key = format!("{}?{}", req.path(), req.query_string());
    if let Some(hit) = cache.answer(&key, req.request()) {
        return Ok(req.into_response(hit));
    }
    let res = next.call(req).await?;
    let public = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("public"));
    let etag = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (Some(etag), true, StatusCode::OK) = (etag, public, res.status()) else {
        return Ok(res.map_into_boxed_body());
    };
    let (http_req, response) = res.into_parts();
    let headers = response.headers().clone();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
    cache.store(
        key,
        Entry {
            stored: Instant::now(),
            etag,
            headers: headers.clone(),
            body: body.clone(),
        },
    );
    let mut rebuilt = HttpResponse::Ok();
    for (name, value) in &headers {
        rebuilt.insert_header((name.clone(), value.clone()));
    }
    Ok(ServiceResponse::new(http_req, rebuilt.body(body)))
}
