//! numpy's `percentile(values, q)` with the default `method='linear'`, bit
//! for bit: the value pandas' `Series.quantile` and the original's
//! `np.percentile` thresholds return.
//!
//! numpy (2.x, `_quantile` / `_lerp`) computes the virtual index
//! `(n − 1) · q/100`, takes the order statistics below and above it with
//! `partition`, and interpolates as `a + (b − a)·t`, or `b − (b − a)·(1 − t)`
//! when `t ≥ 0.5` (so the result is exact at both ends). The same operations
//! in the same order give the same bits; a selection instead of a sort gives
//! the same order statistics.
//!
//! [`percentile_linear_by`] finds them without copying the data: a sample
//! brackets the wanted ranks, one pass keeps only the values at or above
//! the sample's lower bound (about 7% of them for the 95th percentile) and
//! counts the rest, and the selection runs on what was kept. When the
//! bracket misses (an adversarial order), it selects over everything: the
//! answer is exact either way, only the time differs.

use std::cmp::Ordering;

/// Below this many values the plain selection is as fast as the bracket.
const BRACKET_MIN: usize = 1 << 15;
/// Values sampled to place the bracket.
const SAMPLE: usize = 4096;

/// numpy's order for partition: NaN last, numbers by value (−0.0 and 0.0
/// tie, so which of them sits at a rank may differ from numpy's; both are
/// zero).
fn numpy_order(a: &f64, b: &f64) -> Ordering {
    a.partial_cmp(b)
        .unwrap_or_else(|| a.is_nan().cmp(&b.is_nan()))
}

/// `np.percentile(values, percent)` (linear), reordering `values` in place;
/// `None` for no values (numpy raises, pandas returns NaN). A NaN anywhere
/// makes the result NaN, as numpy's is.
pub fn percentile_linear(values: &mut [f64], percent: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    if values.iter().any(|v| v.is_nan()) {
        return Some(f64::NAN);
    }
    let quantile = percent / 100.0;
    let virtual_index = (n - 1) as f64 * quantile;
    // numpy: previous = floor(virtual), next = previous + 1, both clipped
    // to [0, n - 1]; gamma = virtual − previous.
    let floor = virtual_index.floor();
    let previous = (floor.max(0.0) as usize).min(n - 1);
    let next = (previous + 1).min(n - 1);
    let gamma = virtual_index - floor;
    let (_, &mut below, above) = values.select_nth_unstable_by(previous, numpy_order);
    let above = if next == previous {
        below
    } else {
        above.iter().copied().min_by(numpy_order).unwrap_or(below)
    };
    Some(lerp(below, above, gamma))
}

/// [`percentile_linear`] of the `len` values `value(0) .. value(len − 1)`,
/// computed on the fly (e.g. the differences of a counter), without
/// materialising them unless the sample's bracket misses.
pub fn percentile_linear_by(len: usize, value: impl Fn(usize) -> f64, percent: f64) -> Option<f64> {
    let Some(bracket) = Bracket::new(len, &value, percent) else {
        let mut values: Vec<f64> = (0..len).map(&value).collect();
        return percentile_linear(&mut values, percent);
    };
    let mut kept = Vec::with_capacity(len / 8);
    let mut below = 0usize;
    for i in 0..len {
        let v = value(i);
        if v < bracket.lower() {
            below += 1;
        } else {
            kept.push(v);
        }
    }
    bracket.finish(&mut kept, below).unwrap_or_else(|| {
        let mut values: Vec<f64> = (0..len).map(&value).collect();
        percentile_linear(&mut values, percent)
    })
}

/// Where the order statistics of a percentile lie, bracketed from below by
/// a sample: a caller's single pass counts the values under
/// [`Bracket::lower`] and keeps the rest, and [`Bracket::finish`] selects
/// among those.
#[derive(Debug, Clone, Copy)]
pub struct Bracket {
    lower: f64,
    previous: usize,
    next: usize,
    gamma: f64,
}

