//! The one way collections answer: `{data, meta}` plus an RFC 8288 `Link` header.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{CursorQuery, Listing, Page, PageQuery, Paging};
use crate::error::AppError;
use crate::http_cache;

#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub data: Vec<T>,
    pub meta: PageMeta,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"page": 1, "per_page": 20, "total": 137, "total_pages": 7, "next_cursor": "WyItcHVibGlzaGVkX2F0IiwiMjAyNi0xMS0wMVQwOTowMDowMCIsIjAxOTNhIl0"}))]
pub struct PageMeta {
    /// The page number; absent when the page was asked for by `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    pub per_page: u32,
    pub total: i64,
    pub total_pages: i64,
    /// Present when another page follows: send it as `cursor` for that page (keyset paging).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Present (and true) when `total` is a lower bound: a search matched more posts than it ranks.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total_is_lower_bound: bool,
}

/// A page in range, or a 400 naming the bad parameter.
pub fn page(query: &PageQuery) -> Result<Page, AppError> {
    Page::parse(query).map_err(AppError::BadRequest)
}

/// Where the asked-for page starts: a cursor, else a page number; or a 400 naming what is wrong.
pub fn paging(page_query: &PageQuery, cursor: &CursorQuery) -> Result<Paging, AppError> {
    Paging::at(page(page_query)?, cursor.cursor.as_deref()).map_err(AppError::BadRequest)
}

impl Listing {
    fn meta(&self) -> PageMeta {
        let per_page = self.paging.per_page();
        PageMeta {
            page: match &self.paging {
                Paging::Page(p) => Some(p.number),
                Paging::After { .. } => None,
            },
            per_page,
            total: self.total,
            total_pages: (self.total + i64::from(per_page) - 1) / i64::from(per_page),
            next_cursor: self.next_cursor.clone(),
            total_is_lower_bound: self.total_is_lower_bound,
        }
    }

    /// What the ETag of this page depends on besides its items.
    fn cache_key(&self) -> String {
        let position = match &self.paging {
            Paging::Page(p) => p.number.to_string(),
            Paging::After { cursor, .. } => cursor.encode(),
        };
        let meta = self.meta();
        format!(
            "{position}/{}/{}/{}/{}",
            meta.per_page,
            meta.total,
            meta.total_is_lower_bound,
            meta.next_cursor.unwrap_or_default()
        )
    }
}

/// `200` with the envelope and `Link` (first, last, and prev/next where they exist).
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    public_url: &str,
    listing: &Listing,
    data: Vec<T>,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::LINK, link_header(req, public_url, listing)))
        .json(Paginated {
            data,
            meta: listing.meta(),
        })
}

/// As `respond`, with an ETag and `Cache-Control`; `If-None-Match` gets a `304`. With
/// `version` (what the items' bodies depend on), the ETag comes from it instead of the body.
pub fn respond_cached<T: Serialize>(
    req: &HttpRequest,
    public_url: &str,
    listing: &Listing,
    data: Vec<T>,
    cache_control: &str,
    version: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let link = link_header(req, public_url, listing);
    let envelope = Paginated {
        data,
        meta: listing.meta(),
    };
    let mut response = match version {
        Some(v) => {
            let key = format!("{}/{v}", listing.cache_key());
            http_cache::cached_json_versioned(req, &envelope, &key, cache_control)?
        }
        None => http_cache::cached_json(req, &envelope, cache_control)?,
    };
    let link = header::HeaderValue::from_str(&link).map_err(|e| AppError::Internal(e.into()))?;
    response.headers_mut().insert(header::LINK, link);
    Ok(response)
}

/// RFC 8288 links: first, prev and last by page number (by cursor: first), and next.
fn link_header(req: &HttpRequest, public_url: &str, listing: &Listing) -> String {
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let url_with = |position: Option<(&str, String)>| {
        let mut query: Vec<(&str, String)> = params
            .iter()
            .filter(|(k, _)| k != "page" && k != "cursor")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        query.extend(position);
        let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
        format!("{public_url}{}?{encoded}", req.path())
    };
    let meta = listing.meta();
    let mut links: Vec<(String, &str)> = Vec::new();
    match meta.page {
        Some(current) => {
            let page = |n: i64| url_with(Some(("page", n.to_string())));
            let current = i64::from(current);
            let last = meta.total_pages.max(1);
            links.push((page(1), "first"));
            if current > 1 {
                links.push((page((current - 1).min(last)), "prev"));
            }
            // The next page by cursor where there is one: a client following links walks the
            // index at the same cost at any depth.
            match &meta.next_cursor {
                Some(cursor) => links.push((url_with(Some(("cursor", cursor.clone()))), "next")),
                None if current < last => links.push((page(current + 1), "next")),
                None => {}
            }
            links.push((page(last), "last"));
        }
        None => {
            links.push((url_with(None), "first"));
            if let Some(cursor) = meta.next_cursor {
                links.push((url_with(Some(("cursor", cursor))), "next"));
            }
        }
    }
    links
        .into_iter()
        .map(|(url, rel)| format!("<{url}>; rel=\"{rel}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
