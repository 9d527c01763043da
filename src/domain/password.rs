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

    /// An admin's password must also be strong: at least `ADMIN_MIN_CHARS` characters, not one
    /// character repeated, and not one of the passwords every guesser tries first.
    pub fn check_admin_strength(&self) -> Result<(), String> {
        let lower = self.0.to_lowercase();
        let mut chars = lower.chars();
        let first = chars.next();
        if lower.chars().count() < Self::ADMIN_MIN_CHARS {
            return Err(format!(
                "must be at least {} characters for an admin",
                Self::ADMIN_MIN_CHARS
            ));
        }
        if chars.all(|c| Some(c) == first) || COMMON.contains(&lower.as_str()) {
            return Err("is too easy to guess for an admin".into());
        }
        Ok(())
    }

    pub const ADMIN_MIN_CHARS: usize = 12;
}

/// Passwords of 12 characters and more that guessers try first.
const COMMON: [&str; 24] = [
    "123456789012",
    "1234567890123",
    "12345678910",
    "password1234",
    "password123!",
    "passwordpassword",
    "qwertyuiop12",
    "qwertyuiopasdf",
    "administrator",
    "administrator1",
    "adminadminadmin",
    "admin1234567",
    "changeme1234",
    "letmein12345",
    "iloveyou1234",
    "welcome12345",
    "trustno1trustno1",
    "abc123abc123",
    "1q2w3e4r5t6y",
    "q1w2e3r4t5y6",
    "zaq12wsxcde3",
    "correcthorsebatterystaple",
    "correct horse battery staple",
    "passw0rd1234",
];

// No Debug or Display: a password cannot end up in a log line by accident.

impl utoipa::PartialSchema for Password {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .min_length(Some(Self::MIN_CHARS))
            .max_length(Some(Self::MAX_CHARS))
            .pattern(Some(super::NO_NUL))
            .into()
    }
}

impl utoipa::ToSchema for Password {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_passwords_must_be_strong() {
        let check = |p: &str| Password::parse(p).and_then(|p| p.check_admin_strength());
        assert!(check("password").is_err());
        assert!(check("aaaaaaaaaaaaaaaa").is_err());
        assert!(check("Administrator").is_err());
        assert!(check("correct horse battery staple").is_err());
        assert!(check("admin password 1").is_ok());
    }

    #[test]
    fn short_and_empty_passwords_are_refused() {
        assert!(Password::parse("").is_err());
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(1025)).is_err());
    }
}
