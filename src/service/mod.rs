//! The service layer: every rule about what is read and who sees it lives here. REST
//! handlers and GraphQL resolvers only translate to and from these calls.

mod articles;
mod paging;
mod relations;
mod sections;
mod taxonomy;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::db::Db;
pub use articles::{ArticleFilter, ArticleLookup, ArticleRecord};
pub use paging::{Page, PageRequest};
pub use relations::Relations;
pub use sections::SectionTree;

/// Tunables of the content service.
#[derive(Debug, Clone)]
pub struct ContentSettings {
    /// How long a section tree read from the database is reused.
    pub section_cache_ttl: Duration,
}

impl Default for ContentSettings {
    fn default() -> Self {
        ContentSettings {
            section_cache_ttl: Duration::from_secs(5),
        }
    }
}

/// The read side of the newsroom: articles, sections, tags and authors.
#[derive(Clone)]
pub struct ContentService {
    db: Db,
    sections: moka::sync::Cache<(), Arc<SectionTree>>,
}

impl ContentService {
    pub fn new(db: Db, settings: &ContentSettings) -> ContentService {
        ContentService {
            db,
            sections: moka::sync::Cache::builder()
                .max_capacity(1)
                .time_to_live(settings.section_cache_ttl)
                .build(),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The instant against which publication times are compared.
    fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc()
    }
}

pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

impl ContentService {
    /// Checks that the database answers, for readiness probes.
    pub async fn ping(&self) -> Result<(), crate::error::AppError> {
        use diesel::connection::SimpleConnection;
        self.db
            .run(|c| {
                crate::with_conn!(c, |c| c.batch_execute("SELECT 1"))
                    .map_err(crate::error::AppError::unavailable)
            })
            .await
    }
}
