//! The site's public settings: one row.

use diesel::prelude::*;

use crate::db::Conn;
use crate::db::models::{Site, SiteChanges};
use crate::db::schema::site;
use crate::error::AppError;

pub fn get(conn: &mut Conn) -> Result<Site, AppError> {
    Ok(site::table.find(1).select(Site::as_select()).first(conn)?)
}

pub fn update(conn: &mut Conn, mut changes: SiteChanges) -> Result<Site, AppError> {
    let now = super::now();
    changes.updated_at = Some(now);
    crate::db::write_transaction(conn, |conn| {
        let site: Site = diesel::update(site::table.find(1))
            .set(&changes)
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
