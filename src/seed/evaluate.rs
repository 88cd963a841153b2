//! Measures related articles against generated stories: for a sample of articles, how many
//! of the top five related ones belong to the same story (precision@5).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::db::Db;
use crate::error::AppError;
use crate::service::related::RelatedScope;
use crate::service::{ArticleLookup, ContentService, ContentSettings};

pub struct Precision {
    pub sampled: usize,
    pub precision_at_5: f64,
    /// Sampled articles that had fewer than five related articles.
    pub short_lists: usize,
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "precision@5 {:.3} over {} articles ({} had fewer than 5 related)",
            self.precision_at_5, self.sampled, self.short_lists
        )
    }
}

/// `labels` holds the `slug,story` lines `seed synthetic --stories --labels` wrote. Every
/// `labels / sample`-th labelled article is a source, so the sample spans the whole set.
pub async fn related_precision(db: Db, labels: &Path, sample: usize) -> Result<Precision, AppError> {
    let text = std::fs::read_to_string(labels).map_err(AppError::internal)?;
    let story: HashMap<String, String> = text
        .lines()
        .filter_map(|l| l.split_once(','))
        .map(|(slug, story)| (slug.to_owned(), story.to_owned()))
        .collect();
    let mut slugs: Vec<&String> = story.keys().collect();
    slugs.sort();
    let step = (slugs.len() / sample.max(1)).max(1);
    let settings = ContentSettings {
        read_cache_ttl: std::time::Duration::ZERO,
        ..ContentSettings::default()
    };
    let content = ContentService::new(db, &settings);
    let (mut sampled, mut short_lists, mut sum) = (0, 0, 0.0);
    for slug in slugs.into_iter().step_by(step).take(sample) {
        let lookup = ArticleLookup::Slug(slug.clone());
        // Drafts and scheduled articles of the set are not public: nothing to measure.
        let related = match content.related(lookup, Some(5), RelatedScope::All, "limit").await {
            Ok(list) => list,
            Err(AppError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        let hits = related
            .items
            .iter()
            .filter(|r| story.get(&r.article.slug) == story.get(slug))
            .count();
        if related.items.len() < 5 {
            short_lists += 1;
        }
        sum += hits as f64 / 5.0;
        sampled += 1;
    }
    Ok(Precision {
        sampled,
        precision_at_5: if sampled == 0 { 0.0 } else { sum / sampled as f64 },
        short_lists,
    })
}
