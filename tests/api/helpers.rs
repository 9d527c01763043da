//! `spawn_app` starts the real application on a random port over a fresh database — a SQLite
//! file, or with `BYLINE_TEST_DATABASE_URL` a PostgreSQL database of its own — and `TestApp`
//! talks to it over HTTP.

use byline::config::Settings;
use byline::startup::Application;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin password 1";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub handle: actix_web::dev::ServerHandle,
    pub jobs: byline::jobs::Jobs,
}

/// The PostgreSQL server the suite runs on instead of SQLite, when set.
pub fn postgres_server() -> Option<String> {
    std::env::var("BYLINE_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// The database of the app whose files are in `dir`: a SQLite file there, or on the server of
/// `BYLINE_TEST_DATABASE_URL` a new database of its own, made on first use and remembered in
/// `dir` (so a restarted app, or the binary, finds the same one).
pub fn database_url(dir: &std::path::Path) -> String {
    let Some(server) = postgres_server() else {
        return sqlite_url(dir);
    };
    let remembered = dir.join("database-url");
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return url;
    }
    use diesel::{Connection, RunQueryDsl};
    let name = format!("byline_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = diesel::PgConnection::establish(&server)
        .unwrap_or_else(|e| panic!("BYLINE_TEST_DATABASE_URL: cannot connect: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create the test database");
    let (base, query) = server.split_once('?').unwrap_or((&server, ""));
    let (host, _) = base.rsplit_once('/').expect("a URL with a database name");
    let url = match query {
        "" => format!("{host}/{name}"),
        query => format!("{host}/{name}?{query}"),
    };
    std::fs::write(&remembered, &url).expect("remember the database");
    url
}

/// The S3-compatible server (its URL) the suite keeps uploads on instead of a directory,
/// when set: `BYLINE_TEST_S3_ENDPOINT`, for example a `moto_server`.
pub fn s3_server() -> Option<String> {
    std::env::var("BYLINE_TEST_S3_ENDPOINT")
        .ok()
        .map(|url| url.trim().trim_end_matches('/').to_string())
        .filter(|url| !url.is_empty())
}

/// The bucket every test's uploads go in, each test under a prefix of its own.
pub const S3_BUCKET: &str = "byline-tests";

/// Where the app whose files are in `dir` keeps its uploads: `dir/media`, or with
/// `BYLINE_TEST_S3_ENDPOINT` a prefix named after `dir` in `S3_BUCKET` (made on first use).
pub fn media_store(dir: &std::path::Path) -> byline::config::MediaLocation {
    use byline::config::MediaLocation;
    if s3_server().is_none() {
        return MediaLocation::Dir(dir.join("media"));
    }
    make_test_bucket();
    let name = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    MediaLocation::S3 {
        bucket: S3_BUCKET.into(),
        prefix: format!("tests/{}", name.trim_start_matches('.')),
    }
}

/// How the app reaches the test S3 server (any key will do for it).
pub fn s3_settings() -> byline::config::S3Settings {
    byline::config::S3Settings {
        endpoint: s3_server(),
        region: Some("us-east-1".into()),
        credentials: Some(byline::config::S3Credentials {
            key_id: "testing".into(),
            secret: "testing".into(),
            token: None,
        }),
    }
}

/// The variables that give the binary the same media store as an app in `dir`.
pub fn media_env(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    use byline::config::MediaLocation;
    match media_store(dir) {
        MediaLocation::Dir(path) => vec![("BYLINE_MEDIA_DIR", path.to_string_lossy().into())],
        MediaLocation::S3 { bucket, prefix } => vec![
            ("BYLINE_MEDIA_STORE", format!("s3://{bucket}/{prefix}")),
            ("BYLINE_S3_ENDPOINT", s3_server().unwrap_or_default()),
            ("BYLINE_S3_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ],
    }
}

/// Creates `S3_BUCKET` once per run (an S3 `PUT /bucket`; an existing bucket is fine).
fn make_test_bucket() {
    static MADE: std::sync::Once = std::sync::Once::new();
    MADE.call_once(|| {
        use std::io::{Read, Write};
        let endpoint = s3_server().unwrap_or_default();
        let host = endpoint
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let mut stream = std::net::TcpStream::connect(&host)
            .unwrap_or_else(|e| panic!("BYLINE_TEST_S3_ENDPOINT {endpoint}: cannot connect: {e}"));
        write!(
            stream,
            "PUT /{S3_BUCKET} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .expect("ask for the bucket");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.contains("BucketAlreadyOwnedByYou"),
            "creating the test bucket: {answer}"
        );
    });
}

/// Whether the app in `dir` has a stored file `name`: on disk, or in the S3 server's own
/// listing (not through Byline's code).
pub async fn stored_file(dir: &std::path::Path, name: &str) -> bool {
    stored_files_named(dir, name).await == 1
}

/// How many files the app in `dir` has stored.
pub async fn stored_files(dir: &std::path::Path) -> usize {
    stored_files_named(dir, "").await
}

/// How many files the app in `dir` has whose names start with `start`.
async fn stored_files_named(dir: &std::path::Path, start: &str) -> usize {
    use byline::config::MediaLocation;
    match media_store(dir) {
        MediaLocation::Dir(path) => std::fs::read_dir(path).map_or(0, |d| {
            d.filter(|f| {
                f.as_ref()
                    .is_ok_and(|f| f.file_name().to_string_lossy().starts_with(start))
            })
            .count()
        }),
        MediaLocation::S3 { bucket, prefix } => {
            let url = format!(
                "{}/{bucket}?prefix={prefix}/{start}",
                s3_server().unwrap_or_default()
            );
            let listing = reqwest::get(&url)
                .await
                .expect("ask S3")
                .text()
                .await
                .expect("listing");
            listing.matches("<Key>").count()
        }
    }
}

/// The SQLite file in `dir`, for the tests of what only SQLite has (a file to back up).
pub fn sqlite_url(dir: &std::path::Path) -> String {
    dir.join("byline.db").to_string_lossy().into_owned()
}

pub fn test_settings(dir: &tempfile::TempDir) -> Settings {
    let mut settings = Settings::for_tests(dir.path().join("byline.db"));
    settings.database_url = database_url(dir.path());
    settings.media_store = media_store(dir.path());
    settings.s3 = s3_settings();
    settings.admin_email = Some(ADMIN_EMAIL.into());
    settings.admin_password = Some(ADMIN_PASSWORD.into());
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app on a SQLite file whatever `BYLINE_TEST_DATABASE_URL` says: for what only
/// SQLite has (a database file to back up and check).
pub async fn spawn_sqlite_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&dir);
    settings.database_url = sqlite_url(dir.path());
    start(dir, settings).await
}

/// Starts the app with settings adjusted by `tweak` (limits, secrets...).
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&dir);
    tweak(&mut settings);
    start(dir, settings).await
}

/// Starts an app over an existing directory's database (a "restart").
pub async fn start(dir: tempfile::TempDir, settings: Settings) -> TestApp {
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let jobs = app.jobs();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        dir,
        handle,
        jobs,
    }
}

impl TestApp {
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self
            .client
            .request(method, format!("{}{path}", self.address));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token)
            .send()
            .await
            .expect("GET")
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::DELETE, path, token)
            .send()
            .await
            .expect("DELETE")
    }

    pub async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn patch(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        self.request(Method::PATCH, path, token)
            .json(body)
            .send()
            .await
            .expect("PATCH")
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/login",
            &json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    pub async fn token_for(&self, email: &str, password: &str) -> String {
        let res = self.login(email, password).await;
        assert_eq!(res.status(), 200, "login as {email}");
        let body: Value = res.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn admin_token(&self) -> String {
        self.token_for(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Creates a user with the given role and returns (id, token).
    pub async fn user_with_role(&self, role: &str) -> (String, String) {
        let admin = self.admin_token().await;
        let email = format!("{role}-{}@example.com", uuid::Uuid::now_v7().simple());
        let res = self
            .post(
                "/api/v1/users",
                &json!({"email": email, "name": role, "password": "password 123", "role": role}),
                Some(&admin),
            )
            .await;
        assert_eq!(res.status(), 201);
        let user: Value = res.json().await.expect("json");
        let token = self.token_for(&email, "password 123").await;
        (user["id"].as_str().expect("id").to_string(), token)
    }
}

/// Asserts a problem+json answer with `status`, and returns its body.
pub async fn assert_problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("urn:byline:problem:"))
    );
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}

