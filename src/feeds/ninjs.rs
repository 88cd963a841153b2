//! A feed as one IPTC ninjs 2.2 document: a `composite` item whose associations are the
//! feed's articles, newest first, each a `text` item (with its body for partners entitled
//! to it, `partial` without).

use serde_json::{Value, json};

use crate::service::feeds::Feed;
use crate::service::structured::{NINJS_SCHEMA, NINJS_VERSION, ninjs_picture};

pub fn ninjs_feed(feed: &Feed, self_url: &str) -> Vec<u8> {
    let items: Vec<Value> = feed
        .items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let mut item = json!({
                "name": format!("item{}", n + 1),
                "uri": i.link,
                "type": "text",
                "representationtype": if i.content_html.is_some() { "full" } else { "partial" },
                "firstcreated": i.published.to_rfc3339(),
                "versioncreated": i.updated.to_rfc3339(),
                "headlines": [{ "role": "main", "value": i.title }],
                "altids": [{ "role": "guid", "value": i.id }],
                "subjects": i.categories.iter().map(|c| json!({ "name": c })).collect::<Vec<_>>(),
            });
            if !i.summary.is_empty() {
                item["descriptions"] =
                    json!([{ "role": "summary", "contenttype": "text/plain", "value": i.summary }]);
            }
            if let Some(html) = &i.content_html {
                item["bodies"] = json!([{ "role": "main", "contenttype": "text/html", "value": html }]);
            }
            if !i.authors.is_empty() {
                item["by"] = json!(i.authors.join(", "));
            }
            if let Some(media) = &i.image {
                item["associations"] = json!([ninjs_picture(media)]);
            }
            item
        })
        .collect();
    let package = json!({
        "uri": feed.id,
        "standard": { "name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA },
        "type": "composite",
        "representationtype": "full",
        "profile": "feed",
        "versioncreated": feed.updated.to_rfc3339(),
        "language": feed.language,
        "headlines": [{ "role": "main", "value": feed.title }],
        "descriptions": [{ "role": "summary", "value": feed.description }],
        "altids": [{ "role": "self", "value": self_url }],
        "associations": items,
    });
    serde_json::to_vec(&package).unwrap_or_default()
}
