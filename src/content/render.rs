//! Rendering a body to safe HTML or plain text, and the counts derived from it.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text_escape};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::blocks::{Block, Inline, Mark};

/// How the client wants an article body.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema, async_graphql::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    /// The structured blocks, as JSON.
    #[default]
    Blocks,
    /// Rendered, safe HTML.
    Html,
    /// Plain text, paragraphs separated by blank lines.
    Text,
}

impl BodyFormat {
    pub fn parse(raw: &str) -> Option<BodyFormat> {
        match raw {
            "blocks" => Some(BodyFormat::Blocks),
            "html" => Some(BodyFormat::Html),
            "text" => Some(BodyFormat::Text),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BodyFormat::Blocks => "blocks",
            BodyFormat::Html => "html",
            BodyFormat::Text => "text",
        }
    }
}

/// An article body in the format the client asked for: exactly one of `blocks`, `html` and
/// `text` is present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RenderedBody {
    pub format: BodyFormat,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<Block>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl RenderedBody {
    pub fn new(blocks: &[Block], format: BodyFormat) -> RenderedBody {
        let mut body = RenderedBody {
            format,
            blocks: None,
            html: None,
            text: None,
        };
        match format {
            BodyFormat::Blocks => body.blocks = Some(blocks.to_vec()),
            BodyFormat::Html => body.html = Some(render_html(blocks)),
            BodyFormat::Text => body.text = Some(render_text(blocks)),
        }
        body
    }
}

/// Renders blocks to HTML. Every piece of text is escaped and only http(s), mailto and
/// site-relative links survive, so a body can never carry markup or script of its own.
pub fn render_html(blocks: &[Block]) -> String {
    let mut out = String::with_capacity(blocks.len() * 256);
    for block in blocks {
        match block {
            Block::Paragraph { content } => {
                out.push_str("<p>");
                inline_html(&mut out, content);
                out.push_str("</p>\n");
            }
            Block::Heading { level, text } => {
                let level = (*level).clamp(2, 4);
                let _ = writeln!(out, "<h{level}>{}</h{level}>", text_escape(text));
            }
            Block::List { ordered, items } => {
                let tag = if *ordered { "ol" } else { "ul" };
                let _ = write!(out, "<{tag}>");
                for item in items {
                    out.push_str("<li>");
                    inline_html(&mut out, item);
                    out.push_str("</li>");
                }
                let _ = writeln!(out, "</{tag}>");
            }
            Block::Quote { text, attribution } => {
                let _ = write!(out, "<blockquote><p>{}</p>", text_escape(text));
                if let Some(who) = attribution {
                    let _ = write!(out, "<footer>{}</footer>", text_escape(who));
                }
                out.push_str("</blockquote>\n");
            }
            Block::Image {
                url,
                alt,
                caption,
                credit,
                width,
                height,
            } => {
                if !is_http_url(url) {
                    continue;
                }
                let _ = write!(out, "<figure><img src=\"{}\" alt=\"{}\"", attr(url), attr(alt));
                if let (Some(w), Some(h)) = (width, height) {
                    let _ = write!(out, " width=\"{w}\" height=\"{h}\"");
                }
                out.push_str(" loading=\"lazy\">");
                if caption.is_some() || credit.is_some() {
                    out.push_str("<figcaption>");
                    if let Some(c) = caption {
                        let _ = write!(out, "{}", text_escape(c));
                    }
                    if let Some(c) = credit {
                        let _ = write!(out, " <span class=\"credit\">{}</span>", text_escape(c));
                    }
                    out.push_str("</figcaption>");
                }
                out.push_str("</figure>\n");
            }
            Block::Embed { provider, url } => {
                if !is_http_url(url) {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "<figure class=\"embed\" data-provider=\"{}\"><a href=\"{}\" rel=\"noopener\">{}</a></figure>",
                    attr(provider),
                    attr(url),
                    text_escape(url)
                );
            }
            Block::Table {
                header,
                rows,
                caption,
            } => {
                out.push_str("<table>");
                if let Some(c) = caption {
                    let _ = write!(out, "<caption>{}</caption>", text_escape(c));
                }
                if !header.is_empty() {
                    out.push_str("<thead><tr>");
                    for cell in header {
                        let _ = write!(out, "<th>{}</th>", text_escape(cell));
                    }
                    out.push_str("</tr></thead>");
                }
                out.push_str("<tbody>");
                for row in rows {
                    out.push_str("<tr>");
                    for cell in row {
                        let _ = write!(out, "<td>{}</td>", text_escape(cell));
                    }
                    out.push_str("</tr>");
                }
                out.push_str("</tbody></table>\n");
            }
            Block::Separator {} => out.push_str("<hr>\n"),
            Block::Html { html } => {
                out.push_str(&super::blocks::sanitise_html(html));
                out.push('\n');
            }
        }
    }
    out
}

fn inline_html(out: &mut String, runs: &[Inline]) {
    for run in runs {
        let href = run.marks.iter().find_map(|m| match m {
            Mark::Link { href } if is_safe_href(href) => Some(href),
            _ => None,
        });
        let bold = run.marks.contains(&Mark::Bold);
        let italic = run.marks.contains(&Mark::Italic);
        if let Some(href) = href {
            let _ = write!(out, "<a href=\"{}\">", attr(href));
        }
        if bold {
            out.push_str("<strong>");
        }
        if italic {
            out.push_str("<em>");
        }
        let _ = write!(out, "{}", text_escape(&run.text));
        if italic {
            out.push_str("</em>");
        }
        if bold {
            out.push_str("</strong>");
        }
        if href.is_some() {
            out.push_str("</a>");
        }
    }
}

