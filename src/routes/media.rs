//! Media uploads for editors and authors, and the files themselves at `/media/{name}`.

use actix_files::HttpRange;
use actix_multipart::Multipart;
use actix_web::HttpMessage;
use actix_web::http::header::{self, EntityTag, HttpDate, IfNoneMatch, IfRange};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::Json;
use super::pagination::{self, Paginated};
use crate::db::models::Media;
use crate::domain::Caller;
use crate::domain::{CursorQuery, PageQuery, Role};
use crate::error::{AppError, FieldErrors, Problem};
use crate::services::media;
use crate::state::AppState;

/// A resized copy of an image, for `srcset`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"width": 640, "height": 336,
    "url": "https://blog.example.com/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08-640w.png",
    "bytes": 20417}))]
pub struct VariantResponse {
    pub width: u32,
    pub height: u32,
    pub url: String,
    pub bytes: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d80",
    "url": "https://blog.example.com/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.png",
    "filename": "cover.png", "content_type": "image/png", "bytes": 48213, "width": 1200, "height": 630,
    "alt": "The cover", "uploaded_by": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d11", "created_at": "2026-11-25T10:00:00Z",
    "variants": [
        {"width": 640, "height": 336, "bytes": 20417,
         "url": "https://blog.example.com/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08-640w.png"},
        {"width": 320, "height": 168, "bytes": 6120,
         "url": "https://blog.example.com/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08-320w.png"}
    ]}))]
pub struct MediaResponse {
    #[schema(format = Uuid)]
    pub id: String,
    /// Where the file is served; use it as a post's `feature_image`.
    pub url: String,
    /// The name it was uploaded with.
    pub filename: String,
    /// Decided from the file's bytes.
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub alt: String,
    #[schema(format = Uuid)]
    pub uploaded_by: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Resized copies of a JPEG, PNG or WebP image at the `BYLINE_MEDIA_WIDTHS` narrower than
    /// it, widest first: same format, upright, without EXIF/GPS. Empty for other files.
    pub variants: Vec<VariantResponse>,
}

fn response(m: Media, public_url: &str) -> MediaResponse {
    MediaResponse {
        variants: media::variants_of(&m)
            .into_iter()
            .map(|v| VariantResponse {
                url: format!("{public_url}/media/{}", v.name),
                width: v.width,
                height: v.height,
                bytes: v.bytes,
            })
            .collect(),
        url: format!("{public_url}/media/{}", m.name),
        id: m.id,
        filename: m.filename,
        content_type: m.content_type,
        bytes: m.bytes,
        width: m.width,
        height: m.height,
        alt: m.alt,
        uploaded_by: m.uploaded_by,
        created_at: crate::services::utc(m.created_at),
    }
}

/// The multipart body of an upload, as the OpenAPI document describes it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// One file: JPEG, PNG, GIF, WebP, AVIF or PDF.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

fn too_large(limit: usize) -> AppError {
    AppError::PayloadTooLarge(format!(
        "The file is larger than the limit of {limit} bytes."
    ))
}

/// The name and bytes of the multipart field `file`, read up to `limit` bytes.
async fn read_file_field(
    form: Multipart,
    limit: usize,
) -> Result<Option<(String, Vec<u8>)>, AppError> {
    let mut bytes = Vec::new();
    let name = super::extract::read_file_field(form, |chunk| {
        if bytes.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        bytes.extend_from_slice(chunk);
        Ok(())
    })
    .await?;
    Ok(name.map(|name| (name, bytes)))
}

