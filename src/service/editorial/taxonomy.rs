//! Sections, tags, authors and media: editors manage them; contributors may add media.

use crate::service::Change;
use serde::Deserialize;
use utoipa::ToSchema;

use super::audit::record;
use super::views::MediaView;
use super::{EditorialService, check_slug, check_text};
use crate::auth::{Actor, Role};
use crate::content::slug::slugify;
use crate::db::taxonomy_writes::{self as q, AuthorColumns, MediaColumns, SectionColumns, TagColumns};
use crate::error::{AppError, FieldError};
use crate::service::taxonomy::{author_view, tag_view};
use crate::service::views::{AuthorView, SectionNode, TagView};

#[derive(Debug, Clone, Default, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct SectionInput {
    /// Made from the name when not given.
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Slug of the parent section; an empty string makes it a root.
    pub parent: Option<String>,
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct TagInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct AuthorInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    /// Job title.
    pub title: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct MediaInput {
    pub url: Option<String>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

fn is_http(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() > 8
        && !url.contains(char::is_whitespace)
}

fn pick_slug(
    errors: &mut Vec<FieldError>,
    given: Option<String>,
    current: Option<&str>,
    name: &str,
) -> String {
    let slug = match (given, current) {
        (Some(s), _) => s.trim().to_owned(),
        (None, Some(c)) => c.to_owned(),
        (None, None) => slugify(name),
    };
    check_slug(errors, "slug", &slug);
    slug
}

fn taken(errors: &mut Vec<FieldError>, owner: Option<i64>, me: Option<i64>) {
    if owner.is_some() && owner != me {
        errors.push(FieldError::new(
            "slug",
            "taken",
            "Another item already has this slug.",
        ));
    }
}

fn node(row: crate::db::taxonomy::SectionRow) -> SectionNode {
    SectionNode {
        id: row.id,
        slug: row.slug,
        name: row.name,
        description: row.description,
        position: row.position,
        children: Vec::new(),
    }
}

impl EditorialService {
    /// Creates (id None) or updates a section.
    pub async fn save_section(
        &self,
        actor: &Actor,
        id: Option<i64>,
        input: SectionInput,
    ) -> Result<SectionNode, AppError> {
        self.write(
            actor,
            Role::Editor,
            |s: &SectionNode| Change::Section(s.id),
            move |c, me, now| {
                let current = match id {
                    Some(id) => Some(
                        q::section(c, id)?
                            .ok_or_else(|| AppError::not_found("section", format!("with id {id}")))?,
                    ),
                    None => None,
                };
                let mut errors = Vec::new();
                let name = input
                    .name
                    .or(current.as_ref().map(|s| s.name.clone()))
                    .unwrap_or_default();
                check_text(&mut errors, "name", &name, 100);
                let slug = pick_slug(
                    &mut errors,
                    input.slug,
                    current.as_ref().map(|s| s.slug.as_str()),
                    &name,
                );
                taken(&mut errors, q::section_slug_owner(c, &slug)?, id);
                let parent_id = match input.parent.as_deref().map(str::trim) {
                    None => current.as_ref().and_then(|s| s.parent_id),
                    Some("") => None,
                    Some(parent) => match q::section_slug_owner(c, parent)? {
                        Some(pid) if Some(pid) == id => {
                            errors.push(FieldError::new(
                                "parent",
                                "cycle",
                                "A section cannot be its own parent.",
                            ));
                            None
                        }
                        Some(pid) => Some(pid),
                        None => {
                            errors.push(FieldError::new(
                                "parent",
                                "unknown",
                                format!("There is no section {parent:?}."),
                            ));
                            None
                        }
                    },
                };
                if let (Some(me_id), Some(pid)) = (id, parent_id) {
                    // Walk up from the new parent: meeting this section would make a loop.
                    let mut cursor = Some(pid);
                    while let Some(p) = cursor {
                        if p == me_id {
                            errors.push(FieldError::new(
                                "parent",
                                "cycle",
                                "A section cannot sit below itself.",
                            ));
                            break;
                        }
                        cursor = q::section(c, p)?.and_then(|s| s.parent_id);
                    }
                }
                if !errors.is_empty() {
                    return Err(AppError::Validation(errors));
                }
                let cols = SectionColumns {
                    slug,
                    name,
                    description: input
                        .description
                        .or(current.as_ref().map(|s| s.description.clone()))
                        .unwrap_or_default(),
                    parent_id,
                    position: input
                        .position
                        .or(current.as_ref().map(|s| s.position))
                        .unwrap_or(0),
                    updated_at: now,
                };
                let saved_id = match id {
                    Some(id) => {
                        q::update_section(c, id, &cols)?;
                        id
                    }
                    None => q::insert_section(c, &cols, now)?,
                };
                let action = if id.is_some() {
                    "section.update"
                } else {
                    "section.create"
                };
                record(
                    c,
                    &me.who(),
                    action,
                    &format!("section:{saved_id}"),
                    &cols.slug,
                    now,
                )?;
                Ok(node(q::section(c, saved_id)?.ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("section vanished"))
                })?))
            },
        )
        .await
    }

    pub async fn delete_section(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        self.write(
            actor,
            Role::Editor,
            move |_| Change::Section(id),
            move |c, me, now| {
                let section = q::section(c, id)?
                    .ok_or_else(|| AppError::not_found("section", format!("with id {id}")))?;
                let (articles, children) = q::section_uses(c, id)?;
                if articles > 0 || children > 0 {
                    return Err(AppError::InUse(format!(
                        "section {:?} still has {articles} articles and {children} sub-sections",
                        section.slug
                    )));
                }
                q::delete_section(c, id)?;
                record(
                    c,
                    &me.who(),
                    "section.delete",
                    &format!("section:{id}"),
                    &section.slug,
                    now,
                )
            },
        )
        .await
    }

    pub async fn save_tag(
        &self,
        actor: &Actor,
        id: Option<i64>,
        input: TagInput,
    ) -> Result<TagView, AppError> {
        self.write(
            actor,
            Role::Editor,
            |t: &TagView| Change::Tag(t.id),
            move |c, me, now| {
                let current = match id {
                    Some(id) => Some(
                        q::tag(c, id)?.ok_or_else(|| AppError::not_found("tag", format!("with id {id}")))?,
                    ),
                    None => None,
                };
                let mut errors = Vec::new();
                let name = input
                    .name
                    .or(current.as_ref().map(|t| t.name.clone()))
                    .unwrap_or_default();
                check_text(&mut errors, "name", &name, 100);
                let slug = pick_slug(
                    &mut errors,
                    input.slug,
                    current.as_ref().map(|t| t.slug.as_str()),
                    &name,
                );
                taken(&mut errors, q::tag_slug_owner(c, &slug)?, id);
                if !errors.is_empty() {
                    return Err(AppError::Validation(errors));
                }
                let cols = TagColumns {
                    slug,
                    name,
                    description: input
                        .description
                        .or(current.as_ref().map(|t| t.description.clone()))
                        .unwrap_or_default(),
                    updated_at: now,
                };
                let renamed = current.as_ref().is_some_and(|t| t.name != cols.name);
                let saved_id = match id {
                    Some(id) => {
                        q::update_tag(c, id, &cols)?;
                        id
                    }
                    None => q::insert_tag(c, &cols, now)?,
                };
                if renamed {
                    // Search finds articles by their tags' names.
                    for article in q::tagged_article_ids(c, saved_id)? {
                        crate::service::search::reindex(c, article)?;
                    }
                }
                let action = if id.is_some() { "tag.update" } else { "tag.create" };
                record(c, &me.who(), action, &format!("tag:{saved_id}"), &cols.slug, now)?;
                Ok(tag_view(q::tag(c, saved_id)?.ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("tag vanished"))
                })?))
            },
        )
        .await
    }

    pub async fn delete_tag(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        self.write(
            actor,
            Role::Editor,
            move |_| Change::Tag(id),
            move |c, me, now| {
                let tag =
                    q::tag(c, id)?.ok_or_else(|| AppError::not_found("tag", format!("with id {id}")))?;
                let tagged = q::tagged_article_ids(c, id)?;
                // Their tag lists change, and once the links are gone nothing can tell which.
                crate::service::sync::log_articles(c, &tagged, now)?;
                q::delete_tag(c, id)?;
                for article in tagged {
                    crate::service::search::reindex(c, article)?;
                }
                record(c, &me.who(), "tag.delete", &format!("tag:{id}"), &tag.slug, now)
            },
        )
        .await
    }

    pub async fn save_author(
        &self,
        actor: &Actor,
        id: Option<i64>,
        input: AuthorInput,
    ) -> Result<AuthorView, AppError> {
        self.write(
            actor,
            Role::Editor,
            |a: &AuthorView| Change::Author(a.id),
            move |c, me, now| {
                let current = match id {
                    Some(id) => Some(
                        q::author(c, id)?
                            .ok_or_else(|| AppError::not_found("author", format!("with id {id}")))?,
                    ),
                    None => None,
                };
                let mut errors = Vec::new();
                let name = input
                    .name
                    .or(current.as_ref().map(|a| a.name.clone()))
                    .unwrap_or_default();
                check_text(&mut errors, "name", &name, 100);
                let slug = pick_slug(
                    &mut errors,
                    input.slug,
                    current.as_ref().map(|a| a.slug.as_str()),
                    &name,
                );
                taken(&mut errors, q::author_slug_owner(c, &slug)?, id);
                let avatar_url = match input.avatar_url {
                    Some(url) if url.trim().is_empty() => None,
                    Some(url) => {
                        if !is_http(&url) {
                            errors.push(FieldError::new(
                                "avatar_url",
                                "invalid",
                                "The avatar URL must be http(s).",
                            ));
                        }
                        Some(url)
                    }
                    None => current.as_ref().and_then(|a| a.avatar_url.clone()),
                };
                if !errors.is_empty() {
                    return Err(AppError::Validation(errors));
                }
                let cols = AuthorColumns {
                    slug,
                    name,
                    title: input
                        .title
                        .or(current.as_ref().map(|a| a.title.clone()))
                        .unwrap_or_default(),
                    bio: input
                        .bio
                        .or(current.as_ref().map(|a| a.bio.clone()))
                        .unwrap_or_default(),
                    avatar_url,
                    updated_at: now,
                };
                let renamed = current.as_ref().is_some_and(|a| a.name != cols.name);
                let saved_id = match id {
                    Some(id) => {
                        q::update_author(c, id, &cols)?;
                        id
                    }
                    None => q::insert_author(c, &cols, now)?,
                };
                if renamed {
                    // Search finds articles by their authors' names.
                    for article in q::bylined_article_ids(c, saved_id)? {
                        crate::service::search::reindex(c, article)?;
                    }
                }
                let action = if id.is_some() {
                    "author.update"
                } else {
                    "author.create"
                };
                record(
                    c,
                    &me.who(),
                    action,
                    &format!("author:{saved_id}"),
                    &cols.slug,
                    now,
                )?;
                Ok(author_view(q::author(c, saved_id)?.ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("author vanished"))
                })?))
            },
        )
        .await
    }

    pub async fn delete_author(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        self.write(
            actor,
            Role::Editor,
            move |_| Change::Author(id),
            move |c, me, now| {
                let author = q::author(c, id)?
                    .ok_or_else(|| AppError::not_found("author", format!("with id {id}")))?;
                let bylines = q::author_bylines(c, id)?;
                if bylines > 0 {
                    return Err(AppError::InUse(format!(
                        "author {:?} still has {bylines} bylines",
                        author.slug
                    )));
                }
                q::delete_author(c, id)?;
                record(
                    c,
                    &me.who(),
                    "author.delete",
                    &format!("author:{id}"),
                    &author.slug,
                    now,
                )
            },
        )
        .await
    }

    /// Contributors and up may add media; changing or removing it is for editors.
    pub async fn save_media(
        &self,
        actor: &Actor,
        id: Option<i64>,
        input: MediaInput,
    ) -> Result<MediaView, AppError> {
        let needed = if id.is_some() {
            Role::Editor
        } else {
            Role::Contributor
        };
        self.write(
            actor,
            needed,
            |m: &MediaView| Change::Media(m.id),
            move |c, me, now| {
                let current = match id {
                    Some(id) => Some(
                        q::media_item(c, id)?
                            .ok_or_else(|| AppError::not_found("media", format!("with id {id}")))?,
                    ),
                    None => None,
                };
                let mut errors = Vec::new();
                let url = input
                    .url
                    .or(current.as_ref().map(|m| m.url.clone()))
                    .unwrap_or_default();
                if !is_http(&url) {
                    errors.push(FieldError::new("url", "invalid", "Give the image's http(s) URL."));
                }
                for (field, v) in [("width", input.width), ("height", input.height)] {
                    if v.is_some_and(|v| v <= 0) {
                        errors.push(FieldError::new(
                            field,
                            "invalid",
                            format!("The {field} is a positive number of pixels."),
                        ));
                    }
                }
                if !errors.is_empty() {
                    return Err(AppError::Validation(errors));
                }
                let keep =
                    |new: Option<String>, old: Option<&String>| new.or(old.cloned()).unwrap_or_default();
                let cols = MediaColumns {
                    url,
                    alt: keep(input.alt, current.as_ref().map(|m| &m.alt)),
                    caption: keep(input.caption, current.as_ref().map(|m| &m.caption)),
                    credit: keep(input.credit, current.as_ref().map(|m| &m.credit)),
                    width: input.width.or(current.as_ref().and_then(|m| m.width)),
                    height: input.height.or(current.as_ref().and_then(|m| m.height)),
                    updated_at: now,
                };
                let saved_id = match id {
                    Some(id) => {
                        q::update_media(c, id, &cols)?;
                        id
                    }
                    None => q::insert_media(c, &cols, now)?,
                };
                let action = if id.is_some() {
                    "media.update"
                } else {
                    "media.create"
                };
                record(c, &me.who(), action, &format!("media:{saved_id}"), &cols.url, now)?;
                let m = q::media_item(c, saved_id)?
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("media vanished")))?;
                Ok(media_view(m))
            },
        )
        .await
    }

    pub async fn delete_media(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        self.write(
            actor,
            Role::Editor,
            move |_| Change::Media(id),
            move |c, me, now| {
                let m = q::media_item(c, id)?
                    .ok_or_else(|| AppError::not_found("media", format!("with id {id}")))?;
                let showing = crate::db::changes::articles_showing_media(c, id)?;
                crate::service::sync::log_articles(c, &showing, now)?;
                q::delete_media(c, id)?;
                record(c, &me.who(), "media.delete", &format!("media:{id}"), &m.url, now)
            },
        )
        .await
    }
}

