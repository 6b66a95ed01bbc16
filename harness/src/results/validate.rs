//! Every results file twinbench reads is untrusted: [`validate`] is the one
//! check every loaded file passes before any command uses it (the gate,
//! merge, pool, the exports). What it refuses would otherwise make a verdict
//! depend on which duplicate wins, turn a negative or absurd time into a
//! "pass", panic an index, or put a path where a name belongs.
//!
//! Invariants a valid file holds:
//! - `schema_version` is [`SCHEMA_VERSION`];
//! - `run_id` is one plain path component (no separator, not `.` or `..`);
//! - a shard is `1 ≤ index ≤ count ≤` [`MAX_SHARDS`];
//! - kernels are unique, sizes unique within a kernel, sides unique within a
//!   size (among its timings, and among its alternatives), model-check
//!   records unique by case and checker;
//! - every per-call sample is finite, positive and at most [`MAX_SAMPLE_NS`];
//!   a timing's `samples` count is its number of samples and its `mean_ns`
//!   is their mean;
//! - every time or ratio estimate is finite, above 0 and at most
//!   [`MAX_ESTIMATE`], with `low ≤ high`; every scaling slope and its
//!   interval finite and within ±[`MAX_SLOPE`];
//! - every host calibration is a finite time above 0 over at least one
//!   step, every pooled run's drift a finite ratio above 0, and a pool
//!   spread has at most one of each per pooled run.

use std::collections::BTreeSet;

use super::{Calibration, LatencyDistribution, Results, SCHEMA_VERSION, SideTiming, SizeResult};
use crate::stats::Estimate;

/// Most shards a run may be split into: far beyond any CI matrix, and small
/// enough that a count is never an allocation to fear.
pub const MAX_SHARDS: usize = 1024;

/// Longest per-call time accepted, nanoseconds (about 2.8 hours): a sample
/// beyond it is a corrupt file, and a baseline of such samples would let any
/// slowdown pass.
pub const MAX_SAMPLE_NS: f64 = 1e13;

/// Largest time or ratio estimate accepted (times are at most
/// [`MAX_SAMPLE_NS`]; no speedup comes near it).
pub const MAX_ESTIMATE: f64 = MAX_SAMPLE_NS;

/// Largest log–log scaling slope accepted in either direction: time growing
/// as size^64 is no measurement.
pub const MAX_SLOPE: f64 = 64.0;

/// Relative difference allowed between a stored mean and the mean of the
/// stored samples (the same numbers summed in the same order agree exactly;
/// this leaves room for a writer that sums differently).
const MEAN_TOLERANCE: f64 = 1e-9;

/// What is wrong, and where: `field` is a JSON-path-like location
/// (`pairs[pagerank].sizes[1000].timings[rust].per_iteration_ns[3]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub problem: String,
}

