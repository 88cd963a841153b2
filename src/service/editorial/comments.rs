//! Comment moderation: the queue, approve / spam / trash / restore (one or many), editing a
//! comment's text. Moderators and up; every action goes to the audit log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::EditorialService;
use super::audit::record;
use crate::auth::{Actor, Role};
use crate::content::comment_text::comment_html;
use crate::content::status::CommentStatus;
use crate::db::comments::{self as q, CommentRow, QueueQuery};
use crate::db::editorial as articles;
use crate::error::{AppError, FieldError};
use crate::service::Change;
use crate::service::comments::{avatar_hash, decode_cursor};
use crate::service::utc;

const MAX_BULK: usize = 200;

/// A comment as moderators see it: with the email, the spam layer that caught it, and the
/// client's user agent (its address only as a keyed hash, and only until the retention).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModeratedComment {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub status: CommentStatus,
    pub author_name: String,
    pub author_email: String,
    pub author_url: Option<String>,
    pub avatar_hash: String,
    pub text: String,
    pub html: String,
    /// Which anti-spam layer held it (`honeypot`, `form_token_expired`, `duplicate`, ...).
    pub spam_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(row: CommentRow) -> ModeratedComment {
    ModeratedComment {
        avatar_hash: avatar_hash(&row.author_email),
        html: comment_html(&row.body),
        id: row.id,
        article_id: row.article_id,
        parent_id: row.parent_id,
        depth: row.depth,
        status: row.status,
        author_name: row.author_name,
        author_email: row.author_email,
        author_url: row.author_url,
        text: row.body,
        spam_reason: row.spam_reason,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModerationPage {
    pub items: Vec<ModeratedComment>,
    pub next_cursor: Option<String>,
}

/// Filters of the moderation queue (newest first).
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<String>,
    /// Article slug.
    pub article: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// What a moderator does to comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
#[graphql(name = "ModerationAction")]
pub enum Action {
    /// Publish it (also rescues a comment held as spam).
    Approve,
    /// Hold it as spam: kept, never shown.
    Spam,
    /// Remove it from view; it can be restored.
    Trash,
    /// Back to the queue as pending.
    Restore,
}

impl Action {
    fn status(self) -> CommentStatus {
        match self {
            Action::Approve => CommentStatus::Approved,
            Action::Spam => CommentStatus::Spam,
            Action::Trash => CommentStatus::Trash,
            Action::Restore => CommentStatus::Pending,
        }
    }

    /// The name clients send (and the audit log keeps).
    fn name(self) -> String {
        format!("{self:?}").to_lowercase()
    }
}

impl EditorialService {
    /// The moderation queue, newest first.
    pub async fn comment_queue(
        &self,
        actor: &Actor,
        filter: QueueFilter,
    ) -> Result<ModerationPage, AppError> {
        let status = match filter.status.as_deref() {
            Some(raw) => Some(
                raw.parse::<CommentStatus>()
                    .map_err(|e| AppError::invalid("status", format!("status: {e}")))?,
            ),
            None => None,
        };
        let limit = filter.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("limit must be between 1 and 200, got {limit}"),
            ));
        }
        let before = match filter.cursor.as_deref() {
            Some(raw) => Some(
                decode_cursor(raw)
                    .ok_or_else(|| AppError::invalid("cursor", "cursor is not a cursor this API issued"))?,
            ),
            None => None,
        };
        let (this, actor) = (self.clone(), actor.clone());
        self.db
            .run(move |c| {
                this.current_in(c, &actor, Role::Moderator)?;
                let article_id = match &filter.article {
                    Some(slug) => Some(articles::slug_owner(c, slug)?.ok_or_else(|| {
                        AppError::invalid("article", format!("there is no article with slug {slug:?}"))
                    })?),
                    None => None,
                };
                let mut rows = q::queue(
                    c,
                    &QueueQuery {
                        status,
                        article_id,
                        since: filter.since.map(|t| t.naive_utc()),
                        until: filter.until.map(|t| t.naive_utc()),
                        before,
                        limit: limit + 1,
                    },
                )?;
                let more = rows.len() as i64 > limit;
                rows.truncate(limit as usize);
                let next_cursor = more
                    .then(|| rows.last().map(crate::service::comments::cursor_of))
                    .flatten();
                Ok(ModerationPage {
                    items: rows.into_iter().map(view).collect(),
                    next_cursor,
                })
            })
            .await
    }

    /// Applies one action to up to 200 comments at once; all or none.
    pub async fn moderate(
        &self,
        actor: &Actor,
        ids: Vec<i64>,
        action: Action,
    ) -> Result<Vec<ModeratedComment>, AppError> {
        if ids.is_empty() || ids.len() > MAX_BULK {
            return Err(AppError::field(
                "ids",
                "length",
                format!("Give 1 to {MAX_BULK} comment ids."),
            ));
        }
        let articles =
            |out: &Vec<ModeratedComment>| Change::Comments(out.iter().map(|m| m.article_id).collect());
        self.write(actor, Role::Moderator, articles, move |c, me, now| {
            let mut out = Vec::with_capacity(ids.len());
            let mut missing = Vec::new();
            for (i, &id) in ids.iter().enumerate() {
                match q::by_id(c, id)? {
                    Some(_) => {
                        q::set_status(c, id, action.status(), now)?;
                        record(
                            c,
                            &me.who(),
                            &format!("comment.{}", action.name()),
                            &format!("comment:{id}"),
                            action.status().as_str(),
                            now,
                        )?;
                        out.push(view(
                            q::by_id(c, id)?.ok_or_else(|| AppError::not_found("comment", id))?,
                        ));
                    }
                    None => missing.push(FieldError::new(
                        format!("ids[{i}]"),
                        "unknown",
                        format!("There is no comment {id}."),
                    )),
                }
            }
            if missing.is_empty() {
                Ok(out)
            } else {
                Err(AppError::Validation(missing))
            }
        })
        .await
    }

    /// Rewrites a comment's text (kept as plain text).
    pub async fn edit_comment(
        &self,
        actor: &Actor,
        id: i64,
        text: String,
    ) -> Result<ModeratedComment, AppError> {
        let text = text.trim().to_owned();
        if text.is_empty() || text.chars().count() > 20_000 {
            return Err(AppError::field("text", "length", "Write 1 to 20000 characters."));
        }
        let article = |m: &ModeratedComment| Change::Comments(vec![m.article_id]);
        self.write(actor, Role::Moderator, article, move |c, me, now| {
            q::by_id(c, id)?.ok_or_else(|| AppError::not_found("comment", format!("with id {id}")))?;
            let hash = crate::service::comments::text_hash(&text);
            q::set_body(c, id, &text, &hash, now)?;
            record(
                c,
                &me.who(),
                "comment.edit",
                &format!("comment:{id}"),
                "text edited",
                now,
            )?;
            Ok(view(
                q::by_id(c, id)?.ok_or_else(|| AppError::not_found("comment", id))?,
            ))
        })
        .await
    }
}
