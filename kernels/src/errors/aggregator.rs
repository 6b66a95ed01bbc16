//! K10.3–K10.6: `ErrorAggregator` — the pattern key, the severity of a new
//! pattern, ingest into the pattern table and the two record deques, and
//! the analytics roll-up.
//!
//! Invariants kept from the original (each one a recorded defect, checked
//! by the tests below):
//! - patterns are keyed by the joined string
//!   `component:class:normalised:type`, so colons in a component or a
//!   message can merge different errors into one pattern (K10.3);
//! - a pattern's message, component, severity, type and first_seen are
//!   those of the error that created it, never revised (K10.5);
//! - the severity depends on the type only (K10.4);
//! - a new pattern's strategy and action are the dataclass defaults
//!   (retry with backoff, none), not the handler's tables;
//! - `recent` keeps the last [`WINDOW`] records, `history` the last
//!   [`HISTORY`]; patterns are never pruned, so per-type totals (lifetime
//!   counts) exceed `total_errors` after [`HISTORY`] errors (K10.6).

use std::collections::VecDeque;

use super::normalize::normalize;
use super::{Action, ErrorEvent, ErrorType, Severity, Strategy};
use crate::fast_hash::FastMap;

/// `ErrorAggregator(window_size=1000)`: the `recent_errors` bound.
pub const WINDOW: usize = 1_000;
/// `error_history`'s `maxlen`.
pub const HISTORY: usize = 10_000;
/// Errors at or after `now - RATE_WINDOW_MICROS` count in the rate.
pub const RATE_WINDOW_MICROS: i64 = 60_000_000;
/// How many patterns the analytics list.
pub const TOP: usize = 10;

/// K10.4 `_determine_severity`: from the type alone.
pub fn severity(error_type: ErrorType) -> Severity {
    match error_type {
        ErrorType::Permanent => Severity::Critical,
        ErrorType::Authentication => Severity::High,
        ErrorType::DataValidation => Severity::Medium,
        ErrorType::RateLimit | ErrorType::Transient => Severity::Low,
        ErrorType::Unknown => Severity::Medium,
    }
}

/// K10.3 `_create_pattern_key` with the message already normalised:
/// joined with `:`, nothing escaped.
pub fn pattern_key(
    component: &str,
    class_name: &str,
    normalized: &str,
    error_type: ErrorType,
) -> String {
    let value = error_type.value();
    let mut key = String::with_capacity(
        component.len() + class_name.len() + normalized.len() + value.len() + 3,
    );
    for (i, part) in [component, class_name, normalized, value]
        .iter()
        .enumerate()
    {
        if i > 0 {
            key.push(':');
        }
        key.push_str(part);
    }
    key
}

/// An `ErrorPattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub key: String,
    pub error_type: ErrorType,
    pub message: String,
    pub component: String,
    pub severity: Severity,
    pub count: u64,
    pub first_seen: i64,
    pub last_seen: i64,
    pub strategy: Strategy,
    pub action: Action,
}

/// One record of `recent_errors` / `error_history` (the original's dict
/// also pins the exception and context; the analytics read only the
/// timestamp).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Index of its pattern in [`Aggregator::patterns`].
    pub pattern: usize,
    pub time: i64,
}

/// `ErrorAggregator` with the default window.
#[derive(Debug, Clone, Default)]
pub struct Aggregator {
    index: FastMap<String, usize>,
    patterns: Vec<Pattern>,
    recent: VecDeque<Record>,
    history: VecDeque<Record>,
}

/// `ErrorAnalytics` (the two recovery figures are constant 0.0 in the
/// original and left out). Dicts are `(key, total)` in first-met order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analytics {
    /// `len(error_history)`: at most [`HISTORY`].
    pub total_errors: usize,
    pub by_type: Vec<(ErrorType, u64)>,
    pub by_component: Vec<(String, u64)>,
    pub by_severity: Vec<(Severity, u64)>,
    /// Records of the last [`WINDOW`] at or after `now` − 60 s: at most
    /// [`WINDOW`].
    pub rate_per_minute: usize,
    /// Indices into [`Aggregator::patterns`]: by count descending, ties in
    /// first-seen order, at most [`TOP`].
    pub top: Vec<usize>,
}

