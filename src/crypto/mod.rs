//! Secrets and digests shared by every layer: random tokens, hex, SHA-256, HMAC signatures,
//! Argon2id passwords and API keys. Nothing here knows HTTP or the database.

pub mod api_key;
pub mod password;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// `n` random bytes as URL-safe base64 without padding.
pub fn random_token(n: usize) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The SHA-256 of `data` as 64 hex digits: how tokens and keys are stored, and how request
/// bodies are compared.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the webhook signature.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| {
            // HMAC takes keys of any length; this branch cannot run.
            <Hmac<Sha256> as KeyInit>::new_from_slice(b"-").expect("a one-byte key")
        });
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("t={timestamp},v1={}", hex(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_have_the_expected_length_and_alphabet() {
        let t = random_token(32);
        assert_eq!(t.len(), 43);
        assert!(
            t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(t, random_token(32));
    }

    #[test]
    fn hex_is_lowercase_pairs() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }

    #[test]
    fn signatures_are_hmac_sha256_over_time_and_body() {
        // Known answer, computed with Python's hmac module.
        assert_eq!(
            signature("secret", 1_700_000_000, "{}"),
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert_ne!(signature("secret", 1, "a"), signature("secret", 1, "b"));
        assert_ne!(signature("secret", 1, "a"), signature("other", 1, "a"));
    }
}
