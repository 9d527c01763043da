//! Feeds for readers and crawlers: Atom 1.0, JSON Feed 1.1 and a sitemap, with live posts only.

use actix_web::{HttpRequest, HttpResponse, get, web};
use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::json;

use crate::db::models::Site;
use crate::domain::{Page, Paging};
use crate::error::AppError;
use crate::http_cache;
use crate::services::posts::{self, PostFilter, PostView, Viewer};
use crate::services::site::PostUrls;
use crate::services::{self, site};
use crate::state::AppState;

const FEED_SIZE: u32 = 20;

async fn latest(state: &AppState) -> Result<(Site, Vec<PostView>), AppError> {
    let now = services::now();
    crate::db::read(&state.db, move |c| {
        let site = site::get(c)?;
        let page = Paging::Page(Page {
            number: 1,
            per_page: FEED_SIZE,
        });
        let latest = posts::list(
            c,
            &Viewer::Public,
            &PostFilter {
                bodies: true,
                ..PostFilter::default()
            },
            &page,
            None, // the first page only: never deep
            now,
        )?;
        Ok((site, latest.views))
    })
    .await
}

fn fixed(t: chrono::NaiveDateTime) -> DateTime<FixedOffset> {
    services::utc(t).fixed_offset()
}

fn link(href: String, rel: &str, mime: Option<&str>) -> Link {
    let mut l = Link::default();
    l.set_href(href);
    l.set_rel(rel.to_string());
    l.set_mime_type(mime.map(str::to_string));
    l
}

/// The latest posts as an Atom 1.0 feed.
#[utoipa::path(
    operation_id = "atomFeed",
    tag = "feeds",
    responses(
        (status = 200, description = "Atom 1.0", content_type = "application/atom+xml", body = String,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
    )
)]
#[get("/feed.atom")]
pub async fn atom(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (site, views) = latest(&state).await?;
    let self_url = format!("{}/feed.atom", state.public_url);
    let mut feed = Feed::default();
    feed.set_title(site.title.as_str());
    feed.set_subtitle(Some(Text::plain(site.description.clone())));
    feed.set_id(self_url.clone());
    feed.set_updated(
        views
            .iter()
            .map(|v| fixed(v.post.updated_at))
            .max()
            .unwrap_or_else(|| fixed(site.updated_at)),
    );
    feed.set_links(vec![
        link(self_url, "self", Some("application/atom+xml")),
        link(site.url.clone(), "alternate", Some("text/html")),
    ]);
    feed.set_entries(
        views
            .into_iter()
            .map(|v| {
                let p = v.post;
                let mut entry = Entry::default();
                entry.set_title(p.title.as_str());
                entry.set_id(format!("urn:uuid:{}", p.id));
                entry.set_updated(fixed(p.updated_at));
                entry.set_published(p.published_at.map(fixed));
                entry.set_links(vec![link(v.url, "alternate", Some("text/html"))]);
                entry.set_summary(Some(Text::plain(p.excerpt)));
                let mut content = Content::default();
                content.set_content_type(Some("html".to_string()));
                content.set_value(Some(p.html));
                entry.set_content(Some(content));
                let mut author = Person::default();
                author.set_name(v.author_name);
                entry.set_authors(vec![author]);
                entry
            })
            .collect::<Vec<_>>(),
    );
    let body = feed.to_string().into_bytes();
    Ok(http_cache::cached(
        &req,
        body,
        "application/atom+xml; charset=utf-8",
        http_cache::PUBLIC_MAX_AGE,
    ))
}

