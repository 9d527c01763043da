use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use validator::ValidateEmail;

use super::text::WHITESPACE;

/// The HTML5 address rule `validator` applies, limited to ASCII domains, as a pattern the
/// server matches and the document publishes.
fn address() -> String {
    let label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    format!(r"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{label}(?:\.{label})*")
}

/// No `format: email`: validators of that format differ on details (spaces around, quoted
/// parts, IP domains); the pattern is the rule, exactly.
fn email_schema(pattern: String) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(Email::MAX_CHARS))
        .pattern(Some(pattern))
        .into()
}

/// An e-mail address, trimmed and lower-cased, checked against the HTML5 rules `validator` uses.
///
/// Lower-casing the whole address (not only the domain) is what users expect from a blog: nobody
/// registers `Ann@` and `ann@` as two people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn pattern() -> String {
        format!("^[{WHITESPACE}]*{}[{WHITESPACE}]*$", address())
    }

    pub fn parse(raw: &str) -> Result<Email, String> {
        static RULE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(&Email::pattern()).expect("e-mail pattern"));
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("is required".into());
        }
        if raw.chars().count() > Self::MAX_CHARS || !RULE.is_match(raw) || !email.validate_email() {
            return Err("must be a valid e-mail address".into());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    /// The part after `@`: what logs may show instead of the address.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl utoipa::PartialSchema for Email {
    fn schema() -> RefOr<Schema> {
        email_schema(Email::pattern())
    }
}

impl utoipa::ToSchema for Email {}

/// Documents an optional form field: an e-mail address, or blank for none.
pub struct EmailOrBlank;

impl utoipa::PartialSchema for EmailOrBlank {
    fn schema() -> RefOr<Schema> {
        email_schema(format!(
            "^[{WHITESPACE}]*(?:{})?[{WHITESPACE}]*$",
            address()
        ))
    }
}

impl utoipa::ToSchema for EmailOrBlank {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EmailOrBlank")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The published pattern is the whole rule: whatever it matches, `validator` accepts
        /// too, so `parse` accepts exactly what the document allows.
        #[test]
        fn the_published_pattern_is_the_rule(
            local in "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~é\"-]{0,5}",
            domain in "[a-zA-Z0-9.é\\[\\]-]{0,8}",
            pad in "[ \t\n]{0,2}",
        ) {
            let raw = format!("{pad}{local}@{domain}{pad}");
            let matched = regex::Regex::new(&Email::pattern()).expect("pattern").is_match(&raw);
            prop_assert_eq!(Email::parse(&raw).is_ok(), matched, "{:?}", raw);
        }
    }

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").map(Email::into_inner),
            Ok("ann@example.com".into())
        );
    }

    #[test]
    fn bad_emails_are_refused() {
        for bad in ["", "   ", "ann", "ann@", "@example.com", "a b@example.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn domain_is_the_part_after_the_at() {
        assert_eq!(
            Email::parse("x@example.org").map(|e| e.domain().to_string()),
            Ok("example.org".into())
        );
    }
}
