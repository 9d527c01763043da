//! Short-lived HS256 access tokens.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::domain::Role;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    /// Which password the token was issued under (microseconds of the last password change, 0
    /// for none): a password change, even in the same second, ends every older token.
    #[serde(default)]
    pub pwv: i64,
}

/// The `pwv` claim for a user whose password last changed at `changed`.
pub fn password_version(changed: Option<chrono::NaiveDateTime>) -> i64 {
    changed.map_or(0, |t| t.and_utc().timestamp_micros())
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_seconds: i64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl_seconds: i64) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        // Small clock-skew allowance; `alg` other than HS256 (including `none`) is refused.
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_seconds,
        }
    }

    pub fn issue(&self, user_id: &str, role: Role, pwv: i64) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            iat: now,
            exp: now + self.ttl_seconds,
            pwv,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The claims of a token signed with our secret and not expired; `None` otherwise.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_foreign_ones_do_not() -> anyhow::Result<()> {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef", 900);
        let token = keys.issue("u1", Role::Editor, 0)?;
        let claims = keys
            .verify(&token)
            .ok_or_else(|| anyhow::anyhow!("not verified"))?;
        assert_eq!((claims.sub.as_str(), claims.role), ("u1", Role::Editor));
        let other = JwtKeys::new(b"another secret another secret 123", 900);
        assert!(other.verify(&token).is_none());
        Ok(())
    }
}
