//! The example blog (`examples/blog`), built into the binary and served at `/` when
//! `BYLINE_SITE_DIR` is unset: a first `cargo run --release` shows the blog at once. Files get
//! their type, an ETag from their hash and `Cache-Control: no-cache` (revalidated on each visit,
//! so a new binary's blog is seen at once); any other path is the usual 404/405 problem.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

use super::RouteTable;
use crate::error::AppError;
use crate::http_cache;

#[derive(RustEmbed)]
#[folder = "examples/blog/"]
struct Blog;

/// The default service when the blog is built in.
pub async fn embedded(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, AppError> {
    let path = req.path().trim_start_matches('/');
    let name = if path.is_empty() { "index.html" } else { path };
    let found = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    )
    .then(|| Blog::get(name))
    .flatten();
    let Some(file) = found else {
        return super::fallback(req, routes).await;
    };
    let etag = format!(
        "\"{}\"",
        crate::crypto::hex(&file.metadata.sha256_hash()[..16])
    );
    let mut answer = if http_cache::not_modified(&req, &etag) {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    answer
        .insert_header((header::ETAG, etag.clone()))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if http_cache::not_modified(&req, &etag) {
        return Ok(answer.finish());
    }
    Ok(answer
        .content_type(file.metadata.mimetype())
        .body(file.data.into_owned()))
}
