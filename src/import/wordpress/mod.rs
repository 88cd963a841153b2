//! `masthead import wordpress --url`: a WordPress newsroom brought over its REST API
//! (`/wp-json/wp/v2/`). Anonymous, it sees what WordPress publishes; with a user and an
//! application password it also brings drafts, scheduled and pending posts, pending
//! comments and commenters' emails (kept private, as Masthead keeps them).
//!
//! Every WordPress id is remembered with its `modified_gmt`: a second run updates what
//! changed since and adds what is new, and an interrupted run goes on where it stopped,
//! since each post is written in its own transaction with its ids. Old addresses
//! (permalinks, `?p=`, category, tag and author pages, feeds) are recorded as redirects.

use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDateTime;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;

use super::{Report, path_of};
use crate::content::html::import_html;
use crate::content::slug::{is_valid, normalise, slugify};
use crate::content::status::{ArticleStatus, CommentStatus, Discussion, WordPressStatus};
use crate::content::{Block, Inline, Mark};
use crate::db::imports as ids;
use crate::db::taxonomy_writes as t;
use crate::db::{Db, DbConn};
use crate::error::AppError;
use crate::service::Change;
use crate::service::editorial::{ArticleInput, BylineInput, EditorialService, ImportedArticle};

mod wxr;

/// Where the site comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The REST API of the site at this address, e.g. `https://news.example.com`, as
    /// anyone reads it or as this user with an application password (drafts, scheduled
    /// posts, pending comments).
    Rest {
        url: String,
        credentials: Option<(String, String)>,
    },
    /// A WordPress export file (WXR), read as a stream.
    Wxr(std::path::PathBuf),
}

/// What to bring and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub source: Source,
    /// Only posts modified after this.
    pub since: Option<NaiveDateTime>,
    /// Move a dateline that opens the body (`<strong>TEL-AVIV — </strong>…`) to the
    /// article's dateline.
    pub dateline_from_body: bool,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
}

const PAGE: usize = 100;

struct Client {
    http: reqwest::Client,
    base: String,
    credentials: Option<(String, String)>,
}

#[derive(Debug, Deserialize)]
struct Rendered {
    #[serde(default)]
    rendered: String,
    #[serde(default)]
    raw: Option<String>,
}

impl Rendered {
    /// What the author wrote (edit context) or else what WordPress renders.
    fn source(&self) -> &str {
        self.raw.as_deref().unwrap_or(&self.rendered)
    }
}

#[derive(Debug, Deserialize)]
struct Term {
    id: i64,
    name: String,
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parent: i64,
    #[serde(default)]
    link: String,
}

