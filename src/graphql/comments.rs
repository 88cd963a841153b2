//! The reader comment form and moderation over GraphQL, on the same service calls as
//! `/v1/comment-form`, `/v1/articles/{slug}/comments` and `/v1/editor/comments`.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, Result, SimpleObject};

use super::discovery::ClientInfo;
use super::scalars::DateTimeUtc;
use super::types::loaders;
use crate::auth::Actor;
use crate::service::ArticleLookup;
use crate::service::comments::{Client, CommentForm, CommentService, PublicComment, Submission};
use crate::service::editorial::EditorialService;
use crate::service::editorial::comments::{Action, ModeratedComment, QueueFilter};

fn comments<'a>(ctx: &Context<'a>) -> &'a CommentService {
    ctx.data_unchecked::<CommentService>()
}

/// A published comment. Never carries the commenter's email or address.
pub struct CommentObject(pub PublicComment);

#[Object(name = "Comment")]
impl CommentObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn parent_id(&self) -> Option<ID> {
        self.0.parent_id.map(|p| ID(p.to_string()))
    }
    /// 0 for a top-level comment, 1 for a reply, and so on.
    async fn depth(&self) -> i32 {
        self.0.depth
    }
    async fn author_name(&self) -> &str {
        &self.0.author_name
    }
    async fn author_url(&self) -> Option<&str> {
        self.0.author_url.as_deref()
    }
    /// SHA-256 of the trimmed, lower-cased email, as Gravatar takes it.
    async fn avatar_hash(&self) -> &str {
        &self.0.avatar_hash
    }
    async fn created_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.created_at)
    }
    /// Safe HTML: escaped text in paragraphs, bare links made `nofollow ugc`.
    async fn html(&self) -> &str {
        &self.0.html
    }
    /// The text as written: plain text, escape it before showing.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// Published replies, oldest first.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn replies(&self, ctx: &Context<'_>) -> Result<Vec<CommentObject>> {
        let found = loaders(ctx)
            .replies
            .load_one(self.0.id)
            .await
            .map_err(|e| e.extend())?;
        Ok(found.unwrap_or_default().into_iter().map(CommentObject).collect())
    }
}

/// `Article.comments`: published comments oldest first, a page at a time.
pub async fn article_comments(
    ctx: &Context<'_>,
    article_id: i64,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, CommentObject>> {
    let page = comments(ctx)
        .thread(
            ArticleLookup::Id(article_id),
            crate::service::comments::Threading::TopLevel,
            first.map(i64::from),
            after.as_deref(),
            ("first", "after"),
        )
        .await
        .map_err(|e| e.extend())?;
    let mut conn = Connection::new(after.is_some(), page.next_cursor.is_some());
    let count = page.items.len();
    for (i, c) in page.items.into_iter().enumerate() {
        // Only the last edge's cursor continues the list; the others are its position.
        let cursor = match (&page.next_cursor, i + 1 == count) {
            (Some(next), true) => next.clone(),
            _ => crate::service::comments::cursor_at(&c),
        };
        conn.edges.push(Edge::new(cursor, CommentObject(c)));
    }
    Ok(conn)
}

#[derive(SimpleObject)]
pub struct FieldMessage {
    /// `required`, `too_long` or `invalid`.
    code: String,
    message: String,
}

#[derive(SimpleObject)]
pub struct CommentFormField {
    name: String,
    /// `textarea`, `text`, `email`, `url` or `hidden`.
    r#type: String,
    label: String,
    placeholder: String,
    required: bool,
    max_length: i32,
    messages: Vec<FieldMessage>,
    /// Send this value as it is (the form token); `""` for the honeypot; none for what the
    /// reader types.
    value: Option<String>,
}

pub struct CommentFormObject(CommentForm);

#[Object(name = "CommentForm")]
impl CommentFormObject {
    async fn article_slug(&self) -> &str {
        &self.0.article
    }
    async fn open(&self) -> bool {
        self.0.open
    }
    async fn closes_at(&self) -> Option<DateTimeUtc> {
        self.0.closes_at.map(DateTimeUtc)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn submit_label(&self) -> &str {
        &self.0.submit_label
    }
    async fn closed_message(&self) -> &str {
        &self.0.closed_message
    }
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn fields(&self) -> Vec<CommentFormField> {
        self.0
            .fields
            .iter()
            .map(|f| {
                let mut messages: Vec<FieldMessage> = f
                    .messages
                    .iter()
                    .map(|(code, message)| FieldMessage {
                        code: code.clone(),
                        message: message.clone(),
                    })
                    .collect();
                messages.sort_by(|a, b| a.code.cmp(&b.code));
                CommentFormField {
                    name: f.name.clone(),
                    r#type: f.r#type.clone(),
                    label: f.label.clone(),
                    placeholder: f.placeholder.clone(),
                    required: f.required,
                    max_length: i32::try_from(f.max_length).unwrap_or(i32::MAX),
                    messages,
                    value: f.value.clone(),
                }
            })
            .collect()
    }
    /// Send it back as `formToken`; absent when comments are closed.
    async fn token(&self) -> Option<&str> {
        self.0.token.as_deref()
    }
    /// Render a field of this name hidden and leave it empty (send it as `honeypot`).
    async fn honeypot_field(&self) -> &str {
        &self.0.honeypot_field
    }
    async fn max_depth(&self) -> i32 {
        self.0.max_depth
    }
}

#[derive(InputObject)]
pub struct CommentInput {
    pub comment: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    /// The approved comment this replies to.
    pub parent_id: Option<ID>,
    /// The `token` of the form.
    pub form_token: Option<String>,
    /// The hidden field's value; people leave it empty.
    pub honeypot: Option<String>,
}

#[derive(SimpleObject)]
pub struct CommentAccepted {
    id: ID,
    /// `pending` (awaiting moderation) or `approved` (published).
    status: String,
    message: String,
}

/// Filters of the moderation queue; all given must match.
#[derive(Default, InputObject)]
pub struct ModerationFilter {
    /// pending, approved, spam or trash.
    pub status: Option<String>,
    pub article_slug: Option<String>,
    /// Submitted at or after.
    pub since: Option<DateTimeUtc>,
    /// Submitted before.
    pub until: Option<DateTimeUtc>,
}

#[derive(Default)]
pub struct CommentQuery;

#[Object]
impl CommentQuery {
    /// The comment form of a published article, with a fresh token when it is open.
    /// Never cached: each reader gets a token of their own.
    #[graphql(cache_control(no_cache))]
    async fn comment_form(&self, ctx: &Context<'_>, article_slug: String) -> Result<CommentFormObject> {
        Ok(CommentFormObject(
            comments(ctx).form(&article_slug).await.map_err(|e| e.extend())?,
        ))
    }

    /// The moderation queue, newest first (moderators and up).
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 50, child_complexity)")]
    async fn moderation_queue(
        &self,
        ctx: &Context<'_>,
        filter: Option<ModerationFilter>,
        #[graphql(desc = "1 to 200, default 50.")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<ModerationConnection> {
        let ModerationFilter {
            status,
            article_slug,
            since,
            until,
        } = filter.unwrap_or_default();
        let page = ctx
            .data_unchecked::<EditorialService>()
            .comment_queue(
                actor(ctx),
                QueueFilter {
                    status,
                    article: article_slug,
                    since: since.map(|t| t.0),
                    until: until.map(|t| t.0),
                    limit: first.map(i64::from),
                    cursor: after,
                },
            )
            .await
            .map_err(|e| e.extend())?;
        Ok(ModerationConnection {
            items: page.items.into_iter().map(ModeratedObject).collect(),
            next_cursor: page.next_cursor,
        })
    }
}

fn actor<'a>(ctx: &Context<'a>) -> &'a Actor {
    ctx.data_opt::<Actor>().unwrap_or(&Actor::Anonymous)
}

