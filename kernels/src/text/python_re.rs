//! Python `re` with `re.IGNORECASE` on a `str`, for the one kind of pattern
//! the original's rules use: an alternation of lower-case ASCII words,
//! `(connection|database|timeout|...)`, searched anywhere in a text.
//!
//! Why not the `regex` crate's `(?i)`: it folds case by Unicode *simple
//! case folding*, and Python's `sre` does not. For an ASCII letter, Python
//! matches its two cases plus, for three letters, characters outside ASCII
//! (CPython 3.11, checked over every code point by `tests/text.rs`):
//!
//! | letter | also matches |
//! |---|---|
//! | `i` | U+0130 `İ`, U+0131 `ı` (dotless i) |
//! | `k` | U+212A `K` (Kelvin sign) |
//! | `s` | U+017F `ſ` (long s) |
//!
//! `(?i)i` in the `regex` crate matches neither `İ` nor `ı` (neither has a
//! simple case folding to `i`), so a dotless `ı` in Turkish text would
//! correlate in the original and not in a port on `regex`. Every other
//! character matches an ASCII letter in neither.
//!
//! With every pattern character an ASCII letter, a character matches the
//! pattern's letter `c` exactly when [`fold`] maps it to `c`, so a search
//! is a substring search in the folded text.

/// The ASCII letter `c` folds to under Python's IGNORECASE, or `c` itself
/// when it matches no ASCII letter.
#[inline]
pub fn fold(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        '\u{130}' | '\u{131}' => 'i',
        '\u{212a}' => 'k',
        '\u{17f}' => 's',
        c => c,
    }
}

/// `re.compile("(w1|w2|...)", re.IGNORECASE)` for lower-case ASCII words.
#[derive(Debug, Clone, Copy)]
pub struct IgnoreCaseWords {
    words: &'static [&'static str],
}

impl IgnoreCaseWords {
    /// The alternation of `words`; each must be non-empty lower-case ASCII
    /// letters (the only patterns whose semantics this type reproduces).
    pub const fn new(words: &'static [&'static str]) -> Self {
        let mut i = 0;
        while i < words.len() {
            let w = words[i].as_bytes();
            assert!(!w.is_empty(), "empty alternative");
            let mut j = 0;
            while j < w.len() {
                assert!(w[j].is_ascii_lowercase(), "not a lower-case ASCII word");
                j += 1;
            }
            i += 1;
        }
        IgnoreCaseWords { words }
    }

    /// `bool(pattern.search(text))`. Folding keeps a text's length in
    /// characters, and the words are ASCII, so a match in the folded text
    /// is a match at the same characters of the original.
    pub fn search(&self, text: &str) -> bool {
        self.search_folded(&fold_text(text))
    }

    /// [`IgnoreCaseWords::search`] on a text already passed through
    /// [`fold_text`] (one fold serves several patterns).
    pub fn search_folded(&self, folded: &str) -> bool {
        self.words.iter().any(|w| folded.contains(w))
    }
}

/// `text` with every character [`fold`]ed.
pub fn fold_text(text: &str) -> String {
    text.chars().map(fold).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: IgnoreCaseWords = IgnoreCaseWords::new(&["connection", "disk"]);

    #[test]
    fn pythons_extra_equivalents_match() {
        assert!(WORDS.search("CONNECTİON lost"));
        assert!(WORDS.search("connectıon"));
        assert!(WORDS.search("di\u{17f}\u{212a}"));
        assert!(!WORDS.search("connecti\u{307}on"));
        assert!(!WORDS.search(""));
    }
}
