//! An article as others describe news: schema.org `NewsArticle` JSON-LD, which search
//! engines read from a page, and IPTC ninjs 2.2, which news agencies and partners exchange.
//! Both are made from the same stored document as the REST article, so they carry its
//! surrogate keys and are cleared with it.

use std::sync::Arc;

use serde_json::{Value, json};

use super::feeds::SiteSettings;
use super::views::Article;
use super::{ArticleLookup, ContentService, Rendered};
use crate::content::BodyFormat;
use crate::error::AppError;

/// The version of IPTC's ninjs this API speaks, and its schema.
pub const NINJS_VERSION: &str = "2.2";
pub const NINJS_SCHEMA: &str = "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json";

impl ContentService {
    /// A public article's schema.org `NewsArticle`, as the bytes of a response.
    pub async fn json_ld_document(
        &self,
        lookup: ArticleLookup,
        site: &SiteSettings,
    ) -> Result<Arc<Rendered>, AppError> {
        self.described(lookup, BodyFormat::Blocks, |a| json_ld(a, site))
            .await
    }

    /// A public article as an IPTC ninjs news item (its body as HTML).
    pub async fn ninjs_document(
        &self,
        lookup: ArticleLookup,
        site: &SiteSettings,
    ) -> Result<Arc<Rendered>, AppError> {
        self.described(lookup, BodyFormat::Html, |a| ninjs(a, site)).await
    }

    async fn described(
        &self,
        lookup: ArticleLookup,
        format: BodyFormat,
        describe: impl FnOnce(&Article) -> Value,
    ) -> Result<Arc<Rendered>, AppError> {
        let document = self.article_document(lookup, format).await?;
        let article: Article = serde_json::from_slice(&document.body).map_err(AppError::internal)?;
        let bytes = serde_json::to_vec(&describe(&article)).map_err(AppError::internal)?;
        Ok(Arc::new(Rendered {
            article: document.article,
            keys: document.keys.clone(),
            ..Rendered::modified(bytes, Some(article.summary.updated_at))
        }))
    }
}

fn page_of(article: &Article, site: &SiteSettings) -> String {
    let a = &article.summary;
    a.canonical_url
        .clone()
        .unwrap_or_else(|| site.article_link(&a.section.slug, &a.slug, a.id))
}

/// schema.org `NewsArticle`, with what Google's article rich results read.
pub fn json_ld(article: &Article, site: &SiteSettings) -> Value {
    let a = &article.summary;
    let page = page_of(article, site);
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": page,
        "url": page,
        "mainEntityOfPage": { "@type": "WebPage", "@id": page },
        "headline": a.title,
        "description": a.excerpt,
        "datePublished": a.published_at.to_rfc3339(),
        "dateModified": a.updated_at.to_rfc3339(),
        "inLanguage": a.language,
        "wordCount": a.word_count,
        "isAccessibleForFree": true,
        "author": a.authors.iter().map(|b| {
            let mut person = json!({
                "@type": "Person",
                "name": b.name,
                "url": site.author_link(&b.slug),
            });
            if !b.title.is_empty() {
                person["jobTitle"] = json!(b.title);
            }
            person
        }).collect::<Vec<_>>(),
        "publisher": publisher(site),
        "articleSection": section_names(article),
        "keywords": a.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
    });
    if !a.subtitle.is_empty() {
        doc["alternativeHeadline"] = json!(a.subtitle);
    }
    if !a.dateline.is_empty() {
        doc["locationCreated"] = json!({ "@type": "Place", "name": a.dateline });
    }
    if let Some(media) = &a.featured_media {
        let mut image = json!({ "@type": "ImageObject", "url": media.url, "contentUrl": media.url });
        for (field, value) in [("caption", &media.caption), ("creditText", &media.credit)] {
            if !value.is_empty() {
                image[field] = json!(value);
            }
        }
        if let (Some(w), Some(h)) = (media.width, media.height) {
            // schema.org sizes are a Distance or a QuantitativeValue; E37 is UN/CEFACT's pixel.
            let pixels = |n: i32| json!({ "@type": "QuantitativeValue", "value": n, "unitCode": "E37" });
            image["width"] = pixels(w);
            image["height"] = pixels(h);
        }
        doc["image"] = json!([image]);
    }
    if !article.corrections.is_empty() {
        doc["correction"] = article
            .corrections
            .iter()
            .map(|c| {
                json!({
                    "@type": "CorrectionComment",
                    "text": c.note,
                    "datePublished": c.noted_at.to_rfc3339(),
                })
            })
            .collect();
    }
    doc
}

