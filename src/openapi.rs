//! The OpenAPI 3.1 document, generated from the routes (`routes::api`) and their
//! `#[utoipa::path]` attributes. Standard error answers are added here in one pass, so every
//! operation documents the problem+json errors it can give.

use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Byline API",
        description = "Byline is a headless blogging CMS: posts, comments, subscribers and contact \
messages as a JSON API. Errors are `application/problem+json` (RFC 9457). Collections answer \
`{data, meta}` with a `Link` header. Send `Authorization: Bearer <JWT or API key>` to sign in.",
        license(name = "MIT", identifier = "MIT"),
    ),
    // Schemas only referenced from query parameters are not collected by themselves.
    components(schemas(
        crate::error::Problem,
        crate::routes::posts::PostSort,
        crate::routes::posts::PostField,
        crate::domain::PostStatus,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in and the current user"),
        (name = "users", description = "User accounts (admins)"),
        (name = "api-keys", description = "API keys for scripts (admins)"),
        (name = "site", description = "Public site settings"),
        (name = "posts", description = "Posts: the public read them, authors and editors write them"),
        (name = "tags", description = "Tags and their post counts"),
        (name = "comments", description = "The comment form, threads and moderation"),
        (name = "subscribers", description = "The gift sign-up: double opt-in, confirmation, unsubscribe, export"),
        (name = "contact", description = "The contact form and the editors' inbox"),
        (name = "import", description = "Moving in from Blogger or WordPress (editors)"),
        (name = "newsletters", description = "A post e-mailed to the confirmed subscribers, each exactly once (editors)"),
        (name = "outbox", description = "E-mails sent and waiting (admins)"),
        (name = "media", description = "Uploads and the files they serve"),
        (name = "webhooks", description = "Signed, retried change notifications for static frontends (admins)"),
        (name = "feeds", description = "Atom, JSON Feed and sitemap"),
        (name = "operations", description = "Health probes"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT or byl_ API key".into());
        scheme.description = Some(
            "A JWT from `POST /api/v1/auth/login` or an API key from `POST /api/v1/api-keys`."
                .into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The whole document, as served at `/openapi.json` and kept in `openapi/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::api)
        .split_for_parts();
    let mut value = serde_json::to_value(&doc).unwrap_or_default();
    flatten_described_all_of(&mut value);
    // An upload's form has the one field the server reads.
    for form in ["UploadForm", "ExportForm"] {
        value["components"]["schemas"][form]["additionalProperties"] = json!(false);
    }
    add_error_responses(&mut value);
    value["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    // Relative: the API is served by the same origin as this document.
    value["servers"] = json!([{"url": "/", "description": "The server this document comes from"}]);
    serde_json::from_value(value).unwrap_or(doc)
}

/// utoipa gives an inlined field with a doc comment as `allOf: [schema, {type: object,
/// description}]`, which no string can satisfy; the field's schema with its description is
/// what was meant.
fn flatten_described_all_of(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let described = map
                .get("allOf")
                .and_then(Value::as_array)
                .and_then(|items| {
                    let [schema, extra] = items.as_slice() else {
                        return None;
                    };
                    let extra = extra.as_object()?;
                    let only_notes = extra.keys().all(|k| {
                        matches!(k.as_str(), "type" | "description" | "default" | "title")
                    });
                    (only_notes && extra.get("type") == Some(&json!("object")))
                        .then(|| (schema.clone(), extra.clone()))
                });
            if let Some((Value::Object(mut schema), extra)) = described {
                for (k, v) in extra.into_iter().filter(|(k, _)| k != "type") {
                    schema.insert(k, v);
                }
                map.remove("allOf");
                map.extend(schema);
            }
            map.values_mut().for_each(flatten_described_all_of);
        }
        Value::Array(items) => items.iter_mut().for_each(flatten_described_all_of),
        _ => {}
    }
}

/// Pretty JSON with a final newline, the form kept in the repository.
pub fn document_json() -> String {
    let doc = document();
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

/// Every problem+json response gets an example with its own status (not the 422 one).
fn add_examples(doc: &mut Value) {
    let statuses = [
        ("BadRequest", 400),
        ("Unauthorized", 401),
        ("Forbidden", 403),
        ("NotFound", 404),
        ("PayloadTooLarge", 413),
        ("UnsupportedMediaType", 415),
        ("ValidationFailed", 422),
        ("Unavailable", 503),
    ];
    for (name, status) in statuses {
        doc["components"]["responses"][name]["content"]["application/problem+json"]["example"] =
            crate::error::example_problem(status);
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut() {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let Ok(code) = status.parse::<u16>() else {
                    continue;
                };
                if let Some(media) = response
                    .get_mut("content")
                    .and_then(|c| c.get_mut("application/problem+json"))
                    .and_then(Value::as_object_mut)
                {
                    media
                        .entry("example")
                        .or_insert_with(|| crate::error::example_problem(code));
                }
            }
        }
    }
}

fn add_error_responses(doc: &mut Value) {
    let mut shared = serde_json::Map::new();
    shared.insert(
        "BadRequest".into(),
        problem("Malformed JSON, or a bad query parameter"),
    );
    shared.insert(
        "Unauthorized".into(),
        problem("Missing, expired or invalid credentials"),
    );
    shared.insert(
        "Forbidden".into(),
        problem("Signed in, but the role does not allow this"),
    );
    shared.insert("NotFound".into(), problem("No such resource"));
    shared.insert(
        "PayloadTooLarge".into(),
        problem("The body is over the size limit"),
    );
    shared.insert(
        "UnsupportedMediaType".into(),
        problem("The body is not `application/json`"),
    );
    shared.insert(
        "ValidationFailed".into(),
        problem("Some fields are not valid; `errors` names each of them"),
    );
    let mut unavailable = problem(
        "Too busy to answer in time (a database statement ran out of its time budget, no \
         connection came free, or the media store did not answer); try again after \
         `Retry-After` seconds",
    );
    unavailable["headers"] = json!({"Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer", "minimum": 1}
    }});
    shared.insert("Unavailable".into(), unavailable);
    doc["components"]["responses"] = Value::Object(shared);
    let types: Vec<String> = crate::error::PROBLEM_TYPES
        .iter()
        .map(|(name, status, meaning)| format!("`urn:byline:problem:{name}` ({status}): {meaning}"))
        .collect();
    doc["components"]["schemas"]["Problem"]["properties"]["type"]["description"] = json!(format!(
        "A URI naming the kind of problem, stable for clients to match on. One of: {}.",
        types.join("; ")
    ));

    add_examples(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let has_query = operation
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            let has_body = operation.get("requestBody").is_some();
            let secured = operation
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|reqs| reqs.iter().any(|r| r.get("bearer").is_some()));
            // Public operations say so explicitly: no security requirement at all.
            if operation.get("security").is_none() {
                operation["security"] = json!([]);
            }
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let mut add = |status: &str, name: &str| {
                responses
                    .entry(status)
                    .or_insert_with(|| json!({"$ref": format!("#/components/responses/{name}")}));
            };
            if has_query || has_body {
                add("400", "BadRequest");
            }
            if secured {
                add("401", "Unauthorized");
                add("403", "Forbidden");
            }
            if path.contains('{') {
                add("404", "NotFound");
            }
            if has_body {
                add("413", "PayloadTooLarge");
                add("415", "UnsupportedMediaType");
                add("422", "ValidationFailed");
            }
            // Everything but the liveness probe reads the database, within a time budget.
            if path != "/healthz" {
                add("503", "Unavailable");
            }
        }
    }
}
