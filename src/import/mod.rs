//! Importers: other systems' content brought into Masthead, remembering where each thing
//! came from, so runs are incremental and old addresses keep working.

use std::fmt;

pub mod wordpress;

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Posts left alone, and why (their article was deleted here).
    pub skipped: Vec<String>,
    pub sections: usize,
    pub tags: usize,
    pub authors: usize,
    pub media: usize,
    pub comments: usize,
    /// Elements no block describes, kept as sanitised HTML blocks.
    pub kept_as_html: usize,
    /// (WordPress id, Masthead id) of the posts with such elements, to look at.
    pub posts_with_html: Vec<(i64, i64)>,
    /// Media that could not be fetched.
    pub media_failed: Vec<String>,
    /// What could not be imported, and why.
    pub failed: Vec<String>,
}

impl Report {
    /// Whether anything failed: the command then exits non-zero.
    pub fn has_failures(&self) -> bool {
        !self.failed.is_empty() || !self.media_failed.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "posts: {} imported, {} updated, {} unchanged, {} skipped, {} failed",
            self.imported,
            self.updated,
            self.unchanged,
            self.skipped.len(),
            self.failed.len()
        )?;
        for line in &self.skipped {
            writeln!(f, "  skipped: {line}")?;
        }
        writeln!(
            f,
            "sections {}, tags {}, authors {}, featured images {}, new comments {}",
            self.sections, self.tags, self.authors, self.media, self.comments
        )?;
        writeln!(
            f,
            "blocks kept as HTML: {} (in {} posts)",
            self.kept_as_html,
            self.posts_with_html.len()
        )?;
        for (remote, local) in self.posts_with_html.iter().take(20) {
            writeln!(f, "  post {remote} (article {local})")?;
        }
        writeln!(f, "media that could not be fetched: {}", self.media_failed.len())?;
        for line in &self.media_failed {
            writeln!(f, "  {line}")?;
        }
        for line in &self.failed {
            writeln!(f, "failed: {line}")?;
        }
        Ok(())
    }
}

/// The path (and `?p=` query) of an address on the old site, as redirects are kept:
/// percent-decoded, with a trailing slash, any other query dropped. `None` for nothing.
pub fn path_of(link: &str) -> Option<String> {
    let rest = match link.find("://") {
        Some(i) => {
            let after = &link[i + 3..];
            &after[after.find('/').unwrap_or(after.len())..]
        }
        None => link,
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut path = if path.starts_with('/') {
        path.into_owned()
    } else {
        format!("/{path}")
    };
    // `/?p=123`: WordPress's address of a post by id.
    if let Some(p) = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find_map(|(k, v)| (k == "p" || k == "page_id").then(|| v.into_owned()))
    }) && p.parse::<i64>().is_ok()
        && path == "/"
    {
        return Some(format!("/?p={p}"));
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    (path != "/" || query.is_none()).then(|| crate::content::slug::normalise(&path))
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn old_addresses_are_kept_in_one_form() {
        assert_eq!(
            path_of("http://127.0.0.1:8081/2025/09/14/slug/").as_deref(),
            Some("/2025/09/14/slug/")
        );
        assert_eq!(path_of("/2025/09/14/slug").as_deref(), Some("/2025/09/14/slug/"));
        assert_eq!(path_of("https://news.example/?p=123").as_deref(), Some("/?p=123"));
        assert_eq!(path_of("/?p=123&utm_source=x").as_deref(), Some("/?p=123"));
        assert_eq!(
            path_of("/2025/09/14/%d7%a9%d7%9c%d7%95%d7%9d/").as_deref(),
            Some("/2025/09/14/שלום/")
        );
        assert_eq!(
            path_of("/category/world/middle-east/?utm=1").as_deref(),
            Some("/category/world/middle-east/")
        );
    }
}
