//! A post as clients write it: the body of `POST /posts`, each item of an import and each line
//! of an export share this shape, so it lives here where the routes and the CLI both reach it.
//! Converting it checks every field and names each bad one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::posts::{Body, MAX_TAGS, PostDraft, PostPatch, parse_feature_image};
use super::tags::TagRef;
use crate::domain::{AnyChars, ImageUrl, Name, PostStatus, Slug, Text, Title};
use crate::error::FieldErrors;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum TagInput {
    /// A tag's name or slug; created when missing.
    Name(String),
    /// A tag with an explicit slug and name.
    Full { slug: String, name: String },
}

/// The document states the rules `parse` applies: a name, or a slug and a name.
impl utoipa::PartialSchema for TagInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder};
        let full = ObjectBuilder::new()
            .property("slug", Slug::schema())
            .property("name", Name::schema())
            .required("slug")
            .required("name")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        OneOfBuilder::new()
            .item(Name::schema())
            .item(full)
            .description(Some(
                "A tag's name (one line, 1 to 100 characters; its slug is derived and the tag \
                 created when missing), or a tag with an explicit slug and name.",
            ))
            .into()
    }
}

impl ToSchema for TagInput {}

impl TagInput {
    fn parse(&self) -> Result<TagRef, String> {
        match self {
            TagInput::Name(name) => TagRef::from_name(name),
            TagInput::Full { slug, name } => Ok(TagRef {
                slug: Slug::parse(slug)?,
                name: Name::parse(name)?.into_inner(),
            }),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Hello, world", "markdown": "# Hello\n\nThe first post.", "status": "published", "tags": ["News"]}))]
pub struct CreatePostRequest {
    /// One line, 1 to 300 characters.
    #[serde(default)]
    #[schema(required = true, value_type = Title, inline)]
    pub title: String,
    /// Derived from the title when absent; an explicit slug already taken is a 409.
    #[schema(value_type = Option<Slug>, inline)]
    pub slug: Option<String>,
    /// The body as Markdown (send this or `html`; with both, this one counts).
    #[schema(value_type = Option<BodyText>, inline)]
    pub markdown: Option<String>,
    /// The body as HTML; sanitized either way.
    #[schema(value_type = Option<BodyText>, inline)]
    pub html: Option<String>,
    /// Up to 1000 characters; derived from the body when absent.
    #[schema(value_type = Option<Excerpt>, inline)]
    pub excerpt: Option<String>,
    /// Default `draft`. `published` without `published_at` publishes now; a future
    /// `published_at` schedules the post.
    // Text here, checked in the conversion: a bad value is named with the other bad fields.
    #[schema(value_type = Option<PostStatus>)]
    pub status: Option<String>,
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Option<String>,
    /// Up to 30 tags, by name or slug, or as `{slug, name}`.
    pub tags: Option<Vec<TagInput>>,
    /// An absolute http(s) URL or a path on this server such as `/media/...`.
    #[schema(value_type = Option<ImageUrl>, inline)]
    pub feature_image: Option<String>,
    /// Up to 300 characters.
    #[schema(value_type = Option<MetaTitle>, inline)]
    pub meta_title: Option<String>,
    /// Up to 500 characters.
    #[schema(value_type = Option<MetaDescription>, inline)]
    pub meta_description: Option<String>,
    /// Default true.
    pub comments_enabled: Option<bool>,
    /// E-mail the post to the confirmed subscribers once, when it goes live (now or at its
    /// scheduled time). Default false.
    pub email_subscribers: Option<bool>,
}

type Excerpt = Text<0, 1000>;
type MetaTitle = Text<0, 300>;
type MetaDescription = Text<0, 500>;
/// A body in any characters but NUL; its size limit is `BYLINE_POST_MAX_BYTES`, in bytes.
type BodyText = AnyChars<0, { usize::MAX }>;

/// Trimmed text of at most `MAX` characters (a post's excerpt and meta fields).
fn text<T: TextRule>(raw: &str) -> Result<String, String> {
    T::parse_text(raw)
}

trait TextRule {
    fn parse_text(raw: &str) -> Result<String, String>;
}

impl<const MAX: usize> TextRule for Text<0, MAX> {
    fn parse_text(raw: &str) -> Result<String, String> {
        Self::parse(raw).map(Text::into_inner)
    }
}

/// An RFC 3339 time (`2026-11-25T10:00:00Z`), as stored: UTC.
fn parse_time(raw: &str) -> Result<chrono::NaiveDateTime, String> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| super::stored(t.with_timezone(&Utc).naive_utc()))
        .map_err(|_| "must be an RFC 3339 date-time, e.g. 2026-11-25T10:00:00Z".to_string())
}

fn title(raw: &str) -> Result<String, String> {
    Title::parse(raw).map(Title::into_inner)
}

fn tag_refs(errors: &mut FieldErrors, tags: Option<Vec<TagInput>>) -> Option<Vec<TagRef>> {
    let tags = tags?;
    if tags.len() > MAX_TAGS {
        errors.add("tags", format!("at most {MAX_TAGS} tags"));
        return None;
    }
    let mut refs = Vec::with_capacity(tags.len());
    for (i, t) in tags.iter().enumerate() {
        refs.extend(errors.check(&format!("tags[{i}]"), t.parse()));
    }
    Some(refs)
}

fn optional(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    parse: impl Fn(&str) -> Result<String, String>,
) -> Option<String> {
    value.and_then(|v| errors.check(field, parse(&v)))
}

/// A body over `max` bytes is refused, naming its field.
fn size_errors(markdown: Option<&str>, html: Option<&str>, max: usize) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for (field, body) in [("markdown", markdown), ("html", html)] {
        if body.is_some_and(|b| b.len() > max) {
            errors.add(field, format!("must be at most {max} bytes"));
        }
    }
    errors
}

