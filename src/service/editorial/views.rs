//! What the editorial API returns (REST snake_case; GraphQL exposes the same structs).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Role;
use crate::content::Block;
use crate::content::status::{ArticleStatus, Discussion};
use crate::service::views::{Byline, Correction, Media, SectionRef, TagRef};

#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The author profile this user writes as, if any.
    pub author: Option<String>,
    pub disabled: bool,
    #[graphql(skip)]
    pub created_at: DateTime<Utc>,
}

/// Tokens for a signed-in user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Trade it at `/v1/auth/refresh` for a new pair; it works once.
    pub refresh_token: String,
    pub user: UserView,
}

#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub tier: String,
    #[graphql(skip)]
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

/// A new key; `key` is shown this once and never again.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct CreatedApiKey {
    pub key: String,
    #[serde(flatten)]
    #[graphql(flatten)]
    pub api_key: ApiKeyView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `before` for older entries; null at the oldest.
    pub next_before: Option<i64>,
}

/// An article as the CMS sees it, in any status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EditorArticle {
    pub id: i64,
    pub slug: String,
    /// `draft`, `scheduled`, `published` or `archived`; a published article whose time has
    /// not come yet is `scheduled`.
    pub status: ArticleStatus,
    /// Increases with every save; send it back as `If-Match` to update.
    pub version: i32,
    pub title: String,
    pub subtitle: String,
    pub dateline: String,
    pub excerpt: String,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub section: Option<SectionRef>,
    pub sections: Vec<SectionRef>,
    pub tags: Vec<TagRef>,
    pub authors: Vec<Byline>,
    pub featured_media_id: Option<i64>,
    pub featured_media: Option<Media>,
    pub canonical_url: Option<String>,
    pub language: String,
    pub comment_status: Discussion,
    pub corrections: Vec<Correction>,
    pub word_count: i32,
    pub body: Vec<Block>,
    /// Slugs of the articles pinned at the top of its related list, in order.
    pub related: Vec<String>,
    /// The user who created it.
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EditorArticlePage {
    pub items: Vec<EditorArticle>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionView {
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub summary: String,
    /// The whole article content as saved.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewLink {
    pub token: String,
    /// Path of the preview on this API.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct MediaView {
    pub id: i64,
    pub url: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
}
