//! The example frontend served by Byline itself (`BYLINE_SITE_DIR`).

use byline::config::SiteSource;
use serde_json::json;

use crate::helpers::{SmtpServer, assert_problem, link, spawn_app_with};

#[tokio::test]
async fn the_example_site_is_served_with_etags_and_links_mail_to_its_pages() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_app_with(move |s| {
        s.site = SiteSource::Dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/blog").into());
        s.smtp_url = Some(url);
    })
    .await;
    let res = app.get("/", None).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/html")
    );
    let etag = res.headers()["etag"].clone();
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap_or("")
            .contains("script-src 'self'")
    );
    let html = res.text().await.expect("html");
    assert!(
        html.contains("index.js") && !html.contains("http://") && !html.contains("https://"),
        "nothing remote"
    );
    let res = app
        .request(reqwest::Method::GET, "/", None)
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 304);
    for file in [
        "/index.js",
        "/post.js",
        "/api.js",
        "/sidebar.js",
        "/landing.js",
        "/render.js",
        "/preview.js",
        "/style.css",
        "/post.html",
        "/confirm.html",
        "/unsubscribe.html",
        "/preview.html",
    ] {
        assert_eq!(app.get(file, None).await.status(), 200, "{file}");
    }
    assert_problem(app.get("/nothing.html", None).await, 404).await;
    assert_problem(app.get("/api/v1/nothing", None).await, 404).await;
    assert_eq!(app.get("/api/v1/site", None).await.status(), 200);

    app.post(
        "/api/v1/subscribers",
        &json!({"email": "page@example.com"}),
        None,
    )
    .await;
    app.drain_outbox().await;
    let mail = smtp.to("page@example.com").pop().expect("confirmation");
    let confirm = link(&mail, &format!("{}/confirm.html?token=", app.address));
    let token = confirm.rsplit('=').next().expect("token");
    let res = app
        .post(
            &format!("/api/v1/subscribers/confirm?token={token}"),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200, "the landing page's call confirms");
}

#[tokio::test]
async fn the_blog_built_into_the_binary_is_served_at_the_root() {
    let app = spawn_app_with(|s| s.site = SiteSource::Embedded).await;
    let res = app.get("/", None).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/html"))
    );
    let etag = res.headers()["etag"].to_str().expect("etag").to_string();
    let index = res.text().await.expect("text");
    let on_disk = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/blog/index.html"
    ))
    .expect("index.html");
    assert_eq!(index, on_disk);
    let css = app.get("/style.css", None).await;
    assert!(
        css.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/css"))
    );
    let again = app
        .request(reqwest::Method::GET, "/", None)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), 304);
    assert_problem(app.get("/no-such-page.html", None).await, 404).await;
    // The API is still the API, and the site knows the blog's pages from its first start.
    let site: serde_json::Value = app
        .get("/api/v1/site", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(site["post_url"], "/post.html?slug={slug}");
    assert_eq!(site["confirm_url"], "/confirm.html?token={token}");
    assert_eq!(site["unsubscribe_url"], "/unsubscribe.html?token={token}");
}
