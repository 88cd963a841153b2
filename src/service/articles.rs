//! Reading articles: one by slug or id, and filtered, paginated lists.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::paging::{Page, PageRequest};
use super::relations::{self, Relations, tag_ref};
use super::sections::{SectionTree, section_ref};
use super::views::{Article, ArticlePage, ArticleSummary, Byline, Correction, Media};
use super::{ContentService, Rendered, utc};
use crate::content::cursor::ArticleCursor;
use crate::content::{Block, BodyFormat, RenderedBody};
use crate::db::DbConn;
use crate::db::articles::{self as q, ArticleKey, ArticleRow, ListQuery};
use crate::db::taxonomy::{self, TagRow};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArticleLookup {
    Slug(String),
    Id(i64),
}

impl ArticleLookup {
    /// A slug as a client sent it, in the form slugs are stored (NFC).
    pub fn slug(raw: impl AsRef<str>) -> ArticleLookup {
        ArticleLookup::Slug(crate::content::slug::normalise(raw.as_ref()))
    }

    pub(super) fn key(&self) -> ArticleKey<'_> {
        match self {
            ArticleLookup::Slug(s) => ArticleKey::Slug(s),
            ArticleLookup::Id(id) => ArticleKey::Id(*id),
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            ArticleLookup::Slug(s) => format!("with slug {s:?}"),
            ArticleLookup::Id(id) => format!("with id {id}"),
        }
    }
}

/// Filters of an article list, by slug as clients know them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ArticleFilter {
    /// A section and all its sub-sections.
    pub section: Option<String>,
    pub tag: Option<String>,
    pub author: Option<String>,
    /// Published at or after this instant.
    pub published_after: Option<DateTime<Utc>>,
    /// Published strictly before this instant.
    pub published_before: Option<DateTime<Utc>>,
}

impl ArticleFilter {
    /// A section's articles, its sub-sections' included.
    pub fn section(slug: &str) -> ArticleFilter {
        ArticleFilter {
            section: Some(slug.to_owned()),
            ..Default::default()
        }
    }

    pub fn tag(slug: &str) -> ArticleFilter {
        ArticleFilter {
            tag: Some(slug.to_owned()),
            ..Default::default()
        }
    }

    pub fn author(slug: &str) -> ArticleFilter {
        ArticleFilter {
            author: Some(slug.to_owned()),
            ..Default::default()
        }
    }
}

/// An article's rows and everything that hangs off it, as read: what its view is made of.
#[derive(Debug)]
pub(crate) struct ArticleBundle {
    pub(in crate::service) row: ArticleRow,
    pub(in crate::service) blocks: Vec<Block>,
    pub(in crate::service) bylines: Vec<Byline>,
    pub(in crate::service) tags: Vec<TagRow>,
    pub(in crate::service) media: Option<Media>,
    pub(in crate::service) corrections: Vec<Correction>,
    pub(in crate::service) secondary_sections: Vec<i64>,
}

/// Roughly the memory a cached article holds: the body dominates.
pub(super) fn article_weight(article: &Article) -> u32 {
    let blocks = article.body.blocks.as_ref().map_or(0, |b| b.len());
    u32::try_from(blocks * 512 + 2048).unwrap_or(u32::MAX)
}

/// Reads everything that hangs off one article.
pub(crate) fn load_bundle(c: &mut DbConn, row: ArticleRow, body: &str) -> Result<ArticleBundle, AppError> {
    let ids = [row.id];
    let media_ids: Vec<i64> = row.featured_media_id.into_iter().collect();
    let mut rel = Relations::load(c, &ids, &media_ids)?;
    Ok(ArticleBundle {
        blocks: relations::parse_body(row.id, body)?,
        bylines: rel.bylines.remove(&row.id).unwrap_or_default(),
        tags: rel.tags.remove(&row.id).unwrap_or_default(),
        media: row.featured_media_id.and_then(|m| rel.media.remove(&m)),
        corrections: relations::load_corrections(c, &ids)?
            .remove(&row.id)
            .unwrap_or_default(),
        secondary_sections: relations::load_secondary_sections(c, &ids)?
            .remove(&row.id)
            .unwrap_or_default(),
        row,
    })
}

/// The public shape of an article.
pub(crate) fn article_view(bundle: &ArticleBundle, tree: &SectionTree, format: BodyFormat) -> Article {
    let row = &bundle.row;
    let rel = Relations {
        bylines: [(row.id, bundle.bylines.clone())].into(),
        tags: [(row.id, bundle.tags.clone())].into(),
        media: row
            .featured_media_id
            .zip(bundle.media.clone())
            .into_iter()
            .collect(),
    };
    Article {
        section_path: tree.path(row.section_id).into_iter().map(section_ref).collect(),
        sections: bundle
            .secondary_sections
            .iter()
            .filter_map(|&s| tree.reference(s))
            .collect(),
        corrections: bundle.corrections.clone(),
        body: RenderedBody::new(&bundle.blocks, format),
        summary: summary(row.clone(), &rel, tree),
    }
}

