//! K17, K18, K21: the monitor's small per-event rules.
//!
//! - K17 `PerformanceMonitor._categorize_graph_size` (`performance_monitor.py`
//!   L108-121): `int(graph_size)` of an int or a str; < 100 small,
//!   < 1,000 medium, < 10,000 large, else extra large; `ValueError` or
//!   `TypeError` → unknown.
//! - K18 `record_cache_hit` / `record_cache_miss` (L123-170): the gauge is
//!   set to hits / total, a **fraction**; `_get_cache_hit_rate` reports
//!   the same ratio × 100, a **percent**, and 0.0 with no requests.
//! - K21 `DatabaseOptimizer.optimize_connection_pool`
//!   (`performance_optimizer.py` L104-144): `active / max(total, 1)`,
//!   over 0.8 recommends increasing the pool, under 0.3 decreasing it,
//!   reported as `round(ratio, 2)`.

use super::py_round;
use crate::text::python_str;

/// K17's buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeCategory {
    Small = 0,
    Medium = 1,
    Large = 2,
    ExtraLarge = 3,
    Unknown = 4,
}

/// A graph size as the caller passes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphSize<'a> {
    Int(i64),
    Text(&'a str),
}

/// What `int(text)` gives for a decimal text: its sign and whether its
/// magnitude fits an `i64` (`None`: Python raises `ValueError`).
///
/// Python's rules for base 10: surrounding whitespace is stripped, one
/// optional sign, ASCII digits with single underscores between them.
/// Non-ASCII decimal digits (which Python also accepts) are not in the
/// twin's domain: the generator never writes them, and the twin reads them
/// as unparsable.
///
/// Which whitespace: CPython's `int(str)` first replaces every non-ASCII
/// `str.isspace()` character by a space, leaves ASCII characters as they
/// are, then strips C's `isspace` set (space, `\t`, `\n`, `\v`, `\f`,
/// `\r`). So the ASCII separators `\x1c`..`\x1f`, although
/// `"\x1c".isspace()`, are never stripped: `int("\x1c5")` and
/// `int("\u3000\x1c5")` raise `ValueError`, while `int("\u30005\x0b")` is 5.
fn python_int(text: &str) -> Option<IntValue> {
    let t = text.trim_matches(int_strips);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let bytes = digits.as_bytes();
    if bytes.is_empty() || !bytes[0].is_ascii_digit() || !bytes[bytes.len() - 1].is_ascii_digit() {
        return None;
    }
    let mut value: i64 = 0;
    let mut overflow = false;
    let mut previous_underscore = false;
    for &b in bytes {
        if b == b'_' {
            if previous_underscore {
                return None;
            }
            previous_underscore = true;
            continue;
        }
        if !b.is_ascii_digit() {
            return None;
        }
        previous_underscore = false;
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    Some(match (overflow, negative) {
        (true, false) => IntValue::Huge,
        (true, true) => IntValue::HugeNegative,
        (false, false) => IntValue::Fits(value),
        (false, true) => IntValue::Fits(-value),
    })
}

/// Whether `int(str)` strips `c` from either end of its text (see
/// [`python_int`]).
fn int_strips(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
        || (!c.is_ascii() && python_str::is_space(c))
}

enum IntValue {
    Fits(i64),
    Huge,
    HugeNegative,
}

/// K17 `_categorize_graph_size`.
pub fn graph_size_category(size: GraphSize<'_>) -> SizeCategory {
    let value = match size {
        GraphSize::Int(v) => v,
        GraphSize::Text(text) => match python_int(text) {
            Some(IntValue::Fits(v)) => v,
            Some(IntValue::Huge) => return SizeCategory::ExtraLarge,
            Some(IntValue::HugeNegative) => return SizeCategory::Small,
            None => return SizeCategory::Unknown,
        },
    };
    match value {
        ..100 => SizeCategory::Small,
        100..1_000 => SizeCategory::Medium,
        1_000..10_000 => SizeCategory::Large,
        _ => SizeCategory::ExtraLarge,
    }
}

/// K18's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
}

