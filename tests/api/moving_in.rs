//! Moving in from Blogger and WordPress: the fixtures in `tests/fixtures` hold every case the
//! importer handles; the assertions read the API's answers afterwards, not the database.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{self, assert_problem, spawn_app, spawn_app_with};

const BIN: &str = env!("CARGO_BIN_EXE_byline");
const WORDPRESS: &str = include_str!("../fixtures/wordpress.xml");
const BLOGGER: &str = include_str!("../fixtures/blogger.xml");

async fn move_in(
    app: &helpers::TestApp,
    token: &str,
    from: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    app.request(Method::POST, &format!("/api/v1/import/{from}"), Some(token))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send")
}

fn counts(created: u64, updated: u64, unchanged: u64, matched: u64, error: u64) -> Value {
    json!({"created": created, "updated": updated, "unchanged": unchanged, "matched": matched, "error": error})
}

/// The report's lines of one kind.
fn lines<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|l| l["kind"] == kind)
        .collect()
}

async fn thread(app: &helpers::TestApp, slug: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/posts/{slug}/comments?per_page=100"), None)
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    body["data"].as_array().expect("data").clone()
}

#[tokio::test]
async fn a_wordpress_export_moves_in_with_authors_tags_and_threads() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Ann already has an account here; Bob does not.
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": "ann@kitchen.example", "name": "Ann B.", "password": "password 123", "role": "editor"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    let ann: Value = res.json().await.expect("json");

    let res = move_in(&app, &admin, "wordpress", "application/xml", WORDPRESS).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let report: Value = res.json().await.expect("json");
    assert_eq!(
        report["totals"]["posts"],
        counts(4, 0, 0, 0, 0),
        "{report:#}"
    );
    assert_eq!(report["totals"]["comments"], counts(5, 0, 0, 0, 0));
    assert_eq!(report["totals"]["tags"], counts(3, 0, 0, 0, 0));
    assert_eq!(report["totals"]["authors"], counts(1, 0, 0, 1, 0));
    assert_eq!(report["totals"]["skipped"], 5);
    let reasons: Vec<&str> = lines(&report, "skipped")
        .iter()
        .map(|l| l["reason"].as_str().expect("reason"))
        .collect();
    for expected in [
        "a page",
        "an attachment",
        "a menu item",
        "trash",
        "a pingback",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(expected)),
            "{expected} in {reasons:?}"
        );
    }
    let authors = lines(&report, "author");
    assert!(
        authors
            .iter()
            .any(|a| a["outcome"] == "matched" && a["id"] == ann["id"])
    );

    // The post, its body through WordPress's rules, sanitized.
    let res = app.get("/api/v1/posts/sourdough-day-one", None).await;
    assert_eq!(res.status(), 200);
    let post: Value = res.json().await.expect("json");
    let html = post["html"].as_str().expect("html");
    assert!(html.contains("<p>Flour and water.<br>"), "{html}");
    assert!(
        html.contains(
            "<figure><img src=\"https://kitchen.example/wp-content/uploads/starter.jpg\""
        ),
        "{html}"
    );
    assert!(
        html.contains("<figcaption>The starter on day one</figcaption>\n</figure>"),
        "{html}"
    );
    assert!(
        !html.contains("script") && !html.contains("onclick"),
        "{html}"
    );
    assert_eq!(post["published_at"], "2019-03-03T09:30:00Z");
    assert_eq!(post["author"]["id"], ann["id"]);
    assert_eq!(
        post["source_url"],
        "https://kitchen.example/2019/03/sourdough-day-one/"
    );
    // A category and a tag of one name are one tag.
    assert_eq!(
        post["tags"],
        json!([{"slug": "baking", "name": "Baking"}, {"slug": "bread", "name": "Bread"}])
    );
    assert_eq!(post["comment_count"], 3);

    // Three deep, parents first, whatever order the export listed them in.
    let comments = thread(&app, "sourdough-day-one").await;
    let names: Vec<&str> = comments
        .iter()
        .map(|c| c["author_name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Dan", "Ann Baker", "Carol"]);
    assert_eq!(comments[0]["parent_id"], Value::Null);
    assert_eq!(comments[1]["parent_id"], comments[0]["id"]);
    assert_eq!(comments[2]["parent_id"], comments[1]["id"]);
    let first = comments[0]["html"].as_str().expect("html");
    assert!(
        first.contains(
            "How warm should the kitchen be?<br>Mine is cold.</p><p>Second paragraph my site</p>"
        ),
        "{first}"
    );
    assert!(!comments.iter().any(|c| c.get("author_email").is_some()));

    // Spam and pending comments kept for moderators.
    for (status, name) in [("pending", "Erin"), ("spam", "Cheap Pills")] {
        let res = app
            .get(&format!("/api/v1/comments?status={status}"), Some(&admin))
            .await;
        let body: Value = res.json().await.expect("json");
        let found: Vec<&str> = body["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|c| c["author_name"].as_str().expect("name"))
            .collect();
        assert_eq!(found, [name]);
    }

    // A percent-encoded non-ASCII slug, closed comments and a custom excerpt.
    let res = app.get("/api/v1/posts/cafe-deja-vu", None).await;
    assert_eq!(res.status(), 200);
    let cafe: Value = res.json().await.expect("json");
    assert_eq!(cafe["title"], "Café déjà vu");
    assert_eq!(cafe["comments_enabled"], false);
    assert_eq!(cafe["excerpt"], "Coffee notes.");
    assert_eq!(cafe["author"]["name"], "Bob Cook");
    assert!(
        cafe["html"]
            .as_str()
            .expect("html")
            .contains("<p>Espresso, twice.</p>")
    );

    // The draft and the scheduled post are not public.
    let res = app
        .get("/api/v1/posts?status=draft&fields=title,slug", Some(&admin))
        .await;
    let drafts: Value = res.json().await.expect("json");
    assert_eq!(drafts["data"][0]["title"], "麺の作り方");
    let slug = drafts["data"][0]["slug"].as_str().expect("slug");
    assert!(!slug.is_empty() && slug.is_ascii(), "{slug}");
    let res = app.get("/api/v1/posts/pies-next-year", Some(&admin)).await;
    let pies: Value = res.json().await.expect("json");
    assert_eq!(pies["status"], "scheduled");
    assert_eq!(
        app.get("/api/v1/posts/pies-next-year", None).await.status(),
        404
    );

    // Old links are findable, however the link is written.
    let res = app
        .get(
            "/api/v1/posts?source_url=http://kitchen.example/2019/03/sourdough-day-one",
            None,
        )
        .await;
    let found: Value = res.json().await.expect("json");
    assert_eq!(found["meta"]["total"], 1);
    assert_eq!(found["data"][0]["slug"], "sourdough-day-one");
    let res = app
        .get(
            "/api/v1/posts?source_url=https://kitchen.example/nothing/",
            None,
        )
        .await;
    let none: Value = res.json().await.expect("json");
    assert_eq!(none["data"], json!([]));

    // Counts and search are right without a rebuild.
    let res = app.get("/api/v1/tags", None).await;
    let tags: Value = res.json().await.expect("json");
    let count = |slug: &str| {
        tags["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|t| t["slug"] == slug)
            .map(|t| t["post_count"].clone())
    };
    assert_eq!(count("baking"), Some(json!(1)));
    assert_eq!(count("drinks"), Some(json!(1)));
    let res = app.get("/api/v1/posts?q=espresso", None).await;
    let hits: Value = res.json().await.expect("json");
    assert_eq!(hits["data"][0]["slug"], "cafe-deja-vu");

    // Bob was created as an author who cannot sign in yet.
    let res = app.get("/api/v1/users?per_page=100", Some(&admin)).await;
    let users: Value = res.json().await.expect("json");
    let bob = users["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|u| u["email"] == "bob@kitchen.example")
        .cloned()
        .expect("bob");
    assert_eq!(bob["role"], "author");
    for guess in ["!", "password 123", "correct horse battery"] {
        let status = app.login("bob@kitchen.example", guess).await.status();
        assert!(status == 401 || status == 422, "{guess}: {status}");
    }

    // The same file again changes nothing.
    let res = move_in(&app, &admin, "wordpress", "application/xml", WORDPRESS).await;
    assert_eq!(res.status(), 200);
    let again: Value = res.json().await.expect("json");
    assert_eq!(again["totals"]["posts"], counts(0, 0, 4, 0, 0), "{again:#}");
    assert_eq!(again["totals"]["comments"], counts(0, 0, 5, 0, 0));
    assert_eq!(again["totals"]["tags"], counts(0, 0, 0, 3, 0));
    assert_eq!(again["totals"]["authors"], counts(0, 0, 0, 2, 0));
    assert_eq!(thread(&app, "sourdough-day-one").await.len(), 3);
    let res = app.get("/api/v1/posts?status=draft", Some(&admin)).await;
    let drafts: Value = res.json().await.expect("json");
    assert_eq!(drafts["meta"]["total"], 1);
}

#[tokio::test]
async fn a_blogger_backup_moves_in_with_labels_and_reply_threads() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Blogger's own form: the file as the multipart field `file`.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(BLOGGER.as_bytes().to_vec()).file_name("blog.xml"),
    );
    let res = app
        .request(Method::POST, "/api/v1/import/blogger", Some(&admin))
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.expect("json");
    assert_eq!(
        report["totals"]["posts"],
        counts(3, 0, 0, 0, 0),
        "{report:#}"
    );
    assert_eq!(report["totals"]["comments"], counts(3, 0, 0, 0, 0));
    assert_eq!(report["totals"]["tags"], counts(2, 0, 0, 0, 0));
    // Gina has no address in a backup: her posts are the importer's; Hans is created.
    assert_eq!(report["totals"]["authors"], counts(1, 0, 0, 1, 0));
    assert_eq!(report["totals"]["skipped"], 5);

    let res = app.get("/api/v1/posts/three-lights-are-enough", None).await;
    assert_eq!(res.status(), 200);
    let post: Value = res.json().await.expect("json");
    assert_eq!(post["published_at"], "2020-04-01T16:00:00Z");
    assert_eq!(
        post["tags"],
        json!([{"slug": "video", "name": "Video"}, {"slug": "lighting-sound", "name": "Lighting & Sound"}])
    );
    let html = post["html"].as_str().expect("html");
    assert!(
        html.contains("<p>That is <b>all</b>.</p>") && !html.contains("iframe"),
        "{html}"
    );
    assert_eq!(
        post["source_url"],
        "https://training.blogspot.com/2020/04/three-lights-are-enough.html"
    );
    assert_eq!(post["comment_count"], 3);

    // Listed newest first in the backup; threaded by their `related` links here.
    let comments = thread(&app, "three-lights-are-enough").await;
    let names: Vec<&str> = comments
        .iter()
        .map(|c| c["author_name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Jack", "Gina", "Ivy"]);
    assert_eq!(comments[1]["parent_id"], comments[0]["id"]);
    assert_eq!(comments[2]["parent_id"], comments[1]["id"]);
    assert!(
        comments[1]["html"]
            .as_str()
            .expect("html")
            .contains("Yes, use a reflector.<br>Cheap too.")
    );

    let res = app.get("/api/v1/posts/uber-mikrofone", None).await;
    let uber: Value = res.json().await.expect("json");
    assert_eq!(uber["title"], "Über Mikrofone");
    assert_eq!(uber["author"]["name"], "Hans");
    assert_eq!(uber["comment_count"], 0);
    let res = app
        .get("/api/v1/posts?status=draft&fields=title", Some(&admin))
        .await;
    let drafts: Value = res.json().await.expect("json");
    assert_eq!(drafts["data"][0]["title"], "Editing workflow (draft)");

    let res = move_in(&app, &admin, "blogger", "application/atom+xml", BLOGGER).await;
    let again: Value = res.json().await.expect("json");
    assert_eq!(again["totals"]["posts"], counts(0, 0, 3, 0, 0), "{again:#}");
    assert_eq!(again["totals"]["comments"], counts(0, 0, 3, 0, 0));
    assert_eq!(thread(&app, "three-lights-are-enough").await.len(), 3);
}

