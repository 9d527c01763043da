use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with};

async fn comment(app: &TestApp, post: &str, body: Value) -> reqwest::Response {
    app.post(&format!("/api/v1/posts/{post}/comments"), &body, None)
        .await
}

async fn approve(app: &TestApp, editor: &str, id: &str) {
    let res = app
        .patch(
            &format!("/api/v1/comments/{id}"),
            &json!({"status": "approved"}),
            Some(editor),
        )
        .await;
    assert_eq!(res.status(), 200);
}

async fn thread(app: &TestApp, post: &str) -> Value {
    app.get(&format!("/api/v1/posts/{post}/comments"), None)
        .await
        .json()
        .await
        .expect("json")
}

async fn comment_count(app: &TestApp, post: &str) -> i64 {
    let post: Value = app
        .get(&format!("/api/v1/posts/{post}"), None)
        .await
        .json()
        .await
        .expect("json");
    post["comment_count"].as_i64().expect("comment_count")
}

#[tokio::test]
async fn a_comment_waits_for_moderation_then_appears() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Talk", "about it").await;
    let res = comment(&app, "talk", json!({"author_name": "Reader", "author_email": "reader@example.com", "body": "Nice post!"})).await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().contains_key("location"));
    let created: Value = res.json().await.expect("json");
    assert_eq!(created["status"], "pending");
    assert_eq!(created["html"], "<p>Nice post!</p>");
    assert_eq!(
        thread(&app, "talk").await["meta"]["total"],
        0,
        "pending comments are not public"
    );

    let id = created["id"].as_str().expect("id");
    approve(&app, &admin, id).await;
    let t = thread(&app, "talk").await;
    assert_eq!(t["meta"]["total"], 1);
    assert_eq!(t["data"][0]["author_name"], "Reader");
    assert_eq!(comment_count(&app, "talk").await, 1);
}

#[tokio::test]
async fn private_fields_never_reach_public_answers() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Private", "x").await;
    app.patch(
        "/api/v1/site",
        &json!({"comments_moderated": false}),
        Some(&admin),
    )
    .await;
    let res = app
        .request(reqwest::Method::POST, "/api/v1/posts/private/comments", None)
        .header("User-Agent", "SecretAgent/1.0")
        .json(&json!({"author_name": "Ann", "author_email": "ann.secret@example.com", "body": "Visible text"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 201);
    let created = res.text().await.expect("text");
    assert_eq!(
        serde_json::from_str::<Value>(&created).expect("json")["status"],
        "approved"
    );
    let public = app
        .get("/api/v1/posts/private/comments", None)
        .await
        .text()
        .await
        .expect("text");
    for answer in [&created, &public] {
        assert!(answer.contains("Visible text"));
        for secret in [
            "ann.secret@example.com",
            "SecretAgent",
            "127.0.0.1",
            "author_email",
            "\"ip\"",
        ] {
            assert!(!answer.contains(secret), "{secret} leaked in {answer}");
        }
    }
    let moderation: Value = app
        .get("/api/v1/comments", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        moderation["data"][0]["author_email"],
        "ann.secret@example.com"
    );
    assert_eq!(moderation["data"][0]["user_agent"], "SecretAgent/1.0");
    assert_eq!(moderation["data"][0]["ip"], "127.0.0.1");
}

#[tokio::test]
async fn refusals_have_their_own_statuses() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Open", "x").await;
    app.create_post(
        &admin,
        json!({"title": "Closed", "status": "published", "comments_enabled": false}),
    )
    .await;
    app.create_post(&admin, json!({"title": "Draft"})).await;
    let ok = json!({"author_name": "A", "body": "Hello"});
    assert_problem(comment(&app, "closed", ok.clone()).await, 403).await;
    assert_problem(comment(&app, "draft", ok.clone()).await, 404).await;
    assert_problem(comment(&app, "nope", ok.clone()).await, 404).await;

    let res = comment(
        &app,
        "open",
        json!({"author_name": "", "body": "", "author_email": "nope"}),
    )
    .await;
    let body = assert_problem(res, 422).await;
    for field in ["author_name", "body", "author_email"] {
        assert!(
            body["errors"][field].is_array(),
            "{field} not named: {body}"
        );
    }
    let res = comment(
        &app,
        "open",
        json!({"author_name": "x".repeat(81), "body": "y".repeat(10_001)}),
    )
    .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["author_name"].is_array() && body["errors"]["body"].is_array());

    assert_eq!(comment(&app, "open", ok.clone()).await.status(), 201);
    assert_problem(comment(&app, "open", ok.clone()).await, 409).await;

    // A parent on another post, or not approved, is refused.
    app.publish(&admin, "Other", "y").await;
    let pending: Value = comment(
        &app,
        "open",
        json!({"author_name": "B", "body": "pending one"}),
    )
    .await
    .json()
    .await
    .expect("json");
    let res = comment(
        &app,
        "open",
        json!({"author_name": "C", "body": "reply", "parent_id": pending["id"]}),
    )
    .await;
    assert!(assert_problem(res, 422).await["errors"]["parent_id"].is_array());
    approve(&app, &admin, pending["id"].as_str().expect("id")).await;
    let res = comment(
        &app,
        "other",
        json!({"author_name": "C", "body": "reply", "parent_id": pending["id"]}),
    )
    .await;
    assert!(assert_problem(res, 422).await["errors"]["parent_id"].is_array());
    let res = comment(
        &app,
        "open",
        json!({"author_name": "C", "body": "reply", "parent_id": "not-an-id"}),
    )
    .await;
    assert_problem(res, 422).await;
}

