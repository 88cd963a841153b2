//! Access and preview tokens (JWT). The verifier pins the algorithm, requires a known `kid`
//! and checks `exp`, `nbf`, `iss` and `aud`: `alg: none`, a foreign key, an HS/RS swap, an
//! expired or altered token are all refused.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};

use super::Role;
use crate::error::AppError;

const ISSUER: &str = "masthead";
const ACCESS_AUDIENCE: &str = "masthead-editorial";
const PREVIEW_AUDIENCE: &str = "masthead-preview";

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
}

/// Claims of a preview link: it opens one article, nothing else.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PreviewClaims {
    sub: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    iss: String,
    aud: String,
    jti: String,
}

/// One key that verifies tokens, named by its `kid`.
pub struct VerifyingKey {
    pub kid: String,
    pub key: DecodingKey,
}

/// The keys tokens are signed and verified with. Several verifying keys may be active at
/// once, so that a key can be rotated without logging everyone out.
pub struct TokenKeys {
    algorithm: Algorithm,
    signing_kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    pub access_ttl: Duration,
}

impl TokenKeys {
    pub fn new(
        algorithm: Algorithm,
        signing_kid: String,
        signing: EncodingKey,
        verifying: Vec<VerifyingKey>,
        access_ttl: Duration,
    ) -> TokenKeys {
        TokenKeys {
            algorithm,
            signing_kid,
            signing,
            verifying: verifying.into_iter().map(|k| (k.kid, k.key)).collect(),
            access_ttl,
        }
    }

    /// HS256 keys from secrets: the first signs, all verify.
    pub fn hmac(secrets: &[Vec<u8>], access_ttl: Duration) -> TokenKeys {
        let verifying = secrets
            .iter()
            .map(|s| VerifyingKey {
                kid: super::keys::kid_of(s),
                key: DecodingKey::from_secret(s),
            })
            .collect();
        TokenKeys::new(
            Algorithm::HS256,
            super::keys::kid_of(&secrets[0]),
            EncodingKey::from_secret(&secrets[0]),
            verifying,
            access_ttl,
        )
    }

    fn header(&self) -> Header {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.signing_kid.clone());
        header
    }

    /// Signs an access token for a user; returns it with its lifetime in seconds.
    pub fn issue_access(&self, user_id: i64, role: Role) -> Result<(String, i64), AppError> {
        let now = Utc::now().timestamp();
        let ttl = self.access_ttl.as_secs() as i64;
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            iat: now,
            nbf: now,
            exp: now + ttl,
            iss: ISSUER.into(),
            aud: ACCESS_AUDIENCE.into(),
            jti: random_id(),
        };
        let token = encode(&self.header(), &claims, &self.signing).map_err(AppError::internal)?;
        Ok((token, ttl))
    }

    pub fn verify_access(&self, token: &str) -> Result<Claims, AppError> {
        self.verify::<Claims>(token, ACCESS_AUDIENCE)
    }

    pub fn issue_preview(&self, article_id: i64, ttl: Duration) -> Result<(String, i64), AppError> {
        let now = Utc::now().timestamp();
        let exp = now + ttl.as_secs() as i64;
        let claims = PreviewClaims {
            sub: article_id.to_string(),
            iat: now,
            nbf: now,
            exp,
            iss: ISSUER.into(),
            aud: PREVIEW_AUDIENCE.into(),
            jti: random_id(),
        };
        let token = encode(&self.header(), &claims, &self.signing).map_err(AppError::internal)?;
        Ok((token, exp))
    }

    /// The article a preview token opens.
    pub fn verify_preview(&self, token: &str) -> Result<i64, AppError> {
        let claims = self.verify::<PreviewClaims>(token, PREVIEW_AUDIENCE)?;
        claims.sub.parse().map_err(|_| invalid_token())
    }

    fn verify<T: serde::de::DeserializeOwned>(&self, token: &str, audience: &str) -> Result<T, AppError> {
        let header = decode_header(token).map_err(|_| invalid_token())?;
        if header.alg != self.algorithm {
            return Err(invalid_token());
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying.get(kid))
            .ok_or_else(invalid_token)?;
        let mut validation = Validation::new(self.algorithm);
        validation.algorithms = vec![self.algorithm];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        decode::<T>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|_| invalid_token())
    }
}

fn invalid_token() -> AppError {
    AppError::unauthenticated("the token is invalid or has expired")
}

/// 128 random bits, hex.
pub fn random_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::hmac(&[secret.as_bytes().to_vec()], Duration::from_secs(60))
    }

    #[test]
    fn a_token_verifies_with_its_key_only() {
        let k = keys("a-secret-that-is-long-enough-for-hs256!");
        let (token, ttl) = k.issue_access(7, Role::Editor).unwrap();
        assert_eq!(ttl, 60);
        let claims = k.verify_access(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role), ("7", Role::Editor));
        assert!(
            keys("another-secret-that-is-long-enough-too!")
                .verify_access(&token)
                .is_err()
        );
    }

    #[test]
    fn old_keys_still_verify_during_rotation() {
        let old = keys("the-old-secret-that-is-long-enough-xx!");
        let (token, _) = old.issue_access(1, Role::Admin).unwrap();
        let rotated = TokenKeys::hmac(
            &[
                b"the-new-secret-that-is-long-enough-yy!".to_vec(),
                b"the-old-secret-that-is-long-enough-xx!".to_vec(),
            ],
            Duration::from_secs(60),
        );
        assert!(rotated.verify_access(&token).is_ok());
    }

    #[test]
    fn preview_and_access_tokens_are_not_interchangeable() {
        let k = keys("a-secret-that-is-long-enough-for-hs256!");
        let (preview, _) = k.issue_preview(5, Duration::from_secs(60)).unwrap();
        let (access, _) = k.issue_access(5, Role::Admin).unwrap();
        assert_eq!(k.verify_preview(&preview).unwrap(), 5);
        assert!(k.verify_access(&preview).is_err());
        assert!(k.verify_preview(&access).is_err());
    }
}
