//! The distinctive words of an article: what "More like this" compares texts by. English
//! stop words are dropped and the rest stemmed, so "ceasefire", "ceasefires" are one term.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::stems::stem;

/// How many terms an article keeps. More makes related lookups slower for little gain: the
/// words that tell stories apart (names, places, subjects) are in its title and deck.
pub const TERMS_PER_ARTICLE: usize = 10;

static STOP_WORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| stop_words::get("en").iter().copied().collect());

/// One distinctive word: its stem (what is compared) and the form readers saw most.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub stem: String,
    pub word: String,
    pub weight: u32,
}

/// The article's top terms. Headlines name what a story is about, so a title word outranks
/// any word of the body alone; the deck comes next, and body words count by use, damped
/// (a word used ten times is not ten times as telling). Deterministic: ties go to the
/// alphabetically first stem.
pub fn distinctive_terms(title: &str, deck: &str, body: &str) -> Vec<Term> {
    #[derive(Default)]
    struct Seen {
        title: bool,
        deck: bool,
        body: u32,
        forms: HashMap<String, u32>,
    }
    let mut seen: HashMap<String, Seen> = HashMap::new();
    for (text, part) in [(title, 0), (deck, 1), (body, 2)] {
        for word in words(text) {
            let stem = stem(&word);
            let entry = seen.entry(stem).or_default();
            match part {
                0 => entry.title = true,
                1 => entry.deck = true,
                _ => entry.body += 1,
            }
            *entry.forms.entry(word).or_default() += 1;
        }
    }
    let mut terms: Vec<Term> = seen
        .into_iter()
        .map(|(stem, s)| {
            // In hundredths, so that ranking stays integer and exact.
            let body = if s.body == 0 {
                0.0
            } else {
                1.0 + f64::from(s.body).ln()
            };
            let weight = u32::from(s.title) * 500 + u32::from(s.deck) * 200 + (body * 100.0) as u32;
            let word = s
                .forms
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .map(|(w, _)| w)
                .unwrap_or_else(|| stem.clone());
            Term { stem, word, weight }
        })
        .collect();
    terms.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.stem.cmp(&b.stem)));
    terms.truncate(TERMS_PER_ARTICLE);
    terms
}

/// Lower-cased words of three letters or more that are not stop words or numbers.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .flat_map(|w| w.split('-'))
        .map(|w| w.trim_matches('\'').trim_end_matches("'s").to_lowercase())
        .filter(|w| {
            w.chars().count() >= 3 && w.chars().any(char::is_alphabetic) && !STOP_WORDS.contains(w.as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_words_and_repeated_names_lead() {
        let terms = distinctive_terms(
            "Haifa port strike enters second week",
            "Dockworkers at Haifa say the strike will go on.",
            "The strike at the port of Haifa continued on Monday. Dockworkers said they would \
             strike until wages rise. The port's managers said little.",
        );
        let stems: Vec<&str> = terms.iter().map(|t| t.stem.as_str()).collect();
        assert_eq!(&stems[..3], ["strike", "haifa", "port"]);
        // A word of the title outranks the body's most used word.
        let headline = distinctive_terms("Kestrel", "", &"council ".repeat(20));
        assert_eq!(headline[0].stem, "kestrel");
        assert!(!stems.contains(&"the"), "stop words are dropped: {stems:?}");
        assert_eq!(terms[0].word, "strike");
    }

    #[test]
    fn plurals_share_a_stem_and_order_is_stable() {
        let a = distinctive_terms("Ceasefires hold", "", "ceasefire talks");
        assert_eq!(a[0].stem, "ceasefir");
        assert_eq!(a[0].weight, 600);
        assert_eq!(a, distinctive_terms("Ceasefires hold", "", "ceasefire talks"));
    }
}
