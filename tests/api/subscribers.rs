use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{self, SmtpServer, TestApp, assert_problem, link, spawn_app_with};

async fn app_with_smtp(smtp: &SmtpServer) -> TestApp {
    let url = smtp.url();
    spawn_app_with(move |s| s.smtp_url = Some(url)).await
}

async fn subscribe(app: &TestApp, body: Value) -> reqwest::Response {
    app.post("/api/v1/subscribers", &body, None).await
}

#[tokio::test]
async fn sign_up_confirm_gift_and_one_click_unsubscribe_over_real_smtp() {
    let smtp = SmtpServer::start().await;
    let app = app_with_smtp(&smtp).await;
    let admin = app.admin_token().await;
    app.patch(
        "/api/v1/site",
        &json!({"title": "Video Blog", "gift": {"title": "Free video training", "description": "Six lessons", "url": "https://example.com/gift"}}),
        Some(&admin),
    )
    .await;

    let res = subscribe(
        &app,
        json!({"email": " Reader@Example.COM ", "name": "Reader", "source": "sidebar"}),
    )
    .await;
    assert_eq!(res.status(), 202);
    let receipt = res.text().await.expect("text");
    assert!(
        !receipt.to_lowercase().contains("reader@example.com"),
        "the answer does not echo the address"
    );
    app.drain_outbox().await;
    let mails = smtp.to("reader@example.com");
    assert_eq!(mails.len(), 1, "one confirmation e-mail");
    let confirmation = &mails[0];
    assert!(
        confirmation.contains("List-Unsubscribe: <"),
        "{confirmation}"
    );
    assert!(
        confirmation.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{confirmation}"
    );
    let confirm_url = link(
        confirmation,
        &format!("{}/api/v1/subscribers/confirm?token=", app.address),
    );

    let res = app.client.get(&confirm_url).send().await.expect("confirm");
    assert_eq!(res.status(), 200);
    let confirmed: Value = res.json().await.expect("json");
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["gift"]["url"], "https://example.com/gift");
    assert_problem(
        app.client.get(&confirm_url).send().await.expect("again"),
        410,
    )
    .await;

    app.drain_outbox().await;
    let mails = smtp.to("reader@example.com");
    assert_eq!(mails.len(), 2);
    let welcome = mails
        .iter()
        .find(|m| m.contains("Subject: Welcome"))
        .expect("welcome e-mail");
    assert!(welcome.contains("https://example.com/gift"), "{welcome}");
    let unsubscribe_url = link(
        welcome,
        &format!("{}/api/v1/subscribers/unsubscribe?token=", app.address),
    );

    // RFC 8058: a mail client POSTs `List-Unsubscribe=One-Click` to the header's URL.
    let res = app
        .client
        .post(&unsubscribe_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("unsubscribe");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.expect("json")["status"],
        "unsubscribed"
    );
    let list: Value = app
        .get("/api/v1/subscribers?status=unsubscribed", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["data"][0]["email"], "reader@example.com");
    assert_eq!(list["data"][0]["source"], "sidebar");
}

#[tokio::test]
async fn the_answer_is_the_same_for_new_and_known_addresses() {
    let smtp = SmtpServer::start().await;
    let app = app_with_smtp(&smtp).await;
    let first = subscribe(&app, json!({"email": "known@example.com"})).await;
    let (s1, b1) = (first.status(), first.text().await.expect("text"));
    app.drain_outbox().await;
    let mail = smtp.to("known@example.com").pop().expect("mail");
    let confirm = link(
        &mail,
        &format!("{}/api/v1/subscribers/confirm?token=", app.address),
    );
    assert_eq!(
        app.client
            .post(&confirm)
            .send()
            .await
            .expect("confirm")
            .status(),
        200
    );
    let again = subscribe(&app, json!({"email": "known@example.com"})).await;
    let fresh = subscribe(&app, json!({"email": "fresh@example.com"})).await;
    let (s2, b2) = (again.status(), again.text().await.expect("text"));
    let (s3, b3) = (fresh.status(), fresh.text().await.expect("text"));
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!((s1, &b1), (s3, &b3));
}

