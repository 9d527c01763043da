use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn atom_feed_parses_and_lists_only_live_posts() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "First & best", "Hello <b>world</b>")
        .await;
    app.create_post(&admin, json!({"title": "Secret draft"}))
        .await;
    let res = app.get("/feed.atom", None).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("application/atom+xml")
    );
    let etag = res.headers()["etag"].clone();
    let body = res.bytes().await.expect("body");
    let feed = feed_rs::parser::parse(&body[..]).expect("valid Atom");
    assert_eq!(feed.entries.len(), 1);
    let entry = &feed.entries[0];
    assert_eq!(
        entry.title.as_ref().map(|t| t.content.as_str()),
        Some("First & best")
    );
    let link = &entry.links[0].href;
    assert!(
        link.starts_with("http://") && link.ends_with("/posts/first-best"),
        "{link}"
    );
    let res = app
        .request(Method::GET, "/feed.atom", None)
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 304);
}

#[tokio::test]
async fn json_feed_parses() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Jason", "Body").await;
    let res = app.get("/feed.json", None).await;
    assert_eq!(res.headers()["content-type"], "application/feed+json");
    let body = res.bytes().await.expect("body");
    let feed = feed_rs::parser::parse(&body[..]).expect("valid JSON Feed");
    assert_eq!(feed.entries.len(), 1);
    let raw: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(raw["version"], "https://jsonfeed.org/version/1.1");
    assert!(
        raw["items"][0]["content_html"]
            .as_str()
            .unwrap_or("")
            .contains("<p>Body</p>")
    );
}

#[tokio::test]
async fn sitemap_lists_live_posts_with_absolute_urls() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "Mapped", "x").await;
    app.create_post(&admin, json!({"title": "Hidden"})).await;
    let res = app.get("/sitemap.xml", None).await;
    assert_eq!(res.status(), 200);
    let xml = res.text().await.expect("xml");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut locs = Vec::new();
    let mut in_loc = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"loc" => in_loc = true,
            quick_xml::events::Event::Text(t) if in_loc => {
                locs.push(String::from_utf8_lossy(&t.into_inner()).into_owned());
                in_loc = false;
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(locs.len(), 2, "{xml}");
    assert!(locs[1].ends_with("/posts/mapped"));
    assert!(!xml.contains("hidden"));
}
