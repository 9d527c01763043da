//! `byline transfer`: a site on SQLite copied into an empty database — PostgreSQL when
//! `BYLINE_TEST_DATABASE_URL` names a server, another SQLite file otherwise — answers the same.

use serde_json::{Value, json};

use crate::helpers::{self, TestApp};

/// Runs `byline transfer --from from --to to`.
async fn transfer(from: &str, to: &str) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_byline"))
        .args(["transfer", "--from", from, "--to", to])
        .output()
        .await
        .expect("run byline transfer")
}

/// Starts the app on the database a transfer wrote (its admin came with the data).
async fn open_moved(dir: tempfile::TempDir, url: &str) -> (TestApp, String) {
    let mut settings = helpers::test_settings(&dir);
    settings.database_url = url.to_string();
    settings.admin_email = None;
    let app = helpers::start(dir, settings).await;
    let admin = app.admin_token().await;
    (app, admin)
}

/// What the site answers, resource by resource, to an admin and to the public.
async fn answers(app: &TestApp, admin: &str) -> Vec<(String, Value)> {
    let mut seen = Vec::new();
    for (path, token) in [
        ("/api/v1/posts?per_page=100", Some(admin)),
        ("/api/v1/posts?per_page=100", None),
        ("/api/v1/posts?q=transfer", None),
        ("/api/v1/posts/moved-post", None),
        ("/api/v1/posts/moved-post/comments", None),
        ("/api/v1/posts/moved-post/revisions", Some(admin)),
        ("/api/v1/tags", None),
        ("/api/v1/users", Some(admin)),
        ("/api/v1/subscribers", Some(admin)),
        ("/api/v1/contact-messages", Some(admin)),
        ("/api/v1/webhooks", Some(admin)),
        ("/api/v1/comments?status=pending", Some(admin)),
        ("/api/v1/site", None),
    ] {
        let res = app.get(path, token).await;
        assert_eq!(res.status(), 200, "{path}");
        let body: Value = res.json().await.expect("json");
        seen.push((
            format!("{path} as {}", token.map_or("public", |_| "admin")),
            body,
        ));
    }
    seen
}

