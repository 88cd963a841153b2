//! Revisions: every save keeps the content as a numbered version, which can be read back
//! and restored (as a new version).

use super::*;

impl EditorialService {
    pub async fn revisions(&self, actor: &Actor, id: i64) -> Result<Vec<RevisionView>, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        self.db
            .run(move |c| {
                this.check_viewer(c, &actor, id)?;
                q::list_revisions(c, id)?.into_iter().map(revision_view).collect()
            })
            .await
    }

    pub async fn revision(&self, actor: &Actor, id: i64, version: i32) -> Result<RevisionView, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        self.db
            .run(move |c| {
                this.check_viewer(c, &actor, id)?;
                let rev = q::revision(c, id, version)?
                    .ok_or_else(|| AppError::not_found("revision", format!("{version} of article {id}")))?;
                revision_view(rev)
            })
            .await
    }

    /// Brings back the content of an old revision, as a new revision.
    pub async fn restore_revision(
        &self,
        actor: &Actor,
        id: i64,
        from: i32,
        version: Option<i32>,
    ) -> Result<EditorArticle, AppError> {
        self.edit(actor, id, version, "restored", move |_this, c, _current| {
            let rev = q::revision(c, id, from)?
                .ok_or_else(|| AppError::not_found("revision", format!("{from} of article {id}")))?;
            let old: Content = serde_json::from_str(&rev.content).map_err(AppError::internal)?;
            // Pins on articles deleted since are dropped rather than blocking the restore.
            let mut related = Vec::new();
            for slug in old.related {
                if q::slug_owner(c, &slug)?.is_some() {
                    related.push(slug);
                }
            }
            Ok(ArticleInput {
                title: Some(old.title),
                subtitle: Some(old.subtitle),
                dateline: Some(old.dateline),
                excerpt: Some(old.excerpt),
                slug: Some(old.slug),
                body: Some(serde_json::to_value(old.body).map_err(AppError::internal)?),
                body_html: None,
                section: Some(old.section),
                sections: Some(old.sections),
                tags: Some(old.tags),
                authors: Some(old.authors),
                featured_media_id: Some(old.featured_media_id.unwrap_or(0)),
                canonical_url: Some(old.canonical_url.unwrap_or_default()),
                language: Some(old.language),
                comment_status: Some(old.comment_status.to_string()),
                related: Some(related),
            })
        })
        .await
    }
}

/// Keeps the saved content as revision `version`.
pub(super) fn snapshot(
    c: &mut DbConn,
    id: i64,
    version: i32,
    me: &Current,
    summary: &str,
    content: &Content,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let json = serde_json::to_string(content).map_err(AppError::internal)?;
    q::insert_revision(c, id, version, Some(me.id), summary, &json, now)?;
    Ok(())
}

pub(super) fn revision_view(row: q::RevisionRow) -> Result<RevisionView, AppError> {
    Ok(RevisionView {
        version: row.version,
        created_at: utc(row.created_at),
        actor_id: row.actor_id,
        summary: row.summary,
        content: serde_json::from_str(&row.content).map_err(AppError::internal)?,
    })
}
