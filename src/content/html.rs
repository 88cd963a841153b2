//! HTML from a CMS turned into body blocks with a real HTML parser. Only known blocks and
//! marks survive: scripts, styles, event handlers and unknown elements are dropped.

use scraper::{ElementRef, Html};

use crate::content::{Block, Inline, Mark};

pub fn html_to_blocks(html: &str) -> Vec<Block> {
    let mut converter = Converter { keep: false, kept: 0 };
    converter.convert(html)
}

/// A body brought from another system, and how much of it no block described.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub blocks: Vec<Block>,
    /// Elements kept as sanitised `html` blocks.
    pub kept_as_html: usize,
}

/// HTML from another CMS (WordPress's block markup or classic HTML) as blocks, losing
/// nothing: what no block describes is kept as a sanitised `html` block and counted.
/// WordPress's figures are read as it writes them: images and galleries with captions,
/// pull quotes with their citation, embeds by their URL.
pub fn import_html(html: &str) -> Imported {
    let mut converter = Converter { keep: true, kept: 0 };
    let blocks = converter.convert(html);
    Imported {
        blocks,
        kept_as_html: converter.kept,
    }
}

struct Converter {
    /// Keep unknown elements as `html` blocks (an import) instead of dropping them.
    keep: bool,
    kept: usize,
}

impl Converter {
    fn convert(&mut self, html: &str) -> Vec<Block> {
        let fragment = Html::parse_fragment(html);
        let mut blocks = Vec::new();
        self.children(fragment.root_element(), &mut blocks);
        blocks
    }

