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
//!
//! The original normalises both texts of both alerts for every pair, so an
//! alert in a window of 1,000 is normalised a thousand times. The twin
//! analyses each alert once, when it arrives ([`AlertText`]: its words as
//! interned ids, its byte counts, its lengths), and scores a pair first
//! from those alone, with every `SequenceMatcher` ratio replaced by an
//! upper bound; only a pair that may reach 0.5 is normalised again for the
//! exact ratios (see [`correlate`] for why the bound decides exactly).

use super::{Correlation, Factor, Strategy, python_min_one};
use crate::alerting::Alert;
use crate::fast_hash::FastMap;
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

/// Bytes a normalised text can hold: `a`–`z`, `0`–`9` and the space.
const ALPHABET: usize = 37;

/// A normalised byte's index in [`TextFeatures::counts`].
#[inline]
fn alphabet_index(byte: u8) -> usize {
    match byte {
        b'a'..=b'z' => usize::from(byte - b'a'),
        b'0'..=b'9' => 26 + usize::from(byte - b'0'),
        _ => ALPHABET - 1,
    }
}

/// Every distinct normalised word a correlator has seen, as a dense id, so
/// a word set is a sorted list of integers and two sets intersect by a
/// merge of integers. Hashed with [`FastMap`] (FNV-1a over a word's
/// bytes): words are a few bytes, where SipHash's set-up dominated the
/// analysis (6% of a correlation call under callgrind).
#[derive(Debug, Default)]
pub struct Vocabulary {
    ids: FastMap<Box<[u8]>, u32>,
}

impl Vocabulary {
    fn id(&mut self, word: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        // More than 4 billion distinct words would need 4 billion
        // allocations first; ids past u32 are not a real input.
        let id = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.insert(word.into(), id);
        id
    }
}

/// What the semantic strategy needs of one text, computed once.
#[derive(Debug, Clone)]
pub struct TextFeatures {
    /// The raw text was empty (the original's `if not text1 or not text2`).
    raw_empty: bool,
    /// Length of the normalised text in bytes.
    len: u32,
    /// Occurrences of each normalised byte, saturating at 255.
    counts: [u8; ALPHABET],
    /// A count saturated: the byte bound is not used for this text.
    saturated: bool,
    /// The distinct words' ids, ascending.
    words: Box<[u32]>,
}

impl TextFeatures {
    fn new(raw: &str, vocabulary: &mut Vocabulary, normalised: &mut Vec<u8>) -> Self {
        normalize(raw, normalised);
        let mut counts = [0u8; ALPHABET];
        let mut saturated = false;
        for &b in normalised.iter() {
            let count = &mut counts[alphabet_index(b)];
            match count.checked_add(1) {
                Some(c) => *count = c,
                None => saturated = true,
            }
        }
        let mut words: Vec<u32> = normalised
            .split(|&b| b == b' ')
            .filter(|w| !w.is_empty())
            .map(|w| vocabulary.id(w))
            .collect();
        words.sort_unstable();
        words.dedup();
        Self {
            raw_empty: raw.is_empty(),
            len: u32::try_from(normalised.len()).unwrap_or(u32::MAX),
            counts,
            saturated,
            words: words.into_boxed_slice(),
        }
    }

