//! K30: the BI dashboard's `QueryEngine._apply_aggregation`
//! (`bi_dashboard.py` L581-604): `data.groupby(group_by)` then `sum`,
//! `mean`, `size` (as `count`), `min`, `max` or `median`, with
//! `reset_index`, as pandas 2.2.3 computes them.
//!
//! pandas' rules, reproduced:
//!
//! - **Groups** in sorted key order (`sort=True`; str keys by code point,
//!   which is UTF-8 byte order), rows with a missing key dropped
//!   (`dropna=True`; the keys here are never missing).
//! - **NaN** skipped by every reduction (`skipna`); `size` counts rows.
//! - **sum** of a float column: Kahan-compensated in row order
//!   (`group_sum`), the compensation reset to 0 when it turns NaN (an
//!   infinite value, GH#53606); all-NaN → 0.0 (`min_count=0`). Of an int
//!   column: plain wrapping int64 addition.
//! - **mean**: the column as float64, the same compensated sum
//!   (`group_mean`, GH#50367), divided by the non-NaN count; none → NaN.
//! - **min / max**: by `<` / `>` over the non-NaN values; none → NaN.
//! - **median**: of the non-NaN values, the middle one, or the mean of the
//!   middle two `(a + b) / 2` for an even count (`_median_linear`); none →
//!   NaN.

/// A float column and int columns, grouped by a small integer key.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Group key code per row.
    pub key: &'a [u32],
    /// The key codes in pandas' group order (sorted key values).
    pub key_order: &'a [u32],
    pub float_column: &'a [f64],
    pub int_columns: [&'a [i64]; 2],
}

/// One aggregation's result frame: per group (in order), the key code and
/// one value per column (float column first), or the count for `size`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregated {
    pub keys: Vec<u32>,
    /// Row-major: `keys.len()` rows of `width` values.
    pub values: Vec<f64>,
    /// Integer results (`sum`, `min`, `max` of int columns and `size`)
    /// row-major beside the floats: pandas keeps them int64.
    pub ints: Vec<i64>,
}

/// The six aggregations `_apply_aggregation` implements, in enum order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    Sum,
    Mean,
    Count,
    Min,
    Max,
    Median,
}

pub const AGGREGATIONS: [Aggregation; 6] = [
    Aggregation::Sum,
    Aggregation::Mean,
    Aggregation::Count,
    Aggregation::Min,
    Aggregation::Max,
    Aggregation::Median,
];

/// Kahan summation as pandas' `group_sum` / `group_mean` do it.
#[derive(Debug, Clone, Copy, Default)]
struct Compensated {
    sum: f64,
    compensation: f64,
}

impl Compensated {
    fn add(&mut self, value: f64) {
        let y = value - self.compensation;
        let t = self.sum + y;
        self.compensation = t - self.sum - y;
        if self.compensation.is_nan() {
            self.compensation = 0.0;
        }
        self.sum = t;
    }
}

/// Rows of each group, in row order, as a counting sort of the keys.
struct Grouped {
    /// Groups present, in pandas' order.
    keys: Vec<u32>,
    /// `rows[starts[g]..starts[g + 1]]` are group `g`'s rows.
    starts: Vec<usize>,
    rows: Vec<u32>,
}

fn group(frame: &Frame<'_>) -> Grouped {
    let space = frame.key_order.iter().max().map_or(0, |&k| k as usize + 1);
    let mut counts = vec![0usize; space];
    for &k in frame.key {
        counts[k as usize] += 1;
    }
    let keys: Vec<u32> = frame
        .key_order
        .iter()
        .copied()
        .filter(|&k| counts[k as usize] > 0)
        .collect();
    let mut next = vec![0usize; space];
    let mut starts = Vec::with_capacity(keys.len() + 1);
    let mut at = 0;
    for &k in &keys {
        starts.push(at);
        next[k as usize] = at;
        at += counts[k as usize];
    }
    starts.push(at);
    let mut rows = vec![0u32; at];
    for (row, &k) in frame.key.iter().enumerate() {
        let slot = &mut next[k as usize];
        rows[*slot] = row as u32;
        *slot += 1;
    }
    Grouped { keys, starts, rows }
}

