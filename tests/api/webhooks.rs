use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{self, Receiver, TestApp, assert_problem, spawn_app, spawn_app_with};
use byline::jobs::Step;

async fn hook(app: &TestApp, admin: &str, url: &str, events: Value) -> Value {
    let res = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": url, "events": events, "secret": "a-test-secret-of-some-length"}),
            Some(admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.expect("json")
}

fn verify(secret: &str, signature: &str, body: &str) -> bool {
    let Some((t, v1)) = signature.split_once(",v1=") else {
        return false;
    };
    let t = t.trim_start_matches("t=");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    byline::crypto::hex(&mac.finalize().into_bytes()) == v1
}

#[tokio::test]
async fn publishing_a_post_delivers_a_signed_event() {
    let receiver = Receiver::start(vec![]).await;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    hook(&app, &admin, &receiver.url, json!(["post.published"])).await;
    let site = json!({"post_url": "https://blog.example/read/{slug}"});
    assert_eq!(
        app.patch("/api/v1/site", &site, Some(&admin))
            .await
            .status(),
        200
    );
    app.create_post(&admin, json!({"title": "Draft only"}))
        .await;
    app.publish(&admin, "Hello hooks", "body").await;
    let steps = app.drain_webhooks().await;
    assert_eq!(steps.len(), 1, "{steps:?}");
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event, "post.published");
    assert!(
        verify(
            "a-test-secret-of-some-length",
            &got[0].signature,
            &got[0].body
        ),
        "{:?}",
        got[0]
    );
    let body: Value = serde_json::from_str(&got[0].body).expect("json");
    assert_eq!(body["event"], "post.published");
    assert_eq!(body["id"], got[0].delivery);
    assert_eq!(body["data"]["slug"], "hello-hooks");
    assert_eq!(
        body["data"]["url"], "https://blog.example/read/hello-hooks",
        "the site's post_url"
    );
    assert!(body["created_at"].is_string());
}

#[tokio::test]
async fn a_500_is_retried_and_a_400_is_not() {
    let receiver = Receiver::start(vec![500, 200]).await;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Listens to an event that never fires here: ping reaches it anyway.
    let created = hook(&app, &admin, &receiver.url, json!(["post.deleted"])).await;
    let id = created["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/webhooks/{id}/ping"),
        &json!({}),
        Some(&admin),
    )
    .await;
    assert!(matches!(
        app.drain_webhooks().await.as_slice(),
        [Step::Retrying(_)]
    ));
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert!(matches!(
        app.drain_webhooks().await.as_slice(),
        [Step::Sent(_)]
    ));
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].delivery, got[1].delivery,
        "Byline-Delivery is stable across retries"
    );
    let log: Value = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(log["data"][0]["status"], "delivered");
    assert_eq!(log["data"][0]["attempts"], 2);
    assert_eq!(log["data"][0]["last_status_code"], 200);

    let refusing = Receiver::start(vec![400, 400]).await;
    let other = hook(&app, &admin, &refusing.url, json!(["site.updated"])).await;
    app.patch("/api/v1/site", &json!({"title": "Changed"}), Some(&admin))
        .await;
    assert!(
        matches!(app.drain_webhooks().await.as_slice(), [Step::Failed(_)]),
        "a 400 is final"
    );
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert!(app.drain_webhooks().await.is_empty());
    assert_eq!(refusing.received().len(), 1);
    let oid = other["id"].as_str().expect("id");
    let log: Value = app
        .get(&format!("/api/v1/webhooks/{oid}/deliveries"), Some(&admin))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(log["data"][0]["status"], "failed");
    assert_eq!(log["data"][0]["last_status_code"], 400);

    // Redeliver sends the same delivery again.
    let delivery = log["data"][0]["id"].as_str().expect("id");
    let res = app
        .post(
            &format!("/api/v1/webhook-deliveries/{delivery}/redeliver"),
            &json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 202);
    app.drain_webhooks().await;
    let got = refusing.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].delivery, delivery);
}

