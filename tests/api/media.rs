use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with};

const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const GIF: &str = "R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
const WEBP: &str = "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA";

fn bytes(b64: &str) -> Vec<u8> {
    STANDARD.decode(b64).expect("base64")
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    filename: &str,
    data: Vec<u8>,
) -> reqwest::Response {
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
        ("c.jpg", jpeg_1x1(), "image/jpeg", Some(1)),
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
        .header("If-None-Match", etag.clone())
        .send()
        .await
        .expect("conditional");
    assert_eq!(res.status(), 304);
    // A range of another version of the file (If-Range) gets the whole file instead.
    for (if_range, status) in [(etag.to_str().unwrap_or(""), 206), ("\"other\"", 200)] {
        let res = app
            .client
            .get(url)
            .header("Range", "bytes=0-7")
            .header("If-Range", if_range)
            .send()
            .await
            .expect("if-range");
        assert_eq!(res.status(), status, "If-Range {if_range}");
    }
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
    assert!(crate::helpers::stored_file(app.dir.path(), &name).await);
    assert_eq!(app.delete(&path, Some(&editor)).await.status(), 204);
    assert!(
        !crate::helpers::stored_file(app.dir.path(), &name).await,
        "the file is removed with its last upload"
    );
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

/// A picture with a gradient, so resizing has something to average.
pub fn picture(width: u32, height: u32) -> image::DynamicImage {
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, 120])
    }))
}

pub fn encoded(picture: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    picture
        .write_to(&mut std::io::Cursor::new(&mut out), format)
        .expect("encode");
    out
}

/// A JPEG as a phone takes it: EXIF saying "rotate 90° clockwise to view", and a GPS position.
fn phone_photo(width: u32, height: u32) -> Vec<u8> {
    let jpeg = encoded(&picture(width, height), image::ImageFormat::Jpeg);
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend([0, 2]); // IFD0: two entries
    tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // Orientation = 6
    tiff.extend([0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]); // GPS IFD at 38
    tiff.extend([0, 0, 0, 0]);
    tiff.extend([0, 1]); // GPS IFD: one entry
    tiff.extend([0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]); // GPSLatitudeRef = "N"
    tiff.extend([0, 0, 0, 0]);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(tiff);
    let length = u16::try_from(app1.len() + 2).expect("short");
    let mut photo = jpeg[..2].to_vec(); // SOI
    photo.extend([0xff, 0xe1]);
    photo.extend(length.to_be_bytes());
    photo.extend(app1);
    photo.extend(&jpeg[2..]);
    photo
}

