//! The section tree (World > Middle East), cached briefly: it is small, read on almost every
//! request and changes rarely.

use std::collections::HashMap;
use std::sync::Arc;

use super::ContentService;
use super::views::{SectionNode, SectionRef, SectionTreeView, SectionView};
use crate::db::taxonomy::{self, SectionRow};
use crate::error::AppError;
use crate::service::utc;

#[derive(Debug)]
pub struct SectionTree {
    rows: Vec<SectionView>,
    by_id: HashMap<i64, usize>,
    by_slug: HashMap<String, usize>,
    children: HashMap<Option<i64>, Vec<usize>>,
    /// The content generation read before the rows: the tree holds every write up to it.
    generation: i64,
}

impl SectionTree {
    pub fn new(rows: Vec<SectionRow>, generation: i64) -> SectionTree {
        let rows: Vec<SectionView> = rows.into_iter().map(section_view).collect();
        let by_id = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        let by_slug = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.slug.clone(), i))
            .collect();
        // Rows arrive in display order, so children lists keep it.
        let mut children: HashMap<Option<i64>, Vec<usize>> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            children.entry(r.parent_id).or_default().push(i);
        }
        SectionTree {
            rows,
            by_id,
            by_slug,
            children,
            generation,
        }
    }

    /// When a section last changed.
    pub fn last_changed(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.rows.iter().map(|r| r.updated_at).max()
    }

    pub fn get(&self, id: i64) -> Option<&SectionView> {
        self.by_id.get(&id).map(|&i| &self.rows[i])
    }

    pub fn by_slug(&self, slug: &str) -> Option<&SectionView> {
        self.by_slug.get(slug).map(|&i| &self.rows[i])
    }

    pub fn children(&self, id: Option<i64>) -> impl Iterator<Item = &SectionView> {
        self.children
            .get(&id)
            .into_iter()
            .flatten()
            .map(|&i| &self.rows[i])
    }

    pub fn parent(&self, id: i64) -> Option<&SectionView> {
        self.get(id).and_then(|s| s.parent_id).and_then(|p| self.get(p))
    }

    /// From the root down to `id`, inclusive.
    pub fn path(&self, id: i64) -> Vec<&SectionView> {
        let mut path = Vec::new();
        let mut current = self.get(id);
        while let Some(s) = current {
            // A cycle can only come from a hand-edited database; stop rather than loop.
            if path.len() > self.rows.len() {
                break;
            }
            path.push(s);
            current = s.parent_id.and_then(|p| self.get(p));
        }
        path.reverse();
        path
    }

    /// The ids a section filter given by slug covers (the section and its sub-sections);
    /// `None` for no filter, an error naming `section` for a slug the tree does not have.
    pub fn scope(&self, slug: Option<&str>) -> Result<Option<Vec<i64>>, AppError> {
        let Some(slug) = slug else { return Ok(None) };
        let section = self
            .by_slug(slug)
            .ok_or_else(|| AppError::invalid("section", format!("there is no section with slug {slug:?}")))?;
        Ok(Some(self.with_descendants(section.id)))
    }

    /// The section and everything below it.
    pub fn with_descendants(&self, id: i64) -> Vec<i64> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() && out.len() <= self.rows.len() {
            out.extend(self.children(Some(out[i])).map(|c| c.id));
            i += 1;
        }
        out
    }

    pub fn reference(&self, id: i64) -> Option<SectionRef> {
        self.get(id).map(section_ref)
    }

    fn node(&self, row: &SectionView) -> SectionNode {
        SectionNode {
            id: row.id,
            slug: row.slug.clone(),
            name: row.name.clone(),
            description: row.description.clone(),
            position: row.position,
            children: self.children(Some(row.id)).map(|c| self.node(c)).collect(),
        }
    }
}

fn section_view(row: SectionRow) -> SectionView {
    SectionView {
        id: row.id,
        slug: row.slug,
        name: row.name,
        description: row.description,
        parent_id: row.parent_id,
        position: row.position,
        updated_at: utc(row.updated_at),
    }
}

pub fn section_ref(row: &SectionView) -> SectionRef {
    SectionRef {
        id: row.id,
        slug: row.slug.clone(),
        name: row.name.clone(),
    }
}

impl ContentService {
    pub async fn section_tree(&self) -> Result<Arc<SectionTree>, AppError> {
        if let Some(tree) = self.sections.get(&()) {
            return Ok(tree);
        }
        let (rows, generation) = self
            .db
            .run(|c| {
                let generation = crate::db::articles::content_generation(c)?;
                Ok((taxonomy::all_sections(c)?, generation))
            })
            .await?;
        let tree = Arc::new(SectionTree::new(rows, generation));
        self.sections.insert((), tree.clone());
        Ok(tree)
    }

    /// The tree as it was at `generation` or later: what a stored document may be built
    /// from (the cached tree can be older than a write another server made).
    pub(super) async fn section_tree_since(&self, generation: i64) -> Result<Arc<SectionTree>, AppError> {
        let tree = self.section_tree().await?;
        if tree.generation >= generation {
            return Ok(tree);
        }
        self.sections.invalidate_all();
        self.section_tree().await
    }

    /// All sections as a tree of roots and children, in display order.
    pub async fn sections(&self) -> Result<SectionTreeView, AppError> {
        let tree = self.section_tree().await?;
        Ok(SectionTreeView {
            items: tree.children(None).map(|r| tree.node(r)).collect(),
        })
    }

    pub async fn section(&self, slug: &str) -> Result<SectionView, AppError> {
        let tree = self.section_tree().await?;
        tree.by_slug(slug)
            .cloned()
            .ok_or_else(|| AppError::not_found("section", format!("with slug {slug:?}")))
    }
}
