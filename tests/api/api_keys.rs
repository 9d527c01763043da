use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

async fn create_key(app: &crate::helpers::TestApp, admin: &str, role: &str) -> Value {
    let res = app
        .post(
            "/api/v1/api-keys",
            &json!({"name": "script", "role": role}),
            Some(admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().contains_key("location"));
    res.json().await.expect("json")
}

#[tokio::test]
async fn a_key_is_shown_once_and_works_as_a_bearer_token() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = create_key(&app, &admin, "editor").await;
    let secret = created["secret"].as_str().expect("secret");
    assert!(secret.starts_with("byl_"));
    assert!(secret.starts_with(created["prefix"].as_str().expect("prefix")));

    let me = app.get("/api/v1/auth/me", Some(secret)).await;
    assert_eq!(me.status(), 200);

    let list = app.get("/api/v1/api-keys", Some(&admin)).await;
    assert_eq!(list.status(), 200);
    let text = list.text().await.expect("text");
    assert!(!text.contains(secret), "the list leaks the secret");
    let list: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(list["meta"]["total"], 1);
    assert!(list["data"][0].get("secret").is_none());
    assert!(
        list["data"][0]["last_used_at"].is_string(),
        "use was recorded"
    );

    let one = app
        .get(
            &format!("/api/v1/api-keys/{}", created["id"].as_str().expect("id")),
            Some(&admin),
        )
        .await;
    assert_eq!(one.status(), 200);
}

#[tokio::test]
async fn a_revoked_key_is_refused_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = create_key(&app, &admin, "admin").await;
    let secret = created["secret"].as_str().expect("secret");
    assert_eq!(app.get("/api/v1/users", Some(secret)).await.status(), 200);
    let id = created["id"].as_str().expect("id");
    assert_eq!(
        app.delete(&format!("/api/v1/api-keys/{id}"), Some(&admin))
            .await
            .status(),
        204
    );
    assert_problem(app.get("/api/v1/users", Some(secret)).await, 401).await;
    assert_problem(
        app.delete(&format!("/api/v1/api-keys/{id}"), Some(&admin))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_key_acts_with_its_own_role() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = create_key(&app, &admin, "author").await;
    let secret = created["secret"].as_str().expect("secret");
    assert_problem(app.get("/api/v1/users", Some(secret)).await, 403).await;
    let forged = format!("{secret}x");
    assert_problem(app.get("/api/v1/auth/me", Some(&forged)).await, 401).await;
}

#[tokio::test]
async fn only_admins_manage_keys() {
    let app = spawn_app().await;
    let (_, editor) = app.user_with_role("editor").await;
    assert_problem(app.get("/api/v1/api-keys", Some(&editor)).await, 403).await;
    let res = app
        .post(
            "/api/v1/api-keys",
            &json!({"name": "x", "role": "admin"}),
            Some(&editor),
        )
        .await;
    assert_problem(res, 403).await;
    assert_problem(app.get("/api/v1/api-keys", None).await, 401).await;
}

#[tokio::test]
async fn a_key_needs_a_name_and_a_known_role() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/api-keys",
            &json!({"name": " ", "role": "editor"}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["name"].is_array());
    let res = app
        .post(
            "/api/v1/api-keys",
            &json!({"name": "x", "role": "god"}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["role"].is_array());
}
