//! Related articles ("More like this"): candidates that share tags, the section or
//! distinctive words with the source, scored by how rare what they share is, discounted by
//! distance in time, and explained.
//!
//! Every public-able article has a handful of integer keys (one per tag, one for its
//! section, one per distinctive word) in `related_keys`, next to its publication time. For
//! a source, each of its keys is read twice as a short index range: the articles nearest
//! before and after it in time. How many a key finds there is its document frequency, so
//! rarity is measured among the articles of the same period, and a key that fills both
//! halves (a section, a common word) counts for nothing but still brings candidates.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::ContentService;
use super::articles::{ArticleLookup, summary};
use super::relations::Relations;
use super::sections::SectionTree;
use super::views::ArticleSummary;
use crate::content::render_text;
use crate::content::terms::{Term, distinctive_terms};
use crate::db::articles::{self as article_queries, ArticleRow};
use crate::db::discovery::{self as q, NewKey};
use crate::db::taxonomy::TagRow;
use crate::db::{DbConn, seed_writes::ArticleBatch};
use crate::error::AppError;

pub const DEFAULT_LIMIT: i64 = 5;
pub const MAX_LIMIT: i64 = 20;
/// Most articles an editor may pin on one article.
pub const MAX_PINS: usize = 20;

/// Candidates read per key on each side of the source's date.
const PER_SIDE: i64 = 48;
/// Nothing further than this from the source in time is considered.
const WINDOW_DAYS: i64 = 730;
/// A candidate this many days from the source counts half.
const HALF_LIFE_DAYS: f64 = 45.0;
const TERM_WEIGHT: f64 = 0.6;
const SAME_SECTION: f64 = 1.5;
const RELATED_SECTION: f64 = 0.75;
/// How many of the best-scoring candidates are rescored with their sections to settle the order.
const SHORTLIST: usize = 40;
/// Read beyond the requested number, in case some turn out no longer public.
const SPARE: usize = 3;

fn tag_key(tag_id: i64) -> i64 {
    tag_id << 2
}

fn section_key(section_id: i64) -> i64 {
    (section_id << 2) | 1
}

/// The primary section recorded in one of an article's keys.
fn section_of_key(key: i64) -> Option<i64> {
    (key & 3 == 1).then_some(key >> 2)
}

/// A stable 62-bit hash of the stem, tagged as a word key.
fn term_key(stem: &str) -> i64 {
    let digest = Sha256::digest(stem.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (((u64::from_le_bytes(bytes) >> 2) << 2) | 2) as i64
}

/// What a source is compared by: (key, what it is).
#[derive(Debug, Clone)]
enum Feature {
    Tag(String),
    Section,
    Term(String),
}

fn keys_of(section_id: i64, tag_ids: &[i64], terms: &[Term]) -> Vec<i64> {
    let mut keys: Vec<i64> = tag_ids.iter().map(|&t| tag_key(t)).collect();
    keys.push(section_key(section_id));
    keys.extend(terms.iter().map(|t| term_key(&t.stem)));
    keys
}

fn public_able(row: &ArticleRow) -> Option<NaiveDateTime> {
    row.status.can_be_public().then_some(row.published_at).flatten()
}

/// Rewrites one article's keys from its current state; writers call it in the transaction
/// that changed the article.
pub(crate) fn index_article(
    c: &mut DbConn,
    row: &ArticleRow,
    tag_ids: &[i64],
    body_text: &str,
) -> Result<(), AppError> {
    let keys = public_able(row).map(|at| {
        let terms = distinctive_terms(&row.title, &row.subtitle, body_text);
        (at, keys_of(row.section_id, tag_ids, &terms))
    });
    q::replace_keys(c, row.id, keys.as_ref().map(|(at, k)| (*at, k.as_slice())))?;
    Ok(())
}

/// Keys of a freshly inserted batch, from memory: the bulk path of the seeders.
/// `texts` holds each article's body as plain text.
pub(crate) fn index_batch(
    c: &mut DbConn,
    batch: &ArticleBatch,
    texts: &HashMap<i64, String>,
) -> Result<(), AppError> {
    let mut tags: HashMap<i64, Vec<i64>> = HashMap::new();
    for t in &batch.tags {
        tags.entry(t.article_id).or_default().push(t.tag_id);
    }
    let mut rows = Vec::new();
    for a in &batch.articles {
        let (Some(at), true) = (a.published_at, a.status.can_be_public()) else {
            continue;
        };
        let text = texts.get(&a.id).map(String::as_str).unwrap_or_default();
        let terms = distinctive_terms(&a.columns.title, &a.columns.subtitle, text);
        let mut keys = keys_of(
            a.columns.section_id,
            tags.get(&a.id).map(Vec::as_slice).unwrap_or_default(),
            &terms,
        );
        keys.sort_unstable();
        keys.dedup();
        rows.extend(keys.into_iter().map(|key| NewKey {
            key,
            published_at: at,
            article_id: a.id,
        }));
    }
    q::insert_keys(c, &rows)?;
    Ok(())
}

/// Which articles "More like this" may return.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum RelatedScope {
    /// Any section.
    #[default]
    All,
    /// The source's section and its sub-sections only.
    Section,
}

