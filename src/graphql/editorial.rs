//! The editorial API over GraphQL: the same service calls as `/v1/editor/*` and `/v1/auth/*`.

use async_graphql::{Context, ErrorExtensions, ID, Json, Object, Result, SimpleObject};

use super::scalars::DateTimeUtc;
use super::types::{Article, Author, CorrectionNote, Section, Tag};
use crate::auth::Actor;
use crate::content::Block;
use crate::error::AppError;
use crate::service::editorial::views::{
    ApiKeyView, CreatedApiKey, EditorArticle, MediaView, TokenPair, UserView,
};
use crate::service::editorial::{
    ApiKeyInput, ArticleInput, AuthorInput, EditorialFilter, EditorialService, LoginInput, MediaInput,
    NewUserInput, PublishInput, RefreshInput, SectionInput, TagInput, UserUpdate,
};
use crate::service::views::{Byline, Media};
use crate::service::webhooks::{
    CreatedWebhook, DeliveryPage, DeliveryView, WebhookInput, WebhookUpdate, WebhookView,
};

fn editorial<'a>(ctx: &Context<'a>) -> &'a EditorialService {
    ctx.data_unchecked::<EditorialService>()
}

fn actor<'a>(ctx: &Context<'a>) -> &'a Actor {
    ctx.data_opt::<Actor>().unwrap_or(&Actor::Anonymous)
}

fn gql(e: AppError) -> async_graphql::Error {
    e.extend()
}

fn id_of(id: &ID, name: &str) -> Result<i64> {
    id.parse::<i64>()
        .map_err(|_| gql(AppError::invalid(name, format!("{:?} is not an id", id.0))))
}

/// An article as the CMS sees it, in any status.
pub struct EditorArticleObject(EditorArticle);

#[Object(name = "EditorArticle")]
impl EditorArticleObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// DRAFT, SCHEDULED, PUBLISHED or ARCHIVED, in lower case.
    async fn status(&self) -> &str {
        self.0.status.as_str()
    }
    /// Pass it back as `version` to update.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn subtitle(&self) -> &str {
        &self.0.subtitle
    }
    async fn dateline(&self) -> &str {
        &self.0.dateline
    }
    async fn excerpt(&self) -> &str {
        &self.0.excerpt
    }
    async fn published_at(&self) -> Option<DateTimeUtc> {
        self.0.published_at.map(DateTimeUtc)
    }
    async fn created_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.updated_at)
    }
    /// Slug of the primary section.
    async fn section(&self) -> Option<&str> {
        self.0.section.as_ref().map(|s| s.slug.as_str())
    }
    /// Slugs of secondary sections.
    async fn sections(&self) -> Vec<&str> {
        self.0.sections.iter().map(|s| s.slug.as_str()).collect()
    }
    /// Tag slugs.
    async fn tags(&self) -> Vec<&str> {
        self.0.tags.iter().map(|t| t.slug.as_str()).collect()
    }
    async fn authors(&self) -> &[Byline] {
        &self.0.authors
    }
    async fn featured_media(&self) -> Option<&Media> {
        self.0.featured_media.as_ref()
    }
    async fn canonical_url(&self) -> Option<&str> {
        self.0.canonical_url.as_deref()
    }
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn comment_status(&self) -> &str {
        self.0.comment_status.as_str()
    }
    /// Slugs of the articles pinned at the top of its related list, in order.
    async fn related(&self) -> &[String] {
        &self.0.related
    }
    async fn corrections(&self) -> Vec<CorrectionNote> {
        self.0.corrections.iter().cloned().map(CorrectionNote).collect()
    }
    async fn word_count(&self) -> i32 {
        self.0.word_count
    }
    async fn body(&self) -> Json<Vec<Block>> {
        Json(self.0.body.clone())
    }
    async fn created_by(&self) -> Option<ID> {
        self.0.created_by.map(|id| ID(id.to_string()))
    }
}

