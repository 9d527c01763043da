/// A password a user may set: 8 to 1024 characters (the upper bound keeps hashing cheap to refuse).
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(raw: &str) -> Result<Password, String> {
        let n = raw.chars().count();
        if n == 0 {
            return Err("is required".into());
        }
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&n) {
            return Err(format!(
                "must be {} to {} characters",
                Self::MIN_CHARS,
                Self::MAX_CHARS
            ));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

// No Debug or Display: a password cannot end up in a log line by accident.

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_empty_passwords_are_refused() {
        assert!(Password::parse("").is_err());
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(1025)).is_err());
    }
}
