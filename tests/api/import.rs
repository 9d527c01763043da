use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{self, assert_problem, spawn_app, spawn_app_with, test_settings};

const BIN: &str = env!("CARGO_BIN_EXE_byline");

async fn import(
    app: &helpers::TestApp,
    token: &str,
    content_type: &str,
    body: String,
) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/posts/import", Some(token))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send")
}

#[tokio::test]
async fn a_thousand_items_with_three_bad_ones_store_997() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let existing = app.publish(&admin, "Untouched", "keep me").await;
    let items: Vec<Value> = (0..1000)
        .map(|i| match i {
            10 => json!({"title": ""}),
            500 => json!({"title": "Bad status", "status": "nope"}),
            999 => json!({"title": "Bad slug", "slug": "Not Valid"}),
            _ => json!({"title": format!("Post {i}"), "markdown": format!("Body of post {i}"), "status": "published", "tags": ["bulk"]}),
        })
        .collect();
    let res = import(
        &app,
        &admin,
        "application/json",
        serde_json::to_string(&items).expect("json"),
    )
    .await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.expect("json");
    assert_eq!(
        report["totals"],
        json!({"created": 997, "updated": 0, "unchanged": 0, "error": 3})
    );
    for bad in [10, 500, 999] {
        assert_eq!(report["items"][bad]["outcome"], "error", "item {bad}");
        assert!(report["items"][bad]["errors"].is_object());
    }
    assert!(report["items"][10]["errors"]["title"].is_array());
    assert!(report["items"][500]["errors"]["status"].is_array());
    assert_eq!(report["items"][0]["outcome"], "created");
    assert_eq!(report["items"][0]["slug"], "post-0");

    let all: Value = app
        .get("/api/v1/posts?per_page=1", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all["meta"]["total"], 998);
    let untouched: Value = app
        .get("/api/v1/posts/untouched", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(untouched["updated_at"], existing["updated_at"]);
    let tag: Value = app
        .get("/api/v1/tags/bulk", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(tag["post_count"], 997);

    // The same upload again changes nothing.
    let res = import(
        &app,
        &admin,
        "application/json",
        serde_json::to_string(&items).expect("json"),
    )
    .await;
    let report: Value = res.json().await.expect("json");
    assert_eq!(
        report["totals"],
        json!({"created": 0, "updated": 0, "unchanged": 997, "error": 3})
    );
}

#[tokio::test]
async fn ndjson_upserts_by_slug() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Existing", "old body").await;
    let body = "{\"title\": \"Existing\", \"markdown\": \"new body\", \"status\": \"published\"}\n\n\
                {\"title\": \"Brand new\", \"slug\": \"brand-new\"}\n\
                not json at all\n";
    let res = import(&app, &admin, "application/x-ndjson", body.to_string()).await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.expect("json");
    assert_eq!(
        report["totals"],
        json!({"created": 1, "updated": 1, "unchanged": 0, "error": 1})
    );
    assert_eq!(report["items"][0]["outcome"], "updated");
    assert_eq!(report["items"][2]["outcome"], "error");
    let post: Value = app
        .get("/api/v1/posts/existing", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(post["markdown"], "new body");
    let revisions: Value = app
        .get("/api/v1/posts/existing/revisions", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        revisions["meta"]["total"], 1,
        "an import update keeps a revision"
    );
}

#[tokio::test]
async fn a_slug_twice_in_one_import_creates_then_updates_and_is_found_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = "{\"title\": \"Twice\", \"slug\": \"twice\", \"markdown\": \"first walrus\", \"status\": \"published\"}\n\
                {\"title\": \"Twice\", \"slug\": \"twice\", \"markdown\": \"second narwhal\", \"status\": \"published\"}\n";
    let res = import(&app, &admin, "application/x-ndjson", body.to_string()).await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.expect("json");
    assert_eq!(
        report["totals"],
        json!({"created": 1, "updated": 1, "unchanged": 0, "error": 0})
    );
    let search = |q: &'static str| {
        let app = &app;
        async move {
            let body: Value = app
                .get(&format!("/api/v1/posts?q={q}"), None)
                .await
                .json()
                .await
                .expect("json");
            body["meta"]["total"].clone()
        }
    };
    assert_eq!(search("narwhal").await, 1, "the second body is indexed");
    assert_eq!(search("walrus").await, 0, "the first body is not");
    assert_eq!(search("twice").await, 1, "one entry for the post");
}