impl Invalid {
    fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// Whether `name` can be used as one component of a path: non-empty, no
/// separator or NUL, not `.` or `..`. A run id becomes a folder name only
/// after this holds.
pub fn is_path_component(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.starts_with('~')
}

/// The first way in which `results` breaks the invariants above.
pub fn validate(results: &Results) -> Result<(), Invalid> {
    if results.schema_version != SCHEMA_VERSION {
        return Err(Invalid::new(
            "schema_version",
            format!(
                "{} found, this twinbench reads {SCHEMA_VERSION}: regenerate the file with this \
                 version (`make report`, or `make gate-baseline` for a gate baseline)",
                results.schema_version
            ),
        ));
    }
    if !is_path_component(&results.run_id) {
        return Err(Invalid::new(
            "run_id",
            format!(
                "{:?} is not a plain name (it becomes a folder under reports/: no `/`, `\\`, \
                 `..` or leading `~`)",
                results.run_id
            ),
        ));
    }
    if let Some(shard) = results.shard
        && !(1 <= shard.index && shard.index <= shard.count && shard.count <= MAX_SHARDS)
    {
        return Err(Invalid::new(
            "shard",
            format!("{shard}: need 1 <= index <= count <= {MAX_SHARDS}"),
        ));
    }
    if let Some(c) = results.bench_run.as_ref().and_then(|r| r.calibration) {
        calibration("bench_run.calibration", &c)?;
    }
    if let Some(spread) = &results.pool_spread {
        for (i, c) in spread.calibrations.iter().enumerate() {
            calibration(&format!("pool_spread.calibrations[{i}]"), c)?;
        }
        for (i, &d) in spread.run_drifts.iter().enumerate() {
            if !(d.is_finite() && d > 0.0 && d <= MAX_ESTIMATE) {
                return Err(Invalid::new(
                    format!("pool_spread.run_drifts[{i}]"),
                    format!("{d}: a run's drift is a ratio above 0 and at most {MAX_ESTIMATE:e}"),
                ));
            }
        }
        let runs = results.pooled_from.len();
        if spread.run_drifts.len() > runs || spread.calibrations.len() > runs {
            return Err(Invalid::new(
                "pool_spread",
                format!(
                    "{} drifts and {} calibrations for {runs} pooled runs: at most one each per run",
                    spread.run_drifts.len(),
                    spread.calibrations.len()
                ),
            ));
        }
    }
    if let Some(overhead) = &results.pyo3_call_overhead {
        timing("pyo3_call_overhead", overhead)?;
    }
    if let Some(instrumentation) = &results.instrumentation {
        timing("instrumentation", instrumentation)?;
    }
    if let Some(hop) = &results.executor_hop {
        timing("executor_hop.through_executor", &hop.through_executor)?;
        timing("executor_hop.direct", &hop.direct)?;
    }
    let mut kernels = BTreeSet::new();
    for pair in &results.pairs {
        if !kernels.insert(pair.kernel.as_str()) {
            return Err(Invalid::new(
                format!("pairs[{}]", pair.kernel),
                "this kernel appears twice: which copy counts would be arbitrary",
            ));
        }
        for s in &pair.scaling {
            let at = format!("pairs[{}].scaling[{}]", pair.kernel, s.side);
            let slope_ok = |v: f64| v.is_finite() && v.abs() <= MAX_SLOPE;
            if !slope_ok(s.slope) {
                return Err(Invalid::new(
                    format!("{at}.slope"),
                    format!("{}: a log-log slope must be within ±{MAX_SLOPE}", s.slope),
                ));
            }
            if let Some(i) = &s.slope_interval
                && !(slope_ok(i.point) && slope_ok(i.low) && slope_ok(i.high) && i.low <= i.high)
            {
                return Err(Invalid::new(
                    format!("{at}.slope_interval"),
                    format!(
                        "{} [{}, {}]: must be within ±{MAX_SLOPE}, low <= high",
                        i.point, i.low, i.high
                    ),
                ));
            }
        }
        let mut sizes = BTreeSet::new();
        for size in &pair.sizes {
            let at = format!("pairs[{}].sizes[{}]", pair.kernel, size.size);
            if !sizes.insert(size.size) {
                return Err(Invalid::new(at, "this size appears twice"));
            }
            size_result(&at, size)?;
        }
    }
    let mut records = BTreeSet::new();
    for record in results.concurrency.iter().flat_map(|c| &c.records) {
        if !records.insert((record.id.as_str(), record.checker.name())) {
            return Err(Invalid::new(
                format!("concurrency.records[{}/{}]", record.id, record.checker),
                "this check appears twice",
            ));
        }
    }
    for overhead in &results.locking_overhead {
        let at = format!("locking_overhead[{}]", overhead.component);
        for (name, e) in [
            ("unsynchronized_ns", Some(&overhead.unsynchronized_ns)),
            ("synchronized_ns", Some(&overhead.synchronized_ns)),
            ("two_threads_ns", overhead.two_threads_ns.as_ref()),
            ("overhead_ratio", Some(&overhead.overhead_ratio)),
            ("two_thread_speedup", overhead.two_thread_speedup.as_ref()),
        ] {
            if let Some(e) = e {
                estimate(&format!("{at}.{name}"), e)?;
            }
        }
    }
    let mut latencies = BTreeSet::new();
    for latency in &results.latencies {
        let at = format!("latencies[{}]", latency.name);
        if !latencies.insert(latency.name.as_str()) {
            return Err(Invalid::new(at, "this measurement appears twice"));
        }
        for (side, d) in [("rust", &latency.rust), ("python", &latency.python)] {
            if let Some(d) = d {
                latency_distribution(&format!("{at}.{side}"), d)?;
            }
        }
    }
    Ok(())
}

/// The percentiles are the samples' own (recomputed here), so a file edited
/// by hand, or written by a reader that rounds, is caught.
fn latency_distribution(at: &str, d: &LatencyDistribution) -> Result<(), Invalid> {
    let Some(again) = LatencyDistribution::from_samples(d.samples_ns.clone()) else {
        return Err(Invalid::new(format!("{at}.samples_ns"), "no samples"));
    };
    let percentiles = |x: &LatencyDistribution| (x.p50_ns, x.p90_ns, x.p99_ns, x.max_ns);
    if percentiles(&again) != percentiles(d) {
        return Err(Invalid::new(
            at,
            "percentiles differ from the samples' own (nearest rank)",
        ));
    }
    // The mean within a rounding of the JSON float reader.
    if (again.mean_ns - d.mean_ns).abs() > 1e-9 * again.mean_ns.abs() {
        return Err(Invalid::new(
            format!("{at}.mean_ns"),
            format!("{} is not the samples' mean {}", d.mean_ns, again.mean_ns),
        ));
    }
    Ok(())
}

fn size_result(at: &str, size: &SizeResult) -> Result<(), Invalid> {
    let mut sides = BTreeSet::new();
    for t in &size.timings {
        if !sides.insert(t.side.id()) {
            return Err(Invalid::new(
                format!("{at}.timings[{}]", t.side),
                "this side appears twice",
            ));
        }
        timing(&format!("{at}.timings[{}]", t.side), t)?;
    }
    for (name, e) in [
        ("speedup", &size.speedup),
        ("parallel_speedup", &size.parallel_speedup),
        ("rust_over_copy", &size.rust_over_copy),
        ("parallel_over_copy", &size.parallel_over_copy),
    ] {
        if let Some(e) = e {
            estimate(&format!("{at}.{name}"), e)?;
        }
    }
    let mut alternatives = BTreeSet::new();
    for alt in &size.alternatives {
        // The exports and the report find an alternative's figures by its
        // side: a second copy would make which one counts arbitrary.
        if !alternatives.insert(alt.side.id()) {
            return Err(Invalid::new(
                format!("{at}.alternatives[{}]", alt.side),
                "this alternative appears twice",
            ));
        }
        for (name, e) in [
            ("rust_speedup", &alt.rust_speedup),
            ("speedup_over_python", &alt.speedup_over_python),
        ] {
            if let Some(e) = e {
                estimate(&format!("{at}.alternatives[{}].{name}", alt.side), e)?;
            }
        }
    }
    Ok(())
}

fn timing(at: &str, t: &SideTiming) -> Result<(), Invalid> {
    for (i, &ns) in t.per_iteration_ns.iter().enumerate() {
        if !(ns.is_finite() && ns > 0.0 && ns <= MAX_SAMPLE_NS) {
            return Err(Invalid::new(
                format!("{at}.per_iteration_ns[{i}]"),
                format!(
                    "{ns} ns: a per-call time must be finite, above 0 and at most {MAX_SAMPLE_NS:e}"
                ),
            ));
        }
    }
    estimate(&format!("{at}.mean_ns"), &t.mean_ns)?;
    for (name, v) in [
        ("median_ns", t.median_ns),
        ("min_ns", t.min_ns),
        ("max_ns", t.max_ns),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(Invalid::new(
                format!("{at}.{name}"),
                format!("{v}: not a time"),
            ));
        }
    }
    if !(t.iterations.is_finite() && t.iterations >= 0.0) {
        return Err(Invalid::new(
            format!("{at}.iterations"),
            format!("{}: not a count", t.iterations),
        ));
    }
    if t.per_iteration_ns.is_empty() {
        return Ok(());
    }
    if t.samples != t.per_iteration_ns.len() {
        return Err(Invalid::new(
            format!("{at}.samples"),
            format!(
                "says {} but {} per-call samples are stored",
                t.samples,
                t.per_iteration_ns.len()
            ),
        ));
    }
    let mean = t.per_iteration_ns.iter().sum::<f64>() / t.per_iteration_ns.len() as f64;
    if (mean - t.mean_ns.point).abs() > MEAN_TOLERANCE * mean {
        return Err(Invalid::new(
            format!("{at}.mean_ns.point"),
            format!(
                "{} ns, but the stored samples average {mean} ns",
                t.mean_ns.point
            ),
        ));
    }
    Ok(())
}

