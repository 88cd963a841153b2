//! Writing articles: create, edit with optimistic concurrency and delete (here), the checks
//! an input must pass (`validation`), the publishing workflow and corrections (`workflow`),
//! revisions (`revisions`) and preview links (`previews`), and the CMS's list. Every write
//! goes through `EditorialService::write`: signed-in user, one transaction, caches cleared.

use std::collections::HashMap;
use std::sync::Arc;

use crate::content::cursor::{Kind, TimeCursor};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::accounts::Current;
use super::audit::record;
use super::views::{EditorArticle, EditorArticlePage, PreviewLink, RevisionView};
use super::{EditorialService, check_slug};
use crate::auth::{Actor, Role};
use crate::content::body_stats;
use crate::content::slug::slugify;
use crate::content::status::{ArticleStatus, Discussion};
use crate::content::{Block, BodyFormat};
use crate::db::DbConn;
use crate::db::articles::ArticleRow;
use crate::db::editorial::{self as q, ArticleColumns, EditorialQuery, NewArticleMeta};
use crate::error::{AppError, FieldError};
use crate::service::Change;
use crate::service::articles::{article_view, load_bundle};
use crate::service::related::MAX_PINS;
use crate::service::relations::tag_ref;
use crate::service::sections::SectionTree;
use crate::service::utc;
use crate::service::views::Article;

mod import;
mod previews;
mod revisions;
mod validation;
mod workflow;

pub use import::ImportedArticle;
use revisions::snapshot;
use workflow::{effective_status, was_public};