#[derive(Debug, Deserialize)]
struct User {
    id: i64,
    name: String,
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    avatar_urls: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Post {
    id: i64,
    date_gmt: Option<String>,
    modified_gmt: String,
    slug: String,
    status: String,
    link: String,
    title: Rendered,
    content: Rendered,
    excerpt: Rendered,
    author: i64,
    #[serde(default)]
    featured_media: i64,
    #[serde(default)]
    comment_status: String,
    #[serde(default)]
    categories: Vec<i64>,
    #[serde(default)]
    tags: Vec<i64>,
    #[serde(default)]
    meta: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct MediaItem {
    id: i64,
    source_url: String,
    #[serde(default)]
    alt_text: String,
    caption: Option<Rendered>,
    #[serde(default)]
    media_details: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct Comment {
    id: i64,
    post: i64,
    #[serde(default)]
    parent: i64,
    author_name: String,
    #[serde(default)]
    author_email: Option<String>,
    #[serde(default)]
    author_url: String,
    date_gmt: String,
    content: Rendered,
    #[serde(default)]
    status: String,
}

impl Client {
    fn url(&self, path: &str, query: &[(&str, String)]) -> String {
        let mut url = format!("{}/wp-json/wp/v2/{path}", self.base);
        let pairs: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        if !pairs.is_empty() {
            url.push('?');
            url.push_str(&pairs);
        }
        url
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> anyhow::Result<(T, usize, usize)> {
        let url = self.url(path, query);
        let mut attempt = 0;
        loop {
            let mut req = self.http.get(&url);
            if let Some((user, password)) = &self.credentials {
                req = req.basic_auth(user, Some(password));
            }
            let res = req.send().await;
            let retry = match &res {
                Ok(r) => r.status().is_server_error() || r.status() == 429,
                Err(e) => e.is_timeout() || e.is_connect(),
            };
            if retry && attempt < 4 {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(500 << attempt)).await;
                continue;
            }
            let res = res.map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
            let status = res.status();
            let header = |name: &str| {
                res.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0)
            };
            let (total, pages) = (header("x-wp-total"), header("x-wp-totalpages"));
            let body = res.bytes().await.map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
            if !status.is_success() {
                let text = String::from_utf8_lossy(&body);
                anyhow::bail!(
                    "{url}: WordPress answered {status}: {}",
                    text.chars().take(300).collect::<String>()
                );
            }
            let value = serde_json::from_slice(&body)
                .map_err(|e| anyhow::anyhow!("{url}: not the JSON WordPress sends: {e}"))?;
            return Ok((value, total, pages));
        }
    }

    /// Every item of a collection, page by page.
    async fn all<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> anyhow::Result<Vec<T>> {
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let mut q = query.to_vec();
            q.push(("per_page", PAGE.to_string()));
            q.push(("page", page.to_string()));
            let (items, _, pages): (Vec<T>, _, _) = self.get(path, &q).await?;
            out.extend(items);
            if page >= pages.max(1) {
                return Ok(out);
            }
            page += 1;
        }
    }

    fn edit_context(&self) -> Vec<(&'static str, String)> {
        if self.credentials.is_some() {
            vec![("context", "edit".to_owned())]
        } else {
            Vec::new()
        }
    }
}

/// Text of rendered HTML, entities decoded and spaces collapsed.
fn text_of(html: &str) -> String {
    let doc = scraper::Html::parse_fragment(html);
    doc.root_element()
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn gmt(raw: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").ok()
}

/// A WordPress slug (percent-encoded when it is not ASCII) as a Masthead slug.
fn slug_from(raw: &str, fallback: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let slug = normalise(&decoded.to_lowercase());
    if is_valid(&slug) {
        return slug;
    }
    let made = slugify(&decoded);
    if is_valid(&made) { made } else { slugify(fallback) }
}

/// A bold run ending in a dash that opens the first paragraph: `TEL-AVIV — `.
fn take_dateline(blocks: &mut [Block]) -> Option<String> {
    let Some(Block::Paragraph { content }) = blocks.first_mut() else {
        return None;
    };
    let first = content.first()?;
    if !first.marks.contains(&Mark::Bold) {
        return None;
    }
    let text = first.text.trim();
    let place = text
        .strip_suffix('—')
        .or_else(|| text.strip_suffix('–'))
        .or_else(|| text.strip_suffix('-'))
        .or_else(|| text.strip_suffix(':'))?
        .trim()
        .trim_end_matches(',')
        .trim();
    if place.is_empty() || place.chars().count() > 80 {
        return None;
    }
    let place = place.to_owned();
    content.remove(0);
    if let Some(Inline { text, .. }) = content.first_mut() {
        *text = text.trim_start().to_owned();
    }
    Some(place)
}

struct Importer {
    db: Db,
    editorial: EditorialService,
    /// The REST API (none for an export file).
    client: Option<Client>,
    source: String,
    options: Options,
    report: Report,
    sections: HashMap<i64, (i64, String)>,
    tags: HashMap<i64, String>,
    authors: HashMap<i64, String>,
}

/// Imports the site; the report says what was done and what failed.
pub async fn import(db: Db, options: Options) -> anyhow::Result<Report> {
    let editorial = EditorialService::offline(db.clone());
    let mut importer = Importer {
        db,
        editorial,
        client: None,
        source: String::new(),
        options: options.clone(),
        report: Report::default(),
        sections: HashMap::new(),
        tags: HashMap::new(),
        authors: HashMap::new(),
    };
    match options.source {
        Source::Rest { url, credentials } => {
            let base = url.trim_end_matches('/').to_owned();
            let http = reqwest::Client::builder()
                .user_agent(concat!("masthead-import/", env!("CARGO_PKG_VERSION")))
                .timeout(std::time::Duration::from_secs(60))
                .build()?;
            importer.source = source_name(&base);
            importer.client = Some(Client {
                http,
                base,
                credentials,
            });
            importer.taxonomy().await?;
            importer.authors().await?;
            importer.posts().await?;
            importer.comments().await?;
        }
        Source::Wxr(path) => wxr::import(&mut importer, &path).await?,
    }
    Ok(importer.report)
}

/// What the ids of one site are remembered under: the REST API and an export file of the
/// same site share them, so either can follow the other.
fn source_name(site: &str) -> String {
    format!("wordpress:{}", site.trim_end_matches('/'))
}

impl Importer {
    fn now(&self) -> NaiveDateTime {
        crate::service::Clock::default().now()
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    ) -> anyhow::Result<T> {
        Ok(self.db.run(move |c| c.transaction(f)).await?)
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("a REST import")
    }

    /// Categories and tags from the REST API.
    async fn taxonomy(&mut self) -> anyhow::Result<()> {
        let categories: Vec<Term> = self
            .client()
            .all("categories", &[("orderby", "id".into())])
            .await?;
        let tags: Vec<Term> = self.client().all("tags", &[("orderby", "id".into())]).await?;
        self.write_taxonomy(&categories, &tags).await
    }

    /// Categories (as sections, parents first) and tags.
    async fn write_taxonomy(&mut self, categories: &[Term], tags: &[Term]) -> anyhow::Result<()> {
        // Parents before children, whatever order WordPress lists them in.
        let mut pending: Vec<&Term> = categories.iter().collect();
        let mut position = 0;
        while !pending.is_empty() {
            let before = pending.len();
            let mut rest = Vec::new();
            for term in pending {
                let parent = match term.parent {
                    0 => None,
                    p => match self.sections.get(&p) {
                        Some(&(id, _)) => Some(id),
                        None if categories.iter().any(|c| c.id == p) => {
                            rest.push(term);
                            continue;
                        }
                        None => None,
                    },
                };
                position += 1;
                let (id, slug) = self.section(term, parent, position).await?;
                self.sections.insert(term.id, (id, slug));
            }
            if rest.len() == before {
                anyhow::bail!("the categories' parents make a loop");
            }
            pending = rest;
        }
        for term in tags {
            let slug = self.tag(term).await?;
            self.tags.insert(term.id, slug);
        }
        self.report.sections = categories.len();
        self.report.tags = tags.len();
        Ok(())
    }

    async fn section(
        &mut self,
        term: &Term,
        parent: Option<i64>,
        position: i32,
    ) -> anyhow::Result<(i64, String)> {
        let (source, now) = (self.source.clone(), self.now());
        let slug = slug_from(&term.slug, &term.name);
        let cols = t::SectionColumns {
            slug: slug.clone(),
            name: text_of(&term.name),
            description: text_of(&term.description),
            parent_id: parent,
            position,
            updated_at: now,
        };
        let (remote, link) = (term.id, term.link.clone());
        let id = self
            .write(move |c| {
                let known = ids::local_id(c, &source, "category", remote)?
                    .map(|(id, _)| id)
                    .filter(|&id| t::section(c, id).ok().flatten().is_some());
                let (id, changed) = match known.or(t::section_slug_owner(c, &cols.slug)?) {
                    Some(id) => {
                        let same = t::section(c, id)?.is_some_and(|r| {
                            (
                                r.slug.as_str(),
                                r.name.as_str(),
                                r.description.as_str(),
                                r.parent_id,
                                r.position,
                            ) == (
                                cols.slug.as_str(),
                                cols.name.as_str(),
                                cols.description.as_str(),
                                cols.parent_id,
                                cols.position,
                            )
                        });
                        if !same {
                            t::update_section(c, id, &cols)?;
                        }
                        (id, !same)
                    }
                    None => (t::insert_section(c, &cols, now)?, true),
                };
                ids::remember(c, &source, "category", remote, id, None)?;
                if let Some(path) = path_of(&link) {
                    ids::add_redirect(c, &path, "section", Some(id), None, now)?;
                    ids::add_redirect(c, &format!("{path}feed/"), "feed", Some(id), Some("section"), now)?;
                }
                if changed {
                    crate::service::sync::log(c, &Change::Section(id), now)?;
                }
                Ok(id)
            })
            .await?;
        Ok((id, slug))
    }

    async fn tag(&mut self, term: &Term) -> anyhow::Result<String> {
        let (source, now) = (self.source.clone(), self.now());
        let slug = slug_from(&term.slug, &term.name);
        let cols = t::TagColumns {
            slug: slug.clone(),
            name: text_of(&term.name),
            description: text_of(&term.description),
            updated_at: now,
        };
        let (remote, link) = (term.id, term.link.clone());
        self.write(move |c| {
            let known = ids::local_id(c, &source, "tag", remote)?
                .map(|(id, _)| id)
                .filter(|&id| t::tag(c, id).ok().flatten().is_some());
            let (id, changed) = match known.or(t::tag_slug_owner(c, &cols.slug)?) {
                Some(id) => {
                    let same = t::tag(c, id)?.is_some_and(|r| {
                        (r.slug.as_str(), r.name.as_str(), r.description.as_str())
                            == (cols.slug.as_str(), cols.name.as_str(), cols.description.as_str())
                    });
                    if !same {
                        t::update_tag(c, id, &cols)?;
                    }
                    (id, !same)
                }
                None => (t::insert_tag(c, &cols, now)?, true),
            };
            ids::remember(c, &source, "tag", remote, id, None)?;
            if let Some(path) = path_of(&link) {
                ids::add_redirect(c, &path, "tag", Some(id), None, now)?;
                ids::add_redirect(c, &format!("{path}feed/"), "feed", Some(id), Some("tag"), now)?;
            }
            if changed {
                crate::service::sync::log(c, &Change::Tag(id), now)?;
            }
            Ok(())
        })
        .await?;
        Ok(slug)
    }

    /// Users (those with published posts, anonymously; all with credentials) as authors.
    async fn authors(&mut self) -> anyhow::Result<()> {
        let mut query = self.client().edit_context();
        query.push(("orderby", "id".into()));
        let users: Vec<User> = self.client().all("users", &query).await?;
        self.write_authors(&users).await
    }

    /// Users as authors, and the site's feed address.
    async fn write_authors(&mut self, users: &[User]) -> anyhow::Result<()> {
        for user in users {
            let (source, now) = (self.source.clone(), self.now());
            let slug = slug_from(&user.slug, &user.name);
            let avatar = ["96", "48", "24"]
                .iter()
                .find_map(|size| user.avatar_urls.get(*size).cloned());
            let cols = t::AuthorColumns {
                slug: slug.clone(),
                name: text_of(&user.name),
                title: String::new(),
                bio: text_of(&user.description),
                avatar_url: avatar,
                updated_at: now,
            };
            let (remote, link) = (user.id, user.link.clone());
            self.write(move |c| {
                let known = ids::local_id(c, &source, "user", remote)?
                    .map(|(id, _)| id)
                    .filter(|&id| t::author(c, id).ok().flatten().is_some());
                let (id, changed) = match known.or(t::author_slug_owner(c, &cols.slug)?) {
                    Some(id) => {
                        let same = t::author(c, id)?.is_some_and(|r| {
                            (
                                r.slug.as_str(),
                                r.name.as_str(),
                                r.bio.as_str(),
                                r.avatar_url.as_deref(),
                            ) == (
                                cols.slug.as_str(),
                                cols.name.as_str(),
                                cols.bio.as_str(),
                                cols.avatar_url.as_deref(),
                            )
                        });
                        if !same {
                            t::update_author(c, id, &cols)?;
                        }
                        (id, !same)
                    }
                    None => (t::insert_author(c, &cols, now)?, true),
                };
                ids::remember(c, &source, "user", remote, id, None)?;
                if let Some(path) = path_of(&link) {
                    ids::add_redirect(c, &path, "author", Some(id), None, now)?;
                    ids::add_redirect(c, &format!("{path}feed/"), "feed", Some(id), Some("author"), now)?;
                }
                if changed {
                    crate::service::sync::log(c, &Change::Author(id), now)?;
                }
                Ok(())
            })
            .await?;
            self.authors.insert(user.id, slug);
        }
        self.report.authors = users.len();
        let now = self.now();
        self.write(move |c| {
            ids::add_redirect(c, "/feed/", "feed", None, Some("site"), now)?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    async fn posts(&mut self) -> anyhow::Result<()> {
        let mut query = self.client().edit_context();
        query.push(("orderby", "id".into()));
        query.push(("order", "asc".into()));
        if self.client().credentials.is_some() {
            let imported: Vec<&str> = WordPressStatus::ALL
                .iter()
                .filter(|s| s.article_status().is_some())
                .map(|s| s.as_str())
                .collect();
            query.push(("status", imported.join(",")));
        }
        if let Some(since) = self.options.since {
            query.push(("modified_after", since.format("%Y-%m-%dT%H:%M:%S").to_string()));
        }
        let on_terminal = self.options.progress && std::io::IsTerminal::is_terminal(&std::io::stderr());
        let bar = if on_terminal {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {wide_bar} {pos}/{len} posts ({per_sec}, eta {eta}) {msg}",
            )
            .expect("valid template"),
        );
        let started = Instant::now();
        let mut page = 1;
        loop {
            let mut q = query.clone();
            q.push(("per_page", PAGE.to_string()));
            q.push(("page", page.to_string()));
            let (posts, total, pages): (Vec<Post>, _, _) = self.client().get("posts", &q).await?;
            bar.set_length(total as u64);
            self.featured_media(&posts).await?;
            for post in posts {
                let id = post.id;
                if let Err(e) = self.post(post).await {
                    self.report.failed.push(format!("post {id}: {e}"));
                }
                bar.inc(1);
                bar.set_message(format!(
                    "{} new, {} updated, {} unchanged",
                    self.report.imported, self.report.updated, self.report.unchanged
                ));
            }
            if !on_terminal {
                eprintln!(
                    "posts: {} of {total} looked at in {:.0?}",
                    self.report.imported
                        + self.report.updated
                        + self.report.unchanged
                        + self.report.failed.len(),
                    started.elapsed()
                );
            }
            if page >= pages.max(1) {
                break;
            }
            page += 1;
        }
        bar.finish_and_clear();
        Ok(())
    }

    /// The featured images of a page of posts, as media records (by WordPress id).
    async fn featured_media(&mut self, posts: &[Post]) -> anyhow::Result<()> {
        let wanted: Vec<i64> = posts
            .iter()
            .map(|p| p.featured_media)
            .filter(|&m| m > 0)
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let include = wanted.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut query = self.client().edit_context();
        query.push(("include", include));
        query.push(("per_page", PAGE.to_string()));
        let items: Vec<MediaItem> = match self.client().get("media", &query).await {
            Ok((items, _, _)) => items,
            Err(e) => {
                self.report
                    .media_failed
                    .push(format!("featured images {wanted:?}: {e}"));
                return Ok(());
            }
        };
        for missing in wanted.iter().filter(|w| !items.iter().any(|i| i.id == **w)) {
            self.report.media_failed.push(format!(
                "media {missing}: not answered by WordPress (private or deleted)"
            ));
        }
        self.write_media(items).await
    }

    /// Images as media records, remembered by their WordPress id.
    async fn write_media(&mut self, items: Vec<MediaItem>) -> anyhow::Result<()> {
        for item in items {
            let (source, now) = (self.source.clone(), self.now());
            let dimension = |name: &str| {
                item.media_details
                    .get(name)
                    .and_then(|v| v.as_i64())
                    .and_then(|v| i32::try_from(v).ok())
            };
            let caption = item
                .caption
                .as_ref()
                .map(|c| text_of(c.source()))
                .unwrap_or_default();
            let cols = t::MediaColumns {
                url: item.source_url.clone(),
                alt: item.alt_text.clone(),
                caption,
                credit: item
                    .media_details
                    .pointer("/image_meta/credit")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                width: dimension("width"),
                height: dimension("height"),
                updated_at: now,
            };
            let remote = item.id;
            self.write(move |c| {
                let known = ids::local_id(c, &source, "media", remote)?
                    .map(|(id, _)| id)
                    .filter(|&id| t::media_item(c, id).ok().flatten().is_some());
                let id = match known {
                    Some(id) => {
                        let same = t::media_item(c, id)?.is_some_and(|r| {
                            (
                                r.url.as_str(),
                                r.alt.as_str(),
                                r.caption.as_str(),
                                r.credit.as_str(),
                                r.width,
                                r.height,
                            ) == (
                                cols.url.as_str(),
                                cols.alt.as_str(),
                                cols.caption.as_str(),
                                cols.credit.as_str(),
                                cols.width,
                                cols.height,
                            )
                        });
                        if !same {
                            t::update_media(c, id, &cols)?;
                            crate::service::sync::log(c, &Change::Media(id), now)?;
                        }
                        id
                    }
                    None => t::insert_media(c, &cols, now)?,
                };
                ids::remember(c, &source, "media", remote, id, None)?;
                Ok(())
            })
            .await?;
            self.report.media += 1;
        }
        Ok(())
    }

    /// Writes a post unless it is unchanged since the last run; answers its article, or
    /// `None` when the newsroom deleted that article here (it is left deleted).
    async fn post(&mut self, post: Post) -> anyhow::Result<Option<i64>> {
        let modified = gmt(&post.modified_gmt);
        let source = self.source.clone();
        let remote = post.id;
        let (known, gone) = self
            .db
            .run(move |c| {
                let known = ids::local_id(c, &source, "post", remote)?;
                let gone = match known {
                    Some((id, _)) => crate::db::editorial::article_any(c, id)?.is_none(),
                    None => false,
                };
                Ok((known, gone))
            })
            .await?;
        if let (Some((id, _)), true) = (known, gone) {
            self.report.skipped.push(format!(
                "post {remote}: its article {id} was deleted here; left deleted"
            ));
            return Ok(None);
        }
        if let Some((id, Some(at))) = known
            && Some(at) == modified
        {
            self.report.unchanged += 1;
            return Ok(Some(id));
        }
        let existing = known.map(|(id, _)| id);
        let status = post
            .status
            .parse::<WordPressStatus>()
            .ok()
            .and_then(WordPressStatus::article_status)
            .ok_or_else(|| anyhow::anyhow!("WordPress status {:?} is not imported", post.status))?;
        let published_at = match status {
            ArticleStatus::Draft => None,
            _ => post.date_gmt.as_deref().and_then(gmt),
        };
        let title = text_of(post.title.source());
        let body = import_html(post.content.source());
        let mut blocks = body.blocks;
        let dateline = if self.options.dateline_from_body {
            take_dateline(&mut blocks)
        } else {
            None
        };
        let deck = ["deck", "subtitle", "subheadline"]
            .iter()
            .find_map(|k| post.meta.get(*k).and_then(|v| v.as_str()))
            .map(text_of);
        let mut categories = post.categories.iter().filter_map(|c| self.sections.get(c));
        let Some((_, section)) = categories.next() else {
            anyhow::bail!("it is in no category Masthead knows");
        };
        let secondary: Vec<String> = categories.map(|(_, s)| s.clone()).collect();
        let tags: Vec<String> = post
            .tags
            .iter()
            .filter_map(|t| self.tags.get(t).cloned())
            .collect();
        let authors: Vec<BylineInput> = self
            .authors
            .get(&post.author)
            .map(|slug| BylineInput {
                slug: slug.clone(),
                role: None,
            })
            .into_iter()
            .collect();
        let mut slug = slug_from(&post.slug, &title);
        let (source, now) = (self.source.clone(), self.now());
        let featured = post.featured_media;
        let (taken_slug, media_id) = {
            let (slug2, source2) = (slug.clone(), source.clone());
            self.db
                .run(move |c| {
                    let owner = crate::db::editorial::slug_owner(c, &slug2)?;
                    let media = if featured > 0 {
                        ids::local_id(c, &source2, "media", featured)?.map(|(id, _)| id)
                    } else {
                        None
                    };
                    Ok((owner, media))
                })
                .await?
        };
        if taken_slug.is_some() && taken_slug != existing {
            slug = format!("{slug}-{remote}");
        }
        let created = post.date_gmt.as_deref().and_then(gmt).or(modified).unwrap_or(now);
        let article = ImportedArticle {
            input: ArticleInput {
                title: Some(title),
                subtitle: deck,
                dateline,
                excerpt: Some(text_of(post.excerpt.source())),
                slug: Some(slug),
                body: Some(serde_json::to_value(&blocks)?),
                section: Some(section.clone()),
                sections: Some(secondary),
                tags: Some(tags),
                authors: Some(authors),
                featured_media_id: media_id,
                // The same two words in WordPress.
                comment_status: Some(
                    post.comment_status
                        .parse()
                        .unwrap_or(Discussion::Open)
                        .as_str()
                        .to_owned(),
                ),
                ..Default::default()
            },
            status,
            published_at,
            created_at: created,
            updated_at: modified.unwrap_or(now),
        };
        let editorial = self.editorial.clone();
        let link = path_of(&post.link);
        let id = self
            .write(move |c| {
                let id = editorial.import_article_in(c, existing, article, now)?;
                ids::remember(c, &source, "post", remote, id, modified)?;
                ids::add_redirect(c, &format!("/?p={remote}"), "article", Some(id), None, now)?;
                if let Some(path) = link.filter(|p| !p.starts_with("/?")) {
                    ids::add_redirect(c, &path, "article", Some(id), None, now)?;
                }
                Ok(id)
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if body.kept_as_html > 0 {
            self.report.kept_as_html += body.kept_as_html;
            self.report.posts_with_html.push((remote, id));
        }
        if existing.is_some() {
            self.report.updated += 1;
        } else {
            self.report.imported += 1;
        }
        Ok(Some(id))
    }

    /// Comments, oldest first so parents come before replies: approved ones, and with
    /// credentials pending ones too.
    async fn comments(&mut self) -> anyhow::Result<()> {
        let posts: HashMap<i64, i64> = {
            let source = self.source.clone();
            self.db
                .run(move |c| Ok(ids::local_ids(c, &source, "post")?))
                .await?
                .into_iter()
                .collect()
        };
        let mut statuses = vec!["approve"];
        if self.client().credentials.is_some() {
            statuses.push("hold");
        }
        for status in statuses {
            let mut query = self.client().edit_context();
            query.push(("orderby", "id".into()));
            query.push(("order", "asc".into()));
            if self.client().credentials.is_some() {
                query.push(("status", status.into()));
            }
            let comments: Vec<Comment> = self.client().all("comments", &query).await?;
            for comment in comments {
                let Some(&article) = posts.get(&comment.post) else {
                    continue;
                };
                let id = comment.id;
                if let Err(e) = self.comment(comment, article).await {
                    self.report.failed.push(format!("comment {id}: {e}"));
                }
            }
        }
        Ok(())
    }

    async fn comment(&mut self, comment: Comment, article: i64) -> anyhow::Result<()> {
        let (source, now) = (self.source.clone(), self.now());
        // WordPress says `approved` as Masthead does, and `hold` for pending; anonymous
        // readers only see approved ones, without a status.
        let status = match comment.status.as_str() {
            "" => CommentStatus::Approved,
            said => said.parse().unwrap_or(CommentStatus::Pending),
        };
        let body = comment_text(comment.content.source());
        let created = gmt(&comment.date_gmt).unwrap_or(now);
        let remote = comment.id;
        let parent_remote = comment.parent;
        let name = text_of(&comment.author_name);
        let email = comment.author_email.clone().unwrap_or_default();
        let url = Some(comment.author_url.clone()).filter(|u| u.starts_with("http"));
        let added = self
            .write(move |c| {
                if let Some((id, _)) = ids::local_id(c, &source, "comment", remote)?
                    && let Some(row) = crate::db::comments::by_id(c, id)?
                {
                    // Moderated here since (spam, trash) stays as the newsroom decided.
                    let moderated_here = matches!(row.status, CommentStatus::Spam | CommentStatus::Trash);
                    if !moderated_here
                        && (row.status, row.body.as_str(), row.author_name.as_str())
                            != (status, body.as_str(), name.as_str())
                    {
                        ids::update_comment(c, id, status, &body, &name, now)?;
                        crate::service::sync::log(c, &Change::Comments(vec![article]), now)?;
                    }
                    return Ok(false);
                }
                let parent = if parent_remote > 0 {
                    match ids::local_id(c, &source, "comment", parent_remote)? {
                        Some((pid, _)) => crate::db::comments::by_id(c, pid)?.map(|p| (p.id, p.depth)),
                        None => None,
                    }
                } else {
                    None
                };
                let row = crate::db::comments::NewComment {
                    article_id: article,
                    parent_id: parent.map(|p| p.0),
                    depth: parent.map_or(0, |p| p.1 + 1),
                    status,
                    author_name: name,
                    author_email: email,
                    author_url: url,
                    text_hash: crate::service::comments::text_hash(&body),
                    body,
                    ip_hash: None,
                    user_agent: None,
                    spam_reason: None,
                    idempotency_key: None,
                    answered_status: status,
                    request_hash: format!("import:{source}:{remote}"),
                    created_at: created,
                    updated_at: created,
                };
                let id = crate::db::comments::insert(c, &row)?;
                ids::remember(c, &source, "comment", remote, id, None)?;
                crate::service::sync::log(c, &Change::Comments(vec![article]), now)?;
                Ok(true)
            })
            .await?;
        if added {
            self.report.comments += 1;
        }
        Ok(())
    }
}

/// A comment's HTML as the plain text Masthead keeps: paragraphs as blank lines.
fn comment_text(html: &str) -> String {
    // An export keeps what the commenter typed: text with line breaks.
    if !html.contains('<') {
        return html_escape::decode_html_entities(html.trim()).into_owned();
    }
    let doc = scraper::Html::parse_fragment(html);
    let paragraphs: Vec<String> = doc
        .select(&scraper::Selector::parse("p").expect("valid selector"))
        .map(|p| p.text().collect::<String>().trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    if paragraphs.is_empty() {
        text_of(html)
    } else {
        paragraphs.join("\n\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpress_slugs_become_masthead_slugs() {
        assert_eq!(slug_from("middle-east", "Middle East"), "middle-east");
        assert_eq!(slug_from("%d7%a9%d7%9c%d7%95%d7%9d", "שלום"), "שלום");
        assert_eq!(slug_from("hello_world", "Hello world"), "hello-world");
        assert_eq!(slug_from("", "Breaking: rates held"), "breaking-rates-held");
    }

    #[test]
    fn a_dateline_opening_the_body_moves_out() {
        let mut blocks = import_html("<p><strong>TEL-AVIV — </strong>The line opened.</p>").blocks;
        assert_eq!(take_dateline(&mut blocks).as_deref(), Some("TEL-AVIV"));
        assert_eq!(blocks, vec![Block::paragraph("The line opened.")]);
        let mut plain = import_html("<p><strong>Note</strong> the line opened.</p>").blocks;
        assert_eq!(take_dateline(&mut plain), None);
    }
}
