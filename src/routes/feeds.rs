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
use crate::services::site::post_url;
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
        let latest = posts::list(c, &Viewer::Public, &PostFilter::default(), &page, now)?;
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
                entry.set_links(vec![link(
                    post_url(&site.url, &p.slug),
                    "alternate",
                    Some("text/html"),
                )]);
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
                url: post_url(&site.url, &p.slug),
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

/// Every live post, for search engines.
#[utoipa::path(
    operation_id = "sitemap",
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemap (sitemaps.org 0.9)", content_type = "application/xml", body = String,
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
    let (site, slugs) = crate::db::read_slow(&state.db, move |c| {
        Ok((site::get(c)?, posts::live_slugs(c, now)?))
    })
    .await?;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut add = |loc: &str, lastmod: Option<String>| {
        xml.push_str("  <url><loc>");
        xml.push_str(&quick_xml::escape::escape(loc));
        xml.push_str("</loc>");
        if let Some(m) = lastmod {
            xml.push_str("<lastmod>");
            xml.push_str(&m);
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    };
    add(&site.url, None);
    for (slug, updated) in slugs {
        add(
            &post_url(&site.url, &slug),
            Some(
                services::utc(updated)
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string(),
            ),
        );
    }
    xml.push_str("</urlset>\n");
    Ok(http_cache::cached(
        &req,
        xml.into_bytes(),
        "application/xml; charset=utf-8",
        http_cache::PUBLIC_MAX_AGE,
    ))
}
