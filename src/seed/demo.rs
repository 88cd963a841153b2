//! The demo newsroom: original sample content in the shape of a real news site, loaded
//! idempotently (what is already there, by slug, is left alone).

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Deserialize;

use super::{ArticleDraft, slugify};
use crate::content::status::ArticleStatus;
use crate::content::{Block, Inline, Mark};
use crate::db::seed_writes::{self as w, ArticleBatch};
use crate::db::{Db, articles};
use crate::error::AppError;

const DATA: &str = include_str!("demo_newsroom.json");

#[derive(Deserialize)]
struct Newsroom {
    sections: Vec<SectionData>,
    tags: Vec<TagData>,
    authors: Vec<AuthorData>,
    articles: Vec<ArticleData>,
}

#[derive(Deserialize)]
struct SectionData {
    slug: String,
    name: String,
    description: String,
    parent: Option<String>,
}

#[derive(Deserialize)]
struct TagData {
    slug: String,
    name: String,
}

#[derive(Deserialize)]
struct AuthorData {
    slug: String,
    name: String,
    title: String,
    bio: String,
}

#[derive(Deserialize)]
struct ImageData {
    seed: String,
    alt: String,
    caption: String,
    credit: String,
}

#[derive(Deserialize)]
struct QuoteData {
    text: String,
    by: String,
}

#[derive(Deserialize)]
struct CorrectionData {
    after_hours: i64,
    note: String,
}

#[derive(Deserialize)]
struct ArticleData {
    title: String,
    deck: String,
    dateline: String,
    section: String,
    #[serde(default)]
    also: Vec<String>,
    tags: Vec<String>,
    /// Author slugs, optionally with a role after a colon.
    by: Vec<String>,
    /// Publication time of published articles.
    published: Option<DateTime<Utc>>,
    /// `draft` or `scheduled`; absent means published.
    status: Option<ArticleStatus>,
    /// For scheduled articles: hours after loading.
    in_hours: Option<i64>,
    image: Option<ImageData>,
    lead: String,
    points: Vec<String>,
    sub: String,
    paras: Vec<String>,
    quote: Option<QuoteData>,
    #[serde(default)]
    corrections: Vec<CorrectionData>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub articles_added: usize,
    pub articles_present: usize,
    pub sections: usize,
    pub tags: usize,
    pub authors: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "demo newsroom: {} articles added, {} already present; {} sections, {} tags, {} authors",
            self.articles_added, self.articles_present, self.sections, self.tags, self.authors
        )
    }
}

fn newsroom() -> Newsroom {
    serde_json::from_str(DATA).expect("the embedded demo newsroom is valid JSON")
}

/// Loads the demo newsroom only into a database without articles.
pub fn load_if_empty(db: &Db) -> Result<Option<Report>, AppError> {
    let empty = db.run_blocking(|c| Ok(articles::count_all(c)? == 0))?;
    if empty { load(db).map(Some) } else { Ok(None) }
}

