//! K8.3 `SemanticCorrelator`: pair similarity 0.6 × title + 0.4 ×
//! description, each text similarity 0.4 × `SequenceMatcher` ratio + 0.6 ×
//! Jaccard of the word sets, on text normalised as the original does
//! (`lower()`, every character outside `[a-z0-9\s]` to a space, whitespace
//! runs to one space); matched at 0.5. Confidence: the average over the id
//! set times the weight 0.8 (so below 0.8; seven identical alerts are
//! needed for HIGH). No time filter.
//!
//! Normalised text is ASCII: after `lower()` only ASCII letters and digits
//! survive the substitution, and the only non-ASCII characters that lower
//! to one are U+0130 (to "i" + U+0307, which becomes a space) and the
//! Kelvin sign (to "k") — checked over every code point against the
//! embedded CPython by `tests/differential.rs`. So the ratio runs on bytes.

use super::{Correlation, Factor, Strategy, python_min_one};
use crate::alerting::Alert;
use crate::text::difflib::{SequenceMatcher, ratio_of};

const MIN_SIMILARITY: f64 = 0.5;
const WEIGHT: f64 = 0.8;

/// `_normalize_text(text)` into `out`: words of `[a-z0-9]` joined by one
/// space.
pub fn normalize(text: &str, out: &mut Vec<u8>) {
    out.clear();
    let mut gap = false;
    let push = |out: &mut Vec<u8>, byte: u8, gap: &mut bool| {
        if *gap && !out.is_empty() {
            out.push(b' ');
        }
        *gap = false;
        out.push(byte);
    };
    for c in text.chars() {
        match c {
            'a'..='z' | '0'..='9' => push(out, c as u8, &mut gap),
            'A'..='Z' => push(out, c.to_ascii_lowercase() as u8, &mut gap),
            '\u{212a}' => push(out, b'k', &mut gap),
            '\u{130}' => {
                push(out, b'i', &mut gap);
                gap = true;
            }
            // Whitespace or any other character: a separator either way
            // (`re.sub` makes the others spaces, `split` drops them all).
            _ => gap = true,
        }
    }
}

/// A normalised text, its distinct words (as ranges into it, sorted) and
/// how often each byte occurs in it.
#[derive(Debug)]
struct Text {
    bytes: Vec<u8>,
    words: Vec<(u32, u32)>,
    /// Occurrences of each byte (normalised text is ASCII).
    counts: [u16; 128],
}

impl Default for Text {
    fn default() -> Self {
        Self {
            bytes: Vec::new(),
            words: Vec::new(),
            counts: [0; 128],
        }
    }
}

impl Text {
    fn set(&mut self, raw: &str) {
        normalize(raw, &mut self.bytes);
        self.counts = [0; 128];
        for &b in &self.bytes {
            // Saturating: a bound from a saturated count is still a bound
            // only if both saturate alike, so texts past 65,535 copies of
            // one byte fall back to the exact ratio (see `matches_at_most`).
            self.counts[usize::from(b & 0x7f)] =
                self.counts[usize::from(b & 0x7f)].saturating_add(1);
        }
        self.words.clear();
        let mut start = 0;
        for (i, &b) in self.bytes.iter().enumerate() {
            if b == b' ' {
                self.words.push((start as u32, i as u32));
                start = i + 1;
            }
        }
        if start < self.bytes.len() {
            self.words.push((start as u32, self.bytes.len() as u32));
        }
        let bytes = &self.bytes;
        let word = |&(s, e): &(u32, u32)| &bytes[s as usize..e as usize];
        self.words.sort_unstable_by(|x, y| word(x).cmp(word(y)));
        self.words.dedup_by(|x, y| word(x) == word(y));
    }

    fn word(&self, k: usize) -> &[u8] {
        let (s, e) = self.words[k];
        &self.bytes[s as usize..e as usize]
    }

    /// An upper bound on `SequenceMatcher`'s match count for these two
    /// texts: matching blocks pair equal bytes one to one, so they match at
    /// most the multiset intersection of their bytes (difflib's own
    /// `quick_ratio` bound). `None` if a count saturated.
    fn matches_at_most(&self, other: &Text) -> Option<usize> {
        let mut total = 0usize;
        for (&x, &y) in self.counts.iter().zip(&other.counts) {
            if x == u16::MAX || y == u16::MAX {
                return None;
            }
            total += usize::from(x.min(y));
        }
        Some(total)
    }