impl Aggregator {
    pub fn new() -> Self {
        Self::default()
    }

    /// K10.5 `add_error` at `now`, for an error already classified.
    /// Returns the index of the error's pattern.
    pub fn add(&mut self, event: &ErrorEvent, error_type: ErrorType, now: i64) -> usize {
        let normalized = normalize(&event.text);
        let key = pattern_key(&event.component, &event.class_name, &normalized, error_type);
        let pattern = match self.index.get(&key) {
            Some(&i) => {
                let p = &mut self.patterns[i];
                p.count += 1;
                p.last_seen = now;
                i
            }
            None => {
                let i = self.patterns.len();
                self.index.insert(key.clone(), i);
                self.patterns.push(Pattern {
                    key,
                    error_type,
                    message: normalized,
                    component: event.component.clone(),
                    severity: severity(error_type),
                    count: 1,
                    first_seen: now,
                    last_seen: now,
                    strategy: Strategy::RetryWithBackoff,
                    action: Action::None,
                });
                i
            }
        };
        let record = Record { pattern, time: now };
        push_bounded(&mut self.recent, record, WINDOW);
        push_bounded(&mut self.history, record, HISTORY);
        pattern
    }

    /// The pattern table in insertion (first-seen) order.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// `len(recent_errors)`, `len(error_history)`.
    pub fn lengths(&self) -> (usize, usize) {
        (self.recent.len(), self.history.len())
    }

    /// The records of `recent_errors`, oldest first.
    pub fn recent(&self) -> impl Iterator<Item = &Record> {
        self.recent.iter()
    }

    /// K10.6 `get_analytics` at `now`.
    pub fn analytics(&self, now: i64) -> Analytics {
        let since = now - RATE_WINDOW_MICROS;
        let rate_per_minute = self.recent.iter().filter(|r| r.time >= since).count();
        let mut by_type: Vec<(ErrorType, u64)> = Vec::new();
        let mut by_severity: Vec<(Severity, u64)> = Vec::new();
        let mut by_component: Vec<(String, u64)> = Vec::new();
        let mut component_at: FastMap<&str, usize> = FastMap::default();
        for p in &self.patterns {
            add_to(&mut by_type, p.error_type, p.count);
            add_to(&mut by_severity, p.severity, p.count);
            match component_at.get(p.component.as_str()) {
                Some(&i) => by_component[i].1 += p.count,
                None => {
                    component_at.insert(&p.component, by_component.len());
                    by_component.push((p.component.clone(), p.count));
                }
            }
        }
        Analytics {
            total_errors: self.history.len(),
            by_type,
            by_component,
            by_severity,
            rate_per_minute,
            top: self.top(),
        }
    }

    /// `sorted(patterns, key=count, reverse=True)[:10]`: Python's sort is
    /// stable under `reverse`, so ties keep first-seen order; (count
    /// descending, index ascending) is therefore a total order, and the
    /// first ten of it can be selected without sorting everything.
    fn top(&self) -> Vec<usize> {
        let order = |&a: &usize, &b: &usize| {
            self.patterns[b]
                .count
                .cmp(&self.patterns[a].count)
                .then(a.cmp(&b))
        };
        let mut all: Vec<usize> = (0..self.patterns.len()).collect();
        if all.len() > TOP {
            all.select_nth_unstable_by(TOP - 1, order);
            all.truncate(TOP);
        }
        all.sort_unstable_by(order);
        all
    }
}

fn push_bounded(deque: &mut VecDeque<Record>, record: Record, bound: usize) {
    if deque.len() == bound {
        deque.pop_front();
    }
    deque.push_back(record);
}