/// `converted`, unless `errors` already holds something (then both sets of errors).
fn with_errors<T>(
    mut errors: FieldErrors,
    converted: Result<T, FieldErrors>,
) -> Result<T, FieldErrors> {
    match converted {
        Ok(value) if errors.is_empty() => Ok(value),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.merge(more);
            Err(errors)
        }
    }
}

impl CreatePostRequest {
    /// The post as a draft, each field checked, the body at most `max_body_bytes`.
    pub fn into_draft(self, max_body_bytes: usize) -> Result<PostDraft, FieldErrors> {
        let errors = size_errors(
            self.markdown.as_deref(),
            self.html.as_deref(),
            max_body_bytes,
        );
        with_errors(errors, PostDraft::try_from(self))
    }
}

impl UpdatePostRequest {
    /// The change as a patch, each field checked, the body at most `max_body_bytes`.
    pub fn into_patch(self, max_body_bytes: usize) -> Result<PostPatch, FieldErrors> {
        let errors = size_errors(
            self.markdown.as_deref(),
            self.html.as_deref(),
            max_body_bytes,
        );
        with_errors(errors, PostPatch::try_from(self))
    }
}

impl TryFrom<CreatePostRequest> for PostDraft {
    type Error = FieldErrors;

    fn try_from(r: CreatePostRequest) -> Result<PostDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let draft = PostDraft {
            title: errors.check("title", title(&r.title)).unwrap_or_default(),
            slug: r.slug.and_then(|s| errors.check("slug", Slug::parse(&s))),
            body: Body::from_fields(r.markdown, r.html),
            excerpt: optional(&mut errors, "excerpt", r.excerpt, text::<Excerpt>),
            status: r
                .status
                .and_then(|s| errors.check("status", s.parse()))
                .unwrap_or(PostStatus::Draft),
            published_at: r
                .published_at
                .and_then(|t| errors.check("published_at", parse_time(&t))),
            tags: tag_refs(&mut errors, r.tags).unwrap_or_default(),
            feature_image: optional(
                &mut errors,
                "feature_image",
                r.feature_image,
                parse_feature_image,
            ),
            meta_title: optional(&mut errors, "meta_title", r.meta_title, text::<MetaTitle>),
            meta_description: optional(
                &mut errors,
                "meta_description",
                r.meta_description,
                text::<MetaDescription>,
            ),
            comments_enabled: r.comments_enabled.unwrap_or(true),
            email_subscribers: r.email_subscribers.unwrap_or(false),
        };
        if errors.is_empty() {
            Ok(draft)
        } else {
            Err(errors)
        }
    }
}

