//! The publishing workflow: who may do what to an article, and its status changes
//! (publish now or at a time, unpublish, archive) and corrections, each one write.

use super::*;

/// A change of an article's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transition {
    Publish,
    Unpublish,
    Archive,
}

impl Transition {
    fn audit_name(self) -> &'static str {
        match self {
            Transition::Publish => "article.publish",
            Transition::Unpublish => "article.unpublish",
            Transition::Archive => "article.archive",
        }
    }
}

/// Effective status: a public status whose time has not come is `scheduled`.
pub(super) fn effective_status(row: &ArticleRow, now: NaiveDateTime) -> ArticleStatus {
    if row.status.can_be_public() {
        return match row.published_at {
            Some(at) if at <= now => ArticleStatus::Published,
            _ => ArticleStatus::Scheduled,
        };
    }
    row.status
}

pub(super) fn was_public(row: &ArticleRow, now: NaiveDateTime) -> bool {
    effective_status(row, now) == ArticleStatus::Published || row.status == ArticleStatus::Archived
}

impl Current {
    pub(super) fn may_edit(&self, owner: Option<i64>, row: &ArticleRow) -> Result<(), AppError> {
        let own = owner == Some(self.id);
        let ok = match self.role {
            Role::Editor | Role::Admin => true,
            Role::Author => own,
            Role::Contributor | Role::Moderator => own && row.status == ArticleStatus::Draft,
        };
        if ok {
            Ok(())
        } else if own {
            Err(AppError::forbidden(
                "contributors edit their own drafts only; this one is no longer a draft",
            ))
        } else {
            Err(AppError::forbidden(format!(
                "a {} cannot change someone else's article",
                self.role
            )))
        }
    }

    pub(super) fn may_publish(&self, owner: Option<i64>) -> Result<(), AppError> {
        match self.role {
            Role::Editor | Role::Admin => Ok(()),
            Role::Author if owner == Some(self.id) => Ok(()),
            Role::Author => Err(AppError::forbidden("authors publish their own articles only")),
            _ => Err(AppError::forbidden(format!(
                "a {} cannot publish; ask an author or an editor",
                self.role
            ))),
        }
    }

    pub(super) fn may_view(&self, owner: Option<i64>) -> Result<(), AppError> {
        if self.role >= Role::Author || owner == Some(self.id) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "a {} sees their own articles only",
                self.role
            )))
        }
    }
}

impl EditorialService {
    /// Publishes now, or schedules for a future `published_at`.
    pub async fn publish(
        &self,
        actor: &Actor,
        id: i64,
        version: Option<i32>,
        input: PublishInput,
    ) -> Result<EditorArticle, AppError> {
        let now = self.now();
        let breaking = input.breaking;
        self.transition(actor, id, version, Transition::Publish, breaking, move |row| {
            let mut errors = Vec::new();
            if row.title.trim().is_empty() {
                errors.push(FieldError::new(
                    "title",
                    "required",
                    "Give a title before publishing.",
                ));
            }
            if row.word_count == 0 {
                errors.push(FieldError::new(
                    "body",
                    "required",
                    "Write a body before publishing.",
                ));
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let at = input
                .published_at
                .map(|t| t.naive_utc())
                .or(row.published_at.filter(|_| row.status != ArticleStatus::Draft))
                .unwrap_or(now);
            let status = if at > now {
                ArticleStatus::Scheduled
            } else {
                ArticleStatus::Published
            };
            Ok((status, Some(at)))
        })
        .await
    }

    pub async fn unpublish(
        &self,
        actor: &Actor,
        id: i64,
        version: Option<i32>,
    ) -> Result<EditorArticle, AppError> {
        self.transition(actor, id, version, Transition::Unpublish, false, |row| {
            Ok((ArticleStatus::Draft, row.published_at))
        })
        .await
    }

    pub async fn archive(
        &self,
        actor: &Actor,
        id: i64,
        version: Option<i32>,
    ) -> Result<EditorArticle, AppError> {
        self.transition(actor, id, version, Transition::Archive, false, |row| {
            Ok((ArticleStatus::Archived, row.published_at))
        })
        .await
    }

    async fn transition<F>(
        &self,
        actor: &Actor,
        id: i64,
        version: Option<i32>,
        action: Transition,
        breaking: bool,
        next: F,
    ) -> Result<EditorArticle, AppError>
    where
        F: FnOnce(&ArticleRow) -> Result<(ArticleStatus, Option<NaiveDateTime>), AppError> + Send + 'static,
    {
        self.article_write(actor, id, breaking, move |this, c, me, now, tree| {
            let (row, body, owner) = this.load(c, id)?;
            me.may_publish(owner)?;
            let expected = expected(version, &row);
            if expected != row.version {
                return Err(conflict(id));
            }
            if action == Transition::Publish {
                let needs_author = q::relation_slugs(c, id)?.bylines.is_empty();
                if needs_author {
                    return Err(AppError::field(
                        "authors",
                        "required",
                        "Add a byline before publishing.",
                    ));
                }
            }
            let (status, at) = next(&row)?;
            let new_version = q::set_status(c, id, expected, status, at, now)?.ok_or_else(|| conflict(id))?;
            crate::service::search::reindex(c, id)?;
            let content = this.content_of(c, tree, &row, &body)?;
            let summary = format!(
                "{status}{}",
                at.map(|t| format!(" at {}", utc(t).to_rfc3339()))
                    .unwrap_or_default()
            );
            snapshot(c, id, new_version, me, &summary, &content, now)?;
            record(
                c,
                &me.who(),
                action.audit_name(),
                &format!("article:{id}"),
                &summary,
                now,
            )?;
            Ok(())
        })
        .await
    }

    /// Appends a correction, shown publicly under the article.
    pub async fn add_correction(
        &self,
        actor: &Actor,
        id: i64,
        note: String,
    ) -> Result<EditorArticle, AppError> {
        self.article_write(actor, id, false, move |this, c, me, now, _tree| {
            let (_, _, owner) = this.load(c, id)?;
            me.may_publish(owner)?;
            let note = note.trim().to_owned();
            if note.is_empty() || note.chars().count() > 2000 {
                return Err(AppError::field(
                    "note",
                    "length",
                    "Write a correction of 1 to 2000 characters.",
                ));
            }
            q::add_correction(c, id, &note, now)?;
            record(
                c,
                &me.who(),
                "article.correct",
                &format!("article:{id}"),
                &note,
                now,
            )?;
            Ok(())
        })
        .await
    }
}