impl TestApp {
    /// Creates a post and returns its JSON.
    pub async fn create_post(&self, token: &str, body: Value) -> Value {
        let res = self.post("/api/v1/posts", &body, Some(token)).await;
        assert_eq!(res.status(), 201, "create post {body}");
        res.json().await.expect("json")
    }

    /// Creates a published post with this title and Markdown body.
    pub async fn publish(&self, token: &str, title: &str, markdown: &str) -> Value {
        self.create_post(
            token,
            json!({"title": title, "markdown": markdown, "status": "published"}),
        )
        .await
    }
}

impl TestApp {
    /// Runs the newsletter worker until nothing is due, then the scheduler (which marks
    /// finished newsletters sent); returns what each copy's step did.
    pub async fn drain_newsletters(&self) -> Vec<byline::jobs::Step> {
        let mut steps = Vec::new();
        while let Some(step) = self.jobs.newsletters.run_once().await.expect("copy step") {
            steps.push(step);
        }
        self.jobs.scheduler.run_once().await.expect("scheduler");
        steps
    }

    /// Runs the mail worker until nothing is due; returns what each step did.
    pub async fn drain_outbox(&self) -> Vec<byline::jobs::Step> {
        let mut steps = Vec::new();
        while let Some(step) = self.jobs.mail.run_once().await.expect("mail step") {
            steps.push(step);
        }
        steps
    }
}