impl EditorialService {
    /// A read for any signed-in user: `find` runs on a connection once the caller is checked.
    async fn read<T, F>(&self, actor: &Actor, find: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut crate::db::DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let (this, actor) = (self.clone(), actor.clone());
        self.db
            .run(move |c| {
                this.current_in(c, &actor, Role::Contributor)?;
                find(c)
            })
            .await
    }

    /// One section, tag, author or media record by id, for the CMS.
    pub async fn section_by_id(&self, actor: &Actor, id: i64) -> Result<SectionNode, AppError> {
        self.read(actor, move |c| {
            q::section(c, id)?
                .map(node)
                .ok_or_else(|| AppError::not_found("section", format!("with id {id}")))
        })
        .await
    }

    pub async fn tag_by_id(&self, actor: &Actor, id: i64) -> Result<TagView, AppError> {
        self.read(actor, move |c| {
            q::tag(c, id)?
                .map(tag_view)
                .ok_or_else(|| AppError::not_found("tag", format!("with id {id}")))
        })
        .await
    }

    pub async fn author_by_id(&self, actor: &Actor, id: i64) -> Result<AuthorView, AppError> {
        self.read(actor, move |c| {
            q::author(c, id)?
                .map(author_view)
                .ok_or_else(|| AppError::not_found("author", format!("with id {id}")))
        })
        .await
    }

    pub async fn media_by_id(&self, actor: &Actor, id: i64) -> Result<MediaView, AppError> {
        self.read(actor, move |c| {
            q::media_item(c, id)?
                .map(media_view)
                .ok_or_else(|| AppError::not_found("media", format!("with id {id}")))
        })
        .await
    }
}

fn media_view(m: crate::db::articles::MediaRow) -> MediaView {
    MediaView {
        id: m.id,
        url: m.url,
        alt: m.alt,
        caption: m.caption,
        credit: m.credit,
        width: m.width,
        height: m.height,
    }
}
