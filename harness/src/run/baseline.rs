//! `twinbench pool`: one gate baseline from the samples of several runs of
//! the same code ("pool" here always means pooling samples; the connection
//! pool is `twinbench_kernels`' component).
//!
//! Why not one run: on a shared machine a single kernel's mean moves from one
//! quick run to the next by far more than its own interval says — in 15 A/A
//! runs on the 2-core CI machine, single-threaded kernels ranged up to 1.5×
//! their median and two-thread ones from 0.76× to 1.96×, in bursts that hit
//! one kernel and not its neighbours. A baseline taken from one run is then a
//! lucky or an unlucky run for some kernel, and every later run looks slower
//! (or faster) for it. Pooling the samples of several runs puts each kernel's
//! baseline at its typical speed.
//!
//! Only runs that could each serve as a baseline are pooled: the same
//! scenario, machine and commit, complete, with every check passing.

use thiserror::Error;

use crate::measure::timings::{compute_ratios, side_timing};
use crate::pairs::Side;
use crate::results::{PoolSpread, Results};
use crate::stats::median;

/// Why runs cannot be pooled.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BaselineError {
    #[error("nothing to pool")]
    Empty,
    #[error("runs disagree on {what}: {first} vs {other}")]
    Mismatch {
        what: &'static str,
        first: String,
        other: String,
    },
    #[error("run {run} cannot be part of a baseline: {reason}")]
    Unusable { run: String, reason: String },
    #[error(
        "run {run} is given twice ({how}): pooling a run with itself would narrow the \
         interval without a second measurement"
    )]
    Repeated { run: String, how: &'static str },
}

/// Pools the timing samples of `runs` (kernel × size × side, and the pyo3
/// call overhead) into one results file, recomputing every timing, ratio,
/// verdict and the ledger from the pooled samples. Everything else
/// (correctness, concurrency, locking overhead, memory) is the first run's.
pub fn pool_runs(mut runs: Vec<Results>) -> Result<Results, BaselineError> {
    if runs.is_empty() {
        return Err(BaselineError::Empty);
    }
    for r in &runs {
        if let Some((what, first, other)) = runs[0].origin_mismatch(r) {
            return Err(BaselineError::Mismatch { what, first, other });
        }
        usable(r)?;
    }
    distinct(&runs)?;
    let run_means: Vec<Vec<((String, usize), f64)>> = runs.iter().map(rust_means).collect();
    let calibrations = runs
        .iter()
        .filter_map(|r| r.bench_run.as_ref()?.calibration)
        .collect();
    let mut pooled = runs.remove(0);
    let mut ids = vec![pooled.run_id.clone()];
    for other in &runs {
        ids.push(other.run_id.clone());
        for pair in &mut pooled.pairs {
            for size in &mut pair.sizes {
                for timing in &mut size.timings {
                    let more = other
                        .pair(&pair.kernel)
                        .and_then(|p| p.sizes.iter().find(|s| s.size == size.size))
                        .and_then(|s| s.timing(timing.side))
                        .filter(|t| !t.per_iteration_ns.is_empty())
                        .ok_or_else(|| BaselineError::Unusable {
                            run: other.run_id.clone(),
                            reason: format!(
                                "no samples for {}/{}/{}",
                                pair.kernel, size.size, timing.side
                            ),
                        })?;
                    timing.per_iteration_ns.extend(&more.per_iteration_ns);
                    timing.iterations += more.iterations;
                }
            }
        }
        if let (Some(mine), Some(theirs)) = (
            pooled.pyo3_call_overhead.as_mut(),
            other.pyo3_call_overhead.as_ref(),
        ) {
            mine.per_iteration_ns.extend(&theirs.per_iteration_ns);
            mine.iterations += theirs.iterations;
        }
    }
    for size in pooled.pairs.iter_mut().flat_map(|p| p.sizes.iter_mut()) {
        for timing in &mut size.timings {
            *timing = side_timing(timing.side, &timing.per_iteration_ns, timing.iterations);
        }
        compute_ratios(size);
    }
    if let Some(o) = pooled.pyo3_call_overhead.as_mut() {
        *o = side_timing(o.side, &o.per_iteration_ns, o.iterations);
    }
    let pooled_means: std::collections::BTreeMap<_, _> = rust_means(&pooled).into_iter().collect();
    let run_drifts = run_means
        .iter()
        .filter_map(|means| {
            median(
                means
                    .iter()
                    .filter_map(|(key, mean)| Some(mean / pooled_means.get(key)?))
                    .collect(),
            )
        })
        .collect();
    pooled.pool_spread = Some(PoolSpread {
        run_drifts,
        calibrations,
    });
    pooled.run_id = format!("{}-pooled-{}", pooled.run_id, ids.len());
    pooled.pooled_from = ids;
    crate::verdicts::attach(&mut pooled);
    Ok(pooled)
}

/// The mean time of every single-threaded Rust timing of `run`, by kernel
/// and size: what a run's drift from the pool is the median ratio of.
fn rust_means(run: &Results) -> Vec<((String, usize), f64)> {
    run.pairs
        .iter()
        .flat_map(|p| {
            p.sizes.iter().filter_map(|s| {
                let t = s.timing(Side::Rust)?;
                Some(((p.kernel.clone(), s.size), t.mean_ns.point))
            })
        })
        .collect()
}

/// Each run is a separate measurement: not the same run id, and not the
/// same samples under another id (a copied file).
fn distinct(runs: &[Results]) -> Result<(), BaselineError> {
    let mut ids = std::collections::BTreeSet::new();
    let mut contents = std::collections::BTreeSet::new();
    for r in runs {
        if !ids.insert(r.run_id.as_str()) {
            return Err(BaselineError::Repeated {
                run: r.run_id.clone(),
                how: "the same run id",
            });
        }
        let samples: Vec<&[f64]> = r
            .pairs
            .iter()
            .flat_map(|p| &p.sizes)
            .flat_map(|s| &s.timings)
            .map(|t| t.per_iteration_ns.as_slice())
            .collect();
        // Bit patterns, so that equal samples compare equal as keys.
        let key: Vec<u64> = samples
            .iter()
            .flat_map(|s| s.iter().map(|x| x.to_bits()))
            .collect();
        if !contents.insert(key) {
            return Err(BaselineError::Repeated {
                run: r.run_id.clone(),
                how: "the same samples as another run",
            });
        }
    }
    Ok(())
}

/// A run a gate could take as its baseline on its own.
fn usable(r: &Results) -> Result<(), BaselineError> {
    let unusable = |reason: String| {
        Err(BaselineError::Unusable {
            run: r.run_id.clone(),
            reason,
        })
    };
    if let Some(problem) = r.problems.first() {
        return unusable(format!("incomplete: {problem}"));
    }
    if r.shard.is_some() {
        return unusable("a shard: merge the shards first (`twinbench merge`)".into());
    }
    for pair in &r.pairs {
        for size in &pair.sizes {
            if !size.correctness.is_agree() {
                return unusable(format!("{}/{}: the twins disagree", pair.kernel, size.size));
            }
            if let Some(problem) = size.problems.first() {
                return unusable(format!("{}/{}: {problem}", pair.kernel, size.size));
            }
        }
    }
    if let Some(failed) = r
        .concurrency
        .iter()
        .flat_map(|c| &c.records)
        .find(|rec| !rec.as_expected())
    {
        return unusable(format!("concurrency check failed: {}", failed.describe()));
    }
    Ok(())
}
