//! Sitemaps (sitemaps.org 0.9) and the Google News sitemap, written with quick-xml.

use chrono::{DateTime, SecondsFormat, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::service::feeds::SitemapEntry;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

fn w3c(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

struct Doc(Writer<Vec<u8>>);

impl Doc {
    fn new() -> Doc {
        let mut w = Writer::new(Vec::new());
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        Doc(w)
    }
    fn open(&mut self, el: BytesStart<'_>) {
        let _ = self.0.write_event(Event::Start(el));
    }
    fn close(&mut self, name: &str) {
        let _ = self.0.write_event(Event::End(BytesEnd::new(name)));
    }
    fn text(&mut self, name: &str, value: &str) {
        self.open(BytesStart::new(name));
        let _ = self.0.write_event(Event::Text(BytesText::new(value)));
        self.close(name);
    }
    fn finish(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

/// An index of sitemaps: (absolute URL, last change).
pub fn sitemap_index(sitemaps: &[(String, DateTime<Utc>)]) -> Vec<u8> {
    let mut doc = Doc::new();
    doc.open(BytesStart::new("sitemapindex").with_attributes([("xmlns", SITEMAP_NS)]));
    for (loc, lastmod) in sitemaps {
        doc.open(BytesStart::new("sitemap"));
        doc.text("loc", loc);
        doc.text("lastmod", &w3c(*lastmod));
        doc.close("sitemap");
    }
    doc.close("sitemapindex");
    doc.finish()
}

/// A sitemap of URLs with their last change.
pub fn urlset(urls: &[(String, Option<DateTime<Utc>>)]) -> Vec<u8> {
    let mut doc = Doc::new();
    doc.open(BytesStart::new("urlset").with_attributes([("xmlns", SITEMAP_NS)]));
    for (loc, lastmod) in urls {
        doc.open(BytesStart::new("url"));
        doc.text("loc", loc);
        if let Some(lastmod) = lastmod {
            doc.text("lastmod", &w3c(*lastmod));
        }
        doc.close("url");
    }
    doc.close("urlset");
    doc.finish()
}

/// A Google News sitemap: recent articles with publication, date and title.
pub fn news_sitemap(entries: &[SitemapEntry], publication: &str, language: &str) -> Vec<u8> {
    let mut doc = Doc::new();
    doc.open(BytesStart::new("urlset").with_attributes([("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)]));
    for e in entries {
        doc.open(BytesStart::new("url"));
        doc.text("loc", &e.loc);
        doc.text("lastmod", &w3c(e.lastmod));
        doc.open(BytesStart::new("news:news"));
        doc.open(BytesStart::new("news:publication"));
        doc.text("news:name", publication);
        doc.text("news:language", language);
        doc.close("news:publication");
        doc.text("news:publication_date", &w3c(e.published));
        doc.text("news:title", &e.title);
        doc.close("news:news");
        doc.close("url");
    }
    doc.close("urlset");
    doc.finish()
}
