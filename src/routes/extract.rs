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
use crate::startup::AppState;

/// A JSON request body, read up to the configured limit (413 past it), only from
/// `application/json` or `*+json` (415 otherwise). Malformed JSON is a 400; JSON of the wrong
/// shape is a 422 naming the field, e.g. `{"errors": {"gift.url": ["invalid type: ..."]}}`.
///
/// The error is handed over by `into_inner`, not raised during extraction: extractors run side
/// by side, and a caller who may not use the route must get its 401/403, not a 422 that tells
/// them how to shape the body.
pub struct Json<T>(Result<T, AppError>);

impl<T> Json<T> {
    pub fn into_inner(self) -> Result<T, AppError> {
        self.0
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
                Ok(()) => body.await.and_then(|bytes| parse_json(&bytes)),
                Err(e) => Err(e),
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

/// Reads the whole body, refusing (413) past `limit` bytes whether or not a length was declared.
pub fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> impl Future<Output = Result<web::Bytes, AppError>> + use<> {
    let declared = check_length(req, limit);
    let mut payload = payload.take();
    async move {
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
    }
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

/// Parses JSON, telling malformed text (400) from a wrong shape (422 naming the field).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    // NUL characters pass JSON and SQLite but break most consumers; no field needs one.
    if body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(AppError::BadRequest(
            "The body contains a NUL character (\\u0000).".into(),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(shape_error)?;
    de.end()
        .map_err(|e| AppError::BadRequest(format!("The body is not valid JSON: {e}.")))?;
    Ok(value)
}

/// One item of a batch into `T`, or why not: malformed JSON or the bad fields, as field errors.
pub fn parse_item<T: DeserializeOwned>(json: &[u8]) -> Result<T, FieldErrors> {
    parse_json(json).map_err(|e| match e {
        AppError::Validation(errors) => errors,
        other => FieldErrors::one("item", other.to_string()),
    })
}

/// Malformed JSON is a 400; JSON of the wrong shape a 422 naming the field.
fn shape_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if !inner.is_data() {
            return AppError::BadRequest(format!("The body is not valid JSON: {inner}."));
        }
        let message = strip_position(&inner.to_string());
        let field = named_field(&message)
            .map(|name| {
                if path == "." {
                    name.to_string()
                } else {
                    format!("{path}.{name}")
                }
            })
            .unwrap_or_else(|| if path == "." { "body".into() } else { path });
        FieldErrors::single(&field, message)
    }
}

/// serde reports "missing field `x`" at the parent's path; the field is only in the message.
fn named_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        url: String,
    }

    fn field_of(result: Result<Body, AppError>) -> Vec<String> {
        match result {
            Err(AppError::Validation(errors)) => serde_json::to_value(&errors)
                .ok()
                .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
                .unwrap_or_default(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(
            parse_json::<Body>(b"{\"name\":"),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_json::<Body>(b"{\"name\":\"a\"} trailing"),
            Err(AppError::BadRequest(_))
        ));
    }

    #[test]
    fn wrong_shapes_name_the_field() {
        assert_eq!(field_of(parse_json(b"{\"name\": 5}")), ["name"]);
        assert_eq!(field_of(parse_json(b"{}")), ["name"]);
        assert_eq!(field_of(parse_json(b"{\"name\":\"a\",\"x\":1}")), ["x"]);
        assert_eq!(
            field_of(parse_json(b"{\"name\":\"a\",\"inner\":{\"url\":1}}")),
            ["inner.url"]
        );
        assert_eq!(field_of(parse_json(b"5")), ["body"]);
    }
}