fn jpeg_1x1() -> Vec<u8> {
    encoded(&picture(1, 1), image::ImageFormat::Jpeg)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `GET /api/v1/media/{id}` of an upload answer.
async fn media_item(app: &TestApp, token: &str, item: &Value) -> Value {
    let path = format!("/api/v1/media/{}", item["id"].as_str().expect("id"));
    app.get(&path, Some(token))
        .await
        .json()
        .await
        .expect("json")
}

pub async fn fetch_bytes(app: &TestApp, url: &str) -> Vec<u8> {
    let res = app.client.get(url).send().await.expect("get file");
    assert_eq!(res.status(), 200, "{url}");
    res.bytes().await.expect("body").to_vec()
}

#[tokio::test]
async fn photos_get_copies_at_the_widths_narrower_than_them() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let original = encoded(&picture(1000, 500), image::ImageFormat::Png);
    let res = upload(&app, &author, "wide.png", original.clone()).await;
    assert_eq!(res.status(), 201);
    let item: Value = res.json().await.expect("json");
    assert_eq!(
        (item["width"].clone(), item["height"].clone()),
        (json!(1000), json!(500))
    );
    let variants = item["variants"].as_array().expect("variants");
    let sizes: Vec<(u64, u64)> = variants
        .iter()
        .map(|v| {
            (
                v["width"].as_u64().unwrap_or(0),
                v["height"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        sizes,
        [(640, 320), (320, 160)],
        "widest first, 1280 and 1920 skipped"
    );
    for variant in variants {
        let url = variant["url"].as_str().expect("url");
        let served = fetch_bytes(&app, url).await;
        assert_eq!(variant["bytes"], served.len());
        assert_eq!(
            image::guess_format(&served).expect("format"),
            image::ImageFormat::Png
        );
        let decoded = image::load_from_memory(&served).expect("decodes");
        assert_eq!(
            (u64::from(decoded.width()), u64::from(decoded.height())),
            (
                variant["width"].as_u64().unwrap_or(0),
                variant["height"].as_u64().unwrap_or(0)
            )
        );
    }
    // Without metadata, the original is kept byte for byte.
    assert_eq!(
        fetch_bytes(&app, item["url"].as_str().expect("url")).await,
        original
    );
    let one = media_item(&app, &author, &item).await;
    assert_eq!(one["variants"], item["variants"]);

    let small = upload(
        &app,
        &author,
        "small.png",
        encoded(&picture(300, 200), image::ImageFormat::Png),
    )
    .await;
    let small: Value = small.json().await.expect("json");
    assert_eq!(small["variants"], json!([]), "narrower than every width");
    let gif: Value = upload(&app, &author, "a.gif", bytes(GIF))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(gif["variants"], json!([]));

    let webp = encoded(&picture(700, 350), image::ImageFormat::WebP);
    let webp: Value = upload(&app, &author, "w.webp", webp)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(webp["variants"].as_array().map(Vec::len), Some(2));
    let copy = fetch_bytes(&app, webp["variants"][0]["url"].as_str().expect("url")).await;
    assert_eq!(
        image::guess_format(&copy).expect("format"),
        image::ImageFormat::WebP
    );

    // Deleting the upload removes its copies too.
    let names: Vec<String> = variants
        .iter()
        .map(|v| {
            v["url"]
                .as_str()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let path = format!("/api/v1/media/{}", item["id"].as_str().expect("id"));
    assert_eq!(app.delete(&path, Some(&author)).await.status(), 204);
    for name in names {
        assert!(!crate::helpers::stored_file(app.dir.path(), &name).await);
    }
}

#[tokio::test]
async fn phone_photos_are_turned_upright_and_lose_their_exif() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let photo = phone_photo(1000, 400);
    assert!(contains(&photo, b"Exif"), "the test photo carries EXIF");
    let res = upload(&app, &author, "IMG_0001.jpg", photo).await;
    assert_eq!(res.status(), 201);
    let item: Value = res.json().await.expect("json");
    assert_eq!(
        (item["width"].clone(), item["height"].clone()),
        (json!(400), json!(1000))
    );
    assert_eq!(item["content_type"], "image/jpeg");
    let variants = item["variants"].as_array().expect("variants");
    assert_eq!(variants.len(), 1);
    assert_eq!(
        (variants[0]["width"].clone(), variants[0]["height"].clone()),
        (json!(320), json!(800))
    );
    for url in [item["url"].as_str(), variants[0]["url"].as_str()] {
        let served = fetch_bytes(&app, url.expect("url")).await;
        assert!(
            !contains(&served, b"Exif"),
            "no EXIF (or GPS) left in {url:?}"
        );
        assert_eq!(
            image::guess_format(&served).expect("format"),
            image::ImageFormat::Jpeg
        );
        let decoded = image::load_from_memory(&served).expect("decodes");
        assert!(decoded.height() > decoded.width(), "upright: {url:?}");
    }
    assert_eq!(
        item["bytes"],
        fetch_bytes(&app, item["url"].as_str().expect("url"))
            .await
            .len()
    );
}

#[tokio::test]
async fn images_too_large_to_decode_safely_are_refused() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    // A 1×1 PNG whose header claims 30000×30000 pixels: 3.6 GB once decoded.
    let mut bomb = encoded(&picture(1, 1), image::ImageFormat::Png);
    bomb[16..20].copy_from_slice(&30_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&30_000u32.to_be_bytes());
    let body = assert_problem(upload(&app, &author, "bomb.png", bomb).await, 422).await;
    let message = body["errors"]["file"][0].as_str().unwrap_or("");
    assert!(message.contains("30000×30000"), "{body}");

    let mut broken = encoded(&picture(400, 400), image::ImageFormat::Png);
    broken.truncate(broken.len() / 2);
    let body = assert_problem(upload(&app, &author, "half.png", broken).await, 422).await;
    assert!(
        body["errors"]["file"][0]
            .as_str()
            .unwrap_or("")
            .contains("not a readable image"),
        "{body}"
    );

    let list: Value = app
        .get("/api/v1/media", Some(&author))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["meta"]["total"], 0, "nothing recorded");
    let files = crate::helpers::stored_files(app.dir.path()).await;
    assert_eq!(files, 0, "nothing written");
}

#[tokio::test]
async fn uploaded_images_in_posts_get_a_srcset_of_their_copies() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let item: Value = upload(
        &app,
        &author,
        "wide.png",
        encoded(&picture(1000, 500), image::ImageFormat::Png),
    )
    .await
    .json()
    .await
    .expect("json");
    let url = item["url"].as_str().expect("url");
    let markdown = format!(
        "A wave:\n\n![A wave > a ripple]({url})\n\nAnd one from elsewhere: ![x](https://example.com/media/{}.png)",
        "a".repeat(64)
    );
    let res = app
        .post(
            "/api/v1/posts",
            &json!({"title": "Waves", "markdown": markdown, "status": "published",
                "feature_image": url}),
            Some(&author),
        )
        .await;
    assert_eq!(res.status(), 201);
    let post: Value = app
        .get("/api/v1/posts/waves", None)
        .await
        .json()
        .await
        .expect("json");
    let html = post["html"].as_str().expect("html");
    let stem = url.trim_end_matches(".png");
    let expected = format!(
        "srcset=\"{stem}-320w.png 320w, {stem}-640w.png 640w, {url} 1000w\" sizes=\"(max-width: 50em) 100vw, 50em\""
    );
    assert!(
        html.contains(&format!("{expected}>")),
        "after the alt text, closing the tag: {html}"
    );
    assert_eq!(
        html.matches("srcset=").count(),
        1,
        "only our own uploads: {html}"
    );
    assert_eq!(
        post["feature_image_variants"],
        json!([
            {"width": 640, "height": 320, "url": format!("{stem}-640w.png")},
            {"width": 320, "height": 160, "url": format!("{stem}-320w.png")},
        ])
    );
    let list: Value = app
        .get("/api/v1/posts?fields=feature_image_variants", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        list["data"][0]["feature_image_variants"],
        post["feature_image_variants"]
    );

    // Importing the same post again finds it unchanged: an import looks the copies up too.
    let line = json!({"slug": "waves", "title": "Waves", "markdown": markdown,
        "status": "published", "feature_image": url, "published_at": post["published_at"]});
    let admin = app.admin_token().await;
    let report: Value = app
        .request(reqwest::Method::POST, "/api/v1/posts/import", Some(&admin))
        .header("content-type", "application/x-ndjson")
        .body(format!("{line}\n"))
        .send()
        .await
        .expect("import")
        .json()
        .await
        .expect("json");
    assert_eq!(report["items"][0]["outcome"], "unchanged", "{report}");

    // Another image: no copies.
    let res = app
        .patch(
            "/api/v1/posts/waves",
            &json!({"feature_image": "https://example.com/cover.jpg"}),
            Some(&author),
        )
        .await;
    assert_eq!(
        res.json::<Value>().await.expect("json")["feature_image_variants"],
        json!([])
    );
}

#[tokio::test]
async fn uploads_from_before_copies_get_them_from_the_command_line() {
    // As a server from before copies existed would have stored it.
    let app = spawn_app_with(|s| s.media_widths = vec![]).await;
    let (_, author) = app.user_with_role("author").await;
    let old = upload(
        &app,
        &author,
        "old.png",
        encoded(&picture(1000, 500), image::ImageFormat::Png),
    )
    .await;
    let old: Value = old.json().await.expect("json");
    assert_eq!(old["variants"], json!([]));
    // The same file uploaded again: one file, so one set of copies for both uploads.
    let twin = upload(
        &app,
        &author,
        "old-again.png",
        encoded(&picture(1000, 500), image::ImageFormat::Png),
    )
    .await;
    let twin: Value = twin.json().await.expect("json");
    assert_eq!(twin["url"], old["url"]);
    upload(
        &app,
        &author,
        "small.png",
        encoded(&picture(200, 100), image::ImageFormat::Png),
    )
    .await;
    upload(&app, &author, "a.gif", bytes(GIF)).await;

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_byline"))
        .args(["media", "variants"])
        .env(
            "BYLINE_DATABASE_URL",
            crate::helpers::database_url(app.dir.path()),
        )
        .envs(crate::helpers::media_env(app.dir.path()))
        .output()
        .await
        .expect("run byline media variants");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("made copies of 1 image(s); 1 needed none; 0 could not be read"),
        "{said}"
    );

    let now = media_item(&app, &author, &old).await;
    assert_eq!(now["url"], old["url"], "the original keeps its name");
    assert_eq!(
        media_item(&app, &author, &twin).await["variants"],
        now["variants"]
    );
    let widths: Vec<u64> = now["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["width"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(widths, [640, 320]);
    for variant in now["variants"].as_array().expect("variants") {
        fetch_bytes(&app, variant["url"].as_str().expect("url")).await;
    }
}