impl RelatedScope {
    pub fn parse(name: &str, raw: Option<&str>) -> Result<RelatedScope, AppError> {
        match raw {
            None | Some("all") => Ok(RelatedScope::All),
            Some("section") => Ok(RelatedScope::Section),
            Some(other) => Err(AppError::invalid(
                name,
                format!("{name} is all or section, got {other:?}"),
            )),
        }
    }
}

/// Why an article is related.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
#[graphql(name = "RelatedReasonKind")]
pub enum ReasonKind {
    /// An editor pinned it.
    Pinned,
    /// It has these tags of the source.
    SharedTags,
    /// It is in the source's section.
    SameSection,
    /// Its section is a parent, child or sibling of the source's.
    RelatedSection,
    /// Its text uses these distinctive words of the source.
    TextMatch,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct RelatedReason {
    pub kind: ReasonKind,
    /// Tag names, the section's name, or the shared words.
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelatedArticle {
    pub article: ArticleSummary,
    /// Higher is closer; comparable within one list only. Pinned articles have none.
    pub score: Option<f64>,
    pub reasons: Vec<RelatedReason>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelatedList {
    pub items: Vec<RelatedArticle>,
}

/// One candidate being scored: what it shares with the source.
#[derive(Debug, Default, Clone)]
struct Scored {
    published_at: NaiveDateTime,
    shared: Vec<usize>,
    score: f64,
}

fn decay(source: NaiveDateTime, other: NaiveDateTime) -> f64 {
    let days = (source - other).num_seconds().unsigned_abs() as f64 / 86_400.0;
    0.5f64.powf(days / HALF_LIFE_DAYS)
}

/// The order of a scored list: best first, then nearer in time, then newer id.
fn rank(source: NaiveDateTime, list: &mut [(i64, Scored)]) {
    list.sort_by(|(a_id, a), (b_id, b)| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| {
                let da = (source - a.published_at).num_seconds().abs();
                let db = (source - b.published_at).num_seconds().abs();
                da.cmp(&db)
            })
            .then_with(|| b_id.cmp(a_id))
    });
}

impl ContentService {
    /// Public articles related to a public one: pinned ones first, then the best scored.
    /// `names` are the parameter names to blame (limit, scope).
    pub async fn related(
        &self,
        lookup: ArticleLookup,
        limit: Option<i64>,
        scope: RelatedScope,
        limit_name: &str,
    ) -> Result<RelatedList, AppError> {
        let limit = super::paging::limit_within(limit, DEFAULT_LIMIT, MAX_LIMIT, limit_name)?;
        let tree = self.section_tree().await?;
        let now = self.now();
        if self.related_index.is_stale() {
            self.related_index.catch_up(&self.db, now).await?;
        }
        let index = self.related_index.clone();
        let tree_in = tree.clone();
        let key = lookup.clone();
        // One trip to the database: the source (its row, tags and text only), then its
        // candidates, then the few picked in full.
        let found = self
            .db
            .run(move |c| {
                let Some((row, body)) = article_queries::find_public(c, key.key(), now)? else {
                    return Ok(None);
                };
                let tags = super::relations::load_tags(c, &[row.id])?
                    .remove(&row.id)
                    .unwrap_or_default();
                let text = render_text(&super::relations::parse_body(row.id, &body)?);
                let source = Source { row, tags, text };
                let (features, keys) = features_of(&source);
                let around = source.row.published_at.unwrap_or(now);
                let lo = around - Duration::days(WINDOW_DAYS);
                let hi = (around + Duration::days(WINDOW_DAYS)).min(now);
                let source_id = source.row.id;
                let pins = q::pins(c, source_id)?;
                let found = match index.candidates(&keys, around, lo, hi, PER_SIDE) {
                    Some(found) => found,
                    None => q::candidates(c, &keys, around, lo, hi, PER_SIDE)?,
                };
                let mut shortlist = score_candidates(&keys, &found, source_id, around, &pins);
                // Within a section, most of the best by content may lie outside it.
                shortlist.truncate(match scope {
                    RelatedScope::All => SHORTLIST,
                    RelatedScope::Section => SHORTLIST * 4,
                });
                // The shortlist's sections come from the key index when it holds them, so
                // that only the few articles shown are read; otherwise from its rows.
                let ids: Vec<i64> = shortlist.iter().map(|(id, _)| *id).collect();
                let mut rows: HashMap<i64, ArticleRow> = HashMap::new();
                let mut asked: HashSet<i64> = HashSet::new();
                let sections = match index.keys_of(&ids).filter(|held| held.len() == ids.len()) {
                    Some(held) => held
                        .into_iter()
                        .filter_map(|(id, keys)| Some((id, keys.into_iter().find_map(section_of_key)?)))
                        .collect(),
                    None => {
                        read_public(c, &ids, now, &mut rows, &mut asked)?;
                        rows.values().map(|r| (r.id, r.section_id)).collect()
                    }
                };
                let rest = rescore(&source, &tree_in, scope, shortlist, &sections);
                // The pins and the best of the rest are read; more if some are not public.
                let limit = limit as usize;
                let mut reach = limit + SPARE;
                let picked = loop {
                    let needed: Vec<i64> = pins
                        .iter()
                        .chain(rest.iter().take(reach).map(|(id, _)| id))
                        .filter(|id| !asked.contains(id))
                        .copied()
                        .collect();
                    read_public(c, &needed, now, &mut rows, &mut asked)?;
                    let picked = pick(
                        &source,
                        &tree_in,
                        scope,
                        &pins,
                        &rest[..reach.min(rest.len())],
                        &rows,
                        limit,
                    );
                    if picked.len() >= limit || reach >= rest.len() {
                        break picked;
                    }
                    reach *= 2;
                };
                let ids: Vec<i64> = picked.iter().map(|p| p.0).collect();
                let media: Vec<i64> = ids
                    .iter()
                    .filter_map(|id| rows.get(id).and_then(|r| r.featured_media_id))
                    .collect();
                let rel = Relations::load(c, &ids, &media)?;
                Ok(Some((source, features, picked, rows, rel)))
            })
            .await?;
        let Some((source, features, picked, rows, rel)) = found else {
            return Err(AppError::not_found("article", lookup.describe()));
        };
        let mut rows = rows;
        let mut items = Vec::new();
        for (id, scored) in picked {
            let Some(row) = rows.remove(&id) else { continue };
            let reasons = match &scored {
                None => vec![RelatedReason {
                    kind: ReasonKind::Pinned,
                    names: Vec::new(),
                }],
                Some(s) => reasons(&source, &tree, &features, s, &row),
            };
            items.push(RelatedArticle {
                article: summary(row, &rel, &tree),
                score: scored.map(|s| (s.score * 1000.0).round() / 1000.0),
                reasons,
            });
        }
        Ok(RelatedList { items })
    }
}

/// What related articles need of their source.
struct Source {
    row: ArticleRow,
    tags: Vec<TagRow>,
    /// The body as plain text.
    text: String,
}

/// The source's keys and what each one is, in the order reasons list them.
fn features_of(source: &Source) -> (Vec<Feature>, Vec<i64>) {
    let terms = distinctive_terms(&source.row.title, &source.row.subtitle, &source.text);
    let tag_ids: Vec<i64> = source.tags.iter().map(|t| t.id).collect();
    let keys = keys_of(source.row.section_id, &tag_ids, &terms);
    let mut features: Vec<Feature> = source.tags.iter().map(|t| Feature::Tag(t.name.clone())).collect();
    features.push(Feature::Section);
    features.extend(terms.into_iter().map(|t| Feature::Term(t.word)));
    (features, keys)
}

/// Scores every candidate by the rarity of what it shares, discounted by distance in time.
/// Section closeness is settled later, once the shortlist's sections are known.
fn score_candidates(
    keys: &[i64],
    found: &[q::Candidate],
    source_id: i64,
    around: NaiveDateTime,
    pins: &[i64],
) -> Vec<(i64, Scored)> {
    // Candidates come a key at a time, and a source has a handful of keys: remembering
    // the last key's position beats hashing every candidate.
    let mut last: Option<(i64, usize)> = None;
    let mut frequency = vec![(0i64, 0i64); keys.len()];
    let mut shares: Vec<(i64, NaiveDateTime, usize)> = Vec::with_capacity(found.len());
    for cand in found {
        let i = match last {
            Some((key, i)) if key == cand.key => i,
            _ => {
                let Some(i) = keys.iter().position(|k| *k == cand.key) else {
                    continue;
                };
                last = Some((cand.key, i));
                i
            }
        };
        if cand.published_at <= around {
            frequency[i].0 += 1;
        } else {
            frequency[i].1 += 1;
        }
        if cand.article_id == source_id || pins.contains(&cand.article_id) {
            continue;
        }
        shares.push((cand.article_id, cand.published_at, i));
    }
    // Grouped by article by sorting: cheaper than a map for a thousand or two.
    shares.sort_unstable_by_key(|s| (s.0, s.2));
    let mut by_article: Vec<(i64, Scored)> = Vec::new();
    for (id, published_at, i) in shares {
        match by_article.last_mut() {
            Some((last_id, scored)) if *last_id == id => scored.shared.push(i),
            _ => by_article.push((
                id,
                Scored {
                    published_at,
                    shared: vec![i],
                    score: 0.0,
                },
            )),
        }
    }
    // A key that fills a side is common in this period: it brings candidates, not score.
    let idf: Vec<f64> = frequency
        .iter()
        .map(|&(before, after)| {
            if before >= PER_SIDE || after >= PER_SIDE {
                0.0
            } else {
                ((2 * PER_SIDE) as f64 / (before + after).max(1) as f64).ln()
            }
        })
        .collect();
    let section_index = keys.iter().position(|k| k & 3 == 1);
    let mut list: Vec<(i64, Scored)> = by_article
        .into_iter()
        .map(|(id, mut s)| {
            let mut relevance = 0.0;
            for &i in &s.shared {
                relevance += match keys[i] & 3 {
                    0 => idf[i],
                    2 => TERM_WEIGHT * idf[i],
                    _ => 0.0,
                };
            }
            // Sharing only the section is the weakest tie: such candidates rank after any
            // with shared content, nearest in time first. The section bonus itself is
            // settled for everyone on the shortlist, where sections are known.
            if relevance == 0.0 && s.shared.iter().any(|i| Some(*i) == section_index) {
                relevance = 1e-6;
            }
            s.score = relevance * decay(around, s.published_at);
            (id, s)
        })
        .filter(|(_, s)| s.score > 0.0)
        .collect();
    rank(around, &mut list);
    list
}

impl ContentService {
    /// Fills the in-memory key index, then keeps it in step with writes made by other
    /// processes until this one ends.
    pub fn spawn_related_index(&self) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let index = this.related_index.clone();
            if let Err(e) = index.fill(&this.db, this.now()).await {
                tracing::error!(error = %e, "related index not loaded: related articles read the database");
                return;
            }
            let mut tick = tokio::time::interval(crate::service::related_index::SYNC_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = index.sync(&this.db, this.now()).await {
                    tracing::warn!(error = %e, "related index not synced; trying again");
                }
            }
        })
    }

    /// Drops a deleted article from the in-memory key index.
    pub(crate) fn forget_related(&self, id: i64) {
        self.related_index.forget(id);
    }
}

