//! English stems as the full-text engines cut them (Snowball's English stemmer), remembered
//! per thread: a newsroom's vocabulary is small next to the words its articles use, so
//! most words are stemmed once per thread instead of once per use.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Words remembered per thread; past it, words are stemmed without being remembered.
const REMEMBERED: usize = 100_000;

thread_local! {
    static MEMO: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// The stem of a lower-case word.
pub fn stem(word: &str) -> String {
    MEMO.with_borrow_mut(|memo| {
        if let Some(stem) = memo.get(word) {
            return stem.clone();
        }
        let stem = STEMMER.stem(word).into_owned();
        if memo.len() < REMEMBERED {
            memo.insert(word.to_owned(), stem.clone());
        }
        stem
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_stems_are_the_stemmers() {
        for word in [
            "railways",
            "railways",
            "dying",
            "skies",
            "generously",
            "news",
            "yelling",
        ] {
            assert_eq!(stem(word), STEMMER.stem(word));
            assert_eq!(word.chars().next(), stem(word).chars().next(), "{word}");
        }
    }

    #[test]
    fn every_word_of_the_demo_newsroom_begins_as_its_stem() {
        let text = include_str!("../seed/demo_newsroom.json").to_lowercase();
        let words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        assert!(words.len() > 5_000, "{}", words.len());
        for word in words {
            assert_eq!(word.chars().next(), stem(word).chars().next(), "{word}");
        }
    }
}
