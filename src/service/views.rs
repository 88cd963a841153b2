//! What the read API returns. REST serialises these (snake_case); GraphQL exposes the same
//! data through the objects in `graphql::types`, built from the same service calls.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::content::RenderedBody;
use crate::content::cursor::{ArticleCursor, NameCursor};
use crate::content::status::Discussion;

/// A section as referenced from elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SectionRef {
    pub id: i64,
    #[schema(example = "middle-east")]
    pub slug: String,
    #[schema(example = "Middle East")]
    pub name: String,
}

/// A byline: the author and, when given, their role on this piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, async_graphql::SimpleObject)]
#[graphql(complex)]
pub struct Byline {
    /// The author's id.
    #[graphql(skip)]
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// The author's job title.
    pub title: String,
    pub avatar_url: Option<String>,
    /// Role on this article, e.g. "Additional reporting".
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TagRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// An image with what a page prints beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, async_graphql::SimpleObject)]
pub struct Media {
    pub url: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

/// A correction appended to an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Correction {
    pub noted_at: DateTime<Utc>,
    pub note: String,
}

/// An article as a list shows it: everything but the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ArticleSummary {
    pub id: i64,
    pub slug: String,
    pub title: String,
    /// The deck.
    pub subtitle: String,
    /// Where the story was filed from, e.g. "Tel-Aviv, Israel".
    pub dateline: String,
    pub excerpt: String,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The primary section.
    pub section: SectionRef,
    pub authors: Vec<Byline>,
    pub tags: Vec<TagRef>,
    pub featured_media: Option<Media>,
    pub canonical_url: Option<String>,
    pub language: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub comment_status: Discussion,
}

impl ArticleSummary {
    /// Where a list continues after this article.
    pub fn cursor(&self) -> String {
        ArticleCursor {
            published_at: self.published_at.naive_utc(),
            id: self.id,
        }
        .encode()
    }
}

/// A whole article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Article {
    #[serde(flatten)]
    pub summary: ArticleSummary,
    /// The path from the root section to the primary section (World > Middle East).
    pub section_path: Vec<SectionRef>,
    /// Secondary sections.
    pub sections: Vec<SectionRef>,
    /// Oldest first.
    pub corrections: Vec<Correction>,
    pub body: RenderedBody,
}

/// One page of articles. `next_cursor` is null on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ArticlePage {
    pub items: Vec<ArticleSummary>,
    pub next_cursor: Option<String>,
}

/// A section as the tree holds it: what a page needs to place it.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    /// Its place among its siblings.
    pub position: i32,
    pub updated_at: DateTime<Utc>,
}

/// A section in the tree.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SectionNode {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
    #[schema(no_recursion)]
    pub children: Vec<SectionNode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SectionTreeView {
    /// Root sections, each with its children, in display order.
    pub items: Vec<SectionNode>,
}

impl SectionTreeView {
    /// Every section, each before its children, in display order.
    pub fn flatten(&self) -> Vec<&SectionNode> {
        let mut out = Vec::new();
        let mut stack: Vec<&SectionNode> = self.items.iter().rev().collect();
        while let Some(s) = stack.pop() {
            out.push(s);
            stack.extend(s.children.iter().rev());
        }
        out
    }
}

/// Where a section's, tag's or author's feeds are.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Feeds {
    pub rss: String,
    pub atom: String,
    pub json: String,
}

impl Feeds {
    pub fn at(base: &str) -> Feeds {
        Feeds {
            rss: format!("{base}/rss.xml"),
            atom: format!("{base}/atom.xml"),
            json: format!("{base}/feed.json"),
        }
    }
}

/// A section page: the section, where it sits, and its newest articles.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SectionDetail {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
    pub parent: Option<SectionRef>,
    /// From the root down to this section, inclusive.
    pub path: Vec<SectionRef>,
    pub children: Vec<SectionRef>,
    /// The first page of articles in this section and its sub-sections.
    pub articles: ArticlePage,
    pub feeds: Feeds,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TagView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
}

impl TagView {
    /// Where the alphabetical list continues after this tag.
    pub fn cursor(&self) -> String {
        name_cursor(self.id, &self.name)
    }
}

fn name_cursor(id: i64, name: &str) -> String {
    NameCursor {
        name: name.to_owned(),
        id,
    }
    .encode()
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TagPage {
    pub items: Vec<TagView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TagDetail {
    #[serde(flatten)]
    pub tag: TagView,
    pub articles: ArticlePage,
    pub feeds: Feeds,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuthorView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub title: String,
    pub bio: String,
    pub avatar_url: Option<String>,
}

impl AuthorView {
    /// Where the alphabetical list continues after this author.
    pub fn cursor(&self) -> String {
        name_cursor(self.id, &self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuthorPage {
    pub items: Vec<AuthorView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuthorDetail {
    #[serde(flatten)]
    pub author: AuthorView,
    pub articles: ArticlePage,
    pub feeds: Feeds,
}