impl Bracket {
    /// `None` when there are too few values for a bracket to pay (select
    /// over all of them instead).
    pub fn new(len: usize, value: &impl Fn(usize) -> f64, percent: f64) -> Option<Self> {
        if len < BRACKET_MIN {
            return None;
        }
        let virtual_index = (len - 1) as f64 * (percent / 100.0);
        let floor = virtual_index.floor();
        let previous = (floor.max(0.0) as usize).min(len - 1);
        Some(Bracket {
            lower: lower_bound(len, value, previous),
            previous,
            next: (previous + 1).min(len - 1),
            gamma: virtual_index - floor,
        })
    }

    /// Values below this are only counted.
    pub fn lower(&self) -> f64 {
        self.lower
    }

    /// The percentile from the values at or above [`Bracket::lower`] (in
    /// any order; reordered here) and the count of those below it.
    /// `Some(None)`: there are none; `None`: the bracket missed (more
    /// values lie below it than the wanted rank), select over everything.
    /// A NaN anywhere makes the result NaN, as numpy's (NaN is never below
    /// the bound, so it is among the kept values).
    pub fn finish(&self, kept: &mut [f64], below: usize) -> Option<Option<f64>> {
        if below > self.previous {
            return None;
        }
        if kept.iter().any(|v| v.is_nan()) {
            return Some(Some(f64::NAN));
        }
        let (_, &mut a, above) = kept.select_nth_unstable_by(self.previous - below, numpy_order);
        let b = if self.next == self.previous {
            a
        } else {
            above.iter().copied().min_by(numpy_order).unwrap_or(a)
        };
        Some(Some(lerp(a, b, self.gamma)))
    }
}

/// A value that at most `rank` of the values lie below, with high
/// probability: the sample's order statistic a few standard errors under
/// the wanted rank's fraction. Sample positions are scattered by a
/// multiplicative hash so a periodic series cannot alias with the stride.
fn lower_bound(len: usize, value: &impl Fn(usize) -> f64, rank: usize) -> f64 {
    let mut sample: Vec<f64> = (0..SAMPLE as u64)
        .map(|k| {
            let scattered = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
            value((scattered % len as u64) as usize)
        })
        .collect();
    let fraction = rank as f64 / len as f64;
    let spread = 4.0 * (SAMPLE as f64 * fraction * (1.0 - fraction)).sqrt() + 8.0;
    let position = (fraction * SAMPLE as f64 - spread).max(0.0) as usize;
    if position == 0 {
        return f64::NEG_INFINITY;
    }
    let (_, &mut lower, _) = sample.select_nth_unstable_by(position, numpy_order);
    lower
}

/// numpy's `_lerp`: exact at both ends of the interval.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from numpy 2.2.6: `np.percentile([3, 1, 4, 1, 5, 9, 2, 6], 95)`
    /// = 7.949999999999998 and `np.percentile([1.0, 2.0], 90)` = 1.9.
    #[test]
    fn matches_numpy_linear() {
        let mut v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        assert_eq!(percentile_linear(&mut v, 95.0), Some(7.949999999999998));
        assert_eq!(percentile_linear(&mut [1.0, 2.0], 90.0), Some(1.9));
        assert_eq!(percentile_linear(&mut [7.0], 95.0), Some(7.0));
        assert_eq!(percentile_linear(&mut [], 95.0), None);
        assert!(percentile_linear(&mut [1.0, f64::NAN], 50.0).is_some_and(f64::is_nan));
    }

    /// The bracketed selection returns exactly the plain one, on a smooth
    /// series, on sorted and reverse-sorted data (where a strided sample
    /// would mislead) and with many ties.
    #[test]
    fn the_bracket_gives_the_same_bits() {
        let n = 100_003;
        let series: Vec<Box<dyn Fn(usize) -> f64>> = vec![
            Box::new(|i| ((i as f64) * 0.37).sin() * 100.0 + (i % 7) as f64),
            Box::new(|i| i as f64),
            Box::new(move |i| (n - i) as f64),
            Box::new(|i| (i % 3) as f64),
        ];
        for value in &series {
            for percent in [95.0, 50.0, 99.9, 0.0, 100.0] {
                let mut all: Vec<f64> = (0..n).map(value).collect();
                let expected = percentile_linear(&mut all, percent);
                assert_eq!(
                    percentile_linear_by(n, value, percent),
                    expected,
                    "{percent}"
                );
            }
        }
    }
}