#[tokio::test]
async fn a_broken_or_wrong_file_is_refused_and_writes_nothing() {
    let app = spawn_app_with(|s| s.move_in_limit = 64 * 1024).await;
    let admin = app.admin_token().await;
    // Cut in the middle of the last item: the first items are fine, but nothing may land.
    let cut = &WORDPRESS[..WORDPRESS.find("<title><![CDATA[Home]]>").expect("home")];
    let res = move_in(
        &app,
        &admin,
        "wordpress",
        "application/xml",
        cut.to_string(),
    )
    .await;
    let problem = assert_problem(res, 422).await;
    let reason = problem["errors"]["file"][0].as_str().expect("reason");
    assert!(reason.contains("not well-formed XML"), "{reason}");
    let mismatched = WORDPRESS.replacen("</title>", "</titel>", 1);
    let res = move_in(&app, &admin, "wordpress", "text/xml", mismatched).await;
    assert_problem(res, 422).await;
    // The right XML for the other endpoint.
    let res = move_in(&app, &admin, "blogger", "application/xml", WORDPRESS).await;
    let problem = assert_problem(res, 422).await;
    assert!(
        problem["errors"]["file"][0]
            .as_str()
            .expect("reason")
            .contains("Blogger")
    );
    let res = move_in(&app, &admin, "wordpress", "application/xml", BLOGGER).await;
    assert_problem(res, 422).await;
    let res = move_in(&app, &admin, "wordpress", "application/json", "{}").await;
    assert_problem(res, 415).await;
    let res = move_in(&app, &admin, "wordpress", "application/xml", "").await;
    assert_problem(res, 422).await;
    let big = format!("<rss>{}</rss>", " ".repeat(70 * 1024));
    let res = move_in(&app, &admin, "wordpress", "application/xml", big).await;
    assert_problem(res, 413).await;

    let res = app.get("/api/v1/posts", Some(&admin)).await;
    let posts: Value = res.json().await.expect("json");
    assert_eq!(posts["meta"]["total"], 0);
    let res = app.get("/api/v1/tags", None).await;
    let tags: Value = res.json().await.expect("json");
    assert_eq!(tags["data"], json!([]));

    // Editors only.
    let (_, author) = app.user_with_role("author").await;
    let res = move_in(&app, &author, "wordpress", "application/xml", WORDPRESS).await;
    assert_problem(res, 403).await;
    let res = app
        .request(Method::POST, "/api/v1/import/blogger", None)
        .header("content-type", "application/xml")
        .body(BLOGGER)
        .send()
        .await
        .expect("send");
    assert_problem(res, 401).await;
}

