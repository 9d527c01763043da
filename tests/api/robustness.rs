//! Concurrency, hostile input and crashes: the server keeps working and loses nothing.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    admin_token_at, assert_problem, free_port, spawn_app, spawn_app_with, start_binary, wait_up,
};

#[tokio::test]
async fn two_patches_with_the_same_etag_one_wins() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Contested", "v1").await;
    let etag = app.get("/api/v1/posts/contested", None).await.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_string();
    let patch = |body: &'static str| {
        app.request(Method::PATCH, "/api/v1/posts/contested", Some(&admin))
            .header("If-Match", &etag)
            .json(&json!({"markdown": body}))
            .send()
    };
    let (a, b) = tokio::join!(patch("from a"), patch("from b"));
    let mut statuses = [
        a.expect("a").status().as_u16(),
        b.expect("b").status().as_u16(),
    ];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412]);
}

#[tokio::test]
async fn many_concurrent_writers_never_see_a_server_error() {
    let app = spawn_app_with(|s| {
        s.comments_per_minute = 10_000;
        s.comments_per_post_per_minute = 10_000;
        s.subscribers_per_minute = 10_000;
    })
    .await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Busy", "x").await;
    let mut tasks = Vec::new();
    for i in 0..60 {
        let (client, base, token) = (app.client.clone(), app.address.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            let req = match i % 4 {
                0 => client.post(format!("{base}/api/v1/posts/busy/comments")).json(&json!({"author_name": "N", "body": format!("c{i}")})),
                1 => client.patch(format!("{base}/api/v1/posts/busy")).bearer_auth(&token).json(&json!({"markdown": format!("v{i}")})),
                2 => client
                    .post(format!("{base}/api/v1/posts/import"))
                    .bearer_auth(&token)
                    .json(&json!([{"title": format!("Imported {i}"), "markdown": "x", "tags": ["load"]}])),
                _ => client.post(format!("{base}/api/v1/subscribers")).json(&json!({"email": format!("s{i}@example.com")})),
            };
            req.send().await.expect("send").status().as_u16()
        }));
    }
    for t in tasks {
        let status = t.await.expect("task");
        assert!(status < 500, "a writer got {status}");
    }
    let comments: Value = app
        .get("/api/v1/comments", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(comments["meta"]["total"], 15);
}

#[tokio::test]
async fn hostile_bodies_get_clear_client_errors_and_store_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let send = |body: Vec<u8>| {
        app.request(Method::POST, "/api/v1/posts", Some(&admin))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let deep = format!(
        "{{\"title\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    )
    .into_bytes();
    let res = send(deep).await.expect("send");
    let status = res.status().as_u16();
    assert!(status == 400 || status == 422, "deep nesting gave {status}");
    assert_problem(res, status).await;
    let mut bad_utf8 = b"{\"title\": \"".to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe, 0xfd]);
    bad_utf8.extend_from_slice(b"\"}");
    assert_problem(send(bad_utf8).await.expect("send"), 400).await;
    assert_problem(
        send(br#"{"title": "nul\u0000byte"}"#.to_vec())
            .await
            .expect("send"),
        400,
    )
    .await;
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "x", "slug": "a".repeat(10_000)}),
            Some(&admin),
        )
        .await;
    assert!(assert_problem(res, 422).await["errors"]["slug"].is_array());
    let long_q = "word ".repeat(1500);
    assert_eq!(
        app.get(
            &format!("/api/v1/posts?q={}", long_q.replace(' ', "%20")),
            None
        )
        .await
        .status(),
        200
    );
    let all: Value = app
        .get("/api/v1/posts", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all["meta"]["total"], 0, "nothing was stored");
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

