//! Preview links: a signed, short-lived token that shows an article in any status as it
//! will look.

use super::*;

impl EditorialService {
    /// A signed link that shows one article as it will look, to anyone holding it.
    pub async fn preview_link(&self, actor: &Actor, id: i64) -> Result<PreviewLink, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        let ttl = self.settings.preview_ttl;
        let now = self.now();
        let tokens = self.tokens.clone();
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                let (row, _, owner) = this.load(c, id)?;
                if me.role < Role::Editor {
                    me.may_edit(owner, &row)?;
                }
                let (token, exp) = tokens.issue_preview(id, ttl)?;
                record(
                    c,
                    &me.who(),
                    "article.preview",
                    &format!("article:{id}"),
                    "preview link",
                    now,
                )?;
                Ok(PreviewLink {
                    url: format!("/v1/preview/{token}"),
                    token,
                    expires_at: DateTime::from_timestamp(exp, 0).unwrap_or_default(),
                })
            })
            .await
    }

    /// The article a preview token opens, in any status.
    pub async fn preview(&self, token: &str, format: BodyFormat) -> Result<Article, AppError> {
        let id = self.tokens.verify_preview(token)?;
        let tree = self.fresh_tree().await?;
        self.db
            .run(move |c| {
                let (row, body, _) = q::article_any(c, id)?.ok_or_else(|| not_found(id))?;
                let bundle = load_bundle(c, row, &body)?;
                Ok(article_view(&bundle, &tree, format))
            })
            .await
    }
}
