//! The caller behind a request, resolved once by the gate middleware (`http::gate`) and read
//! by handlers through the `Actor` extractor.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};

use super::Role;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPrincipal {
    pub id: i64,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyPrincipal {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub tier: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Actor {
    #[default]
    Anonymous,
    /// A signed-in user (access token).
    User(UserPrincipal),
    /// A partner presenting an API key.
    Key(ApiKeyPrincipal),
}

/// What the gate found: an actor, or credentials that were presented but are not valid.
#[derive(Debug, Clone)]
pub enum Resolved {
    Actor(Actor),
    Invalid(String),
}

impl Actor {
    pub fn has_scope(&self, scope: &str) -> bool {
        matches!(self, Actor::Key(k) if k.scopes.iter().any(|s| s == scope))
    }

    pub fn user(&self) -> Result<&UserPrincipal, AppError> {
        match self {
            Actor::User(u) => Ok(u),
            Actor::Key(_) => Err(AppError::forbidden("partner keys cannot use the editorial API")),
            Actor::Anonymous => Err(AppError::unauthenticated(
                "sign in: send an access token as `Authorization: Bearer`",
            )),
        }
    }

    /// The signed-in user, if their role is at least `role`.
    pub fn require(&self, role: Role) -> Result<&UserPrincipal, AppError> {
        let user = self.user()?;
        if user.role >= role {
            Ok(user)
        } else {
            Err(AppError::forbidden(format!(
                "this needs the {role} role or higher; you are {}",
                user.role
            )))
        }
    }
}

impl FromRequest for Actor {
    type Error = AppError;
    type Future = Ready<Result<Actor, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(match req.extensions().get::<Resolved>() {
            Some(Resolved::Actor(actor)) => Ok(actor.clone()),
            Some(Resolved::Invalid(why)) => Err(AppError::unauthenticated(why.clone())),
            None => Ok(Actor::Anonymous),
        })
    }
}
