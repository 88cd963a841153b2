//! Readers' comments as HTML: the text is escaped, blank lines make paragraphs, single line
//! breaks stay breaks, and bare web addresses become links that pass no ranking
//! (`rel="nofollow ugc"`). Nothing a commenter writes is ever interpreted as HTML.

use linkify::{LinkFinder, LinkKind};

/// The comment's text as safe HTML.
pub fn comment_html(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(normalised.len() + 32);
    for paragraph in normalised.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push_str("<p>");
        for (i, line) in paragraph.lines().enumerate() {
            if i > 0 {
                out.push_str("<br>\n");
            }
            linkified(line, &mut out);
        }
        out.push_str("</p>\n");
    }
    out
}

fn linkified(line: &str, out: &mut String) {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    for span in finder.spans(line) {
        let text = html_escape::encode_text(span.as_str());
        match span.kind() {
            Some(LinkKind::Url) if is_web(span.as_str()) => {
                let href = html_escape::encode_double_quoted_attribute(span.as_str());
                out.push_str(&format!("<a href=\"{href}\" rel=\"nofollow ugc\">{text}</a>"));
            }
            _ => out.push_str(&text),
        }
    }
}

fn is_web(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// How many web addresses a text holds (for the too-many-links spam check).
pub fn link_count(text: &str) -> usize {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    finder.url_must_have_scheme(false);
    finder.links(text).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_text_and_breaks_make_paragraphs() {
        assert_eq!(
            comment_html("<script>alert(1)</script> & more\nsecond line\n\n\nnew <b>paragraph</b>"),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more<br>\nsecond line</p>\n\
             <p>new &lt;b&gt;paragraph&lt;/b&gt;</p>\n"
        );
    }

    #[test]
    fn bare_urls_become_nofollow_links_and_other_schemes_do_not() {
        // A quote ends the address, so it can never break out of the attribute.
        assert_eq!(
            comment_html("see https://example.com/a?b=1&c=\"onmouseover=x now"),
            "<p>see <a href=\"https://example.com/a?b=1&amp;c=\" rel=\"nofollow ugc\">\
             https://example.com/a?b=1&amp;c=</a>\"onmouseover=x now</p>\n"
        );
        assert_eq!(
            comment_html("javascript:alert(1)"),
            "<p>javascript:alert(1)</p>\n"
        );
        assert_eq!(link_count("a http://x.org b www.y.com c z.net"), 3);
    }
}
