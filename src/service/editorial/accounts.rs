//! Users, sign-in, token refresh and sign-out.

use chrono::Duration as ChronoDuration;
use serde::Deserialize;
use utoipa::ToSchema;

use super::audit::{Who, record};
use super::views::{TokenPair, UserView};
use super::{EditorialService, rate_limited, secret_token, sha256_hex};
use crate::auth::{Actor, Role, password};
use crate::db::DbConn;
use crate::db::accounts::{self as q, NewRefresh, NewUser, UserChanges, UserRow};
use crate::db::editorial as ed;
use crate::error::{AppError, FieldError};
use crate::service::utc;

#[derive(Debug, Clone, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
    /// Slug of the author profile this user writes as.
    #[serde(default)]
    pub author: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// Slug of an author profile; an empty string unlinks.
    pub author: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshInput {
    pub refresh_token: String,
}

/// The signed-in user as the database has them now (role changes and disabling apply at
/// once, whatever the access token says).
pub(super) struct Current {
    pub id: i64,
    pub role: Role,
    pub email: String,
    pub author_id: Option<i64>,
}

impl Current {
    pub fn who(&self) -> Who {
        Who::user(self.id, &self.email)
    }
}

fn user_view(c: &mut DbConn, row: UserRow) -> Result<UserView, AppError> {
    let author = match row.author_id {
        Some(id) => ed::author_slug(c, id)?,
        None => None,
    };
    Ok(UserView {
        id: row.id,
        role: Role::parse(&row.role).unwrap_or(Role::Contributor),
        email: row.email,
        display_name: row.display_name,
        author,
        disabled: row.disabled,
        created_at: utc(row.created_at),
    })
}

fn normalise_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && email.matches('@').count() == 1
        }
        None => false,
    }
}

fn check_password(errors: &mut Vec<FieldError>, password: &str) {
    if password.chars().count() < password::MIN_LENGTH {
        errors.push(FieldError::new(
            "password",
            "too_short",
            format!("The password needs at least {} characters.", password::MIN_LENGTH),
        ));
    }
}

fn resolve_author(c: &mut DbConn, errors: &mut Vec<FieldError>, slug: &str) -> Result<Option<i64>, AppError> {
    if slug.is_empty() {
        return Ok(None);
    }
    let found = ed::author_ids_by_slug(c, &[slug.to_owned()])?;
    match found.first() {
        Some((_, id)) => Ok(Some(*id)),
        None => {
            errors.push(FieldError::new(
                "author",
                "unknown",
                format!("There is no author with slug {slug:?}."),
            ));
            Ok(None)
        }
    }
}

/// Creates a user; shared by the admin API and `masthead user create`.
pub(super) fn create_user_in(
    c: &mut DbConn,
    who: &Who,
    input: NewUserInput,
    now: chrono::NaiveDateTime,
) -> Result<UserView, AppError> {
    let mut errors = Vec::new();
    let email = normalise_email(&input.email);
    if !valid_email(&email) {
        errors.push(FieldError::new(
            "email",
            "invalid",
            "Enter an email address such as name@example.org.",
        ));
    } else if q::user_by_email(c, &email)?.is_some() {
        errors.push(FieldError::new(
            "email",
            "taken",
            "A user with this email already exists.",
        ));
    }
    let name = input.display_name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new(
            "display_name",
            "length",
            "Give a name of 1 to 100 characters.",
        ));
    }
    check_password(&mut errors, &input.password);
    let author_id = resolve_author(c, &mut errors, input.author.as_deref().unwrap_or(""))?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let id = q::insert_user(
        c,
        &NewUser {
            email: email.clone(),
            display_name: name,
            role: input.role.as_str().to_owned(),
            author_id,
            password_hash: password::hash(&input.password),
            disabled: false,
            created_at: now,
            updated_at: now,
        },
    )?;
    record(
        c,
        who,
        "user.create",
        &format!("user:{id}"),
        &format!("created {email} as {}", input.role),
        now,
    )?;
    let row = q::user_by_id(c, id)?.ok_or_else(|| AppError::internal(anyhow::anyhow!("user vanished")))?;
    user_view(c, row)
}

impl EditorialService {
    /// The signed-in user, re-read from the database; disabled users are refused.
    pub(super) fn current_in(
        &self,
        c: &mut DbConn,
        actor: &Actor,
        at_least: Role,
    ) -> Result<Current, AppError> {
        let claimed = actor.user()?;
        let row = q::user_by_id(c, claimed.id)?
            .filter(|u| !u.disabled)
            .ok_or_else(|| AppError::unauthenticated("this account is disabled or no longer exists"))?;
        let role = Role::parse(&row.role).unwrap_or(Role::Contributor);
        if role < at_least {
            return Err(AppError::forbidden(format!(
                "this needs the {at_least} role or higher; you are {role}"
            )));
        }
        Ok(Current {
            id: row.id,
            role,
            email: row.email,
            author_id: row.author_id,
        })
    }