#[tokio::test]
async fn spam_is_stored_quietly_and_answered_like_any_comment() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Target", "x").await;
    for body in [
        json!({"author_name": "Bot", "body": "Buy now", "website": "http://spam.example"}),
        json!({"author_name": "Bot", "body": "a http://1.ex b http://2.ex c http://3.ex d http://4.ex"}),
        json!({"author_name": "Bot", "body": "https://only-a-link.example/buy"}),
    ] {
        let res = comment(&app, "target", body).await;
        assert_eq!(res.status(), 201);
        let shown: Value = res.json().await.expect("json");
        assert_eq!(shown["status"], "pending", "the spammer learns nothing");
    }
    let spam: Value = app
        .get("/api/v1/comments?status=spam", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(spam["meta"]["total"], 3);
    let pending: Value = app
        .get("/api/v1/comments?status=pending", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(pending["meta"]["total"], 0);
}

#[tokio::test]
async fn nothing_the_author_writes_becomes_markup() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Xss", "x").await;
    app.patch(
        "/api/v1/site",
        &json!({"comments_moderated": false}),
        Some(&admin),
    )
    .await;
    let attacks = [
        (
            "<script>alert(1)</script>",
            "<b onmouseover=alert(1)>name</b>",
        ),
        (
            "<a href=\"javascript:alert(1)\">click</a> javascript:alert(2)",
            "\"><img src=x onerror=alert(1)>",
        ),
        (
            "https://ok.example/\"onmouseover=\"alert(1) and <iframe src=x>",
            "Normal",
        ),
    ];
    for (body, name) in attacks {
        assert_eq!(
            comment(&app, "xss", json!({"author_name": name, "body": body}))
                .await
                .status(),
            201
        );
    }
    let raw = app
        .get("/api/v1/posts/xss/comments", None)
        .await
        .text()
        .await
        .expect("text");
    let t: Value = serde_json::from_str(&raw).expect("json");
    for c in t["data"].as_array().expect("data") {
        let html = c["html"].as_str().expect("html");
        for bad in ["<script", "<img", "<iframe", "<b "] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        // Attribute-looking text must stay text, outside any tag.
        for (i, _) in html
            .match_indices("onmouseover")
            .chain(html.match_indices("javascript"))
        {
            let before = &html[..i];
            assert!(
                before.rfind('<').unwrap_or(0) < before.rfind('>').unwrap_or(0),
                "attribute injected: {html}"
            );
        }
    }
    assert!(raw.contains("&lt;script&gt;"), "the text is kept, escaped");
    let links = t["data"][2]["html"].as_str().expect("html");
    assert!(links.contains("rel=\"nofollow ugc noopener\""), "{links}");
}

