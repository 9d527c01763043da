//! The site's public settings: one row.

use diesel::prelude::*;

use crate::db::Conn;
use crate::db::models::Site;
use crate::db::schema::site;
use crate::error::AppError;

pub fn get(conn: &mut Conn) -> Result<Site, AppError> {
    Ok(site::table.find(1).select(Site::as_select()).first(conn)?)
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
            .returning(Site::as_returning())
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

/// On first start the site's URL is the configured public URL.
pub fn default_url(conn: &mut Conn, public_url: &str) -> Result<(), AppError> {
    diesel::update(site::table.filter(site::url.eq("")))
        .set(site::url.eq(public_url))
        .execute(conn)?;
    Ok(())
}

/// Where a post lives on the site's frontend.
pub fn post_url(site_url: &str, slug: &str) -> String {
    format!("{}/posts/{slug}", site_url.trim_end_matches('/'))
}
