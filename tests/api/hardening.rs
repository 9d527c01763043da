//! The attacks of the hardening audit, one test each, over HTTP against the real server. Each
//! was let through before; each must be refused or bounded now.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn hostile_bodies_answer_fast_and_never_hold_the_writer() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // 730 KiB of nested <div>s ran for over 9 minutes inside the write lock.
    let nested = json!({"title": "Deep", "html": "<div>".repeat(150_000)});
    let started = Instant::now();
    let post = {
        let (client, address, admin) = (app.client.clone(), app.address.clone(), admin.clone());
        tokio::spawn(async move {
            client
                .post(format!("{address}/api/v1/posts"))
                .bearer_auth(admin)
                .json(&nested)
                .send()
                .await
                .expect("post")
        })
    };
    let signup_started = Instant::now();
    let signup = app
        .post(
            "/api/v1/subscribers",
            &json!({"email": "meanwhile@example.com"}),
            None,
        )
        .await;
    assert_eq!(signup.status(), 202);
    let signup_took = signup_started.elapsed();
    let body = assert_problem(post.await.expect("task"), 422).await;
    assert!(body["errors"]["html"].is_array(), "{body}");
    println!(
        "nested <div>s refused in {:?}; a sign-up meanwhile took {signup_took:?}",
        started.elapsed()
    );
    assert!(signup_took < Duration::from_secs(3), "{signup_took:?}");

    for (field, body) in [
        (
            "markdown",
            json!({"title": "Quotes", "markdown": ">".repeat(32_000)}),
        ),
        (
            "html",
            json!({"title": "Lists", "html": "<ul><li>".repeat(5_000)}),
        ),
    ] {
        let res = app.post("/api/v1/posts", &body, Some(&admin)).await;
        assert!(assert_problem(res, 422).await["errors"][field].is_array());
    }
    // 8,000 headings of one name were quadratic; now a bounded render that succeeds.
    let started = Instant::now();
    let many = app
        .post(
            "/api/v1/posts",
            &json!({"title": "Headings", "markdown": "# a\n".repeat(8_000)}),
            Some(&admin),
        )
        .await;
    assert_eq!(many.status(), 201);
    let html = many.json::<Value>().await.expect("json")["html"]
        .as_str()
        .expect("html")
        .to_string();
    assert!(html.contains(r#"id="post-a-8000""#));
    println!(
        "8,000 same-named headings rendered in {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn post_bodies_and_list_answers_have_size_limits() {
    let app = spawn_app_with(|s| s.post_max_bytes = 2_000).await;
    let admin = app.admin_token().await;
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "Big", "markdown": "x".repeat(2_001)}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["markdown"].is_array(), "{body}");
    let items = format!(
        "{}\n{}\n",
        json!({"title": "Fits", "markdown": "x".repeat(2_000)}),
        json!({"title": "Too big", "html": "x".repeat(2_001)})
    );
    let report: Value = app
        .request(Method::POST, "/api/v1/posts/import", Some(&admin))
        .header("content-type", "application/x-ndjson")
        .body(items)
        .send()
        .await
        .expect("import")
        .json()
        .await
        .expect("json");
    assert_eq!(report["totals"]["created"], 1, "{report}");
    assert!(report["items"][1]["errors"]["html"].is_array(), "{report}");

    // Bodies in a list: at most 10 a page.
    for i in 0..12 {
        app.publish(&admin, &format!("Post {i}"), "body").await;
    }
    let asked_more: Value = app
        .get("/api/v1/posts?fields=slug,html&per_page=100", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        asked_more["meta"]["per_page"], 10,
        "a page with bodies shrinks"
    );
    assert_eq!(asked_more["data"].as_array().map(Vec::len), Some(10));
    let page: Value = app
        .get("/api/v1/posts?fields=slug,markdown", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["meta"]["per_page"], 10);
    assert_eq!(page["data"].as_array().map(Vec::len), Some(10));
}

/// A receiver that answers 200 and then never stops sending its body.
async fn endless_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                while socket.write_all(&chunk).await.is_ok() {}
            });
        }
    });
    format!("http://{address}/hook")
}

