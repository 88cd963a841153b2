//! Articles brought from another system: the same checks, relations, search index, revision
//! and change log as an editor's write, with the status and times the other system gave.

use chrono::NaiveDateTime;

use super::{Content, not_found};
use crate::content::status::ArticleStatus;
use crate::db::DbConn;
use crate::db::editorial::{self as q, NewArticleMeta};
use crate::error::AppError;
use crate::service::editorial::EditorialService;
use crate::service::editorial::audit::{Who, record};

use super::ArticleInput;

/// An article as another system has it.
#[derive(Debug, Clone)]
pub struct ImportedArticle {
    pub input: ArticleInput,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl EditorialService {
    /// Writes an imported article, in the caller's transaction: a new one, or the article
    /// `existing` brought up to date (every field replaced). Answers its id.
    pub fn import_article_in(
        &self,
        c: &mut DbConn,
        existing: Option<i64>,
        article: ImportedArticle,
        now: NaiveDateTime,
    ) -> Result<i64, AppError> {
        let base = Content::new_article();
        let content = self.apply(c, base, article.input, existing)?;
        let mut cols = self.columns(c, &content, now)?;
        cols.updated_at = article.updated_at;
        let before = match existing {
            Some(id) => crate::service::sync::is_public(c, id, now)?,
            None => false,
        };
        let (id, version) = match existing {
            Some(id) => {
                let (row, _, _) = q::article_any(c, id)?.ok_or_else(|| not_found(id))?;
                let version = q::update_article(c, id, row.version, &cols)?
                    .ok_or_else(|| AppError::Conflict(format!("article {id} changed during the import")))?;
                let version = q::set_status(
                    c,
                    id,
                    version,
                    article.status,
                    article.published_at,
                    article.updated_at,
                )?
                .ok_or_else(|| AppError::Conflict(format!("article {id} changed during the import")))?;
                (id, version)
            }
            None => {
                let meta = NewArticleMeta {
                    status: article.status,
                    published_at: article.published_at,
                    created_at: article.created_at,
                    created_by: None,
                    version: 1,
                };
                (q::insert_article(c, &cols, &meta)?, 1)
            }
        };
        self.write_relations(c, id, &content)?;
        crate::service::search::reindex(c, id)?;
        let after = crate::service::sync::is_public(c, id, now)?;
        crate::service::sync::log_article(c, id, (before, after), false, now)?;
        let json = serde_json::to_string(&content).map_err(AppError::internal)?;
        q::insert_revision(c, id, version, None, "imported", &json, now)?;
        record(
            c,
            &Who::system(),
            "article.import",
            &format!("article:{id}"),
            &content.title,
            now,
        )?;
        Ok(id)
    }
}