/// A generated export larger than one batch: 900 posts with four comments each (a thread two
/// deep and two top-level), one post with a bad body, one post in the trash.
fn generated_wxr(posts: usize) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:base_blog_url>https://big.example</wp:base_blog_url>"#,
    );
    for i in 0..posts {
        let status = if i == 7 { "trash" } else { "publish" };
        let body = if i == 3 {
            "<div>".repeat(600)
        } else {
            format!("Post number {i}.\n\nSecond paragraph.")
        };
        xml.push_str(&format!(
            r#"<item><title>Post {i}</title><link>https://big.example/{i}/</link><dc:creator>someone</dc:creator><content:encoded><![CDATA[{body}]]></content:encoded><wp:post_id>{i}</wp:post_id><wp:post_date_gmt>2018-01-01 10:00:00</wp:post_date_gmt><wp:post_name>post-{i}</wp:post_name><wp:status>{status}</wp:status><wp:post_type>post</wp:post_type><category domain="post_tag" nicename="tag-{tag}">Tag {tag}</category>"#,
            tag = i % 7
        ));
        for c in 0..4 {
            let id = i * 10 + c;
            let parent = if c == 1 { i * 10 } else { 0 };
            xml.push_str(&format!(
                r#"<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author>Reader {c}</wp:comment_author><wp:comment_date_gmt>2018-01-02 10:00:0{c}</wp:comment_date_gmt><wp:comment_content>Comment {c} on {i}</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"#
            ));
        }
        xml.push_str("</item>");
    }
    xml.push_str("</channel></rss>");
    xml
}

