//! K6.2: the six default rules and the strategies they apply, each deciding
//! whether a new alert joins one group and with what confidence.
//!
//! Every strategy walks the group's alerts (root first, then the
//! correlated ones in order) and the *first* qualifying alert decides, not
//! the best, except the feature similarity, which takes the maximum.
//! Time differences are compared in whole microseconds: Python's
//! `abs(td.total_seconds()) <= window.total_seconds()` divides both by 10⁶
//! with correct rounding, which preserves the order of integers below
//! 2⁵³.

use super::super::Alert;
use super::super::alert::{AVAILABILITY, CRITICAL, HIGH, PERFORMANCE};
use crate::text::difflib::SequenceMatcher;
use crate::text::python_re::{self, IgnoreCaseWords};
use crate::text::python_str;

const MINUTE: i64 = 60 * 1_000_000;

/// What a rule applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    /// Host and component both truthy and equal; confidence matches / 2.
    SameEntity,
    /// `SequenceMatcher(None, a.description, b.description).ratio() >=
    /// threshold`; confidence the ratio.
    SimilarMessage { threshold: f64 },
    /// Both texts match the pattern; confidence 0.8. `which` indexes the
    /// analysis's pattern flags.
    PatternMatch { which: usize },
    /// Linear decay from the group's creation time (not its alerts').
    TimeWindow,
    /// At least `threshold` of the 14 features equal; no time window.
    MlSimilarity { threshold: f64 },
}

/// One `CorrelationRule` of the defaults.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Code of the rule's name (`RULE_CODES` in the baseline).
    pub code: u8,
    pub strategy: Strategy,
    pub priority: u32,
    pub window: i64,
    /// Only alerts of this severity code.
    pub severity: Option<u8>,
    /// Only alerts of this category code.
    pub category: Option<u8>,
    /// The group is suppressed once it holds this many alerts.
    pub suppress_after: usize,
}

/// The patterns of the two PATTERN_MATCH rules.
pub const PATTERNS: [IgnoreCaseWords; 2] = [
    IgnoreCaseWords::new(&[
        "connection",
        "database",
        "timeout",
        "pool",
        "performance",
        "latency",
    ]),
    IgnoreCaseWords::new(&["traffic", "load", "requests", "throughput", "rate"]),
];

/// The default rules in their dict (definition) order; `code` is the
/// position. (`max_group_size` is never enforced by the original.)
pub const RULES: [Rule; 6] = [
    Rule {
        code: 0,
        strategy: Strategy::SameEntity,
        priority: 10,
        window: 5 * MINUTE,
        severity: None,
        category: None,
        suppress_after: 5,
    },
    Rule {
        code: 1,
        strategy: Strategy::SimilarMessage { threshold: 0.85 },
        priority: 20,
        window: 10 * MINUTE,
        severity: None,
        category: None,
        suppress_after: 8,
    },
    Rule {
        code: 2,
        strategy: Strategy::PatternMatch { which: 0 },
        priority: 15,
        window: 3 * MINUTE,
        severity: None,
        category: Some(PERFORMANCE),
        suppress_after: 5,
    },
    Rule {
        code: 3,
        strategy: Strategy::PatternMatch { which: 1 },
        priority: 30,
        window: 5 * MINUTE,
        severity: None,
        category: Some(PERFORMANCE),
        suppress_after: 7,
    },
    Rule {
        code: 4,
        strategy: Strategy::TimeWindow,
        priority: 25,
        window: 2 * MINUTE,
        severity: Some(CRITICAL),
        category: None,
        suppress_after: 3,
    },
    Rule {
        code: 5,
        strategy: Strategy::MlSimilarity { threshold: 0.75 },
        priority: 100,
        window: 15 * MINUTE,
        severity: None,
        category: None,
        suppress_after: 10,
    },
];

/// The longest window of the enabled rules: how recently a group must have
/// been updated to be a candidate.
pub const LONGEST_WINDOW: i64 = 15 * MINUTE;

/// The rules that apply to `alert`, by priority (a stable sort; no two
/// defaults share one).
pub fn applicable(alert: &Alert) -> Vec<&'static Rule> {
    let mut rules: Vec<&Rule> = RULES
        .iter()
        .filter(|r| r.severity.is_none_or(|s| s == alert.severity))
        .filter(|r| r.category.is_none_or(|c| c == alert.category))
        .collect();
    rules.sort_by_key(|r| r.priority);
    rules
}

/// The keywords of the feature vector, in its order.
const KEYWORDS: [&str; 9] = [
    "error",
    "warning",
    "critical",
    "timeout",
    "connection",
    "database",
    "memory",
    "cpu",
    "disk",
];

/// What the strategies read of one alert, computed once when it arrives
/// (the original recomputes the text, the regex search and the features
/// for every group alert it compares against).
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The description as code points (what `SequenceMatcher` iterates).
    pub description: Box<[char]>,
    /// The same code points as a multiset: each distinct code point once,
    /// ascending, with its count. Two descriptions share at most the size of
    /// their multiset intersection in matches (difflib's `quick_ratio`
    /// bound); run-length form keeps it to a few dozen entries where the
    /// sorted text would be 4 bytes a character.
    pub histogram: Vec<(char, u32)>,
    /// `PATTERNS[k].search(f"{title} {description}".lower())`.
    pub patterns: [bool; 2],
    /// `_extract_features`: word count of the lower-cased text, the
    /// keywords' non-overlapping counts, and four severity/category flags.
    /// Stored as `u32`, saturating: a count differs from Python's only for a
    /// text of over 4 G words, which no alert comes near.
    pub features: [u32; 14],
}