impl CacheStats {
    /// `record_cache_hit()` or `record_cache_miss()`: the value the gauge
    /// is set to (a fraction; the total is never 0 after a record).
    pub fn record(&mut self, hit: bool) -> f64 {
        if hit {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        self.hits as f64 / (self.hits + self.misses) as f64
    }

    /// `_get_cache_hit_rate()`: a percent, 0.0 with no requests.
    pub fn hit_rate_percent(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64 * 100.0
        }
    }
}

/// K21's recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolAdvice {
    Keep = 0,
    Increase = 1,
    Decrease = 2,
}

/// K21: `round(active / max(total, 1), 2)` and the recommendation of
/// the unrounded ratio.
pub fn pool_usage(active: i64, total: i64) -> (f64, PoolAdvice) {
    let ratio = active as f64 / total.max(1) as f64;
    let advice = if ratio > 0.8 {
        PoolAdvice::Increase
    } else if ratio < 0.3 {
        PoolAdvice::Decrease
    } else {
        PoolAdvice::Keep
    };
    (py_round(ratio, 2), advice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use SizeCategory::*;

    #[test]
    fn sizes_bucket_at_the_bounds_and_texts_parse_like_int() {
        let cat = |t| graph_size_category(GraphSize::Text(t));
        assert_eq!(graph_size_category(GraphSize::Int(99)), Small);
        assert_eq!(graph_size_category(GraphSize::Int(100)), Medium);
        assert_eq!(graph_size_category(GraphSize::Int(9_999)), Large);
        assert_eq!(graph_size_category(GraphSize::Int(10_000)), ExtraLarge);
        assert_eq!(graph_size_category(GraphSize::Int(-5)), Small);
        assert_eq!(
            (cat(" 250 "), cat("1_000"), cat("+7"), cat("-5")),
            (Medium, Large, Small, Small)
        );
        assert_eq!(cat("99999999999999999999999"), ExtraLarge);
        assert_eq!(cat("-99999999999999999999999"), Small);
        for bad in [
            "12k", "3.5", "", "n/a", "1__0", "_1", "1_", "+", "- 1", "0x10",
        ] {
            assert_eq!(cat(bad), Unknown, "{bad:?}");
        }
        assert_eq!(cat("\u{3000}42\t"), Small);
        // Python 3.11: int("\x1c5"), int("5\x1f") and int("\u3000\x1c5")
        // raise ValueError, int("\x0b5\x0c") and int("\u20285\x85") are 5:
        // only non-ASCII spaces and C's isspace set are stripped.
        for separated in ["\x1c5", "5\x1f", "\u{3000}\x1c5"] {
            assert_eq!(cat(separated), Unknown, "{separated:?}");
        }
        assert_eq!((cat("\x0b5\x0c"), cat("\u{2028}5\u{85}")), (Small, Small));
    }

    #[test]
    fn the_gauge_is_a_fraction_the_summary_a_percent() {
        let mut c = CacheStats::default();
        assert_eq!(c.hit_rate_percent(), 0.0);
        assert_eq!(c.record(true), 1.0);
        assert_eq!(c.record(false), 0.5);
        assert_eq!(c.hit_rate_percent(), 50.0);
    }

    #[test]
    fn pool_ratio_uses_max_total_one_and_strict_bounds() {
        assert_eq!(pool_usage(4, 5), (0.8, PoolAdvice::Keep));
        assert_eq!(pool_usage(3, 10), (0.3, PoolAdvice::Keep));
        assert_eq!(pool_usage(0, 0), (0.0, PoolAdvice::Decrease));
        assert_eq!(pool_usage(2, 0), (2.0, PoolAdvice::Increase));
        assert_eq!(pool_usage(1, 3), (0.33, PoolAdvice::Keep));
    }
}
