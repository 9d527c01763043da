use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn a_published_post_has_every_field_and_rendered_html() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "Hello, World", "markdown": "# Intro\n\nSome *words* here.", "status": "published",
                    "tags": ["News", "Rust Tips"], "meta_title": "Hi"}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let location = res.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string();
    let post: Value = res.json().await.expect("json");
    assert!(location.ends_with(&format!(
        "/api/v1/posts/{}",
        post["id"].as_str().expect("id")
    )));
    for field in [
        "id",
        "slug",
        "title",
        "excerpt",
        "markdown",
        "html",
        "status",
        "published_at",
        "created_at",
        "updated_at",
        "author",
        "tags",
        "feature_image",
        "meta_title",
        "meta_description",
        "reading_time",
        "comments_enabled",
        "comment_count",
    ] {
        assert!(post.get(field).is_some(), "{field} missing from {post}");
    }
    assert_eq!(post["slug"], "hello-world");
    assert_eq!(post["status"], "published");
    assert!(
        post["published_at"].is_string(),
        "publishing sets published_at"
    );
    assert_eq!(
        post["html"],
        "<h1 id=\"post-intro\">Intro</h1>\n<p>Some <em>words</em> here.</p>\n"
    );
    // From the paragraphs: the heading is left out, the emphasis adds no space.
    assert_eq!(post["excerpt"], "Some words here.");
    assert_eq!(post["reading_time"], 1);
    assert_eq!(post["comment_count"], 0);
    assert_eq!(
        post["tags"],
        json!([{"slug": "news", "name": "News"}, {"slug": "rust-tips", "name": "Rust Tips"}])
    );
    assert_eq!(post["author"]["name"], "Admin");

    let by_slug: Value = app
        .get("/api/v1/posts/hello-world", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(by_slug["id"], post["id"]);
}

#[tokio::test]
async fn html_is_sanitized_whatever_the_input() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let attacks = [
        "<p>ok</p><script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<svg onload=alert(1)><circle/></svg>",
        "<a href=\"https://example.com\" onclick=\"steal()\">x</a>",
    ];
    for (i, attack) in attacks.iter().enumerate() {
        for body in [json!({"html": attack}), json!({"markdown": attack})] {
            let mut req = body.clone();
            req["title"] = json!(format!("attack {i}"));
            let post = app.create_post(&admin, req).await;
            let html = post["html"].as_str().expect("html").to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "<svg",
                "onload",
                "onclick",
            ] {
                assert!(!html.contains(bad), "{attack} gave {html}");
            }
        }
    }
    let post = app
        .create_post(
            &admin,
            json!({"title": "link", "html": "<a href=\"https://example.com\">x</a>"}),
        )
        .await;
    assert!(
        post["html"]
            .as_str()
            .unwrap_or("")
            .contains("rel=\"noopener noreferrer\""),
        "{post}"
    );
}

#[tokio::test]
async fn slugs_are_derived_unique_and_checked() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let a = app
        .create_post(&admin, json!({"title": "Crème Brûlée — Ünïcödé!"}))
        .await;
    assert_eq!(a["slug"], "creme-brulee-unicode");
    let b = app
        .create_post(&admin, json!({"title": "Crème brûlée, Unicode"}))
        .await;
    assert_eq!(b["slug"], "creme-brulee-unicode-2");
    let c = app
        .create_post(&admin, json!({"title": "creme brulee unicode"}))
        .await;
    assert_eq!(c["slug"], "creme-brulee-unicode-3");

    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "x", "slug": "creme-brulee-unicode"}),
            Some(&admin),
        )
        .await;
    assert_problem(res, 409).await;
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "x", "slug": "Not A Slug"}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["slug"].is_array());
}

#[tokio::test]
async fn bad_post_fields_are_all_named() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "", "markdown": "a", "published_at": "soon", "feature_image": "javascript:x", "meta_title": "x".repeat(301),
                    "tags": ["ok", ""]}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    for field in [
        "title",
        "published_at",
        "feature_image",
        "meta_title",
        "tags[1]",
    ] {
        assert!(
            body["errors"][field].is_array(),
            "{field} not named: {body}"
        );
    }
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "x", "status": "live"}),
            Some(&admin),
        )
        .await;
    assert!(assert_problem(res, 422).await["errors"]["status"].is_array());
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "x", "published_at": "yesterday"}),
            Some(&admin),
        )
        .await;
    assert!(assert_problem(res, 422).await["errors"]["published_at"].is_array());
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "x", "status": "scheduled"}),
            Some(&admin),
        )
        .await;
    assert!(assert_problem(res, 422).await["errors"]["published_at"].is_array());
    let list: Value = app
        .get("/api/v1/posts", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["meta"]["total"], 0, "nothing was written");
}

