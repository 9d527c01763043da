//! Three nodes of one site on one PostgreSQL database: each a real `byline` process. Runs when
//! `BYLINE_TEST_DATABASE_URL` names a PostgreSQL server (CI starts one); on SQLite there is
//! one process per file and nothing to test.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{
    Receiver, SmtpServer, admin_token_at, free_port, postgres_server, start_binary, wait_up,
};

const OWNER: &str = "owner@example.com";

struct Node {
    base: String,
    child: tokio::process::Child,
}

async fn json(res: reqwest::Response) -> Value {
    res.json().await.expect("json")
}

/// Polls `check` every 20 ms until it holds; panics with `what` after `limit`.
async fn within<F, Fut>(limit: Duration, what: &str, check: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn three_nodes_on_one_database_serve_one_site() {
    if postgres_server().is_none() {
        eprintln!("three nodes need PostgreSQL: set BYLINE_TEST_DATABASE_URL (CI does)");
        return;
    }
    let smtp = SmtpServer::start().await;
    let receiver = Receiver::start(vec![]).await;
    let dir = tempfile::tempdir().expect("dir");
    let env = [
        ("BYLINE_SMTP_URL", smtp.url()),
        ("BYLINE_OWNER_EMAIL", OWNER.to_string()),
        ("BYLINE_WEBHOOKS_ALLOW_PRIVATE", "true".to_string()),
        ("BYLINE_CONTACT_PER_MINUTE", "1000".to_string()),
        ("BYLINE_SUBSCRIBERS_PER_MINUTE", "3".to_string()),
        // A killed node's claims come back when their lease lapses.
        ("BYLINE_JOB_LEASE_SECONDS", "3".to_string()),
        // Cached answers would otherwise live a minute: only a change notice can end them.
        ("BYLINE_PUBLIC_CACHE_MS", "60000".to_string()),
    ];
    let client = reqwest::Client::new();
    // Started together on an empty database: they take turns migrating and creating the admin.
    let mut nodes: Vec<Node> = (0..3)
        .map(|_| {
            let port = free_port();
            Node {
                base: format!("http://127.0.0.1:{port}"),
                child: start_binary(dir.path(), port, &env),
            }
        })
        .collect();
    for node in &nodes {
        wait_up(&client, &node.base).await;
    }
    let (a, b, c) = (
        nodes[0].base.clone(),
        nodes[1].base.clone(),
        nodes[2].base.clone(),
    );

    // Log in on A, use the token on B and C.
    let token = admin_token_at(&client, &a).await;
    for node in [&b, &c] {
        let me = client
            .get(format!("{node}/api/v1/auth/me"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("me");
        assert_eq!(me.status(), 200, "a token from A works on {node}");
    }

    // A file uploaded on A is served by B and C from the shared store (an S3 bucket when
    // BYLINE_TEST_S3_ENDPOINT names a server, as in CI), with the same ETag; deleted on C, it
    // is gone from A.
    let photo = crate::media::encoded(&crate::media::picture(700, 350), image::ImageFormat::Png);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(photo).file_name("shared.png"),
    );
    let uploaded = client
        .post(format!("{a}/api/v1/media"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(uploaded.status(), 201);
    let uploaded = json(uploaded).await;
    let path = uploaded["url"]
        .as_str()
        .and_then(|u| u.find("/media/").map(|at| u[at..].to_string()))
        .expect("a /media/ URL");
    let mut etags = Vec::new();
    for node in [&b, &c] {
        let res = client
            .get(format!("{node}{path}"))
            .send()
            .await
            .expect("file");
        assert_eq!(res.status(), 200, "{node} serves A's upload");
        etags.push(res.headers()["etag"].clone());
        let served = res.bytes().await.expect("bytes");
        assert_eq!(Some(served.len() as u64), uploaded["bytes"].as_u64());
    }
    assert_eq!(etags[0], etags[1], "one file, one ETag");
    let id = uploaded["id"].as_str().expect("id");
    let deleted = client
        .delete(format!("{c}/api/v1/media/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), 204);
    let gone = client.get(format!("{a}{path}")).send().await.expect("file");
    assert_eq!(gone.status(), 404, "deleted on C, gone on A");

    // A write on A is read anonymously on B within a second, though B had cached the answer.
    let post = json(
        client
            .post(format!("{a}/api/v1/posts"))
            .bearer_auth(&token)
            .json(&json!({"title": "First words", "markdown": "hello", "status": "published"}))
            .send()
            .await
            .expect("post"),
    )
    .await;
    let slug = post["slug"].as_str().expect("slug").to_string();
    let slug_of_first = slug.clone();
    let read = |node: String| {
        let (client, slug) = (client.clone(), slug.clone());
        async move {
            client
                .get(format!("{node}/api/v1/posts/{slug}"))
                .send()
                .await
                .expect("read")
        }
    };
    let first = read(b.clone()).await;
    let etag_b = first.headers()["etag"].clone();
    assert_eq!(json(first).await["title"], "First words");
    let on_a = read(a.clone()).await;
    assert_eq!(
        on_a.headers()["etag"],
        etag_b,
        "the same post, the same ETag"
    );
    assert_eq!(json(read(b.clone()).await).await["title"], "First words");
    let patched = client
        .patch(format!("{a}/api/v1/posts/{slug}"))
        .bearer_auth(&token)
        .json(&json!({"title": "Second words"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(patched.status(), 200);
    let seen = within(Duration::from_secs(1), "B sees A's write", || async {
        json(read(b.clone()).await).await["title"] == "Second words"
    })
    .await;
    eprintln!("node B saw node A's write after {seen:?}");

    // A rate limit counts across nodes: three sign-ups a minute, wherever they arrive.
    for (i, node) in [&a, &b, &c].into_iter().enumerate() {
        let res = client
            .post(format!("{node}/api/v1/subscribers"))
            .json(&json!({"email": format!("reader{i}@example.com")}))
            .send()
            .await
            .expect("sign up");
        assert_eq!(res.status(), 202, "sign-up {i} on {node}");
    }
    let fourth = client
        .post(format!("{a}/api/v1/subscribers"))
        .json(&json!({"email": "reader3@example.com"}))
        .send()
        .await
        .expect("sign up");
    assert_eq!(
        fourth.status(),
        429,
        "the fourth sign-up, counted on all nodes"
    );
    assert!(fourth.headers().contains_key("retry-after"));

    // 50 contact messages (each an e-mail to the owner and a webhook delivery), spread over the
    // nodes, while node C is killed mid-way: each goes out once.
    let hook = client
        .post(format!("{a}/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url, "events": ["contact.received", "post.published"]}))
        .send()
        .await
        .expect("webhook");
    assert_eq!(hook.status(), 201);
    for i in 0..50 {
        let node = [&a, &b, &c][i % 3];
        let node = if i >= 20 && node == &c { &a } else { node };
        if i == 20 {
            nodes[2].child.start_kill().expect("SIGKILL node C");
        }
        let res = client
            .post(format!("{node}/api/v1/contact"))
            .json(&json!({"email": format!("writer{i}@example.com"), "subject": format!("message {i}"), "message": format!("message {i}")}))
            .send()
            .await
            .expect("contact");
        assert_eq!(res.status(), 202, "message {i} on {node}");
    }
    nodes[2].child.wait().await.expect("wait for C");

    // A post scheduled two seconds ahead: announced once, by whichever node sees its time.
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let scheduled = json(
        client
            .post(format!("{b}/api/v1/posts"))
            .bearer_auth(&token)
            .json(&json!({"title": "Later", "status": "scheduled", "published_at": at}))
            .send()
            .await
            .expect("scheduled"),
    )
    .await;
    let scheduled_id = scheduled["id"].as_str().expect("id").to_string();

    let contact_mail = || {
        smtp.messages()
            .into_iter()
            .filter(|m| m.contains(OWNER) && m.contains("message "))
            .count()
    };
    let hooks = |event: &str| {
        receiver
            .received()
            .into_iter()
            .filter(|r| r.event == event)
            .collect::<Vec<_>>()
    };
    within(Duration::from_secs(30), "50 contact e-mails", || async {
        contact_mail() >= 50
    })
    .await;
    within(Duration::from_secs(30), "50 contact webhooks", || async {
        hooks("contact.received").len() >= 50
    })
    .await;
    within(
        Duration::from_secs(30),
        "the scheduled post announced",
        || async {
            hooks("post.published")
                .iter()
                .any(|r| r.body.contains(&scheduled_id))
        },
    )
    .await;
    // Time for a duplicate to show up, were there going to be one.
    tokio::time::sleep(Duration::from_secs(4)).await;

    // Sent once each: only what node C was sending at the moment it was killed may go out
    // again (sent, not yet recorded as sent), and then as the same message (its Message-ID, its
    // delivery id) for the receiver to recognise.
    let mut mail_ids: HashMap<usize, Vec<String>> = HashMap::new();
    for mail in smtp.messages().into_iter().filter(|m| m.contains(OWNER)) {
        if let Some(i) = (0..50).find(|i| mail.contains(&format!("writer{i}@example.com"))) {
            let id = mail
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .unwrap_or_default()
                .to_string();
            mail_ids.entry(i).or_default().push(id);
        }
    }
    let mut deliveries: HashMap<usize, Vec<String>> = HashMap::new();
    for r in hooks("contact.received") {
        if let Some(i) = (0..50).find(|i| r.body.contains(&format!("\"message {i}\""))) {
            deliveries.entry(i).or_default().push(r.delivery);
        }
    }
    for (what, sent, senders) in [
        ("e-mails", &mail_ids, 8),
        ("webhook deliveries", &deliveries, 4),
    ] {
        assert_eq!(sent.len(), 50, "all 50 {what} arrived: {sent:?}");
        let again: Vec<_> = sent.iter().filter(|(_, ids)| ids.len() > 1).collect();
        eprintln!("{what} sent again after the kill: {}", again.len());
        assert!(
            again.len() <= senders,
            "more {what} twice than node C had senders: {again:?}"
        );
        for (i, ids) in again {
            assert!(
                ids.len() == 2 && ids[0] == ids[1] && !ids[0].is_empty(),
                "{what}: number {i} went out as different messages: {ids:?}"
            );
        }
    }
    let announced = hooks("post.published")
        .into_iter()
        .filter(|r| r.body.contains(&scheduled_id))
        .count();
    assert_eq!(announced, 1, "the scheduled post is announced once");

    // A change nobody announced (written straight into the database), then B's listening
    // connection cut: B drops everything it cached, since it may have missed notices.
    assert_eq!(json(read(b.clone()).await).await["title"], "Second words");
    let mut conn = byline::db::connect(&crate::helpers::database_url(dir.path())).expect("db");
    {
        use byline::db::schema::posts::dsl::*;
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        diesel::update(posts.filter(slug.eq(&slug_of_first)))
            .set(title.eq("Third words"))
            .execute(&mut conn)
            .expect("quiet change");
    }
    assert_eq!(
        json(read(b.clone()).await).await["title"],
        "Second words",
        "unannounced, so still cached"
    );
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'byline-listener' AND datname = current_database() \
             AND pid <> pg_backend_pid()",
        ),
        &mut conn,
    )
    .expect("cut the listeners");
    within(
        Duration::from_secs(3),
        "B drops its cache after losing its listener",
        || async { json(read(b.clone()).await).await["title"] == "Third words" },
    )
    .await;

    for node in &mut nodes[..2] {
        node.child.start_kill().expect("stop");
    }
}