pub fn load(db: &Db) -> Result<Report, AppError> {
    let room = newsroom();
    let now = crate::service::Clock::default().now();
    db.run_blocking(|c| {
        c.transaction(|c| {
            let mut report = Report::default();
            let mut section_ids: HashMap<&str, i64> = HashMap::new();
            for (position, s) in room.sections.iter().enumerate() {
                let parent_id = match &s.parent {
                    Some(p) => Some(*section_ids.get(p.as_str()).ok_or_else(|| {
                        AppError::internal(anyhow::anyhow!(
                            "demo section {} names unknown parent {p}",
                            s.slug
                        ))
                    })?),
                    None => None,
                };
                let id = w::ensure_section(
                    c,
                    &w::NewSection {
                        slug: s.slug.clone(),
                        name: s.name.clone(),
                        description: s.description.clone(),
                        parent_id,
                        position: position as i32,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                section_ids.insert(&s.slug, id);
            }
            let mut tag_ids: HashMap<&str, i64> = HashMap::new();
            for t in &room.tags {
                let new = w::NewTag {
                    slug: t.slug.clone(),
                    name: t.name.clone(),
                    description: String::new(),
                    created_at: now,
                    updated_at: now,
                };
                tag_ids.insert(&t.slug, w::ensure_tag(c, &new)?);
            }
            let mut author_ids: HashMap<&str, i64> = HashMap::new();
            for a in &room.authors {
                let new = w::NewAuthor {
                    slug: a.slug.clone(),
                    name: a.name.clone(),
                    title: a.title.clone(),
                    bio: a.bio.clone(),
                    avatar_url: Some(format!("https://i.pravatar.cc/256?u={}", a.slug)),
                    created_at: now,
                    updated_at: now,
                };
                author_ids.insert(&a.slug, w::ensure_author(c, &new)?);
            }
            report.sections = section_ids.len();
            report.tags = tag_ids.len();
            report.authors = author_ids.len();

            let (mut next_article, mut next_media) = w::next_ids(c)?;
            let mut batch = ArticleBatch::default();
            for a in &room.articles {
                let slug = slugify(&a.title);
                if w::article_exists(c, &slug)? {
                    report.articles_present += 1;
                    continue;
                }
                let lookup = |map: &HashMap<&str, i64>, kind: &str, key: &str| {
                    map.get(key).copied().ok_or_else(|| {
                        AppError::internal(anyhow::anyhow!(
                            "demo article {:?} names unknown {kind} {key}",
                            a.title
                        ))
                    })
                };
                let id = next_article;
                next_article += 1;
                let (status, published_at) = match a.status.unwrap_or(ArticleStatus::Published) {
                    ArticleStatus::Published => {
                        (ArticleStatus::Published, a.published.map(|t| t.naive_utc()))
                    }
                    ArticleStatus::Scheduled => (
                        ArticleStatus::Scheduled,
                        Some(now + Duration::hours(a.in_hours.unwrap_or(72))),
                    ),
                    _ => (ArticleStatus::Draft, None),
                };
                let created_at = published_at.map_or(now, |p| p.min(now) - Duration::hours(3));
                let updated_at = updated_at(published_at, &a.corrections).unwrap_or(created_at);
                let featured_media_id = a.image.as_ref().map(|img| {
                    let media_id = next_media;
                    next_media += 1;
                    batch.media.push(w::NewMedia {
                        id: media_id,
                        url: format!("https://picsum.photos/seed/{}/1200/675", img.seed),
                        alt: img.alt.clone(),
                        caption: img.caption.clone(),
                        credit: img.credit.clone(),
                        width: Some(1200),
                        height: Some(675),
                        created_at,
                        updated_at: created_at,
                    });
                    media_id
                });
                for s in &a.also {
                    batch.sections.push(w::NewArticleSection {
                        article_id: id,
                        section_id: lookup(&section_ids, "section", s)?,
                    });
                }
                for (position, t) in a.tags.iter().enumerate() {
                    batch.tags.push(w::NewArticleTag {
                        article_id: id,
                        tag_id: lookup(&tag_ids, "tag", t)?,
                        position: position as i32,
                    });
                }
                for (position, by) in a.by.iter().enumerate() {
                    let (author, role) = match by.split_once(':') {
                        Some((slug, role)) => (slug, Some(role.to_owned())),
                        None => (by.as_str(), None),
                    };
                    batch.authors.push(w::NewArticleAuthor {
                        article_id: id,
                        author_id: lookup(&author_ids, "author", author)?,
                        position: position as i32,
                        role,
                    });
                }
                if let Some(published) = published_at {
                    for corr in &a.corrections {
                        batch.corrections.push(w::NewCorrection {
                            article_id: id,
                            noted_at: published + Duration::hours(corr.after_hours),
                            note: corr.note.clone(),
                        });
                    }
                }
                let draft = ArticleDraft {
                    id,
                    slug,
                    title: a.title.clone(),
                    subtitle: a.deck.clone(),
                    dateline: a.dateline.clone(),
                    excerpt: a.lead.clone(),
                    status,
                    published_at,
                    section_id: lookup(&section_ids, "section", &a.section)?,
                    featured_media_id,
                    blocks: body(a),
                };
                batch.articles.push(draft.into_row(created_at, updated_at));
                report.articles_added += 1;
            }
            if !batch.is_empty() {
                w::insert_batch(c, &batch)?;
                w::sync_id_sequences(c)?;
                for article in &batch.articles {
                    crate::service::search::reindex(c, article.id)?;
                }
            }
            Ok(report)
        })
    })
}

fn updated_at(published: Option<NaiveDateTime>, corrections: &[CorrectionData]) -> Option<NaiveDateTime> {
    let published = published?;
    let last = corrections.iter().map(|c| c.after_hours).max().unwrap_or(0);
    Some(published + Duration::hours(last))
}

/// The house layout of a news story: a lead opening with the dateline, key points, a
/// subheading, reporting paragraphs around a quote.
fn body(a: &ArticleData) -> Vec<Block> {
    let city = a
        .dateline
        .split(',')
        .next()
        .unwrap_or(&a.dateline)
        .trim()
        .to_uppercase();
    let mut blocks = vec![
        Block::Paragraph {
            content: vec![
                Inline::marked(format!("{city} \u{2014} "), vec![Mark::Bold]),
                Inline::plain(&a.lead),
            ],
        },
        Block::heading(2, "Key points"),
        Block::bullets(a.points.iter().cloned()),
        Block::heading(2, &a.sub),
    ];
    let mut paras = a.paras.iter();
    if let Some(first) = paras.next() {
        blocks.push(Block::paragraph(first));
    }
    if let Some(q) = &a.quote {
        blocks.push(Block::Quote {
            text: q.text.clone(),
            attribution: Some(q.by.clone()),
        });
    }
    blocks.extend(paras.map(Block::paragraph));
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_newsroom_has_what_the_tour_promises() {
        let room = newsroom();
        let published = room.articles.iter().filter(|a| a.status.is_none()).count();
        assert!(published >= 40, "{published} published articles");
        assert!(room.sections.len() >= 8);
        assert!(room.sections.iter().any(|s| s.parent.is_some()));
        assert!(room.tags.len() >= 30);
        assert_eq!(room.authors.len(), 6);
        assert!(
            room.articles
                .iter()
                .any(|a| a.status == Some(ArticleStatus::Draft))
        );
        assert!(
            room.articles
                .iter()
                .any(|a| a.status == Some(ArticleStatus::Scheduled))
        );
        assert!(room.articles.iter().any(|a| !a.corrections.is_empty()));
        let slugs: std::collections::HashSet<_> = room.articles.iter().map(|a| slugify(&a.title)).collect();
        assert_eq!(slugs.len(), room.articles.len(), "titles must give unique slugs");
    }
}
