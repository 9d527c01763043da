use serde_json::{Value, json};

use crate::helpers::{SmtpServer, assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_message_reaches_the_inbox_and_the_owner_with_reply_to() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        s.owner_email = Some("owner@example.com".into());
    })
    .await;
    let res = app
        .post("/api/v1/contact", &json!({"email": "asker@example.com", "message": "A question", "name": "Asker", "subject": "Hi"}), None)
        .await;
    assert_eq!(res.status(), 202);
    let receipt = res.text().await.expect("text");
    assert!(!receipt.contains("asker@example.com") && !receipt.contains("A question"));
    app.drain_outbox().await;
    let mails = smtp.to("owner@example.com");
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("Reply-To: asker@example.com"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("A question"));

    let (_, editor) = app.user_with_role("editor").await;
    let inbox: Value = app
        .get("/api/v1/contact-messages?status=unread", Some(&editor))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(inbox["meta"]["total"], 1);
    let id = inbox["data"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(inbox["data"][0]["email"], "asker@example.com");
    let res = app
        .patch(
            &format!("/api/v1/contact-messages/{id}"),
            &json!({"status": "archived"}),
            Some(&editor),
        )
        .await;
    assert_eq!(
        res.json::<Value>().await.expect("json")["status"],
        "archived"
    );
    let one: Value = app
        .get(&format!("/api/v1/contact-messages/{id}"), Some(&editor))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(one["message"], "A question");
    assert_eq!(
        app.delete(&format!("/api/v1/contact-messages/{id}"), Some(&editor))
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&format!("/api/v1/contact-messages/{id}"), Some(&editor))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn missing_fields_are_all_named() {
    let app = spawn_app().await;
    let body = assert_problem(app.post("/api/v1/contact", &json!({}), None).await, 422).await;
    assert!(
        body["errors"]["email"].is_array() && body["errors"]["message"].is_array(),
        "{body}"
    );
    let res = app
        .post("/api/v1/contact", &json!({"email": "a@example.com", "message": "x".repeat(5001), "subject": "s".repeat(201)}), None)
        .await;
    let body = assert_problem(res, 422).await;
    assert!(
        body["errors"]["message"].is_array() && body["errors"]["subject"].is_array(),
        "{body}"
    );
}

#[tokio::test]
async fn the_honeypot_is_stored_as_spam_with_the_same_answer() {
    let app = spawn_app_with(|s| s.owner_email = Some("owner@example.com".into())).await;
    let normal = app
        .post(
            "/api/v1/contact",
            &json!({"email": "a@example.com", "message": "Hello"}),
            None,
        )
        .await;
    let bot = app
        .post(
            "/api/v1/contact",
            &json!({"email": "b@example.com", "message": "Buy", "website": "http://spam.example"}),
            None,
        )
        .await;
    assert_eq!(normal.status(), bot.status());
    assert_eq!(
        normal.text().await.expect("a"),
        bot.text().await.expect("b")
    );
    let admin = app.admin_token().await;
    let spam: Value = app
        .get("/api/v1/contact-messages?status=spam", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(spam["meta"]["total"], 1);
    let outbox: Value = app
        .get("/api/v1/outbox", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        outbox["meta"]["total"], 1,
        "spam is not forwarded to the owner"
    );
}

#[tokio::test]
async fn contact_is_rate_limited_and_the_inbox_is_for_editors() {
    let app = spawn_app_with(|s| s.contact_per_minute = 1).await;
    assert_eq!(
        app.post(
            "/api/v1/contact",
            &json!({"email": "a@example.com", "message": "1"}),
            None
        )
        .await
        .status(),
        202
    );
    assert_problem(
        app.post(
            "/api/v1/contact",
            &json!({"email": "a@example.com", "message": "2"}),
            None,
        )
        .await,
        429,
    )
    .await;
    let (_, author) = app.user_with_role("author").await;
    assert_problem(
        app.get("/api/v1/contact-messages", Some(&author)).await,
        403,
    )
    .await;
    assert_problem(app.get("/api/v1/contact-messages", None).await, 401).await;
}
