use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with};

const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const GIF: &str = "R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
const JPEG: &str = "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=";
const WEBP: &str = "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA";

fn bytes(b64: &str) -> Vec<u8> {
    STANDARD.decode(b64).expect("base64")
}

async fn upload(app: &TestApp, token: &str, filename: &str, data: Vec<u8>) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(data).file_name(filename.to_string()));
    app.request(reqwest::Method::POST, "/api/v1/media", Some(token))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

#[tokio::test]
async fn each_accepted_type_is_stored_and_served() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    for (name, data, mime, size) in [
        ("a.png", bytes(PNG), "image/png", Some(1)),
        ("b.gif", bytes(GIF), "image/gif", Some(1)),
        ("c.jpg", bytes(JPEG), "image/jpeg", Some(1)),
        ("d.webp", bytes(WEBP), "image/webp", Some(1)),
        ("e.pdf", pdf, "application/pdf", None),
    ] {
        let res = upload(&app, &author, name, data.clone()).await;
        assert_eq!(res.status(), 201, "{name}");
        assert!(res.headers().contains_key("location"));
        let item: Value = res.json().await.expect("json");
        assert_eq!(item["content_type"], mime, "{name}");
        assert_eq!(item["filename"], name);
        assert_eq!(item["bytes"], data.len());
        assert_eq!(item["width"].as_i64(), size, "{name}");
        let url = item["url"].as_str().expect("url");
        let served = app.client.get(url).send().await.expect("get file");
        assert_eq!(served.status(), 200);
        assert_eq!(
            served.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .split(';')
                .next(),
            Some(mime)
        );
        assert_eq!(served.headers()["x-content-type-options"], "nosniff");
        assert!(
            served.headers()["cache-control"]
                .to_str()
                .unwrap_or("")
                .contains("immutable")
        );
        assert!(served.headers().contains_key("etag"));
        assert_eq!(served.bytes().await.expect("body").to_vec(), data);
    }
    let list: Value = app
        .get("/api/v1/media", Some(&author))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["meta"]["total"], 5);
}

#[tokio::test]
async fn types_come_from_the_bytes_not_the_name() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00".to_vec();
    assert_problem(upload(&app, &admin, "photo.png", elf).await, 415).await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    assert_problem(upload(&app, &admin, "logo.svg", svg).await, 415).await;
    let res = upload(&app, &admin, "renamed.pdf", bytes(PNG)).await;
    let item: Value = res.json().await.expect("json");
    assert_eq!(
        item["content_type"], "image/png",
        "a PNG named .pdf is a PNG"
    );
    let res = app
        .request(reqwest::Method::POST, "/api/v1/media", Some(&admin))
        .json(&json!({"file": "x"}))
        .send()
        .await
        .expect("send");
    assert_problem(res, 415).await;
    let form = Form::new().text("other", "x");
    let res = app
        .request(reqwest::Method::POST, "/api/v1/media", Some(&admin))
        .multipart(form)
        .send()
        .await
        .expect("send");
    let body = assert_problem(res, 400).await;
    assert!(body["detail"].as_str().expect("detail").contains("`file`"));
}

#[tokio::test]
async fn an_oversized_upload_is_a_413() {
    let app = spawn_app_with(|s| s.media_limit = 4096).await;
    let admin = app.admin_token().await;
    let mut big = bytes(PNG);
    big.resize(10_000, 0);
    assert_problem(upload(&app, &admin, "big.png", big).await, 413).await;
}

#[tokio::test]
async fn file_paths_never_escape_the_media_directory() {
    let app = spawn_app().await;
    for path in [
        "/media/..%2F..%2Fetc%2Fpasswd",
        "/media/../byline.db",
        "/media/byline.db",
        "/media/%2e%2e%2fbyline.db",
        &format!("/media/{}.png", "0".repeat(64)),
    ] {
        let res = app.get(path, None).await;
        assert_eq!(res.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn range_requests_get_partial_content() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let item: Value = upload(&app, &admin, "a.png", bytes(PNG))
        .await
        .json()
        .await
        .expect("json");
    let url = item["url"].as_str().expect("url");
    let res = app
        .client
        .get(url)
        .header("Range", "bytes=0-7")
        .send()
        .await
        .expect("range");
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"].to_str().unwrap_or(""),
        format!("bytes 0-7/{}", bytes(PNG).len())
    );
    assert_eq!(
        res.bytes().await.expect("body").to_vec(),
        bytes(PNG)[..8].to_vec()
    );
    let etag = app.client.get(url).send().await.expect("get").headers()["etag"].clone();
    let res = app
        .client
        .get(url)
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("conditional");
    assert_eq!(res.status(), 304);
}

#[tokio::test]
async fn alt_text_and_deletion_follow_ownership() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    let item: Value = upload(&app, &author, "a.gif", bytes(GIF))
        .await
        .json()
        .await
        .expect("json");
    let id = item["id"].as_str().expect("id");
    let path = format!("/api/v1/media/{id}");
    assert_problem(
        app.patch(&path, &json!({"alt": "x"}), Some(&other)).await,
        403,
    )
    .await;
    let res = app
        .patch(&path, &json!({"alt": "A tiny dot"}), Some(&author))
        .await;
    assert_eq!(
        res.json::<Value>().await.expect("json")["alt"],
        "A tiny dot"
    );
    assert_problem(
        app.patch(&path, &json!({"alt": "x".repeat(501)}), Some(&editor))
            .await,
        422,
    )
    .await;
    assert_problem(app.delete(&path, Some(&other)).await, 403).await;

    let name = item["url"]
        .as_str()
        .expect("url")
        .rsplit('/')
        .next()
        .expect("name")
        .to_string();
    let file = app.dir.path().join("media").join(&name);
    assert!(file.exists());
    assert_eq!(app.delete(&path, Some(&editor)).await.status(), 204);
    assert!(!file.exists(), "the file is removed with its last upload");
    assert_eq!(
        app.client
            .get(item["url"].as_str().expect("url"))
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
    assert_problem(app.get("/api/v1/media", None).await, 401).await;
}
