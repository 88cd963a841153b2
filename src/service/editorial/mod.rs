//! The editorial side: accounts and tokens, writing content, workflow, revisions, previews,
//! partner keys and the audit log. Every rule about who may do what lives here; REST and
//! GraphQL only pass the `Actor` in.

mod accounts;
pub use accounts::{LoginInput, NewUserInput, RefreshInput, UserUpdate};
mod articles;
mod audit;
pub mod comments;
mod keys;
pub use keys::{ApiKeyInput, KEY_PREFIX};
mod taxonomy;
pub mod views;
mod webhooks;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use super::{Change, ContentService};
use crate::auth::{ApiKeyPrincipal, TokenKeys};
use crate::db::Db;
use crate::error::AppError;

pub use articles::{ArticleInput, BylineInput, EditorialFilter, ImportedArticle, PublishInput};
pub use taxonomy::{AuthorInput, MediaInput, SectionInput, TagInput};

#[derive(Debug, Clone)]
pub struct EditorialSettings {
    pub refresh_ttl: Duration,
    pub preview_ttl: Duration,
    /// Login attempts per minute for one account, and from one address.
    pub logins_per_account: u32,
    pub logins_per_ip: u32,
}

impl Default for EditorialSettings {
    fn default() -> Self {
        EditorialSettings {
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            preview_ttl: Duration::from_secs(3600),
            logins_per_account: 5,
            logins_per_ip: 20,
        }
    }
}

#[derive(Clone)]
pub struct EditorialService {
    db: Db,
    content: ContentService,
    tokens: Arc<TokenKeys>,
    settings: Arc<EditorialSettings>,
    login_by_account: Arc<DefaultKeyedRateLimiter<String>>,
    login_by_ip: Arc<DefaultKeyedRateLimiter<String>>,
    /// Key hash -> the key, briefly, so partners do not cost a query per request.
    keys: moka::sync::Cache<String, Option<ApiKeyPrincipal>>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

impl EditorialService {
    pub fn new(db: Db, content: ContentService, tokens: Arc<TokenKeys>, settings: EditorialSettings) -> Self {
        EditorialService {
            db,
            content,
            tokens,
            login_by_account: Arc::new(RateLimiter::keyed(per_minute(settings.logins_per_account))),
            login_by_ip: Arc::new(RateLimiter::keyed(per_minute(settings.logins_per_ip))),
            settings: Arc::new(settings),
            keys: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(10))
                .build(),
        }
    }

    /// Forgets the sign-in limits of accounts and addresses back to a full quota.
    pub fn prune_limits(&self) {
        for l in [&self.login_by_account, &self.login_by_ip] {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// For command-line administration: no tokens are issued, so the signing key is a
    /// throwaway.
    pub fn offline(db: Db) -> Self {
        let secret: [u8; 32] = rand::random();
        let tokens = TokenKeys::hmac(&[secret.to_vec()], Duration::from_secs(60));
        let content = ContentService::new(db.clone(), &Default::default());
        EditorialService::new(db, content, Arc::new(tokens), EditorialSettings::default())
    }

    pub fn tokens(&self) -> &TokenKeys {
        &self.tokens
    }

    fn now(&self) -> NaiveDateTime {
        self.content.now()
    }

    /// Runs one editorial write for a signed-in user of at least `role`: in a transaction,
    /// and once it is committed, what `change` says of its outcome is forgotten here and
    /// purged from the CDN. Every editorial write goes through here.
    async fn write<T, F>(
        &self,
        actor: &crate::auth::Actor,
        role: crate::auth::Role,
        change: impl FnOnce(&T) -> Change + Send + 'static,
        f: F,
    ) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut crate::db::DbConn, &accounts::Current, NaiveDateTime) -> Result<T, AppError>
            + Send
            + 'static,
    {
        let (this, actor, now) = (self.clone(), actor.clone(), self.now());
        let (out, change) = self
            .db
            .run(move |c| {
                let me = this.current_in(c, &actor, role)?;
                c.transaction(|c| {
                    let out = f(c, &me, now)?;
                    let change = change(&out);
                    crate::service::sync::log(c, &change, now)?;
                    Ok((out, change))
                })
            })
            .await?;
        self.content.changed(change);
        Ok(out)
    }
}

pub(crate) fn sha256_hex(raw: &str) -> String {
    Sha256::digest(raw.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A secret for a client: `prefix` followed by 256 random bits in hex.
pub(crate) fn secret_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

fn rate_limited(limiter: &DefaultKeyedRateLimiter<String>, key: String) -> Result<(), AppError> {
    use governor::clock::{Clock, DefaultClock};
    limiter.check_key(&key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::RateLimited {
            retry_after_seconds: wait.as_secs().max(1),
        }
    })
}

/// A new chain of refresh tokens (one per sign-in).
fn tokens_family() -> String {
    crate::auth::tokens::random_id()
}

/// Slugs are words of lower-case (or caseless) letters and digits of any script, joined by
/// single hyphens: what `slugify` gives.
pub(crate) fn check_slug(errors: &mut Vec<crate::error::FieldError>, field: &str, slug: &str) {
    if !crate::content::slug::is_valid(slug) {
        errors.push(crate::error::FieldError::new(
            field,
            "invalid",
            "A slug is lower-case letters and digits in words joined by hyphens, e.g. middle-east or תל-אביב.",
        ));
    }
}

/// Requires a non-empty text of at most `max` characters.
pub(crate) fn check_text(errors: &mut Vec<crate::error::FieldError>, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errors.push(crate::error::FieldError::new(
            field,
            "required",
            format!("Give a {field}."),
        ));
    } else if value.chars().count() > max {
        errors.push(crate::error::FieldError::new(
            field,
            "too_long",
            format!("The {field} is limited to {max} characters."),
        ));
    }
}