/// Uploads one file in the multipart field `file` (authors and up). Its type is decided from
/// its bytes; other types are a 415, files over the limit a 413. JPEG, PNG and WebP images get
/// resized `variants`; one with more than `BYLINE_MEDIA_MAX_PIXELS` pixels is a 422, as is one
/// that cannot be decoded. Metadata (EXIF, GPS) is removed from the stored original too.
#[utoipa::path(
    operation_id = "uploadMedia",
    tag = "media",
    security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = MediaResponse, headers(("Location" = String))),
        (status = 400, description = "No `file` field", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over BYLINE_MEDIA_LIMIT", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An image with more pixels than BYLINE_MEDIA_MAX_PIXELS, or one that cannot be decoded (`errors.file`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart, or not an accepted type", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/media")]
pub async fn upload(
    req: HttpRequest,
    auth: Caller,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let limit = state.settings.media_limit;
    if !super::extract::content_type(&req).starts_with("multipart/form-data") {
        return Err(AppError::UnsupportedMediaType(
            "Send the file as multipart/form-data in the field `file`.".into(),
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // Headers and boundaries add a little to the file itself.
    if declared.is_some_and(|n| n > limit + 64 * 1024) {
        return Err(too_large(limit));
    }
    let form = Multipart::new(req.headers(), payload.into_inner());
    let deadline = super::extract::body_deadline(&req);
    let upload = super::extract::within(deadline, read_file_field(form, limit)).await?;
    let (filename, bytes) = upload.ok_or_else(|| FieldErrors::single("file", "is required"))?;
    let rules = media::ImageRules {
        widths: state.settings.media_widths.clone(),
        max_pixels: state.settings.media_max_pixels,
    };
    // Decoding, resizing and storing hold no database connection.
    let mut prepared = web::block(move || media::prepare(&bytes, &rules))
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    prepared.store(&state.media).await?;
    let stored = crate::db::run(&state.db, move |c| {
        media::record(c, &auth, &filename, prepared)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("{}/api/v1/media/{}", state.public_url, stored.id),
        ))
        .json(response(stored, &state.public_url)))
}

/// Uploads, newest first (authors and up).
#[utoipa::path(
    operation_id = "listMedia",
    tag = "media",
    security(("bearer" = [])),
    params(PageQuery, CursorQuery),
    responses((status = 200, description = "A page of uploads", body = Paginated<MediaResponse>,
        headers(("Link" = String, description = "RFC 8288 pagination links"))))
)]
#[get("/media")]
pub async fn list(
    req: HttpRequest,
    auth: Caller,
    state: web::Data<AppState>,
    paging: web::Query<PageQuery>,
    cursor: web::Query<CursorQuery>,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let paging = pagination::paging(&paging, &cursor)?;
    let (rows, listing) = crate::db::run(&state.db, move |c| media::list(c, &paging)).await?;
    let data: Vec<MediaResponse> = rows
        .into_iter()
        .map(|m| response(m, &state.public_url))
        .collect();
    Ok(pagination::respond(&req, &state.public_url, &listing, data))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"alt": "A sunrise over the sea"}))]
pub struct UpdateMediaRequest {
    /// Text for readers who cannot see the image, up to 500 characters; empty for none.
    #[schema(value_type = media::AltText, inline)]
    pub alt: String,
}

/// One upload (authors and up): where `Location` of an upload points.
#[utoipa::path(
    operation_id = "getMedia",
    tag = "media",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The upload's id")),
    responses((status = 200, description = "The upload", body = MediaResponse))
)]
#[get("/media/{id}")]
pub async fn get(
    auth: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let id = id.into_inner();
    let item = crate::db::run(&state.db, move |c| media::get(c, &id)).await?;
    Ok(HttpResponse::Ok().json(response(item, &state.public_url)))
}

/// Changes an upload's alt text (editors, or the uploader).
#[utoipa::path(
    operation_id = "updateMedia",
    tag = "media",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The upload's id")),
    request_body = UpdateMediaRequest,
    responses((status = 200, description = "The upload", body = MediaResponse))
)]
#[patch("/media/{id}")]
pub async fn update(
    auth: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<UpdateMediaRequest>,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let alt = media::AltText::parse(&body.into_inner()?.alt)
        .map_err(|e| FieldErrors::single("alt", e))?
        .into_inner();
    let id = id.into_inner();
    let item = crate::db::run(&state.db, move |c| media::set_alt(c, &auth, &id, alt)).await?;
    Ok(HttpResponse::Ok().json(response(item, &state.public_url)))
}