/// `totals[key] += count` on a first-met-ordered list of few keys.
fn add_to<K: PartialEq>(totals: &mut Vec<(K, u64)>, key: K, count: u64) {
    match totals.iter_mut().find(|(k, _)| *k == key) {
        Some((_, total)) => *total += count,
        None => totals.push((key, count)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(component: &str, class: &str, text: &str) -> ErrorEvent {
        ErrorEvent {
            class_name: class.into(),
            text: text.into(),
            component: component.into(),
            operation: "op".into(),
            request_id: "r".into(),
            time: 0,
        }
    }

    /// K10.3: a colon in the component and one in the message give the
    /// same key; the second error counts in the first one's pattern, whose
    /// component stays the first one's.
    #[test]
    fn colliding_keys_merge_two_different_errors() {
        let a = event("svc:ValueError", "x", "msg");
        let b = event("svc", "ValueError", "x:msg");
        assert_eq!(
            pattern_key(&a.component, &a.class_name, "msg", ErrorType::Unknown),
            pattern_key(&b.component, &b.class_name, "x:msg", ErrorType::Unknown)
        );
        let mut agg = Aggregator::new();
        agg.add(&a, ErrorType::Unknown, 1);
        agg.add(&b, ErrorType::Unknown, 2);
        let p = agg.patterns();
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].count, p[0].component.as_str()), (2, "svc:ValueError"));
        assert_eq!((p[0].first_seen, p[0].last_seen), (1, 2));
    }

    /// K10.4: the table, content ignored.
    #[test]
    fn severity_table() {
        let table = [
            (ErrorType::Permanent, Severity::Critical),
            (ErrorType::Authentication, Severity::High),
            (ErrorType::DataValidation, Severity::Medium),
            (ErrorType::RateLimit, Severity::Low),
            (ErrorType::Transient, Severity::Low),
            (ErrorType::Unknown, Severity::Medium),
        ];
        for (t, s) in table {
            assert_eq!(severity(t), s, "{t:?}");
        }
    }

    /// K10.6: past 10,000 errors the lifetime totals exceed total_errors,
    /// the rate saturates at the 1,000-record window.
    #[test]
    fn totals_exceed_total_errors_past_the_history_bound() {
        let mut agg = Aggregator::new();
        let e = event("api", "ValueError", "boom 7");
        for i in 0..10_500 {
            agg.add(&e, ErrorType::Unknown, i);
        }
        let a = agg.analytics(10_500);
        assert_eq!(a.total_errors, HISTORY);
        assert_eq!(a.by_type, vec![(ErrorType::Unknown, 10_500)]);
        assert_eq!(a.rate_per_minute, WINDOW);
        assert_eq!(agg.lengths(), (WINDOW, HISTORY));
        assert_eq!(agg.patterns()[0].message, "boom <number>");
        assert_eq!(agg.patterns()[0].strategy, Strategy::RetryWithBackoff);
    }

    #[test]
    fn top_is_stable_by_count_and_first_met_order_kept() {
        let mut agg = Aggregator::new();
        // Pattern i gets count (i % 3) + 1; components alternate.
        for i in 0..30 {
            let e = event(["b", "a"][i % 2], "E", &format!("m{i}"));
            for _ in 0..=(i % 3) {
                agg.add(&e, ErrorType::Transient, i as i64);
            }
        }
        let a = agg.analytics(100);
        assert_eq!(a.top, vec![2, 5, 8, 11, 14, 17, 20, 23, 26, 29]);
        assert_eq!(
            a.by_component
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>(),
            ["b", "a"]
        );
        // Rate: records at or after now - 60 s (inclusive).
        assert_eq!(
            agg.analytics(RATE_WINDOW_MICROS + 29).rate_per_minute,
            agg.recent().filter(|r| r.time >= 29).count()
        );
    }
}
