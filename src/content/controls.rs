//! Control characters in input: refused at the edge, removed from free text. No reader
//! types them, PostgreSQL refuses NUL in text, and XML 1.0 cannot carry any of them, so a
//! title holding one would break every feed it appears in.

/// A C0 control character other than tab, line feed and carriage return, or DEL.
pub fn is_forbidden_control(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}'
}

/// The first forbidden character of `text`.
pub fn forbidden_in(text: &str) -> Option<char> {
    text.chars().find(|c| is_forbidden_control(*c))
}

/// `text` without its forbidden characters, for free text such as a comment.
pub fn strip(text: &str) -> String {
    text.chars().filter(|c| !is_forbidden_control(*c)).collect()
}

pub fn message(name: &str, c: char) -> String {
    format!(
        "{name} contains the control character U+{:04X}, which is not accepted",
        u32::from(c)
    )
}

/// A character XML 1.0 can carry (its `Char` production): what a feed or sitemap writer
/// keeps, whatever is already in the database.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `text` with every character XML 1.0 forbids removed; borrowed when there is none.
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|c| is_xml_char(*c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_told_from_text() {
        assert_eq!(forbidden_in("ferry\u{0}"), Some('\u{0}'));
        assert_eq!(forbidden_in("a\u{b}b"), Some('\u{b}'));
        assert_eq!(forbidden_in("line\nbreak\ttab\r"), None);
        assert_eq!(forbidden_in("תל אביב café 東京 🙂"), None);
        assert_eq!(strip("a\u{0}b\u{1b}c\n"), "abc\n");
    }

    #[test]
    fn xml_keeps_only_what_xml_can_carry() {
        assert_eq!(xml_safe("Title\u{b} with\u{0} junk\u{fffe}"), "Title with junk");
        assert!(matches!(xml_safe("clean\ttext"), std::borrow::Cow::Borrowed(_)));
    }
}
