//! API keys: `byl_` followed by 43 random URL-safe characters. Only a SHA-256 of the secret is
//! stored (the secret has 256 bits of entropy, so a slow hash adds nothing); the plaintext is shown
//! once.

pub const PREFIX: &str = "byl_";

pub struct GeneratedKey {
    pub secret: String,
    /// The first characters, kept so people can tell their keys apart.
    pub display_prefix: String,
    pub hash: String,
}

pub fn generate() -> GeneratedKey {
    let secret = format!("{PREFIX}{}", super::random_token(32));
    GeneratedKey {
        display_prefix: secret.chars().take(PREFIX.len() + 6).collect(),
        hash: hash(&secret),
        secret,
    }
}

pub fn hash(secret: &str) -> String {
    super::sha256_hex(secret.as_bytes())
}

pub fn looks_like_key(token: &str) -> bool {
    token.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_unique_and_hashed() {
        let a = generate();
        let b = generate();
        assert!(a.secret.starts_with("byl_") && a.secret.len() > 40);
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.hash, hash(&a.secret));
        assert_eq!(a.hash.len(), 64);
        assert!(a.secret.starts_with(&a.display_prefix));
    }
}
