use std::fmt;

use validator::ValidateEmail;

/// An e-mail address, trimmed and lower-cased, checked against the HTML5 rules `validator` uses.
///
/// Lower-casing the whole address (not only the domain) is what users expect from a blog: nobody
/// registers `Ann@` and `ann@` as two people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("is required".into());
        }
        if email.len() > 254 || !email.validate_email() {
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

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
