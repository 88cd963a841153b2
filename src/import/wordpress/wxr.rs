//! `masthead import wordpress --wxr export.xml`: a WordPress export file (WXR, as Tools →
//! Export or `export_wp()` writes it), read as a stream of XML events, so a file of several
//! gigabytes needs no more memory than one post at a time. It is read twice: first the
//! site's authors, categories, tags and images (small, kept), then the posts, each written
//! with its comments as soon as it has been read.
//!
//! The export names no author pages, category links or avatars: authors' slugs come from
//! their display names, and the old addresses of categories, tags and authors are
//! WordPress's defaults (`/category/world/middle-east/`, `/tag/x/`, `/author/y/`).

use std::collections::HashMap;
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::{Comment, Importer, MediaItem, Post, Rendered, Term, User, source_name};
use crate::content::slug::slugify;
use crate::content::status::{CommentStatus, WordPressStatus};

/// One element of the file with its text and the elements inside it, as far as a WXR
/// needs: every WXR value is a leaf's text.
#[derive(Debug, Default)]
struct Node {
    fields: HashMap<String, String>,
    /// `<category domain="..." nicename="...">`: (domain, nicename).
    categories: Vec<(String, String)>,
    meta: HashMap<String, String>,
    comments: Vec<HashMap<String, String>>,
}

impl Node {
    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or_default()
    }

    fn id(&self, name: &str) -> i64 {
        self.get(name).trim().parse().unwrap_or(0)
    }
}

/// What a pass over the file hands on: a site-level element or an item (post, page,
/// attachment...).
enum Found {
    Site(String),
    Author(Node),
    Category(Node),
    Tag(Node),
    Item(Node),
}