    pub async fn create_user(&self, actor: &Actor, input: NewUserInput) -> Result<UserView, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        let now = self.now();
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Admin)?;
                c.transaction(|c| create_user_in(c, &me.who(), input, now))
            })
            .await
    }

    /// For the command line, which runs as the operator of the machine.
    pub fn create_user_offline(&self, input: NewUserInput) -> Result<UserView, AppError> {
        let now = self.now();
        self.db
            .run_blocking(|c| c.transaction(|c| create_user_in(c, &Who::system(), input, now)))
    }

    pub async fn me(&self, actor: &Actor) -> Result<UserView, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                let row =
                    q::user_by_id(c, me.id)?.ok_or_else(|| AppError::unauthenticated("no such user"))?;
                user_view(c, row)
            })
            .await
    }

    pub async fn users(&self, actor: &Actor) -> Result<Vec<UserView>, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        self.db
            .run(move |c| {
                this.current_in(c, &actor, Role::Admin)?;
                q::list_users(c)?.into_iter().map(|u| user_view(c, u)).collect()
            })
            .await
    }

    pub fn users_offline(&self) -> Result<Vec<UserView>, AppError> {
        self.db
            .run_blocking(|c| q::list_users(c)?.into_iter().map(|u| user_view(c, u)).collect())
    }

    pub async fn update_user(&self, actor: &Actor, id: i64, input: UserUpdate) -> Result<UserView, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        let now = self.now();
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Admin)?;
                c.transaction(|c| update_user_in(c, &me.who(), id, input, now, Guard::LastAdmin))
            })
            .await
    }

    pub fn update_user_offline(&self, email: &str, input: UserUpdate) -> Result<UserView, AppError> {
        let now = self.now();
        let email = normalise_email(email);
        self.db.run_blocking(|c| {
            c.transaction(|c| {
                let user = q::user_by_email(c, &email)?
                    .ok_or_else(|| AppError::not_found("user", format!("with email {email:?}")))?;
                update_user_in(c, &Who::system(), user.id, input, now, Guard::None)
            })
        })
    }

    /// Trades an email and password for tokens. A wrong email and a wrong password take the
    /// same time and get the same answer.
    pub async fn login(&self, input: LoginInput, ip: Option<String>) -> Result<TokenPair, AppError> {
        let email = normalise_email(&input.email);
        rate_limited(&self.login_by_account, email.clone())?;
        if let Some(ip) = ip {
            rate_limited(&self.login_by_ip, ip)?;
        }
        let this = self.clone();
        let now = self.now();
        self.db
            .run(move |c| {
                let user = q::user_by_email(c, &email)?;
                let ok = match &user {
                    Some(u) => password::verify(&input.password, &u.password_hash) && !u.disabled,
                    None => {
                        password::verify_nobody(&input.password);
                        false
                    }
                };
                let user = match (ok, user) {
                    (true, Some(u)) => u,
                    _ => return Err(AppError::unauthenticated("wrong email or password")),
                };
                c.transaction(|c| {
                    let pair = this.issue_pair(c, user.clone(), &super::tokens_family(), now)?;
                    record(
                        c,
                        &Who::user(user.id, &user.email),
                        "auth.login",
                        &format!("user:{}", user.id),
                        "signed in",
                        now,
                    )?;
                    Ok(pair)
                })
            })
            .await
    }

    /// Rotates a refresh token: the old one stops working, and presenting a spent one again
    /// revokes the whole chain (someone else may hold a copy).
    pub async fn refresh(&self, input: RefreshInput) -> Result<TokenPair, AppError> {
        let this = self.clone();
        let now = self.now();
        let hash = sha256_hex(&input.refresh_token);
        let outcome = self
            .db
            .run(move |c| {
                let refused =
                    || AppError::unauthenticated("the refresh token is invalid, expired or revoked");
                let Some(row) = q::refresh_by_hash(c, &hash)? else {
                    return Err(refused());
                };
                if row.revoked_at.is_some() || row.expires_at <= now {
                    return Err(refused());
                }
                if row.spent_at.is_some() || !q::spend_refresh(c, row.id, now)? {
                    q::revoke_family(c, &row.family, now)?;
                    return Ok(Err(row.user_id));
                }
                let user = q::user_by_id(c, row.user_id)?
                    .filter(|u| !u.disabled)
                    .ok_or_else(refused)?;
                c.transaction(|c| this.issue_pair(c, user, &row.family, now))
                    .map(Ok)
            })
            .await?;
        outcome.map_err(|user_id| {
            tracing::warn!(
                user_id,
                "a spent refresh token was presented again; its chain is revoked"
            );
            AppError::unauthenticated("the refresh token was already used; sign in again")
        })
    }

    /// Revokes the chain the refresh token belongs to.
    pub async fn logout(&self, input: RefreshInput) -> Result<(), AppError> {
        let now = self.now();
        let hash = sha256_hex(&input.refresh_token);
        self.db
            .run(move |c| {
                if let Some(row) = q::refresh_by_hash(c, &hash)? {
                    q::revoke_family(c, &row.family, now)?;
                    let who = q::user_by_id(c, row.user_id)?
                        .map(|u| Who::user(u.id, &u.email))
                        .unwrap_or_else(Who::system);
                    record(
                        c,
                        &who,
                        "auth.logout",
                        &format!("user:{}", row.user_id),
                        "signed out",
                        now,
                    )?;
                }
                Ok(())
            })
            .await
    }

    fn issue_pair(
        &self,
        c: &mut DbConn,
        user: UserRow,
        family: &str,
        now: chrono::NaiveDateTime,
    ) -> Result<TokenPair, AppError> {
        let role = Role::parse(&user.role).unwrap_or(Role::Contributor);
        let (access_token, expires_in) = self.tokens.issue_access(user.id, role)?;
        let refresh_token = secret_token("mhr_");
        let ttl = ChronoDuration::from_std(self.settings.refresh_ttl).unwrap_or(ChronoDuration::days(30));
        q::insert_refresh(
            c,
            &NewRefresh {
                user_id: user.id,
                token_hash: sha256_hex(&refresh_token),
                family: family.to_owned(),
                issued_at: now,
                expires_at: now + ttl,
            },
        )?;
        Ok(TokenPair {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
            refresh_token,
            user: user_view(c, user)?,
        })
    }
}