#[tokio::test]
async fn a_webhook_receiver_that_never_stops_answering_is_read_only_as_far_as_kept() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let url = endless_receiver().await;
    let hook: Value = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": url, "events": ["*"]}),
            Some(&admin),
        )
        .await
        .json()
        .await
        .expect("json");
    let id = hook["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/webhooks/{id}/ping"),
        &json!({}),
        Some(&admin),
    )
    .await;
    let started = Instant::now();
    let steps = app.drain_webhooks().await;
    println!("endless answer delivered in {:?}", started.elapsed());
    assert!(
        matches!(steps.as_slice(), [byline::jobs::Step::Sent(_)]),
        "{steps:?}"
    );
    let log: Value = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    let delivery = &log["data"][0];
    assert_eq!(delivery["status"], "delivered");
    assert_eq!(delivery["last_response"].as_str().map(str::len), Some(1024));
    // Reading stopped at 1 KiB; the old code read until the 10 s timeout, then failed.
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn every_name_of_a_post_counts_against_one_flood_limit() {
    let app = spawn_app_with(|s| {
        s.comments_per_post_per_minute = 3;
        s.comments_per_minute = 1_000;
    })
    .await;
    let admin = app.admin_token().await;
    let post = app.publish(&admin, "Target", "x").await;
    let id = post["id"].as_str().expect("id").to_string();
    // Other spellings of the id name nothing.
    for other in [
        format!("{{{id}}}"),
        format!("urn:uuid:{id}"),
        id.replace('-', ""),
    ] {
        let res = app
            .post(
                &format!("/api/v1/posts/{other}/comments"),
                &json!({"author_name": "N", "body": format!("via {other}")}),
                None,
            )
            .await;
        assert_problem(res, 404).await;
    }
    let names = [id.clone(), id.to_uppercase(), "target".to_string()];
    for (i, name) in names.iter().enumerate() {
        let res = app
            .post(
                &format!("/api/v1/posts/{name}/comments"),
                &json!({"author_name": "N", "body": format!("comment {i}")}),
                None,
            )
            .await;
        assert_eq!(res.status(), 201, "{name}");
    }
    let res = app
        .post(
            &format!("/api/v1/posts/{}/comments", id.to_uppercase()),
            &json!({"author_name": "N", "body": "one too many"}),
            None,
        )
        .await;
    assert_problem(res, 429).await;
}

#[tokio::test]
async fn sign_up_names_are_one_line_and_a_pending_address_gets_one_email_an_hour() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let phishing = "Ann\r\n\r\nYour account is locked: https://evil.example/login";
    let res = app
        .post(
            "/api/v1/subscribers",
            &json!({"email": "victim@example.com", "name": phishing}),
            None,
        )
        .await;
    assert!(assert_problem(res, 422).await["errors"]["name"].is_array());
    for _ in 0..3 {
        let res = app
            .post(
                "/api/v1/subscribers",
                &json!({"email": "victim@example.com"}),
                None,
            )
            .await;
        assert_eq!(res.status(), 202);
    }
    let outbox: Value = app
        .get("/api/v1/outbox", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(outbox["meta"]["total"], 1, "{outbox}");
}

#[tokio::test]
async fn repeated_comments_are_found_under_another_name_or_invisible_characters() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Open", "x").await;
    let text = "Buy cheap watches at our wonderful shop today";
    let first = app
        .post(
            "/api/v1/posts/open/comments",
            &json!({"author_name": "Bot", "body": text}),
            None,
        )
        .await;
    assert_eq!(first.status(), 201);
    for (name, body) in [
        ("Another Bot", text.to_string()),
        ("Bot", format!("{text}\u{200b}")),
        ("bot", text.to_uppercase().replace(' ', "  ")),
    ] {
        let res = app
            .post(
                "/api/v1/posts/open/comments",
                &json!({"author_name": name, "body": body}),
                None,
            )
            .await;
        assert_problem(res, 409).await;
    }
    let res = app
        .post(
            "/api/v1/posts/open/comments",
            &json!({"author_name": "Bot\nBcc", "body": "new text"}),
            None,
        )
        .await;
    assert!(assert_problem(res, 422).await["errors"]["author_name"].is_array());
}

