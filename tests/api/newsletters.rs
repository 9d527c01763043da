//! Newsletters over real SMTP: who gets a copy (exactly one), what it looks like, and what
//! stops it.

use serde_json::{Value, json};

use crate::helpers::{SmtpServer, TestApp, assert_problem, link, spawn_app_with};

async fn app_with_smtp(smtp: &SmtpServer) -> TestApp {
    let url = smtp.url();
    spawn_app_with(move |s| s.smtp_url = Some(url)).await
}

/// Signs `email` up and, if `confirm`, follows the e-mailed link.
async fn reader(app: &TestApp, smtp: &SmtpServer, email: &str, confirm: bool) {
    let res = app
        .post("/api/v1/subscribers", &json!({"email": email}), None)
        .await;
    assert_eq!(res.status(), 202);
    app.drain_outbox().await;
    if confirm {
        let mail = smtp.to(email).pop().expect("confirmation");
        let url = link(
            &mail,
            &format!("{}/api/v1/subscribers/confirm?token=", app.address),
        );
        let res = app.client.post(&url).send().await.expect("confirm");
        assert_eq!(res.status(), 200);
        app.drain_outbox().await;
    }
}

/// The newsletter copies `email` received.
fn copies(smtp: &SmtpServer, email: &str, subject: &str) -> Vec<String> {
    smtp.to(email)
        .into_iter()
        .filter(|m| has_subject(m, subject))
        .collect()
}

fn has_subject(mail: &str, subject: &str) -> bool {
    let line = format!("Subject: {subject}");
    mail.lines().any(|l| l == line)
}

async fn send(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post("/api/v1/newsletters", &body, Some(token)).await
}

