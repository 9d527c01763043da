//! Every route × every kind of caller: anonymous, revoked key, author, editor, admin.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[derive(Clone, Copy, PartialEq, PartialOrd, Debug)]
enum Need {
    Public,
    Author,
    Editor,
    Admin,
}

const ID: &str = "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d99";

/// (method, path as documented, who may call it).
const ROUTES: &[(&str, &str, Need)] = &[
    ("GET", "/healthz", Need::Public),
    ("GET", "/readyz", Need::Public),
    ("GET", "/feed.atom", Need::Public),
    ("GET", "/feed.json", Need::Public),
    ("GET", "/sitemap.xml", Need::Public),
    ("GET", "/sitemap-posts-{n}.xml", Need::Public),
    ("GET", "/media/{name}", Need::Public),
    ("POST", "/api/v1/auth/login", Need::Public),
    ("GET", "/api/v1/auth/me", Need::Author),
    ("GET", "/api/v1/api-keys", Need::Admin),
    ("POST", "/api/v1/api-keys", Need::Admin),
    ("GET", "/api/v1/api-keys/{id}", Need::Admin),
    ("DELETE", "/api/v1/api-keys/{id}", Need::Admin),
    ("GET", "/api/v1/users", Need::Admin),
    ("POST", "/api/v1/users", Need::Admin),
    ("GET", "/api/v1/users/{id}", Need::Admin),
    ("PATCH", "/api/v1/users/{id}", Need::Admin),
    ("DELETE", "/api/v1/users/{id}", Need::Admin),
    ("GET", "/api/v1/site", Need::Public),
    ("PATCH", "/api/v1/site", Need::Admin),
    ("POST", "/api/v1/posts/import", Need::Author),
    ("POST", "/api/v1/import/blogger", Need::Editor),
    ("POST", "/api/v1/import/wordpress", Need::Editor),
    ("GET", "/api/v1/posts", Need::Public),
    ("POST", "/api/v1/posts", Need::Author),
    ("GET", "/api/v1/posts/{post}", Need::Public),
    ("PATCH", "/api/v1/posts/{post}", Need::Author),
    ("DELETE", "/api/v1/posts/{post}", Need::Author),
    ("GET", "/api/v1/posts/{post}/revisions", Need::Author),
    ("POST", "/api/v1/posts/{post}/preview-links", Need::Author),
    ("DELETE", "/api/v1/posts/{post}/preview-links", Need::Author),
    ("GET", "/api/v1/preview/{token}", Need::Public),
    ("POST", "/api/v1/posts/{post}/comments", Need::Public),
    ("GET", "/api/v1/posts/{post}/comments", Need::Public),
    ("POST", "/api/v1/comments/bulk", Need::Editor),
    ("GET", "/api/v1/comments", Need::Editor),
    ("GET", "/api/v1/comments/{id}", Need::Editor),
    ("PATCH", "/api/v1/comments/{id}", Need::Editor),
    ("DELETE", "/api/v1/comments/{id}", Need::Editor),
    ("GET", "/api/v1/tags", Need::Public),
    ("POST", "/api/v1/tags", Need::Editor),
    ("GET", "/api/v1/tags/{slug}", Need::Public),
    ("PATCH", "/api/v1/tags/{slug}", Need::Editor),
    ("DELETE", "/api/v1/tags/{slug}", Need::Editor),
    ("POST", "/api/v1/subscribers", Need::Public),
    ("GET", "/api/v1/subscribers/confirm", Need::Public),
    ("POST", "/api/v1/subscribers/confirm", Need::Public),
    ("GET", "/api/v1/subscribers/unsubscribe", Need::Public),
    ("POST", "/api/v1/subscribers/unsubscribe", Need::Public),
    ("GET", "/api/v1/subscribers/export", Need::Editor),
    ("GET", "/api/v1/subscribers", Need::Editor),
    ("DELETE", "/api/v1/subscribers/{id}", Need::Editor),
    ("POST", "/api/v1/contact", Need::Public),
    ("GET", "/api/v1/contact-messages", Need::Editor),
    ("GET", "/api/v1/contact-messages/{id}", Need::Editor),
    ("PATCH", "/api/v1/contact-messages/{id}", Need::Editor),
    ("DELETE", "/api/v1/contact-messages/{id}", Need::Editor),
    ("GET", "/api/v1/outbox", Need::Admin),
    ("POST", "/api/v1/newsletters", Need::Editor),
    ("POST", "/api/v1/newsletters/test", Need::Editor),
    ("GET", "/api/v1/newsletters", Need::Editor),
    ("GET", "/api/v1/newsletters/{id}", Need::Editor),
    ("POST", "/api/v1/newsletters/{id}/cancel", Need::Editor),
    ("GET", "/api/v1/webhooks", Need::Admin),
    ("POST", "/api/v1/webhooks", Need::Admin),
    ("GET", "/api/v1/webhooks/{id}", Need::Admin),
    ("PATCH", "/api/v1/webhooks/{id}", Need::Admin),
    ("DELETE", "/api/v1/webhooks/{id}", Need::Admin),
    ("POST", "/api/v1/webhooks/{id}/ping", Need::Admin),
    ("GET", "/api/v1/webhooks/{id}/deliveries", Need::Admin),
    (
        "POST",
        "/api/v1/webhook-deliveries/{id}/redeliver",
        Need::Admin,
    ),
    ("POST", "/api/v1/media", Need::Author),
    ("GET", "/api/v1/media", Need::Author),
    ("GET", "/api/v1/media/{id}", Need::Author),
    ("PATCH", "/api/v1/media/{id}", Need::Author),
    ("DELETE", "/api/v1/media/{id}", Need::Author),
];

