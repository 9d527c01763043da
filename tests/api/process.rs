//! The real binary: CLI commands, restart, graceful stop, and what reaches the log.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{self, spawn_app, test_settings};

const BIN: &str = env!("CARGO_BIN_EXE_byline");

#[tokio::test]
async fn restart_keeps_data_and_signed_in_tokens() {
    let app = spawn_app().await;
    let (_, editor_token) = app.user_with_role("editor").await;
    app.handle.stop(true).await;
    let settings = test_settings(&app.dir);
    let again = helpers::start(app.dir, settings).await;
    let res = again.get("/api/v1/auth/me", Some(&editor_token)).await;
    assert_eq!(
        res.status(),
        200,
        "the stored JWT secret survived the restart"
    );
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["role"], "editor");
}

#[tokio::test]
async fn backup_writes_a_database_that_opens() {
    let app = helpers::spawn_sqlite_app().await;
    let (_, _) = app.user_with_role("author").await;
    let db = app.dir.path().join("byline.db");
    let copy = app.dir.path().join("copy.db");
    let out = tokio::process::Command::new(BIN)
        .arg("backup")
        .arg(&copy)
        .env("BYLINE_DATABASE_URL", &db)
        .output()
        .await
        .expect("run byline backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A second backup to the same path is refused rather than overwritten.
    let again = tokio::process::Command::new(BIN)
        .arg("backup")
        .arg(&copy)
        .env("BYLINE_DATABASE_URL", &db)
        .output()
        .await
        .expect("run byline backup");
    assert!(!again.status.success());

    let dir = tempfile::tempdir().expect("dir");
    std::fs::copy(&copy, dir.path().join("byline.db")).expect("copy");
    let mut settings = test_settings(&dir);
    settings.database_url = helpers::sqlite_url(dir.path());
    settings.admin_email = None;
    let restored = helpers::start(dir, settings).await;
    let token = restored.admin_token().await;
    let users: Value = restored
        .get("/api/v1/users", Some(&token))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(users["meta"]["total"], 2);
}

#[tokio::test]
async fn openapi_command_prints_the_document() {
    let out = tokio::process::Command::new(BIN)
        .arg("openapi")
        .output()
        .await
        .expect("run");
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
}

#[tokio::test]
async fn bad_configuration_names_the_variable() {
    let dir = tempfile::tempdir().expect("dir");
    for (var, value) in [
        ("BYLINE_BIND", "nonsense"),
        ("BYLINE_JSON_LIMIT", "lots"),
        ("BYLINE_JWT_SECRET", "short"),
        ("BYLINE_PUBLIC_URL", "blog.example.com"),
    ] {
        let out = tokio::process::Command::new(BIN)
            .arg("serve")
            .env("BYLINE_DATABASE_URL", dir.path().join("x.db"))
            .env(var, value)
            .output()
            .await
            .expect("run");
        assert!(!out.status.success(), "{var}={value} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(var), "{var} not named in: {stderr}");
    }
}

#[tokio::test]
async fn user_commands_create_list_and_set_passwords() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("cli.db");
    let run = |args: &[&str], stdin: &str| {
        let mut child = std::process::Command::new(BIN)
            .args(args)
            .env("BYLINE_DATABASE_URL", &db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        child.wait_with_output().expect("output")
    };
    let out = run(
        &[
            "user",
            "create",
            "--email",
            "Cli@Example.com",
            "--name",
            "Cli",
            "--role",
            "editor",
        ],
        "first password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &[
            "user",
            "create",
            "--email",
            "cli@example.com",
            "--name",
            "Twin",
        ],
        "password 2\n",
    );
    assert!(!out.status.success(), "a taken e-mail is refused");
    let out = run(
        &[
            "user",
            "set-password",
            "--email",
            "cli@example.com",
            "--password",
            "second password",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["user", "list"], "");
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(listed.contains("cli@example.com\teditor"), "{listed}");

    let mut settings = test_settings(&dir);
    settings.database_url = db.to_string_lossy().into_owned();
    let app = helpers::start(dir, settings).await;
    assert_eq!(
        app.login("cli@example.com", "second password")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.login("cli@example.com", "first password")
            .await
            .status(),
        401
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Starts the binary with a generated admin, exercises it, stops it with SIGTERM, and checks the
/// log: one line per request, and no password, token, key or query string in it.
#[tokio::test]
async fn the_binary_starts_logs_safely_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let log_path = dir.path().join("server.log");
    let port = free_port();
    let started = Instant::now();
    let mut child = tokio::process::Command::new(BIN)
        .env("BYLINE_DATABASE_URL", dir.path().join("b.db"))
        .env("BYLINE_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .env_remove("BYLINE_ADMIN_EMAIL")
        .env_remove("BYLINE_ADMIN_PASSWORD")
        .env_remove("BYLINE_JWT_SECRET")
        .stderr(std::fs::File::create(&log_path).expect("log file"))
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn byline");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    loop {
        if let Ok(res) = client.get(format!("{base}/healthz")).send().await
            && res.status() == 200
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "cold start to first 200 on /healthz: {:?}",
        started.elapsed()
    );

    let log = std::fs::read_to_string(&log_path).expect("log");
    let password = log
        .split("with the password ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("generated admin password in the log")
        .to_string();
    assert!(log.contains("BYLINE_JWT_SECRET is not set"));

    let login = |pw: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"email": "admin@localhost", "password": pw}))
                .send()
                .await
                .expect("login")
        }
    };
    assert_eq!(login("wrong-password-xyz".into()).await.status(), 401);
    let res = login(password.clone()).await;
    assert_eq!(res.status(), 200);
    let token = res.json::<Value>().await.expect("json")["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let key: Value = client
        .post(format!("{base}/api/v1/api-keys"))
        .bearer_auth(&token)
        .json(&json!({"name": "ci", "role": "editor"}))
        .send()
        .await
        .expect("key")
        .json()
        .await
        .expect("json");
    let secret = key["secret"].as_str().expect("secret").to_string();
    // A reader's e-mail (comment form, sign-up) must not reach the log either.
    client
        .post(format!("{base}/api/v1/subscribers"))
        .json(&json!({"email": "private.reader@example.org", "name": "Private Reader"}))
        .send()
        .await
        .expect("subscribe");
    // With SMTP off the confirmation is noted in the log: not its text, link or token.
    let noted = Instant::now();
    while !std::fs::read_to_string(&log_path)
        .expect("log")
        .contains("to a recipient at example.org")
    {
        assert!(
            noted.elapsed() < Duration::from_secs(10),
            "the e-mail was never noted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client
        .post(format!("{base}/api/v1/contact"))
        .json(&json!({"email": "private.writer@example.org", "message": "hello"}))
        .send()
        .await
        .expect("contact");
    let res = client
        .get(format!("{base}/api/v1/auth/me?token=query-secret-123"))
        .bearer_auth(&secret)
        .header("X-Request-Id", "log-check-1")
        .send()
        .await
        .expect("me");
    assert_eq!(res.status(), 200);

    let pid = child.id().expect("pid");
    let stopping = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("stopped within 15 s")
        .expect("exit status");
    assert!(status.success(), "{status:?}");
    println!("SIGTERM to exit: {:?}", stopping.elapsed());

    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(log.contains("log-check-1 GET /api/v1/auth/me 200"), "{log}");
    for secret_text in [
        "wrong-password-xyz",
        &token,
        &secret,
        "query-secret-123",
        "private.reader",
        "private.writer",
        "Private Reader",
        "token=",
        "Confirm your subscription",
    ] {
        assert!(!log.contains(secret_text), "the log leaks {secret_text}");
    }
    // The generated password appears exactly once: when it is announced.
    assert_eq!(log.matches(&password).count(), 1);
}

#[test]
fn env_example_and_readme_list_every_variable() {
    let root = env!("CARGO_MANIFEST_DIR");
    let config = std::fs::read_to_string(format!("{root}/src/config.rs")).expect("config.rs");
    let example = std::fs::read_to_string(format!("{root}/.env.example")).expect(".env.example");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let vars: Vec<&str> = config
        .split('"')
        .filter(|s| {
            s.starts_with("BYLINE_") && s.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        })
        .collect();
    assert!(vars.len() >= 10, "{vars:?}");
    for var in vars {
        assert!(
            example.contains(&format!("{var}=")),
            ".env.example lacks {var}"
        );
        assert!(readme.contains(&format!("`{var}`")), "README lacks {var}");
    }
}

#[tokio::test]
async fn a_backup_during_writes_is_sound_and_holds_what_came_before() {
    let app = helpers::spawn_sqlite_app().await;
    let admin = app.admin_token().await;
    for i in 0..20 {
        app.create_post(&admin, json!({"title": format!("Before {i}")}))
            .await;
    }
    // Keep writing while the backup runs.
    let writer = {
        let (client, base, token) = (app.client.clone(), app.address.clone(), admin.clone());
        tokio::spawn(async move {
            for i in 0..100 {
                let res = client
                    .post(format!("{base}/api/v1/posts"))
                    .bearer_auth(&token)
                    .json(&json!({"title": format!("During {i}")}))
                    .send()
                    .await
                    .expect("send");
                assert_eq!(res.status(), 201);
            }
        })
    };
    let copy = app.dir.path().join("hot.db");
    let out = tokio::process::Command::new(BIN)
        .arg("backup")
        .arg(&copy)
        .env("BYLINE_DATABASE_URL", helpers::sqlite_url(app.dir.path()))
        .output()
        .await
        .expect("backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.await.expect("writer");

    use diesel::prelude::*;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = byline::db::connect(&copy.to_string_lossy()).expect("open backup");
    let check: Row = diesel::sql_query("PRAGMA integrity_check")
        .get_result(&mut conn)
        .expect("check");
    assert_eq!(check.integrity_check, "ok");
    let before: Count =
        diesel::sql_query("SELECT count(*) AS n FROM posts WHERE title LIKE 'Before %'")
            .get_result(&mut conn)
            .expect("count");
    assert_eq!(
        before.n, 20,
        "every write acknowledged before the backup is in it"
    );
}
