//! Writing articles: create, edit with optimistic concurrency, the publishing workflow,
//! corrections, revisions, preview links, and the CMS's list.

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
use crate::service::articles::{article_view, load_bundle};
use crate::service::related::MAX_PINS;
use crate::service::relations::tag_ref;
use crate::service::sections::SectionTree;
use crate::service::utc;
use crate::service::views::Article;

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

/// Effective status: a public status whose time has not come is `scheduled`.
fn effective_status(row: &ArticleRow, now: NaiveDateTime) -> ArticleStatus {
    if row.status.can_be_public() {
        return match row.published_at {
            Some(at) if at <= now => ArticleStatus::Published,
            _ => ArticleStatus::Scheduled,
        };
    }
    row.status
}

fn was_public(row: &ArticleRow, now: NaiveDateTime) -> bool {
    effective_status(row, now) == ArticleStatus::Published || row.status == ArticleStatus::Archived
}

impl Current {
    fn may_edit(&self, owner: Option<i64>, row: &ArticleRow) -> Result<(), AppError> {
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

    fn may_publish(&self, owner: Option<i64>) -> Result<(), AppError> {
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

    fn may_view(&self, owner: Option<i64>) -> Result<(), AppError> {
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

/// Reports every slug of `given` that is not among `found`, at its own index.
fn unknown_slugs(
    errors: &mut Vec<FieldError>,
    given: &[String],
    found: Vec<(String, i64)>,
    field: impl Fn(usize) -> String,
    what: &str,
) {
    let known: HashMap<String, i64> = found.into_iter().collect();
    for (i, slug) in given.iter().enumerate() {
        if !known.contains_key(slug) {
            errors.push(FieldError::new(
                field(i),
                "unknown",
                format!("There is no {what} {slug:?}."),
            ));
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

    /// Applies `input` over `base`, checking every field; all problems are reported at once.
    fn apply(
        &self,
        c: &mut DbConn,
        mut base: Content,
        input: ArticleInput,
        id: Option<i64>,
    ) -> Result<Content, AppError> {
        let mut errors = Vec::new();
        let mut text = |field: &str, value: Option<String>, max: usize, required: bool, into: &mut String| {
            if let Some(v) = value {
                *into = v.trim().to_owned();
            }
            if required && into.is_empty() {
                errors.push(FieldError::new(field, "required", format!("Give a {field}.")));
            } else if into.chars().count() > max {
                errors.push(FieldError::new(
                    field,
                    "too_long",
                    format!("The {field} is limited to {max} characters."),
                ));
            }
        };
        text("title", input.title, 300, true, &mut base.title);
        text("subtitle", input.subtitle, 500, false, &mut base.subtitle);
        text("dateline", input.dateline, 200, false, &mut base.dateline);
        text("excerpt", input.excerpt, 1000, false, &mut base.excerpt);
        match (input.body, input.body_html) {
            (Some(_), Some(_)) => errors.push(FieldError::new(
                "body",
                "conflict",
                "Send body or body_html, not both.",
            )),
            (Some(json), None) => match serde_json::from_value::<Vec<Block>>(json) {
                Ok(blocks) => {
                    for (i, b) in blocks.iter().enumerate() {
                        if let Block::Heading { level, .. } = b
                            && !(2..=4).contains(level)
                        {
                            errors.push(FieldError::new(
                                format!("body[{i}].level"),
                                "invalid",
                                "Headings are level 2, 3 or 4.",
                            ));
                        }
                    }
                    base.body = blocks;
                }
                Err(e) => errors.push(FieldError::new(
                    "body",
                    "invalid",
                    format!("The body is not a list of blocks: {e}."),
                )),
            },
            (None, Some(html)) => base.body = crate::content::html::html_to_blocks(&html),
            (None, None) => {}
        }
        // The slug: given, kept, or made from the title and made unique.
        match input.slug {
            Some(slug) => {
                let slug = slug.trim().to_owned();
                check_slug(&mut errors, "slug", &slug);
                if q::slug_owner(c, &slug)?.is_some_and(|owner| Some(owner) != id) {
                    errors.push(FieldError::new(
                        "slug",
                        "taken",
                        "Another article already has this slug.",
                    ));
                }
                base.slug = slug;
            }
            None if base.slug.is_empty() => base.slug = self.free_slug(c, &base.title)?,
            None => {}
        }
        if let Some(section) = input.section {
            base.section = section.trim().to_owned();
        }
        if base.section.is_empty() {
            errors.push(FieldError::new("section", "required", "Choose a section."));
        } else if q::section_ids_by_slug(c, std::slice::from_ref(&base.section))?.is_empty() {
            errors.push(FieldError::new(
                "section",
                "unknown",
                format!("There is no section {:?}.", base.section),
            ));
        }
        if let Some(list) = input.sections {
            base.sections = list;
        }
        let found = q::section_ids_by_slug(c, &base.sections)?;
        unknown_slugs(
            &mut errors,
            &base.sections,
            found,
            |i| format!("sections[{i}]"),
            "section",
        );
        if let Some(list) = input.tags {
            base.tags = list;
        }
        let found = q::tag_ids_by_slug(c, &base.tags)?;
        unknown_slugs(&mut errors, &base.tags, found, |i| format!("tags[{i}]"), "tag");
        if let Some(list) = input.authors {
            base.authors = list;
        }
        let slugs: Vec<String> = base.authors.iter().map(|a| a.slug.clone()).collect();
        let found = q::author_ids_by_slug(c, &slugs)?;
        unknown_slugs(
            &mut errors,
            &slugs,
            found,
            |i| format!("authors[{i}].slug"),
            "author",
        );
        match input.featured_media_id {
            Some(0) => base.featured_media_id = None,
            Some(m) => {
                if !q::media_exists(c, m)? {
                    errors.push(FieldError::new(
                        "featured_media_id",
                        "unknown",
                        format!("There is no media {m}."),
                    ));
                }
                base.featured_media_id = Some(m);
            }
            None => {}
        }
        if let Some(url) = input.canonical_url {
            let url = url.trim().to_owned();
            let lower = url.to_ascii_lowercase();
            if url.is_empty() {
                base.canonical_url = None;
            } else if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                errors.push(FieldError::new(
                    "canonical_url",
                    "invalid",
                    "The canonical URL must be http(s).",
                ));
            } else {
                base.canonical_url = Some(url);
            }
        }
        if let Some(lang) = input.language {
            let ok =
                (2..=35).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                errors.push(FieldError::new(
                    "language",
                    "invalid",
                    "Give a language tag such as en or pt-BR.",
                ));
            }
            base.language = lang;
        }
        if let Some(status) = input.comment_status {
            match status.parse::<Discussion>() {
                Ok(status) => base.comment_status = status,
                Err(_) => errors.push(FieldError::new(
                    "comment_status",
                    "invalid",
                    "Comments are open or closed.",
                )),
            }
        }
        if let Some(list) = input.related {
            base.related = list.into_iter().map(|s| s.trim().to_owned()).collect();
        }
        if base.related.len() > MAX_PINS {
            errors.push(FieldError::new(
                "related",
                "too_many",
                format!("Pin at most {MAX_PINS} related articles."),
            ));
        }
        for (i, slug) in base.related.iter().enumerate() {
            match q::slug_owner(c, slug)? {
                None => errors.push(FieldError::new(
                    format!("related[{i}]"),
                    "unknown",
                    format!("There is no article {slug:?}."),
                )),
                Some(owner) if Some(owner) == id || slug == &base.slug => errors.push(FieldError::new(
                    format!("related[{i}]"),
                    "self",
                    "An article cannot be related to itself.",
                )),
                Some(_) => {}
            }
        }
        if errors.is_empty() {
            Ok(base)
        } else {
            Err(AppError::Validation(errors))
        }
    }

    fn free_slug(&self, c: &mut DbConn, title: &str) -> Result<String, AppError> {
        let base = match slugify(title) {
            s if s.is_empty() => "article".to_owned(),
            s => s
                .chars()
                .take(100)
                .collect::<String>()
                .trim_end_matches('-')
                .to_owned(),
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while q::slug_owner(c, &candidate)?.is_some() || q::redirect_owner(c, &candidate)?.is_some() {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        Ok(candidate)
    }

    fn columns(
        &self,
        c: &mut DbConn,
        content: &Content,
        now: NaiveDateTime,
    ) -> Result<ArticleColumns, AppError> {
        let stats = body_stats(&content.body);
        let section_id = q::section_ids_by_slug(c, std::slice::from_ref(&content.section))?
            .first()
            .map(|(_, id)| *id)
            .ok_or_else(|| AppError::field("section", "unknown", "Choose a section."))?;
        Ok(ArticleColumns {
            slug: content.slug.clone(),
            title: content.title.clone(),
            subtitle: content.subtitle.clone(),
            dateline: content.dateline.clone(),
            excerpt: content.excerpt.clone(),
            body: stats.json,
            section_id,
            featured_media_id: content.featured_media_id,
            canonical_url: content.canonical_url.clone(),
            language: content.language.clone(),
            comment_status: content.comment_status,
            word_count: stats.word_count,
            reading_time_minutes: stats.reading_time_minutes,
            updated_at: now,
        })
    }

    fn write_relations(&self, c: &mut DbConn, id: i64, content: &Content) -> Result<(), AppError> {
        let sections: HashMap<String, i64> = q::section_ids_by_slug(c, &content.sections)?
            .into_iter()
            .collect();
        let tags: HashMap<String, i64> = q::tag_ids_by_slug(c, &content.tags)?.into_iter().collect();
        let slugs: Vec<String> = content.authors.iter().map(|a| a.slug.clone()).collect();
        let authors: HashMap<String, i64> = q::author_ids_by_slug(c, &slugs)?.into_iter().collect();
        let mut section_ids: Vec<i64> = content
            .sections
            .iter()
            .filter_map(|s| sections.get(s).copied())
            .collect();
        section_ids.dedup();
        let mut tag_ids: Vec<i64> = Vec::new();
        for t in content.tags.iter().filter_map(|t| tags.get(t).copied()) {
            if !tag_ids.contains(&t) {
                tag_ids.push(t);
            }
        }
        let mut bylines: Vec<(i64, Option<String>)> = Vec::new();
        for a in &content.authors {
            if let Some(&aid) = authors.get(&a.slug)
                && !bylines.iter().any(|(x, _)| *x == aid)
            {
                bylines.push((aid, a.role.clone().filter(|r| !r.trim().is_empty())));
            }
        }
        q::replace_relations(c, id, &section_ids, &tag_ids, &bylines)?;
        let mut pinned: Vec<i64> = Vec::new();
        for slug in &content.related {
            if let Some(pin) = q::slug_owner(c, slug)?
                && !pinned.contains(&pin)
            {
                pinned.push(pin);
            }
        }
        crate::db::discovery::replace_pins(c, id, &pinned)?;
        Ok(())
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
        let (this, actor) = (self.clone(), actor.clone());
        let tree = self.fresh_tree().await?;
        let now = self.now();
        let article = self
            .db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                c.transaction(|c| {
                    let mut base = Content {
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
                    };
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
                    snapshot(c, id, 1, &me, "created", &content, now)?;
                    record(
                        c,
                        &me.who(),
                        "article.create",
                        &format!("article:{id}"),
                        &content.title,
                        now,
                    )?;
                    this.view(c, &tree, id, now)
                })
            })
            .await?;
        self.changed();
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
        let (this, actor) = (self.clone(), actor.clone());
        let tree = self.fresh_tree().await?;
        let now = self.now();
        let article = self
            .db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                c.transaction(|c| {
                    let (row, body, owner) = this.load(c, id)?;
                    me.may_edit(owner, &row)?;
                    let expected = expected(version, &row);
                    if expected != row.version {
                        return Err(conflict(id));
                    }
                    let current = this.content_of(c, &tree, &row, &body)?;
                    let input = make(&this, c, &current)?;
                    let content = this.apply(c, current.clone(), input, Some(id))?;
                    let cols = this.columns(c, &content, now)?;
                    let new_version =
                        q::update_article(c, id, expected, &cols)?.ok_or_else(|| conflict(id))?;
                    this.write_relations(c, id, &content)?;
                    crate::service::search::reindex(c, id)?;
                    if content.slug != current.slug {
                        q::drop_redirect(c, &content.slug)?;
                        if was_public(&row, now) {
                            q::add_redirect(c, &current.slug, id, now)?;
                        }
                    }
                    snapshot(c, id, new_version, &me, summary, &content, now)?;
                    record(
                        c,
                        &me.who(),
                        "article.update",
                        &format!("article:{id}"),
                        &format!("{summary} to version {new_version}"),
                        now,
                    )?;
                    this.view(c, &tree, id, now)
                })
            })
            .await?;
        self.changed();
        Ok(article)
    }

    pub async fn delete_article(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        let now = self.now();
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                c.transaction(|c| {
                    let (row, _, owner) = this.load(c, id)?;
                    me.may_edit(owner, &row)?;
                    if row.status != ArticleStatus::Draft {
                        me.may_publish(owner)?;
                    }
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
                })
            })
            .await?;
        self.content.forget_related(id);
        self.changed();
        Ok(())
    }

