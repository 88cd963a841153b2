//! Full-text search over public articles: ranked, with the title weighing most, stemmed
//! English, phrases in quotes, and a snippet with the matches marked.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::ContentService;
use super::articles::ArticleFilter;
use super::relations::{self, Relations};
use super::views::ArticleSummary;
use crate::content::{render_text, snippet};
use crate::db::search::{self as q, SearchDocument, SearchQuery};
use crate::db::{DbConn, articles as article_queries, editorial};
use crate::error::AppError;

pub const MAX_QUERY_CHARS: usize = 200;

/// Rewrites one article's entries in the discovery indexes (full text and related keys)
/// from what is stored now, or drops them when the article is gone. Writers call it in the
/// transaction that changed the article: content, relations or publication state.
pub fn reindex(c: &mut DbConn, id: i64) -> Result<(), AppError> {
    let Some((row, body, _)) = editorial::article_any(c, id)? else {
        q::remove(c, id)?;
        crate::db::discovery::replace_keys(c, id, None)?;
        return Ok(());
    };
    let text = render_text(&relations::parse_body(id, &body)?);
    let tags = relations::load_tags(c, &[id])?.remove(&id).unwrap_or_default();
    let tag_ids: Vec<i64> = tags.iter().map(|t| t.id).collect();
    super::related::index_article(c, &row, &tag_ids, &text)?;
    let bylines = relations::load_bylines(c, &[id])?.remove(&id).unwrap_or_default();
    let tags = tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(" ");
    let authors = bylines
        .iter()
        .map(|b| b.name.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    q::index(
        c,
        &SearchDocument {
            id,
            title: &row.title,
            subtitle: &row.subtitle,
            body: &text,
            tags: &tags,
            authors: &authors,
        },
    )?;
    Ok(())
}

/// Indexes a freshly inserted batch (full text and related keys) from memory, without reading anything back: the bulk
/// path of the seeders. `tag_names` and `author_names` map ids to names.
pub fn index_batch(
    c: &mut DbConn,
    batch: &crate::db::seed_writes::ArticleBatch,
    tag_names: &HashMap<i64, String>,
    author_names: &HashMap<i64, String>,
) -> Result<(), AppError> {
    let mut tags: HashMap<i64, Vec<&str>> = HashMap::new();
    for t in &batch.tags {
        tags.entry(t.article_id)
            .or_default()
            .extend(tag_names.get(&t.tag_id).map(String::as_str));
    }
    let mut authors: HashMap<i64, Vec<&str>> = HashMap::new();
    for a in &batch.authors {
        authors
            .entry(a.article_id)
            .or_default()
            .extend(author_names.get(&a.author_id).map(String::as_str));
    }
    let mut texts = HashMap::with_capacity(batch.articles.len());
    for a in &batch.articles {
        texts.insert(a.id, render_text(&relations::parse_body(a.id, &a.columns.body)?));
    }
    let joined = |names: Option<&Vec<&str>>| names.map(|n| n.join(" ")).unwrap_or_default();
    let tag_texts: Vec<String> = batch.articles.iter().map(|a| joined(tags.get(&a.id))).collect();
    let author_texts: Vec<String> = batch
        .articles
        .iter()
        .map(|a| joined(authors.get(&a.id)))
        .collect();
    let docs: Vec<SearchDocument<'_>> = batch
        .articles
        .iter()
        .enumerate()
        .map(|(i, a)| SearchDocument {
            id: a.id,
            title: &a.columns.title,
            subtitle: &a.columns.subtitle,
            body: &texts[&a.id],
            tags: &tag_texts[i],
            authors: &author_texts[i],
        })
        .collect();
    q::index_many(c, &docs)?;
    super::related::index_batch(c, batch, &texts)?;
    Ok(())
}

/// One search result: the article, a snippet with matches in `<mark>`, and its score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    pub article: ArticleSummary,
    /// Safe HTML: escaped text with each match in `<mark>`.
    pub snippet: String,
    /// Higher is better; comparable within one result list only.
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHit>,
    pub next_cursor: Option<String>,
    /// Position of the first item in the whole result list.
    #[serde(skip)]
    #[schema(ignore)]
    pub offset: i64,
}

/// Words and "quoted phrases" as FTS5 terms, an article matching all of them; no operator
/// of the FTS5 syntax can be smuggled in, since every term is quoted.
fn fts5_terms(query: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for (i, part) in query.split('"').enumerate() {
        let quoted = i % 2 == 1;
        if quoted {
            let phrase = part.split_whitespace().collect::<Vec<_>>().join(" ");
            if !phrase.is_empty() {
                terms.push(format!("\"{phrase}\""));
            }
        } else {
            for word in part.split_whitespace() {
                let word: String = word
                    .chars()
                    .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '\'')
                    .collect();
                if !word.is_empty() {
                    terms.push(format!("\"{word}\""));
                }
            }
        }
    }
    terms
}