#[tokio::test]
async fn drafts_scheduled_and_archived_posts_are_hidden_from_the_public() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let draft = app.create_post(&admin, json!({"title": "Draft"})).await;
    assert_eq!(draft["status"], "draft");
    assert!(draft["published_at"].is_null());
    let scheduled = app
        .create_post(
            &admin,
            json!({"title": "Later", "status": "published", "published_at": future}),
        )
        .await;
    assert_eq!(scheduled["status"], "scheduled");
    let archived = app
        .create_post(&admin, json!({"title": "Old", "status": "archived"}))
        .await;
    app.publish(&admin, "Live", "text").await;

    for post in [&draft, &scheduled, &archived] {
        let slug = post["slug"].as_str().expect("slug");
        assert_problem(app.get(&format!("/api/v1/posts/{slug}"), None).await, 404).await;
        assert_eq!(
            app.get(&format!("/api/v1/posts/{slug}"), Some(&admin))
                .await
                .status(),
            200
        );
    }
    let public: Value = app
        .get("/api/v1/posts", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(public["meta"]["total"], 1);
    assert_eq!(public["data"][0]["slug"], "live");
    let staff: Value = app
        .get("/api/v1/posts", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(staff["meta"]["total"], 4);
    let drafts: Value = app
        .get("/api/v1/posts?status=draft", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(drafts["meta"]["total"], 1);
    let sched: Value = app
        .get("/api/v1/posts?status=scheduled", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sched["data"][0]["slug"], "later");
    assert_problem(app.get("/api/v1/posts?status=draft", None).await, 401).await;
}

#[tokio::test]
async fn a_scheduled_post_goes_live_by_itself() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let post = app
        .create_post(
            &admin,
            json!({"title": "Soon", "status": "scheduled", "published_at": soon.to_rfc3339()}),
        )
        .await;
    assert_eq!(post["status"], "scheduled");
    assert_problem(app.get("/api/v1/posts/soon", None).await, 404).await;
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let res = app.get("/api/v1/posts/soon", None).await;
    assert_eq!(res.status(), 200);
    let live: Value = res.json().await.expect("json");
    assert_eq!(live["status"], "published");
    let list: Value = app
        .get("/api/v1/posts", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["meta"]["total"], 1);
}

#[tokio::test]
async fn cached_public_answers_end_when_a_scheduled_post_goes_live() {
    // Entries are kept up to a minute: only the publication time can end them here.
    let app = crate::helpers::spawn_app_with(|s| s.public_cache_ms = 60_000).await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Already out", "Hello").await;
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    app.create_post(
        &admin,
        json!({"title": "Soon", "status": "scheduled", "published_at": soon.to_rfc3339()}),
    )
    .await;
    let total = || async {
        let list: Value = app
            .get("/api/v1/posts", None)
            .await
            .json()
            .await
            .expect("json");
        list["meta"]["total"].clone()
    };
    // Served twice before the time (the second from memory), then right after it.
    assert_eq!(total().await, 1);
    assert_eq!(total().await, 1);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_eq!(total().await, 2);
}

#[tokio::test]
async fn lists_are_newest_first_and_sortable() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (title, days_ago) in [("Beta", 3), ("Alpha", 1), ("Gamma", 2)] {
        let at = (chrono::Utc::now() - chrono::Duration::days(days_ago)).to_rfc3339();
        app.create_post(
            &admin,
            json!({"title": title, "status": "published", "published_at": at}),
        )
        .await;
    }
    let titles = |v: Value| -> Vec<String> {
        v["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|p| p["title"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let default: Value = app
        .get("/api/v1/posts", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(default), ["Alpha", "Gamma", "Beta"]);
    let by_title: Value = app
        .get("/api/v1/posts?sort=title", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(by_title), ["Alpha", "Beta", "Gamma"]);
    let oldest: Value = app
        .get("/api/v1/posts?sort=published_at", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(oldest), ["Beta", "Gamma", "Alpha"]);
    assert_problem(app.get("/api/v1/posts?sort=random", None).await, 400).await;
}

#[tokio::test]
async fn fields_selects_a_subset_and_refuses_unknown_names() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Pick me", "body").await;
    let list: Value = app
        .get("/api/v1/posts?fields=title,excerpt", None)
        .await
        .json()
        .await
        .expect("json");
    let mut keys: Vec<&String> = list["data"][0].as_object().expect("item").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["excerpt", "id", "slug", "title"],
        "id and slug always come"
    );
    assert_eq!(list["data"][0]["title"], "Pick me");
    let default: Value = app
        .get("/api/v1/posts", None)
        .await
        .json()
        .await
        .expect("json");
    let item = default["data"][0].as_object().expect("item");
    assert!(
        item.contains_key("excerpt")
            && item.contains_key("tags")
            && item.contains_key("reading_time")
    );
    assert!(
        !item.contains_key("html") && !item.contains_key("markdown"),
        "lists leave bodies out by default"
    );
    let bodies: Value = app
        .get("/api/v1/posts?fields=slug,html", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(bodies["data"][0]["html"], "<p>body</p>\n");
    assert_eq!(bodies["data"][0].as_object().expect("item").len(), 3);
    let one: Value = app
        .get("/api/v1/posts/pick-me", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(one["html"], "<p>body</p>\n", "one post comes whole");
    assert_problem(
        app.get("/api/v1/posts?fields=slug,password", None).await,
        400,
    )
    .await;
}

#[tokio::test]
async fn filters_by_tag_and_author() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (author_id, author) = app.user_with_role("author").await;
    app.create_post(
        &admin,
        json!({"title": "Tagged", "status": "published", "tags": ["Rust"]}),
    )
    .await;
    app.create_post(&author, json!({"title": "Mine", "status": "published"}))
        .await;
    let tagged: Value = app
        .get("/api/v1/posts?tag=rust", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(tagged["meta"]["total"], 1);
    assert_eq!(tagged["data"][0]["title"], "Tagged");
    let by_author: Value = app
        .get(&format!("/api/v1/posts?author={author_id}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(by_author["meta"]["total"], 1);
    assert_eq!(by_author["data"][0]["title"], "Mine");
}

/// A post's tags come in the order it gave them, not the order the tags were made in (nor by
/// name), in every answer: the post itself, lists, and after the list is given again.
#[tokio::test]
async fn tags_keep_the_order_the_post_gave() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_post(
        &admin,
        json!({"title": "Older", "status": "published", "tags": ["Alpha", "Mid"]}),
    )
    .await;
    let post = app
        .create_post(
            &admin,
            json!({"title": "Newer", "status": "published", "tags": ["Zeta", "Alpha", "Mid"]}),
        )
        .await;
    let slugs = |tags: &Value| -> Vec<String> {
        tags.as_array()
            .expect("tags")
            .iter()
            .map(|t| t["slug"].as_str().expect("slug").to_string())
            .collect()
    };
    assert_eq!(slugs(&post["tags"]), ["zeta", "alpha", "mid"]);
    let read = |path: String| {
        let app = &app;
        async move {
            let res = app.get(&path, None).await;
            assert_eq!(res.status(), 200, "{path}");
            res.json::<Value>().await.expect("json")
        }
    };
    let by_slug = read("/api/v1/posts/newer".into()).await;
    assert_eq!(slugs(&by_slug["tags"]), ["zeta", "alpha", "mid"]);
    let listed = read("/api/v1/posts?tag=alpha".into()).await;
    assert_eq!(listed["data"][0]["slug"], "newer");
    assert_eq!(slugs(&listed["data"][0]["tags"]), ["zeta", "alpha", "mid"]);
    assert_eq!(slugs(&listed["data"][1]["tags"]), ["alpha", "mid"]);

    let id = post["id"].as_str().expect("id");
    let res = app
        .patch(
            &format!("/api/v1/posts/{id}"),
            &json!({"tags": ["Mid", "Zeta"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let by_slug = read("/api/v1/posts/newer".into()).await;
    assert_eq!(slugs(&by_slug["tags"]), ["mid", "zeta"]);
}

#[tokio::test]
async fn search_ranks_title_matches_first_and_never_errors() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(
        &admin,
        "Cooking notes",
        "A long text that mentions sourdough once.",
    )
    .await;
    app.publish(&admin, "Sourdough basics", "Flour, water, salt.")
        .await;
    app.publish(&admin, "Unrelated", "Nothing to see.").await;
    let found: Value = app
        .get("/api/v1/posts?q=sourdough", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(found["meta"]["total"], 2);
    assert_eq!(
        found["data"][0]["title"], "Sourdough basics",
        "title matches rank first"
    );
    let prefix: Value = app
        .get("/api/v1/posts?q=sourd", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(prefix["meta"]["total"], 2, "prefix search");
    // Only the word being typed (the last) is a prefix.
    for (q, total) in [("sourdough%20bas", 1), ("sourd%20basics", 0)] {
        let found: Value = app
            .get(&format!("/api/v1/posts?q={q}"), None)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(found["meta"]["total"], total, "q={q}");
    }
    let both: Value = app
        .get("/api/v1/posts?q=flour%20salt", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(both["meta"]["total"], 1, "every word must match");
    for q in [
        "%22",
        "AND",
        "NEAR(",
        "*",
        "a%22b%20OR%20-c",
        "%28%29",
        "%E2%80%94",
    ] {
        let res = app.get(&format!("/api/v1/posts?q={q}"), None).await;
        assert_eq!(res.status(), 200, "q={q}");
    }
    let none: Value = app
        .get("/api/v1/posts?q=%22%22", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(none["meta"]["total"], 0);

    // Drafts never show up in public search.
    app.create_post(
        &admin,
        json!({"title": "Sourdough secrets", "markdown": "draft"}),
    )
    .await;
    let found: Value = app
        .get("/api/v1/posts?q=sourdough", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(found["meta"]["total"], 2);
}

#[tokio::test]
async fn public_reads_are_cacheable_and_revalidate() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Cached", "body").await;
    for path in ["/api/v1/posts", "/api/v1/posts/cached"] {
        let res = app.get(path, None).await;
        assert_eq!(res.headers()["cache-control"], "public, max-age=60");
        let etag = res.headers()["etag"].clone();
        let res = app
            .request(Method::GET, path, None)
            .header("If-None-Match", etag)
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 304, "{path}");
    }
    let res = app.get("/api/v1/posts", Some(&admin)).await;
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
}

#[tokio::test]
async fn if_match_guards_against_lost_updates() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Guarded", "v1").await;
    let etag = app.get("/api/v1/posts/guarded", None).await.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_string();
    let res = app
        .request(Method::PATCH, "/api/v1/posts/guarded", Some(&admin))
        .header("If-Match", &etag)
        .json(&json!({"markdown": "v2"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    let new_etag = res.headers()["etag"].to_str().expect("ascii").to_string();
    assert_ne!(new_etag, etag);
    let res = app
        .request(Method::PATCH, "/api/v1/posts/guarded", Some(&admin))
        .header("If-Match", &etag)
        .json(&json!({"markdown": "v3"}))
        .send()
        .await
        .expect("send");
    assert_problem(res, 412).await;
    let post: Value = app
        .get("/api/v1/posts/guarded", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(post["markdown"], "v2", "the stale update changed nothing");
    let served = app.get("/api/v1/posts/guarded", None).await.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_eq!(
        served, new_etag,
        "the PATCH answer's ETag is the one GET serves"
    );
}

#[tokio::test]
async fn updates_keep_revisions_and_patch_only_what_is_sent() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let post = app
        .create_post(
            &admin,
            json!({"title": "First", "markdown": "one", "excerpt": "Custom", "tags": ["a"]}),
        )
        .await;
    let id = post["id"].as_str().expect("id");
    let res = app
        .patch(
            &format!("/api/v1/posts/{id}"),
            &json!({"title": "Second"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.expect("json");
    assert_eq!(updated["title"], "Second");
    assert_eq!(
        updated["slug"], "first",
        "the slug stays put when the title changes"
    );
    assert_eq!(updated["excerpt"], "Custom");
    assert_eq!(updated["markdown"], "one");
    assert_eq!(updated["tags"][0]["slug"], "a");
    let res = app
        .patch(
            &format!("/api/v1/posts/{id}"),
            &json!({"excerpt": null, "markdown": "two words", "tags": []}),
            Some(&admin),
        )
        .await;
    let updated: Value = res.json().await.expect("json");
    assert_eq!(
        updated["excerpt"], "two words",
        "null goes back to a derived excerpt"
    );
    assert_eq!(updated["tags"], json!([]));

    let revisions: Value = app
        .get(&format!("/api/v1/posts/{id}/revisions"), Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(revisions["meta"]["total"], 2);
    assert_eq!(revisions["data"][0]["title"], "Second", "newest first");
    assert_eq!(revisions["data"][1]["title"], "First");
    assert_eq!(revisions["data"][1]["markdown"], "one");
}

#[tokio::test]
async fn authors_change_only_their_own_posts() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    let mine = app
        .create_post(&author, json!({"title": "Mine", "status": "published"}))
        .await;
    let id = mine["id"].as_str().expect("id");
    let path = format!("/api/v1/posts/{id}");
    assert_problem(
        app.patch(&path, &json!({"title": "Stolen"}), Some(&other))
            .await,
        403,
    )
    .await;
    assert_problem(app.delete(&path, Some(&other)).await, 403).await;
    assert_problem(
        app.get(&format!("{path}/revisions"), Some(&other)).await,
        403,
    )
    .await;
    assert_eq!(
        app.patch(&path, &json!({"title": "Edited"}), Some(&author))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.patch(&path, &json!({"title": "By editor"}), Some(&editor))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(&format!("{path}/revisions"), Some(&author))
            .await
            .status(),
        200
    );

    // Another author's draft is invisible, not merely forbidden.
    let draft = app
        .create_post(&admin, json!({"title": "Admin draft"}))
        .await;
    let draft_path = format!("/api/v1/posts/{}", draft["id"].as_str().expect("id"));
    assert_problem(app.get(&draft_path, Some(&author)).await, 404).await;
    assert_problem(
        app.patch(&draft_path, &json!({"title": "x"}), Some(&author))
            .await,
        404,
    )
    .await;

    assert_problem(
        app.post("/api/v1/posts", &json!({"title": "anon"}), None)
            .await,
        401,
    )
    .await;
    assert_eq!(app.delete(&path, Some(&author)).await.status(), 204);
    assert_problem(app.get(&path, Some(&author)).await, 404).await;
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let send = |body: Value, key: &'static str| {
        app.request(Method::POST, "/api/v1/posts", Some(&admin))
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let body = json!({"title": "Once", "markdown": "only once"});
    let first = send(body.clone(), "key-1").await.expect("send");
    assert_eq!(first.status(), 201);
    let first_location = first.headers()["location"].clone();
    let first: Value = first.json().await.expect("json");
    let again = send(body.clone(), "key-1").await.expect("send");
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["location"], first_location);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["id"], first["id"]);
    let list: Value = app
        .get("/api/v1/posts", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["meta"]["total"], 1, "no second post");

    let res = send(json!({"title": "Different"}), "key-1")
        .await
        .expect("send");
    assert!(assert_problem(res, 422).await["errors"]["Idempotency-Key"].is_array());
    let other = send(body, "key-2").await.expect("send");
    let other: Value = other.json().await.expect("json");
    assert_ne!(other["id"], first["id"], "a new key is a new post");
}

#[tokio::test]
async fn a_user_with_posts_cannot_be_deleted() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, author) = app.user_with_role("author").await;
    app.create_post(&author, json!({"title": "Keep me"})).await;
    assert_problem(
        app.delete(&format!("/api/v1/users/{id}"), Some(&admin))
            .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn excerpts_come_from_the_prose_not_headings_lists_or_code() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let markdown = "# Why consistency beats quality\n\nConsistency beats *quality*.\n\n## What worked\n\n- A fixed recording day\n- A template\n\n```\nffmpeg -i master.mov -c:v libx264 out.mp4\n```\n\nRecord on **Mondays**, then rest.";
    let post = app.publish(&admin, "Lessons learned", markdown).await;
    assert_eq!(
        post["excerpt"], "Consistency beats quality. Record on Mondays, then rest.",
        "{post}"
    );
}
