//! The site's public settings: what a frontend shows around the posts, and the gift.

use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use crate::auth::Admin;
use crate::db::models::Site;
use crate::domain::{
    HttpUrl, HttpUrlOrBlank, Line, PostUrlTemplate, Text, TokenUrlTemplate, parse_http_url,
};
use crate::error::{AppError, FieldErrors};
use crate::http_cache;
use crate::services::site::{self, SiteUpdate};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"title": "Video Training Blog", "description": "Short lessons, every week", "url": "https://blog.example.com",
    "gift": {"title": "Free video training", "description": "Get immediate access to our video training",
             "url": "https://blog.example.com/gift/video-training"},
    "comments_moderated": true, "post_url": "/posts/{slug}", "confirm_url": "/confirm.html?token={token}",
    "unsubscribe_url": "", "preview_url": "/preview.html?token={token}", "updated_at": "2026-11-25T10:00:00Z"}))]
pub struct SiteResponse {
    pub title: String,
    pub description: String,
    pub url: String,
    /// What a confirmed subscriber receives.
    pub gift: Gift,
    /// When true, new comments wait for moderation.
    pub comments_moderated: bool,
    /// Where the frontend shows a post (default `/posts/{slug}`): every post's `url`, and the
    /// links in feeds, sitemaps, newsletters and webhooks, come from it.
    pub post_url: String,
    /// Where the e-mailed confirmation link leads, `{token}` filled in; empty for the API's own
    /// `GET /api/v1/subscribers/confirm`.
    pub confirm_url: String,
    /// Where the unsubscribe link in e-mails leads, `{token}` filled in; empty for the API's own
    /// `GET /api/v1/subscribers/unsubscribe`. The `List-Unsubscribe` header always names the API.
    pub unsubscribe_url: String,
    /// Where draft preview links lead, `{token}` filled in; empty for the API's own
    /// `GET /api/v1/preview/{token}`.
    pub preview_url: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Gift {
    pub title: String,
    pub description: String,
    /// Where the gift is; empty until set.
    pub url: String,
}

impl From<Site> for SiteResponse {
    fn from(s: Site) -> SiteResponse {
        SiteResponse {
            title: s.title,
            description: s.description,
            url: s.url,
            gift: Gift {
                title: s.gift_title,
                description: s.gift_description,
                url: s.gift_url,
            },
            comments_moderated: s.comments_moderated,
            post_url: s.post_url,
            confirm_url: s.confirm_url,
            unsubscribe_url: s.unsubscribe_url,
            preview_url: s.preview_url,
            updated_at: crate::services::utc(s.updated_at),
        }
    }
}

/// Only the fields sent are changed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Video Training Blog", "gift": {"url": "https://blog.example.com/gift/video-training"}}))]
pub struct UpdateSiteRequest {
    /// One line, 1 to 200 characters.
    #[schema(value_type = Option<SiteTitle>, inline)]
    pub title: Option<String>,
    /// Up to 1000 characters.
    #[schema(value_type = Option<SiteDescription>, inline)]
    pub description: Option<String>,
    /// The public address of the site's frontend: an absolute http(s) URL.
    #[schema(value_type = Option<HttpUrl>, inline)]
    pub url: Option<String>,
    pub gift: Option<UpdateGiftRequest>,
    pub comments_moderated: Option<bool>,
    /// Where the frontend shows a post: a path under `url` or an absolute http(s) URL, with
    /// `{slug}` and/or `{id}` filled in (e.g. `/post.html?slug={slug}`).
    #[schema(value_type = Option<PostUrlTemplate>, inline)]
    pub post_url: Option<String>,
    /// The frontend's page for the e-mailed confirmation link, holding `{token}` (e.g.
    /// `/confirm.html?token={token}`); the page POSTs the token to
    /// `/api/v1/subscribers/confirm`. Empty for the API's own endpoint.
    #[schema(value_type = Option<TokenUrlTemplate>, inline)]
    pub confirm_url: Option<String>,
    /// The frontend's page for the e-mailed unsubscribe link, holding `{token}`; the page POSTs
    /// the token to `/api/v1/subscribers/unsubscribe`. Empty for the API's own endpoint.
    #[schema(value_type = Option<TokenUrlTemplate>, inline)]
    pub unsubscribe_url: Option<String>,
    /// The frontend's page for draft preview links, holding `{token}` (e.g.
    /// `/preview.html?token={token}`); the page reads `GET /api/v1/preview/{token}`. Empty for
    /// the API's own endpoint.
    #[schema(value_type = Option<TokenUrlTemplate>, inline)]
    pub preview_url: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGiftRequest {
    /// One line, up to 200 characters.
    #[schema(value_type = Option<GiftTitle>, inline)]
    pub title: Option<String>,
    /// Up to 1000 characters.
    #[schema(value_type = Option<SiteDescription>, inline)]
    pub description: Option<String>,
    /// An absolute http(s) URL, or an empty string for none.
    #[schema(value_type = Option<HttpUrlOrBlank>, inline)]
    pub url: Option<String>,
}

type SiteTitle = Line<1, 200>;
type SiteDescription = Text<0, 1000>;
type GiftTitle = Line<0, 200>;

fn text<const MIN: usize, const MAX: usize, const LINE: bool>(
    raw: String,
) -> Result<String, String> {
    Text::<MIN, MAX, LINE>::parse(&raw).map(Text::into_inner)
}

impl TryFrom<UpdateSiteRequest> for SiteUpdate {
    type Error = AppError;