#[tokio::test]
async fn replies_come_in_thread_order_with_a_depth_limit() {
    let app = spawn_app_with(|s| s.comment_max_depth = 3).await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Thread", "x").await;
    app.patch(
        "/api/v1/site",
        &json!({"comments_moderated": false}),
        Some(&admin),
    )
    .await;
    let post = |body: &str, parent: Option<&Value>| {
        let mut req = json!({"author_name": "N", "body": body});
        if let Some(p) = parent {
            req["parent_id"] = p["id"].clone();
        }
        comment(&app, "thread", req)
    };
    let a: Value = post("a", None).await.json().await.expect("json");
    let b: Value = post("b", None).await.json().await.expect("json");
    let a1: Value = post("a1", Some(&a)).await.json().await.expect("json");
    let a1x: Value = post("a1x", Some(&a1)).await.json().await.expect("json");
    let too_deep: Value = post("a1x-deeper", Some(&a1x))
        .await
        .json()
        .await
        .expect("json");
    let b1: Value = post("b1", Some(&b)).await.json().await.expect("json");
    let a2: Value = post("a2", Some(&a)).await.json().await.expect("json");
    assert_eq!(
        too_deep["depth"], 2,
        "past the limit a reply stays at the deepest level"
    );
    assert_eq!(too_deep["parent_id"], a1["id"]);
    let t = thread(&app, "thread").await;
    let order: Vec<(&str, i64)> = t["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| {
            (
                c["html"].as_str().unwrap_or(""),
                c["depth"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("<p>a</p>", 0),
            ("<p>a1</p>", 1),
            ("<p>a1x</p>", 2),
            ("<p>a1x-deeper</p>", 2),
            ("<p>a2</p>", 1),
            ("<p>b</p>", 0),
            ("<p>b1</p>", 1)
        ]
    );
    assert_eq!(a2["parent_id"], a["id"]);
    assert_eq!(b1["parent_id"], b["id"]);
}

#[tokio::test]
async fn comment_count_follows_approve_trash_and_delete() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Count", "x").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let c: Value = comment(
            &app,
            "count",
            json!({"author_name": "N", "body": format!("c{i}")}),
        )
        .await
        .json()
        .await
        .expect("json");
        ids.push(c["id"].as_str().expect("id").to_string());
    }
    assert_eq!(comment_count(&app, "count").await, 0);
    let res = app
        .post(
            "/api/v1/comments/bulk",
            &json!({"ids": ids, "status": "approved"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.json::<Value>().await.expect("json")["updated"], 3);
    assert_eq!(comment_count(&app, "count").await, 3);
    let res = app
        .patch(
            &format!("/api/v1/comments/{}", ids[0]),
            &json!({"status": "trash"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(comment_count(&app, "count").await, 2);
    assert_eq!(
        app.delete(&format!("/api/v1/comments/{}", ids[1]), Some(&admin))
            .await
            .status(),
        204
    );
    assert_eq!(comment_count(&app, "count").await, 1);
    assert_problem(
        app.get(&format!("/api/v1/comments/{}", ids[1]), Some(&admin))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn deleting_a_comment_with_replies_leaves_a_placeholder() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Holes", "x").await;
    app.patch(
        "/api/v1/site",
        &json!({"comments_moderated": false}),
        Some(&admin),
    )
    .await;
    let parent: Value = comment(
        &app,
        "holes",
        json!({"author_name": "Gone", "author_email": "gone@example.com", "body": "parent"}),
    )
    .await
    .json()
    .await
    .expect("json");
    comment(
        &app,
        "holes",
        json!({"author_name": "Kid", "body": "child", "parent_id": parent["id"]}),
    )
    .await;
    let id = parent["id"].as_str().expect("id");
    assert_eq!(
        app.delete(&format!("/api/v1/comments/{id}"), Some(&admin))
            .await
            .status(),
        204
    );
    let t = thread(&app, "holes").await;
    assert_eq!(t["data"][0]["author_name"], "[deleted]");
    assert_eq!(t["data"][0]["html"], "<p>[deleted]</p>");
    assert_eq!(t["data"][1]["parent_id"], parent["id"]);
    let kept: Value = app
        .get(&format!("/api/v1/comments/{id}"), Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert!(
        kept["author_email"].is_null() && kept["ip"].is_null(),
        "the author's data is erased"
    );
    assert_eq!(comment_count(&app, "holes").await, 1);
}

#[tokio::test]
async fn signed_in_staff_comments_are_approved_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Staff", "x").await;
    let res = app
        .post(
            "/api/v1/posts/staff/comments",
            &json!({"author_name": "The Editor", "body": "Thanks all"}),
            Some(&admin),
        )
        .await;
    let c: Value = res.json().await.expect("json");
    assert_eq!(c["status"], "approved");
}

#[tokio::test]
async fn comment_floods_are_limited_per_client_and_per_post() {
    let app = spawn_app_with(|s| {
        s.comments_per_minute = 3;
        s.comments_per_post_per_minute = 100;
    })
    .await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Flood", "x").await;
    for i in 0..3 {
        assert_eq!(
            comment(
                &app,
                "flood",
                json!({"author_name": "F", "body": format!("n{i}")})
            )
            .await
            .status(),
            201
        );
    }
    let res = comment(
        &app,
        "flood",
        json!({"author_name": "F", "body": "one more"}),
    )
    .await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;

    let app = spawn_app_with(|s| {
        s.comments_per_minute = 100;
        s.comments_per_post_per_minute = 2;
    })
    .await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Flood", "x").await;
    for i in 0..2 {
        assert_eq!(
            comment(
                &app,
                "flood",
                json!({"author_name": "F", "body": format!("n{i}")})
            )
            .await
            .status(),
            201
        );
    }
    assert_problem(
        comment(&app, "flood", json!({"author_name": "G", "body": "x"})).await,
        429,
    )
    .await;
}

#[tokio::test]
async fn moderation_is_for_editors() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    assert_problem(app.get("/api/v1/comments", None).await, 401).await;
    assert_problem(app.get("/api/v1/comments", Some(&author)).await, 403).await;
    assert_eq!(
        app.get("/api/v1/comments?status=pending", Some(&editor))
            .await
            .status(),
        200
    );
    let res = app
        .post(
            "/api/v1/comments/bulk",
            &json!({"ids": [], "status": "spam"}),
            Some(&editor),
        )
        .await;
    assert_problem(res, 422).await;
    assert_problem(
        app.get("/api/v1/comments?status=weird", Some(&editor))
            .await,
        400,
    )
    .await;
}

#[tokio::test]
async fn the_owner_hears_about_comments_awaiting_moderation() {
    let smtp = crate::helpers::SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        s.owner_email = Some("owner@example.com".into());
    })
    .await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Notify", "x").await;
    comment(
        &app,
        "notify",
        json!({"author_name": "Reader", "body": "Please approve me"}),
    )
    .await;
    comment(
        &app,
        "notify",
        json!({"author_name": "Bot", "body": "spam", "website": "x"}),
    )
    .await;
    app.drain_outbox().await;
    let mails = smtp.to("owner@example.com");
    assert_eq!(mails.len(), 1, "one notice, none for spam");
    assert!(mails[0].contains("Please approve me"));
}