    /// The children of a container: inline runs gathered into paragraphs, blocks as blocks.
    fn children(&mut self, el: ElementRef<'_>, blocks: &mut Vec<Block>) {
        let mut loose = Vec::new();
        for child in el.children() {
            match ElementRef::wrap(child) {
                Some(e) if is_inline(e.value().name()) => collect_inline(e, &[], &mut loose),
                Some(e) => {
                    flush(blocks, &mut loose);
                    self.block(e, blocks);
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

    fn keep_as_html(&mut self, el: ElementRef<'_>, blocks: &mut Vec<Block>) {
        if !self.keep {
            return;
        }
        let html = crate::content::blocks::sanitise_html(&el.html());
        if !html.trim().is_empty() {
            self.kept += 1;
            blocks.push(Block::Html { html });
        }
    }

    fn block(&mut self, el: ElementRef<'_>, blocks: &mut Vec<Block>) {
        match el.value().name() {
            "p" => {
                let mut runs = Vec::new();
                collect_inline(el, &[], &mut runs);
                let runs = tidy(runs);
                // A URL alone on its line is how WordPress writes an embed.
                if let [only] = runs.as_slice()
                    && let Some(embed) = embed_of(only.text.trim())
                {
                    blocks.push(embed);
                } else if !runs.is_empty() {
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
                if let Some(quote) = quote_of(el) {
                    blocks.push(quote);
                }
            }
            "hr" => blocks.push(Block::Separator {}),
            "table" => match table_of(el) {
                Some(table) => blocks.push(table),
                None => self.keep_as_html(el, blocks),
            },
            "figure" => self.figure(el, blocks),
            "img" => {
                if let Some(image) = image_of(el, None) {
                    blocks.push(image);
                }
            }
            "iframe" => {
                if let Some(src) = el.value().attr("src").filter(|s| is_http(s)) {
                    blocks.push(embed_at(src));
                }
            }
            // Containers: look inside.
            "div" | "section" | "article" | "main" | "header" | "footer" | "aside" | "center" => {
                self.children(el, blocks)
            }
            // Never content.
            "script" | "style" | "template" | "noscript" | "form" | "input" | "button" | "select"
            | "textarea" | "link" | "meta" | "object" | "embed" | "svg" | "math" => {}
            _ => self.keep_as_html(el, blocks),
        }
    }

    /// WordPress's figures: an image, a gallery of figures, a table, a pull quote or an
    /// embed, with a caption.
    fn figure(&mut self, el: ElementRef<'_>, blocks: &mut Vec<Block>) {
        let class = el.value().attr("class").unwrap_or_default();
        let direct = |name: &str| {
            el.children()
                .filter_map(ElementRef::wrap)
                .find(|e| e.value().name() == name)
        };
        let caption = direct("figcaption").map(plain).filter(|s| !s.is_empty());
        if class.contains("wp-block-embed") || direct("iframe").is_some() {
            let url = el
                .descendants()
                .filter_map(ElementRef::wrap)
                .find_map(|e| match e.value().name() {
                    "iframe" => e.value().attr("src").map(str::to_owned),
                    "a" => e.value().attr("href").map(str::to_owned),
                    _ => None,
                })
                .or_else(|| {
                    direct("div")
                        .map(plain)
                        .filter(|t| is_http(t) && !t.contains(char::is_whitespace))
                })
                .filter(|u| is_http(u));
            if let Some(url) = url {
                let provider = class
                    .split_whitespace()
                    .find_map(|c| c.strip_prefix("is-provider-"))
                    .map(str::to_owned);
                blocks.push(match (embed_of(&url), provider) {
                    (Some(Block::Embed { url, .. }), Some(provider)) => Block::Embed { provider, url },
                    (Some(embed), None) => embed,
                    (_, provider) => Block::Embed {
                        provider: provider.unwrap_or_else(|| host_of(&url)),
                        url,
                    },
                });
                return;
            }
        }
        if let Some(quote) = direct("blockquote") {
            if let Some(quote) = quote_of(quote) {
                blocks.push(quote);
            }
            return;
        }
        if let Some(table) = direct("table") {
            match table_of(table) {
                Some(Block::Table { header, rows, .. }) => blocks.push(Block::Table {
                    header,
                    rows,
                    caption,
                }),
                _ => self.keep_as_html(el, blocks),
            }
            return;
        }
        let inner: Vec<ElementRef<'_>> = el
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|e| matches!(e.value().name(), "figure" | "ul" | "ol"))
            .collect();
        if !inner.is_empty() {
            // A gallery: figures (or list items) of images, each with its own caption.
            let figures: Vec<ElementRef<'_>> = el
                .descendants()
                .filter_map(ElementRef::wrap)
                .filter(|e| matches!(e.value().name(), "figure" | "li"))
                .filter(|e| {
                    e.descendants()
                        .filter_map(ElementRef::wrap)
                        .any(|i| i.value().name() == "img")
                })
                .filter(|e| {
                    !e.children()
                        .filter_map(ElementRef::wrap)
                        .any(|c| c.value().name() == "figure")
                })
                .collect();
            for figure in figures {
                let own = figure
                    .descendants()
                    .filter_map(ElementRef::wrap)
                    .find(|e| e.value().name() == "figcaption")
                    .map(plain)
                    .filter(|s| !s.is_empty());
                if let Some(img) = figure
                    .descendants()
                    .filter_map(ElementRef::wrap)
                    .find(|e| e.value().name() == "img")
                    && let Some(image) = image_of(img, own)
                {
                    blocks.push(image);
                }
            }
            if let Some(caption) = caption {
                blocks.push(Block::Paragraph {
                    content: vec![Inline::marked(caption, vec![Mark::Italic])],
                });
            }
            return;
        }
        match el
            .descendants()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == "img")
            .and_then(|img| image_of(img, caption))
        {
            Some(image) => blocks.push(image),
            None => self.keep_as_html(el, blocks),
        }
    }
}

fn image_of(img: ElementRef<'_>, caption: Option<String>) -> Option<Block> {
    let src = img.value().attr("src").filter(|s| is_http(s))?;
    Some(Block::Image {
        url: src.to_owned(),
        alt: img.value().attr("alt").unwrap_or_default().to_owned(),
        caption,
        credit: None,
        width: img.value().attr("width").and_then(|w| w.parse().ok()),
        height: img.value().attr("height").and_then(|h| h.parse().ok()),
    })
}

fn quote_of(el: ElementRef<'_>) -> Option<Block> {
    let attribution = el
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| matches!(e.value().name(), "footer" | "cite"))
        .map(plain)
        .filter(|s| !s.is_empty());
    let text: String = el
        .children()
        .filter(|n| !ElementRef::wrap(*n).is_some_and(|e| matches!(e.value().name(), "footer" | "cite")))
        .map(|n| match ElementRef::wrap(n) {
            Some(e) => plain(e),
            None => n.value().as_text().map(|t| t.to_string()).unwrap_or_default(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    let text = squash(&text);
    (!text.is_empty()).then_some(Block::Quote { text, attribution })
}

/// A table of text; `None` when a cell holds more than text (it is kept as HTML instead).
fn table_of(el: ElementRef<'_>) -> Option<Block> {
    let mut header = Vec::new();
    let mut rows = Vec::new();
    for tr in el
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "tr")
    {
        let cells: Vec<ElementRef<'_>> = tr
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|c| matches!(c.value().name(), "td" | "th"))
            .collect();
        if cells.iter().any(|c| {
            c.descendants()
                .filter_map(ElementRef::wrap)
                .skip(1)
                .any(|e| !is_inline(e.value().name()))
        }) {
            return None;
        }
        let texts: Vec<String> = cells.iter().map(|c| plain(*c)).collect();
        let in_head = tr
            .parent()
            .and_then(ElementRef::wrap)
            .is_some_and(|p| p.value().name() == "thead");
        if in_head && header.is_empty() {
            header = texts;
        } else {
            rows.push(texts);
        }
    }
    let caption = el
        .children()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "caption")
        .map(plain)
        .filter(|s| !s.is_empty());
    (!header.is_empty() || !rows.is_empty()).then_some(Block::Table {
        header,
        rows,
        caption,
    })
}

/// Providers whose URLs WordPress turns into embeds.
const PROVIDERS: [(&str, &str); 9] = [
    ("youtube.com", "youtube"),
    ("youtu.be", "youtube"),
    ("twitter.com", "twitter"),
    ("x.com", "twitter"),
    ("instagram.com", "instagram"),
    ("vimeo.com", "vimeo"),
    ("facebook.com", "facebook"),
    ("tiktok.com", "tiktok"),
    ("soundcloud.com", "soundcloud"),
];

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_owned()))
        .unwrap_or_else(|| "embed".to_owned())
}

