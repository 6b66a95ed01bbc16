//! K10.2 `ErrorAggregator._normalize_error_message`, in the original's
//! order on the original-case text:
//!
//! 1. `re.sub(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<UUID>', m)`
//! 2. `re.sub(r'\b\d+\b', '<NUMBER>', m)`
//! 3. `re.sub(r'/[^\s]*', '<PATH>', m)`
//! 4. `m.lower().strip()`
//!
//! Each rewrite is a left-to-right scan for leftmost non-overlapping
//! matches, which is what `re.sub` does for these patterns: the UUID has a
//! fixed length, so a position either starts one or not; `\d+` between two
//! word boundaries matches exactly a maximal run of decimal digits with no
//! word character on either side (a boundary never falls between two
//! digits, both being word characters, so backtracking cannot shorten the
//! run into a match); the path runs greedily to the next whitespace.
//!
//! Python's classes, not Rust's: `\w` is `str.isalnum()` or `_`, `\d` is
//! `str.isdecimal()`, `\s` and `strip()` are `str.isspace()`
//! ([`crate::text::python_unicode`], [`crate::text::python_str`]).

use crate::text::python_str;
use crate::text::python_unicode::{is_decimal, is_word};

/// The normalised message: what pattern keys and `error_message_pattern`
/// hold. Never empty-matches, never truncates.
pub fn normalize(message: &str) -> String {
    let step1 = replace_uuids(message);
    let step2 = replace_numbers(&step1);
    let step3 = replace_paths(&step2);
    let lowered = python_str::lower(&step3);
    lowered.trim_matches(python_str::is_space).to_string()
}

/// Lower-case hex digit, as `[0-9a-f]`.
fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// Whether `bytes` starts with a lower-case UUID (8-4-4-4-12). All of its
/// characters are ASCII, so a byte test is a character test.
fn uuid_at(bytes: &[u8]) -> bool {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    if bytes.len() < 36 {
        return false;
    }
    let mut at = 0;
    for (g, &len) in GROUPS.iter().enumerate() {
        if g > 0 {
            if bytes[at] != b'-' {
                return false;
            }
            at += 1;
        }
        if !bytes[at..at + len].iter().all(|&b| is_lower_hex(b)) {
            return false;
        }
        at += len;
    }
    true
}

fn replace_uuids(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut at) = (0, 0);
    while at < bytes.len() {
        // A UUID starts with an ASCII byte, so `at` is a char boundary
        // whenever it matches.
        if uuid_at(&bytes[at..]) {
            out.push_str(&text[copied..at]);
            out.push_str("<UUID>");
            at += 36;
            copied = at;
        } else {
            at += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn replace_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_word = false;
    let mut chars = text.char_indices().peekable();
    let mut copied = 0;
    while let Some((start, c)) = chars.next() {
        if !is_decimal(c) {
            prev_word = is_word(c);
            continue;
        }
        // A maximal run of decimals from `start`.
        let mut end = start + c.len_utf8();
        while let Some(&(i, d)) = chars.peek() {
            if !is_decimal(d) {
                break;
            }
            end = i + d.len_utf8();
            chars.next();
        }
        let next_word = chars.peek().is_some_and(|&(_, d)| is_word(d));
        if !prev_word && !next_word {
            out.push_str(&text[copied..start]);
            out.push_str("<NUMBER>");
            copied = end;
        }
        // A decimal is a word character.
        prev_word = true;
    }
    out.push_str(&text[copied..]);
    out
}

fn replace_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(slash) = rest.find('/') {
        out.push_str(&rest[..slash]);
        out.push_str("<PATH>");
        let after = &rest[slash + 1..];
        let end = after.find(python_str::is_space).unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalog's worked cases (checked on CPython 3.11).
    #[test]
    fn catalog_cases() {
        let cases = [
            (
                "id 550E8400-E29B-41D4-A716-446655440000 bad",
                "id 550e8400-e29b-41d4-a716-<number> bad",
            ),
            (
                "[Errno 2] No such file: '/tmp/x'",
                "[errno <number>] no such file: '<path>",
            ),
            ("3.14", "<number>.<number>"),
            ("3/4", "<number><path>"),
            ("http://h/x", "http:<path>"),
            ("a / b", "a <path> b"),
            ("-5", "-<number>"),
            (
                "v2 id_12 1e10 0x1F 12ms ab12",
                "v2 id_12 1e10 0x1f 12ms ab12",
            ),
            ("550e8400-e29b-41d4-a716-446655440000x9", "<uuid>x9"),
            ("\u{663}\u{664} items", "<number> items"),
            ("5\u{b2}", "5\u{b2}"),
            ("5\u{301}", "<number>\u{301}"),
            ("/a\u{1c}b", "<path>\u{1c}b"),
            ("  x \u{1f}", "x"),
            ("\u{130}D 7", "i\u{307}d <number>"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn a_uuid_inside_a_longer_hex_string_is_replaced() {
        assert_eq!(
            normalize("ff550e8400-e29b-41d4-a716-446655440000ab"),
            "ff<uuid>ab"
        );
    }
}
