//! Search snippets: the stretch of an article's text where a query's words are densest,
//! each match marked. Cut here rather than by the database (FTS5's `snippet`, PostgreSQL's
//! `ts_headline`), which re-read every result's positions at several times the cost of the
//! search itself; both engines stem English much as the stemmer here does.

use std::collections::HashSet;

use super::stems;

/// Put before and after each match; callers turn them into markup after escaping the text.
pub const START: char = '\u{1}';
pub const STOP: char = '\u{2}';
/// Words in a snippet.
pub const SNIPPET_WORDS: usize = 24;
/// Words shown before the first match, for context.
const LEAD: usize = 3;

fn stem(word: &str) -> String {
    stems::stem(&word.to_lowercase())
}

/// Each word of `text` with its byte range. Text is mostly ASCII: its bytes are classed
/// directly, and only other characters are decoded.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(text.len() / 5);
    let mut start = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let (word_char, width) = if bytes[i].is_ascii() {
            (bytes[i].is_ascii_alphanumeric(), 1)
        } else {
            let ch = text[i..].chars().next().expect("i is at a character boundary");
            (ch.is_alphanumeric(), ch.len_utf8())
        };
        match (word_char, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
        i += width;
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// The stems a query looks for: every word of it, quoted or not.
pub fn query_stems(query: &str) -> HashSet<String> {
    tokens(query)
        .into_iter()
        .map(|(s, e)| stem(&query[s..e]))
        .collect()
}

/// About `SNIPPET_WORDS` words of `text` where most of the query's stems appear, each
/// matching word between `START` and `STOP`, with "…" where text was cut. Text without a
/// match (the query matched the title, say) gives its opening words.
pub fn snippet(text: &str, stems: &HashSet<String>) -> String {
    let words = tokens(text);
    if words.is_empty() {
        return String::new();
    }
    // A query has a few stems: they are told apart by position, not hashed per word.
    let wanted: Vec<&str> = stems.iter().map(String::as_str).collect();
    // A word begins with the letter its stem begins with (stemming only rewrites endings),
    // so most words need no stemming at all.
    let firsts: Vec<char> = wanted.iter().filter_map(|s| s.chars().next()).collect();
    let stem_of: Vec<Option<usize>> = words
        .iter()
        .map(|&(s, e)| {
            let first = text[s..e].chars().next()?.to_lowercase().next()?;
            if !firsts.contains(&first) {
                return None;
            }
            let stemmed = stems::stem(&text[s..e].to_lowercase());
            wanted.iter().position(|w| *w == stemmed)
        })
        .collect();
    let matches: Vec<usize> = (0..words.len()).filter(|&i| stem_of[i].is_some()).collect();
    // The window starting a little before some match that covers the most distinct stems,
    // then the most matches; the earliest such.
    let mut best = (0usize, (0usize, 0usize));
    let mut inside: Vec<usize> = Vec::new();
    for &m in &matches {
        let start = m.saturating_sub(LEAD);
        let end = (start + SNIPPET_WORDS).min(words.len());
        inside.clear();
        inside.extend((start..end).filter_map(|i| stem_of[i]));
        let found = inside.len();
        inside.sort_unstable();
        inside.dedup();
        let score = (inside.len(), found);
        if score > best.1 {
            best = (start, score);
        }
    }
    let start = best.0;
    let end = (start + SNIPPET_WORDS).min(words.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    // Whole ends keep their punctuation; cut ends start and stop at a word.
    let mut at = if start == 0 { 0 } else { words[start].0 };
    for i in start..end {
        let (s, e) = words[i];
        out.push_str(&text[at..s]);
        if stem_of[i].is_some() {
            out.push(START);
            out.push_str(&text[s..e]);
            out.push(STOP);
        } else {
            out.push_str(&text[s..e]);
        }
        at = e;
    }
    if end < words.len() {
        out.push('…');
    } else {
        out.push_str(&text[at..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, query: &str) -> String {
        snippet(text, &query_stems(query))
            .replace(START, "[")
            .replace(STOP, "]")
    }

    #[test]
    fn marks_stemmed_matches_in_the_densest_stretch() {
        let filler = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twentyone twentytwo twentythree twentyfour twentyfive";
        let text = format!(
            "Railway opened. {filler}. The new railways carried freight, and freight trains ran. {filler}"
        );
        let s = marked(&text, "railway Freight");
        assert!(s.starts_with('…'), "{s}");
        assert!(s.ends_with('…'), "{s}");
        assert!(
            s.contains("[railways] carried [freight], and [freight] trains"),
            "{s}"
        );
    }

    #[test]
    fn text_without_a_match_gives_its_opening_words() {
        assert_eq!(
            marked("Short text, no match.", "harbour"),
            "Short text, no match."
        );
        assert_eq!(marked("", "harbour"), "");
        assert_eq!(marked("Harbour", "\"harbour\""), "[Harbour]");
    }

    #[test]
    fn words_with_other_letters_are_whole_words() {
        assert_eq!(
            marked("Tel-Aviv's cafés reopen; Zürich waits.", "café zürich"),
            "Tel-Aviv's [cafés] reopen; [Zürich] waits."
        );
    }
}