#[tokio::test]
async fn an_author_cannot_overwrite_someone_elses_post_by_import() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, author) = app.user_with_role("author").await;
    app.publish(&admin, "Admins post", "original").await;
    let body = json!([{"title": "Admins post", "markdown": "hijacked"}]).to_string();
    let report: Value = import(&app, &author, "application/json", body)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(report["items"][0]["outcome"], "error");
    let post: Value = app
        .get("/api/v1/posts/admins-post", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(post["markdown"], "original");
}

#[tokio::test]
async fn import_refuses_bad_envelopes() {
    let app = spawn_app_with(|s| s.import_limit = 4096).await;
    let admin = app.admin_token().await;
    assert_problem(import(&app, &admin, "text/csv", "a,b".into()).await, 415).await;
    assert_problem(
        import(
            &app,
            &admin,
            "application/json",
            "{\"title\": \"x\"}".into(),
        )
        .await,
        400,
    )
    .await;
    assert_problem(
        import(&app, &admin, "application/json", "[{".into()).await,
        400,
    )
    .await;
    let big = json!([{"title": "x", "markdown": "y".repeat(8000)}]).to_string();
    assert_problem(import(&app, &admin, "application/json", big).await, 413).await;
    assert_problem(import(&app, "", "application/json", "[]".into()).await, 401).await;
}

#[tokio::test]
async fn export_then_import_gives_the_same_posts() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let at = (chrono::Utc::now() - chrono::Duration::days(2)).to_rfc3339();
    app.create_post(&admin, json!({"title": "Markdown one", "markdown": "# Hi\n\ntext", "status": "published",
        "published_at": at, "tags": [{"slug": "news", "name": "Latest News"}], "excerpt": "Mine", "meta_title": "M"})).await;
    app.create_post(&admin, json!({"title": "Html two", "html": "<p>html <em>body</em></p>", "comments_enabled": false})).await;
    let future = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    app.create_post(
        &admin,
        json!({"title": "Later", "status": "scheduled", "published_at": future}),
    )
    .await;

    let db = helpers::database_url(app.dir.path());
    let export_file = app.dir.path().join("posts.ndjson");
    let out = std::process::Command::new(BIN)
        .arg("export")
        .arg(&export_file)
        .env("BYLINE_DATABASE_URL", &db)
        .output()
        .expect("export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let dir = tempfile::tempdir().expect("dir");
    let fresh = helpers::database_url(dir.path());
    let out = std::process::Command::new(BIN)
        .arg("migrate")
        .env("BYLINE_DATABASE_URL", &fresh)
        .output()
        .expect("migrate");
    assert!(out.status.success());
    let settings = test_settings(&dir);
    let copy = helpers::start(dir, settings).await;
    let copy_admin = copy.admin_token().await;
    let out = std::process::Command::new(BIN)
        .arg("import")
        .arg(&export_file)
        .env("BYLINE_DATABASE_URL", &fresh)
        .output()
        .expect("import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created 3"));

    let strip = |mut v: Value| {
        for p in v["data"].as_array_mut().expect("data") {
            let o = p.as_object_mut().expect("object");
            for k in ["id", "created_at", "updated_at", "author"] {
                o.remove(k);
            }
        }
        v["data"].clone()
    };
    let all = "/api/v1/posts?sort=title&fields=slug,title,excerpt,markdown,html,status,published_at,tags,\
               feature_image,meta_title,meta_description,reading_time,comments_enabled,comment_count";
    let original: Value = app.get(all, Some(&admin)).await.json().await.expect("json");
    let imported: Value = copy
        .get(all, Some(&copy_admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(original["data"][2]["markdown"], "# Hi\n\ntext");
    assert_eq!(strip(original), strip(imported));
}