/// An article's response document, and its view when it was just built from rows.
enum Document {
    Stored(Arc<Rendered>),
    Built(Box<Article>, Arc<Rendered>),
    Missing,
}

/// What identifies one cached list page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct PageKey {
    filter: ArticleFilter,
    after: Option<ArticleCursor>,
    limit: i64,
}

pub(super) fn page_weight(page: &ArticlePage) -> u32 {
    u32::try_from(page.items.len() * 2048 + 256).unwrap_or(u32::MAX)
}

fn cursor_of(row: &ArticleRow) -> String {
    ArticleCursor {
        published_at: row.published_at.unwrap_or_default(),
        id: row.id,
    }
    .encode()
}

impl ContentService {
    /// A whole public article, its body as blocks, or `None`: what GraphQL and the
    /// service's own rules (comments, views) ask. Made from the same stored document as the
    /// REST response, and reused from the read cache.
    pub async fn article(&self, lookup: ArticleLookup) -> Result<Option<Arc<Article>>, AppError> {
        if let Some(article) = self.articles.get(&lookup, self.now()) {
            return Ok(Some(article));
        }
        let ticket = self.articles.ticket();
        let now = self.now();
        let article = match self.document(lookup.clone(), BodyFormat::Blocks).await? {
            Document::Built(view, _) => *view,
            Document::Stored(rendered) => {
                serde_json::from_slice::<Article>(&rendered.body).map_err(AppError::internal)?
            }
            Document::Missing => return Ok(None),
        };
        let article = Arc::new(article);
        // Visibility changes only by a write, which clears the cache: no horizon applies.
        self.articles.insert(lookup, article.clone(), ticket, now, None);
        Ok(Some(article))
    }

    /// A whole public article with its body in `format`, as the bytes of its REST response.
    pub async fn article_document(
        &self,
        lookup: ArticleLookup,
        format: BodyFormat,
    ) -> Result<Arc<Rendered>, AppError> {
        match self.document(lookup.clone(), format).await? {
            Document::Stored(rendered) | Document::Built(_, rendered) => Ok(rendered),
            Document::Missing => Err(AppError::not_found("article", lookup.describe())),
        }
    }

    /// Read from its stored document when there is one (one indexed read); otherwise
    /// assembled, answered, and stored for the next reader on any server.
    async fn document(&self, lookup: ArticleLookup, format: BodyFormat) -> Result<Document, AppError> {
        enum Found {
            Ready(q::StoredDocument),
            Assemble(Box<ArticleBundle>, i64),
            Missing,
        }
        let now = self.now();
        let key = lookup.clone();
        let ready = self
            .db
            .read(move |c| Ok(q::find_public_document(c, key.key(), format.as_str(), now)?))
            .await?;
        let found = match ready {
            Some(stored) => Found::Ready(stored),
            None => {
                self.db
                    .run(move |c| {
                        // Read before the article: a write after this point keeps what is
                        // built from it out of the documents (`store_document`).
                        let generation = q::content_generation(c)?;
                        match q::find_public(c, lookup.key(), now)? {
                            Some((row, body)) => {
                                Ok(Found::Assemble(Box::new(load_bundle(c, row, &body)?), generation))
                            }
                            None => Ok(Found::Missing),
                        }
                    })
                    .await?
            }
        };
        match found {
            Found::Ready((id, etag, body, keys)) => Ok(Document::Stored(Arc::new(Rendered {
                body: body.into(),
                etag,
                last_modified: None,
                article: Some(id),
                keys,
            }))),
            Found::Missing => Ok(Document::Missing),
            Found::Assemble(bundle, generation) => {
                let tree = self.section_tree_since(generation).await?;
                let view = article_view(&bundle, &tree, format);
                let rendered = Arc::new(Rendered {
                    article: Some(view.summary.id),
                    keys: super::purge::article_keys(&view, bundle.row.featured_media_id),
                    ..Rendered::new(serde_json::to_vec(&view).map_err(AppError::internal)?)
                });
                self.keep_document(bundle.row.id, format, rendered.clone(), generation);
                Ok(Document::Built(Box::new(view), rendered))
            }
        }
    }

    /// Stores a document after the response has gone, off the request's path.
    fn keep_document(&self, article_id: i64, format: BodyFormat, rendered: Arc<Rendered>, generation: i64) {
        let db = self.db.clone();
        tokio::spawn(async move {
            let stored = db
                .run_in_background(move |c| {
                    Ok(q::store_document(
                        c,
                        article_id,
                        format.as_str(),
                        (&rendered.etag, &rendered.body, &rendered.keys),
                        generation,
                    )?)
                })
                .await;
            if let Err(e) = stored {
                tracing::warn!(error = %e, article_id, "article document not stored");
            }
        });
    }