impl Analysis {
    pub fn of(alert: &Alert) -> Self {
        let text = python_str::lower(&format!("{} {}", alert.title, alert.description));
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let mut features = [0u32; 14];
        features[0] = count(python_str::split(&text).count());
        for (slot, keyword) in features[1..10].iter_mut().zip(KEYWORDS) {
            *slot = count(text.matches(keyword).count());
        }
        features[10] = u32::from(alert.severity == CRITICAL);
        features[11] = u32::from(alert.severity == HIGH);
        features[12] = u32::from(alert.category == PERFORMANCE);
        features[13] = u32::from(alert.category == AVAILABILITY);
        let folded = python_re::fold_text(&text);
        let description: Box<[char]> = alert.description.chars().collect();
        Analysis {
            histogram: histogram(&description),
            description,
            patterns: [
                PATTERNS[0].search_folded(&folded),
                PATTERNS[1].search_folded(&folded),
            ],
            features,
        }
    }
}

/// One alert of the stream with its analysis.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    pub alert: &'a Alert,
    pub analysis: &'a Analysis,
}

/// `text`'s code points with their counts, ascending: ASCII counted in a
/// table (no sort: most descriptions are mostly ASCII), the rest sorted
/// and run-length counted after it (every ASCII code point sorts first).
fn histogram(text: &[char]) -> Vec<(char, u32)> {
    let mut ascii = [0u32; 128];
    let mut other: Vec<char> = Vec::new();
    for &c in text {
        match u8::try_from(c) {
            Ok(b) if b.is_ascii() => ascii[usize::from(b)] += 1,
            _ => other.push(c),
        }
    }
    other.sort_unstable();
    let distinct = ascii.iter().filter(|&&n| n > 0).count() + other.chunk_by(|a, b| a == b).count();
    let mut runs: Vec<(char, u32)> = Vec::with_capacity(distinct);
    runs.extend(
        (0u8..128)
            .zip(ascii)
            .filter(|&(_, n)| n > 0)
            .map(|(b, n)| (char::from(b), n)),
    );
    runs.extend(
        other
            .chunk_by(|a, b| a == b)
            .map(|run| (run[0], u32::try_from(run.len()).unwrap_or(u32::MAX))),
    );
    runs
}

/// The size of the multiset intersection of two histograms.
fn common(a: &[(char, u32)], b: &[(char, u32)]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += a[i].1.min(b[j].1) as usize;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// `|a − b| ≤ window`, in microseconds.
fn within(a: i64, b: i64, window: i64) -> bool {
    a.abs_diff(b) <= window.unsigned_abs()
}

/// `_apply_correlation_rule`: `Some(confidence)` when the rule correlates.
/// `members` are the group's alerts, root first; `created_at` the group's
/// creation time.
pub fn apply(
    rule: &Rule,
    new: Seen<'_>,
    members: &[Seen<'_>],
    created_at: i64,
    matcher: &mut SequenceMatcher<char>,
) -> Option<f64> {
    let t = new.alert.triggered_at;
    match rule.strategy {
        Strategy::SameEntity => members.iter().find_map(|m| {
            let matches = usize::from(new.alert.same_host(m.alert).is_some())
                + usize::from(new.alert.same_component(m.alert).is_some());
            (matches > 0 && within(t, m.alert.triggered_at, rule.window))
                .then(|| matches as f64 / 2.0)
        }),
        Strategy::SimilarMessage { threshold } => members.iter().find_map(|m| {
            if !within(t, m.alert.triggered_at, rule.window) {
                return None;
            }
            let (a, b) = (&new.analysis.description, &m.analysis.description);
            // ratio ≤ 2·min / (len a + len b) and ≤ 2·common / (len a + len b)
            // (matches are common elements): skip pairs that cannot reach
            // the threshold. Rounding is monotone, so the bound's float is
            // at least the ratio's.
            let total = a.len() + b.len();
            if total > 0 && (2 * a.len().min(b.len())) as f64 / (total as f64) < threshold {
                return None;
            }
            if total > 0
                && (2 * common(&new.analysis.histogram, &m.analysis.histogram)) as f64
                    / (total as f64)
                    < threshold
            {
                return None;
            }
            let ratio = matcher.ratio(a, b);
            (ratio >= threshold).then_some(ratio)
        }),
        Strategy::PatternMatch { which } => {
            if !new.analysis.patterns[which] {
                return None;
            }
            members
                .iter()
                .any(|m| m.analysis.patterns[which] && within(t, m.alert.triggered_at, rule.window))
                .then_some(0.8)
        }
        Strategy::TimeWindow => {
            let difference = t.abs_diff(created_at);
            (difference <= rule.window.unsigned_abs()).then(|| {
                let seconds = difference as f64 / 1e6;
                1.0 - seconds / (rule.window as f64 / 1e6)
            })
        }
        Strategy::MlSimilarity { threshold } => {
            let best = members
                .iter()
                .map(|m| {
                    let equal = new
                        .analysis
                        .features
                        .iter()
                        .zip(&m.analysis.features)
                        .filter(|(a, b)| a == b)
                        .count();
                    equal as f64 / 14.0
                })
                .fold(0.0, f64::max);
            (best >= threshold).then_some(best)
        }
    }
}