#[test]
fn the_table_covers_every_documented_operation() {
    let doc: Value = serde_json::from_str(&byline::openapi::document_json()).expect("json");
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            let m = method.to_uppercase();
            assert!(
                ROUTES.iter().any(|(rm, rp, _)| *rm == m && rp == path),
                "{m} {path} is not in the role table"
            );
        }
    }
}

#[tokio::test]
async fn every_route_enforces_its_role() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    let key: Value = app
        .post(
            "/api/v1/api-keys",
            &json!({"name": "revoked", "role": "admin"}),
            Some(&admin),
        )
        .await
        .json()
        .await
        .expect("json");
    app.delete(
        &format!("/api/v1/api-keys/{}", key["id"].as_str().expect("id")),
        Some(&admin),
    )
    .await;
    let revoked = key["secret"].as_str().expect("secret").to_string();

    let callers: [(Option<&str>, Option<Need>, &str); 5] = [
        (None, None, "anonymous"),
        (Some(revoked.as_str()), None, "revoked key"),
        (Some(author.as_str()), Some(Need::Author), "author"),
        (Some(editor.as_str()), Some(Need::Editor), "editor"),
        (Some(admin.as_str()), Some(Need::Admin), "admin"),
    ];
    for (method, template, need) in ROUTES {
        let path = template
            .replace("{id}", ID)
            .replace("{post}", "no-such-post")
            .replace("{slug}", "no-such-tag")
            .replace("{n}", "1")
            .replace("{name}", &format!("{}.png", "0".repeat(64)));
        for (token, role, who) in &callers {
            let mut req = app.request(
                Method::from_bytes(method.as_bytes()).expect("method"),
                &path,
                *token,
            );
            if matches!(*method, "POST" | "PATCH") {
                req = req.json(&json!({}));
            }
            let status = req.send().await.expect("send").status().as_u16();
            let expected_refusal = match (need, role) {
                (Need::Public, _) => None,
                (_, None) => Some(401),
                (need, Some(role)) if role < need => Some(403),
                _ => None,
            };
            match expected_refusal {
                Some(code) => assert_eq!(status, code, "{method} {path} as {who}"),
                // Public routes that read the caller refuse bad credentials (401); the others
                // ignore them. Neither may grant or crash.
                None if *who == "revoked key" => assert!(
                    status != 403 && status < 500,
                    "{method} {path} as {who}: {status}"
                ),
                None => assert!(
                    status != 401 && status != 403 && status < 500,
                    "{method} {path} as {who}: {status}"
                ),
            }
        }
    }
}