/// The latest posts as a JSON Feed 1.1.
#[utoipa::path(
    operation_id = "jsonFeed",
    tag = "feeds",
    responses(
        (status = 200, description = "JSON Feed 1.1", content_type = "application/feed+json", body = Object,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
    )
)]
#[get("/feed.json")]
pub async fn json_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    #[derive(Serialize)]
    struct Item {
        id: String,
        url: String,
        title: String,
        content_html: String,
        summary: String,
        date_published: Option<String>,
        date_modified: String,
        authors: Vec<serde_json::Value>,
        tags: Vec<String>,
    }
    let (site, views) = latest(&state).await?;
    let items: Vec<Item> = views
        .into_iter()
        .map(|v| {
            let p = v.post;
            Item {
                url: v.url,
                id: p.id,
                title: p.title,
                content_html: p.html,
                summary: p.excerpt,
                date_published: p.published_at.map(|t| services::utc(t).to_rfc3339()),
                date_modified: services::utc(p.updated_at).to_rfc3339(),
                authors: vec![json!({"name": v.author_name})],
                tags: v.tags.into_iter().map(|t| t.name).collect(),
            }
        })
        .collect();
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.title,
        "description": site.description,
        "home_page_url": site.url,
        "feed_url": format!("{}/feed.json", state.public_url),
        "items": items,
    });
    let body = serde_json::to_vec(&feed).map_err(|e| AppError::Internal(e.into()))?;
    Ok(http_cache::cached(
        &req,
        body,
        "application/feed+json",
        http_cache::PUBLIC_MAX_AGE,
    ))
}

/// One sitemap file: which live posts it lists (by position, oldest first) and whether the
/// site's home page comes first.
#[derive(Debug, Clone, Copy)]
struct SitemapFile {
    home: bool,
    offset: i64,
    count: i64,
}

/// The posts of file `n` (from 1) when `max` URLs fit in one file: the first file lists the
/// home page and `max - 1` posts, each later one `max` posts.
fn sitemap_file(n: i64, max: i64) -> SitemapFile {
    match n {
        1 => SitemapFile {
            home: true,
            offset: 0,
            count: max - 1,
        },
        _ => SitemapFile {
            home: false,
            offset: (n - 1) * max - 1,
            count: max,
        },
    }
}

/// How many sitemap files `live` posts and the home page need.
fn sitemap_files(live: i64, max: i64) -> i64 {
    (live + 1 + max - 1) / max
}

/// Rows per database read while a sitemap streams.
const SITEMAP_CHUNK: i64 = 1000;

fn w3c(t: chrono::NaiveDateTime) -> String {
    services::utc(t).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn sitemap_url(loc: &str, lastmod: &str) -> String {
    format!(
        "  <url><loc>{}</loc><lastmod>{lastmod}</lastmod></url>\n",
        quick_xml::escape::escape(loc)
    )
}

const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// A `urlset` streamed from the database a chunk at a time, never held whole in memory.
fn stream_urlset(
    state: web::Data<AppState>,
    site_url: String,
    urls: PostUrls,
    file: SitemapFile,
    latest: String,
    now: chrono::NaiveDateTime,
) -> impl futures_util::Stream<Item = Result<web::Bytes, AppError>> {
    struct Walk {
        last: Option<posts::LiveEntry>,
        left: i64,
        head: bool,
    }
    let start = Walk {
        last: None,
        left: file.count,
        head: true,
    };
    futures_util::stream::unfold(Some(start), move |walk| {
        let state = state.clone();
        let site_url = site_url.clone();
        let urls = urls.clone();
        let latest = latest.clone();
        async move {
            let mut walk = walk?;
            if walk.head {
                walk.head = false;
                let mut xml = format!("{XML_HEAD}<urlset xmlns=\"{SITEMAP_NS}\">\n");
                if file.home {
                    xml.push_str(&sitemap_url(&site_url, &latest));
                }
                return Some((Ok(web::Bytes::from(xml)), Some(walk)));
            }
            if walk.left <= 0 {
                return Some((Ok(web::Bytes::from_static(b"</urlset>\n")), None));
            }
            let after = walk.last.take();
            let limit = walk.left.min(SITEMAP_CHUNK);
            let read = crate::db::read_slow(&state.db, move |c| {
                posts::live_entries(c, now, after.as_ref(), file.offset, limit)
            })
            .await;
            let rows = match read {
                Ok(rows) => rows,
                Err(e) => return Some((Err(e), None)),
            };
            walk.left = if (rows.len() as i64) < limit {
                0
            } else {
                walk.left - limit
            };
            let mut xml = String::with_capacity(rows.len() * 120);
            for row in &rows {
                xml.push_str(&sitemap_url(
                    &urls.post(&row.slug, &row.id),
                    &w3c(row.updated_at),
                ));
            }
            walk.last = rows.into_iter().last();
            if walk.last.is_none() {
                walk.left = 0;
            }
            Some((Ok(web::Bytes::from(xml)), Some(walk)))
        }
    })
}

/// A sitemap answer: `304` when the ETag still holds, else the body as it streams.
fn sitemap_answer(
    req: &HttpRequest,
    version: String,
    body: impl futures_util::Stream<Item = Result<web::Bytes, AppError>> + 'static,
) -> HttpResponse {
    let etag = http_cache::etag_of(version.as_bytes());
    let fresh = http_cache::not_modified(req, &etag);
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((actix_web::http::header::ETAG, etag))
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            http_cache::PUBLIC_MAX_AGE,
        ))
        .content_type("application/xml; charset=utf-8");
    if fresh {
        return response.finish();
    }
    response.streaming(body)
}

