use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn the_site_is_public_and_cacheable() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/site", None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "public, max-age=60");
    let etag = res.headers()["etag"].to_str().expect("ascii").to_string();
    let body: Value = res.json().await.expect("json");
    for key in ["title", "description", "url", "gift", "comments_moderated"] {
        assert!(body.get(key).is_some(), "{key} missing");
    }
    for key in ["title", "description", "url"] {
        assert!(body["gift"].get(key).is_some(), "gift.{key} missing");
    }
    assert_eq!(body["comments_moderated"], true);
    assert_eq!(body["url"], app.address, "defaults to the public URL");

    let res = app
        .request(reqwest::Method::GET, "/api/v1/site", None)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"].to_str().ok(), Some(etag.as_str()));
    assert!(res.bytes().await.expect("body").is_empty());
}

#[tokio::test]
async fn admins_change_the_site_and_the_etag_follows() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let before = app.get("/api/v1/site", None).await.headers()["etag"].clone();
    let res = app
        .patch(
            "/api/v1/site",
            &json!({"title": "Video Training Blog", "comments_moderated": false,
                    "gift": {"title": "Free video training", "url": "https://example.com/gift"}}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let site: Value = res.json().await.expect("json");
    assert_eq!(site["title"], "Video Training Blog");
    assert_eq!(site["gift"]["url"], "https://example.com/gift");
    assert_eq!(
        site["gift"]["description"], "",
        "fields not sent stay as they were"
    );
    assert_eq!(site["comments_moderated"], false);

    let res = app
        .request(reqwest::Method::GET, "/api/v1/site", None)
        .header("If-None-Match", before)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200, "an old ETag no longer matches");
}

#[tokio::test]
async fn bad_site_fields_are_all_named() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .patch(
            "/api/v1/site",
            &json!({"title": "  ", "url": "javascript:alert(1)", "gift": {"url": "not a url", "title": "x".repeat(201)}}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    for field in ["title", "url", "gift.url", "gift.title"] {
        assert!(
            body["errors"][field].is_array(),
            "{field} not named: {body}"
        );
    }
    let site: Value = app
        .get("/api/v1/site", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(site["title"], "Byline", "nothing was written");
}

#[tokio::test]
async fn only_admins_change_the_site() {
    let app = spawn_app().await;
    let (_, editor) = app.user_with_role("editor").await;
    let body = json!({"title": "Mine now"});
    assert_problem(app.patch("/api/v1/site", &body, Some(&editor)).await, 403).await;
    assert_problem(app.patch("/api/v1/site", &body, None).await, 401).await;
}

#[tokio::test]
async fn the_post_url_template_is_every_post_url_feeds_and_sitemap_included() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app.get("/api/v1/site", None).await;
    let site: Value = res.json().await.expect("json");
    assert_eq!(site["post_url"], "/posts/{slug}");
    let base = site["url"]
        .as_str()
        .expect("url")
        .trim_end_matches('/')
        .to_string();
    let post = app.publish(&admin, "Hello there", "Body").await;
    let id = post["id"].as_str().expect("id").to_string();
    assert_eq!(post["url"], format!("{base}/posts/hello-there"));

    let res = app
        .patch(
            "/api/v1/site",
            &json!({"post_url": "/post.html?slug={slug}&id={id}"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let site: Value = res.json().await.expect("json");
    assert_eq!(site["post_url"], "/post.html?slug={slug}&id={id}");
    let expected = format!("{base}/post.html?slug=hello-there&id={id}");
    let res = app.get("/api/v1/posts/hello-there", None).await;
    let read: Value = res.json().await.expect("json");
    assert_eq!(read["url"], expected);
    let res = app.get("/api/v1/posts?fields=url", None).await;
    let list: Value = res.json().await.expect("json");
    assert_eq!(list["data"][0]["url"], expected);
    let res = app.get("/feed.json", None).await;
    let feed: Value = res.json().await.expect("json");
    assert_eq!(feed["items"][0]["url"], expected);
    let escaped = expected.replace('&', "&amp;");
    let atom = app
        .get("/feed.atom", None)
        .await
        .text()
        .await
        .expect("atom");
    assert!(atom.contains(&escaped), "{atom}");
    let sitemap = app
        .get("/sitemap.xml", None)
        .await
        .text()
        .await
        .expect("xml");
    assert!(
        sitemap.contains(&format!("<loc>{escaped}</loc>")),
        "{sitemap}"
    );

    // An absolute template is used as it is.
    let res = app
        .patch(
            "/api/v1/site",
            &json!({"post_url": "https://front.example/{slug}/"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app.get("/api/v1/posts/hello-there", None).await;
    let read: Value = res.json().await.expect("json");
    assert_eq!(read["url"], "https://front.example/hello-there/");

    for bad in [
        "/posts/",
        "posts/{slug}",
        "//evil.example/{slug}",
        "/p/{title}",
    ] {
        let res = app
            .patch("/api/v1/site", &json!({"post_url": bad}), Some(&admin))
            .await;
        let problem = assert_problem(res, 422).await;
        assert!(problem["errors"]["post_url"].is_array(), "{bad}: {problem}");
    }
}