#[derive(SimpleObject)]
pub struct ModerationConnection {
    items: Vec<ModeratedObject>,
    /// Pass as `after` for the next page.
    next_cursor: Option<String>,
}

/// A comment as moderators see it, with the email and the spam layer that held it.
pub struct ModeratedObject(ModeratedComment);

#[Object(name = "ModeratedComment")]
impl ModeratedObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn article_id(&self) -> ID {
        ID(self.0.article_id.to_string())
    }
    async fn parent_id(&self) -> Option<ID> {
        self.0.parent_id.map(|p| ID(p.to_string()))
    }
    async fn depth(&self) -> i32 {
        self.0.depth
    }
    /// pending, approved, spam or trash.
    async fn status(&self) -> &str {
        self.0.status.as_str()
    }
    async fn author_name(&self) -> &str {
        &self.0.author_name
    }
    async fn author_email(&self) -> &str {
        &self.0.author_email
    }
    async fn author_url(&self) -> Option<&str> {
        self.0.author_url.as_deref()
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    async fn html(&self) -> &str {
        &self.0.html
    }
    async fn spam_reason(&self) -> Option<&str> {
        self.0.spam_reason.as_deref()
    }
    async fn created_at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.created_at)
    }
}

#[derive(Default)]
pub struct CommentMutation;

#[Object]
impl CommentMutation {
    /// Posts a comment. Pass a fresh `idempotencyKey` so a retry returns the first answer
    /// instead of posting twice.
    async fn submit_comment(
        &self,
        ctx: &Context<'_>,
        article_slug: String,
        input: CommentInput,
        idempotency_key: Option<String>,
    ) -> Result<CommentAccepted> {
        let info = ctx.data_opt::<ClientInfo>();
        let client = Client {
            ip: info.and_then(|i| i.address),
            user_agent: info.map(|i| i.user_agent.clone()).unwrap_or_default(),
        };
        let sub = Submission {
            comment: input.comment,
            name: input.name,
            email: input.email,
            website: input.website,
            parent_id: input.parent_id.map(|p| p.0),
            form_token: input.form_token,
            honeypot: input.honeypot,
            idempotency_key,
        };
        let accepted = comments(ctx)
            .submit(&article_slug, sub, client)
            .await
            .map_err(|e| e.extend())?;
        Ok(CommentAccepted {
            id: ID(accepted.id.to_string()),
            status: accepted.status.to_string(),
            message: accepted.message,
        })
    }

    /// Approve, mark as spam, trash or restore comments, all or none (moderators and up).
    async fn moderate_comments(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        action: Action,
    ) -> Result<Vec<ModeratedObject>> {
        let mut numbers = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            numbers.push(id.parse::<i64>().map_err(|_| {
                crate::error::AppError::invalid(format!("ids[{i}]"), format!("{:?} is not an id", id.0))
                    .extend()
            })?);
        }
        let done = ctx
            .data_unchecked::<EditorialService>()
            .moderate(actor(ctx), numbers, action)
            .await
            .map_err(|e| e.extend())?;
        Ok(done.into_iter().map(ModeratedObject).collect())
    }

    /// Rewrite a comment's text (moderators and up).
    async fn edit_comment(&self, ctx: &Context<'_>, id: ID, text: String) -> Result<ModeratedObject> {
        let id = id.parse::<i64>().map_err(|_| {
            crate::error::AppError::invalid("id", format!("{:?} is not an id", id.0)).extend()
        })?;
        let saved = ctx
            .data_unchecked::<EditorialService>()
            .edit_comment(actor(ctx), id, text)
            .await
            .map_err(|e| e.extend())?;
        Ok(ModeratedObject(saved))
    }
}