/// What every sitemap answer depends on: the site, the live posts' count and latest change.
async fn sitemap_state(
    state: &web::Data<AppState>,
    now: chrono::NaiveDateTime,
) -> Result<(Site, i64, String), AppError> {
    let (site, (live, latest)) = crate::db::read(&state.db, move |c| {
        Ok((site::get(c)?, posts::live_summary(c, now)?))
    })
    .await?;
    let latest = w3c(latest.unwrap_or(site.updated_at).max(site.updated_at));
    Ok((site, live, latest))
}

/// Every live post, for search engines: one sitemap, or past `BYLINE_SITEMAP_MAX_URLS` (50,000,
/// the sitemaps.org limit) a sitemap index of `/sitemap-posts-N.xml` files. Streamed.
#[utoipa::path(
    operation_id = "sitemap",
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemap (sitemaps.org 0.9), or a sitemap index of `/sitemap-posts-N.xml` files when the site has more URLs than one sitemap may list", content_type = "application/xml", body = String,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
    )
)]
#[get("/sitemap.xml")]
pub async fn sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let now = services::now();
    let (site, live, latest) = sitemap_state(&state, now).await?;
    let max = i64::from(state.settings.sitemap_max_urls);
    let files = sitemap_files(live, max);
    let version = format!(
        "sitemap/{}/{}/{live}/{latest}/{max}",
        site.url, site.post_url
    );
    if files <= 1 {
        let file = SitemapFile {
            home: true,
            offset: 0,
            count: live,
        };
        let urls = PostUrls::of(&site);
        let body = stream_urlset(state.clone(), site.url, urls, file, latest, now);
        return Ok(sitemap_answer(&req, version, body));
    }
    let mut xml = format!("{XML_HEAD}<sitemapindex xmlns=\"{SITEMAP_NS}\">\n");
    for n in 1..=files {
        xml.push_str(&format!(
            "  <sitemap><loc>{}</loc><lastmod>{latest}</lastmod></sitemap>\n",
            quick_xml::escape::escape(format!("{}/sitemap-posts-{n}.xml", state.public_url))
        ));
    }
    xml.push_str("</sitemapindex>\n");
    let body = futures_util::stream::once(async move { Ok(web::Bytes::from(xml)) });
    Ok(sitemap_answer(&req, version, body))
}

/// One file of the sitemap index: at most `BYLINE_SITEMAP_MAX_URLS` URLs, oldest posts first,
/// every entry with `lastmod`. Streamed.
#[utoipa::path(
    operation_id = "sitemapFile",
    tag = "feeds",
    params(("n" = u32, Path, minimum = 1, description = "The file's number, from 1, as `/sitemap.xml` lists it")),
    responses(
        (status = 200, description = "A sitemap (sitemaps.org 0.9)", content_type = "application/xml", body = String,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
    )
)]
#[get("/sitemap-posts-{n}.xml")]
pub async fn sitemap_part(
    req: HttpRequest,
    state: web::Data<AppState>,
    n: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let n: i64 = n
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(AppError::not_found)?;
    let now = services::now();
    let (site, live, latest) = sitemap_state(&state, now).await?;
    let max = i64::from(state.settings.sitemap_max_urls);
    let files = sitemap_files(live, max);
    if files <= 1 || n > files {
        return Err(AppError::not_found());
    }
    let version = format!(
        "sitemap-{n}/{}/{}/{live}/{latest}/{max}",
        site.url, site.post_url
    );
    let urls = PostUrls::of(&site);
    let body = stream_urlset(
        state.clone(),
        site.url,
        urls,
        sitemap_file(n, max),
        latest,
        now,
    );
    Ok(sitemap_answer(&req, version, body))
}
