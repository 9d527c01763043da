//! Text as people type it into a field: trimmed, between `MIN` and `MAX` characters, and free
//! of control characters (`Line`: not even line breaks). One type serves every such field; the
//! aliases name what each one is.

use std::borrow::Cow;
use std::fmt;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// Trimmed text of `MIN` to `MAX` characters (`MIN` 0 allows empty text). Line breaks and tabs
/// are kept unless `LINE`; other control characters are refused either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MIN: usize, const MAX: usize, const LINE: bool = false>(String);

/// One line: names, titles, subjects. Nothing in it can start a new line in an e-mail.
pub type Line<const MIN: usize, const MAX: usize> = Text<MIN, MAX, true>;

impl<const MIN: usize, const MAX: usize, const LINE: bool> Text<MIN, MAX, LINE> {
    pub fn parse(raw: &str) -> Result<Self, String> {
        // The limit counts what was sent, spaces included: that is what `maxLength` measures.
        if raw.chars().count() > MAX {
            return Err(format!("must be at most {MAX} characters"));
        }
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
        Ok(Text(text.to_string()))
    }

    /// For optional form fields: blank text means the field was left empty.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, String> {
        if raw.trim().is_empty() && raw.chars().count() <= MAX {
            return Ok(None);
        }
        Self::parse(raw).map(Some)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The characters `str::trim` removes (Unicode White_Space), as a regex class body.
pub(crate) const WHITESPACE: &str =
    r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Every control character (Unicode `Cc`, what `char::is_control` means).
pub(crate) const CONTROLS: &str = r"\u0000-\u001F\u007F-\u009F";
/// The control characters multi-line text refuses: all but tab, line feed and carriage return.
const TEXT_CONTROLS: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F";

impl<const MIN: usize, const MAX: usize, const LINE: bool> Text<MIN, MAX, LINE> {
    /// The rule `parse` applies, as a pattern (ECMAScript, Python and Rust `regex` read it
    /// alike): any white space at either end, and between them no refused control character
    /// (and, when `MIN` is 1, at least one character that is not white space).
    pub fn pattern() -> String {
        const { assert!(MIN <= 1, "the pattern states MIN 0 or 1 only") };
        let refused = if LINE { CONTROLS } else { TEXT_CONTROLS };
        let middle = if MIN == 0 {
            format!("[^{refused}]*")
        } else {
            format!("[^{refused}]*[^{refused}{WHITESPACE}][^{refused}]*")
        };
        format!("^[{WHITESPACE}]*{middle}[{WHITESPACE}]*$")
    }
}

impl<const MIN: usize, const MAX: usize, const LINE: bool> utoipa::PartialSchema
    for Text<MIN, MAX, LINE>
{
    fn schema() -> RefOr<Schema> {
        string_schema(MIN, MAX, &Self::pattern())
    }
}

impl<const MIN: usize, const MAX: usize, const LINE: bool> utoipa::ToSchema
    for Text<MIN, MAX, LINE>
{
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!(
            "{}{MIN}To{MAX}",
            if LINE { "Line" } else { "Text" }
        ))
    }
}

/// A string of `min` to `max` characters matching `pattern`: how every text rule is stated.
pub(crate) fn string_schema(min: usize, max: usize, pattern: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length((min > 0).then_some(min))
        .max_length((max < usize::MAX).then_some(max))
        .pattern(Some(pattern))
        .into()
}

/// Any characters but NUL, which no request body may hold (see `json`): the rule of secrets
/// and passwords, whose every other character counts as given.
pub const NO_NUL: &str = r"^[^\u0000]*$";

/// Documents a field of `MIN` to `MAX` characters of any kind but NUL (secrets, passwords).
pub struct AnyChars<const MIN: usize, const MAX: usize>;

impl<const MIN: usize, const MAX: usize> AnyChars<MIN, MAX> {
    /// Whether `raw` has `MIN` to `MAX` characters (NUL never gets this far).
    pub fn check(raw: &str) -> Result<(), String> {
        match raw.chars().count() {
            n if n < MIN => Err(format!("must be at least {MIN} characters")),
            n if n > MAX => Err(format!("must be at most {MAX} characters")),
            _ => Ok(()),
        }
    }
}

impl<const MIN: usize, const MAX: usize> utoipa::PartialSchema for AnyChars<MIN, MAX> {
    fn schema() -> RefOr<Schema> {
        string_schema(MIN, MAX, NO_NUL)
    }
}

impl<const MIN: usize, const MAX: usize> utoipa::ToSchema for AnyChars<MIN, MAX> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Chars{MIN}To{MAX}"))
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

    use proptest::prelude::*;

    /// Characters on both sides of every rule: controls, line breaks, white space of all kinds,
    /// letters, digits, hyphens and the characters of addresses.
    fn tricky() -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec![
            'a', 'Z', '0', '9', '-', '.', '@', '/', ':', ' ', '\t', '\n', '\r', '\u{b}', '\u{0}',
            '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}', '\u{a0}', '\u{2028}', '\u{3000}', '\u{feff}',
            'é', '北',
        ]);
        prop::collection::vec(chars, 0..12).prop_map(|v| v.into_iter().collect())
    }

    fn matches(pattern: &str, s: &str) -> bool {
        regex::Regex::new(pattern).expect("pattern").is_match(s)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// What the document publishes is what `parse` accepts, character for character.
        #[test]
        fn published_patterns_are_the_rules(s in tricky()) {
            let n = s.chars().count();
            prop_assert_eq!(
                Line::<1, 8>::parse(&s).is_ok(),
                n <= 8 && matches(&Line::<1, 8>::pattern(), &s), "{:?}", s
            );
            prop_assert_eq!(
                Text::<0, 8>::parse(&s).is_ok(),
                n <= 8 && matches(&Text::<0, 8>::pattern(), &s), "{:?}", s
            );
            prop_assert_eq!(
                Text::<1, 8>::parse(&s).is_ok(),
                n <= 8 && matches(&Text::<1, 8>::pattern(), &s), "{:?}", s
            );
            prop_assert_eq!(
                crate::domain::Slug::parse(&s).is_ok(),
                n <= crate::domain::Slug::MAX_CHARS && matches(&crate::domain::Slug::pattern(), &s),
                "{:?}", s
            );
        }
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
