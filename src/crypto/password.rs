//! Argon2id password hashing (the argon2 crate's defaults: Argon2id v19, m=19 MiB, t=2, p=1).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::domain::Password;

pub fn hash(password: &Password) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
    Ok(hash.to_string())
}

/// True when `password` matches the stored PHC string; a malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A real hash of a random password, for unknown e-mails: verifying against it costs the same as
/// verifying a real user, so timing does not tell who has an account.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let random = super::random_token(16);
    Password::parse(&random)
        .ok()
        .and_then(|p| hash(&p).ok())
        .unwrap_or_default()
});

pub fn verify_dummy(password: &str) {
    let _ = verify(password, &DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_password() -> anyhow::Result<()> {
        let pw = Password::parse("correct horse").map_err(anyhow::Error::msg)?;
        let stored = hash(&pw)?;
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("wrong horse", &stored));
        assert!(!verify("correct horse", "not a hash"));
        Ok(())
    }
}
