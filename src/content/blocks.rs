//! Structured article bodies: a list of blocks stored as JSON.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One block of an article body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    /// A paragraph of inline text runs.
    Paragraph { content: Vec<Inline> },
    /// A subheading; `level` is 2, 3 or 4 (the title is the page's level 1).
    Heading { level: u8, text: String },
    /// A bulleted or numbered list; each item is a run of inline text.
    List {
        #[serde(default)]
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    /// A pull quote.
    Quote {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attribution: Option<String>,
    },
    /// An image inside the body.
    Image {
        url: String,
        #[serde(default)]
        alt: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credit: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        width: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        height: Option<u32>,
    },
    /// Third-party content (a video, a post), referenced by URL; never rendered as a script.
    Embed { provider: String, url: String },
    /// A table of text cells: an optional header row, then the rows.
    Table {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    /// A thematic break between parts of the story.
    Separator {},
    /// Markup no other block describes (from an import), kept rather than lost. Rendered
    /// through an allow-list sanitiser, whoever wrote it: never a script, style or handler.
    Html { html: String },
}

/// A run of text with the same marks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Inline {
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Mark {
    Bold,
    Italic,
    Link { href: String },
}

impl Inline {
    pub fn plain(text: impl Into<String>) -> Inline {
        Inline {
            text: text.into(),
            marks: Vec::new(),
        }
    }

    pub fn marked(text: impl Into<String>, marks: Vec<Mark>) -> Inline {
        Inline {
            text: text.into(),
            marks,
        }
    }
}

impl Block {
    pub fn paragraph(text: impl Into<String>) -> Block {
        Block::Paragraph {
            content: vec![Inline::plain(text)],
        }
    }

    pub fn heading(level: u8, text: impl Into<String>) -> Block {
        Block::Heading {
            level,
            text: text.into(),
        }
    }

    pub fn bullets<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Block {
        Block::List {
            ordered: false,
            items: items.into_iter().map(|i| vec![Inline::plain(i)]).collect(),
        }
    }
}

/// Markup reduced to what a body may show: text formatting, links, images, tables and
/// figures with safe URLs; scripts, styles, frames, forms and event handlers are removed.
pub fn sanitise_html(html: &str) -> String {
    ammonia::Builder::default()
        .add_tags(["figure", "figcaption"])
        .link_rel(Some("noopener nofollow"))
        .clean(html)
        .to_string()
}

/// Parses a stored body. Stored bodies are written by Masthead itself, so a failure here is
/// a bug or a hand-edited database, never user input.
pub fn parse(json: &str) -> Result<Vec<Block>, serde_json::Error> {
    serde_json::from_str(json)
}

pub fn to_json(blocks: &[Block]) -> String {
    serde_json::to_string(blocks).expect("blocks always serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        let body = vec![
            Block::heading(2, "What happened"),
            Block::Paragraph {
                content: vec![
                    Inline::plain("Read "),
                    Inline::marked(
                        "the report",
                        vec![
                            Mark::Bold,
                            Mark::Link {
                                href: "https://example.org/r".into(),
                            },
                        ],
                    ),
                ],
            },
            Block::bullets(["one", "two"]),
            Block::Quote {
                text: "We are ready.".into(),
                attribution: Some("The mayor".into()),
            },
        ];
        let json = to_json(&body);
        assert!(json.contains(r#""type":"heading""#));
        assert_eq!(parse(&json).unwrap(), body);
    }

    #[test]
    fn unknown_block_types_are_rejected() {
        assert!(parse(r#"[{"type":"script","src":"x"}]"#).is_err());
        assert!(parse(r#"[{"type":"paragraph","content":[],"onclick":"x"}]"#).is_err());
    }
}
