//! Where signing keys come from: a secret in the environment (HS256), key files (EdDSA or
//! RS256), or, on SQLite only, a secret generated on first start and kept beside the
//! database file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use sha2::{Digest, Sha256};

use super::tokens::{TokenKeys, VerifyingKey};
use crate::db::DatabaseUrl;

pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Clone, Default)]
pub struct KeySettings {
    /// HS256 secret; its UTF-8 bytes are the key.
    pub secret: Option<String>,
    /// Retired secrets that still verify tokens issued before a rotation.
    pub previous_secrets: Vec<String>,
    /// PEM private key (Ed25519 or RSA) that signs instead of a secret.
    pub private_key_file: Option<PathBuf>,
    /// PEM public keys that verify (the current one and any retired ones).
    pub public_key_files: Vec<PathBuf>,
    pub access_ttl: Option<Duration>,
}

// By hand: secrets must never reach a log line or a panic message.
impl std::fmt::Debug for KeySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySettings")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field(
                "previous_secrets",
                &format!("<{} redacted>", self.previous_secrets.len()),
            )
            .field("private_key_file", &self.private_key_file)
            .field("public_key_files", &self.public_key_files)
            .field("access_ttl", &self.access_ttl)
            .finish()
    }
}

/// A short stable name for a key: the start of its SHA-256.
pub fn kid_of(material: &[u8]) -> String {
    let digest = Sha256::digest(material);
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

pub fn load(settings: &KeySettings, database: &DatabaseUrl) -> anyhow::Result<TokenKeys> {
    let ttl = settings.access_ttl.unwrap_or(Duration::from_secs(15 * 60));
    if let Some(private) = &settings.private_key_file {
        return from_files(private, &settings.public_key_files, ttl);
    }
    let current = match &settings.secret {
        Some(secret) => secret.clone().into_bytes(),
        None => match database {
            DatabaseUrl::Sqlite(path) => generated_secret(path)?,
            DatabaseUrl::Postgres(_) => anyhow::bail!(
                "no JWT signing key: set MASTHEAD_JWT_SECRET (at least {MIN_SECRET_BYTES} bytes) or MASTHEAD_JWT_PRIVATE_KEY; \
                 with PostgreSQL every instance must share the key, so none is generated"
            ),
        },
    };
    let mut secrets = vec![current];
    secrets.extend(settings.previous_secrets.iter().map(|s| s.clone().into_bytes()));
    for s in &secrets {
        if s.len() < MIN_SECRET_BYTES {
            anyhow::bail!(
                "a JWT secret (--jwt-secret / MASTHEAD_JWT_SECRET) must be at least {MIN_SECRET_BYTES} bytes long; this one has {}",
                s.len()
            );
        }
    }
    Ok(TokenKeys::hmac(&secrets, ttl))
}

/// A 32-byte key for the server's own signatures (comment form tokens, keyed address
/// hashes), derived from the same material as the signing key, so every instance that
/// shares the signing key shares it too, and it survives restarts.
pub fn server_secret(settings: &KeySettings, database: &DatabaseUrl) -> anyhow::Result<[u8; 32]> {
    use sha2::{Digest, Sha256};
    let material = match (&settings.private_key_file, &settings.secret, database) {
        (Some(private), _, _) => {
            std::fs::read(private).map_err(|e| anyhow::anyhow!("reading {}: {e}", private.display()))?
        }
        (None, Some(secret), _) => secret.clone().into_bytes(),
        (None, None, DatabaseUrl::Sqlite(path)) => generated_secret(path)?,
        (None, None, DatabaseUrl::Postgres(_)) => anyhow::bail!("no signing key is configured"),
    };
    let mut hash = Sha256::new();
    hash.update(b"masthead server secret\0");
    hash.update(&material);
    Ok(hash.finalize().into())
}

fn from_files(private: &Path, public: &[PathBuf], ttl: Duration) -> anyhow::Result<TokenKeys> {
    let pem = std::fs::read(private).map_err(|e| anyhow::anyhow!("reading {}: {e}", private.display()))?;
    let (algorithm, signing) = if let Ok(k) = EncodingKey::from_ed_pem(&pem) {
        (Algorithm::EdDSA, k)
    } else if let Ok(k) = EncodingKey::from_rsa_pem(&pem) {
        (Algorithm::RS256, k)
    } else {
        anyhow::bail!(
            "{} is neither an Ed25519 nor an RSA private key in PEM",
            private.display()
        );
    };
    if public.is_empty() {
        anyhow::bail!("MASTHEAD_JWT_PUBLIC_KEYS must list the public key of MASTHEAD_JWT_PRIVATE_KEY");
    }
    let mut verifying = Vec::new();
    for path in public {
        let pem = std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        let key = match algorithm {
            Algorithm::EdDSA => DecodingKey::from_ed_pem(&pem),
            _ => DecodingKey::from_rsa_pem(&pem),
        }
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        verifying.push(VerifyingKey {
            kid: kid_of(&pem),
            key,
        });
    }
    // The first public key belongs to the private key: its kid names what we sign.
    let signing_kid = verifying[0].kid.clone();
    Ok(TokenKeys::new(algorithm, signing_kid, signing, verifying, ttl))
}

/// Reads, or creates with mode 0600, the secret kept beside a SQLite database.
fn generated_secret(database: &Path) -> anyhow::Result<Vec<u8>> {
    let path = secret_path(database);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().as_bytes().to_vec());
    }
    let bytes: [u8; 32] = rand::random();
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &secret)?;
    tracing::warn!(
        path = %path.display(),
        "no MASTHEAD_JWT_SECRET was set: generated a signing secret and stored it beside the database"
    );
    Ok(secret.into_bytes())
}