/// `Some(None)` for an explicit null, `None` (by default) for a field not sent.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Only the fields sent are changed; `null` clears a nullable field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "published", "tags": ["News", "Rust"]}))]
pub struct UpdatePostRequest {
    /// One line, 1 to 300 characters.
    #[schema(value_type = Option<Title>, inline)]
    pub title: Option<String>,
    #[schema(value_type = Option<Slug>, inline)]
    pub slug: Option<String>,
    /// The body as Markdown (send this or `html`; with both, this one counts).
    #[schema(value_type = Option<BodyText>, inline)]
    pub markdown: Option<String>,
    /// The body as HTML; sanitized either way.
    #[schema(value_type = Option<BodyText>, inline)]
    pub html: Option<String>,
    /// Up to 1000 characters; `null` goes back to an excerpt derived from the body.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Excerpt>, inline)]
    pub excerpt: Option<Option<String>>,
    #[schema(value_type = Option<PostStatus>)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Option<Option<String>>,
    pub tags: Option<Vec<TagInput>>,
    /// An absolute http(s) URL or a path on this server; `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ImageUrl>, inline)]
    pub feature_image: Option<Option<String>>,
    /// Up to 300 characters; `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<MetaTitle>, inline)]
    pub meta_title: Option<Option<String>>,
    /// Up to 500 characters; `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<MetaDescription>, inline)]
    pub meta_description: Option<Option<String>>,
    pub comments_enabled: Option<bool>,
    /// E-mail the post to the confirmed subscribers once, when it is (or goes) live.
    pub email_subscribers: Option<bool>,
}

fn clearable(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl Fn(&str) -> Result<String, String>,
) -> Option<Option<String>> {
    match value {
        Some(Some(v)) => errors.check(field, parse(&v)).map(Some),
        Some(None) => Some(None),
        None => None,
    }
}

impl TryFrom<UpdatePostRequest> for PostPatch {
    type Error = FieldErrors;

    fn try_from(r: UpdatePostRequest) -> Result<PostPatch, FieldErrors> {
        let mut errors = FieldErrors::default();
        let patch = PostPatch {
            title: r.title.and_then(|t| errors.check("title", title(&t))),
            slug: r.slug.and_then(|s| errors.check("slug", Slug::parse(&s))),
            body: Body::from_fields(r.markdown, r.html),
            excerpt: clearable(&mut errors, "excerpt", r.excerpt, text::<Excerpt>),
            status: r.status.and_then(|s| errors.check("status", s.parse())),
            published_at: match r.published_at {
                Some(Some(t)) => errors.check("published_at", parse_time(&t)).map(Some),
                Some(None) => Some(None),
                None => None,
            },
            tags: tag_refs(&mut errors, r.tags),
            feature_image: clearable(
                &mut errors,
                "feature_image",
                r.feature_image,
                parse_feature_image,
            ),
            meta_title: clearable(&mut errors, "meta_title", r.meta_title, text::<MetaTitle>),
            meta_description: clearable(
                &mut errors,
                "meta_description",
                r.meta_description,
                text::<MetaDescription>,
            ),
            comments_enabled: r.comments_enabled,
            email_subscribers: r.email_subscribers,
        };
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(errors)
        }
    }
}
