use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, assert_problem, spawn_app, spawn_app_with};

const SECRET: &str = "test secret that is at least 32 characters long";

#[tokio::test]
async fn login_returns_a_bearer_token_and_the_user() {
    let app = spawn_app().await;
    let res = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["email"], ADMIN_EMAIL);
    assert_eq!(body["user"]["role"], "admin");
    assert!(body["user"].get("password_hash").is_none());
    let token = body["access_token"].as_str().expect("token");
    assert_eq!(token.split('.').count(), 3, "a JWT");
}

#[tokio::test]
async fn login_email_is_case_insensitive() {
    let app = spawn_app().await;
    let res = app.login("  Admin@Example.COM ", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let wrong = assert_problem(app.login(ADMIN_EMAIL, "not the password").await, 401).await;
    let unknown = assert_problem(app.login("nobody@example.com", ADMIN_PASSWORD).await, 401).await;
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn login_without_fields_names_both() {
    let app = spawn_app().await;
    let res = app.post("/api/v1/auth/login", &json!({}), None).await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["email"].is_array() && body["errors"]["password"].is_array());
}

#[tokio::test]
async fn me_answers_the_signed_in_user() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let res = app.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["email"], ADMIN_EMAIL);
}

#[tokio::test]
async fn me_without_credentials_is_401_with_www_authenticate() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/auth/me", None).await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    assert_problem(res, 401).await;
    let res = app
        .request(reqwest::Method::GET, "/api/v1/auth/me", None)
        .header("Authorization", "Basic YWRtaW46YWRtaW4=")
        .send()
        .await
        .expect("send");
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn a_tampered_token_is_401() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
    claims["role"] = json!("admin");
    claims["sub"] = json!("someone-else");
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    let tampered = parts.join(".");
    assert_problem(app.get("/api/v1/auth/me", Some(&tampered)).await, 401).await;
    assert_problem(app.get("/api/v1/auth/me", Some("garbage")).await, 401).await;
}

fn user_id_of(token: &str) -> String {
    let payload = token.split('.').nth(1).expect("payload");
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json");
    claims["sub"].as_str().expect("sub").to_string()
}

#[tokio::test]
async fn an_alg_none_token_is_401() {
    let app = spawn_app_with(|s| s.jwt_secret = Some(SECRET.into())).await;
    let sub = user_id_of(&app.admin_token().await);
    let now = chrono::Utc::now().timestamp();
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD
        .encode(json!({"sub": sub, "role": "admin", "iat": now, "exp": now + 600}).to_string());
    for token in [format!("{header}.{claims}."), format!("{header}.{claims}")] {
        assert_problem(app.get("/api/v1/auth/me", Some(&token)).await, 401).await;
    }
}

#[tokio::test]
async fn an_expired_token_is_401_and_a_fresh_one_with_the_same_secret_works() {
    let app = spawn_app_with(|s| s.jwt_secret = Some(SECRET.into())).await;
    let sub = user_id_of(&app.admin_token().await);
    let now = chrono::Utc::now().timestamp();
    let sign = |iat: i64, exp: i64| {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &json!({"sub": sub, "role": "admin", "iat": iat, "exp": exp}),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .expect("encode")
    };
    let fresh = sign(now, now + 600);
    assert_eq!(app.get("/api/v1/auth/me", Some(&fresh)).await.status(), 200);
    let expired = sign(now - 3600, now - 600);
    assert_problem(app.get("/api/v1/auth/me", Some(&expired)).await, 401).await;
}

#[tokio::test]
async fn a_token_for_a_deleted_user_stops_working() {
    let app = spawn_app().await;
    let (id, token) = app.user_with_role("editor").await;
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).await.status(), 200);
    let admin = app.admin_token().await;
    assert_eq!(
        app.delete(&format!("/api/v1/users/{id}"), Some(&admin))
            .await
            .status(),
        204
    );
    assert_problem(app.get("/api/v1/auth/me", Some(&token)).await, 401).await;
}

#[tokio::test]
async fn login_is_rate_limited_per_client_with_retry_after() {
    let app = spawn_app_with(|s| s.login_per_minute = 3).await;
    for _ in 0..3 {
        assert_eq!(app.login(ADMIN_EMAIL, "wrong password").await.status(), 401);
    }
    let res = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_problem(res, 429).await;
}

#[tokio::test]
async fn a_password_change_signs_out_older_tokens() {
    let app = spawn_app().await;
    let (id, old_token) = app.user_with_role("editor").await;
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&old_token)).await.status(),
        200
    );
    // Tokens carry whole seconds: let the change fall in a later second than the old token.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let admin = app.admin_token().await;
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({"password": "a brand new one"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(app.get("/api/v1/auth/me", Some(&old_token)).await, 401).await;
    let me: Value = app
        .get("/api/v1/auth/me", Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    let fresh = app
        .token_for(me["email"].as_str().unwrap_or_default(), ADMIN_PASSWORD)
        .await;
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&fresh)).await.status(),
        200,
        "other users are not affected"
    );
}

#[tokio::test]
async fn a_token_without_expiry_or_with_another_algorithm_is_401() {
    let app = spawn_app_with(|s| s.jwt_secret = Some(SECRET.into())).await;
    let sub = user_id_of(&app.admin_token().await);
    let now = chrono::Utc::now().timestamp();
    let no_exp = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": sub, "role": "admin", "iat": now}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("encode");
    assert_problem(app.get("/api/v1/auth/me", Some(&no_exp)).await, 401).await;
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &json!({"sub": sub, "role": "admin", "iat": now, "exp": now + 600}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("encode");
    assert_problem(app.get("/api/v1/auth/me", Some(&hs512)).await, 401).await;
}