    fn try_from(body: UpdateSiteRequest) -> Result<SiteUpdate, AppError> {
        let mut errors = FieldErrors::default();
        let mut check = |field: &str,
                         value: Option<String>,
                         parse: &dyn Fn(String) -> Result<String, String>| {
            value.and_then(|v| errors.check(field, parse(v)))
        };
        let gift = body.gift.unwrap_or_default();
        let changes = SiteUpdate {
            title: check("title", body.title, &text::<1, 200, true>),
            description: check("description", body.description, &text::<0, 1000, false>),
            url: check("url", body.url, &|u| parse_http_url(&u)),
            gift_title: check("gift.title", gift.title, &text::<0, 200, true>),
            gift_description: check(
                "gift.description",
                gift.description,
                &text::<0, 1000, false>,
            ),
            gift_url: check("gift.url", gift.url, &|u| site::parse_gift_url(&u)),
            comments_moderated: body.comments_moderated,
            post_url: check("post_url", body.post_url, &|u| PostUrlTemplate::parse(&u)),
            confirm_url: check("confirm_url", body.confirm_url, &|u| {
                TokenUrlTemplate::parse(&u)
            }),
            unsubscribe_url: check("unsubscribe_url", body.unsubscribe_url, &|u| {
                TokenUrlTemplate::parse(&u)
            }),
            preview_url: check("preview_url", body.preview_url, &|u| {
                TokenUrlTemplate::parse(&u)
            }),
        };
        errors.into_result()?;
        Ok(changes)
    }
}

/// The site's public settings. Cacheable: send `If-None-Match` with the last `ETag`.
#[utoipa::path(
    operation_id = "getSite",
    tag = "site",
    responses(
        (status = 200, description = "The site settings", body = SiteResponse,
            headers(("ETag" = String, description = "Entity tag of this answer"),
                    ("Cache-Control" = String, description = "How long caches may keep it"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
    )
)]
#[get("/site")]
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let site = crate::db::read_point(&state.db, site::get).await?;
    http_cache::cached_json(&req, &SiteResponse::from(site), http_cache::PUBLIC_MAX_AGE)
}

/// Changes site settings (admins only).
#[utoipa::path(
    operation_id = "updateSite",
    tag = "site",
    security(("bearer" = [])),
    request_body = UpdateSiteRequest,
    responses((status = 200, description = "The updated settings", body = SiteResponse))
)]
#[patch("/site")]
pub async fn update(
    _: Admin,
    state: web::Data<AppState>,
    body: Json<UpdateSiteRequest>,
) -> Result<HttpResponse, AppError> {
    let changes = body.convert(SiteUpdate::try_from)?;
    let site = crate::db::run(&state.db, move |c| site::update(c, changes)).await?;
    Ok(HttpResponse::Ok().json(SiteResponse::from(site)))
}
