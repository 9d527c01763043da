//! Text as people type it into a field: trimmed, and between `MIN` and `MAX` characters. One
//! type serves every such field; the aliases name what each one is.

use std::fmt;

/// Trimmed text of `MIN` to `MAX` characters (`MIN` 0 allows empty text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MIN: usize, const MAX: usize>(String);

impl<const MIN: usize, const MAX: usize> Text<MIN, MAX> {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        let n = text.chars().count();
        if n == 0 && MIN > 0 {
            return Err("is required".into());
        }
        if n < MIN {
            return Err(format!("must be at least {MIN} characters"));
        }
        if n > MAX {
            return Err(format!("must be at most {MAX} characters"));
        }
        Ok(Text(text.to_string()))
    }

    /// For optional form fields: blank text means the field was left empty.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, String> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(raw).map(Some)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Display for Text<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's or a thing's display name: users, tags, API keys.
pub type Name = Text<1, 100>;
/// A post's title.
pub type Title = Text<1, 300>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(
            Title::parse("  Hello ").map(Text::into_inner),
            Ok("Hello".into())
        );
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse(&"x".repeat(301)).is_err());
        assert!(Title::parse(&"é".repeat(300)).is_ok());
        assert_eq!(
            Text::<0, 5>::parse(" ").map(Text::into_inner),
            Ok(String::new())
        );
        assert_eq!(Text::<0, 5>::parse_optional(" "), Ok(None));
        assert!(Text::<0, 5>::parse_optional("toolong").is_err());
    }
}