    /// Publishes now, or schedules for a future `published_at`.
    pub async fn publish(
        &self,
        actor: &Actor,
        id: i64,
        version: Option<i32>,
        input: PublishInput,
    ) -> Result<EditorArticle, AppError> {
        let now = self.now();
        self.transition(actor, id, version, "article.publish", move |row| {
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
        self.transition(actor, id, version, "article.unpublish", |row| {
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
        self.transition(actor, id, version, "article.archive", |row| {
            Ok((ArticleStatus::Archived, row.published_at))
        })
        .await
    }

    async fn transition<F>(
        &self,
        actor: &Actor,
        id: i64,
        version: Option<i32>,
        action: &'static str,
        next: F,
    ) -> Result<EditorArticle, AppError>
    where
        F: FnOnce(&ArticleRow) -> Result<(ArticleStatus, Option<NaiveDateTime>), AppError> + Send + 'static,
    {
        let (this, actor) = (self.clone(), actor.clone());
        let tree = self.fresh_tree().await?;
        let now = self.now();
        let article = self
            .db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                c.transaction(|c| {
                    let (row, body, owner) = this.load(c, id)?;
                    me.may_publish(owner)?;
                    let expected = expected(version, &row);
                    if expected != row.version {
                        return Err(conflict(id));
                    }
                    if action == "article.publish" {
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
                    let new_version =
                        q::set_status(c, id, expected, status, at, now)?.ok_or_else(|| conflict(id))?;
                    crate::service::search::reindex(c, id)?;
                    let content = this.content_of(c, &tree, &row, &body)?;
                    let summary = format!(
                        "{status}{}",
                        at.map(|t| format!(" at {}", utc(t).to_rfc3339()))
                            .unwrap_or_default()
                    );
                    snapshot(c, id, new_version, &me, &summary, &content, now)?;
                    record(c, &me.who(), action, &format!("article:{id}"), &summary, now)?;
                    this.view(c, &tree, id, now)
                })
            })
            .await?;
        self.changed();
        Ok(article)
    }

    /// Appends a correction, shown publicly under the article.
    pub async fn add_correction(
        &self,
        actor: &Actor,
        id: i64,
        note: String,
    ) -> Result<EditorArticle, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        let tree = self.fresh_tree().await?;
        let now = self.now();
        let article = self
            .db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                c.transaction(|c| {
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
                    this.view(c, &tree, id, now)
                })
            })
            .await?;
        self.changed();
        Ok(article)
    }