fn is_http_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn is_safe_href(href: &str) -> bool {
    is_http_url(href)
        || href.to_ascii_lowercase().starts_with("mailto:")
        || (href.starts_with('/') && !href.starts_with("//"))
}

/// Renders blocks to plain text: one paragraph per block, separated by blank lines.
pub fn render_text(blocks: &[Block]) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(blocks.len());
    for block in blocks {
        match block {
            Block::Paragraph { content } => parts.push(inline_text(content)),
            Block::Heading { text, .. } => parts.push(text.clone()),
            Block::List { ordered, items } => parts.push(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let marker = if *ordered {
                            format!("{}.", i + 1)
                        } else {
                            "-".to_owned()
                        };
                        format!("{marker} {}", inline_text(item))
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Block::Quote { text, attribution } => parts.push(match attribution {
                Some(who) => format!("\u{201c}{text}\u{201d} \u{2014} {who}"),
                None => format!("\u{201c}{text}\u{201d}"),
            }),
            Block::Image { caption, credit, .. } => {
                let line = [caption.as_deref(), credit.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                if !line.is_empty() {
                    parts.push(line);
                }
            }
            Block::Embed { url, .. } => parts.push(url.clone()),
            Block::Table {
                header,
                rows,
                caption,
            } => {
                let lines: Vec<String> = caption
                    .iter()
                    .cloned()
                    .chain((!header.is_empty()).then(|| header.join("\t")))
                    .chain(rows.iter().map(|r| r.join("\t")))
                    .collect();
                parts.push(lines.join("\n"));
            }
            Block::Separator {} => parts.push("* * *".to_owned()),
            Block::Html { html } => {
                let text = html_text(html);
                if !text.is_empty() {
                    parts.push(text);
                }
            }
        }
    }
    parts.join("\n\n")
}

/// The words of markup, spaces collapsed; text of separate elements never runs together
/// (`<summary>More</summary><p>Ask</p>` is "More Ask").
fn html_text(html: &str) -> String {
    let doc = scraper::Html::parse_fragment(html);
    doc.root_element()
        .text()
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

fn inline_text(runs: &[Inline]) -> String {
    runs.iter().map(|r| r.text.as_str()).collect()
}

/// Words a reader reads: the text of paragraphs, headings, lists and quotes.
pub fn word_count(blocks: &[Block]) -> usize {
    let count = |s: &str| s.split_whitespace().count();
    blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph { content } => content.iter().map(|r| count(&r.text)).sum(),
            Block::Heading { text, .. } => count(text),
            Block::List { items, .. } => items.iter().flatten().map(|r| count(&r.text)).sum(),
            Block::Quote { text, attribution } => count(text) + attribution.as_deref().map_or(0, count),
            Block::Table {
                header,
                rows,
                caption,
            } => {
                header
                    .iter()
                    .chain(rows.iter().flatten())
                    .map(|c| count(c))
                    .sum::<usize>()
                    + caption.as_deref().map_or(0, count)
            }
            Block::Html { html } => count(&html_text(html)),
            Block::Image { .. } | Block::Embed { .. } | Block::Separator {} => 0,
        })
        .sum()
}

/// Minutes at 230 words a minute, at least one for any non-empty body.
pub fn reading_time_minutes(words: usize) -> usize {
    if words == 0 { 0 } else { words.div_ceil(230) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_text_and_drops_unsafe_links() {
        let blocks = vec![
            Block::Paragraph {
                content: vec![
                    Inline::plain("<script>alert(1)</script> & "),
                    Inline::marked(
                        "click",
                        vec![Mark::Link {
                            href: "javascript:alert(1)".into(),
                        }],
                    ),
                    Inline::marked(
                        " here",
                        vec![
                            Mark::Link {
                                href: "https://example.org/?a=1&b=2".into(),
                            },
                            Mark::Bold,
                        ],
                    ),
                ],
            },
            Block::Image {
                url: "javascript:x".into(),
                alt: String::new(),
                caption: None,
                credit: None,
                width: None,
                height: None,
            },
        ];
        let html = render_html(&blocks);
        assert_eq!(
            html,
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; click<a href=\"https://example.org/?a=1&amp;b=2\"><strong> here</strong></a></p>\n"
        );
    }

    #[test]
    fn text_and_counts() {
        let blocks = vec![
            Block::heading(2, "Key points"),
            Block::bullets(["Rates held", "Markets rose"]),
            Block::Quote {
                text: "Steady as she goes".into(),
                attribution: Some("The governor".into()),
            },
        ];
        assert_eq!(
            render_text(&blocks),
            "Key points\n\n- Rates held\n- Markets rose\n\n\u{201c}Steady as she goes\u{201d} \u{2014} The governor"
        );
        assert_eq!(word_count(&blocks), 12);
        assert_eq!(reading_time_minutes(12), 1);
        assert_eq!(reading_time_minutes(461), 3);
        assert_eq!(reading_time_minutes(0), 0);
    }
}