#[tokio::test]
async fn bad_tokens_and_bad_addresses_are_clear_errors() {
    let app = spawn_app_with(|_| {}).await;
    assert_problem(
        app.get("/api/v1/subscribers/confirm?token=nope", None)
            .await,
        404,
    )
    .await;
    assert_problem(app.get("/api/v1/subscribers/confirm", None).await, 404).await;
    assert_problem(
        app.get("/api/v1/subscribers/unsubscribe?token=nope", None)
            .await,
        404,
    )
    .await;
    let body = assert_problem(
        subscribe(
            &app,
            json!({"email": "not-an-address", "name": "x".repeat(101)}),
        )
        .await,
        422,
    )
    .await;
    assert!(body["errors"]["email"].is_array() && body["errors"]["name"].is_array());
    assert_problem(subscribe(&app, json!({})).await, 422).await;
}

#[tokio::test]
async fn nothing_is_lost_while_smtp_is_down() {
    let port = helpers::free_port();
    let app = spawn_app_with(move |s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    for i in 0..3 {
        assert_eq!(
            subscribe(&app, json!({"email": format!("down{i}@example.com")}))
                .await
                .status(),
            202
        );
    }
    let steps = app.drain_outbox().await;
    assert_eq!(steps.len(), 3);
    assert!(
        steps
            .iter()
            .all(|s| matches!(s, byline::jobs::Step::Retrying(_))),
        "{steps:?}"
    );
    let admin = app.admin_token().await;
    let pending: Value = app
        .get("/api/v1/outbox?status=pending", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(pending["meta"]["total"], 3);
    assert!(pending["data"][0]["last_error"].is_string());

    let smtp = SmtpServer::start_on(port).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while smtp.messages().len() < 3 && std::time::Instant::now() < deadline {
        app.drain_outbox().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for i in 0..3 {
        assert_eq!(
            smtp.to(&format!("down{i}@example.com")).len(),
            1,
            "down{i} delivered once"
        );
    }
    let sent: Value = app
        .get("/api/v1/outbox?status=sent", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sent["meta"]["total"], 3);
}

#[tokio::test]
async fn queued_mail_survives_a_restart_and_is_sent_once() {
    let smtp = SmtpServer::start().await;
    let app = app_with_smtp(&smtp).await;
    for i in 0..3 {
        subscribe(&app, json!({"email": format!("restart{i}@example.com")})).await;
    }
    app.handle.stop(true).await;
    let mut settings = helpers::test_settings(&app.dir);
    settings.smtp_url = Some(smtp.url());
    let again = helpers::start(app.dir, settings).await;
    assert_eq!(again.drain_outbox().await.len(), 3);
    assert!(again.drain_outbox().await.is_empty());
    for i in 0..3 {
        assert_eq!(smtp.to(&format!("restart{i}@example.com")).len(), 1);
    }
}

#[tokio::test]
async fn export_is_csv_with_formulas_defused() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin_token().await;
    subscribe(&app, json!({"email": "plain@example.com", "name": "Plain"})).await;
    subscribe(&app, json!({"email": "evil@example.com", "name": "=HYPERLINK(\"http://x\")", "source": "+1, \"quoted\""})).await;
    let res = app.get("/api/v1/subscribers/export", Some(&admin)).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/csv")
    );
    let body = res.text().await.expect("csv");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        headers,
        [
            "id",
            "email",
            "name",
            "status",
            "source",
            "created_at",
            "confirmed_at",
            "unsubscribed_at"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    let evil = rows
        .iter()
        .find(|r| &r[1] == "evil@example.com")
        .expect("evil row");
    assert_eq!(&evil[2], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&evil[4], "'+1, \"quoted\"");
    assert_eq!(&evil[3], "pending");
    let (_, editor) = app.user_with_role("author").await;
    assert_problem(
        app.get("/api/v1/subscribers/export", Some(&editor)).await,
        403,
    )
    .await;
    assert_problem(app.get("/api/v1/subscribers/export", None).await, 401).await;
}

#[tokio::test]
async fn erasure_leaves_no_trace_of_the_address() {
    // The check reads every byte of the database file, free pages included: SQLite's.
    let app = helpers::spawn_sqlite_app().await;
    let admin = app.admin_token().await;
    subscribe(
        &app,
        json!({"email": "forget.me@example.com", "name": "Forget Me"}),
    )
    .await;
    app.drain_outbox().await;
    let list: Value = app
        .get("/api/v1/subscribers", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    let id = list["data"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(
        app.delete(&format!("/api/v1/subscribers/{id}"), Some(&admin))
            .await
            .status(),
        204
    );
    assert_problem(
        app.delete(&format!("/api/v1/subscribers/{id}"), Some(&admin))
            .await,
        404,
    )
    .await;

    let copy = app.dir.path().join("after-erasure.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_byline"))
        .arg("backup")
        .arg(&copy)
        .env("BYLINE_DATABASE_URL", helpers::sqlite_url(app.dir.path()))
        .output()
        .expect("backup");
    assert!(out.status.success());
    let bytes = std::fs::read(&copy).expect("copy");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("forget.me@example.com") && !text.contains("Forget Me"),
        "the address is still stored"
    );
}

#[tokio::test]
async fn sign_ups_are_rate_limited() {
    let app = spawn_app_with(|s| s.subscribers_per_minute = 2).await;
    for i in 0..2 {
        assert_eq!(
            subscribe(&app, json!({"email": format!("r{i}@example.com")}))
                .await
                .status(),
            202
        );
    }
    let res = subscribe(&app, json!({"email": "r9@example.com"})).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;
}

#[tokio::test]
async fn only_editors_see_subscribers_and_only_admins_the_outbox() {
    let app = spawn_app_with(|_| {}).await;
    let (_, author) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    assert_problem(app.get("/api/v1/subscribers", Some(&author)).await, 403).await;
    assert_eq!(
        app.get("/api/v1/subscribers", Some(&editor)).await.status(),
        200
    );
    assert_problem(app.get("/api/v1/outbox", Some(&editor)).await, 403).await;
    let res = app
        .request(
            Method::DELETE,
            "/api/v1/subscribers/01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d50",
            None,
        )
        .send()
        .await
        .expect("send");
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn an_email_is_marked_failed_after_the_last_attempt() {
    let port = helpers::free_port();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.mail_max_attempts = 2;
        s.mail_retry_base_ms = 10;
    })
    .await;
    subscribe(&app, json!({"email": "never@example.com"})).await;
    let mut steps = app.drain_outbox().await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    steps.extend(app.drain_outbox().await);
    assert!(
        matches!(
            steps.as_slice(),
            [
                byline::jobs::Step::Retrying(_),
                byline::jobs::Step::Failed(_)
            ]
        ),
        "{steps:?}"
    );
    let admin = app.admin_token().await;
    let failed: Value = app
        .get("/api/v1/outbox?status=failed", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(failed["meta"]["total"], 1);
    assert_eq!(failed["data"][0]["attempts"], 2);
}

#[tokio::test]
async fn the_emailed_links_lead_to_the_sites_own_pages() {
    let smtp = SmtpServer::start().await;
    let app = app_with_smtp(&smtp).await;
    let admin = app.admin_token().await;
    for (field, bad) in [
        ("confirm_url", "/confirm.html"),
        ("unsubscribe_url", "//evil.example/{token}"),
    ] {
        let problem = assert_problem(
            app.patch("/api/v1/site", &json!({ field: bad }), Some(&admin))
                .await,
            422,
        )
        .await;
        assert!(problem["errors"][field].is_array(), "{problem}");
    }
    let res = app
        .patch(
            "/api/v1/site",
            &json!({"url": "https://blog.example", "confirm_url": "/welcome?t={token}",
                    "unsubscribe_url": "https://lists.example/leave/{token}"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let site: Value = res.json().await.expect("json");
    assert_eq!(site["confirm_url"], "/welcome?t={token}");

    subscribe(&app, json!({"email": "reader@example.com"})).await;
    app.drain_outbox().await;
    let confirmation = &smtp.to("reader@example.com")[0];
    let page = link(confirmation, "https://blog.example/welcome?t=");
    let token = page.rsplit('=').next().expect("token");
    let leave = link(confirmation, "https://lists.example/leave/");
    // The header stays the API's: mail clients POST to it without opening a page.
    let one_click = link(
        confirmation,
        &format!("<{}/api/v1/subscribers/unsubscribe?token=", app.address),
    );
    assert!(one_click.ends_with(leave.rsplit('/').next().expect("token")));

    // The page hands the token to the API.
    let res = app
        .post(
            &format!("/api/v1/subscribers/confirm?token={token}"),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    app.drain_outbox().await;
    let mails = smtp.to("reader@example.com");
    let welcome = mails
        .iter()
        .find(|m| m.contains("Subject: Welcome"))
        .expect("welcome");
    link(welcome, "https://lists.example/leave/");

    // Empty again: the API's own endpoints.
    let res = app
        .patch(
            "/api/v1/site",
            &json!({"confirm_url": "", "unsubscribe_url": ""}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    subscribe(&app, json!({"email": "other@example.com"})).await;
    app.drain_outbox().await;
    link(
        &smtp.to("other@example.com")[0],
        &format!("{}/api/v1/subscribers/confirm?token=", app.address),
    );
}