#[derive(SimpleObject)]
pub struct EditorArticlePage {
    items: Vec<EditorArticleObject>,
    next_cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct Revision {
    version: i32,
    created_at: DateTimeUtc,
    actor_id: Option<ID>,
    summary: String,
    content: Json<serde_json::Value>,
}

#[derive(SimpleObject)]
pub struct Tokens {
    access_token: String,
    token_type: String,
    expires_in: i64,
    refresh_token: String,
    user: UserView,
}

impl From<TokenPair> for Tokens {
    fn from(p: TokenPair) -> Tokens {
        Tokens {
            access_token: p.access_token,
            token_type: p.token_type,
            expires_in: p.expires_in,
            refresh_token: p.refresh_token,
            user: p.user,
        }
    }
}

#[derive(SimpleObject)]
pub struct PreviewLinkObject {
    token: String,
    url: String,
    expires_at: DateTimeUtc,
}

#[derive(SimpleObject)]
pub struct AuditEntryObject {
    id: ID,
    at: DateTimeUtc,
    actor: String,
    action: String,
    target: String,
    summary: String,
}

#[derive(SimpleObject)]
pub struct AuditPageObject {
    items: Vec<AuditEntryObject>,
    next_before: Option<ID>,
}

#[derive(Default)]
pub struct EditorialQuery;

#[Object]
impl EditorialQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> Result<UserView> {
        editorial(ctx).me(actor(ctx)).await.map_err(gql)
    }

    /// Articles in every status, newest change first (contributors see their own).
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn editor_articles(
        &self,
        ctx: &Context<'_>,
        status: Option<String>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<EditorArticlePage> {
        let filter = EditorialFilter {
            status,
            search,
            limit: first.map(i64::from),
            cursor: after,
        };
        let page = editorial(ctx)
            .editor_articles(actor(ctx), filter)
            .await
            .map_err(gql)?;
        Ok(EditorArticlePage {
            items: page.items.into_iter().map(EditorArticleObject).collect(),
            next_cursor: page.next_cursor,
        })
    }

    async fn editor_article(&self, ctx: &Context<'_>, id: ID) -> Result<EditorArticleObject> {
        let id = id_of(&id, "id")?;
        editorial(ctx)
            .editor_article(actor(ctx), id)
            .await
            .map(EditorArticleObject)
            .map_err(gql)
    }

    /// Saved versions of an article, newest first.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn revisions(&self, ctx: &Context<'_>, article_id: ID) -> Result<Vec<Revision>> {
        let id = id_of(&article_id, "articleId")?;
        let list = editorial(ctx).revisions(actor(ctx), id).await.map_err(gql)?;
        Ok(list
            .into_iter()
            .map(|r| Revision {
                version: r.version,
                created_at: DateTimeUtc(r.created_at),
                actor_id: r.actor_id.map(|a| ID(a.to_string())),
                summary: r.summary,
                content: Json(r.content),
            })
            .collect())
    }

    /// An article as it will look, for whoever holds a preview token.
    async fn preview(&self, ctx: &Context<'_>, token: String) -> Result<Article> {
        let article = editorial(ctx)
            .preview(&token, crate::content::BodyFormat::Blocks)
            .await
            .map_err(gql)?;
        Ok(Article::Full(std::sync::Arc::new(article)))
    }

    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<UserView>> {
        editorial(ctx).users(actor(ctx)).await.map_err(gql)
    }

    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Vec<ApiKeyView>> {
        editorial(ctx).keys(actor(ctx)).await.map_err(gql)
    }

