//! Reading JSON the way every endpoint and import does: malformed text is a 400, JSON of the
//! wrong shape a 422 naming the field (`gift.url`), and NUL characters are refused.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{AppError, FieldErrors};

/// A body whose shape is wrong: every bad field (`error`), and the `T` the other fields make
/// when they still make one (`rest`), so the caller's own checks can name their fields too.
pub struct BadShape<T> {
    pub error: AppError,
    pub rest: Option<T>,
}

/// Like `parse_json`, but a wrong shape does not stop at the first bad field: each pass drops
/// the top-level field serde tripped on and reads the rest again, so one 422 names every field
/// of the wrong type, every unknown field, and a missing required one.
pub fn parse_json_all<T: DeserializeOwned>(body: &[u8]) -> Result<T, BadShape<T>> {
    let (mut errors, mut field) = match parse_json::<T>(body) {
        Ok(value) => return Ok(value),
        Err(AppError::Validation(errors)) => match errors.first_field() {
            Some(field) => (errors, field),
            None => {
                return Err(BadShape {
                    error: AppError::Validation(errors),
                    rest: None,
                });
            }
        },
        Err(error) => return Err(BadShape { error, rest: None }),
    };
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(body) else {
        return Err(BadShape {
            error: AppError::Validation(errors),
            rest: None,
        });
    };
    let mut rest = None;
    // Each pass reads the whole body again: a body of thousands of unknown keys gets its first
    // `MAX_NAMED` named, not a pass per key.
    let mut passes = 0;
    while passes < MAX_NAMED && map.remove(top_level(&field)).is_some() {
        passes += 1;
        match serde_path_to_error::deserialize::<_, T>(Value::Object(map.clone())) {
            Ok(value) => {
                rest = Some(value);
                break;
            }
            Err(e) => {
                let (next, message) = describe(e);
                if errors.names(&next) {
                    break;
                }
                errors.add(&next, message);
                field = next;
            }
        }
    }
    Err(BadShape {
        error: AppError::Validation(errors),
        rest,
    })
}

/// The most bad fields one answer names (a body's own fields are far fewer).
pub const MAX_NAMED: usize = 32;

/// `gift.url` and `tags[0]` are in the body's `gift` and `tags`.
fn top_level(field: &str) -> &str {
    field.split(['.', '[']).next().unwrap_or(field)
}

/// Parses JSON, telling malformed text (400) from a wrong shape (422 naming the field).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    // NUL characters pass JSON and SQLite but break most consumers; no field needs one.
    if body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(AppError::BadRequest(
            "The body contains a NUL character (\\u0000).".into(),
        ));
    }
    // Syntax first: a body that is not JSON is a 400 even when a field before the break would
    // already fail the shape (`{"unknown": 1,` ...).
    serde_json::from_slice::<serde::de::IgnoredAny>(body)
        .map_err(|e| AppError::BadRequest(format!("The body is not valid JSON: {e}.")))?;
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
    if !e.inner().is_data() {
        return AppError::BadRequest(format!("The body is not valid JSON: {}.", e.inner()));
    }
    let (field, message) = describe(e);
    FieldErrors::single(&field, message)
}

/// The field a shape error is about (`body` for the whole), and its message.
fn describe(e: serde_path_to_error::Error<serde_json::Error>) -> (String, String) {
    let path = e.path().to_string();
    let message = strip_position(&e.into_inner().to_string());
    let field = named_field(&message)
        .map(|name| {
            if path == "." {
                name.to_string()
            } else {
                format!("{path}.{name}")
            }
        })
        .unwrap_or_else(|| if path == "." { "body".into() } else { path });
    (field, message)
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
