//! Rolling 3-sigma spike detector (catalog ml_monitoring K1.1,
//! `GraphMemoryAnomalyPatterns.detect_node_creation_anomalies`).
//!
//! The original computes pandas `rolling(20).mean()` and `rolling(20).std()`
//! (trailing window that *includes* the current point, `min_periods = 20`,
//! sample standard deviation) and reports a row when `value > mean + 3·std`
//! (strict), with severity `high` when `value > mean + 5·std`. Because the
//! window contains the point itself, `(x − mean)/std ≤ 19/√20 ≈ 4.25` for a
//! 20-point window, so `high` is unreachable with the original parameters; the
//! branch is kept because it is what the original computes.
//!
//! # Numerics
//! One pass with a running update: the window sum and the sum of squared
//! deviations (`m2`) slide by one point per step (Welford's add/remove update,
//! whose terms are deviations, not raw squares, so a large mean does not cancel
//! a small variance away). Sliding updates accumulate rounding, so the window
//! is re-anchored with an exact two-pass computation every [`BLOCK`] points;
//! blocks are independent, which also makes the parallel version trivial.
//!
//! Like pandas, a window whose values are all equal has exactly `mean = value`
//! and `std = 0` (pandas tracks consecutive equal values for this), so a
//! constant series never fires; a window holding a NaN has no mean and never
//! fires.

use rayon::prelude::*;

/// Points per independently anchored block (see the module docs).
const BLOCK: usize = 512;

/// Parameters of the detector; `Default` is the original's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeParams {
    /// Trailing window length, including the current point.
    pub window: usize,
    /// A point fires when it exceeds `mean + medium_sigmas · std`.
    pub medium_sigmas: f64,
    /// A firing point is `high` when it exceeds `mean + high_sigmas · std`.
    pub high_sigmas: f64,
}

impl Default for SpikeParams {
    fn default() -> Self {
        Self {
            window: 20,
            medium_sigmas: 3.0,
            high_sigmas: 5.0,
        }
    }
}

/// Severity the original attaches to a spike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Medium,
    High,
}

/// One reported spike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    /// Position in the input series.
    pub index: usize,
    /// The raw value.
    pub value: f64,
    /// The rolling mean the value was compared against (`baseline` in the original).
    pub baseline: f64,
    pub severity: Severity,
    /// `value − (mean + medium_sigmas·std)`: how far past the threshold the
    /// point is. Lets a comparison tell a genuine disagreement from a point
    /// that sits on the threshold to within rounding.
    pub margin: f64,
}

/// Spikes in index order, computed in one sequential pass.
pub fn detect_spikes(values: &[f64], params: SpikeParams) -> Vec<Spike> {
    let mut out = Vec::new();
    for start in (0..values.len()).step_by(BLOCK) {
        scan_block(
            values,
            start,
            (start + BLOCK).min(values.len()),
            params,
            &mut out,
        );
    }
    out
}

/// Same result as [`detect_spikes`], blocks spread over the rayon pool.
pub fn detect_spikes_parallel(values: &[f64], params: SpikeParams) -> Vec<Spike> {
    let blocks = values.len().div_ceil(BLOCK);
    (0..blocks)
        .into_par_iter()
        .with_min_len(64)
        .flat_map_iter(|b| {
            let start = b * BLOCK;
            let mut out = Vec::new();
            scan_block(
                values,
                start,
                (start + BLOCK).min(values.len()),
                params,
                &mut out,
            );
            out
        })
        .collect()
}

/// The window's running state.
struct Window {
    sum: f64,
    m2: f64,
    /// NaNs inside the window; while non-zero, `sum` and `m2` are meaningless.
    nans: usize,
    /// Length of the run of equal values ending at the current point.
    equal_run: usize,
}

impl Window {
    /// Exact two-pass state for `window` (its last element is the current point).
    fn anchored(window: &[f64]) -> Self {
        let nans = window.iter().filter(|x| x.is_nan()).count();
        let last = window[window.len() - 1];
        let equal_run = 1 + window
            .iter()
            .rev()
            .skip(1)
            .take_while(|&&x| x == last)
            .count();
        let (sum, m2) = if nans == 0 {
            let sum: f64 = window.iter().sum();
            let mean = sum / window.len() as f64;
            (sum, window.iter().map(|x| (x - mean) * (x - mean)).sum())
        } else {
            (f64::NAN, f64::NAN)
        };
        Self {
            sum,
            m2,
            nans,
            equal_run,
        }
    }
}