    /// Every editorial action, newest first (admins).
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 50, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        before: Option<ID>,
        first: Option<i32>,
    ) -> Result<AuditPageObject> {
        let before = before.as_ref().map(|b| id_of(b, "before")).transpose()?;
        let page = editorial(ctx)
            .audit_log(actor(ctx), before, first.map_or(20, i64::from))
            .await
            .map_err(gql)?;
        Ok(AuditPageObject {
            items: page
                .items
                .into_iter()
                .map(|e| AuditEntryObject {
                    id: ID(e.id.to_string()),
                    at: DateTimeUtc(e.at),
                    actor: e.actor,
                    action: e.action,
                    target: e.target,
                    summary: e.summary,
                })
                .collect(),
            next_before: page.next_before.map(|b| ID(b.to_string())),
        })
    }

    /// Webhook endpoints (admins).
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<WebhookView>> {
        editorial(ctx).webhooks(actor(ctx)).await.map_err(gql)
    }

    async fn webhook(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookView> {
        let id = id_of(&id, "id")?;
        editorial(ctx).webhook(actor(ctx), id).await.map_err(gql)
    }

    /// An endpoint's deliveries, newest first (admins).
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        webhook: ID,
        before: Option<ID>,
        first: Option<i32>,
    ) -> Result<DeliveryPage> {
        let webhook = id_of(&webhook, "webhook")?;
        let before = before.as_ref().map(|b| id_of(b, "before")).transpose()?;
        editorial(ctx)
            .webhook_deliveries(actor(ctx), webhook, before, first.map_or(20, i64::from))
            .await
            .map_err(gql)
    }
}

#[async_graphql::ComplexObject]
impl WebhookView {
    async fn failing_since(&self) -> Option<DateTimeUtc> {
        self.failing_since.map(DateTimeUtc)
    }

    async fn created_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.created_at)
    }

    async fn updated_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.updated_at)
    }
}

/// Where a webhook delivery stands.
#[derive(Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum WebhookDeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// An attempt was answered with a 2xx.
    Delivered,
    /// Given up after failing for the retry period; it can be redelivered.
    Failed,
}

#[async_graphql::ComplexObject]
impl DeliveryView {
    async fn status(&self) -> WebhookDeliveryStatus {
        use crate::content::status::DeliveryStatus as S;
        match self.status {
            S::Pending => WebhookDeliveryStatus::Pending,
            S::Delivered => WebhookDeliveryStatus::Delivered,
            S::Failed => WebhookDeliveryStatus::Failed,
        }
    }

    async fn next_attempt_at(&self) -> Option<DateTimeUtc> {
        self.next_attempt_at.map(DateTimeUtc)
    }

    async fn created_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.created_at)
    }

    async fn finished_at(&self) -> Option<DateTimeUtc> {
        self.finished_at.map(DateTimeUtc)
    }

    /// The body sent: `{type, timestamp, data}`.
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.payload.clone())
    }
}

#[derive(Default)]
pub struct EditorialMutation;