#[tokio::test]
async fn webhook_urls_to_special_addresses_are_refused_in_every_spelling() {
    let app = spawn_app_with(|s| s.webhooks_allow_private = false).await;
    let admin = app.admin_token().await;
    for url in [
        "http://[::127.0.0.1]/",
        "http://0.1.2.3/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
        "http://198.18.0.1/",
        "http://240.0.0.1/",
        "http://[::ffff:10.0.0.1]/",
        "http://[2001:0:4136:e378::1]/",
        "http://localhost:9/",
    ] {
        let res = app
            .post(
                "/api/v1/webhooks",
                &json!({"url": url, "events": ["*"]}),
                Some(&admin),
            )
            .await;
        let body = assert_problem(res, 422).await;
        assert!(body["errors"]["url"].is_array(), "{url}: {body}");
    }
}

#[tokio::test]
async fn a_password_change_ends_tokens_issued_the_same_second() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, token) = app.user_with_role("author").await;
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).await.status(), 200);
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({"password": "a brand new password"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(app.get("/api/v1/auth/me", Some(&token)).await, 401).await;
}

#[tokio::test]
async fn auth_me_tells_a_key_its_own_role() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let key: Value = app
        .post(
            "/api/v1/api-keys",
            &json!({"name": "ci", "role": "author"}),
            Some(&admin),
        )
        .await
        .json()
        .await
        .expect("json");
    let secret = key["secret"].as_str().expect("secret");
    let me: Value = app
        .get("/api/v1/auth/me", Some(secret))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["role"], "author", "{me}");
    assert_eq!(me["credential"], "api_key");
    assert_eq!(me["api_key_id"], key["id"]);
    let me: Value = app
        .get("/api/v1/auth/me", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (me["role"].as_str(), me["credential"].as_str()),
        (Some("admin"), Some("token"))
    );
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_is_cut_off() {
    let app = spawn_app_with(|s| s.body_timeout_ms = 500).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/v1/contact HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{"
    );
    socket.write_all(head.as_bytes()).await.expect("head");
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            // One more byte now and then, as a slow client would.
            let _ = socket.write_all(b" ").await;
            match tokio::time::timeout(Duration::from_millis(100), socket.read(&mut buf)).await {
                Ok(Ok(0)) => break,
                Ok(Ok(n)) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                Ok(Err(_)) => break,
                Err(_) => {}
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept waiting for the body");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn admin_passwords_must_be_strong_and_failed_sign_ins_slow_the_account() {
    let app = spawn_app_with(|s| s.login_per_minute = 1_000).await;
    let admin = app.admin_token().await;
    for weak in ["passwordpassword", "aaaaaaaaaaaaaaaa", "short pw"] {
        let res = app
            .post(
                "/api/v1/users",
                &json!({"email": "boss@example.com", "name": "Boss", "password": weak, "role": "admin"}),
                Some(&admin),
            )
            .await;
        assert!(
            assert_problem(res, 422).await["errors"]["password"].is_array(),
            "{weak}"
        );
    }
    let (_, _) = app.user_with_role("author").await;
    let email = "victim@example.com";
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": email, "name": "V", "password": "victim password", "role": "author"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    for _ in 0..4 {
        assert_problem(app.login(email, "wrong guess!!").await, 401).await;
    }
    // The account now waits; other accounts and the IP do not.
    let res = app.login(email, "victim password").await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;
    assert_eq!(
        app.login(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn the_rest_of_the_table() {
    let site = tempfile::tempdir().expect("site");
    std::fs::write(site.path().join("index.html"), "<h1>Blog</h1>").expect("index");
    let secret = tempfile::tempdir().expect("secret");
    std::fs::write(secret.path().join("passwd"), "root:x:0:0").expect("secret file");
    std::os::unix::fs::symlink(secret.path().join("passwd"), site.path().join("leak.txt"))
        .expect("symlink");
    let site_dir = site.path().to_path_buf();
    let app = spawn_app_with(move |s| s.site = byline::config::SiteSource::Dir(site_dir)).await;
    let admin = app.admin_token().await;

    // No symlinks out of the site folder.
    let res = app.get("/leak.txt", None).await;
    assert_problem(res, 404).await;

    // Element ids from posts are prefixed; `/\` URLs are refused or dropped.
    let post = app
        .create_post(
            &admin,
            json!({"title": "Ids", "html": r#"<div id="comments">x</div><a href="/\evil.example">y</a>"#}),
        )
        .await;
    let html = post["html"].as_str().expect("html");
    assert!(
        html.contains(r#"id="post-comments""#) && !html.contains("evil"),
        "{html}"
    );
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "Image", "feature_image": "/\\evil.example/x.png"}),
            Some(&admin),
        )
        .await;
    assert!(assert_problem(res, 422).await["errors"]["feature_image"].is_array());

    // Another author's draft slug is not revealed: the second gets a suffix.
    let (_, first) = app.user_with_role("author").await;
    let (_, second) = app.user_with_role("author").await;
    app.create_post(&first, json!({"title": "Plan", "slug": "secret-plan"}))
        .await;
    let mine = app
        .create_post(&second, json!({"title": "Plan", "slug": "secret-plan"}))
        .await;
    assert_eq!(mine["slug"], "secret-plan-2");
    // One's own slug still clashes visibly.
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "Again", "slug": "secret-plan-2"}),
            Some(&second),
        )
        .await;
    assert_problem(res, 409).await;

    // A range past the file's end is a 416 in problem+json.
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(1, 1)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png).file_name("p.png"),
    );
    let uploaded: Value = app
        .request(Method::POST, "/api/v1/media", Some(&admin))
        .multipart(form)
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");
    let url = uploaded["url"].as_str().expect("url");
    let res = app
        .client
        .get(url)
        .header("range", "bytes=999999-")
        .send()
        .await
        .expect("range");
    assert_problem(res, 416).await;
}

