use std::fmt;

/// A URL slug: 1–200 characters of `a-z`, `0-9` and single inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub const MAX_CHARS: usize = 200;

    /// The rule `parse` applies, for the OpenAPI document.
    pub fn pattern() -> String {
        let ws = super::text::WHITESPACE;
        format!("^[{ws}]*[a-z0-9]+(?:-[a-z0-9]+)*[{ws}]*$")
    }

    pub fn parse(raw: &str) -> Result<Slug, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("is required".into());
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        let valid_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid_chars || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(
                "must use lower-case letters, digits and single hyphens, e.g. my-first-post".into(),
            );
        }
        Ok(Slug(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for Slug {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::text::string_schema(1, Self::MAX_CHARS, &Self::pattern())
    }
}

impl utoipa::ToSchema for Slug {}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_slugs_pass() {
        for good in ["a", "hello-world", "2026-plans"] {
            assert!(Slug::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn bad_slugs_are_refused() {
        for bad in ["", "Hello", "a--b", "-a", "a-", "a b", "caf\u{e9}", "a/b"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }
}