/// Kills the real binary with SIGKILL during an import and a burst of sign-ups and comments,
/// restarts it, and checks that the database is sound and nothing acknowledged was lost.
#[tokio::test]
async fn sigkill_mid_write_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("dir");
    let db = crate::helpers::database_url(dir.path());
    let port = free_port();
    let limits = [
        "BYLINE_SUBSCRIBERS_PER_MINUTE",
        "BYLINE_COMMENTS_PER_MINUTE",
        "BYLINE_COMMENTS_PER_POST_PER_MINUTE",
    ]
    .map(|name| (name, "100000".to_string()));
    // On PostgreSQL what the killed process had claimed comes back when the lease lapses.
    let lease = [("BYLINE_JOB_LEASE_SECONDS", "3".to_string())];
    let env = [&limits[..], &lease[..]].concat();
    let start = || start_binary(dir.path(), port, &env);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut child = start();
    wait_up(&client, &base).await;
    let token = admin_token_at(&client, &base).await;
    client
        .post(format!("{base}/api/v1/posts"))
        .bearer_auth(&token)
        .json(&json!({"title": "Target", "status": "published"}))
        .send()
        .await
        .expect("post");

    // A large import in flight, and a stream of acknowledged small writes.
    let items: Vec<Value> = (0..3000).map(|i| json!({"title": format!("Bulk {i}"), "markdown": "x ".repeat(300), "tags": ["bulk"]})).collect();
    let items_again = items.clone();
    let import = {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        tokio::spawn(async move {
            client
                .post(format!("{base}/api/v1/posts/import"))
                .bearer_auth(&token)
                .json(&items)
                .send()
                .await
                .map(|r| r.status())
        })
    };
    let mut acknowledged = Vec::new();
    let kill_at = Instant::now() + Duration::from_millis(700);
    let mut i = 0;
    let mut comments_acknowledged = 0i64;
    while Instant::now() < kill_at {
        let email = format!("crash{i}@example.com");
        let ok = client
            .post(format!("{base}/api/v1/subscribers"))
            .json(&json!({"email": email}))
            .send()
            .await;
        if ok.is_ok_and(|r| r.status() == 202) {
            acknowledged.push(email);
        }
        let c = client
            .post(format!("{base}/api/v1/posts/target/comments"))
            .json(&json!({"author_name": "N", "body": format!("comment {i}")}))
            .send()
            .await;
        // A loaded machine may answer 503 (over the time budget, nothing written): that is a
        // refusal, not a loss. What was acknowledged must be there after the crash.
        let status = c.map(|r| r.status().as_u16());
        assert!(matches!(status, Ok(201 | 503)), "comment {i}: {status:?}");
        if matches!(status, Ok(201)) {
            comments_acknowledged += 1;
        }
        i += 1;
    }
    child.start_kill().expect("SIGKILL");
    child.wait().await.expect("wait");
    let import_answered = import.await.expect("task").is_ok_and(|s| s.is_success());

    let mut conn = byline::db::connect(&db).expect("open");
    if !conn.is_postgres() {
        let check: Check = diesel::sql_query("PRAGMA integrity_check")
            .get_result(&mut conn)
            .expect("check");
        assert_eq!(check.integrity_check, "ok");
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |conn: &mut byline::db::Conn, sql: &str| {
        diesel::sql_query(sql)
            .get_result::<Count>(conn)
            .expect(sql)
            .n
    };
    let bulk = count(
        &mut conn,
        "SELECT count(*) AS n FROM posts WHERE title LIKE 'Bulk %'",
    );
    // An import commits 500 items at a time (the one writer is never held for seconds), so a
    // crash keeps whole batches; sent again, it finishes the rest (below).
    assert!(
        bulk % 500 == 0 && bulk <= 3000,
        "the import keeps whole batches, got {bulk}"
    );
    if import_answered {
        assert_eq!(bulk, 3000, "an acknowledged import is complete");
    }
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM posts p WHERE p.title LIKE 'Bulk %' AND NOT EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id)"
        ),
        0,
        "no post without its tags"
    );
    let comments = count(&mut conn, "SELECT count(*) AS n FROM comments");
    assert!(
        (comments_acknowledged..=i64::from(i)).contains(&comments) && comments_acknowledged > 0,
        "{comments} comments kept, {comments_acknowledged} acknowledged of {i}"
    );
    for email in &acknowledged {
        let n = count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM subscribers WHERE email = '{email}'"),
        );
        assert_eq!(n, 1, "{email} was acknowledged");
    }
    let queued = count(&mut conn, "SELECT count(*) AS n FROM outbox");
    assert_eq!(
        queued,
        i64::try_from(acknowledged.len()).expect("count"),
        "one confirmation per sign-up"
    );
    drop(conn);

    // After a restart the outbox drains (no SMTP configured: e-mails go to the log).
    let mut child = start();
    wait_up(&client, &base).await;
    // The import sent again creates what the crash cut off and finds the rest unchanged.
    let token = admin_token_at(&client, &base).await;
    let retried = client
        .post(format!("{base}/api/v1/posts/import"))
        .bearer_auth(&token)
        .json(&items_again)
        .send()
        .await
        .expect("import again");
    assert_eq!(retried.status(), 200);
    let totals = retried.json::<Value>().await.expect("json")["totals"].clone();
    assert_eq!(totals["created"], 3000 - bulk, "{totals}");
    assert_eq!(totals["unchanged"], bulk, "{totals}");
    assert_eq!(totals["error"], 0, "{totals}");
    let mut conn = byline::db::connect(&db).expect("open");
    let all = count(
        &mut conn,
        "SELECT count(*) AS n FROM posts WHERE title LIKE 'Bulk %'",
    );
    assert_eq!(all, 3000, "each post once");
    drop(conn);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut conn = byline::db::connect(&db).expect("open");
        let left = count(
            &mut conn,
            "SELECT count(*) AS n FROM outbox WHERE status != 'sent'",
        );
        if left == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{left} e-mails still queued");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.start_kill().expect("kill");
    let _ = child.wait().await;
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_huge_headers_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|s| s.client_timeout_ms = 300).await;
    let addr = app.address.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server kept a stalled client waiting");
    assert!(started.elapsed() < Duration::from_secs(3));
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );

    // Headers are judged by a server with the default timeout, so a slow machine cannot turn
    // the answer into a 408.
    let app = spawn_app().await;
    let res = app
        .request(Method::GET, "/healthz", None)
        .header("X-Padding", "x".repeat(128 * 1024))
        .send()
        .await
        .expect("send");
    assert!(
        res.status() == 431 || res.status() == 400,
        "{}",
        res.status()
    );
}
