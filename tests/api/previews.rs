//! Draft preview links: made by the post's author or an editor, read by anyone holding the
//! token, never cached or indexed; they expire, are revoked, and die with the post.

use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app};

async fn draft(app: &TestApp, token: &str, title: &str) -> Value {
    app.create_post(token, json!({"title": title, "markdown": "Not *yet*."}))
        .await
}

async fn make_link(app: &TestApp, post: &str, token: Option<&str>) -> reqwest::Response {
    app.post(
        &format!("/api/v1/posts/{post}/preview-links"),
        &json!({}),
        token,
    )
    .await
}

#[tokio::test]
async fn a_preview_link_opens_a_draft_to_anyone_holding_it_and_nothing_else() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let post = draft(&app, &author, "Coming soon").await;
    let slug = post["slug"].as_str().expect("slug");
    assert_problem(app.get(&format!("/api/v1/posts/{slug}"), None).await, 404).await;

    let res = make_link(&app, slug, Some(&author)).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let link: Value = res.json().await.expect("json");
    let token = link["token"].as_str().expect("token");
    assert!(token.len() >= 32, "{link}");
    assert_eq!(
        link["url"],
        format!("{}/api/v1/preview/{token}", app.address),
        "no preview page set: the API's own read"
    );
    let expires = chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().expect("at"))
        .expect("time");
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "7 days by default: {days} h");

    let res = app.get(&format!("/api/v1/preview/{token}"), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert_eq!(res.headers()["x-robots-tag"], "noindex");
    let read: Value = res.json().await.expect("json");
    assert_eq!(read["id"], post["id"]);
    assert_eq!(read["status"], "draft");
    assert_eq!(read["html"], post["html"]);
    assert_eq!(read["title"], "Coming soon");

    // The token is stored hashed: nothing in the database holds it.
    let mut conn = byline::db::connect(&crate::helpers::database_url(app.dir.path())).expect("db");
    let found: i64 = {
        use byline::db::schema::preview_links::dsl::*;
        use diesel::{ExpressionMethods, QueryDsl};
        preview_links
            .filter(token_hash.eq(&token))
            .count()
            .get_result(&mut conn)
            .expect("count")
    };
    assert_eq!(found, 0);

    // The site names its own preview page.
    let admin = app.admin_token().await;
    app.patch(
        "/api/v1/site",
        &json!({"url": "https://blog.example", "preview_url": "/preview.html?token={token}"}),
        Some(&admin),
    )
    .await;
    let link: Value = make_link(&app, slug, Some(&author))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        link["url"],
        format!(
            "https://blog.example/preview.html?token={}",
            link["token"].as_str().expect("token")
        )
    );
}

#[tokio::test]
async fn only_the_author_and_editors_make_or_revoke_links() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, other) = app.user_with_role("author").await;
    let (_, editor) = app.user_with_role("editor").await;
    let post = draft(&app, &author, "Mine").await;
    let id = post["id"].as_str().expect("id");
    assert_problem(make_link(&app, id, None).await, 401).await;
    // Another author's draft is not there for them; another author's published post is not theirs.
    assert_problem(make_link(&app, id, Some(&other)).await, 404).await;
    let live = app.publish(&author, "Out now", "Read me.").await;
    let live_id = live["id"].as_str().expect("id");
    assert_problem(make_link(&app, live_id, Some(&other)).await, 403).await;
    let live_path = format!("/api/v1/posts/{live_id}/preview-links");
    assert_problem(app.delete(&live_path, Some(&other)).await, 403).await;
    assert_eq!(make_link(&app, id, Some(&editor)).await.status(), 201);
    let path = format!("/api/v1/posts/{id}/preview-links");
    assert_problem(app.delete(&path, None).await, 401).await;
    assert_problem(app.delete(&path, Some(&other)).await, 404).await;
    assert_problem(make_link(&app, "no-such-post", Some(&editor)).await, 404).await;
    for bad in ["0", "91", "x"] {
        let res = app
            .post(
                &format!("{path}?expires_in_days={bad}"),
                &json!({}),
                Some(&author),
            )
            .await;
        assert_problem(res, 400).await;
    }
}

#[tokio::test]
async fn links_are_revoked_expire_and_die_with_the_post() {
    let app = spawn_app().await;
    let (_, author) = app.user_with_role("author").await;
    let post = draft(&app, &author, "Short lived").await;
    let id = post["id"].as_str().expect("id").to_string();
    let token_of = |link: Value| link["token"].as_str().expect("token").to_string();
    let first = token_of(
        make_link(&app, &id, Some(&author))
            .await
            .json()
            .await
            .expect("j"),
    );
    let second = token_of(
        make_link(&app, &id, Some(&author))
            .await
            .json()
            .await
            .expect("j"),
    );
    let read = |token: String| {
        let app = &app;
        async move { app.get(&format!("/api/v1/preview/{token}"), None).await }
    };
    assert_eq!(read(first.clone()).await.status(), 200);
    assert_eq!(
        app.delete(&format!("/api/v1/posts/{id}/preview-links"), Some(&author))
            .await
            .status(),
        204
    );
    assert_problem(read(first).await, 404).await;
    assert_problem(read(second).await, 404).await;

    // Expired: the clock moved past it (written straight into the database).
    let expiring = token_of(
        make_link(&app, &id, Some(&author))
            .await
            .json()
            .await
            .expect("j"),
    );
    let mut conn = byline::db::connect(&crate::helpers::database_url(app.dir.path())).expect("db");
    {
        use byline::db::schema::preview_links::dsl::*;
        use diesel::ExpressionMethods;
        let a_minute_ago = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
        diesel::update(preview_links)
            .set(expires_at.eq(a_minute_ago))
            .execute(&mut conn)
            .expect("age");
    }
    let gone = assert_problem(read(expiring).await, 410).await;
    assert!(
        gone["detail"]
            .as_str()
            .is_some_and(|d| d.contains("expired"))
    );

    // A deleted post takes its links along.
    let kept = token_of(
        make_link(&app, &id, Some(&author))
            .await
            .json()
            .await
            .expect("j"),
    );
    assert_eq!(read(kept.clone()).await.status(), 200);
    assert_eq!(
        app.delete(&format!("/api/v1/posts/{id}"), Some(&author))
            .await
            .status(),
        204
    );
    assert_problem(read(kept).await, 404).await;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let left: Count = diesel::sql_query("SELECT count(*) AS n FROM preview_links")
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(
        left.n, 0,
        "the post's links, the expired one too, went with it"
    );

    // Tokens that never were, of any shape.
    for bad in ["nope", &"a".repeat(500), "%00", "..%2f"] {
        assert_problem(read(bad.to_string()).await, 404).await;
    }
}
