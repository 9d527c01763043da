//! Import and export of posts, for `POST /posts/import` and the CLI alike: an upload becomes
//! items (each parsed alone, so one bad item fails alone), and outcomes become the report.

use serde::Serialize;
use utoipa::ToSchema;

use super::post_input::{CreatePostRequest, TagInput};
use super::posts::{ImportOutcome, PostDraft, PostView};
use crate::domain::{PostState, PostStatus};
use crate::error::{AppError, FieldErrors};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImportResult {
    Created,
    Updated,
    Unchanged,
    Error,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportItemReport {
    /// The item's position in the upload, from 0.
    pub index: usize,
    pub slug: Option<String>,
    pub outcome: ImportResult,
    #[schema(format = Uuid)]
    pub id: Option<String>,
    /// Why the item was refused, per field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<std::collections::HashMap<String, Vec<String>>>)]
    pub errors: Option<FieldErrors>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportTotals {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub error: usize,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [
        {"index": 0, "slug": "hello-world", "outcome": "created", "id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d20"},
        {"index": 1, "slug": null, "outcome": "error", "id": null, "errors": {"title": ["is required"]}}
    ],
    "totals": {"created": 1, "updated": 0, "unchanged": 0, "error": 1}
}))]
pub struct ImportReport {
    pub items: Vec<ImportItemReport>,
    pub totals: ImportTotals,
}

/// Parses an upload into items: a JSON array, or NDJSON (one post per line).
pub fn parse_items(
    body: &[u8],
    ndjson: bool,
    max_body_bytes: usize,
) -> Result<Vec<Result<PostDraft, FieldErrors>>, AppError> {
    // Each item is parsed straight from its bytes (no tree of the whole upload in memory).
    let parse = |json: &[u8]| {
        crate::json::parse_item::<CreatePostRequest>(json)
            .and_then(|r| r.into_draft(max_body_bytes))
    };
    if ndjson {
        return Ok(body
            .split(|b| *b == b'\n')
            .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
            .map(parse)
            .collect());
    }
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_slice(body).map_err(|e| {
        AppError::BadRequest(format!("Send a JSON array of posts, or NDJSON: {e}."))
    })?;
    Ok(items
        .into_iter()
        .map(|raw| parse(raw.get().as_bytes()))
        .collect())
}

pub fn report(outcomes: Vec<ImportOutcome>) -> ImportReport {
    let mut totals = ImportTotals::default();
    let items = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, outcome)| {
            let (outcome, id, slug, errors) = match outcome {
                ImportOutcome::Created { id, slug } => {
                    (ImportResult::Created, Some(id), Some(slug), None)
                }
                ImportOutcome::Updated { id, slug } => {
                    (ImportResult::Updated, Some(id), Some(slug), None)
                }
                ImportOutcome::Unchanged { id, slug } => {
                    (ImportResult::Unchanged, Some(id), Some(slug), None)
                }
                ImportOutcome::Error { slug, errors } => {
                    (ImportResult::Error, None, slug, Some(errors))
                }
            };
            match outcome {
                ImportResult::Created => totals.created += 1,
                ImportResult::Updated => totals.updated += 1,
                ImportResult::Unchanged => totals.unchanged += 1,
                ImportResult::Error => totals.error += 1,
            }
            ImportItemReport {
                index,
                slug,
                outcome,
                id,
                errors,
            }
        })
        .collect();
    ImportReport { items, totals }
}

/// A post as an import item: exporting then importing gives the same posts.
pub fn export_item(view: &PostView) -> CreatePostRequest {
    let p = &view.post;
    CreatePostRequest {
        title: p.title.clone(),
        slug: Some(p.slug.clone()),
        html: p.markdown.is_none().then(|| p.html.clone()),
        markdown: p.markdown.clone(),
        excerpt: p.excerpt_is_custom.then(|| p.excerpt.clone()),
        status: Some(
            match p.status {
                PostState::Draft => PostStatus::Draft,
                PostState::Published => PostStatus::Published,
                PostState::Archived => PostStatus::Archived,
            }
            .to_string(),
        ),
        published_at: p
            .published_at
            .map(|t| super::utc(t).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        tags: Some(
            view.tags
                .iter()
                .map(|t| TagInput::Full {
                    slug: t.slug.clone(),
                    name: t.name.clone(),
                })
                .collect(),
        ),
        feature_image: p.feature_image.clone(),
        meta_title: p.meta_title.clone(),
        meta_description: p.meta_description.clone(),
        comments_enabled: Some(p.comments_enabled),
        // An export never asks for e-mail: importing it elsewhere must not write to anyone.
        email_subscribers: None,
    }
}