/// One 422 names every bad field: those of the wrong type or unknown (which serde alone would
/// stop at, one at a time) and those the conversion refuses among the rest.
#[tokio::test]
async fn every_bad_field_of_a_body_is_named_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let post = app.publish(&admin, "Talk", "about it").await;
    let id = post["id"].as_str().expect("id");
    let cases = [
        (
            format!("/api/v1/posts/{id}/comments"),
            json!({"author_name": 5, "body": "", "parent_id": 7, "colour": "red"}),
            vec!["author_name", "body", "parent_id", "colour"],
        ),
        (
            "/api/v1/contact".to_string(),
            json!({"email": "nope", "message": ["x"], "subject": false}),
            vec!["email", "message", "subject"],
        ),
        (
            "/api/v1/posts".to_string(),
            json!({"title": 1, "status": "bogus", "comments_enabled": "yes", "meta_title": "x".repeat(301)}),
            vec!["title", "status", "comments_enabled", "meta_title"],
        ),
        (
            "/api/v1/users".to_string(),
            json!({"email": 3, "name": "", "password": "short"}),
            vec!["email", "name", "password"],
        ),
    ];
    for (path, body, fields) in cases {
        let res = app.post(&path, &body, Some(&admin)).await;
        let problem = assert_problem(res, 422).await;
        let named: Vec<&String> = problem["errors"]
            .as_object()
            .expect("errors")
            .keys()
            .collect();
        for field in &fields {
            assert!(
                named.iter().any(|n| n == field),
                "{path}: {field} not named in {problem}"
            );
        }
        assert_eq!(named.len(), fields.len(), "{path}: {problem}");
    }
}

/// Naming every bad field reads the body once per field named: a body of thousands of unknown
/// keys gets a bounded answer (the first 32 passes), not a pass per key.
#[tokio::test]
async fn a_body_of_thousands_of_unknown_fields_names_a_bounded_few() {
    let app = spawn_app().await;
    let mut body = serde_json::Map::new();
    body.insert("email".into(), json!("reader@example.com"));
    body.insert("message".into(), json!("hello"));
    for i in 0..5000 {
        body.insert(format!("extra{i:04}"), json!(i));
    }
    let res = app
        .post("/api/v1/contact", &Value::Object(body), None)
        .await;
    let problem = assert_problem(res, 422).await;
    let named = problem["errors"].as_object().expect("errors").len();
    assert!((2..=33).contains(&named), "{named} fields named");
}
