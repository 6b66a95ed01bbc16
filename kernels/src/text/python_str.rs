//! Python `str` semantics where Rust's differ: whitespace (`str.isspace`,
//! `str.split()`, the `re` class `\s` on `str`) and lower-casing.
//!
//! Python's whitespace is the characters of bidirectional class WS, B or S
//! or category Zs (`Objects/unicodectype.c`): it includes the information
//! separators U+001C–U+001F, which Rust's `char::is_whitespace` (Unicode
//! `White_Space`) does not. `re`'s `\s` on a `str` pattern uses the same
//! table. The list below is CPython 3.11's (Unicode 14.0), checked against
//! the embedded interpreter over every code point by
//! `tests/differential.rs`.

/// Every code point for which CPython 3.11's `str.isspace()` is true.
pub const PYTHON_SPACES: [char; 29] = [
    '\u{9}', '\u{a}', '\u{b}', '\u{c}', '\u{d}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{1f}', ' ',
    '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}',
    '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}', '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}',
    '\u{202f}', '\u{205f}', '\u{3000}',
];

/// `c.isspace()` in Python (and `re.match(r'\s', c)`).
#[inline]
pub fn is_space(c: char) -> bool {
    match c {
        '\u{9}'..='\u{d}' | '\u{1c}'..='\u{20}' => true,
        c if c.is_ascii() => false,
        c => PYTHON_SPACES.contains(&c),
    }
}

/// `s.split()`: runs of Python whitespace separate words; no empty words.
pub fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_space).filter(|w| !w.is_empty())
}

/// `s.lower()`: the full Unicode lower-case mapping, with Greek final sigma
/// in context, as `str::to_lowercase`. Python 3.11 maps by Unicode 14.0 and
/// Rust by a later version: characters added since then (none of them maps
/// to ASCII) may lower differently. The two non-ASCII characters that
/// lower to ASCII letters, U+0130 (to "i̇") and the Kelvin sign U+212A (to
/// "k"), lower alike in both (checked by `tests/differential.rs`).
pub fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// `f"{x:.{digits}f}"`: Rust's fixed-precision formatting rounds the exact
/// binary value half to even, as Python's does (checked against CPython by
/// `tests/text.rs`); only the spelling of NaN differs.
pub fn fixed(x: f64, digits: usize) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else {
        format!("{x:.digits$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_whitespace_is_wider_than_rusts_at_the_separators() {
        assert!(is_space('\u{1c}') && !'\u{1c}'.is_whitespace());
        assert!(is_space('\u{3000}') && is_space('\u{85}') && is_space('\t'));
        assert!(!is_space('a') && !is_space('\u{200b}') && !is_space('\u{180e}'));
        assert_eq!(
            split(" a\u{1f}b  c\u{3000}").collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(split("  ").count(), 0);
    }

    #[test]
    fn lowering_maps_the_two_non_ascii_letters_that_become_ascii() {
        assert_eq!(lower("\u{130}"), "i\u{307}");
        assert_eq!(lower("DIS\u{212a}"), "disk");
        assert_eq!(lower("ΟΔΟΣ"), "οδος");
    }
}