/// Reads the file's elements one by one, handing each site element and item to `each`.
fn read(path: &Path, mut each: impl FnMut(Found) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut reader = Reader::from_reader(std::io::BufReader::with_capacity(1 << 16, file));
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut node: Option<Node> = None;
    let mut comment: Option<HashMap<String, String>> = None;
    let mut meta: Option<(String, String)> = None;
    let mut category: Option<(String, String)> = None;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a WordPress export at byte {}: {e}",
                path.display(),
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                match name.as_str() {
                    "item" | "wp:author" | "wp:category" | "wp:tag"
                        if stack.last().is_some_and(|p| p == "channel") =>
                    {
                        node = Some(Node::default())
                    }
                    "wp:comment" if node.is_some() => comment = Some(HashMap::new()),
                    "wp:postmeta" if node.is_some() => meta = Some(Default::default()),
                    "category" if node.is_some() => {
                        let attr = |key: &str| {
                            e.try_get_attribute(key)
                                .ok()
                                .flatten()
                                .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                                .unwrap_or_default()
                        };
                        category = Some((attr("domain"), attr("nicename")));
                    }
                    _ => {}
                }
                stack.push(name);
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml_content().map_err(|e| anyhow::anyhow!("{e}"))?),
            Event::CData(t) => text.push_str(&t.decode().map_err(|e| anyhow::anyhow!("{e}"))?),
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => text.push_str(s),
                        None => {
                            text.push('&');
                            text.push_str(&name);
                            text.push(';');
                        }
                    }
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let value = std::mem::take(&mut text);
                match name.as_str() {
                    "wp:comment" => {
                        if let (Some(n), Some(c)) = (node.as_mut(), comment.take()) {
                            n.comments.push(c);
                        }
                    }
                    "wp:postmeta" => {
                        if let (Some(n), Some((k, v))) = (node.as_mut(), meta.take()) {
                            n.meta.insert(k, v);
                        }
                    }
                    "category" if category.is_some() => {
                        if let (Some(n), Some(c)) = (node.as_mut(), category.take()) {
                            n.categories.push(c);
                        }
                    }
                    "wp:meta_key" if meta.is_some() => meta.as_mut().expect("meta").0 = value,
                    "wp:meta_value" if meta.is_some() => meta.as_mut().expect("meta").1 = value,
                    "item" | "wp:author" | "wp:category" | "wp:tag"
                        if stack.last().is_some_and(|p| p == "channel") =>
                    {
                        if let Some(n) = node.take() {
                            each(match name.as_str() {
                                "item" => Found::Item(n),
                                "wp:author" => Found::Author(n),
                                "wp:category" => Found::Category(n),
                                _ => Found::Tag(n),
                            })?;
                        }
                    }
                    "wp:base_blog_url" | "wp:base_site_url" if node.is_none() => each(Found::Site(value))?,
                    field => {
                        if let Some(c) = comment.as_mut() {
                            c.insert(field.to_owned(), value);
                        } else if let Some(n) = node.as_mut() {
                            n.fields.insert(field.to_owned(), value);
                        }
                    }
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

/// `2025-09-14 03:30:00` as the REST API writes it.
fn rest_time(raw: &str) -> Option<String> {
    let raw = raw.trim();
    (!raw.is_empty() && !raw.starts_with("0000")).then(|| raw.replacen(' ', "T", 1))
}

fn rendered(raw: &str) -> Rendered {
    Rendered {
        rendered: String::new(),
        raw: Some(raw.to_owned()),
    }
}

/// The width and height in a serialized `_wp_attachment_metadata`.
fn dimension(serialized: &str, name: &str) -> Option<i64> {
    let key = format!("s:{}:\"{name}\";i:", name.len());
    let rest = &serialized[serialized.find(&key)? + key.len()..];
    rest[..rest.find(';')?].parse().ok()
}

/// Imports the export file at `path`.
pub(super) async fn import(importer: &mut Importer, path: &Path) -> anyhow::Result<()> {
    // First pass: the site, its people, categories, tags and images.
    let mut site = String::new();
    let (mut authors, mut categories, mut tags) = (Vec::new(), Vec::new(), Vec::new());
    let mut images: HashMap<i64, MediaItem> = HashMap::new();
    read(path, |found| {
        match found {
            Found::Site(url) if site.is_empty() => site = url,
            Found::Site(_) => {}
            Found::Author(n) => authors.push(n),
            Found::Category(n) => categories.push(n),
            Found::Tag(n) => tags.push(n),
            Found::Item(n) if n.get("wp:post_type") == "attachment" => {
                let mut details = serde_json::Map::new();
                let serialized = n
                    .meta
                    .get("_wp_attachment_metadata")
                    .map(String::as_str)
                    .unwrap_or_default();
                for key in ["width", "height"] {
                    if let Some(v) = dimension(serialized, key) {
                        details.insert(key.to_owned(), v.into());
                    }
                }
                images.insert(
                    n.id("wp:post_id"),
                    MediaItem {
                        id: n.id("wp:post_id"),
                        source_url: n.get("wp:attachment_url").to_owned(),
                        alt_text: n
                            .meta
                            .get("_wp_attachment_image_alt")
                            .cloned()
                            .unwrap_or_default(),
                        caption: Some(rendered(n.get("excerpt:encoded"))),
                        media_details: serde_json::Value::Object(details),
                    },
                );
            }
            Found::Item(_) => {}
        }
        Ok(())
    })?;
    anyhow::ensure!(
        !site.is_empty(),
        "{}: no <wp:base_blog_url>: not a WordPress export",
        path.display()
    );
    importer.source = source_name(&site);

    // Categories with WordPress's default addresses, which name every parent.
    let by_slug: HashMap<String, &Node> = categories
        .iter()
        .map(|n| (n.get("wp:category_nicename").to_owned(), n))
        .collect();
    let category_path = |node: &Node| {
        let mut parts = vec![node.get("wp:category_nicename").to_owned()];
        let mut parent = node.get("wp:category_parent").to_owned();
        while let Some(p) = by_slug.get(&parent).filter(|_| parts.len() < 20) {
            parts.push(parent.clone());
            parent = p.get("wp:category_parent").to_owned();
        }
        parts.reverse();
        format!("/category/{}/", parts.join("/"))
    };
    let terms: Vec<Term> = categories
        .iter()
        .map(|n| Term {
            id: n.id("wp:term_id"),
            name: n.get("wp:cat_name").to_owned(),
            slug: n.get("wp:category_nicename").to_owned(),
            description: n.get("wp:category_description").to_owned(),
            parent: by_slug
                .get(n.get("wp:category_parent"))
                .map_or(0, |p| p.id("wp:term_id")),
            link: category_path(n),
        })
        .collect();
    let tag_terms: Vec<Term> = tags
        .iter()
        .map(|n| Term {
            id: n.id("wp:term_id"),
            name: n.get("wp:tag_name").to_owned(),
            slug: n.get("wp:tag_slug").to_owned(),
            description: n.get("wp:tag_description").to_owned(),
            parent: 0,
            link: format!("/tag/{}/", n.get("wp:tag_slug")),
        })
        .collect();
    importer.write_taxonomy(&terms, &tag_terms).await?;
    let users: Vec<User> = authors
        .iter()
        .map(|n| {
            let name = n.get("wp:author_display_name");
            let slug = slugify(if name.trim().is_empty() {
                n.get("wp:author_login")
            } else {
                name
            });
            User {
                id: n.id("wp:author_id"),
                name: name.to_owned(),
                link: format!("/author/{slug}/"),
                slug,
                description: String::new(),
                avatar_urls: HashMap::new(),
            }
        })
        .collect();
    importer.write_authors(&users).await?;
    let logins: HashMap<String, i64> = authors
        .iter()
        .map(|n| (n.get("wp:author_login").to_owned(), n.id("wp:author_id")))
        .collect();
    let category_ids: HashMap<String, i64> = terms.iter().map(|t| (t.slug.clone(), t.id)).collect();
    let tag_ids: HashMap<String, i64> = tag_terms.iter().map(|t| (t.slug.clone(), t.id)).collect();

    // Second pass: the posts, one at a time, from a reading thread.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Node>(16);
    let reading = {
        let path = path.to_owned();
        std::thread::spawn(move || {
            read(&path, |found| {
                if let Found::Item(n) = found
                    && n.get("wp:post_type") == "post"
                {
                    tx.blocking_send(n)
                        .map_err(|_| anyhow::anyhow!("the import stopped"))?;
                }
                Ok(())
            })
        })
    };
    let mut written_images = std::collections::HashSet::new();
    let mut seen = 0usize;
    let started = std::time::Instant::now();
    while let Some(n) = rx.recv().await {
        let status = n.get("wp:status").to_owned();
        // What is in WordPress's bin or was never saved stays behind.
        if status
            .parse::<WordPressStatus>()
            .ok()
            .and_then(WordPressStatus::article_status)
            .is_none()
        {
            continue;
        }
        let id = n.id("wp:post_id");
        // Drafts have no GMT times in an export (zeros): their local time still tells a
        // change from the last run.
        let modified = rest_time(n.get("wp:post_modified_gmt"))
            .or_else(|| rest_time(n.get("wp:post_modified")))
            .or_else(|| rest_time(n.get("wp:post_date_gmt")));
        if let (Some(since), Some(m)) = (importer.options.since, modified.as_deref().and_then(super::gmt))
            && m <= since
        {
            continue;
        }
        let featured = n
            .meta
            .get("_thumbnail_id")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0);
        if featured > 0 && written_images.insert(featured) {
            match images.remove(&featured) {
                Some(image) => importer.write_media(vec![image]).await?,
                None => importer.report.media_failed.push(format!(
                    "media {featured} (featured on post {id}): not in the export"
                )),
            }
        }
        let pick = |domain: &str, ids: &HashMap<String, i64>| -> Vec<i64> {
            n.categories
                .iter()
                .filter(|(d, _)| d == domain)
                .filter_map(|(_, slug)| ids.get(slug).copied())
                .collect()
        };
        let meta: serde_json::Map<String, serde_json::Value> = n
            .meta
            .iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let post = Post {
            id,
            date_gmt: rest_time(n.get("wp:post_date_gmt")),
            modified_gmt: modified.unwrap_or_default(),
            slug: n.get("wp:post_name").to_owned(),
            status,
            link: n.get("link").to_owned(),
            title: rendered(n.get("title")),
            content: rendered(n.get("content:encoded")),
            excerpt: rendered(n.get("excerpt:encoded")),
            author: logins.get(n.get("dc:creator")).copied().unwrap_or(0),
            featured_media: featured,
            comment_status: n.get("wp:comment_status").to_owned(),
            categories: pick("category", &category_ids),
            tags: pick("post_tag", &tag_ids),
            meta: serde_json::Value::Object(meta),
        };
        let article = match importer.post(post).await {
            Ok(Some(article)) => article,
            Ok(None) => continue,
            Err(e) => {
                importer.report.failed.push(format!("post {id}: {e}"));
                continue;
            }
        };
        let mut comments: Vec<&HashMap<String, String>> = n.comments.iter().collect();
        comments.sort_by_key(|c| c.get("wp:comment_id").and_then(|v| v.parse::<i64>().ok()));
        for c in comments {
            let get = |k: &str| c.get(k).cloned().unwrap_or_default();
            // WordPress keeps 1 for approved and 0 for held; spam and trash stay behind.
            let status = match get("wp:comment_approved").as_str() {
                "1" => CommentStatus::Approved.as_str(),
                "0" => "hold",
                _ => continue,
            };
            let comment = Comment {
                id: get("wp:comment_id").parse().unwrap_or(0),
                post: id,
                parent: get("wp:comment_parent").parse().unwrap_or(0),
                author_name: get("wp:comment_author"),
                author_email: Some(get("wp:comment_author_email")),
                author_url: get("wp:comment_author_url"),
                date_gmt: rest_time(&get("wp:comment_date_gmt")).unwrap_or_default(),
                content: rendered(&get("wp:comment_content")),
                status: status.to_owned(),
            };
            let remote = comment.id;
            if let Err(e) = importer.comment(comment, article).await {
                importer.report.failed.push(format!("comment {remote}: {e}"));
            }
        }
        seen += 1;
        if seen.is_multiple_of(1000) {
            eprintln!("posts: {seen} read in {:.0?}", started.elapsed());
        }
    }
    reading
        .join()
        .map_err(|_| anyhow::anyhow!("the export reader stopped"))??;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_sizes_come_out_of_php_serialisation() {
        let meta = r#"a:3:{s:5:"width";i:1600;s:6:"height";i:900;s:4:"file";s:20:"2025/09/platform.jpg";}"#;
        assert_eq!(dimension(meta, "width"), Some(1600));
        assert_eq!(dimension(meta, "height"), Some(900));
        assert_eq!(dimension(meta, "depth"), None);
    }
}
