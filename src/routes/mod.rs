//! HTTP only: each file translates requests for one resource into service calls and answers.
//! `api` registers every documented route; `fallback` turns unknown routes into 404 and known
//! paths with the wrong method into 405, both as problem+json.

pub mod api_keys;
pub mod auth;
pub mod comments;
pub mod contact;
pub mod extract;
pub mod feeds;
pub mod health;
pub mod media;
pub mod moving_in;
pub mod newsletters;
pub mod outbox;
pub mod pagination;
pub mod posts;
pub mod site;
pub mod site_files;
pub mod subscribers;
pub mod tags;
pub mod users;
pub mod webhooks;

use std::net::IpAddr;

use actix_web::dev::ResourceDef;
use actix_web::{HttpRequest, web};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::AppError;
use crate::state::AppState;

/// Every documented route. The OpenAPI document is collected from exactly these services.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(feeds::atom)
        .service(feeds::json_feed)
        .service(feeds::sitemap)
        .service(feeds::sitemap_part)
        .service(media::file)
        .service(
            scope("/api/v1")
                .service(auth::login)
                .service(auth::me)
                .service(api_keys::list)
                .service(api_keys::create)
                .service(api_keys::get)
                .service(api_keys::delete)
                .service(users::list)
                .service(users::create)
                .service(users::get)
                .service(users::update)
                .service(users::delete)
                .service(site::get)
                .service(site::update)
                .service(moving_in::blogger)
                .service(moving_in::wordpress)
                // `import` before `{post}` so the literal path wins.
                .service(posts::import)
                .service(posts::list)
                .service(posts::create)
                .service(posts::get)
                .service(posts::update)
                .service(posts::delete)
                .service(posts::revisions)
                .service(posts::create_preview_link)
                .service(posts::revoke_preview_links)
                .service(posts::preview)
                .service(comments::create)
                .service(comments::thread)
                // `bulk` before `{id}`.
                .service(comments::bulk)
                .service(comments::list)
                .service(comments::get)
                .service(comments::update)
                .service(comments::delete)
                // Literal paths before `{id}`.
                .service(subscribers::subscribe)
                .service(subscribers::confirm_get)
                .service(subscribers::confirm_post)
                .service(subscribers::unsubscribe_get)
                .service(subscribers::unsubscribe_post)
                .service(subscribers::export)
                .service(subscribers::list)
                .service(subscribers::delete)
                .service(contact::create)
                .service(contact::list)
                .service(contact::get)
                .service(contact::update)
                .service(contact::delete)
                .service(outbox::list)
                // `test` before `{id}`.
                .service(newsletters::test)
                .service(newsletters::create)
                .service(newsletters::list)
                .service(newsletters::get)
                .service(newsletters::cancel)
                .service(webhooks::list)
                .service(webhooks::create)
                .service(webhooks::get)
                .service(webhooks::update)
                .service(webhooks::delete)
                .service(webhooks::ping)
                .service(webhooks::deliveries)
                .service(webhooks::redeliver)
                .service(media::upload)
                .service(media::list)
                .service(media::get)
                .service(media::update)
                .service(media::delete)
                .service(tags::list)
                .service(tags::create)
                .service(tags::get)
                .service(tags::update)
                .service(tags::delete),
        );
}

/// The documented paths and their methods, for telling 405 from 404.
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<String>)>,
    literals: std::collections::HashMap<String, Vec<String>>,
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> RouteTable {
        let value = serde_json::to_value(&doc.paths).unwrap_or_default();
        let routes = value
            .as_object()
            .into_iter()
            .flatten()
            .map(|(path, item)| {
                let methods = ["get", "put", "post", "delete", "patch"]
                    .into_iter()
                    .filter(|m| item.get(*m).is_some())
                    .map(str::to_ascii_uppercase)
                    .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect::<Vec<(ResourceDef, Vec<String>)>>();
        let literals = routes
            .iter()
            .filter_map(|(def, methods)| {
                let pattern = def.pattern()?;
                (!pattern.contains('{')).then(|| (pattern.to_string(), methods.clone()))
            })
            .collect();
        RouteTable { routes, literals }
    }

    fn allowed(&self, path: &str) -> Option<&[String]> {
        self.literal(path).or_else(|| {
            self.routes
                .iter()
                .find(|(def, _)| def.is_match(path))
                .map(|(_, methods)| methods.as_slice())
        })
    }

    /// The methods of a documented path without parameters that is exactly `path`: such a path
    /// wins over a templated one (`/subscribers/confirm` over `/subscribers/{id}`). A map
    /// lookup: this runs on every request.
    fn literal(&self, path: &str) -> Option<&[String]> {
        self.literals.get(path).map(Vec::as_slice)
    }
}

/// Middleware: a method a literal path does not have is a 405 there, even when a templated
/// path of the same shape has it (`DELETE /subscribers/confirm` is not `DELETE /subscribers/{id}`).
pub async fn literal_paths(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let refused = req.app_data::<web::Data<RouteTable>>().and_then(|table| {
        let methods = table.literal(req.path())?;
        let method = req.method().as_str();
        (method != "OPTIONS" && !methods.iter().any(|m| m == method)).then(|| methods.to_vec())
    });
    match refused {
        Some(allow) => {
            let answer =
                actix_web::ResponseError::error_response(&AppError::MethodNotAllowed { allow });
            Ok(req.into_response(answer))
        }
        None => next.call(req).await.map(|r| r.map_into_boxed_body()),
    }
}

/// The default service: 405 with `Allow` for a known path, else 404.
pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, AppError> {
    Err(match routes.allowed(req.path()) {
        Some(methods) => AppError::MethodNotAllowed {
            allow: methods.to_vec(),
        },
        None => AppError::not_found(),
    })
}

/// The client's address: the peer, or the proxy-reported one when `BYLINE_TRUST_PROXY` is on.
pub fn client_ip(req: &HttpRequest, state: &AppState) -> IpAddr {
    let peer = req.peer_addr().map(|a| a.ip());
    let forwarded = state
        .settings
        .trust_proxy
        .then(|| {
            req.connection_info()
                .realip_remote_addr()
                .map(str::to_string)
        })
        .flatten()
        .and_then(|s| {
            s.parse::<IpAddr>()
                .ok()
                .or_else(|| s.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        });
    forwarded
        .or(peer)
        .unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED))
}