#[Object]
impl EditorialMutation {
    /// Sign in; send the access token as `Authorization: Bearer` afterwards.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> Result<Tokens> {
        let ip = ctx.data_opt::<ClientAddress>().map(|a| a.0.clone());
        editorial(ctx)
            .login(LoginInput { email, password }, ip)
            .await
            .map(Tokens::from)
            .map_err(gql)
    }

    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<Tokens> {
        editorial(ctx)
            .refresh(RefreshInput { refresh_token })
            .await
            .map(Tokens::from)
            .map_err(gql)
    }

    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        editorial(ctx)
            .logout(RefreshInput { refresh_token })
            .await
            .map_err(gql)?;
        Ok(true)
    }

    async fn create_article(&self, ctx: &Context<'_>, input: ArticleInput) -> Result<EditorArticleObject> {
        editorial(ctx)
            .create_article(actor(ctx), input)
            .await
            .map(EditorArticleObject)
            .map_err(gql)
    }

    /// Pass the `version` you edited: if someone saved since, you get a CONFLICT error.
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ArticleInput,
        version: Option<i32>,
    ) -> Result<EditorArticleObject> {
        let id = id_of(&id, "id")?;
        editorial(ctx)
            .update_article(actor(ctx), id, version, input)
            .await
            .map(EditorArticleObject)
            .map_err(gql)
    }

    async fn delete_article(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = id_of(&id, "id")?;
        editorial(ctx).delete_article(actor(ctx), id).await.map_err(gql)?;
        Ok(true)
    }

    /// Publish now, or schedule with a future `publishedAt`; `breaking` marks breaking news
    /// in its event and webhook.
    async fn publish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
        published_at: Option<DateTimeUtc>,
        #[graphql(default)] breaking: bool,
    ) -> Result<EditorArticleObject> {
        let id = id_of(&id, "id")?;
        let input = PublishInput {
            published_at: published_at.map(|t| t.0),
            breaking,
        };
        editorial(ctx)
            .publish(actor(ctx), id, version, input)
            .await
            .map(EditorArticleObject)
            .map_err(gql)
    }

    async fn unpublish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> Result<EditorArticleObject> {
        let id = id_of(&id, "id")?;
        editorial(ctx)
            .unpublish(actor(ctx), id, version)
            .await
            .map(EditorArticleObject)
            .map_err(gql)
    }

    async fn archive_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> Result<EditorArticleObject> {
        let id = id_of(&id, "id")?;
        editorial(ctx)
            .archive(actor(ctx), id, version)
            .await
            .map(EditorArticleObject)
            .map_err(gql)
    }

    async fn add_correction(&self, ctx: &Context<'_>, id: ID, note: String) -> Result<EditorArticleObject> {
        let id = id_of(&id, "id")?;
        editorial(ctx)
            .add_correction(actor(ctx), id, note)
            .await
            .map(EditorArticleObject)
            .map_err(gql)
    }

    async fn restore_revision(
        &self,
        ctx: &Context<'_>,
        id: ID,
        from_version: i32,
        version: Option<i32>,
    ) -> Result<EditorArticleObject> {
        let id = id_of(&id, "id")?;
        editorial(ctx)
            .restore_revision(actor(ctx), id, from_version, version)
            .await
            .map(EditorArticleObject)
            .map_err(gql)
    }

    async fn create_preview_token(&self, ctx: &Context<'_>, id: ID) -> Result<PreviewLinkObject> {
        let id = id_of(&id, "id")?;
        let link = editorial(ctx).preview_link(actor(ctx), id).await.map_err(gql)?;
        Ok(PreviewLinkObject {
            token: link.token,
            url: link.url,
            expires_at: DateTimeUtc(link.expires_at),
        })
    }

    async fn create_section(&self, ctx: &Context<'_>, input: SectionInput) -> Result<Section> {
        self.save_section(ctx, None, input).await
    }

    async fn update_section(&self, ctx: &Context<'_>, id: ID, input: SectionInput) -> Result<Section> {
        let id = id_of(&id, "id")?;
        self.save_section(ctx, Some(id), input).await
    }

    async fn delete_section(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = id_of(&id, "id")?;
        editorial(ctx).delete_section(actor(ctx), id).await.map_err(gql)?;
        Ok(true)
    }

    async fn create_tag(&self, ctx: &Context<'_>, input: TagInput) -> Result<Tag> {
        let t = editorial(ctx)
            .save_tag(actor(ctx), None, input)
            .await
            .map_err(gql)?;
        Ok(Tag::from(t))
    }

    async fn update_tag(&self, ctx: &Context<'_>, id: ID, input: TagInput) -> Result<Tag> {
        let id = id_of(&id, "id")?;
        let t = editorial(ctx)
            .save_tag(actor(ctx), Some(id), input)
            .await
            .map_err(gql)?;
        Ok(Tag::from(t))
    }

    async fn delete_tag(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = id_of(&id, "id")?;
        editorial(ctx).delete_tag(actor(ctx), id).await.map_err(gql)?;
        Ok(true)
    }

    async fn create_author(&self, ctx: &Context<'_>, input: AuthorInput) -> Result<Author> {
        self.save_author(ctx, None, input).await
    }

    async fn update_author(&self, ctx: &Context<'_>, id: ID, input: AuthorInput) -> Result<Author> {
        let id = id_of(&id, "id")?;
        self.save_author(ctx, Some(id), input).await
    }

    async fn delete_author(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = id_of(&id, "id")?;
        editorial(ctx).delete_author(actor(ctx), id).await.map_err(gql)?;
        Ok(true)
    }

    async fn create_media(&self, ctx: &Context<'_>, input: MediaInput) -> Result<MediaView> {
        editorial(ctx)
            .save_media(actor(ctx), None, input)
            .await
            .map_err(gql)
    }

    async fn update_media(&self, ctx: &Context<'_>, id: ID, input: MediaInput) -> Result<MediaView> {
        let id = id_of(&id, "id")?;
        editorial(ctx)
            .save_media(actor(ctx), Some(id), input)
            .await
            .map_err(gql)
    }

    async fn delete_media(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = id_of(&id, "id")?;
        editorial(ctx).delete_media(actor(ctx), id).await.map_err(gql)?;
        Ok(true)
    }

    async fn create_user(&self, ctx: &Context<'_>, input: NewUserInput) -> Result<UserView> {
        editorial(ctx).create_user(actor(ctx), input).await.map_err(gql)
    }

    async fn update_user(&self, ctx: &Context<'_>, id: ID, input: UserUpdate) -> Result<UserView> {
        let id = id_of(&id, "id")?;
        editorial(ctx)
            .update_user(actor(ctx), id, input)
            .await
            .map_err(gql)
    }

    /// The answer holds the key, shown this once.
    async fn create_api_key(&self, ctx: &Context<'_>, input: ApiKeyInput) -> Result<CreatedApiKey> {
        editorial(ctx).create_key(actor(ctx), input).await.map_err(gql)
    }

    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = id_of(&id, "id")?;
        editorial(ctx).revoke_key(actor(ctx), id).await.map_err(gql)?;
        Ok(true)
    }

    /// Registers a webhook endpoint; the answer holds its signing secret, shown this once.
    async fn create_webhook(&self, ctx: &Context<'_>, input: WebhookInput) -> Result<CreatedWebhook> {
        editorial(ctx)
            .create_webhook(actor(ctx), input)
            .await
            .map_err(gql)
    }

    async fn update_webhook(&self, ctx: &Context<'_>, id: ID, input: WebhookUpdate) -> Result<WebhookView> {
        let id = id_of(&id, "id")?;
        editorial(ctx)
            .update_webhook(actor(ctx), id, input)
            .await
            .map_err(gql)
    }

    async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = id_of(&id, "id")?;
        editorial(ctx).delete_webhook(actor(ctx), id).await.map_err(gql)?;
        Ok(true)
    }

    /// A new signing secret, shown this once.
    async fn rotate_webhook_secret(&self, ctx: &Context<'_>, id: ID) -> Result<CreatedWebhook> {
        let id = id_of(&id, "id")?;
        editorial(ctx)
            .rotate_webhook_secret(actor(ctx), id)
            .await
            .map_err(gql)
    }

    /// Sends a delivery again now, with the same message id.
    async fn redeliver_webhook(&self, ctx: &Context<'_>, webhook: ID, delivery: ID) -> Result<DeliveryView> {
        let webhook = id_of(&webhook, "webhook")?;
        let delivery = id_of(&delivery, "delivery")?;
        editorial(ctx)
            .redeliver(actor(ctx), webhook, delivery)
            .await
            .map_err(gql)
    }
}

impl EditorialMutation {
    async fn save_section(&self, ctx: &Context<'_>, id: Option<i64>, input: SectionInput) -> Result<Section> {
        let s = editorial(ctx)
            .save_section(actor(ctx), id, input)
            .await
            .map_err(gql)?;
        // The write cleared the cached tree: this is the section as saved.
        let tree = super::types::content(ctx).section_tree().await.map_err(gql)?;
        let row = tree
            .get(s.id)
            .cloned()
            .ok_or_else(|| gql(AppError::not_found("section", s.id)))?;
        Ok(Section(row))
    }

    async fn save_author(&self, ctx: &Context<'_>, id: Option<i64>, input: AuthorInput) -> Result<Author> {
        let a = editorial(ctx)
            .save_author(actor(ctx), id, input)
            .await
            .map_err(gql)?;
        Ok(Author(a))
    }
}

/// The caller's address, for per-address sign-in limits.
pub struct ClientAddress(pub String);
