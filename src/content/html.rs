//! HTML from a CMS turned into body blocks with a real HTML parser. Only known blocks and
//! marks survive: scripts, styles, event handlers and unknown elements are dropped.

use scraper::{ElementRef, Html, Node};

use crate::content::{Block, Inline, Mark};

pub fn html_to_blocks(html: &str) -> Vec<Block> {
    let fragment = Html::parse_fragment(html);
    let mut blocks = Vec::new();
    let mut loose: Vec<Inline> = Vec::new();
    for child in fragment.root_element().children() {
        match child.value() {
            Node::Text(text) => push_text(&mut loose, text, &[]),
            Node::Element(_) => {
                let el = ElementRef::wrap(child).expect("element node");
                if is_inline(el.value().name()) {
                    collect_inline(el, &[], &mut loose);
                } else {
                    flush(&mut blocks, &mut loose);
                    block(el, &mut blocks);
                }
            }
            _ => {}
        }
    }
    flush(&mut blocks, &mut loose);
    blocks
}

fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "b" | "strong" | "i" | "em" | "span" | "br" | "code" | "small" | "sup" | "sub" | "u" | "mark"
    )
}

fn flush(blocks: &mut Vec<Block>, loose: &mut Vec<Inline>) {
    let runs = tidy(std::mem::take(loose));
    if !runs.is_empty() {
        blocks.push(Block::Paragraph { content: runs });
    }
}

fn block(el: ElementRef<'_>, blocks: &mut Vec<Block>) {
    match el.value().name() {
        "p" => {
            let mut runs = Vec::new();
            collect_inline(el, &[], &mut runs);
            let runs = tidy(runs);
            if !runs.is_empty() {
                blocks.push(Block::Paragraph { content: runs });
            }
        }
        name @ ("h1" | "h2" | "h3" | "h4" | "h5" | "h6") => {
            let level = name[1..].parse::<u8>().unwrap_or(2).clamp(2, 4);
            let text = plain(el);
            if !text.is_empty() {
                blocks.push(Block::Heading { level, text });
            }
        }
        name @ ("ul" | "ol") => {
            let items: Vec<Vec<Inline>> = el
                .children()
                .filter_map(ElementRef::wrap)
                .filter(|li| li.value().name() == "li")
                .map(|li| {
                    let mut runs = Vec::new();
                    collect_inline(li, &[], &mut runs);
                    tidy(runs)
                })
                .filter(|runs| !runs.is_empty())
                .collect();
            if !items.is_empty() {
                blocks.push(Block::List {
                    ordered: name == "ol",
                    items,
                });
            }
        }
        "blockquote" => {
            let attribution = el
                .descendants()
                .filter_map(ElementRef::wrap)
                .find(|e| matches!(e.value().name(), "footer" | "cite"))
                .map(plain)
                .filter(|s| !s.is_empty());
            let text: String = el
                .children()
                .filter(|n| {
                    !ElementRef::wrap(*n).is_some_and(|e| matches!(e.value().name(), "footer" | "cite"))
                })
                .map(|n| match ElementRef::wrap(n) {
                    Some(e) => plain(e),
                    None => n.value().as_text().map(|t| t.to_string()).unwrap_or_default(),
                })
                .collect::<Vec<_>>()
                .join(" ");
            let text = squash(&text);
            if !text.is_empty() {
                blocks.push(Block::Quote { text, attribution });
            }
        }
        "figure" | "img" => {
            let img = if el.value().name() == "img" {
                Some(el)
            } else {
                el.descendants()
                    .filter_map(ElementRef::wrap)
                    .find(|e| e.value().name() == "img")
            };
            if let Some(img) = img
                && let Some(src) = img.value().attr("src").filter(|s| is_http(s))
            {
                let caption = el
                    .descendants()
                    .filter_map(ElementRef::wrap)
                    .find(|e| e.value().name() == "figcaption")
                    .map(plain)
                    .filter(|s| !s.is_empty());
                blocks.push(Block::Image {
                    url: src.to_owned(),
                    alt: img.value().attr("alt").unwrap_or_default().to_owned(),
                    caption,
                    credit: None,
                    width: img.value().attr("width").and_then(|w| w.parse().ok()),
                    height: img.value().attr("height").and_then(|h| h.parse().ok()),
                });
            }
        }
        "iframe" => {
            if let Some(src) = el.value().attr("src").filter(|s| is_http(s)) {
                let provider = src
                    .split('/')
                    .nth(2)
                    .unwrap_or("embed")
                    .trim_start_matches("www.")
                    .to_owned();
                blocks.push(Block::Embed {
                    provider,
                    url: src.to_owned(),
                });
            }
        }
        // Containers: look inside. Everything else (script, style, form, ...) is dropped.
        "div" | "section" | "article" | "main" | "header" | "footer" | "aside" => {
            let mut loose = Vec::new();
            for child in el.children() {
                match ElementRef::wrap(child) {
                    Some(e) if is_inline(e.value().name()) => collect_inline(e, &[], &mut loose),
                    Some(e) => {
                        flush(blocks, &mut loose);
                        block(e, blocks);
                    }
                    None => {
                        if let Some(t) = child.value().as_text() {
                            push_text(&mut loose, t, &[]);
                        }
                    }
                }
            }
            flush(blocks, &mut loose);
        }
        _ => {}
    }
}