/// Whether a change may leave the newsroom without an active admin: over the API it may
/// not, since nobody could then manage users; the operator's command line may, being how
/// such a newsroom is recovered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Guard {
    LastAdmin,
    None,
}

fn update_user_in(
    c: &mut DbConn,
    who: &Who,
    id: i64,
    input: UserUpdate,
    now: chrono::NaiveDateTime,
    guard: Guard,
) -> Result<UserView, AppError> {
    let before = q::user_by_id(c, id)?.ok_or_else(|| AppError::not_found("user", format!("with id {id}")))?;
    let mut errors = Vec::new();
    let mut changes = UserChanges {
        updated_at: Some(now),
        ..Default::default()
    };
    if let Some(name) = input.display_name {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(FieldError::new(
                "display_name",
                "length",
                "Give a name of 1 to 100 characters.",
            ));
        }
        changes.display_name = Some(name);
    }
    if let Some(password) = input.password {
        check_password(&mut errors, &password);
        changes.password_hash = Some(password::hash(&password));
    }
    if let Some(author) = input.author {
        changes.author_id = Some(resolve_author(c, &mut errors, author.trim())?);
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let stops_administering = input.disabled == Some(true) || input.role.is_some_and(|r| r != Role::Admin);
    if guard == Guard::LastAdmin
        && before.role == Role::Admin.as_str()
        && !before.disabled
        && stops_administering
        && q::active_admins(c)? <= 1
    {
        return Err(AppError::LastAdmin(format!(
            "{} is the last active admin: make another user admin first, or nobody could \
             manage users and keys any more",
            before.email
        )));
    }
    changes.role = input.role.map(|r| r.as_str().to_owned());
    changes.disabled = input.disabled;
    q::update_user(c, id, &changes)?;
    let mut summary = Vec::new();
    if let Some(role) = input.role {
        summary.push(format!("role {} -> {role}", before.role));
    }
    if let Some(disabled) = input.disabled {
        summary.push(if disabled {
            "disabled".to_owned()
        } else {
            "enabled".to_owned()
        });
        if disabled {
            q::revoke_user_tokens(c, id, now)?;
        }
    }
    if changes.password_hash.is_some() {
        summary.push("password changed".to_owned());
        q::revoke_user_tokens(c, id, now)?;
    }
    let action = if input.role.is_some() {
        "user.role"
    } else {
        "user.update"
    };
    record(
        c,
        who,
        action,
        &format!("user:{id}"),
        &format!("{}: {}", before.email, summary.join(", ")),
        now,
    )?;
    let row = q::user_by_id(c, id)?.ok_or_else(|| AppError::internal(anyhow::anyhow!("user vanished")))?;
    user_view(c, row)
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_syntax() {
        for ok in ["a@b.org", "first.last+tag@news.example.co.uk"] {
            assert!(super::valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.org",
            "a@.org",
            "a@b.",
            "a b@c.org",
            "a@b@c.org",
        ] {
            assert!(!super::valid_email(bad), "{bad}");
        }
    }
}
