//! Text as people type it into a field: trimmed, between `MIN` and `MAX` characters, and free
//! of control characters (`Line`: not even line breaks). One type serves every such field; the
//! aliases name what each one is.

use std::fmt;

/// Trimmed text of `MIN` to `MAX` characters (`MIN` 0 allows empty text). Line breaks and tabs
/// are kept unless `LINE`; other control characters are refused either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MIN: usize, const MAX: usize, const LINE: bool = false>(String);

/// One line: names, titles, subjects. Nothing in it can start a new line in an e-mail.
pub type Line<const MIN: usize, const MAX: usize> = Text<MIN, MAX, true>;

impl<const MIN: usize, const MAX: usize, const LINE: bool> Text<MIN, MAX, LINE> {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        let allowed = |c: char| !LINE && matches!(c, '\n' | '\r' | '\t');
        if text.chars().any(|c| c.is_control() && !allowed(c)) {
            return Err(if LINE {
                "must be one line, without control characters".into()
            } else {
                "must not contain control characters".into()
            });
        }
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

impl<const MIN: usize, const MAX: usize, const LINE: bool> fmt::Display for Text<MIN, MAX, LINE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's or a thing's display name: users, tags, API keys.
pub type Name = Line<1, 100>;
/// A post's title.
pub type Title = Line<1, 300>;

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

    #[test]
    fn lines_refuse_line_breaks_and_text_refuses_other_controls() {
        assert!(Name::parse("Ann\r\nBcc: x@evil.example").is_err());
        assert!(Name::parse("Ann\tB").is_err());
        assert!(Text::<0, 50>::parse("two\nlines\tand a tab").is_ok());
        assert!(Text::<0, 50>::parse("bell\u{7}").is_err());
        assert!(Text::<0, 50>::parse("escape\u{1b}[31m").is_err());
    }
}