fn collect_inline(el: ElementRef<'_>, marks: &[Mark], out: &mut Vec<Inline>) {
    let mut marks = marks.to_vec();
    match el.value().name() {
        "b" | "strong" => marks.push(Mark::Bold),
        "i" | "em" => marks.push(Mark::Italic),
        "a" => {
            if let Some(href) = el
                .value()
                .attr("href")
                .filter(|h| is_http(h) || h.starts_with("mailto:"))
            {
                marks.push(Mark::Link {
                    href: href.to_owned(),
                });
            }
        }
        "br" => {
            push_text(out, " ", &marks);
            return;
        }
        "script" | "style" | "template" | "noscript" | "iframe" | "object" | "svg" | "math" => return,
        _ => {}
    }
    for child in el.children() {
        match ElementRef::wrap(child) {
            Some(e) => collect_inline(e, &marks, out),
            None => {
                if let Some(t) = child.value().as_text() {
                    push_text(out, t, &marks);
                }
            }
        }
    }
}

fn push_text(out: &mut Vec<Inline>, text: &str, marks: &[Mark]) {
    let collapsed: String = collapse_spaces(text);
    if collapsed.is_empty() {
        return;
    }
    if let Some(last) = out.last_mut()
        && last.marks == marks
    {
        last.text.push_str(&collapsed);
        return;
    }
    out.push(Inline {
        text: collapsed,
        marks: marks.to_vec(),
    });
}

fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(ch);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

/// Trims the paragraph's outer spaces and drops empty runs.
fn tidy(mut runs: Vec<Inline>) -> Vec<Inline> {
    if let Some(first) = runs.first_mut() {
        first.text = first.text.trim_start().to_owned();
    }
    if let Some(last) = runs.last_mut() {
        last.text = last.text.trim_end().to_owned();
    }
    runs.retain(|r| !r.text.is_empty());
    runs
}

fn plain(el: ElementRef<'_>) -> String {
    squash(&el.text().collect::<String>())
}

fn squash(text: &str) -> String {
    collapse_spaces(text).trim().to_owned()
}

fn is_http(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_blocks_and_marks_survive() {
        let blocks = html_to_blocks(
            r#"<h2>Key points</h2><p>Rates <strong>held</strong> at <a href="https://example.org/r">4%</a>.</p>
               <ul><li>One</li><li><em>Two</em></li></ul>
               <blockquote><p>We are ready.</p><footer>The mayor</footer></blockquote>
               <figure><img src="https://img.example.org/a.jpg" alt="A"><figcaption>Cap</figcaption></figure>"#,
        );
        assert_eq!(blocks[0], Block::heading(2, "Key points"));
        assert_eq!(
            blocks[1],
            Block::Paragraph {
                content: vec![
                    Inline::plain("Rates "),
                    Inline::marked("held", vec![Mark::Bold]),
                    Inline::plain(" at "),
                    Inline::marked(
                        "4%",
                        vec![Mark::Link {
                            href: "https://example.org/r".into()
                        }]
                    ),
                    Inline::plain("."),
                ]
            }
        );
        assert!(matches!(&blocks[2], Block::List { ordered: false, items } if items.len() == 2));
        assert_eq!(
            blocks[3],
            Block::Quote {
                text: "We are ready.".into(),
                attribution: Some("The mayor".into())
            }
        );
        assert!(matches!(&blocks[4], Block::Image { caption: Some(c), .. } if c == "Cap"));
    }

    #[test]
    fn scripts_styles_and_handlers_never_survive() {
        let blocks = html_to_blocks(
            r#"<script>alert(1)</script><style>p{}</style><p onclick="evil()">Hi <script>x()</script><a href="javascript:evil()">there</a></p><form><input></form>"#,
        );
        let json = crate::content::blocks::to_json(&blocks);
        assert!(
            !json.contains("alert")
                && !json.contains("evil")
                && !json.contains("x()")
                && !json.contains("p{}"),
            "{json}"
        );
        assert_eq!(
            blocks,
            vec![Block::Paragraph {
                content: vec![Inline::plain("Hi there")]
            }]
        );
    }
}
