//! Content loaders: the demo newsroom and generated data sets.

pub mod demo;
pub mod evaluate;
pub mod synthetic;

use chrono::NaiveDateTime;

use crate::content::status::{ArticleStatus, Discussion};
use crate::content::{Block, body_stats};
use crate::db::editorial::ArticleColumns;
use crate::db::seed_writes::NewArticle;

/// Fields every seeded article shares; callers fill in the rest.
pub(crate) struct ArticleDraft {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub dateline: String,
    pub excerpt: String,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub section_id: i64,
    pub featured_media_id: Option<i64>,
    pub blocks: Vec<Block>,
}

impl ArticleDraft {
    pub fn into_row(self, created_at: NaiveDateTime, updated_at: NaiveDateTime) -> NewArticle {
        let stats = body_stats(&self.blocks);
        NewArticle {
            id: self.id,
            status: self.status,
            published_at: self.published_at,
            created_at,
            columns: ArticleColumns {
                slug: self.slug,
                title: self.title,
                subtitle: self.subtitle,
                dateline: self.dateline,
                excerpt: self.excerpt,
                body: stats.json,
                section_id: self.section_id,
                featured_media_id: self.featured_media_id,
                canonical_url: None,
                language: "en".to_owned(),
                comment_status: Discussion::Open,
                word_count: stats.word_count,
                reading_time_minutes: stats.reading_time_minutes,
                updated_at,
            },
        }
    }
}

/// The seeders name their articles as the editorial API does.
pub use crate::content::slug::slugify;