/// Reads those of `ids` that are public into `rows`, and remembers that they were asked
/// for, public or not.
fn read_public(
    c: &mut DbConn,
    ids: &[i64],
    now: NaiveDateTime,
    rows: &mut HashMap<i64, ArticleRow>,
    asked: &mut HashSet<i64>,
) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    rows.extend(
        article_queries::public_by_ids(c, ids, now)?
            .into_iter()
            .map(|r| (r.id, r)),
    );
    asked.extend(ids);
    Ok(())
}

/// The sections an article's list may come from: any, or the source's and those below it.
fn scope_sections(tree: &SectionTree, scope: RelatedScope, home: i64) -> Option<Vec<i64>> {
    match scope {
        RelatedScope::All => None,
        RelatedScope::Section => Some(tree.with_descendants(home)),
    }
}

/// The shortlist within the scope, rescored with exact section closeness, best first.
/// `sections` holds each candidate's primary section; a candidate without one is left out.
fn rescore(
    source: &Source,
    tree: &SectionTree,
    scope: RelatedScope,
    shortlist: Vec<(i64, Scored)>,
    sections: &HashMap<i64, i64>,
) -> Vec<(i64, Scored)> {
    let around = source.row.published_at.unwrap_or_default();
    let home = source.row.section_id;
    let within = scope_sections(tree, scope, home);
    let mut rest: Vec<(i64, Scored)> = shortlist
        .into_iter()
        .filter_map(|(id, mut s)| {
            let section = *sections.get(&id)?;
            if within.as_ref().is_some_and(|ids| !ids.contains(&section)) {
                return None;
            }
            s.score += section_closeness(tree, home, section) * decay(around, s.published_at);
            Some((id, s))
        })
        .collect();
    rank(around, &mut rest);
    rest
}

