//! Reading articles: one by slug or id, and filtered, paginated lists.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::paging::{Page, PageRequest};
use super::relations::{self, Relations, tag_ref};
use super::sections::{SectionTree, section_ref};
use super::views::{Article, ArticlePage, ArticleSummary};
use super::{ContentService, utc};
use crate::content::cursor::ArticleCursor;
use crate::content::{Block, BodyFormat, RenderedBody};
use crate::db::DbConn;
use crate::db::articles::{self as q, ArticleKey, ArticleRow, ListQuery};
use crate::db::taxonomy;
use crate::error::AppError;

#[derive(Debug, Clone)]
pub enum ArticleLookup {
    Slug(String),
    Id(i64),
}

impl ArticleLookup {
    fn key(&self) -> ArticleKey<'_> {
        match self {
            ArticleLookup::Slug(s) => ArticleKey::Slug(s),
            ArticleLookup::Id(id) => ArticleKey::Id(*id),
        }
    }

    fn describe(&self) -> String {
        match self {
            ArticleLookup::Slug(s) => format!("with slug {s:?}"),
            ArticleLookup::Id(id) => format!("with id {id}"),
        }
    }
}

/// Filters of an article list, by slug as clients know them.
#[derive(Debug, Clone, Default)]
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

/// A public article as stored, with its body when it was loaded.
#[derive(Debug, Clone)]
pub struct ArticleRecord {
    pub row: ArticleRow,
    pub body: Option<Arc<Vec<Block>>>,
}

impl ArticleRecord {
    pub fn cursor(&self) -> String {
        cursor_of(&self.row)
    }
}

fn cursor_of(row: &ArticleRow) -> String {
    ArticleCursor {
        published_at: row.published_at.unwrap_or_default(),
        id: row.id,
    }
    .encode()
}

impl ContentService {
    /// A public article, or `None`; the body comes with it.
    pub async fn find_article(&self, lookup: ArticleLookup) -> Result<Option<ArticleRecord>, AppError> {
        let now = self.now();
        self.db
            .run(move |c| {
                let Some((row, body)) = q::find_public(c, lookup.key(), now)? else {
                    return Ok(None);
                };
                let body = relations::parse_body(row.id, &body)?;
                Ok(Some(ArticleRecord {
                    row,
                    body: Some(Arc::new(body)),
                }))
            })
            .await
    }

    /// A whole public article with its body in `format`, read in one database round trip.
    pub async fn article(&self, lookup: ArticleLookup, format: BodyFormat) -> Result<Article, AppError> {
        let tree = self.section_tree().await?;
        let now = self.now();
        self.db
            .run(move |c| {
                let Some((row, body)) = q::find_public(c, lookup.key(), now)? else {
                    return Err(AppError::not_found("article", lookup.describe()));
                };
                let ids = [row.id];
                let media_ids: Vec<i64> = row.featured_media_id.into_iter().collect();
                let rel = Relations::load(c, &ids, &media_ids)?;
                let secondary = relations::load_secondary_sections(c, &ids)?;
                let mut corrections = relations::load_corrections(c, &ids)?;
                let blocks = relations::parse_body(row.id, &body)?;
                Ok(Article {
                    section_path: tree.path(row.section_id).into_iter().map(section_ref).collect(),
                    sections: secondary
                        .get(&row.id)
                        .into_iter()
                        .flatten()
                        .filter_map(|&s| tree.reference(s))
                        .collect(),
                    corrections: corrections.remove(&row.id).unwrap_or_default(),
                    comment_status: row.comment_status.clone(),
                    body: RenderedBody::new(&blocks, format),
                    summary: summary(row, &rel, &tree),
                })
            })
            .await
    }

    /// One page of public articles, newest first.
    pub async fn list_articles(
        &self,
        filter: ArticleFilter,
        page: PageRequest<ArticleCursor>,
    ) -> Result<Page<ArticleRecord>, AppError> {
        let query = self.list_query(&filter, &page).await?;
        let now = self.now();
        self.db
            .run(move |c| {
                let rows = rows_for(c, filter, query, now)?;
                Ok(Page::from_rows(rows, page.limit, cursor_of).map(|row| ArticleRecord { row, body: None }))
            })
            .await
    }

    /// The same page as summaries (for REST), relations included, in one round trip.
    pub async fn article_page(
        &self,
        filter: ArticleFilter,
        page: PageRequest<ArticleCursor>,
    ) -> Result<ArticlePage, AppError> {
        let tree = self.section_tree().await?;
        let query = self.list_query(&filter, &page).await?;
        let now = self.now();
        self.db
            .run(move |c| {
                let rows = rows_for(c, filter, query, now)?;
                let page = Page::from_rows(rows, page.limit, cursor_of);
                let ids: Vec<i64> = page.items.iter().map(|r| r.id).collect();
                let media_ids: Vec<i64> = page.items.iter().filter_map(|r| r.featured_media_id).collect();
                let rel = Relations::load(c, &ids, &media_ids)?;
                Ok(ArticlePage {
                    items: page.items.into_iter().map(|r| summary(r, &rel, &tree)).collect(),
                    next_cursor: page.next_cursor,
                })
            })
            .await
    }

    /// Turns records into summaries with the same loaders GraphQL uses.
    pub async fn summaries(&self, records: Vec<ArticleRecord>) -> Result<Vec<ArticleSummary>, AppError> {
        let tree = self.section_tree().await?;
        let ids: Vec<i64> = records.iter().map(|r| r.row.id).collect();
        let media_ids: Vec<i64> = records.iter().filter_map(|r| r.row.featured_media_id).collect();
        let rel = self.db.run(move |c| Relations::load(c, &ids, &media_ids)).await?;
        Ok(records.into_iter().map(|r| summary(r.row, &rel, &tree)).collect())
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
            Some(slug) => {
                let tree = self.section_tree().await?;
                let section = tree.by_slug(slug).ok_or_else(|| {
                    AppError::invalid("section", format!("there is no section with slug {slug:?}"))
                })?;
                Some(tree.with_descendants(section.id))
            }
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

pub(super) fn summary(row: ArticleRow, rel: &Relations, tree: &SectionTree) -> ArticleSummary {
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
    }
}
