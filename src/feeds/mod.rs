//! Feed and sitemap documents, written with the syndication crates and an XML writer, never
//! by gluing strings: escaping is theirs to get right.

mod json_feed;
mod ninjs;
mod sitemap;
mod syndication;

use chrono::{DateTime, Utc};

use crate::content::controls::xml_safe;
use crate::service::feeds::{Feed, SitemapEntry};

pub use json_feed::json_feed;
pub use ninjs::ninjs_feed;

// Every XML document leaves through these: whatever the database already holds (a title
// with a vertical tab, a tag named with NUL), no character XML 1.0 forbids is written, so
// the document stays well-formed for every reader.

pub fn rss(feed: &Feed, self_url: &str) -> String {
    xml_safe(&syndication::rss(feed, self_url)).into_owned()
}

pub fn atom(feed: &Feed, self_url: &str) -> String {
    xml_safe(&syndication::atom(feed, self_url)).into_owned()
}

pub fn sitemap_index(sitemaps: &[(String, DateTime<Utc>)]) -> Vec<u8> {
    xml_bytes(sitemap::sitemap_index(sitemaps))
}

pub fn urlset(urls: &[(String, Option<DateTime<Utc>>)]) -> Vec<u8> {
    xml_bytes(sitemap::urlset(urls))
}

pub fn news_sitemap(entries: &[SitemapEntry], publication: &str, language: &str) -> Vec<u8> {
    xml_bytes(sitemap::news_sitemap(entries, publication, language))
}

fn xml_bytes(bytes: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(bytes) {
        Ok(text) => match xml_safe(&text) {
            std::borrow::Cow::Borrowed(_) => text.into_bytes(),
            std::borrow::Cow::Owned(clean) => clean.into_bytes(),
        },
        Err(e) => e.into_bytes(),
    }
}