/// Deletes an upload, and its file when no other upload has the same bytes (editors, or the uploader).
#[utoipa::path(
    operation_id = "deleteMedia",
    tag = "media",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "The upload's id")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/media/{id}")]
pub async fn delete(
    auth: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    auth.require(Role::Author)?;
    let id = id.into_inner();
    let unused = crate::db::run(&state.db, move |c| media::delete(c, &auth, &id)).await?;
    media::remove_files(&state.media, &unused).await;
    Ok(HttpResponse::NoContent().finish())
}

/// A stored file, with its type, an ETag, Range support and a year-long immutable cache (the
/// name changes with the content).
#[utoipa::path(
    operation_id = "getMediaFile",
    tag = "media",
    params(("name" = String, Path, description = "The file's name from an upload's `url`")),
    responses(
        (status = 200, description = "The file, typed by its content",
            content(
                (String = "image/jpeg"), (String = "image/png"), (String = "image/gif"),
                (String = "image/webp"), (String = "image/avif"), (String = "application/pdf"),
            ),
            headers(("ETag" = String), ("Cache-Control" = String), ("Accept-Ranges" = String))),
        (status = 206, description = "The requested range",
            content(
                (String = "image/jpeg"), (String = "image/png"), (String = "image/gif"),
                (String = "image/webp"), (String = "image/avif"), (String = "application/pdf"),
            )),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such file", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range is outside the file", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/media/{name}")]
pub async fn file(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    let content_type = media::content_type_of(&name)
        .filter(|_| media::valid_name(&name))
        .ok_or_else(AppError::not_found)?;
    // The name is the hash of the bytes: one ETag on every node, whatever the store.
    let etag = EntityTag::new_strong(name.clone());
    let fresh = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&etag)),
        None => false,
    };
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| match req.get_header::<IfRange>() {
            Some(IfRange::EntityTag(tag)) => tag.strong_eq(&etag),
            Some(IfRange::Date(_)) => false,
            None => true,
        });
    let answer = |mut res: actix_web::HttpResponseBuilder| {
        res.insert_header((header::ETAG, etag.to_string()))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::ACCEPT_RANGES, "bytes"))
            // Stored as they are: never compressed on the way (the ETag names these bytes).
            .insert_header(header::ContentEncoding::Identity);
        res
    };
    if fresh || range.is_some() {
        let stored = state
            .media
            .head(&name)
            .await?
            .ok_or_else(AppError::not_found)?;
        if fresh {
            return Ok(answer(HttpResponse::NotModified()).finish());
        }
        let size = stored.size;
        let first = range
            .and_then(|r| HttpRange::parse(r, size).ok())
            .and_then(|ranges| ranges.first().copied());
        let Some(HttpRange { start, length }) = first.filter(|r| r.length > 0) else {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .finish());
        };
        let (_, bytes) = state
            .media
            .get(&name, Some(start..start + length))
            .await?
            .ok_or_else(AppError::not_found)?;
        return Ok(answer(HttpResponse::PartialContent())
            .content_type(content_type)
            .insert_header((
                header::CONTENT_RANGE,
                format!("bytes {start}-{}/{size}", start + length - 1),
            ))
            .no_chunking(length)
            .streaming(bytes));
    }
    let (stored, bytes) = state
        .media
        .get(&name, None)
        .await?
        .ok_or_else(AppError::not_found)?;
    let modified = HttpDate::from(std::time::SystemTime::from(stored.last_modified));
    Ok(answer(HttpResponse::Ok())
        .content_type(content_type)
        .insert_header((header::LAST_MODIFIED, modified.to_string()))
        .no_chunking(stored.size)
        .streaming(bytes))
}
