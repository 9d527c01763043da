//! The one way collections answer: `{data, meta}` plus an RFC 8288 `Link` header.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Page, PageQuery};
use crate::error::AppError;
use crate::http_cache;

#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub data: Vec<T>,
    pub meta: PageMeta,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"page": 1, "per_page": 20, "total": 137, "total_pages": 7}))]
pub struct PageMeta {
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
    pub total_pages: i64,
}

/// A page in range, or a 400 naming the bad parameter.
pub fn page(query: &PageQuery) -> Result<Page, AppError> {
    Page::parse(query).map_err(AppError::BadRequest)
}

fn envelope<T>(page: Page, total: i64, data: Vec<T>) -> Paginated<T> {
    Paginated {
        data,
        meta: PageMeta {
            page: page.number,
            per_page: page.per_page,
            total,
            total_pages: page.total_pages(total),
        },
    }
}

/// `200` with the envelope and `Link` (first, last, and prev/next where they exist).
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    public_url: &str,
    page: Page,
    total: i64,
    data: Vec<T>,
) -> HttpResponse {
    let link = link_header(req, public_url, page.number, page.total_pages(total));
    HttpResponse::Ok()
        .insert_header((header::LINK, link))
        .json(envelope(page, total, data))
}

/// As `respond`, with an ETag and `Cache-Control`; `If-None-Match` gets a `304`. With
/// `version` (what the items' bodies depend on), the ETag comes from it instead of the body.
pub fn respond_cached<T: Serialize>(
    req: &HttpRequest,
    public_url: &str,
    page: Page,
    total: i64,
    data: Vec<T>,
    cache_control: &str,
    version: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let link = link_header(req, public_url, page.number, page.total_pages(total));
    let envelope = envelope(page, total, data);
    let mut response = match version {
        Some(v) => {
            let key = format!("{}/{}/{total}/{v}", page.number, page.per_page);
            http_cache::cached_json_versioned(req, &envelope, &key, cache_control)?
        }
        None => http_cache::cached_json(req, &envelope, cache_control)?,
    };
    let link = header::HeaderValue::from_str(&link).map_err(|e| AppError::Internal(e.into()))?;
    response.headers_mut().insert(header::LINK, link);
    Ok(response)
}

fn link_header(req: &HttpRequest, public_url: &str, current: u32, total_pages: i64) -> String {
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let url_for = |n: i64| {
        let mut query: Vec<(&str, String)> = params
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        query.push(("page", n.to_string()));
        let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
        format!("{public_url}{}?{encoded}", req.path())
    };
    let current = i64::from(current);
    let last = total_pages.max(1);
    let mut links = vec![(1, "first")];
    if current > 1 {
        links.push(((current - 1).min(last), "prev"));
    }
    if current < last {
        links.push((current + 1, "next"));
    }
    links.push((last, "last"));
    links
        .into_iter()
        .map(|(n, rel)| format!("<{}>; rel=\"{rel}\"", url_for(n)))
        .collect::<Vec<_>>()
        .join(", ")
}