    /// The slug an article now has, when `slug` is an old one of a public article.
    pub async fn moved_to(&self, slug: &str) -> Result<Option<String>, AppError> {
        let slug = slug.to_owned();
        let now = self.now();
        self.db
            .run(move |c| {
                let Some(id) = crate::db::editorial::redirect_owner(c, &slug)? else {
                    return Ok(None);
                };
                Ok(q::find_public(c, ArticleKey::Id(id), now)?.map(|(row, _)| row.slug))
            })
            .await
    }

    /// One page of public articles, newest first, as summaries with their relations: read
    /// in one round trip and reused from the read cache.
    pub async fn article_page(
        &self,
        filter: ArticleFilter,
        page: PageRequest<ArticleCursor>,
    ) -> Result<Arc<ArticlePage>, AppError> {
        let key = PageKey {
            filter: filter.clone(),
            after: page.after,
            limit: page.limit,
        };
        if let Some(cached) = self.pages.get(&key, self.now()) {
            return Ok(cached);
        }
        let ticket = self.pages.ticket();
        let tree = self.section_tree().await?;
        let query = self.list_query(&filter, &page).await?;
        let now = self.now();
        let next = self.horizon.clone();
        let (result, horizon) = self
            .db
            .run(move |c| {
                let rows = rows_for(c, filter, query, now)?;
                let page = Page::from_rows(rows, page.limit, cursor_of);
                let ids: Vec<i64> = page.items.iter().map(|r| r.id).collect();
                let media_ids: Vec<i64> = page.items.iter().filter_map(|r| r.featured_media_id).collect();
                let rel = Relations::load(c, &ids, &media_ids)?;
                let result = ArticlePage {
                    items: page.items.into_iter().map(|r| summary(r, &rel, &tree)).collect(),
                    next_cursor: page.next_cursor,
                };
                Ok((result, next.at(c, now)?))
            })
            .await?;
        let result = Arc::new(result);
        self.pages.insert(key, result.clone(), ticket, now, horizon);
        Ok(result)
    }

    /// Resolves the section filter against the tree; tag and author are resolved in the list
    /// query's own round trip.
    async fn list_query(
        &self,
        filter: &ArticleFilter,
        page: &PageRequest<ArticleCursor>,
    ) -> Result<ListQuery, AppError> {
        let section_ids = match &filter.section {
            None => None,
            some => self.section_tree().await?.scope(some.as_deref())?,
        };
        Ok(ListQuery {
            section_ids,
            tag_id: None,
            author_id: None,
            published_after: filter.published_after.map(|t| t.naive_utc()),
            published_before: filter.published_before.map(|t| t.naive_utc()),
            after: page.after,
            // One more than asked: it tells whether there is a next page.
            limit: page.limit + 1,
        })
    }
}

fn rows_for(
    c: &mut DbConn,
    filter: ArticleFilter,
    mut query: ListQuery,
    now: chrono::NaiveDateTime,
) -> Result<Vec<ArticleRow>, AppError> {
    if let Some(slug) = &filter.tag {
        let tag = taxonomy::tag_by_slug(c, slug)?
            .ok_or_else(|| AppError::invalid("tag", format!("there is no tag with slug {slug:?}")))?;
        query.tag_id = Some(tag.id);
    }
    if let Some(slug) = &filter.author {
        let author = taxonomy::author_by_slug(c, slug)?
            .ok_or_else(|| AppError::invalid("author", format!("there is no author with slug {slug:?}")))?;
        query.author_id = Some(author.id);
    }
    Ok(q::list_public(c, &query, now)?)
}

pub(crate) fn summary(row: ArticleRow, rel: &Relations, tree: &SectionTree) -> ArticleSummary {
    let section = tree.reference(row.section_id).unwrap_or_else(|| {
        // The foreign key makes this unreachable short of a concurrent delete.
        super::views::SectionRef {
            id: row.section_id,
            slug: String::new(),
            name: String::new(),
        }
    });
    ArticleSummary {
        section,
        authors: rel.bylines.get(&row.id).cloned().unwrap_or_default(),
        tags: rel.tags.get(&row.id).into_iter().flatten().map(tag_ref).collect(),
        featured_media: row.featured_media_id.and_then(|m| rel.media.get(&m).cloned()),
        published_at: utc(row.published_at.unwrap_or_default()),
        updated_at: utc(row.updated_at),
        id: row.id,
        slug: row.slug,
        title: row.title,
        subtitle: row.subtitle,
        dateline: row.dateline,
        excerpt: row.excerpt,
        canonical_url: row.canonical_url,
        language: row.language,
        word_count: row.word_count,
        reading_time_minutes: row.reading_time_minutes,
        comment_status: row.comment_status,
    }
}
