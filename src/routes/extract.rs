//! Extractors whose every failure is problem+json: a JSON body reader that names the bad field,
//! and error handlers for actix's query and path extractors.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldErrors};
use crate::json::{BadShape, parse_json_all};
use crate::state::AppState;

/// A JSON request body, read up to the configured limit (413 past it), only from
/// `application/json` or `*+json` (415 otherwise). Malformed JSON is a 400; JSON of the wrong
/// shape is a 422 naming the field, e.g. `{"errors": {"gift.url": ["invalid type: ..."]}}`.
///
/// The error is handed over by `into_inner`, not raised during extraction: extractors run side
/// by side, and a caller who may not use the route must get its 401/403, not a 422 that tells
/// them how to shape the body.
pub struct Json<T>(Result<T, BadShape<T>>);

impl<T> Json<T> {
    pub fn into_inner(self) -> Result<T, AppError> {
        self.0.map_err(|bad| bad.error)
    }

    /// The body converted by `convert` (its checks), or one 422 naming every bad field: those of
    /// the wrong shape, and those the conversion refuses among the rest.
    pub fn convert<D>(self, convert: impl FnOnce(T) -> Result<D, AppError>) -> Result<D, AppError> {
        let (body, shape) = self.lenient()?;
        let converted = convert(body);
        if shape.is_empty() {
            return converted;
        }
        Err(AppError::Validation(match converted {
            Err(AppError::Validation(more)) => shape.and(more),
            _ => shape,
        }))
    }

    /// The body as far as it could be read, and the fields of the wrong shape (empty when there
    /// are none): a handler checks the rest, then `shape.and(errors).into_result()` names every
    /// bad field at once. A body that makes no `T` even without its bad fields is an error here.
    pub fn lenient(self) -> Result<(T, FieldErrors), AppError> {
        match self.0 {
            Ok(body) => Ok((body, FieldErrors::default())),
            Err(BadShape {
                error: AppError::Validation(errors),
                rest: Some(rest),
            }) => Ok((rest, errors)),
            Err(bad) => Err(bad.error),
        }
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Json<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(1 << 20, |s| s.settings.json_limit);
        let checked = if is_json(&content_type(req)) {
            Ok(())
        } else {
            Err(AppError::UnsupportedMediaType(
                "Send the body as JSON with `Content-Type: application/json`.".into(),
            ))
        };
        let body = read_body(req, payload, limit);
        Box::pin(async move {
            let parsed = match checked {
                Ok(()) => match body.await {
                    Ok(bytes) => parse_json_all(&bytes),
                    Err(error) => Err(BadShape { error, rest: None }),
                },
                Err(error) => Err(BadShape { error, rest: None }),
            };
            Ok(Json(parsed))
        })
    }
}

/// The media type of the request body, lower-cased, without parameters.
pub fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

pub fn is_json(essence: &str) -> bool {
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the whole body, refusing (413) past `limit` bytes whether or not a length was declared,
/// and (408) when it takes longer than `BYLINE_BODY_TIMEOUT_MS`.
pub fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> impl Future<Output = Result<web::Bytes, AppError>> + use<> {
    let declared = check_length(req, limit);
    let deadline = body_deadline(req);
    let mut payload = payload.take();
    let read = async move {
        declared?;
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|e| AppError::BadRequest(format!("The body could not be read: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    within(deadline, read)
}

/// Reads the multipart field `file`, handing each chunk to `on_chunk` (which enforces the
/// limit); answers the file's name, or `None` when no field came. Any other field is refused:
/// nothing else is read, and a field sent for nothing is a client's mistake.
pub async fn read_file_field(
    mut form: actix_multipart::Multipart,
    mut on_chunk: impl FnMut(&[u8]) -> Result<(), AppError>,
) -> Result<Option<String>, AppError> {
    let mut received = None;
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| AppError::BadRequest(format!("The multipart body is not valid: {e}")))?;
        if field.name() != Some("file") || received.is_some() {
            return Err(AppError::BadRequest(
                "Send one field, `file`, holding the upload.".into(),
            ));
        }
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or("upload")
            .to_string();
        while let Some(chunk) = field.next().await {
            let chunk = chunk
                .map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}")))?;
            on_chunk(&chunk)?;
        }
        received = Some(filename);
    }
    Ok(received)
}

/// How long a client may take to send a request's body.
pub fn body_deadline(req: &HttpRequest) -> std::time::Duration {
    let ms = req
        .app_data::<web::Data<AppState>>()
        .map_or(30_000, |s| s.settings.body_timeout_ms);
    std::time::Duration::from_millis(ms)
}

/// `read`, or a 408 when it is not done within `deadline`: a client trickling a body a byte
/// at a time cannot hold a connection open for long.
pub async fn within<T>(
    deadline: std::time::Duration,
    read: impl Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    tokio::time::timeout(deadline, read)
        .await
        .unwrap_or_else(|_| {
            Err(AppError::RequestTimeout(format!(
                "The body did not arrive within {} ms.",
                deadline.as_millis()
            )))
        })
}

fn check_length(req: &HttpRequest, limit: usize) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n > limit => Err(too_large(limit)),
        _ => Ok(()),
    }
}

fn too_large(limit: usize) -> AppError {
    AppError::PayloadTooLarge(format!(
        "The body is larger than the limit of {limit} bytes."
    ))
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        AppError::BadRequest(format!("The query string is not valid: {err}.")).into()
    })
}

/// A path segment that does not parse cannot name a resource: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err, _req| AppError::not_found().into())
}
