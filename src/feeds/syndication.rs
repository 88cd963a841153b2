//! RSS 2.0 (with Media RSS, content:encoded and Dublin Core creators) and Atom 1.0.

use std::collections::BTreeMap;

use atom_syndication as atom_;
use rss::extension::Extension;

use crate::service::feeds::Feed;

const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";

pub fn rss(feed: &Feed, self_url: &str) -> String {
    let items: Vec<rss::Item> = feed
        .items
        .iter()
        .map(|i| {
            let mut item = rss::Item::default();
            item.set_title(i.title.clone());
            item.set_link(i.link.clone());
            item.set_description(i.summary.clone());
            item.set_guid(rss::Guid {
                value: i.id.clone(),
                permalink: false,
            });
            item.set_pub_date(i.published.to_rfc2822());
            item.set_categories(
                i.categories
                    .iter()
                    .map(|c| rss::Category {
                        name: c.clone(),
                        domain: None,
                    })
                    .collect::<Vec<_>>(),
            );
            if !i.authors.is_empty() {
                let mut dc = rss::extension::dublincore::DublinCoreExtension::default();
                dc.set_creators(i.authors.clone());
                item.set_dublin_core_ext(dc);
            }
            if let Some(html) = &i.content_html {
                item.set_content(html.clone());
            }
            if let Some(image) = &i.image {
                item.set_enclosure(rss::Enclosure {
                    url: image.url.clone(),
                    length: "0".into(),
                    mime_type: mime_of(&image.url).into(),
                });
                let mut attrs = BTreeMap::new();
                attrs.insert("url".to_owned(), image.url.clone());
                attrs.insert("medium".to_owned(), "image".to_owned());
                if let (Some(w), Some(h)) = (image.width, image.height) {
                    attrs.insert("width".to_owned(), w.to_string());
                    attrs.insert("height".to_owned(), h.to_string());
                }
                let mut children = BTreeMap::new();
                if !image.caption.is_empty() {
                    children.insert(
                        "description".to_owned(),
                        vec![Extension {
                            name: "media:description".into(),
                            value: Some(image.caption.clone()),
                            ..Default::default()
                        }],
                    );
                }
                if !image.credit.is_empty() {
                    children.insert(
                        "credit".to_owned(),
                        vec![Extension {
                            name: "media:credit".into(),
                            value: Some(image.credit.clone()),
                            ..Default::default()
                        }],
                    );
                }
                let content = Extension {
                    name: "media:content".into(),
                    value: None,
                    attrs,
                    children,
                };
                let mut media = BTreeMap::new();
                media.insert("content".to_owned(), vec![content]);
                let mut ext = BTreeMap::new();
                ext.insert("media".to_owned(), media);
                item.set_extensions(ext);
            }
            item
        })
        .collect();
    let mut channel = rss::Channel::default();
    channel.set_title(feed.title.clone());
    channel.set_link(feed.home.clone());
    channel.set_description(feed.description.clone());
    channel.set_language(feed.language.clone());
    channel.set_last_build_date(feed.updated.to_rfc2822());
    channel.set_generator("Masthead".to_owned());
    let mut atom_ext = rss::extension::atom::AtomExtension::default();
    let mut links = vec![atom_::Link {
        href: self_url.to_owned(),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Default::default()
    }];
    links.extend(feed.hubs.iter().map(|hub| hub_link(hub)));
    atom_ext.set_links(links);
    channel.set_atom_ext(atom_ext);
    let mut namespaces = BTreeMap::new();
    namespaces.insert("media".to_owned(), MEDIA_NS.to_owned());
    channel.set_namespaces(namespaces);
    channel.set_items(items);
    channel.to_string()
}

pub fn atom(feed: &Feed, self_url: &str) -> String {
    let entries: Vec<atom_::Entry> = feed
        .items
        .iter()
        .map(|i| {
            let mut entry = atom_::Entry::default();
            entry.set_id(i.id.clone());
            entry.set_title(atom_::Text::plain(i.title.clone()));
            entry.set_updated(i.updated.fixed_offset());
            entry.set_published(Some(i.published.fixed_offset()));
            entry.set_summary(Some(atom_::Text::plain(i.summary.clone())));
            entry.set_authors(
                i.authors
                    .iter()
                    .map(|a| atom_::Person {
                        name: a.clone(),
                        ..Default::default()
                    })
                    .collect::<Vec<_>>(),
            );
            entry.set_categories(
                i.categories
                    .iter()
                    .map(|c| atom_::Category {
                        term: c.clone(),
                        ..Default::default()
                    })
                    .collect::<Vec<_>>(),
            );
            let mut links = vec![atom_::Link {
                href: i.link.clone(),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            }];
            if let Some(image) = &i.image {
                links.push(atom_::Link {
                    href: image.url.clone(),
                    rel: "enclosure".into(),
                    mime_type: Some(mime_of(&image.url).into()),
                    title: Some(image.caption.clone()).filter(|c| !c.is_empty()),
                    ..Default::default()
                });
            }
            entry.set_links(links);
            if let Some(html) = &i.content_html {
                entry.set_content(Some(atom_::Content {
                    value: Some(html.clone()),
                    content_type: Some("html".into()),
                    ..Default::default()
                }));
            }
            entry
        })
        .collect();
    let mut out = atom_::Feed::default();
    out.set_id(feed.id.clone());
    out.set_title(atom_::Text::plain(feed.title.clone()));
    out.set_subtitle(Some(atom_::Text::plain(feed.description.clone())));
    out.set_updated(feed.updated.fixed_offset());
    out.set_lang(Some(feed.language.clone()));
    out.set_generator(Some(atom_::Generator {
        value: "Masthead".into(),
        ..Default::default()
    }));
    let mut links = vec![
        atom_::Link {
            href: self_url.to_owned(),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Default::default()
        },
        atom_::Link {
            href: feed.home.clone(),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Default::default()
        },
    ];
    links.extend(feed.hubs.iter().map(|hub| hub_link(hub)));
    out.set_links(links);
    out.set_entries(entries);
    out.to_string()
}

/// A WebSub hub, as RSS (in the Atom namespace) and Atom name it.
fn hub_link(hub: &str) -> atom_::Link {
    atom_::Link {
        href: hub.to_owned(),
        rel: "hub".into(),
        ..Default::default()
    }
}

fn mime_of(url: &str) -> &'static str {
    let lower = url.to_ascii_lowercase();
    if lower.ends_with(".png") {
        "image/png"
    } else if lower.ends_with(".webp") {
        "image/webp"
    } else if lower.ends_with(".gif") {
        "image/gif"
    } else {
        "image/jpeg"
    }
}