    /// `|A ∩ B|` of the two sorted word-id sets.
    fn common_words(&self, other: &TextFeatures) -> usize {
        let (a, b) = (&self.words, &other.words);
        let (mut i, mut j, mut common) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
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

    /// The Jaccard index as the original computes it, with `common` shared
    /// words (the exact count, or an upper bound on it: the quotient grows
    /// with `common`, and IEEE division is monotone).
    fn jaccard_with(&self, other: &TextFeatures, common: usize) -> f64 {
        match (self.words.is_empty(), other.words.is_empty()) {
            (true, true) => 1.0,
            (true, false) | (false, true) => 0.0,
            (false, false) => {
                common as f64 / (self.words.len() + other.words.len() - common) as f64
            }
        }
    }

    fn jaccard(&self, other: &TextFeatures) -> f64 {
        self.jaccard_with(other, self.common_words(other))
    }

    /// At least [`Self::jaccard`]: the smaller set all shared.
    fn jaccard_at_most(&self, other: &TextFeatures) -> f64 {
        self.jaccard_with(other, self.words.len().min(other.words.len()))
    }

    /// A ratio no smaller than `SequenceMatcher`'s on the two normalised
    /// texts: matching blocks pair equal bytes one to one, so they match at
    /// most the multiset intersection of the bytes (difflib's own
    /// `quick_ratio` bound).
    fn sequence_at_most(&self, other: &TextFeatures) -> f64 {
        if self.saturated || other.saturated {
            return f64::INFINITY;
        }
        let matches: usize = self
            .counts
            .iter()
            .zip(&other.counts)
            .map(|(&x, &y)| usize::from(x.min(y)))
            .sum();
        ratio_of(matches, self.len as usize + other.len as usize)
    }

    /// `_calculate_text_similarity` from its two parts.
    fn combine(&self, other: &TextFeatures, sequence: f64, jaccard: f64) -> f64 {
        if self.raw_empty || other.raw_empty {
            return 0.0;
        }
        0.4 * sequence + 0.6 * jaccard
    }
}

/// An alert's two texts, analysed once ([`TextFeatures`]).
#[derive(Debug, Clone)]
pub struct AlertText {
    title: TextFeatures,
    description: TextFeatures,
}

impl AlertText {
    pub fn new(alert: &Alert, vocabulary: &mut Vocabulary, normalised: &mut Vec<u8>) -> Self {
        Self {
            title: TextFeatures::new(&alert.title, vocabulary, normalised),
            description: TextFeatures::new(&alert.description, vocabulary, normalised),
        }
    }
}

/// Buffers reused across pairs and calls.
#[derive(Debug, Default)]
pub struct Scratch {
    new_title: Vec<u8>,
    new_description: Vec<u8>,
    other: Vec<u8>,
    matcher: SequenceMatcher<u8>,
}

/// The pair similarity `0.6 × title + 0.4 × description`.
fn overall(title: f64, description: f64) -> f64 {
    0.6 * title + 0.4 * description
}

/// The original runs both `SequenceMatcher`s for every pair. The twin
/// scores the pair first with each ratio replaced by an upper bound (the
/// byte-multiset bound) and each word intersection by the smaller set,
/// then with the exact intersections. Every step from ratio or Jaccard
/// index to pair score multiplies by a positive constant or adds, and IEEE
/// rounding is monotone, so a bounded score below 0.5 proves the exact one
/// is below 0.5 too: that pair is no match, and its exact ratios are never
/// needed. Pairs that may match are normalised again and get the exact
/// ratios: the same matches, the same scores, bit for bit.
///
/// `existing_text[i]` is `existing[i]`'s analysis.
pub fn correlate(
    new: &Alert,
    new_text: &AlertText,
    existing: &[Alert],
    existing_text: &[AlertText],
    scratch: &mut Scratch,
) -> Option<Correlation> {
    debug_assert_eq!(existing.len(), existing_text.len());
    let Scratch {
        new_title,
        new_description,
        other,
        matcher,
    } = scratch;
    let ours = new_text;
    let mut new_normalised = false;
    let factors: Vec<Factor> = existing
        .iter()
        .zip(existing_text)
        .enumerate()
        .filter_map(|(i, (a, theirs))| {
            let title_ratio = ours.title.sequence_at_most(&theirs.title);
            let description_ratio = ours.description.sequence_at_most(&theirs.description);
            let loose = overall(
                ours.title.combine(
                    &theirs.title,
                    title_ratio,
                    ours.title.jaccard_at_most(&theirs.title),
                ),
                ours.description.combine(
                    &theirs.description,
                    description_ratio,
                    ours.description.jaccard_at_most(&theirs.description),
                ),
            );
            if loose < MIN_SIMILARITY {
                return None;
            }
            let title_jaccard = ours.title.jaccard(&theirs.title);
            let description_jaccard = ours.description.jaccard(&theirs.description);
            let bounded = overall(
                ours.title
                    .combine(&theirs.title, title_ratio, title_jaccard),
                ours.description.combine(
                    &theirs.description,
                    description_ratio,
                    description_jaccard,
                ),
            );
            if bounded < MIN_SIMILARITY {
                return None;
            }
            if !new_normalised {
                normalize(&new.title, new_title);
                normalize(&new.description, new_description);
                new_normalised = true;
            }
            normalize(&a.title, other);
            let title = ours.title.combine(
                &theirs.title,
                matcher.ratio(new_title, other),
                title_jaccard,
            );
            normalize(&a.description, other);
            let description = ours.description.combine(
                &theirs.description,
                matcher.ratio(new_description, other),
                description_jaccard,
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

    /// `_calculate_text_similarity(x, y)` through the features, checking
    /// that both bounds hold on the way.
    fn similarity(x: &str, y: &str) -> f64 {
        let (mut vocabulary, mut buf) = (Vocabulary::default(), Vec::new());
        let ours = TextFeatures::new(x, &mut vocabulary, &mut buf);
        let theirs = TextFeatures::new(y, &mut vocabulary, &mut buf);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        normalize(x, &mut a);
        normalize(y, &mut b);
        let exact = SequenceMatcher::new().ratio(&a, &b);
        assert!(exact <= ours.sequence_at_most(&theirs));
        let jaccard = ours.jaccard(&theirs);
        assert!(jaccard <= ours.jaccard_at_most(&theirs));
        ours.combine(&theirs, exact, jaccard)
    }

    #[test]
    fn identical_texts_are_similar_and_empty_ones_are_not() {
        assert_eq!(similarity("Database timeout", "database  TIMEOUT"), 1.0);
        assert_eq!(similarity("Database timeout", ""), 0.0);
        // Both normalise to nothing: ratio 1.0 (two empty strings), Jaccard 1.0.
        assert_eq!(similarity("!!", "??"), 1.0);
    }

    #[test]
    fn words_are_a_set_and_shared_words_count_once() {
        // {disk, full, on, db} vs {disk, on, db, 7}: 3 shared of 5.
        let s = similarity("Disk full on db on db", "disk on DB 7");
        let mut a = Vec::new();
        let mut b = Vec::new();
        normalize("Disk full on db on db", &mut a);
        normalize("disk on DB 7", &mut b);
        let ratio = SequenceMatcher::new().ratio(&a, &b);
        assert_eq!(s, 0.4 * ratio + 0.6 * (3.0 / 5.0));
    }

    #[test]
    fn a_long_run_of_one_byte_saturates_and_falls_back_to_the_exact_ratio() {
        let long = "a".repeat(300);
        let mut vocabulary = Vocabulary::default();
        let mut buf = Vec::new();
        let ours = TextFeatures::new(&long, &mut vocabulary, &mut buf);
        assert!(ours.saturated);
        let theirs = TextFeatures::new("a", &mut vocabulary, &mut buf);
        assert_eq!(ours.sequence_at_most(&theirs), f64::INFINITY);
        // Autojunk makes 'a' popular (no match starts on it), yet the
        // extension from (0, 0) still runs through all 300: ratio 1, as
        // CPython's.
        assert_eq!(similarity(&long, &long), 1.0);
    }
}
