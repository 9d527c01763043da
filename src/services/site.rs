//! The site's public settings: one row.

use diesel::prelude::*;

use crate::db::Conn;
use crate::db::models::Site;
use crate::db::schema::site;
use crate::error::AppError;

pub fn get(conn: &mut Conn) -> Result<Site, AppError> {
    Ok(crate::db::on_inner!(conn, |c| site::table
        .find(1)
        .select(Site::as_select())
        .first(c))?)
}

/// The settings to change; `None` leaves one alone. Each value already valid.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = site)]
pub struct SiteUpdate {
    pub title: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub gift_title: Option<String>,
    pub gift_description: Option<String>,
    pub gift_url: Option<String>,
    pub comments_moderated: Option<bool>,
    pub post_url: Option<String>,
    pub confirm_url: Option<String>,
    pub unsubscribe_url: Option<String>,
    pub preview_url: Option<String>,
}

/// The gift's address: an absolute http(s) URL, or empty for none.
pub fn parse_gift_url(raw: &str) -> Result<String, String> {
    crate::domain::HttpUrlOrBlank::parse(raw)
}

pub fn update(conn: &mut Conn, changes: SiteUpdate) -> Result<Site, AppError> {
    let now = super::now();
    crate::db::write_transaction(conn, |conn| {
        let site: Site = diesel::update(site::table.find(1))
            .set((&changes, site::updated_at.eq(now)))
            .returning(crate::db::columns::<Site>())
            .get_result(conn)?;
        super::webhooks::emit(
            conn,
            crate::domain::WebhookEvent::SiteUpdated,
            serde_json::json!({"title": site.title, "url": site.url}),
            now,
        )?;
        Ok(site)
    })
}

/// Where the frontend served at `/` shows posts and the e-mailed links' pages.
#[derive(Debug, Clone, Copy)]
pub struct FrontendPages {
    pub post_url: &'static str,
    pub confirm_url: &'static str,
    pub unsubscribe_url: &'static str,
    pub preview_url: &'static str,
}

/// The pages of the example blog built into the binary.
pub const EXAMPLE_BLOG: FrontendPages = FrontendPages {
    post_url: "/post.html?slug={slug}",
    confirm_url: "/confirm.html?token={token}",
    unsubscribe_url: "/unsubscribe.html?token={token}",
    preview_url: "/preview.html?token={token}",
};

/// On first start the site's URL is the configured public URL, and posts and the e-mailed
/// links lead to the pages of the frontend `/` serves, when it is known (else the defaults:
/// `/posts/{slug}` and the API's own endpoints).
pub fn default_url(
    conn: &mut Conn,
    public_url: &str,
    pages: Option<FrontendPages>,
) -> Result<(), AppError> {
    let first_start = site::table.filter(site::url.eq(""));
    match pages {
        Some(p) => diesel::update(first_start)
            .set((
                site::url.eq(public_url),
                site::post_url.eq(p.post_url),
                site::confirm_url.eq(p.confirm_url),
                site::unsubscribe_url.eq(p.unsubscribe_url),
                site::preview_url.eq(p.preview_url),
            ))
            .execute(conn)?,
        None => diesel::update(first_start)
            .set(site::url.eq(public_url))
            .execute(conn)?,
    };
    Ok(())
}

/// Where posts live on the site's frontend: its URL and its `post_url` template.
#[derive(Debug, Clone)]
pub struct PostUrls {
    base: String,
    template: String,
}

impl PostUrls {
    pub fn of(site: &Site) -> PostUrls {
        PostUrls::new(&site.url, site.post_url.clone())
    }

    /// From the site's `url` and `post_url` template.
    pub fn new(site_url: &str, template: String) -> PostUrls {
        PostUrls {
            base: site_url.trim_end_matches('/').to_string(),
            template,
        }
    }

    /// A post's public URL: the template with its slug and id filled in, under the site's URL
    /// when the template is a path.
    pub fn post(&self, slug: &str, id: &str) -> String {
        let filled = self.template.replace("{slug}", slug).replace("{id}", id);
        crate::domain::url_under(&self.base, filled)
    }
}

/// The site's `PostUrls`: one read of the one-row table.
pub fn post_urls(conn: &mut Conn) -> Result<PostUrls, AppError> {
    Ok(PostUrls::of(&get(conn)?))
}
