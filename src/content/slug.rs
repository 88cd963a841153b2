//! Slugs: the words of a title as a URL path segment. A newsroom in Tel-Aviv writes Hebrew
//! and Arabic headlines, so letters and digits of every script are kept (NFC, lower-cased
//! where the script has case), as WordPress keeps them; Latin letters with diacritics are
//! transliterated (`café` → `cafe`), which is how readers type them. On the wire a slug is
//! percent-encoded (`encode`); everywhere inside Masthead it is text.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The Latin blocks whose letters have an ASCII reading (Latin-1 Supplement, Latin
/// Extended-A and -B, Latin Extended Additional).
fn is_latin_beyond_ascii(c: char) -> bool {
    matches!(c, '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}')
}

/// The slug of a title; empty when it holds no letter or digit (an emoji-only headline).
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    let push_word_char = |slug: &mut String, c: char| {
        for lower in c.to_lowercase() {
            slug.push(lower);
        }
    };
    for c in title.nfc() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if is_latin_beyond_ascii(c) && c.is_alphabetic() {
            let ascii = deunicode::deunicode_char(c).unwrap_or("");
            if ascii.chars().all(|a| a.is_ascii_alphanumeric()) && !ascii.is_empty() {
                slug.extend(ascii.chars().map(|a| a.to_ascii_lowercase()));
            } else {
                push_word_char(&mut slug, c);
            }
        } else if c.is_alphanumeric() {
            push_word_char(&mut slug, c);
        } else if is_combining_mark(c) && !slug.is_empty() && !slug.ends_with('-') {
            // A vowel sign or a point belongs to the letter before it.
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Whether `slug` is one `slugify` could give: words of lower-case (or caseless) letters,
/// digits and their marks, joined by single hyphens, NFC, at most 120 characters.
pub fn is_valid(slug: &str) -> bool {
    !slug.is_empty()
        && slug.chars().count() <= 120
        && unicode_normalization::is_nfc(slug)
        && slug.split('-').all(|word| {
            word.chars().next().is_some_and(char::is_alphanumeric)
                && word
                    .chars()
                    .all(|c| (c.is_alphanumeric() && !c.is_uppercase()) || is_combining_mark(c))
        })
}

/// Canonical form of a slug a client sent: NFC, as slugs are stored.
pub fn normalise(raw: &str) -> String {
    if unicode_normalization::is_nfc_quick(raw.chars()) == unicode_normalization::IsNormalized::Yes {
        raw.to_owned()
    } else {
        raw.nfc().collect()
    }
}

/// Everything but the unreserved characters of RFC 3986 is escaped in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A slug as a URL path segment: ASCII slugs unchanged, other letters percent-encoded
/// UTF-8, as sitemaps and `Location` headers need them.
pub fn encode(slug: &str) -> std::borrow::Cow<'_, str> {
    utf8_percent_encode(slug, SEGMENT).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_titles_keep_words_and_drop_punctuation() {
        assert_eq!(
            slugify("Rates Hold — Again: What's Next?"),
            "rates-hold-again-what-s-next"
        );
        assert_eq!(slugify("  2026 Budget "), "2026-budget");
        assert_eq!(
            slugify("Café in Zürich, Ærø and Łódź"),
            "cafe-in-zurich-aero-and-lodz"
        );
    }

    #[test]
    fn other_scripts_keep_their_letters() {
        assert_eq!(slugify("תל אביב: הרכבת הקלה נפתחת"), "תל-אביב-הרכבת-הקלה-נפתחת");
        assert_eq!(slugify("القاهرة تستضيف المحادثات"), "القاهرة-تستضيف-المحادثات");
        assert_eq!(slugify("東京で新しい地下鉄が開通"), "東京で新しい地下鉄が開通");
        assert_eq!(slugify("ΑΘΗΝΑ Σήμερα"), "αθηνα-σήμερα");
        assert_eq!(slugify("🚆🎉"), "");
        // Decomposed input gives the same slug as composed.
        assert_eq!(slugify("Cafe\u{301}"), slugify("Café"));
    }

    #[test]
    fn what_slugify_gives_is_valid_and_nothing_else_is() {
        for title in ["Tel Aviv", "תל אביב", "東京 2026", "Ñandú", "मुंबई की बारिश"]
        {
            let slug = slugify(title);
            assert!(is_valid(&slug), "{title} -> {slug}");
        }
        for bad in [
            "",
            "Upper",
            "two--hyphens",
            "-lead",
            "trail-",
            "space here",
            "a/b",
            "e\u{301}",
        ] {
            assert!(!is_valid(bad), "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_percent_encoded_on_the_wire() {
        assert_eq!(encode("middle-east"), "middle-east");
        assert_eq!(encode("תל"), "%D7%AA%D7%9C");
        assert_eq!(normalise("Cafe\u{301}"), "Caf\u{e9}");
    }
}
