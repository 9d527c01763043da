//! A cache for anonymous reads: a public answer (posts, tags, site, feeds) is kept until
//! something makes it stale, so spread readers cost a database read per answer, not per request.
//! Answers go stale in two ways, and both drop them exactly: a successful write through the API
//! clears everything at once (editors see their changes immediately), and a scheduled post's time
//! coming — every entry expires by the next scheduled publication (`horizon`). Writes by another
//! process (the CLI) are seen within `BYLINE_PUBLIC_CACHE_MS`, the longest an entry is kept;
//! on PostgreSQL, other nodes' writes clear it too (`clear`, called by `db::changes`). A
//! successful write also runs `after_write`: it wakes the background jobs and tells other nodes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use chrono::NaiveDateTime;

/// Reads when the next scheduled post after a time goes live (`Err`: it could not be read).
pub type NextPublication = Box<
    dyn Fn(
            NaiveDateTime,
        ) -> futures_util::future::BoxFuture<'static, Result<Option<NaiveDateTime>, ()>>
        + Send
        + Sync,
>;

/// Runs after every successful write through the API.
pub type AfterWrite = Box<dyn Fn() + Send + Sync>;

/// The most the kept answers hold, in two halves: when the newer half fills, the older one is
/// dropped and the newer becomes the older. An answer asked for again moves to the newer half,
/// so hot answers (the first page) outlive a stream of answers asked for once (posts read
/// spread over a big site), which turn over in the older half.
const MAX_BYTES: usize = 6 << 20;
/// Larger answers are not kept: one of them would crowd out many small ones.
const MAX_ENTRY_BYTES: usize = 256 << 10;

struct Entry {
    expires: Instant,
    etag: String,
    headers: header::HeaderMap,
    body: web::Bytes,
}

pub struct PublicCache {
    max_age: Duration,
    entries: Mutex<Entries>,
    /// After every successful write: the jobs send what it queued, other nodes drop theirs.
    after_write: AfterWrite,
    next_publication: NextPublication,
}

#[derive(Default)]
struct Entries {
    /// The newer half, and its size.
    map: HashMap<String, Entry>,
    bytes: usize,
    /// The older half.
    old: HashMap<String, Entry>,
    /// Bumped by every clear: an answer computed before a write is not stored after it.
    generation: u64,
    /// When the next scheduled post goes live (`None`: not known since the last clear).
    horizon: Option<Horizon>,
}

impl Entries {
    fn keep(&mut self, key: String, entry: Entry) {
        if self.bytes + entry.body.len() > MAX_BYTES / 2 {
            self.old = std::mem::take(&mut self.map);
            self.bytes = 0;
        }
        self.bytes += entry.body.len();
        if let Some(replaced) = self.map.insert(key, entry) {
            self.bytes -= replaced.body.len();
        }
    }

    fn get(&mut self, key: &str) -> Option<&Entry> {
        if !self.map.contains_key(key) {
            // An expired answer is not worth the room in the newer half.
            let entry = self
                .old
                .remove(key)
                .filter(|e| Instant::now() < e.expires)?;
            self.keep(key.to_string(), entry);
        }
        self.map.get(key)
    }
}

#[derive(Clone, Copy)]
enum Horizon {
    At(Instant),
    Never,
}

impl PublicCache {
    pub fn new(
        max_age: Duration,
        after_write: AfterWrite,
        next_publication: NextPublication,
    ) -> PublicCache {
        PublicCache {
            max_age,
            entries: Mutex::new(Entries::default()),
            after_write,
            next_publication,
        }
    }

