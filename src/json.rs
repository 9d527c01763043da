//! Reading JSON the way every endpoint and import does: malformed text is a 400, JSON of the
//! wrong shape a 422 naming the field (`gift.url`), and NUL characters are refused.

use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldErrors};

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
