//! From criterion's saved samples to the timings and ratios of results.json:
//! each side's mean with its interval, the speedups, the scaling slopes.

use std::path::Path;

use crate::measure::bench_id::BenchId;
use crate::measure::criterion_samples::{self, Samples};
use crate::pairs::{KernelPair, Side};
use crate::results::{BenchRun, Scaling, SideTiming, SizeResult};
use crate::stats::{
    Estimate, loglog_slope, mean_estimate, means_statistic_estimate, ratio_estimate,
};

/// Each side's log–log slope over the sizes it was timed at, with its
/// bootstrap interval.
pub fn scaling(sizes: &[SizeResult]) -> Vec<Scaling> {
    Side::ALL
        .into_iter()
        .filter_map(|side| {
            let timed: Vec<(f64, &SideTiming)> = sizes
                .iter()
                .filter_map(|s| Some((s.size as f64, s.timing(side)?)))
                .collect();
            let points: Vec<(f64, f64)> =
                timed.iter().map(|(n, t)| (*n, t.mean_ns.point)).collect();
            let slope = loglog_slope(&points)?;
            let sets: Vec<&[f64]> = timed
                .iter()
                .map(|(_, t)| t.per_iteration_ns.as_slice())
                .collect();
            let slope_interval = (sets.iter().all(|s| !s.is_empty())).then(|| {
                means_statistic_estimate(&sets, |means| {
                    let points: Vec<(f64, f64)> = timed
                        .iter()
                        .zip(means)
                        .map(|((n, _), &m)| (*n, m))
                        .collect();
                    loglog_slope(&points).unwrap_or(f64::NAN)
                })
            });
            Some(Scaling {
                side,
                slope,
                slope_interval,
            })
        })
        .collect()
}

/// Reads criterion's samples, refusing those older than the last bench run.
#[derive(Debug)]
pub struct SampleSource<'a> {
    pub criterion_dir: &'a Path,
    pub bench_run: Option<&'a BenchRun>,
}

impl SampleSource<'_> {
    pub fn read(&self, id: &BenchId) -> Result<Samples, String> {
        let path = id.sample_file(self.criterion_dir);
        let samples = criterion_samples::read(&path).map_err(|e| format!("{id}: {e}"))?;
        match self.bench_run {
            Some(run) if !run.covers(&path) => Err(format!(
                "{id}: stale samples, older than the last `cargo bench` run (started {}); \
                 re-run `cargo bench` for this scenario",
                run.started_at
            )),
            _ => Ok(samples),
        }
    }
}

/// One side's timing from its per-call sample times (`per_iteration_ns`
/// must not be empty).
pub fn side_timing(side: Side, per_iteration_ns: &[f64], iterations: f64) -> SideTiming {
    let mut sorted = per_iteration_ns.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    let median_ns = if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    };
    SideTiming {
        side,
        samples: sorted.len(),
        iterations,
        mean_ns: mean_estimate(per_iteration_ns),
        median_ns,
        min_ns: sorted[0],
        max_ns: sorted[sorted.len() - 1],
        per_iteration_ns: per_iteration_ns.to_vec(),
    }
}

pub fn collect_timings(
    pair: &KernelPair,
    size: usize,
    source: &SampleSource<'_>,
    result: &mut SizeResult,
) {
    for side in pair.sides() {
        match source.read(&BenchId::pair(pair.name, side, size)) {
            Ok(s) => result
                .timings
                .push(side_timing(side, &s.per_iteration_ns, s.iterations)),
            Err(e) => result.problems.push(e),
        }
    }
    compute_ratios(result);
}

/// The speedups and other ratios of one size, from its sides' samples.
pub fn compute_ratios(result: &mut SizeResult) {
    let timings = std::mem::take(&mut result.timings);
    let get = |side: Side| {
        timings
            .iter()
            .find(|t| t.side == side && !t.per_iteration_ns.is_empty())
            .map(|t| t.per_iteration_ns.as_slice())
    };
    let ratio = |slow: Side, fast: Side| -> Option<Estimate> {
        Some(ratio_estimate(get(slow)?, get(fast)?))
    };
    result.speedup = ratio(Side::Python, Side::Rust);
    result.parallel_speedup = ratio(Side::Rust, Side::RustParallel);
    result.rust_over_copy = ratio(Side::Rust, Side::CopyInput);
    result.parallel_over_copy = ratio(Side::RustParallel, Side::CopyInput);
    for alt in &mut result.alternatives {
        alt.rust_speedup = ratio(alt.side, Side::Rust);
        alt.speedup_over_python = ratio(Side::Python, alt.side);
    }
    result.timings = timings;
}