#[tokio::test]
async fn every_confirmed_reader_gets_exactly_one_copy_with_their_own_unsubscribe_link() {
    let smtp = SmtpServer::start().await;
    let app = app_with_smtp(&smtp).await;
    let admin = app.admin_token().await;
    for email in ["ann@example.com", "bob@example.com"] {
        reader(&app, &smtp, email, true).await;
    }
    reader(&app, &smtp, "pending@example.com", false).await;
    let post = app
        .publish(
            &admin,
            "Video tips",
            "Light **matters**.\n\n![x](/media/a.png)",
        )
        .await;

    let res = send(&app, &admin, json!({"post": post["slug"]})).await;
    assert_eq!(res.status(), 202);
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    let queued: Value = res.json().await.expect("json");
    assert_eq!(queued["total"], 2, "confirmed readers only: {queued}");
    assert_eq!(queued["status"], "queued");
    assert_eq!(queued["subject"], "Video tips");
    // The post's page is the frontend's, whenever the copies go out.
    let site = json!({"post_url": "https://blog.example/read/{slug}"});
    assert_eq!(
        app.patch("/api/v1/site", &site, Some(&admin))
            .await
            .status(),
        200
    );

    app.drain_newsletters().await;
    for email in ["ann@example.com", "bob@example.com"] {
        let got = copies(&smtp, email, "Video tips");
        assert_eq!(got.len(), 1, "{email} gets one copy");
        let mail = &got[0];
        assert!(mail.contains("multipart/alternative"), "{mail}");
        assert!(
            mail.contains("text/plain") && mail.contains("text/html"),
            "{mail}"
        );
        assert!(mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(
            mail.replace("=\r\n", "")
                .contains("https://blog.example/read/video-tips"),
            "the post's link from the site's post_url: {mail}"
        );
        assert!(
            mail.replace("=\r\n", "")
                .contains(&format!("{}/media/a.png", app.address)),
            "images by absolute URL: {mail}"
        );
    }
    assert!(copies(&smtp, "pending@example.com", "Video tips").is_empty());

    // Each copy's unsubscribe link is its reader's: Ann's one-click POST unsubscribes Ann.
    let ann = &copies(&smtp, "ann@example.com", "Video tips")[0];
    let header = ann
        .lines()
        .find(|l| l.starts_with("List-Unsubscribe: <"))
        .expect("header");
    let url = header
        .trim_start_matches("List-Unsubscribe: <")
        .trim_end_matches('>');
    let res = app
        .client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("unsubscribe");
    assert_eq!(res.status(), 200);
    let left: Value = app
        .get("/api/v1/subscribers?status=unsubscribed", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    let emails: Vec<&str> = left["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|s| s["email"].as_str())
        .collect();
    assert_eq!(emails, ["ann@example.com"]);

    let done: Value = app
        .get(location.trim_start_matches(&app.address), Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(done["status"], "sent", "{done}");
    assert_eq!(
        (done["sent"].as_i64(), done["failed"].as_i64()),
        (Some(2), Some(0))
    );
    assert!(done["finished_at"].is_string());
    let outbox: Value = app
        .get("/api/v1/outbox", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    let copies_listed = outbox["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|m| m["newsletter_id"] == done["id"])
        .count();
    assert_eq!(copies_listed, 2, "the outbox shows the copies");
}

#[tokio::test]
async fn a_post_goes_out_once_unless_resent_and_a_test_reaches_one_address() {
    let smtp = SmtpServer::start().await;
    let app = app_with_smtp(&smtp).await;
    let admin = app.admin_token().await;
    reader(&app, &smtp, "ann@example.com", true).await;
    let post = app.publish(&admin, "Once", "body").await;
    let id = post["id"].as_str().expect("id");

    let receiver = crate::helpers::Receiver::start(vec![]).await;
    app.post(
        "/api/v1/webhooks",
        &json!({"url": receiver.url, "events": ["newsletter.sent"]}),
        Some(&admin),
    )
    .await;
    assert_eq!(send(&app, &admin, json!({"post": id})).await.status(), 202);
    // Transactional e-mail has its own lane: a sign-up's confirmation goes while copies wait.
    reader(&app, &smtp, "new@example.com", false).await;
    assert_eq!(
        smtp.to("new@example.com").len(),
        1,
        "not stuck behind the newsletter"
    );
    assert!(copies(&smtp, "ann@example.com", "Once").is_empty());
    assert_problem(send(&app, &admin, json!({"post": id})).await, 409).await;
    assert_eq!(
        send(
            &app,
            &admin,
            json!({"post": id, "resend": true, "subject": "Once more"})
        )
        .await
        .status(),
        202
    );
    app.drain_newsletters().await;
    assert_eq!(copies(&smtp, "ann@example.com", "Once").len(), 1);
    assert_eq!(copies(&smtp, "ann@example.com", "Once more").len(), 1);
    app.drain_webhooks().await;
    let events: Vec<String> = receiver.received().into_iter().map(|r| r.event).collect();
    assert_eq!(
        events,
        ["newsletter.sent", "newsletter.sent"],
        "one per newsletter"
    );

    let res = app
        .post(
            "/api/v1/newsletters/test",
            &json!({"post": "once", "email": "editor@example.com"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 202);
    app.drain_outbox().await;
    assert_eq!(copies(&smtp, "editor@example.com", "[Test] Once").len(), 1);
    assert_eq!(
        copies(&smtp, "ann@example.com", "[Test] Once").len(),
        0,
        "a test copy goes to one address"
    );

    // Only what readers can see is sent: a draft is a 404, like an unknown post.
    let draft = app
        .create_post(&admin, json!({"title": "Not yet", "markdown": "x"}))
        .await;
    assert_problem(send(&app, &admin, json!({"post": draft["id"]})).await, 404).await;
    assert_problem(
        send(&app, &admin, json!({"post": "no-such-post"})).await,
        404,
    )
    .await;
}

#[tokio::test]
async fn cancel_stops_the_rest_and_a_reader_who_leaves_first_gets_nothing() {
    let smtp = SmtpServer::start().await;
    let app = app_with_smtp(&smtp).await;
    let admin = app.admin_token().await;
    for i in 0..3 {
        reader(&app, &smtp, &format!("r{i}@example.com"), true).await;
    }
    let post = app.publish(&admin, "Stop me", "body").await;
    let queued: Value = send(&app, &admin, json!({"post": post["id"]}))
        .await
        .json()
        .await
        .expect("json");
    let id = queued["id"].as_str().expect("id");
    // One copy goes, then the newsletter is cancelled.
    app.jobs.newsletters.run_once().await.expect("one copy");
    let res = app
        .post(
            &format!("/api/v1/newsletters/{id}/cancel"),
            &json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    app.drain_newsletters().await;
    let received: usize = (0..3)
        .map(|i| copies(&smtp, &format!("r{i}@example.com"), "Stop me").len())
        .sum();
    assert_eq!(received, 1, "what went out stays sent; the rest never go");
    let state: Value = app
        .get(&format!("/api/v1/newsletters/{id}"), Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(state["status"], "cancelled");
    assert_eq!(state["sent"], 1);

    // Queued, then one reader is erased and another unsubscribes before their copies go.
    let other = app.publish(&admin, "Second", "body").await;
    send(&app, &admin, json!({"post": other["id"]})).await;
    let list: Value = app
        .get("/api/v1/subscribers?status=confirmed", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    let r0 = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|s| s["email"] == "r0@example.com")
        .expect("r0");
    let res = app
        .delete(
            &format!("/api/v1/subscribers/{}", r0["id"].as_str().expect("id")),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 204);
    let welcome = smtp
        .to("r1@example.com")
        .into_iter()
        .find(|m| m.contains("Subject: Welcome"))
        .expect("welcome");
    let unsubscribe = link(
        &welcome,
        &format!("{}/api/v1/subscribers/unsubscribe?token=", app.address),
    );
    let res = app
        .client
        .post(&unsubscribe)
        .send()
        .await
        .expect("unsubscribe");
    assert_eq!(res.status(), 200);
    app.drain_newsletters().await;
    assert!(
        copies(&smtp, "r0@example.com", "Second").is_empty(),
        "erased"
    );
    assert!(
        copies(&smtp, "r1@example.com", "Second").is_empty(),
        "unsubscribed"
    );
    assert_eq!(copies(&smtp, "r2@example.com", "Second").len(), 1);
}

#[tokio::test]
async fn a_scheduled_post_marked_for_subscribers_goes_out_once_at_its_time() {
    let smtp = SmtpServer::start().await;
    let app = app_with_smtp(&smtp).await;
    let admin = app.admin_token().await;
    reader(&app, &smtp, "ann@example.com", true).await;
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let post = app
        .create_post(
            &admin,
            json!({"title": "Later", "markdown": "soon", "status": "published",
                   "published_at": at.to_rfc3339(), "email_subscribers": true}),
        )
        .await;
    assert_eq!(post["status"], "scheduled");
    app.drain_newsletters().await;
    assert!(
        copies(&smtp, "ann@example.com", "Later").is_empty(),
        "not before its time"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    app.jobs.scheduler.run_once().await.expect("scheduler");
    app.drain_newsletters().await;
    app.jobs
        .scheduler
        .run_once()
        .await
        .expect("scheduler again");
    app.drain_newsletters().await;
    assert_eq!(copies(&smtp, "ann@example.com", "Later").len(), 1);
    // Editing it later sends nothing more.
    app.patch(
        &format!("/api/v1/posts/{}", post["id"].as_str().expect("id")),
        &json!({"title": "Later, edited", "email_subscribers": true}),
        Some(&admin),
    )
    .await;
    app.drain_newsletters().await;
    assert!(copies(&smtp, "ann@example.com", "Later, edited").is_empty());
}

#[tokio::test]
async fn copies_wait_out_a_mail_server_that_is_down_and_go_once_it_is_back() {
    let port = crate::helpers::free_port();
    let app = spawn_app_with(move |s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    let admin = app.admin_token().await;
    // Readers confirmed while the mail server is down: their own e-mails wait too.
    for email in ["a@example.com", "b@example.com"] {
        app.post("/api/v1/subscribers", &json!({"email": email}), None)
            .await;
    }
    app.drain_outbox().await;
    let smtp = SmtpServer::start_on(port).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while smtp.messages().len() < 2 && std::time::Instant::now() < deadline {
        app.drain_outbox().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for email in ["a@example.com", "b@example.com"] {
        let mail = smtp.to(email).pop().expect("confirmation");
        let url = link(
            &mail,
            &format!("{}/api/v1/subscribers/confirm?token=", app.address),
        );
        app.client.post(&url).send().await.expect("confirm");
    }
    drop(smtp);
    let post = app.publish(&admin, "Resilient", "body").await;
    send(&app, &admin, json!({"post": post["id"]})).await;
    app.drain_newsletters().await;
    let smtp = SmtpServer::start_on(port).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while copies(&smtp, "b@example.com", "Resilient").is_empty()
        || copies(&smtp, "a@example.com", "Resilient").is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "delivered once the server is back"
        );
        app.drain_newsletters().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.drain_newsletters().await;
    for email in ["a@example.com", "b@example.com"] {
        assert_eq!(copies(&smtp, email, "Resilient").len(), 1, "{email} once");
    }
}

#[tokio::test]
async fn only_editors_send_newsletters() {
    let app = spawn_app_with(|_| {}).await;
    let (_, author) = app.user_with_role("author").await;
    let admin = app.admin_token().await;
    let post = app.publish(&admin, "Mine", "body").await;
    assert_problem(send(&app, &author, json!({"post": post["id"]})).await, 403).await;
    let res = app
        .post("/api/v1/newsletters", &json!({"post": post["id"]}), None)
        .await;
    assert_problem(res, 401).await;
    assert_problem(app.get("/api/v1/newsletters", Some(&author)).await, 403).await;
}

/// Kills the real binary with SIGKILL while a newsletter is going out, restarts it, and checks
/// that every reader got their copy, and only ever the one message: a copy whose sending was cut
/// off after the mail server took it goes again with the same Message-ID (so it is one message
/// to the receiving side), and the newsletter counts each reader once.
#[tokio::test]
async fn a_newsletter_cut_off_by_sigkill_finishes_after_restart_one_message_per_reader() {
    use diesel::RunQueryDsl;
    use std::time::{Duration, Instant};

    const READERS: usize = 60;
    let smtp = SmtpServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let port = crate::helpers::free_port();
    let env = [
        ("BYLINE_SMTP_URL", smtp.url()),
        ("BYLINE_NEWSLETTER_PER_SECOND", "40".to_string()),
        // On PostgreSQL the copies the killed process had claimed come back when their lease
        // lapses (another node may be sending them); on SQLite the restart releases them.
        ("BYLINE_JOB_LEASE_SECONDS", "3".to_string()),
    ];
    let start = || crate::helpers::start_binary(dir.path(), port, &env);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut child = start();
    crate::helpers::wait_up(&client, &base).await;
    // Confirmed readers, written straight into the database.
    let mut conn = byline::db::connect(&crate::helpers::database_url(dir.path())).expect("db");
    {
        use byline::db::schema::subscribers::dsl::*;
        use diesel::ExpressionMethods;
        let now = chrono::Utc::now().naive_utc();
        for i in 0..READERS {
            diesel::insert_into(subscribers)
                .values((
                    id.eq(uuid::Uuid::now_v7().to_string()),
                    email.eq(format!("reader{i}@example.com")),
                    status.eq("confirmed"),
                    created_at.eq(now),
                    confirmed_at.eq(now),
                ))
                .execute(&mut conn)
                .expect("seed");
        }
    }
    drop(conn);
    let token = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "admin@example.com", "password": "admin password"}))
        .send()
        .await
        .expect("login")
        .json::<Value>()
        .await
        .expect("json")["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let post: Value = client
        .post(format!("{base}/api/v1/posts"))
        .bearer_auth(&token)
        .json(&json!({"title": "Cut off", "markdown": "body", "status": "published"}))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let news: Value = client
        .post(format!("{base}/api/v1/newsletters"))
        .bearer_auth(&token)
        .json(&json!({"post": post["id"]}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(news["total"], READERS as i64);
    let first_third = Instant::now() + Duration::from_secs(20);
    while copies_of(&smtp, "Cut off").len() < READERS / 3 {
        assert!(Instant::now() < first_third, "copies started going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.start_kill().expect("kill");
    child.wait().await.expect("dead");
    let at_kill = copies_of(&smtp, "Cut off").len();
    assert!(
        at_kill < READERS,
        "killed mid-send ({at_kill} of {READERS})"
    );

    let _restarted = start();
    crate::helpers::wait_up(&client, &base).await;
    let url = format!(
        "{base}/api/v1/newsletters/{}",
        news["id"].as_str().expect("id")
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = loop {
        let state: Value = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        if state["status"] == "sent" {
            break state;
        }
        assert!(
            Instant::now() < deadline,
            "finished after the restart: {state}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        done["sent"], READERS as i64,
        "each reader counted once: {done}"
    );
    let mut ids_per_reader =
        std::collections::HashMap::<String, std::collections::HashSet<String>>::new();
    for mail in copies_of(&smtp, "Cut off") {
        let header = |name: &str| {
            mail.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .unwrap_or_default()
                .to_string()
        };
        ids_per_reader
            .entry(header("To:"))
            .or_default()
            .insert(header("Message-ID:"));
    }
    assert_eq!(
        ids_per_reader.len(),
        READERS,
        "every reader got the newsletter"
    );
    assert!(
        ids_per_reader.values().all(|ids| ids.len() == 1),
        "one message per reader: {ids_per_reader:?}"
    );
}

/// Every copy with this subject, whoever it went to.
fn copies_of(smtp: &SmtpServer, subject: &str) -> Vec<String> {
    smtp.messages()
        .into_iter()
        .filter(|m| has_subject(m, subject))
        .collect()
}
