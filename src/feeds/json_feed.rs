//! JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).

use serde::Serialize;

use crate::service::feeds::Feed;

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    language: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    items: Vec<JsonItem<'a>>,
}

/// A WebSub hub (JSON Feed 1.1 `hubs`).
#[derive(Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    /// A feed item must have content: the summary stands in when the full text is not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    authors: Vec<Author<'a>>,
    tags: &'a [String],
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

pub fn json_feed(feed: &Feed, self_url: &str) -> Vec<u8> {
    let doc = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: &feed.home,
        feed_url: self_url,
        description: &feed.description,
        language: &feed.language,
        hubs: feed.hubs.iter().map(|url| Hub { kind: "WebSub", url }).collect(),
        items: feed
            .items
            .iter()
            .map(|i| JsonItem {
                id: &i.id,
                url: &i.link,
                title: &i.title,
                summary: &i.summary,
                content_html: i.content_html.as_deref(),
                content_text: if i.content_html.is_some() {
                    None
                } else {
                    Some(&i.summary)
                },
                image: i.image.as_ref().map(|m| m.url.as_str()),
                date_published: i.published.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                date_modified: i.updated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                authors: i.authors.iter().map(|a| Author { name: a }).collect(),
                tags: &i.categories,
            })
            .collect(),
    };
    serde_json::to_vec(&doc).expect("a feed serialises")
}