fn snippet_html(raw: &str) -> String {
    html_escape::encode_text(raw)
        .replace(snippet::START, "<mark>")
        .replace(snippet::STOP, "</mark>")
}

use crate::content::cursor::decode_offset;
pub use crate::content::cursor::encode_offset;

impl ContentService {
    /// Ranked public articles matching `query`. `names` are the parameter names to blame
    /// (REST: q/limit/cursor, GraphQL: query/first/after).
    pub async fn search(
        &self,
        query: &str,
        filter: ArticleFilter,
        limit: Option<i64>,
        cursor: Option<&str>,
        names: (&str, &str, &str),
    ) -> Result<SearchResults, AppError> {
        let (q_name, limit_name, cursor_name) = names;
        let text = query.trim();
        if text.is_empty() {
            return Err(AppError::invalid(
                q_name,
                format!("{q_name} is empty: give words to search for"),
            ));
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::invalid(
                q_name,
                format!("{q_name} is limited to {MAX_QUERY_CHARS} characters"),
            ));
        }
        let fts5_terms = fts5_terms(text);
        if fts5_terms.is_empty() {
            return Err(AppError::invalid(
                q_name,
                format!("{q_name} has no words to search for"),
            ));
        }
        let limit = super::paging::limit_within(limit, 20, 100, limit_name)?;
        let offset = match cursor {
            Some(raw) => decode_offset(raw).ok_or_else(|| {
                AppError::invalid(
                    cursor_name,
                    format!("{cursor_name} is not a cursor this API issued"),
                )
            })?,
            None => 0,
        };
        let tree = self.section_tree().await?;
        let section_ids = tree.scope(filter.section.as_deref())?;
        let search = SearchQuery {
            fts5_terms,
            websearch: text.to_owned(),
            section_ids,
            published_after: filter.published_after.map(|t| t.naive_utc()),
            published_before: filter.published_before.map(|t| t.naive_utc()),
            offset,
            limit: limit + 1,
        };
        let now = self.now();
        let (hits, rows, rel, mut texts) = self
            .db
            .run(move |c| {
                let hits = q::search(c, &search, now)?;
                let ids: Vec<i64> = hits.iter().take(limit as usize).map(|h| h.id).collect();
                let rows = article_queries::public_by_ids(c, &ids, now)?;
                let media: Vec<i64> = rows.iter().filter_map(|r| r.featured_media_id).collect();
                let rel = Relations::load(c, &ids, &media)?;
                let mut texts = HashMap::new();
                for (id, body) in article_queries::bodies(c, &ids)? {
                    texts.insert(id, render_text(&relations::parse_body(id, &body)?));
                }
                Ok((hits, rows, rel, texts))
            })
            .await?;
        let more = hits.len() as i64 > limit;
        let stems = snippet::query_stems(text);
        let mut rows: HashMap<i64, _> = rows.into_iter().map(|r| (r.id, r)).collect();
        let mut items = Vec::new();
        for hit in hits.into_iter().take(limit as usize) {
            if let Some(row) = rows.remove(&hit.id) {
                items.push(SearchHit {
                    article: super::articles::summary(row, &rel, &tree),
                    snippet: snippet_html(&snippet::snippet(
                        &texts.remove(&hit.id).unwrap_or_default(),
                        &stems,
                    )),
                    score: hit.score,
                });
            }
        }
        let next_cursor = more.then(|| encode_offset(offset + limit));
        Ok(SearchResults {
            items,
            next_cursor,
            offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_becomes_quoted_terms_only() {
        assert_eq!(fts5_terms("rail freight"), ["\"rail\"", "\"freight\""]);
        assert_eq!(
            fts5_terms("\"night buses\" haifa"),
            ["\"night buses\"", "\"haifa\""]
        );
        assert_eq!(
            fts5_terms("a OR b NOT c*"),
            ["\"a\"", "\"OR\"", "\"b\"", "\"NOT\"", "\"c\""]
        );
        assert!(fts5_terms("\"\" ()").is_empty());
    }

    #[test]
    fn snippets_escape_text_and_mark_matches() {
        assert_eq!(
            snippet_html("a <b> \u{1}rail\u{2} & c"),
            "a &lt;b&gt; <mark>rail</mark> &amp; c"
        );
        assert_eq!(decode_offset(&encode_offset(40)), Some(40));
        assert_eq!(decode_offset("junk"), None);
    }
}