pub fn secret_path(database: &Path) -> PathBuf {
    let mut name = database.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".jwt-secret");
    database.with_file_name(name)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| anyhow::anyhow!("creating {}: {e}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    // A key pair made for these tests only.
    const PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIBTPoWHbeAMSSh5Yyy+Nr+muKCpxe2c0VdqP7sBpLyL4
-----END PRIVATE KEY-----";
    const PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAqBXiWMpfddfbYDDsefPb/+pOo1RUAEscF9DHmJ5LtV0=
-----END PUBLIC KEY-----";

    #[test]
    fn eddsa_keys_from_files_sign_and_verify_and_refuse_hmac_forgeries() {
        let dir = tempfile::tempdir().unwrap();
        let (private, public) = (dir.path().join("k.pem"), dir.path().join("k.pub.pem"));
        std::fs::write(&private, PRIVATE).unwrap();
        std::fs::write(&public, PUBLIC).unwrap();
        let settings = KeySettings {
            private_key_file: Some(private),
            public_key_files: vec![public],
            ..Default::default()
        };
        let keys = load(&settings, &DatabaseUrl::Postgres("postgres://x/y".into())).unwrap();
        let (token, _) = keys.issue_access(3, Role::Author).unwrap();
        assert!(token.starts_with("eyJ"));
        assert_eq!(keys.verify_access(&token).unwrap().sub, "3");

        // Signing HS256 with the public key as the secret must not pass as EdDSA.
        let forged = TokenKeys::new(
            Algorithm::HS256,
            kid_of(PUBLIC.as_bytes()),
            EncodingKey::from_secret(PUBLIC.as_bytes()),
            Vec::new(),
            Duration::from_secs(60),
        );
        let (forged, _) = forged.issue_access(3, Role::Admin).unwrap();
        assert!(keys.verify_access(&forged).is_err());
    }

    #[test]
    fn short_secrets_and_keyless_postgres_are_refused() {
        let short = KeySettings {
            secret: Some("short".into()),
            ..Default::default()
        };
        assert!(load(&short, &DatabaseUrl::Sqlite("x.db".into())).is_err());
        let none = KeySettings::default();
        let err = load(&none, &DatabaseUrl::Postgres("postgres://x/y".into()))
            .err()
            .unwrap();
        assert!(err.to_string().contains("MASTHEAD_JWT_SECRET"));
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_secret() {
        let settings = KeySettings {
            secret: Some("the-current-secret-of-thirty-two-bytes".into()),
            previous_secrets: vec!["an-old-secret-of-at-least-thirty-two".into()],
            ..Default::default()
        };
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("current-secret") && !shown.contains("old-secret"),
            "{shown}"
        );
        assert!(shown.contains("redacted"));
    }
}