/// `_median_linear` of the non-NaN `values` (reordered in place).
fn median(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let (_, &mut upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return upper;
    }
    let lower = values[..n / 2]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    (upper + lower) / 2.0
}

/// Every aggregation of `frame`, grouped by its key, in [`AGGREGATIONS`]
/// order. Every key code must appear in `key_order`.
pub fn aggregate_all(frame: &Frame<'_>) -> Vec<Aggregated> {
    let g = group(frame);
    let groups = g.keys.len();
    let mut out: Vec<Aggregated> = AGGREGATIONS
        .iter()
        .map(|_| Aggregated {
            keys: g.keys.clone(),
            values: Vec::with_capacity(groups * 3),
            ints: Vec::with_capacity(groups * 2),
        })
        .collect();
    let mut scratch: Vec<f64> = Vec::new();
    for gi in 0..groups {
        let rows = &g.rows[g.starts[gi]..g.starts[gi + 1]];
        // The float column.
        let (mut sum, mut count) = (Compensated::default(), 0usize);
        let (mut min, mut max) = (f64::NAN, f64::NAN);
        scratch.clear();
        for &r in rows {
            let v = frame.float_column[r as usize];
            if v.is_nan() {
                continue;
            }
            sum.add(v);
            if count == 0 || v < min {
                min = v;
            }
            if count == 0 || v > max {
                max = v;
            }
            count += 1;
            scratch.push(v);
        }
        let mean = if count == 0 {
            f64::NAN
        } else {
            sum.sum / count as f64
        };
        out[0].values.push(sum.sum);
        out[1].values.push(mean);
        out[2].ints.push(rows.len() as i64);
        out[3].values.push(min);
        out[4].values.push(max);
        out[5].values.push(median(&mut scratch));
        // The int columns.
        for column in frame.int_columns {
            let (mut total, mut float_sum) = (0i64, Compensated::default());
            let (mut lo, mut hi) = (i64::MAX, i64::MIN);
            scratch.clear();
            for &r in rows {
                let v = column[r as usize];
                total = total.wrapping_add(v);
                float_sum.add(v as f64);
                lo = lo.min(v);
                hi = hi.max(v);
                scratch.push(v as f64);
            }
            out[0].ints.push(total);
            out[1].values.push(float_sum.sum / rows.len() as f64);
            out[3].ints.push(lo);
            out[4].ints.push(hi);
            out[5].values.push(median(&mut scratch));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_in_key_order_with_nan_skipped() {
        let key = [1, 0, 1, 1, 0];
        let floats = [1.0, f64::NAN, 3.0, f64::NAN, f64::NAN];
        let ints = [10, 20, 30, 40, 50];
        let frame = Frame {
            key: &key,
            key_order: &[1, 0],
            float_column: &floats,
            int_columns: [&ints, &ints],
        };
        let out = aggregate_all(&frame);
        assert_eq!(out[0].keys, [1, 0]);
        // Sum: group 1 → 4.0; group 0 all-NaN → 0.0.
        assert_eq!(out[0].values[0], 4.0);
        assert_eq!(out[0].values[1], 0.0);
        assert_eq!(out[0].ints, [80, 80, 70, 70]);
        // Mean: 2.0, NaN; int means 80/3 and 35.
        assert_eq!(out[1].values[0], 2.0);
        assert!(out[1].values[3].is_nan());
        assert_eq!(out[1].values[1], 80.0 / 3.0);
        assert_eq!(out[2].ints, [3, 2]);
        assert!(out[3].values[1].is_nan());
        // Median of an even count: mean of the middle two.
        assert_eq!(out[5].values[0], 2.0);
        assert_eq!(out[5].values[4], 35.0);
    }

    #[test]
    fn the_compensated_sum_keeps_what_plain_addition_loses() {
        let mut s = Compensated::default();
        for v in [1e16, 1.0, 1.0, 1.0, 1.0] {
            s.add(v);
        }
        assert_eq!(s.sum, 1e16 + 4.0);
        let mut inf = Compensated::default();
        for v in [1.0, f64::INFINITY, 2.0] {
            inf.add(v);
        }
        assert_eq!(inf.sum, f64::INFINITY);
    }
}