fn publisher(site: &SiteSettings) -> Value {
    let mut publisher = json!({
        "@type": "NewsMediaOrganization",
        "name": site.name,
        "url": site.url,
    });
    if let Some(logo) = &site.logo_url {
        publisher["logo"] = json!({ "@type": "ImageObject", "url": logo });
    }
    publisher
}

/// The primary section's path from the root, then the secondary sections.
fn section_names(article: &Article) -> Vec<&str> {
    let mut names: Vec<&str> = article.section_path.iter().map(|s| s.name.as_str()).collect();
    if names.is_empty() {
        names.push(article.summary.section.name.as_str());
    }
    for s in &article.sections {
        if !names.contains(&s.name.as_str()) {
            names.push(s.name.as_str());
        }
    }
    names
}

/// IPTC ninjs 2.2: a text item with its body as HTML, the featured image as an associated
/// picture, tags and sections as subjects, corrections as descriptions.
pub fn ninjs(article: &Article, site: &SiteSettings) -> Value {
    let a = &article.summary;
    let mut headlines = vec![json!({ "role": "main", "value": a.title })];
    if !a.subtitle.is_empty() {
        headlines.push(json!({ "role": "sub", "value": a.subtitle }));
    }
    let mut descriptions = Vec::new();
    if !a.excerpt.is_empty() {
        descriptions.push(json!({ "role": "summary", "contenttype": "text/plain", "value": a.excerpt }));
    }
    descriptions.extend(article.corrections.iter().map(|c| {
        json!({
            "role": "correction",
            "contenttype": "text/plain",
            "value": format!("{} ({})", c.note, c.noted_at.to_rfc3339()),
        })
    }));
    let mut subjects: Vec<Value> = article
        .section_path
        .iter()
        .chain(&article.sections)
        .map(|s| json!({ "name": s.name, "literal": s.slug, "rel": "section", "uri": site.section_link(&s.slug) }))
        .collect();
    subjects.extend(
        a.tags
            .iter()
            .map(|t| json!({ "name": t.name, "literal": t.slug, "rel": "about" })),
    );
    let mut item = json!({
        "uri": page_of(article, site),
        "standard": { "name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA },
        "type": "text",
        "representationtype": "full",
        "pubstatus": "usable",
        "firstcreated": a.published_at.to_rfc3339(),
        "versioncreated": a.updated_at.to_rfc3339(),
        "language": a.language,
        "copyrightholder": site.name,
        "headlines": headlines,
        "bodies": [{
            "role": "main",
            "contenttype": "text/html",
            "wordcount": a.word_count,
            "value": article.body.html.clone().unwrap_or_default(),
        }],
        "subjects": subjects,
        "altids": [{ "role": "masthead", "value": a.id.to_string() }],
    });
    if !descriptions.is_empty() {
        item["descriptions"] = json!(descriptions);
    }
    let by: Vec<&str> = a.authors.iter().map(|b| b.name.as_str()).collect();
    if !by.is_empty() {
        item["by"] = json!(by.join(", "));
    }
    if !a.dateline.is_empty() {
        item["located"] = json!(a.dateline);
    }
    if let Some(media) = &a.featured_media {
        item["associations"] = json!([ninjs_picture(media)]);
    }
    item
}

/// A featured image as an associated ninjs picture.
pub fn ninjs_picture(media: &super::views::Media) -> Value {
    let mut rendition = json!({ "name": "original", "href": media.url });
    if let (Some(w), Some(h)) = (media.width, media.height) {
        rendition["width"] = json!(w);
        rendition["height"] = json!(h);
    }
    let mut picture = json!({
        "name": "featureimage",
        "uri": media.url,
        "type": "picture",
        "renditions": [rendition],
    });
    let mut about = Vec::new();
    if !media.caption.is_empty() {
        about.push(json!({ "role": "caption", "value": media.caption }));
    }
    if !media.alt.is_empty() {
        about.push(json!({ "role": "alt", "value": media.alt }));
    }
    if !about.is_empty() {
        picture["descriptions"] = json!(about);
    }
    if !media.credit.is_empty() {
        picture["by"] = json!(media.credit);
    }
    picture
}
