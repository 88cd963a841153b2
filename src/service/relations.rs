//! Batch loading of what hangs off articles. Each loader takes many article ids and runs one
//! statement, so a page of fifty articles costs as many statements as a page of one. REST
//! assembles pages from these directly; GraphQL calls them through its dataloaders.

use std::collections::HashMap;
use std::sync::Arc;

use super::views::{Byline, Correction, Media, TagRef, TagView};
use super::{ContentService, utc};
use crate::content::{self, Block};
use crate::db::DbConn;
use crate::db::articles::{self as q, MediaRow};
use crate::db::taxonomy::{AuthorRow, TagRow};
use crate::error::AppError;

pub fn byline(author: AuthorRow, role: Option<String>) -> Byline {
    Byline {
        id: author.id,
        slug: author.slug,
        name: author.name,
        title: author.title,
        avatar_url: author.avatar_url,
        role,
    }
}

pub fn tag_ref(row: &TagRow) -> TagRef {
    TagRef {
        id: row.id,
        slug: row.slug.clone(),
        name: row.name.clone(),
    }
}

fn media_view(row: MediaRow) -> Media {
    Media {
        url: row.url,
        alt: row.alt,
        caption: row.caption,
        credit: row.credit,
        width: row.width,
        height: row.height,
    }
}

/// Every id gets an entry, empty when it has nothing: callers (and dataloader caches) can
/// tell "none" from "not loaded".
fn all_empty<V>(ids: &[i64]) -> HashMap<i64, Vec<V>> {
    ids.iter().map(|&id| (id, Vec::new())).collect()
}

pub fn load_bylines(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Vec<Byline>>, AppError> {
    let mut out = all_empty(ids);
    for (article, role, author) in q::bylines(conn, ids)? {
        out.entry(article).or_default().push(byline(author, role));
    }
    Ok(out)
}

pub fn load_tags(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Vec<TagRow>>, AppError> {
    let mut out = all_empty(ids);
    for (article, tag) in q::tags_of(conn, ids)? {
        out.entry(article).or_default().push(tag);
    }
    Ok(out)
}

pub fn load_media(conn: &mut DbConn, media_ids: &[i64]) -> Result<HashMap<i64, Media>, AppError> {
    if media_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(q::media_by_ids(conn, media_ids)?
        .into_iter()
        .map(|m| (m.id, media_view(m)))
        .collect())
}

pub fn load_corrections(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Vec<Correction>>, AppError> {
    let mut out = all_empty(ids);
    for c in q::corrections_of(conn, ids)? {
        out.entry(c.article_id).or_default().push(Correction {
            noted_at: utc(c.noted_at),
            note: c.note,
        });
    }
    Ok(out)
}

pub fn load_secondary_sections(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>, AppError> {
    let mut out = all_empty(ids);
    for (article, section) in q::secondary_sections(conn, ids)? {
        out.entry(article).or_default().push(section);
    }
    Ok(out)
}

pub fn load_bodies(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Arc<Vec<Block>>>, AppError> {
    q::bodies(conn, ids)?
        .into_iter()
        .map(|(id, json)| Ok((id, Arc::new(parse_body(id, &json)?))))
        .collect()
}

pub fn parse_body(id: i64, json: &str) -> Result<Vec<Block>, AppError> {
    content::blocks::parse(json)
        .map_err(|e| AppError::internal(anyhow::anyhow!("article {id} has an unreadable body: {e}")))
}

/// What an article summary needs besides its own row.
#[derive(Default)]
pub struct Relations {
    pub bylines: HashMap<i64, Vec<Byline>>,
    pub tags: HashMap<i64, Vec<TagRow>>,
    /// By media id.
    pub media: HashMap<i64, Media>,
}

impl Relations {
    pub fn load(conn: &mut DbConn, ids: &[i64], media_ids: &[i64]) -> Result<Relations, AppError> {
        if ids.is_empty() {
            return Ok(Relations::default());
        }
        Ok(Relations {
            bylines: load_bylines(conn, ids)?,
            tags: load_tags(conn, ids)?,
            media: load_media(conn, media_ids)?,
        })
    }
}

impl ContentService {
    /// Tags by their own ids.
    pub async fn tags_by_id(&self, ids: Vec<i64>) -> Result<HashMap<i64, TagView>, AppError> {
        let rows = self.db.run(move |c| Ok(q::tags_by_id(c, &ids)?)).await?;
        Ok(rows
            .into_iter()
            .map(|t| (t.id, super::taxonomy::tag_view(t)))
            .collect())
    }

    pub async fn corrections(&self, ids: Vec<i64>) -> Result<HashMap<i64, Vec<Correction>>, AppError> {
        self.db.run(move |c| load_corrections(c, &ids)).await
    }

    pub async fn secondary_sections(&self, ids: Vec<i64>) -> Result<HashMap<i64, Vec<i64>>, AppError> {
        self.db.run(move |c| load_secondary_sections(c, &ids)).await
    }

    pub async fn bodies(&self, ids: Vec<i64>) -> Result<HashMap<i64, Arc<Vec<Block>>>, AppError> {
        self.db.run(move |c| load_bodies(c, &ids)).await
    }
}