#[tokio::test]
async fn a_large_export_moves_in_by_the_command_line_with_counts_right() {
    let app = spawn_app().await;
    let file = app.dir.path().join("big.xml");
    std::fs::write(&file, generated_wxr(900)).expect("write");
    let report_file = app.dir.path().join("report.json");
    let out = std::process::Command::new(BIN)
        .args(["import", "--from", "wordpress"])
        .arg(&file)
        .arg("--report")
        .arg(&report_file)
        .env(
            "BYLINE_DATABASE_URL",
            crate::helpers::database_url(app.dir.path()),
        )
        .output()
        .expect("import");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("pass 1: 100%"), "{stderr}");
    let totals: Value = serde_json::from_slice(&out.stdout).expect("totals json");
    assert_eq!(totals["posts"], counts(898, 0, 0, 0, 1), "{totals:#}");
    assert_eq!(totals["comments"]["created"], 898 * 4);
    // The trashed post is skipped; the failed post's comments have no post to go to.
    assert_eq!(totals["skipped"], 1 + 4);
    let report: Value =
        serde_json::from_slice(&std::fs::read(&report_file).expect("report")).expect("json");
    assert_eq!(report["totals"], totals);
    let failed: Vec<&Value> = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|l| l["outcome"] == "error")
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]["errors"]["html"][0]
            .as_str()
            .expect("why")
            .contains("nests")
    );

    let res = app.get("/api/v1/posts?per_page=1", None).await;
    let posts: Value = res.json().await.expect("json");
    assert_eq!(posts["meta"]["total"], 898);
    let res = app.get("/api/v1/posts?tag=tag-2&per_page=1", None).await;
    let tagged: Value = res.json().await.expect("json");
    let expected = (0..900)
        .filter(|i| i % 7 == 2 && *i != 3 && *i != 7)
        .count();
    assert_eq!(tagged["meta"]["total"], expected);
    let res = app.get("/api/v1/posts/post-850", None).await;
    let post: Value = res.json().await.expect("json");
    assert_eq!(post["comment_count"], 4);
    let comments = thread(&app, "post-850").await;
    assert_eq!(comments[1]["parent_id"], comments[0]["id"]);
}