/// A real SMTP server on 127.0.0.1, written here in the test code (no Python needed): it speaks
/// the SMTP that mail clients and relays speak (EHLO, MAIL, RCPT, DATA with dot-stuffing, RSET,
/// NOOP, QUIT) and keeps every message it accepts, raw. Dropping it closes the port.
pub struct SmtpServer {
    pub port: u16,
    received: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// One SMTP session: the messages it delivers go to `received`.
async fn smtp_session(
    socket: tokio::net::TcpStream,
    received: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 localhost ESMTP test server\r\n")
        .await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut message = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 4.5.2): a leading dot was doubled by the client.
                    message.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                received.lock().expect("messages").push(message);
                b"250 OK: queued\r\n"
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        SmtpServer::start_on(free_port()).await
    }

    pub async fn start_on(port: u16) -> SmtpServer {
        // A server on this port that was just dropped may still be letting go of it.
        let mut listener = None;
        for _ in 0..200 {
            match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(25)).await,
            }
        }
        let listener = listener.unwrap_or_else(|| panic!("cannot listen on port {port}"));
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sessions = received.clone();
        let task = tokio::spawn(async move {
            let mut running = tokio::task::JoinSet::new();
            while let Ok((socket, _)) = listener.accept().await {
                running.spawn(smtp_session(socket, sessions.clone()));
            }
        });
        SmtpServer {
            port,
            received,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, raw, in the order received.
    pub fn messages(&self) -> Vec<String> {
        self.received.lock().expect("messages").clone()
    }

    /// The messages to `to`.
    pub fn to(&self, to: &str) -> Vec<String> {
        self.messages()
            .into_iter()
            .filter(|m| {
                m.lines()
                    .any(|l| l.eq_ignore_ascii_case(&format!("To: {to}")))
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        // Aborting drops the listener and every open session with it.
        self.task.abort();
    }
}

/// The first URL in `text` that starts with `prefix`.
pub fn link(text: &str, prefix: &str) -> String {
    // Undo quoted-printable soft breaks and `=` escapes, should the body be encoded so.
    let unfolded = text
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let start = unfolded
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    unfolded[start..]
        .split(|c: char| c.is_whitespace() || c == '>')
        .next()
        .unwrap_or_default()
        .to_string()
}

impl TestApp {
    /// Runs the scheduler, then the webhook job until nothing is due.
    pub async fn drain_webhooks(&self) -> Vec<byline::jobs::Step> {
        let mut steps = Vec::new();
        self.jobs
            .scheduler
            .run_once()
            .await
            .expect("scheduler step");
        while let Some(step) = self.jobs.webhooks.run_once().await.expect("webhook step") {
            steps.push(step);
        }
        steps
    }
}

/// One request a `Receiver` got.
#[derive(Debug, Clone)]
pub struct Received {
    pub event: String,
    pub delivery: String,
    pub signature: String,
    pub body: String,
}

/// A real HTTP server on 127.0.0.1 that records webhook deliveries and answers with the scripted
/// statuses in turn (then 200).
/// It runs until the test's runtime ends.
pub struct Receiver {
    pub url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(script: Vec<u16>) -> Receiver {
        Receiver::start_on(0, script).await
    }

    pub async fn start_on(port: u16, script: Vec<u16>) -> Receiver {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Received>::new()));
        let script = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::from(
            script,
        )));
        let (rec, scr) = (received.clone(), script.clone());
        let server = HttpServer::new(move || {
            let (rec, scr) = (rec.clone(), scr.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (rec, scr) = (rec.clone(), scr.clone());
                async move {
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string()
                    };
                    rec.lock().expect("lock").push(Received {
                        event: header("byline-event"),
                        delivery: header("byline-delivery"),
                        signature: header("byline-signature"),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let status = scr.lock().expect("lock").pop_front().unwrap_or(200);
                    HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(status).expect("status"),
                    )
                    .body("ok")
                }
            }))
        })
        .workers(1)
        .bind(("127.0.0.1", port))
        .expect("bind receiver");
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            received,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

/// The real `byline` binary over the database in `dir`, on `port`, with the admin
/// `admin@example.com` / `admin password` and `env` on top (for kill-and-restart tests).
pub fn start_binary(
    dir: &std::path::Path,
    port: u16,
    env: &[(&str, String)],
) -> tokio::process::Child {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_byline"));
    command
        .env("BYLINE_DATABASE_URL", database_url(dir))
        .env("BYLINE_BIND", format!("127.0.0.1:{port}"))
        .envs(media_env(dir))
        .env("BYLINE_ADMIN_EMAIL", "admin@example.com")
        .env("BYLINE_ADMIN_PASSWORD", "admin password")
        .env("RUST_LOG", "warn");
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn")
}

/// Waits (up to 30 s) until the server at `base` answers `/healthz`.
/// The seeded admin's access token from a server started as a process at `base`.
pub async fn admin_token_at(client: &reqwest::Client, base: &str) -> String {
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "admin@example.com", "password": "admin password"}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    login.json::<Value>().await.expect("json")["access_token"]
        .as_str()
        .expect("token")
        .to_string()
}

pub async fn wait_up(client: &reqwest::Client, base: &str) {
    let started = std::time::Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