    /// `|A ∩ B|` of the two sorted word sets.
    fn common_words(&self, other: &Text) -> usize {
        let (mut i, mut j, mut common) = (0, 0, 0);
        while i < self.words.len() && j < other.words.len() {
            match self.word(i).cmp(other.word(j)) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        common
    }
}

/// Buffers reused across pairs and calls.
#[derive(Debug, Default)]
pub struct Scratch {
    new_title: Text,
    new_description: Text,
    other_title: Text,
    other_description: Text,
    matcher: SequenceMatcher<u8>,
}

/// `_calculate_text_similarity(raw_new, raw_other)` with the sequence
/// ratio given: `ours` and `other` are the normalised texts.
fn combine(raw_new: &str, ours: &Text, raw_other: &str, other: &Text, sequence: f64) -> f64 {
    if raw_new.is_empty() || raw_other.is_empty() {
        return 0.0;
    }
    let jaccard = match (ours.words.is_empty(), other.words.is_empty()) {
        (true, true) => 1.0,
        (true, false) | (false, true) => 0.0,
        (false, false) => {
            let common = ours.common_words(other);
            common as f64 / (ours.words.len() + other.words.len() - common) as f64
        }
    };
    0.4 * sequence + 0.6 * jaccard
}

/// The exact `SequenceMatcher(None, ours, other).ratio()`.
fn sequence(ours: &Text, other: &Text, matcher: &mut SequenceMatcher<u8>) -> f64 {
    matcher.ratio(&ours.bytes, &other.bytes)
}

/// A ratio no smaller than [`sequence`]'s, from the byte counts alone.
fn sequence_at_most(ours: &Text, other: &Text) -> f64 {
    match ours.matches_at_most(other) {
        Some(m) => ratio_of(m, ours.bytes.len() + other.bytes.len()),
        None => f64::INFINITY,
    }
}

/// The pair similarity `0.6 × title + 0.4 × description`.
fn overall(title: f64, description: f64) -> f64 {
    0.6 * title + 0.4 * description
}

/// The original runs both `SequenceMatcher`s for every pair; the twin
/// first scores the pair with each ratio replaced by an upper bound (the
/// byte-multiset bound, [`sequence_at_most`]). Every step from ratio to
/// pair score multiplies by a positive constant or adds, and IEEE rounding
/// is monotone, so a bounded score below 0.5 proves the exact one is below
/// 0.5 too: that pair is no match, and its exact ratios are never needed.
/// Pairs that may match get the exact ratios: the same matches, the same
/// scores, bit for bit.
pub fn correlate(new: &Alert, existing: &[Alert], scratch: &mut Scratch) -> Option<Correlation> {
    let Scratch {
        new_title,
        new_description,
        other_title,
        other_description,
        matcher,
    } = scratch;
    new_title.set(&new.title);
    new_description.set(&new.description);
    let factors: Vec<Factor> = existing
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            other_title.set(&a.title);
            other_description.set(&a.description);
            let bounded = overall(
                combine(
                    &new.title,
                    new_title,
                    &a.title,
                    other_title,
                    sequence_at_most(new_title, other_title),
                ),
                combine(
                    &new.description,
                    new_description,
                    &a.description,
                    other_description,
                    sequence_at_most(new_description, other_description),
                ),
            );
            if bounded < MIN_SIMILARITY {
                return None;
            }
            let title = combine(
                &new.title,
                new_title,
                &a.title,
                other_title,
                sequence(new_title, other_title, matcher),
            );
            let description = combine(
                &new.description,
                new_description,
                &a.description,
                other_description,
                sequence(new_description, other_description, matcher),
            );
            let score = overall(title, description);
            (score >= MIN_SIMILARITY).then_some(Factor {
                alert: i,
                score,
                detail: [title, description],
            })
        })
        .collect();
    Correlation::from_factors(Strategy::Semantic, new, existing, factors, |average| {
        python_min_one(average * WEIGHT)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(text: &str) -> String {
        let mut out = Vec::new();
        normalize(text, &mut out);
        String::from_utf8(out).expect("ASCII")
    }

    #[test]
    fn normalisation_keeps_ascii_words_only() {
        assert_eq!(
            normalized("  DB-01: Timeout (5000ms)!  "),
            "db 01 timeout 5000ms"
        );
        assert_eq!(normalized("İstanbul dis\u{212a}"), "i stanbul disk");
        assert_eq!(normalized("Temps de réponse élevé"), "temps de r ponse lev");
        assert_eq!(normalized("データベース"), "");
        assert_eq!(normalized("a\u{1c}b"), "a b");
    }

    fn similarity(x: &str, y: &str) -> f64 {
        let (mut ours, mut other) = (Text::default(), Text::default());
        ours.set(x);
        other.set(y);
        let exact = sequence(&ours, &other, &mut SequenceMatcher::new());
        assert!(exact <= sequence_at_most(&ours, &other));
        combine(x, &ours, y, &other, exact)
    }

    #[test]
    fn identical_texts_are_similar_and_empty_ones_are_not() {
        assert_eq!(similarity("Database timeout", "database  TIMEOUT"), 1.0);
        assert_eq!(similarity("Database timeout", ""), 0.0);
        // Both normalise to nothing: ratio 1.0 (two empty strings), Jaccard 1.0.
        assert_eq!(similarity("!!", "??"), 1.0);
    }
}
