use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_and_readyz_answer_ok() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let res = app.get(path, None).await;
        assert_eq!(res.status(), 200, "{path}");
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test]
async fn every_response_carries_a_fresh_request_id() {
    let app = spawn_app().await;
    let a = app.get("/healthz", None).await;
    let b = app.get("/nowhere", None).await;
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (ida, idb) = (id(&a).expect("id on 200"), id(&b).expect("id on 404"));
    assert_ne!(ida, idb);
    assert!(uuid::Uuid::parse_str(&ida).is_ok());
}

#[tokio::test]
async fn a_sane_client_request_id_is_echoed_and_a_bad_one_replaced() {
    let app = spawn_app().await;
    let res = app
        .request(reqwest::Method::GET, "/healthz", None)
        .header("X-Request-Id", "trace-42.a:b")
        .send()
        .await
        .expect("send");
    assert_eq!(res.headers()["x-request-id"], "trace-42.a:b");
    let res = app
        .request(reqwest::Method::GET, "/healthz", None)
        .header("X-Request-Id", "has spaces <script>")
        .send()
        .await
        .expect("send");
    let echoed = res.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{echoed}");
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.cors_origins = vec!["https://blog.example.com".into()]
    })
    .await;
    let preflight = |origin: &'static str| {
        app.request(reqwest::Method::OPTIONS, "/api/v1/site", None)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PATCH")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let res = preflight("https://blog.example.com").await.expect("send");
    assert!(res.status().is_success());
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://blog.example.com"
    );
    let res = preflight("https://evil.example").await.expect("send");
    assert!(res.headers().get("access-control-allow-origin").is_none());

    let res = app
        .request(reqwest::Method::GET, "/api/v1/site", None)
        .header("Origin", "https://blog.example.com")
        .send()
        .await
        .expect("send");
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .expect("ascii")
        .to_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("link"),
        "{exposed}"
    );
}

#[tokio::test]
async fn every_answer_carries_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/healthz",
        "/api/v1/site",
        "/nowhere",
        "/openapi.json",
        "/docs/",
    ] {
        let res = app.get(path, None).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        if path == "/docs/" {
            assert!(
                csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
                "{csp}"
            );
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        }
    }
}
