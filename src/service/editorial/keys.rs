//! Partner API keys: created by admins, shown once, stored hashed, revocable.

use serde::Deserialize;
use utoipa::ToSchema;

use super::audit::record;
use super::views::{ApiKeyView, CreatedApiKey};
use super::{EditorialService, secret_token, sha256_hex};
use crate::auth::{ApiKeyPrincipal, Role, SCOPES, TIERS};
use crate::db::accounts::{self as q, ApiKeyRow, NewApiKey};
use crate::error::{AppError, FieldError};
use crate::service::utc;

pub const KEY_PREFIX: &str = "mh_";

#[derive(Debug, Clone, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    /// Who the key is for, e.g. "Partner daily".
    pub name: String,
    /// Any of `content:read`, `feeds:full`.
    pub scopes: Vec<String>,
    /// `basic` (10 requests/s), `standard` (50/s) or `premium` (200/s).
    pub tier: String,
}

fn view(row: ApiKeyRow) -> ApiKeyView {
    ApiKeyView {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        scopes: row
            .scopes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        tier: row.tier,
        created_at: utc(row.created_at),
        revoked: row.revoked_at.is_some(),
    }
}

impl EditorialService {
    pub async fn create_key(
        &self,
        actor: &crate::auth::Actor,
        input: ApiKeyInput,
    ) -> Result<CreatedApiKey, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        let now = self.now();
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Admin)?;
                let mut errors = Vec::new();
                let name = input.name.trim().to_owned();
                if name.is_empty() || name.chars().count() > 100 {
                    errors.push(FieldError::new(
                        "name",
                        "length",
                        "Give a name of 1 to 100 characters.",
                    ));
                }
                if input.scopes.is_empty() {
                    errors.push(FieldError::new("scopes", "required", "Give at least one scope."));
                }
                for (i, scope) in input.scopes.iter().enumerate() {
                    if !SCOPES.contains(&scope.as_str()) {
                        errors.push(FieldError::new(
                            format!("scopes[{i}]"),
                            "unknown",
                            format!("Unknown scope {scope:?}; known scopes: {}.", SCOPES.join(", ")),
                        ));
                    }
                }
                if !TIERS.iter().any(|(t, _, _)| *t == input.tier) {
                    errors.push(FieldError::new(
                        "tier",
                        "unknown",
                        "The tier is basic, standard or premium.",
                    ));
                }
                if !errors.is_empty() {
                    return Err(AppError::Validation(errors));
                }
                let key = secret_token(KEY_PREFIX);
                let mut scopes = input.scopes.clone();
                scopes.sort();
                scopes.dedup();
                c.transaction(|c| {
                    let id = q::insert_key(
                        c,
                        &NewApiKey {
                            name: name.clone(),
                            prefix: key[..KEY_PREFIX.len() + 6].to_owned(),
                            key_hash: sha256_hex(&key),
                            scopes: scopes.join(","),
                            tier: input.tier.clone(),
                            created_by: Some(me.id),
                            created_at: now,
                        },
                    )?;
                    record(
                        c,
                        &me.who(),
                        "key.create",
                        &format!("key:{id}"),
                        &format!("{name}: {}", scopes.join(" ")),
                        now,
                    )?;
                    let row = q::list_keys(c)?
                        .into_iter()
                        .find(|k| k.id == id)
                        .ok_or_else(|| AppError::internal(anyhow::anyhow!("key vanished")))?;
                    Ok(CreatedApiKey {
                        key: key.clone(),
                        api_key: view(row),
                    })
                })
            })
            .await
    }

    pub async fn keys(&self, actor: &crate::auth::Actor) -> Result<Vec<ApiKeyView>, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        self.db
            .run(move |c| {
                this.current_in(c, &actor, Role::Admin)?;
                Ok(q::list_keys(c)?.into_iter().map(view).collect())
            })
            .await
    }

    pub async fn revoke_key(&self, actor: &crate::auth::Actor, id: i64) -> Result<(), AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        let now = self.now();
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Admin)?;
                c.transaction(|c| {
                    if q::revoke_key(c, id, now)? == 0 {
                        return Err(AppError::not_found("active key", format!("with id {id}")));
                    }
                    record(c, &me.who(), "key.revoke", &format!("key:{id}"), "revoked", now)
                })
            })
            .await?;
        self.keys.invalidate_all();
        Ok(())
    }

    /// The partner behind a presented key, if it is valid and not revoked.
    pub async fn authenticate_key(&self, raw: &str) -> Result<Option<ApiKeyPrincipal>, AppError> {
        let hash = sha256_hex(raw);
        if let Some(found) = self.keys.get(&hash) {
            return Ok(found);
        }
        let lookup = hash.clone();
        let found = self
            .db
            .run(move |c| {
                Ok(q::key_by_hash(c, &lookup)?
                    .filter(|k| k.revoked_at.is_none())
                    .map(|k| ApiKeyPrincipal {
                        id: k.id,
                        name: k.name,
                        scopes: k
                            .scopes
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect(),
                        tier: k.tier,
                    }))
            })
            .await?;
        self.keys.insert(hash, found.clone());
        Ok(found)
    }
}