    fn answer(&self, key: &str, req: &actix_web::HttpRequest) -> Option<HttpResponse> {
        let mut entries = self.entries.lock().ok()?;
        let entry = entries.get(key).filter(|e| Instant::now() < e.expires)?;
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

    fn generation(&self) -> u64 {
        self.entries.lock().map(|e| e.generation).unwrap_or(0)
    }

    /// The next scheduled publication, if known and still ahead.
    fn horizon(&self) -> Option<Horizon> {
        let entries = self.entries.lock().ok()?;
        match entries.horizon? {
            Horizon::At(at) if at <= Instant::now() => None,
            known => Some(known),
        }
    }

    /// Records when the next scheduled post goes live, as read from the database after
    /// `generation` began (a write since then may have scheduled an earlier one).
    fn set_horizon(&self, generation: u64, next: Option<NaiveDateTime>) {
        let horizon = match next {
            None => Horizon::Never,
            Some(at) => {
                let ahead = (at - chrono::Utc::now().naive_utc())
                    .to_std()
                    .unwrap_or_default();
                Horizon::At(Instant::now() + ahead)
            }
        };
        if let Ok(mut entries) = self.entries.lock()
            && entries.generation == generation
        {
            entries.horizon = Some(horizon);
        }
    }

    fn store(&self, generation: u64, horizon: Horizon, key: String, mut entry: Entry) {
        if entry.body.len() > MAX_ENTRY_BYTES {
            return;
        }
        entry.expires = match horizon {
            Horizon::At(at) => at.min(entry.expires),
            Horizon::Never => entry.expires,
        };
        if let Ok(mut entries) = self.entries.lock() {
            if entries.generation != generation {
                return;
            }
            entries.keep(key, entry);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            let generation = entries.generation + 1;
            *entries = Entries {
                generation,
                ..Entries::default()
            };
        }
    }

    /// The horizon, read from the database when not known; `None` when it cannot be read (the
    /// answer is then not kept).
    async fn horizon_for(&self, generation: u64, asked_at: NaiveDateTime) -> Option<Horizon> {
        if let Some(known) = self.horizon() {
            return Some(known);
        }
        let next = (self.next_publication)(asked_at).await.ok()?;
        self.set_horizon(generation, next);
        self.horizon()
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
    if !cacheable(&req) || cache.max_age.is_zero() {
        let res = next.call(req).await?;
        if !safe && res.status().is_success() {
            cache.clear();
            // A write may have queued deliveries: send them now rather than at the next poll.
            (cache.after_write)();
        }
        return Ok(res.map_into_boxed_body());
    }
    let key = format!("{}?{}", req.path(), req.query_string());
    if let Some(hit) = cache.answer(&key, req.request()) {
        return Ok(req.into_response(hit));
    }
    let generation = cache.generation();
    // Before the answer is computed: a post going live while it is computed ends the entry.
    let asked_at = chrono::Utc::now().naive_utc();
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
    let Some(horizon) = cache.horizon_for(generation, asked_at).await else {
        return Ok(res.map_into_boxed_body());
    };
    let (http_req, response) = res.into_parts();
    let headers = response.headers().clone();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
    cache.store(
        generation,
        horizon,
        key,
        Entry {
            expires: Instant::now() + cache.max_age,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(bytes: usize) -> Entry {
        Entry {
            expires: Instant::now() + Duration::from_secs(60),
            etag: String::new(),
            headers: header::HeaderMap::new(),
            body: web::Bytes::from(vec![b'x'; bytes]),
        }
    }

    #[test]
    fn an_answer_asked_for_again_outlives_a_stream_of_answers_asked_for_once() {
        let mut entries = Entries::default();
        entries.keep("/hot".into(), entry(4 << 10));
        let mut held = 0;
        for n in 0..10_000 {
            entries.keep(format!("/posts/{n}"), entry(4 << 10));
            if n % 100 == 0 {
                assert!(entries.get("/hot").is_some(), "dropped after {n}");
            }
            held = held.max(entries.map.len() + entries.old.len());
        }
        assert!(entries.get("/posts/0").is_none(), "a cold answer stayed");
        assert!(entries.get("/posts/9999").is_some());
        // 4 KiB answers: at most MAX_BYTES of them, whatever came through.
        assert!(held <= MAX_BYTES / (4 << 10) + 1, "{held}");
    }
}
