use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn tags_list_counts_live_posts_for_the_public() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_post(
        &admin,
        json!({"title": "Live", "status": "published", "tags": ["Rust"]}),
    )
    .await;
    app.create_post(&admin, json!({"title": "Draft", "tags": ["Rust", "Go"]}))
        .await;
    let public: Value = app
        .get("/api/v1/tags", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(public["meta"]["total"], 2);
    assert_eq!(public["data"][0]["slug"], "go");
    assert_eq!(public["data"][0]["post_count"], 0);
    assert_eq!(public["data"][1]["post_count"], 1);
    let staff: Value = app
        .get("/api/v1/tags", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(staff["data"][1]["post_count"], 2);
    let one: Value = app
        .get("/api/v1/tags/rust", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(one["post_count"], 1);
}

#[tokio::test]
async fn editors_create_rename_and_delete_tags() {
    let app = spawn_app().await;
    let (_, editor) = app.user_with_role("editor").await;
    let (_, author) = app.user_with_role("author").await;
    let res = app
        .post(
            "/api/v1/tags",
            &json!({"name": "Video Training"}),
            Some(&editor),
        )
        .await;
    assert_eq!(res.status(), 201);
    let tag: Value = res.json().await.expect("json");
    assert_eq!(tag["slug"], "video-training");
    assert_problem(
        app.post(
            "/api/v1/tags",
            &json!({"name": "Video training"}),
            Some(&editor),
        )
        .await,
        409,
    )
    .await;
    assert_problem(
        app.post("/api/v1/tags", &json!({"name": "x"}), Some(&author))
            .await,
        403,
    )
    .await;
    let res = app
        .post(
            "/api/v1/tags",
            &json!({"name": "", "slug": "Bad Slug"}),
            Some(&editor),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["name"].is_array() && body["errors"]["slug"].is_array());

    let post = app
        .create_post(
            &editor,
            json!({"title": "Tagged", "status": "published", "tags": ["video-training"]}),
        )
        .await;
    assert_eq!(
        post["tags"][0]["name"], "Video Training",
        "an existing slug is reused"
    );

    let res = app
        .patch(
            "/api/v1/tags/video-training",
            &json!({"name": "Videos", "slug": "videos"}),
            Some(&editor),
        )
        .await;
    assert_eq!(res.status(), 200);
    let post: Value = app
        .get("/api/v1/posts/tagged", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(post["tags"][0], json!({"slug": "videos", "name": "Videos"}));

    assert_eq!(
        app.delete("/api/v1/tags/videos", Some(&editor))
            .await
            .status(),
        204
    );
    let post: Value = app
        .get("/api/v1/posts/tagged", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(post["tags"], json!([]));
    assert_problem(app.delete("/api/v1/tags/videos", Some(&editor)).await, 404).await;
}