#[tokio::test]
async fn a_sqlite_site_moves_into_an_empty_database_and_answers_the_same() {
    let source = helpers::spawn_sqlite_app().await;
    let admin = source.admin_token().await;
    let (_, author) = source.user_with_role("author").await;
    let post = source
        .create_post(
            &author,
            json!({"title": "Moved post", "markdown": "A *transfer* test", "status": "published", "tags": ["Moving", "Databases"]}),
        )
        .await;
    let id = post["id"].as_str().expect("id");
    let edited = source
        .patch(
            &format!("/api/v1/posts/{id}"),
            &json!({"markdown": "A *transfer* test, edited"}),
            Some(&author),
        )
        .await;
    assert_eq!(edited.status(), 200);
    source
        .create_post(&admin, json!({"title": "A draft", "markdown": "not yet"}))
        .await;
    // More drafts than one batch of the copy holds (500 rows a statement).
    let drafts: Vec<Value> = (0..600)
        .map(|i| json!({"title": format!("Draft {i}"), "markdown": "later", "tags": ["Drafts"]}))
        .collect();
    let imported = source
        .post("/api/v1/posts/import", &json!(drafts), Some(&admin))
        .await;
    assert_eq!(imported.status(), 200);
    let comment: Value = source
        .post(
            "/api/v1/posts/moved-post/comments",
            &json!({"author_name": "Reader", "author_email": "reader@example.com", "body": "First!"}),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    let comment_id = comment["id"].as_str().expect("comment id");
    // Approve it so the public thread shows it, then reply.
    let approved = source
        .patch(
            &format!("/api/v1/comments/{comment_id}"),
            &json!({"status": "approved"}),
            Some(&admin),
        )
        .await;
    assert_eq!(approved.status(), 200);
    let reply = source
        .post(
            "/api/v1/posts/moved-post/comments",
            &json!({"author_name": "Other", "body": "A reply", "parent_id": comment_id}),
            None,
        )
        .await;
    assert_eq!(reply.status(), 201);
    for email in ["one@example.com", "two@example.com"] {
        let res = source
            .post("/api/v1/subscribers", &json!({"email": email}), None)
            .await;
        assert_eq!(res.status(), 202);
    }
    let res = source
        .post(
            "/api/v1/contact",
            &json!({"email": "writer@example.com", "message": "Hello there"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 202);
    let res = source
        .post(
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["post.published"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    let before = answers(&source, &admin).await;
    source.handle.stop(true).await;

    let dir = tempfile::tempdir().expect("dir");
    let target_url = helpers::database_url(dir.path());
    let source_url = helpers::sqlite_url(source.dir.path());
    let out = transfer(&source_url, &target_url).await;
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("posts: 602 rows"), "{said}");
    assert!(said.contains("post_tags: 602 rows"), "{said}");
    assert!(said.contains("comments: 2 rows"), "{said}");
    assert!(said.contains("every table's count checked"), "{said}");

    // Into a database that is not empty any more: refused, nothing written.
    let again = transfer(&source_url, &target_url).await;
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let (target, admin_there) = open_moved(dir, &target_url).await;
    let after = answers(&target, &admin_there).await;
    for ((what, was), (_, is)) in before.iter().zip(&after) {
        assert_eq!(was, is, "{what} answers the same after the move");
    }

    // And back again, into a SQLite file (from PostgreSQL, when the suite runs there).
    let back = tempfile::tempdir().expect("dir");
    let back_url = helpers::sqlite_url(back.path());
    let out = transfer(&target_url, &back_url).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (returned, admin_back) = open_moved(back, &back_url).await;
    let again = answers(&returned, &admin_back).await;
    for ((what, was), (_, is)) in before.iter().zip(&again) {
        assert_eq!(was, is, "{what} answers the same after moving back");
    }
    // Counts kept by the target's own triggers agree with the copied rows (the public counts
    // live posts: the 600 drafts count for nobody).
    let tags: Value = target
        .get("/api/v1/tags", None)
        .await
        .json()
        .await
        .expect("json");
    let counts: Vec<(String, i64)> = tags["data"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| {
            (
                t["slug"].as_str().expect("slug").into(),
                t["post_count"].as_i64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("databases".into(), 1),
            ("drafts".into(), 0),
            ("moving".into(), 1)
        ],
        "{tags}"
    );
}

/// The store URL `byline transfer --media-to` takes for a test store.
fn store_url(location: &byline::config::MediaLocation) -> String {
    match location {
        byline::config::MediaLocation::Dir(dir) => format!("file://{}", dir.display()),
        byline::config::MediaLocation::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
    }
}

#[tokio::test]
async fn uploads_move_with_their_files() {
    use crate::media::{encoded, fetch_bytes, picture, upload};
    // A site that keeps its files in a directory, moving to the suite's store: an S3 bucket
    // when BYLINE_TEST_S3_ENDPOINT names a server, another directory otherwise.
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = helpers::test_settings(&dir);
    settings.database_url = helpers::sqlite_url(dir.path());
    settings.media_store = byline::config::MediaLocation::Dir(dir.path().join("files"));
    let source = helpers::start(dir, settings).await;
    let (_, author) = source.user_with_role("author").await;
    let photo = encoded(&picture(1000, 500), image::ImageFormat::Png);
    let photo: Value = upload(&source, &author, "photo.png", photo)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(photo["variants"].as_array().map(Vec::len), Some(2));
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let pdf = upload(&source, &author, "notes.pdf", pdf).await;
    assert_eq!(pdf.status(), 201);
    let mut files = Vec::new();
    for url in std::iter::once(&photo["url"]).chain(
        photo["variants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| &v["url"]),
    ) {
        let url = url.as_str().expect("url");
        files.push((
            url.rsplit('/').next().expect("name").to_string(),
            fetch_bytes(&source, url).await,
        ));
    }
    source.handle.stop(true).await;

    let target_dir = tempfile::tempdir().expect("dir");
    let target_url = helpers::database_url(target_dir.path());
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_byline"))
        .args(["transfer", "--from"])
        .arg(helpers::sqlite_url(source.dir.path()))
        .args(["--to", &target_url, "--media", "--media-from"])
        .arg(format!(
            "file://{}",
            source.dir.path().join("files").display()
        ))
        .arg("--media-to")
        .arg(store_url(&helpers::media_store(target_dir.path())))
        .envs(helpers::media_env(target_dir.path()))
        .output()
        .await
        .expect("run byline transfer");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("media: 4 files copied, 0 already there, 0 missing"),
        "{said}"
    );
    assert_eq!(helpers::stored_files(target_dir.path()).await, 4);

    let (target, _) = open_moved(target_dir, &target_url).await;
    for (name, bytes) in &files {
        let url = format!("{}/media/{name}", target.address);
        assert_eq!(
            &fetch_bytes(&target, &url).await,
            bytes,
            "{name} moved intact"
        );
    }
    let (_, author_there) = target.user_with_role("author").await;
    let listed: Value = target
        .get("/api/v1/media", Some(&author_there))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["meta"]["total"], 2);

    // `--media` says where to: without `--media-to` nothing runs.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_byline"))
        .args(["transfer", "--from", "a.db", "--to", "b.db", "--media"])
        .output()
        .await
        .expect("run byline transfer");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--media-to"));
}
