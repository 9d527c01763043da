use serde_json::{Value, json};

use crate::helpers::{ADMIN_EMAIL, assert_problem, spawn_app};

#[tokio::test]
async fn admins_create_read_update_and_delete_users() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": " Ed@Example.com ", "name": "Ed", "password": "password 123", "role": "editor"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string();
    let user: Value = res.json().await.expect("json");
    assert_eq!(user["email"], "ed@example.com");
    assert_eq!(user["role"], "editor");
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());
    let id = user["id"].as_str().expect("id");
    assert!(location.ends_with(&format!("/api/v1/users/{id}")));
    assert_eq!(
        uuid::Uuid::parse_str(id).map(|u| u.get_version_num()).ok(),
        Some(7)
    );

    let res = app.get(&format!("/api/v1/users/{id}"), Some(&admin)).await;
    assert_eq!(res.status(), 200);

    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({"name": "Edith", "role": "author"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.expect("json");
    assert_eq!(
        (updated["name"].as_str(), updated["role"].as_str()),
        (Some("Edith"), Some("author"))
    );

    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({"password": "new password 9"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.login("ed@example.com", "new password 9").await.status(),
        200
    );
    assert_eq!(
        app.login("ed@example.com", "password 123").await.status(),
        401
    );

    assert_eq!(
        app.delete(&format!("/api/v1/users/{id}"), Some(&admin))
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&format!("/api/v1/users/{id}"), Some(&admin)).await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_taken_email_is_a_409_whatever_its_case() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": ADMIN_EMAIL.to_uppercase(), "name": "Twin", "password": "password 123"}),
            Some(&admin),
        )
        .await;
    assert_problem(res, 409).await;

    let (id, _) = app.user_with_role("author").await;
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({"email": ADMIN_EMAIL}),
            Some(&admin),
        )
        .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn the_last_admin_can_be_neither_deleted_nor_demoted() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me: Value = app
        .get("/api/v1/auth/me", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    let id = me["id"].as_str().expect("id");
    assert_problem(
        app.delete(&format!("/api/v1/users/{id}"), Some(&admin))
            .await,
        409,
    )
    .await;
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({"role": "editor"}),
            Some(&admin),
        )
        .await;
    assert_problem(res, 409).await;

    // With a second admin, the first may step down.
    let (other, _) = app.user_with_role("admin").await;
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({"role": "editor"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    // The demotion applies to the old token at once.
    assert_problem(app.get("/api/v1/users", Some(&admin)).await, 403).await;
    assert!(!other.is_empty());
}

#[tokio::test]
async fn only_admins_manage_users() {
    let app = spawn_app().await;
    let (editor_id, editor) = app.user_with_role("editor").await;
    let (_, author) = app.user_with_role("author").await;
    for token in [&editor, &author] {
        assert_problem(app.get("/api/v1/users", Some(token)).await, 403).await;
        assert_problem(
            app.get(&format!("/api/v1/users/{editor_id}"), Some(token))
                .await,
            403,
        )
        .await;
        let res = app
            .post(
                "/api/v1/users",
                &json!({"email": "x@example.com", "name": "X", "password": "password 123"}),
                Some(token),
            )
            .await;
        assert_problem(res, 403).await;
        let res = app
            .patch(
                &format!("/api/v1/users/{editor_id}"),
                &json!({"role": "admin"}),
                Some(token),
            )
            .await;
        assert_problem(res, 403).await;
        assert_problem(
            app.delete(&format!("/api/v1/users/{editor_id}"), Some(token))
                .await,
            403,
        )
        .await;
    }
    assert_problem(app.get("/api/v1/users", None).await, 401).await;
    assert_problem(
        app.delete(&format!("/api/v1/users/{editor_id}"), None)
            .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn user_lists_are_paged_with_meta_and_link() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for i in 0..4 {
        let res = app
            .post(
                "/api/v1/users",
                &json!({"email": format!("u{i}@example.com"), "name": format!("U{i}"), "password": "password 123"}),
                Some(&admin),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let res = app
        .get("/api/v1/users?per_page=2&page=2", Some(&admin))
        .await;
    assert_eq!(res.status(), 200);
    let link = res.headers()["link"].to_str().expect("ascii").to_string();
    let body: Value = res.json().await.expect("json");
    let meta = &body["meta"];
    assert_eq!(
        (
            &meta["page"],
            &meta["per_page"],
            &meta["total"],
            &meta["total_pages"]
        ),
        (&json!(2), &json!(2), &json!(5), &json!(3))
    );
    let cursor = meta["next_cursor"].as_str().expect("a page follows");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["data"][0]["email"], "u1@example.com", "oldest first");
    for rel in [
        r#"rel="first""#,
        r#"rel="prev""#,
        r#"rel="next""#,
        r#"rel="last""#,
    ] {
        assert!(link.contains(rel), "{rel} missing in {link}");
    }
    // The next page by cursor: the same rows page 3 holds, at the cost of an index seek.
    assert!(
        link.contains(&format!("per_page=2&cursor={cursor}>; rel=\"next\"")),
        "{link}"
    );
    let next: Value = app
        .get(
            &format!("/api/v1/users?per_page=2&cursor={cursor}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .expect("json");
    let third: Value = app
        .get("/api/v1/users?per_page=2&page=3", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(next["data"], third["data"]);
    assert_eq!(next["data"][0]["email"], "u3@example.com");
    assert!(next["meta"].get("next_cursor").is_none(), "the last page");
    assert!(
        link.contains(&format!(
            "<{}/api/v1/users?per_page=2&page=1>; rel=\"first\"",
            app.address
        )),
        "{link}"
    );

    let res = app
        .get("/api/v1/users?per_page=2&page=9", Some(&admin))
        .await;
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["data"],
        json!([]),
        "a page past the end is empty, not an error"
    );
}
