//! Who is calling: roles, the actor behind a request, passwords and tokens.

mod actor;
pub mod keys;
pub mod password;
pub mod tokens;

pub use actor::{Actor, ApiKeyPrincipal, Resolved, UserPrincipal};
pub use tokens::{Claims, TokenKeys};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Editorial roles, from least to most: each can do what the ones before it can.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    async_graphql::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Writes their own drafts.
    Contributor,
    /// Moderates reader comments.
    Moderator,
    /// Writes and publishes their own articles.
    Author,
    /// Everything about content: all articles, sections, tags, authors, media.
    Editor,
    /// Also users, partner keys and the audit log.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Contributor,
        Role::Moderator,
        Role::Author,
        Role::Editor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Moderator => "moderator",
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Scopes a partner key can carry.
pub const SCOPES: [&str; 2] = ["content:read", "feeds:full"];

/// Rate-limit tiers of partner keys: requests per second and burst.
pub const TIERS: [(&str, u32, u32); 3] = [("basic", 10, 20), ("standard", 50, 100), ("premium", 200, 400)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_from_least_to_most() {
        assert!(Role::Contributor < Role::Moderator);
        assert!(Role::Moderator < Role::Author);
        assert!(Role::Author < Role::Editor);
        assert!(Role::Editor < Role::Admin);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
