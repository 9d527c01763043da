//! Wires the application once, for `byline serve` and for tests alike: migrate, bootstrap, bind
//! (port 0 allowed), start the jobs, and serve.

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::{Compress, Condition, from_fn};
use actix_web::{App, HttpServer, http, web};
use anyhow::Context;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::auth::{Authenticator, JwtKeys};
use crate::config::{Settings, SiteSource};
use crate::db::{self, Db};
use crate::http_cache::micro::{self, PublicCache};
use crate::jobs::{self, Jobs, RetryPolicy};
use crate::mail::sender::Mailer;
use crate::media_store::MediaStore;
use crate::routes::{self, RouteTable, extract};
use crate::services;
use crate::state::AppState;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    jobs: Jobs,
}

impl Application {
    /// Migrates the database, creates the first admin if needed, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let path = settings.database_url.clone();
        // Create the file, switch it to WAL and migrate it before the pool opens connections.
        let migrate_path = path.clone();
        let ran = web::block(move || db::migrate(&mut db::connect(&migrate_path)?)).await??;
        if ran > 0 {
            log::info!("applied {ran} database migration(s)");
        }
        let budget = std::time::Duration::from_millis(settings.statement_timeout_ms);
        let pool = db::pool(&path, settings.db_pool_size, false, budget)?;
        let readers = db::pool(&path, settings.db_readers, true, budget)?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("BYLINE_BIND: cannot listen on {}", settings.bind))?;
        let address = listener.local_addr()?;
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"));
        let jwt_secret = prepare_database(&settings, &public_url).await?;

        let db = Db::new(pool, readers, budget);
        let jobs = build_jobs(&db, &settings, &public_url)?;
        if settings.run_jobs {
            jobs.spawn();
        }
        let authenticator = web::Data::new(Authenticator {
            db: db.clone(),
            jwt: JwtKeys::new(jwt_secret.as_bytes(), settings.jwt_ttl_seconds),
        });
        let horizon_db = db.clone();
        // Names this process to the other nodes of a PostgreSQL site.
        let node = uuid::Uuid::new_v4().to_string();
        let public_cache = web::Data::new(PublicCache::new(
            std::time::Duration::from_millis(settings.public_cache_ms),
            after_write(&db, &settings, &node, jobs.wake()),
            Box::new(move |after| {
                let db = horizon_db.clone();
                Box::pin(async move {
                    db::read_point(&db, move |c| services::posts::next_publication(c, after))
                        .await
                        .map_err(|_| ())
                })
            }),
        ));
        hear_other_nodes(&settings, node, &public_cache, jobs.wake());
        let media = MediaStore::open(&settings.media_store, &settings.s3)?;
        let state = web::Data::new(AppState::new(db, media, settings, public_url));
        let doc = crate::openapi::document();
        let route_table = web::Data::new(RouteTable::from_openapi(&doc));
        // Served from bytes made once: held as a document by each worker (as Swagger UI's own
        // route does), it took 4 MiB a worker and was serialized again for every request.
        let doc_json = web::Data::new(OpenApiJson(web::Bytes::from(
            serde_json::to_vec(&doc).unwrap_or_default(),
        )));
        drop(doc);
        let deep_pages = web::Data::new(services::posts::DeepPages::default());
        let (warm_db, warm_pages) = (state.db.clone(), deep_pages.clone());
        tokio::spawn(async move {
            let now = chrono::Utc::now().naive_utc();
            if let Err(e) = db::read_slow(&warm_db, move |c| warm_pages.warm(c, now)).await {
                log::warn!("deep pages: the kept keys could not be read at start-up: {e}");
            }
        });

        let shared = state.clone();
        let client_timeout_ms = state.settings.client_timeout_ms;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(micro::microcache))
                .wrap(from_fn(crate::error::problems_everywhere))
                .wrap(from_fn(routes::literal_paths))
                .wrap(Compress::default())
                .wrap(Condition::new(
                    !state.settings.cors_origins.is_empty(),
                    cors(&state.settings.cors_origins),
                ))
                .wrap(from_fn(crate::security_headers::add))
                .wrap(from_fn(crate::telemetry::request_id_and_log))
                .app_data(state.clone())
                .app_data(authenticator.clone())
                .app_data(public_cache.clone())
                .app_data(route_table.clone())
                .app_data(deep_pages.clone())
                .app_data(extract::query_config())
                .app_data(extract::path_config())
                .into_utoipa_app()
                .configure(routes::api)
                .into_app()
                .app_data(doc_json.clone())
                .service(
                    web::resource("/openapi.json")
                        .route(web::get().to(openapi_document))
                        .route(web::head().to(openapi_document)),
                )
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        // The default validator badge calls an external host.
                        .config(Config::new(["/openapi.json"]).validator_url("none")),
                )
                .service(web::redirect("/docs", "/docs/"))
                .configure(|cfg| {
                    if let SiteSource::Dir(dir) = &state.settings.site {
                        cfg.service(
                            actix_files::Files::new("/", dir)
                                .index_file("index.html")
                                .use_etag(true)
                                .path_filter(inside(dir))
                                .default_handler(web::to(routes::fallback)),
                        );
                    }
                })
                .default_service(match state.settings.site {
                    SiteSource::Embedded => web::to(routes::site_files::embedded),
                    _ => web::to(routes::fallback),
                })
        })
        .listen(listener)?
        // Slow or stalled clients are cut off instead of holding a connection forever.
        .client_request_timeout(std::time::Duration::from_millis(client_timeout_ms))
        .client_disconnect_timeout(std::time::Duration::from_secs(2))
        .shutdown_timeout(10)
        .run();
        log::info!("Byline listening on http://{address}");
        let shown = &shared.public_url;
        match &shared.settings.site {
            SiteSource::None => {}
            SiteSource::Embedded => log::info!("the example blog: {shown}/"),
            SiteSource::Dir(dir) => log::info!("the site in {}: {shown}/", dir.display()),
        }
        log::info!("API documentation: {shown}/docs/ (OpenAPI document: {shown}/openapi.json)");
        Ok(Application {
            port: address.port(),
            server,
            state: shared,
            jobs,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// What the handlers share.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The background jobs (tests drain the queues through them).
    pub fn jobs(&self) -> Jobs {
        self.jobs.clone()
    }

    /// A handle to stop the server gracefully (as SIGTERM does).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM; in-flight requests get up to 10 seconds to finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// After a successful write: this node's jobs wake, and on PostgreSQL the other nodes hear of it.
fn after_write(
    db: &Db,
    settings: &Settings,
    node: &str,
    wake: std::sync::Arc<tokio::sync::Notify>,
) -> micro::AfterWrite {
    let postgres = db::DatabaseUrl::parse(&settings.database_url).is_postgres();
    let (db, node) = (db.clone(), node.to_string());
    Box::new(move || {
        wake.notify_waiters();
        if postgres {
            let (db, node) = (db.clone(), node.clone());
            actix_web::rt::spawn(async move {
                let told = db::run(&db, move |c| db::changes::announce(c, &node)).await;
                if let Err(e) = told {
                    log::warn!("could not tell the other nodes of a write: {e}");
                }
            });
        }
    })
}

/// On PostgreSQL: another node's write empties this node's cached answers and wakes its jobs,
/// until this server is gone.
fn hear_other_nodes(
    settings: &Settings,
    node: String,
    cache: &web::Data<PublicCache>,
    wake: std::sync::Arc<tokio::sync::Notify>,
) {
    let serving = std::sync::Arc::downgrade(&cache.clone().into_inner());
    let changed = serving.clone();
    db::changes::listen(
        &settings.database_url,
        node,
        move || {
            if let Some(cache) = changed.upgrade() {
                cache.clear();
                wake.notify_waiters();
            }
        },
        move || serving.strong_count() == 0,
    );
}

/// The JWT secret, the first admin, the site's URL and claims left by the last stop, on
/// start-up's own connection (outside the requests' time budget, which may be tiny) and one node
/// at a time. Returns the JWT secret.
async fn prepare_database(settings: &Settings, public_url: &str) -> anyhow::Result<String> {
    let settings = settings.clone();
    let public_url = public_url.to_string();
    let secret = actix_web::web::block(move || -> anyhow::Result<String> {
        let mut conn = db::connect(&settings.database_url)?;
        db::one_node_at_a_time(&mut conn, |conn| prepare(conn, &settings, &public_url))
    })
    .await??;
    Ok(secret)
}

fn prepare(conn: &mut db::Conn, settings: &Settings, public_url: &str) -> anyhow::Result<String> {
    let secret = match &settings.jwt_secret {
        Some(secret) => secret.clone(),
        None => {
            let (secret, created) = services::secrets::jwt_secret(conn)?;
            if created {
                log::info!(
                    "BYLINE_JWT_SECRET is not set: generated a secret and stored it in the database"
                );
            } else {
                log::info!("BYLINE_JWT_SECRET is not set: using the secret stored in the database");
            }
            secret
        }
    };
    let admin = services::users::bootstrap_admin(
        conn,
        settings.admin_email.as_deref(),
        settings.admin_password.as_deref(),
    )?;
    match admin {
        Some((email, Some(password))) => log::warn!(
            "created the first admin {email} with the password {password} (shown once; change it)"
        ),
        Some((email, None)) => log::info!("created the first admin {email}"),
        None => {}
    }
    let pages = (settings.site == crate::config::SiteSource::Embedded)
        .then_some(services::site::EXAMPLE_BLOG);
    services::site::default_url(conn, public_url, pages)?;
    let released = db::queue::release_claims(conn, services::now())?;
    if released > 0 {
        log::warn!(
            "{released} e-mail or webhook deliveries were cut short by the last stop; sending them again"
        );
    }
    Ok(secret)
}

/// Only files whose real path (symlinks followed) lies inside `dir`: a link in the site folder
/// cannot serve the rest of the disk.
fn inside(
    dir: &std::path::Path,
) -> impl Fn(&std::path::Path, &actix_web::dev::RequestHead) -> bool + 'static {
    let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    move |path, _| match root.join(path).canonicalize() {
        Ok(real) => real.starts_with(&root),
        // Not there: the site's 404 answers.
        Err(_) => true,
    }
}

/// The job kinds with what each needs from the settings.
fn build_jobs(db: &Db, settings: &Settings, public_url: &str) -> anyhow::Result<Jobs> {
    let retry = |max_attempts, base_ms| RetryPolicy {
        max_attempts,
        base: std::time::Duration::from_millis(base_ms),
        lease: std::time::Duration::from_secs(settings.job_lease_seconds),
    };
    let mailer = || {
        Mailer::new(
            settings.smtp_url.as_deref(),
            &settings.mail_from,
            settings.mail_dir.as_deref(),
        )
    };
    Ok(Jobs::new(
        jobs::mail::MailJob::new(
            db.clone(),
            mailer()?,
            retry(settings.mail_max_attempts, settings.mail_retry_base_ms),
        ),
        jobs::newsletters::NewsletterJob::new(
            db.clone(),
            mailer()?,
            retry(settings.mail_max_attempts, settings.mail_retry_base_ms),
            crate::mail::Links::new(public_url, settings.site != SiteSource::None),
            public_url.to_string(),
            jobs::newsletters::Pace::new(settings.newsletter_per_second),
        ),
        jobs::webhooks::WebhookJob::new(
            db.clone(),
            settings.webhooks_allow_private,
            retry(
                settings.webhook_max_attempts,
                settings.webhook_retry_base_ms,
            ),
        )?,
        jobs::scheduler::Scheduler::new(db.clone()),
    ))
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            http::header::AUTHORIZATION,
            http::header::CONTENT_TYPE,
            http::header::IF_MATCH,
            http::header::IF_NONE_MATCH,
            http::header::HeaderName::from_static("idempotency-key"),
            crate::telemetry::REQUEST_ID,
        ])
        .expose_headers([
            http::header::ETAG,
            http::header::LINK,
            http::header::LOCATION,
            http::header::RETRY_AFTER,
            crate::telemetry::REQUEST_ID,
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// The OpenAPI document, serialized once at start-up.
struct OpenApiJson(web::Bytes);

async fn openapi_document(doc: web::Data<OpenApiJson>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}