/// The final list: pinned first (public ones, in order), then the best of `rest` that are
/// public (their rows were read) and, by their rows, within the scope.
fn pick(
    source: &Source,
    tree: &SectionTree,
    scope: RelatedScope,
    pins: &[i64],
    rest: &[(i64, Scored)],
    rows: &HashMap<i64, ArticleRow>,
    limit: usize,
) -> Vec<(i64, Option<Scored>)> {
    let within = scope_sections(tree, scope, source.row.section_id);
    let shown = |id: &i64| {
        rows.get(id)
            .is_some_and(|row| within.as_ref().is_none_or(|ids| ids.contains(&row.section_id)))
    };
    let mut picked: Vec<(i64, Option<Scored>)> = pins
        .iter()
        .filter(|id| **id != source.row.id && shown(id))
        .map(|id| (*id, None))
        .collect();
    picked.truncate(limit);
    let room = limit - picked.len();
    picked.extend(
        rest.iter()
            .filter(|(id, _)| shown(id))
            .take(room)
            .map(|(id, s)| (*id, Some(s.clone()))),
    );
    picked
}

fn section_closeness(tree: &SectionTree, a: i64, b: i64) -> f64 {
    if a == b {
        return SAME_SECTION;
    }
    let root = |id| tree.path(id).first().map(|s| s.id);
    match (root(a), root(b)) {
        (Some(x), Some(y)) if x == y => RELATED_SECTION,
        _ => 0.0,
    }
}