fn calibration(at: &str, c: &Calibration) -> Result<(), Invalid> {
    for (name, ns, steps) in c.loops() {
        if !(ns.is_finite() && ns > 0.0 && ns <= MAX_SAMPLE_NS) || steps == 0 {
            return Err(Invalid::new(
                at,
                format!(
                    "{name}: {ns} ns for {steps} steps: a calibration is a time above 0 and at \
                     most {MAX_SAMPLE_NS:e} ns, over at least one step"
                ),
            ));
        }
    }
    Ok(())
}

fn estimate(at: &str, e: &Estimate) -> Result<(), Invalid> {
    // (A percentile interval need not contain its point estimate, so that
    // is not required.)
    let in_range = |v: f64| v.is_finite() && v > 0.0 && v <= MAX_ESTIMATE;
    if !(in_range(e.point) && in_range(e.low) && in_range(e.high)) || e.low > e.high {
        return Err(Invalid::new(
            at,
            format!(
                "{} [{}, {}]: a time or ratio estimate must be above 0 and at most \
                 {MAX_ESTIMATE:e}, with low <= high",
                e.point, e.low, e.high
            ),
        ));
    }
    if !(e.confidence > 0.0 && e.confidence < 1.0) {
        return Err(Invalid::new(
            format!("{at}.confidence"),
            format!("{}: not a confidence level", e.confidence),
        ));
    }
    Ok(())
}