/// An article's content, as written and as stored in revisions. Fields left out of an
/// update keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    pub title: Option<String>,
    /// The deck.
    pub subtitle: Option<String>,
    /// Where the story was filed from, e.g. "Tel-Aviv, Israel".
    pub dateline: Option<String>,
    pub excerpt: Option<String>,
    /// Made from the title when not given.
    pub slug: Option<String>,
    /// The body as blocks (see the `Block` schema).
    #[schema(value_type = Option<Vec<Block>>)]
    pub body: Option<serde_json::Value>,
    /// The body as HTML, turned into blocks; anything but known blocks and marks is dropped.
    pub body_html: Option<String>,
    /// Slug of the primary section.
    pub section: Option<String>,
    /// Slugs of secondary sections.
    pub sections: Option<Vec<String>>,
    /// Tag slugs, in order.
    pub tags: Option<Vec<String>>,
    /// Bylines in order: author slugs with an optional role.
    pub authors: Option<Vec<BylineInput>>,
    /// Id of a media record; 0 removes it.
    pub featured_media_id: Option<i64>,
    /// An empty string removes it.
    pub canonical_url: Option<String>,
    pub language: Option<String>,
    /// `open` or `closed`.
    pub comment_status: Option<String>,
    /// Slugs of articles pinned at the top of this article's related list, in order (at
    /// most 20); an empty list removes the pins.
    pub related: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct BylineInput {
    pub slug: String,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishInput {
    /// When it goes public; in the future it is scheduled and appears by itself then.
    /// Defaults to now (or its earlier publication time when it was published before).
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// Breaking news: its `published` event and webhook say so, for apps to alert readers.
    #[serde(default)]
    pub breaking: bool,
}

#[derive(Debug, Clone, Default)]
pub struct EditorialFilter {
    pub status: Option<String>,
    pub search: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The content of an article as revisions keep it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Content {
    title: String,
    subtitle: String,
    dateline: String,
    excerpt: String,
    slug: String,
    body: Vec<Block>,
    section: String,
    sections: Vec<String>,
    tags: Vec<String>,
    authors: Vec<BylineInput>,
    featured_media_id: Option<i64>,
    canonical_url: Option<String>,
    language: String,
    comment_status: Discussion,
    /// Pinned related articles by slug; revisions saved before pins existed have none.
    #[serde(default)]
    related: Vec<String>,
}

impl Content {
    /// A new article before its input is applied: empty, in English, open to comments.
    fn new_article() -> Content {
        Content {
            title: String::new(),
            subtitle: String::new(),
            dateline: String::new(),
            excerpt: String::new(),
            slug: String::new(),
            body: Vec::new(),
            section: String::new(),
            sections: Vec::new(),
            tags: Vec::new(),
            authors: Vec::new(),
            featured_media_id: None,
            canonical_url: None,
            language: "en".into(),
            comment_status: Discussion::Open,
            related: Vec::new(),
        }
    }
}

fn encode_cursor(at: NaiveDateTime, id: i64) -> String {
    TimeCursor { at, id }.encode(Kind::Editorial)
}

fn decode_cursor(raw: &str) -> Option<(NaiveDateTime, i64)> {
    TimeCursor::decode(Kind::Editorial, raw).map(|c| (c.at, c.id))
}

fn not_found(id: i64) -> AppError {
    AppError::not_found("article", format!("with id {id}"))
}

/// The version the caller edited; without one the write applies to the current version.
fn expected(given: Option<i32>, row: &ArticleRow) -> i32 {
    given.unwrap_or(row.version)
}

fn conflict(id: i64) -> AppError {
    AppError::Conflict(format!(
        "article {id} was changed by someone else since you loaded it; reload it, reapply your edit and send the new version"
    ))
}

impl EditorialService {
    /// One write to article `id` by a signed-in contributor or above (what else `f` checks
    /// is its own), answered with the article as the CMS now sees it. What readers saw
    /// happen (it became public, changed, stopped being public) goes in the change log;
    /// `breaking` marks a publication as breaking news.
    async fn article_write<F>(
        &self,
        actor: &Actor,
        id: i64,
        breaking: bool,
        f: F,
    ) -> Result<EditorArticle, AppError>
    where
        F: FnOnce(
                &EditorialService,
                &mut DbConn,
                &Current,
                NaiveDateTime,
                &SectionTree,
            ) -> Result<(), AppError>
            + Send
            + 'static,
    {
        let this = self.clone();
        let tree = self.fresh_tree().await?;
        self.write(
            actor,
            Role::Contributor,
            move |_| Change::Article(id),
            move |c, me, now| {
                let before = crate::service::sync::is_public(c, id, now)?;
                f(&this, c, me, now, &tree)?;
                let after = crate::service::sync::is_public(c, id, now)?;
                crate::service::sync::log_article(c, id, (before, after), breaking, now)?;
                this.view(c, &tree, id, now)
            },
        )
        .await
    }

    /// Checks that the signed-in user may see article `id` in the CMS.
    fn check_viewer(&self, c: &mut DbConn, actor: &Actor, id: i64) -> Result<(), AppError> {
        let me = self.current_in(c, actor, Role::Contributor)?;
        let (_, _, owner) = self.load(c, id)?;
        me.may_view(owner)
    }

    fn load(&self, c: &mut DbConn, id: i64) -> Result<(ArticleRow, String, Option<i64>), AppError> {
        q::article_any(c, id)?.ok_or_else(|| not_found(id))
    }

    fn content_of(
        &self,
        c: &mut DbConn,
        tree: &SectionTree,
        row: &ArticleRow,
        body: &str,
    ) -> Result<Content, AppError> {
        let q::RelationSlugs {
            sections,
            tags,
            bylines: authors,
        } = q::relation_slugs(c, row.id)?;
        Ok(Content {
            title: row.title.clone(),
            subtitle: row.subtitle.clone(),
            dateline: row.dateline.clone(),
            excerpt: row.excerpt.clone(),
            slug: row.slug.clone(),
            body: crate::service::relations::parse_body(row.id, body)?,
            section: tree
                .get(row.section_id)
                .map(|s| s.slug.clone())
                .unwrap_or_default(),
            sections,
            tags,
            authors: authors
                .into_iter()
                .map(|(slug, role)| BylineInput { slug, role })
                .collect(),
            featured_media_id: row.featured_media_id,
            canonical_url: row.canonical_url.clone(),
            language: row.language.clone(),
            comment_status: row.comment_status,
            related: crate::db::discovery::pin_slugs(c, row.id)?,
        })
    }

    fn view(
        &self,
        c: &mut DbConn,
        tree: &SectionTree,
        id: i64,
        now: NaiveDateTime,
    ) -> Result<EditorArticle, AppError> {
        let (row, body, created_by) = self.load(c, id)?;
        let bundle = load_bundle(c, row, &body)?;
        let row = &bundle.row;
        Ok(EditorArticle {
            id: row.id,
            slug: row.slug.clone(),
            status: effective_status(row, now),
            version: row.version,
            title: row.title.clone(),
            subtitle: row.subtitle.clone(),
            dateline: row.dateline.clone(),
            excerpt: row.excerpt.clone(),
            published_at: row.published_at.map(utc),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            section: tree.reference(row.section_id),
            sections: bundle
                .secondary_sections
                .iter()
                .filter_map(|&s| tree.reference(s))
                .collect(),
            tags: bundle.tags.iter().map(tag_ref).collect(),
            authors: bundle.bylines.clone(),
            featured_media_id: row.featured_media_id,
            featured_media: bundle.media.clone(),
            canonical_url: row.canonical_url.clone(),
            language: row.language.clone(),
            comment_status: row.comment_status,
            corrections: bundle.corrections.clone(),
            word_count: row.word_count,
            body: bundle.blocks.clone(),
            related: crate::db::discovery::pin_slugs(c, id)?,
            created_by,
        })
    }

    pub async fn create_article(
        &self,
        actor: &Actor,
        input: ArticleInput,
    ) -> Result<EditorArticle, AppError> {
        let this = self.clone();
        let tree = self.fresh_tree().await?;
        let article = self
            .write(
                actor,
                Role::Contributor,
                |article: &EditorArticle| Change::Article(article.id),
                move |c, me, now| {
                    let mut base = Content::new_article();
                    if input.authors.is_none()
                        && let Some(author_id) = me.author_id
                        && let Some(slug) = q::author_slug(c, author_id)?
                    {
                        base.authors = vec![BylineInput { slug, role: None }];
                    }
                    let content = this.apply(c, base, input, None)?;
                    let cols = this.columns(c, &content, now)?;
                    let meta = NewArticleMeta {
                        status: ArticleStatus::Draft,
                        published_at: None,
                        created_at: now,
                        created_by: Some(me.id),
                        version: 1,
                    };
                    let id = q::insert_article(c, &cols, &meta)?;
                    this.write_relations(c, id, &content)?;
                    crate::service::search::reindex(c, id)?;
                    crate::service::sync::log_article(c, id, (false, false), false, now)?;
                    snapshot(c, id, 1, me, "created", &content, now)?;
                    record(
                        c,
                        &me.who(),
                        "article.create",
                        &format!("article:{id}"),
                        &content.title,
                        now,
                    )?;
                    this.view(c, &tree, id, now)
                },
            )
            .await?;
        Ok(article)
    }

    /// Edits an article; `version` (from `If-Match`) must be the current one when given.
    pub async fn update_article(
        &self,
        actor: &Actor,
        id: i64,
        version: Option<i32>,
        input: ArticleInput,
    ) -> Result<EditorArticle, AppError> {
        self.edit(actor, id, version, "updated", move |_this, _c, _current| {
            Ok(input)
        })
        .await
    }

    /// Common path of updates and restores: load, check, apply, write if still current.
    async fn edit<F>(
        &self,
        actor: &Actor,
        id: i64,
        version: Option<i32>,
        summary: &'static str,
        make: F,
    ) -> Result<EditorArticle, AppError>
    where
        F: FnOnce(&EditorialService, &mut DbConn, &Content) -> Result<ArticleInput, AppError>
            + Send
            + 'static,
    {
        self.article_write(actor, id, false, move |this, c, me, now, tree| {
            let (row, body, owner) = this.load(c, id)?;
            me.may_edit(owner, &row)?;
            let expected = expected(version, &row);
            if expected != row.version {
                return Err(conflict(id));
            }
            let current = this.content_of(c, tree, &row, &body)?;
            let input = make(this, c, &current)?;
            let content = this.apply(c, current.clone(), input, Some(id))?;
            let cols = this.columns(c, &content, now)?;
            let new_version = q::update_article(c, id, expected, &cols)?.ok_or_else(|| conflict(id))?;
            this.write_relations(c, id, &content)?;
            crate::service::search::reindex(c, id)?;
            if content.slug != current.slug {
                q::drop_redirect(c, &content.slug)?;
                if was_public(&row, now) {
                    q::add_redirect(c, &current.slug, id, now)?;
                }
            }
            snapshot(c, id, new_version, me, summary, &content, now)?;
            record(
                c,
                &me.who(),
                "article.update",
                &format!("article:{id}"),
                &format!("{summary} to version {new_version}"),
                now,
            )?;
            Ok(())
        })
        .await
    }

    pub async fn delete_article(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        let this = self.clone();
        self.write(
            actor,
            Role::Contributor,
            move |_| Change::Article(id),
            move |c, me, now| {
                let (row, _, owner) = this.load(c, id)?;
                me.may_edit(owner, &row)?;
                if row.status != ArticleStatus::Draft {
                    me.may_publish(owner)?;
                }
                let public = crate::service::sync::is_public(c, id, now)?;
                crate::service::sync::log_deleted(c, id, public, now)?;
                q::delete_article(c, id)?;
                crate::service::search::reindex(c, id)?;
                record(
                    c,
                    &me.who(),
                    "article.delete",
                    &format!("article:{id}"),
                    &row.title,
                    now,
                )
            },
        )
        .await?;
        self.content.forget_related(id);
        Ok(())
    }

    pub async fn editor_article(&self, actor: &Actor, id: i64) -> Result<EditorArticle, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        let tree = self.fresh_tree().await?;
        let now = self.now();
        self.db
            .run(move |c| {
                this.check_viewer(c, &actor, id)?;
                this.view(c, &tree, id, now)
            })
            .await
    }

    /// All articles for the CMS, newest change first; contributors and moderators see their own.
    pub async fn editor_articles(
        &self,
        actor: &Actor,
        filter: EditorialFilter,
    ) -> Result<EditorArticlePage, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        let tree = self.fresh_tree().await?;
        let now = self.now();
        let limit = filter.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("limit must be between 1 and 100, got {limit}"),
            ));
        }
        let after = match filter.cursor.as_deref().filter(|s| !s.is_empty()) {
            Some(raw) => Some(
                decode_cursor(raw)
                    .ok_or_else(|| AppError::invalid("cursor", "cursor is not a cursor this API issued"))?,
            ),
            None => None,
        };
        let mut query = EditorialQuery {
            after,
            limit: limit + 1,
            ..Default::default()
        };
        let status = match filter.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(
                raw.parse::<ArticleStatus>()
                    .map_err(|e| AppError::invalid("status", format!("status: {e}")))?,
            ),
        };
        // Stored statuses say what an editor chose; the effective one also asks the clock.
        let can_be_public: Vec<ArticleStatus> = ArticleStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.can_be_public())
            .collect();
        match status {
            None => {}
            Some(ArticleStatus::Scheduled) => {
                query.statuses = Some(can_be_public);
                query.future_only = true;
            }
            Some(ArticleStatus::Published) => {
                query.statuses = Some(can_be_public);
                query.past_only = true;
            }
            Some(other) => query.statuses = Some(vec![other]),
        }
        query.title_contains = filter
            .search
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().to_owned());
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                if me.role < Role::Author {
                    query.owner = Some(me.id);
                }
                let rows = q::editorial_list(c, &query, now)?;
                let more = rows.len() as i64 > limit;
                let rows: Vec<ArticleRow> = rows.into_iter().take(limit as usize).collect();
                let next_cursor = if more {
                    rows.last().map(|r| encode_cursor(r.updated_at, r.id))
                } else {
                    None
                };
                let items = rows
                    .iter()
                    .map(|r| this.view(c, &tree, r.id, now))
                    .collect::<Result<_, _>>()?;
                Ok(EditorArticlePage { items, next_cursor })
            })
            .await
    }

    async fn fresh_tree(&self) -> Result<Arc<SectionTree>, AppError> {
        self.content.section_tree().await
    }
}