fn reasons(
    source: &Source,
    tree: &SectionTree,
    features: &[Feature],
    scored: &Scored,
    row: &ArticleRow,
) -> Vec<RelatedReason> {
    let mut shared: Vec<usize> = scored.shared.clone();
    shared.sort_unstable();
    shared.dedup();
    let mut tags = Vec::new();
    let mut words = Vec::new();
    for &i in &shared {
        match &features[i] {
            Feature::Tag(name) => tags.push(name.clone()),
            Feature::Term(word) => words.push(word.clone()),
            Feature::Section => {}
        }
    }
    let mut out = Vec::new();
    if !tags.is_empty() {
        out.push(RelatedReason {
            kind: ReasonKind::SharedTags,
            names: tags,
        });
    }
    let section_name = tree
        .get(row.section_id)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    match section_closeness(tree, source.row.section_id, row.section_id) {
        x if x == SAME_SECTION => out.push(RelatedReason {
            kind: ReasonKind::SameSection,
            names: vec![section_name],
        }),
        x if x == RELATED_SECTION => out.push(RelatedReason {
            kind: ReasonKind::RelatedSection,
            names: vec![section_name],
        }),
        _ => {}
    }
    if !words.is_empty() {
        out.push(RelatedReason {
            kind: ReasonKind::TextMatch,
            names: words,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_different_kinds_never_collide() {
        assert_eq!(tag_key(7) & 3, 0);
        assert_eq!(section_key(7) & 3, 1);
        assert_eq!(term_key("haifa") & 3, 2);
        assert_eq!(term_key("haifa"), term_key("haifa"));
        assert_ne!(term_key("haifa"), term_key("hadera"));
    }

    #[test]
    fn distance_in_time_halves_every_half_life() {
        let t = NaiveDateTime::default();
        assert!((decay(t, t) - 1.0).abs() < 1e-9);
        assert!((decay(t, t + Duration::days(45)) - 0.5).abs() < 1e-9);
        assert!(decay(t, t - Duration::days(7 * 365)) < 1e-10);
    }
}