/// Appends the spikes at positions `start..end` to `out`.
fn scan_block(values: &[f64], start: usize, end: usize, params: SpikeParams, out: &mut Vec<Spike>) {
    let w = params.window;
    if w < 2 {
        // A sample standard deviation needs two points; pandas yields NaN.
        return;
    }
    let first = start.max(w - 1);
    if first >= end {
        return;
    }
    let wf = w as f64;
    let mut state = Window::anchored(&values[first + 1 - w..=first]);
    emit(first, values[first], &state, wf, params, out);
    for i in first + 1..end {
        let (incoming, outgoing) = (values[i], values[i - w]);
        state.equal_run = if incoming == values[i - 1] {
            state.equal_run + 1
        } else {
            1
        };
        state.nans = state.nans + usize::from(incoming.is_nan()) - usize::from(outgoing.is_nan());
        if state.nans > 0 {
            // Sums are poisoned until the NaN leaves; re-anchor then.
        } else if state.sum.is_nan() {
            state = Window::anchored(&values[i + 1 - w..=i]);
        } else {
            let old_mean = state.sum / wf;
            state.sum += incoming - outgoing;
            let new_mean = state.sum / wf;
            state.m2 += (incoming - outgoing) * (incoming - new_mean + outgoing - old_mean);
        }
        emit(i, incoming, &state, wf, params, out);
    }
}

#[inline]
fn emit(
    index: usize,
    value: f64,
    state: &Window,
    wf: f64,
    params: SpikeParams,
    out: &mut Vec<Spike>,
) {
    if state.nans > 0 || state.equal_run as f64 >= wf {
        // NaN window: no statistic. Constant window: std is exactly 0 and the
        // mean is the value itself, so the strict test cannot fire.
        return;
    }
    let mean = state.sum / wf;
    let std = (state.m2 / (wf - 1.0)).max(0.0).sqrt();
    let threshold = mean + params.medium_sigmas * std;
    if value > threshold {
        let severity = if value > mean + params.high_sigmas * std {
            Severity::High
        } else {
            Severity::Medium
        };
        out.push(Spike {
            index,
            value,
            baseline: mean,
            severity,
            margin: value - threshold,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(values: &[f64], p: SpikeParams) -> Vec<usize> {
        let w = p.window;
        (w - 1..values.len())
            .filter(|&i| {
                let win = &values[i + 1 - w..=i];
                let mean = win.iter().sum::<f64>() / w as f64;
                let var = win.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (w - 1) as f64;
                values[i] > mean + p.medium_sigmas * var.sqrt()
            })
            .collect()
    }

    fn wavy(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let base =
                    1000.0 + 30.0 * ((i as f64) * 0.37).sin() + 7.0 * ((i as f64) * 1.9).cos();
                if i % 97 == 50 { base + 400.0 } else { base }
            })
            .collect()
    }

    #[test]
    fn matches_a_naive_two_pass_detector_across_block_edges() {
        let values = wavy(5 * BLOCK + 37);
        let p = SpikeParams::default();
        let got: Vec<usize> = detect_spikes(&values, p).iter().map(|s| s.index).collect();
        assert!(!got.is_empty());
        assert_eq!(got, naive(&values, p));
    }

    #[test]
    fn parallel_equals_sequential() {
        let values = wavy(200 * BLOCK + 3);
        let p = SpikeParams::default();
        assert_eq!(
            detect_spikes(&values, p),
            detect_spikes_parallel(&values, p)
        );
    }

    #[test]
    fn short_and_constant_series_never_fire() {
        let p = SpikeParams::default();
        assert!(detect_spikes(&[], p).is_empty());
        assert!(detect_spikes(&[1.0e9; 19], p).is_empty());
        assert!(detect_spikes(&[0.1; 1000], p).is_empty());
    }

    #[test]
    fn high_severity_is_unreachable_with_a_20_point_window() {
        let mut values = vec![0.0; 19];
        values.push(1.0e6);
        let spikes = detect_spikes(&values, SpikeParams::default());
        assert_eq!(spikes.len(), 1);
        assert_eq!(spikes[0].severity, Severity::Medium);
    }

    #[test]
    fn a_nan_silences_every_window_it_is_in() {
        let mut values = wavy(300);
        values[60] = f64::NAN;
        let p = SpikeParams::default();
        let got: Vec<usize> = detect_spikes(&values, p).iter().map(|s| s.index).collect();
        assert!(got.iter().all(|&i| !(60..80).contains(&i)));
        let expected: Vec<usize> = naive(&values, p)
            .into_iter()
            .filter(|&i| !(60..80).contains(&i))
            .collect();
        assert_eq!(got, expected);
    }
}
