//! Every error status is problem+json with the right status and body.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    assert_problem(app.get("/api/v1/nothing-here", None).await, 404).await;
    assert_problem(app.get("/", None).await, 404).await;
}

#[tokio::test]
async fn wrong_method_is_a_405_with_allow() {
    let app = spawn_app().await;
    let res = app
        .request(Method::PUT, "/api/v1/site", None)
        .send()
        .await
        .expect("send");
    let allow = res
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    assert_problem(res, 405).await;
    let allow = allow.expect("Allow header");
    assert!(allow.contains("GET") && allow.contains("PATCH"), "{allow}");

    let res = app.delete("/api/v1/auth/login", None).await;
    assert_problem(res, 405).await;
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    let res = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("send");
    let body = assert_problem(res, 400).await;
    assert!(body["detail"].as_str().unwrap_or("").contains("JSON"));
}

#[tokio::test]
async fn wrong_or_missing_content_type_is_a_415() {
    let app = spawn_app().await;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut req = app
            .request(Method::POST, "/api/v1/auth/login", None)
            .body(r#"{"email":"a@b.c","password":"x"}"#);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        assert_problem(req.send().await.expect("send"), 415).await;
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = spawn_app_with(|s| s.json_limit = 2048).await;
    let big = json!({"email": "a@example.com", "password": "x".repeat(4096)});
    assert_problem(app.post("/api/v1/auth/login", &big, None).await, 413).await;

    // Without Content-Length (chunked), the limit still holds while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..10).map(|_| Ok(vec![b' '; 1024])).collect();
    let res = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .expect("send");
    assert_problem(res, 413).await;
}

#[tokio::test]
async fn validation_names_every_bad_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": "not-an-email", "name": "", "password": "short"}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    let errors = body["errors"].as_object().expect("errors map");
    for field in ["email", "name", "password"] {
        assert!(errors.contains_key(field), "{field} not named in {body}");
    }

    let res = app.post("/api/v1/users", &json!({}), Some(&admin)).await;
    let body = assert_problem(res, 422).await;
    assert_eq!(
        body["errors"].as_object().map(|o| o.len()),
        Some(3),
        "{body}"
    );
}

#[tokio::test]
async fn wrong_json_types_and_unknown_fields_name_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .post("/api/v1/users", &json!({"email": 5}), Some(&admin))
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["email"].is_array(), "{body}");

    let res = app
        .patch("/api/v1/site", &json!({"gift": {"url": 1}}), Some(&admin))
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["gift.url"].is_array(), "{body}");

    let res = app
        .patch("/api/v1/site", &json!({"titel": "typo"}), Some(&admin))
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["titel"].is_array(), "{body}");

    let res = app
        .post(
            "/api/v1/users",
            &json!({"email":"a@b.co","name":"A","password":"password1","role":"root"}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["role"].is_array(), "{body}");
}

#[tokio::test]
async fn paging_out_of_range_is_a_400_not_clamped() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for query in [
        "per_page=0",
        "per_page=101",
        "page=0",
        "page=abc",
        "page=-1",
    ] {
        let res = app
            .get(&format!("/api/v1/users?{query}"), Some(&admin))
            .await;
        assert_problem(res, 400).await;
    }
}

#[tokio::test]
async fn a_path_id_that_is_not_a_uuid_is_a_404() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    assert_problem(app.get("/api/v1/users/not-a-uuid", Some(&admin)).await, 404).await;
    let unknown = uuid::Uuid::now_v7();
    assert_problem(
        app.get(&format!("/api/v1/users/{unknown}"), Some(&admin))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn literal_paths_answer_405_for_methods_they_do_not_have() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.admin_token().await;
    for (method, path, allow) in [
        (
            reqwest::Method::DELETE,
            "/api/v1/subscribers/confirm",
            "GET, POST",
        ),
        (
            reqwest::Method::DELETE,
            "/api/v1/subscribers/unsubscribe",
            "GET, POST",
        ),
        (reqwest::Method::DELETE, "/api/v1/subscribers/export", "GET"),
        (reqwest::Method::PATCH, "/api/v1/comments/bulk", "POST"),
    ] {
        let res = app
            .request(method.clone(), path, Some(&admin))
            .send()
            .await
            .expect("send");
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        crate::helpers::assert_problem(res, 405).await;
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400_whatever_it_holds() {
    let app = crate::helpers::spawn_app().await;
    for path in [
        "/api/v1/contact",
        "/api/v1/subscribers",
        "/api/v1/auth/login",
    ] {
        let res = app
            .request(reqwest::Method::POST, path, None)
            .header("content-type", "application/json")
            .body(r#"{"title": "broken","#)
            .send()
            .await
            .expect("send");
        crate::helpers::assert_problem(res, 400).await;
    }
    let res = app.get("/api/v1/posts?page=2147483648", None).await;
    crate::helpers::assert_problem(res, 400).await;
}

#[tokio::test]
async fn a_post_with_three_bad_fields_names_all_three() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/posts",
            &serde_json::json!({"title": "", "status": "bogus", "published_at": "not-a-date"}),
            Some(&admin),
        )
        .await;
    let body = crate::helpers::assert_problem(res, 422).await;
    for field in ["title", "status", "published_at"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let post = app
        .create_post(&admin, serde_json::json!({"title": "T"}))
        .await;
    let res = app
        .patch(
            &format!("/api/v1/posts/{}", post["id"].as_str().expect("id")),
            &serde_json::json!({"status": "nope", "published_at": "yesterday"}),
            Some(&admin),
        )
        .await;
    let body = crate::helpers::assert_problem(res, 422).await;
    assert!(body["errors"]["status"].is_array() && body["errors"]["published_at"].is_array());
}