#[tokio::test]
async fn a_receiver_down_then_up_gets_the_event_once() {
    let port = helpers::free_port();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    hook(
        &app,
        &admin,
        &format!("http://127.0.0.1:{port}/hook"),
        json!(["contact.received"]),
    )
    .await;
    app.post(
        "/api/v1/contact",
        &json!({"email": "a@example.com", "message": "hi"}),
        None,
    )
    .await;
    assert!(matches!(
        app.drain_webhooks().await.as_slice(),
        [Step::Retrying(_)]
    ));
    let receiver = Receiver::start_on(port, vec![]).await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    app.drain_webhooks().await;
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event, "contact.received");
    assert!(
        !got[0].body.contains("a@example.com"),
        "the sender's address is not announced"
    );
}

#[tokio::test]
async fn a_restart_mid_retry_still_delivers_once() {
    let receiver = Receiver::start(vec![503]).await;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    hook(&app, &admin, &receiver.url, json!(["post.published"])).await;
    app.publish(&admin, "Restarted", "x").await;
    assert!(matches!(
        app.drain_webhooks().await.as_slice(),
        [Step::Retrying(_)]
    ));
    app.handle.stop(true).await;
    let settings = helpers::test_settings(&app.dir);
    let again = helpers::start(app.dir, settings).await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert!(matches!(
        again.drain_webhooks().await.as_slice(),
        [Step::Sent(_)]
    ));
    assert!(again.drain_webhooks().await.is_empty());
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].delivery, got[1].delivery);
}

#[tokio::test]
async fn private_targets_are_refused_unless_allowed() {
    let app = spawn_app_with(|s| s.webhooks_allow_private = false).await;
    let admin = app.admin_token().await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://10.0.0.1/hook",
        "http://[::1]/x",
        "http://169.254.169.254/latest",
        "ftp://example.com/x",
        "not a url",
    ] {
        let res = app
            .post(
                "/api/v1/webhooks",
                &json!({"url": url, "events": ["*"]}),
                Some(&admin),
            )
            .await;
        let body = assert_problem(res, 422).await;
        assert!(body["errors"]["url"].is_array(), "{url}: {body}");
    }
    let res = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1/x", "events": ["nope"], "secret": "short"}),
            Some(&admin),
        )
        .await;
    let body = assert_problem(res, 422).await;
    assert!(body["errors"]["events"].is_array() && body["errors"]["secret"].is_array());
}

#[tokio::test]
async fn webhooks_are_for_admins_and_can_be_changed_and_removed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, editor) = app.user_with_role("editor").await;
    assert_problem(app.get("/api/v1/webhooks", Some(&editor)).await, 403).await;
    assert_problem(
        app.post(
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1/x", "events": ["*"]}),
            Some(&editor),
        )
        .await,
        403,
    )
    .await;
    let created = hook(
        &app,
        &admin,
        "http://127.0.0.1:9/x",
        json!(["post.updated"]),
    )
    .await;
    let id = created["id"].as_str().expect("id");
    let res = app
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            &json!({"active": false, "events": ["*"]}),
            Some(&admin),
        )
        .await;
    let changed: Value = res.json().await.expect("json");
    assert_eq!(
        (changed["active"].as_bool(), changed["events"].clone()),
        (Some(false), json!(["*"]))
    );
    app.publish(&admin, "Quiet", "x").await;
    assert!(
        app.drain_webhooks().await.is_empty(),
        "inactive hooks get nothing"
    );
    assert_eq!(
        app.delete(&format!("/api/v1/webhooks/{id}"), Some(&admin))
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&format!("/api/v1/webhooks/{id}"), Some(&admin))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_scheduled_post_is_announced_once_when_its_time_comes() {
    let receiver = Receiver::start(vec![]).await;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    hook(&app, &admin, &receiver.url, json!(["post.published"])).await;
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(800);
    app.create_post(
        &admin,
        json!({"title": "Later", "status": "scheduled", "published_at": soon.to_rfc3339()}),
    )
    .await;
    assert!(app.drain_webhooks().await.is_empty(), "not yet");
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(app.drain_webhooks().await.len(), 1);
    assert!(app.drain_webhooks().await.is_empty(), "once");
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event, "post.published");
    assert!(got[0].body.contains("\"slug\":\"later\""));
}