/// An embed block when `url` is a known provider's.
fn embed_of(url: &str) -> Option<Block> {
    if !is_http(url) || url.contains(char::is_whitespace) {
        return None;
    }
    let host = host_of(url);
    PROVIDERS
        .iter()
        .find(|(domain, _)| host == *domain || host.ends_with(&format!(".{domain}")))
        .map(|(_, provider)| Block::Embed {
            provider: (*provider).to_owned(),
            url: url.to_owned(),
        })
}

fn embed_at(src: &str) -> Block {
    embed_of(src).unwrap_or_else(|| Block::Embed {
        provider: host_of(src),
        url: src.to_owned(),
    })
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

    #[test]
    fn wordpress_figures_tables_embeds_and_unknowns_are_kept() {
        let imported = import_html(
            r#"<!-- wp:paragraph --><p><strong>TEL-AVIV — </strong>The line opened.</p><!-- /wp:paragraph -->
<figure class="wp-block-pullquote"><blockquote><p>Trains all night.</p><cite>The mayor</cite></blockquote></figure>
<figure class="wp-block-image"><img src="https://img.example.org/a.jpg" alt="A platform"/><figcaption>The platform at 2 a.m.</figcaption></figure>
<figure class="wp-block-gallery has-nested-images"><figure class="wp-block-image"><img src="https://img.example.org/1.jpg" alt="One"/><figcaption>First</figcaption></figure><figure class="wp-block-image"><img src="https://img.example.org/2.jpg" alt="Two"/></figure></figure>
<figure class="wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=abc123
</div></figure>
<p>https://twitter.com/user/status/1</p>
<figure class="wp-block-table"><table><thead><tr><th>Line</th><th>Trains</th></tr></thead><tbody><tr><td>Red</td><td>12</td></tr></tbody></table><figcaption>Night service</figcaption></figure>
<hr class="wp-block-separator"/>
<details><summary>More</summary><p onclick="x()">Hidden <script>alert(1)</script>text</p></details>"#,
        );
        let b = &imported.blocks;
        assert!(
            matches!(&b[0], Block::Paragraph { content } if content[0].text == "TEL-AVIV — " && content[0].marks == [Mark::Bold])
        );
        assert_eq!(
            b[1],
            Block::Quote {
                text: "Trains all night.".into(),
                attribution: Some("The mayor".into())
            }
        );
        assert!(
            matches!(&b[2], Block::Image { url, caption: Some(c), alt, .. } if url.ends_with("a.jpg") && c == "The platform at 2 a.m." && alt == "A platform")
        );
        assert!(matches!(&b[3], Block::Image { caption: Some(c), .. } if c == "First"));
        assert!(matches!(&b[4], Block::Image { caption: None, url, .. } if url.ends_with("2.jpg")));
        assert_eq!(
            b[5],
            Block::Embed {
                provider: "youtube".into(),
                url: "https://www.youtube.com/watch?v=abc123".into()
            }
        );
        assert_eq!(
            b[6],
            Block::Embed {
                provider: "twitter".into(),
                url: "https://twitter.com/user/status/1".into()
            }
        );
        assert_eq!(
            b[7],
            Block::Table {
                header: vec!["Line".into(), "Trains".into()],
                rows: vec![vec!["Red".into(), "12".into()]],
                caption: Some("Night service".into())
            }
        );
        assert_eq!(b[8], Block::Separator {});
        let Block::Html { html } = &b[9] else {
            panic!("{:?}", b[9])
        };
        assert!(html.contains("<details>") && html.contains("Hidden"), "{html}");
        assert!(
            !html.contains("script") && !html.contains("onclick") && !html.contains("alert"),
            "{html}"
        );
        assert_eq!(b.len(), 10);
        assert_eq!(imported.kept_as_html, 1);
        // The editorial API drops what it does not know instead.
        assert!(
            !html_to_blocks("<details><summary>More</summary></details>")
                .iter()
                .any(|b| matches!(b, Block::Html { .. }))
        );
    }
}
