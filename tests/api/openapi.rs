use serde_json::Value;

use crate::helpers::spawn_app;

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

#[tokio::test]
async fn the_served_document_equals_the_committed_file() {
    let app = spawn_app().await;
    let res = app.get("/openapi.json", None).await;
    assert_eq!(res.status(), 200);
    let served: Value = res.json().await.expect("json");
    if std::env::var_os("BYLINE_UPDATE_OPENAPI").is_some() {
        std::fs::write(FILE, byline::openapi::document_json()).expect("write openapi.json");
    }
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(FILE).expect("openapi/openapi.json exists"))
            .expect("openapi/openapi.json is JSON");
    assert!(
        served == committed,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
    assert_eq!(served["openapi"], "3.1.0");
    let head = app
        .request(reqwest::Method::HEAD, "/openapi.json", None)
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-type"], "application/json");
}

#[test]
fn every_protected_operation_documents_its_errors() {
    let doc: Value = serde_json::from_str(&byline::openapi::document_json()).expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/auth/login",
        "/api/v1/users/{id}",
        "/api/v1/posts",
        "/api/v1/posts/{post}",
        "/api/v1/tags",
        "/feed.atom",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            let secured = op["security"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x.get("bearer").is_some()));
            if secured {
                for status in ["401", "403"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} lacks {status}"
                    );
                }
            }
            if op.get("requestBody").is_some() {
                assert!(responses.contains_key("422"), "{method} {path} lacks 422");
            }
            assert!(
                op["description"].is_string() || op["summary"].is_string(),
                "{method} {path} is undocumented"
            );
        }
    }
}

#[tokio::test]
async fn docs_are_served_offline() {
    let app = spawn_app().await;
    let res = app.get("/docs", None).await;
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()["location"], "/docs/");
    let res = app.get("/docs/", None).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(html.contains("swagger-ui"));
    let init = app
        .get("/docs/swagger-initializer.js", None)
        .await
        .text()
        .await
        .expect("js");
    assert!(init.contains("/openapi.json"));
    assert!(
        init.contains(r#""validatorUrl": "none""#) || init.contains(r#""validatorUrl":"none""#),
        "{init}"
    );
    for page in [&html, &init] {
        assert!(
            !page.contains("https://") && !page.contains("http://"),
            "loads something remote"
        );
    }
}

#[test]
fn every_reference_resolves() {
    let doc: Value = serde_json::from_str(&byline::openapi::document_json()).expect("json");
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|x| refs(x, out));
            }
            Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let pointer = r.trim_start_matches('#');
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
}