    pub async fn editor_article(&self, actor: &Actor, id: i64) -> Result<EditorArticle, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        let tree = self.fresh_tree().await?;
        let now = self.now();
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                let (_, _, owner) = this.load(c, id)?;
                me.may_view(owner)?;
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

    pub async fn revisions(&self, actor: &Actor, id: i64) -> Result<Vec<RevisionView>, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                let (_, _, owner) = this.load(c, id)?;
                me.may_view(owner)?;
                q::list_revisions(c, id)?.into_iter().map(revision_view).collect()
            })
            .await
    }

    pub async fn revision(&self, actor: &Actor, id: i64, version: i32) -> Result<RevisionView, AppError> {
        let (this, actor) = (self.clone(), actor.clone());
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Contributor)?;
                let (_, _, owner) = this.load(c, id)?;
                me.may_view(owner)?;
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

    async fn fresh_tree(&self) -> Result<Arc<SectionTree>, AppError> {
        self.content.section_tree().await
    }
}

/// Keeps the saved content as revision `version`.
fn snapshot(
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

fn revision_view(row: q::RevisionRow) -> Result<RevisionView, AppError> {
    Ok(RevisionView {
        version: row.version,
        created_at: utc(row.created_at),
        actor_id: row.actor_id,
        summary: row.summary,
        content: serde_json::from_str(&row.content).map_err(AppError::internal)?,
    })
}
