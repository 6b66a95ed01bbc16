//! One run of a scenario: check both sides agree at every size, collect the
//! timings criterion saved, and assemble [`Results`].
//!
//! Nothing here stops the run: a Rust panic, a Python exception, a missing
//! venv or missing samples each become a recorded failure or problem, and
//! the remaining pairs and sizes still run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::bridge::{self, Bridge};
use crate::compare::compare;
use crate::concurrency::{self, BudgetLevel};
use crate::defects;
use crate::environment::{GitInfo, Machine};
use crate::footprint::{self, GraphFootprint};
use crate::inputs::Input;
use crate::memory::{self, AllocationMeter};
use crate::output::Output;
use crate::registry::KernelPair;
use crate::results::{
    AlternativeInfo, AlternativeResult, Correctness, PairResult, Results, SCHEMA_VERSION, Scaling,
    ScenarioInfo, SideTiming, SizeResult, Versions,
};
use crate::scenario::{KernelPlan, Scenario};
use crate::shard::Shard;
use crate::timing::bench_run::{self, BenchRun};
use crate::timing::bootstrap::{Estimate, mean_estimate, means_statistic_estimate, ratio_estimate};
use crate::timing::criterion_samples::{self, Samples};
use crate::timing::scaling::loglog_slope;
use crate::timing::{BenchId, Side};
use crate::workspace;

/// criterion's version, pinned exactly in Cargo.toml (its sample files are
/// read directly, see `timing::criterion_samples`).
pub const CRITERION_VERSION: &str = "0.8.2";

/// Where to read timings from.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub criterion_dir: PathBuf,
    /// Where the run's folder goes (replay files of failed checks land in
    /// `<reports_dir>/<run_id>/replays`).
    pub reports_dir: PathBuf,
    /// The concurrency checks to run, if any.
    pub checks: Option<ChecksOptions>,
    /// The process's allocation counters, when its global allocator counts.
    pub memory: Option<AllocationMeter>,
    /// Run only this shard's kernels and checks.
    pub shard: Option<Shard>,
}

/// Which concurrency checks a run includes.
#[derive(Debug, Clone)]
pub struct ChecksOptions {
    pub level: BudgetLevel,
    /// Only scenarios whose id or component contains this.
    pub filter: Option<String>,
}

/// Runs `scenario`; `progress` receives one line per step.
pub fn run(scenario: &Scenario, options: &RunOptions, mut progress: impl FnMut(&str)) -> Results {
    let now = SystemTime::now();
    let created_at = humantime::format_rfc3339_seconds(now).to_string();
    let run_id: String = created_at
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    let mut problems = Vec::new();

    let bridge = bridge::bridge();
    if let Err(e) = &bridge {
        problems.push(format!("Python baselines not run: {e}"));
    }
    let bridge = bridge.ok();

    let bench_run = match bench_run::read(&options.criterion_dir) {
        Ok(run) => Some(run),
        Err(e) => {
            problems.push(format!("cannot tell fresh samples from stale ones: {e}"));
            None
        }
    };
    let samples = SampleSource {
        criterion_dir: &options.criterion_dir,
        bench_run: bench_run.as_ref(),
    };

    let pyo3_call_overhead = match samples.read(&BenchId::pyo3_overhead()) {
        Ok(s) => Some(side_timing(Side::Python, &s.per_iteration_ns, s.iterations)),
        Err(e) => {
            problems.push(e);
            None
        }
    };

    let pairs: Vec<PairResult> = scenario
        .kernels
        .iter()
        .enumerate()
        .filter(|(position, _)| options.shard.is_none_or(|s| s.takes(*position)))
        .map(|(_, plan)| plan)
        .map(|plan| {
            run_pair(
                plan,
                bridge,
                &samples,
                options.memory.as_ref(),
                &mut progress,
            )
        })
        .collect();
    let graph_footprints = bridge
        .map(|b| measure_footprints(scenario, b, &mut problems, &mut progress))
        .unwrap_or_default();
    let defects = match defects::load(&workspace::defects_file()) {
        Ok(all) => all
            .into_iter()
            .filter(|d| pairs.iter().any(|p| p.kernel == d.kernel))
            .collect(),
        Err(e) => {
            problems.push(e.to_string());
            Vec::new()
        }
    };

    let concurrency = options.checks.as_ref().map(|checks| {
        progress("concurrency checks (loom, shuttle random, shuttle PCT; bug zoo)");
        let replay_dir = options.reports_dir.join(&run_id).join("replays");
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let (sender, receiver) = std::sync::mpsc::channel::<String>();
        let results = std::thread::scope(|scope| {
            let worker = scope.spawn(move || {
                let sender = std::sync::Mutex::new(sender);
                let report_line = |record: &twinbench_checks::CheckRecord| {
                    let mark = if record.as_expected() {
                        "ok"
                    } else {
                        "UNEXPECTED"
                    };
                    let _ = sender
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .send(format!("{mark}: {}", record.describe()));
                };
                let isolation = match std::env::current_exe() {
                    Ok(exe) if is_twinbench(&exe) => concurrency::Isolation::Subprocess { exe },
                    _ => concurrency::Isolation::InProcess,
                };
                concurrency::run_checks(
                    checks.level,
                    replay_dir,
                    checks.filter.as_deref(),
                    options.shard,
                    workers,
                    &isolation,
                    &report_line,
                )
            });
            // One line per check as it completes; the channel closes when
            // the worker (and with it the sender) is done.
            for line in receiver.iter() {
                progress(&line);
            }
            worker.join()
        });
        match results {
            Ok(results) => {
                for record in results.unexpected() {
                    problems.push(format!(
                        "concurrency check not as expected: {}",
                        record.describe()
                    ));
                }
                Some(results)
            }
            Err(_) => {
                problems.push("the concurrency checks panicked outside any checker".to_string());
                None
            }
        }
    });
    let concurrency = concurrency.flatten();
    // The components whose checks ran are the ones whose overhead is read.
    let locking_overhead = match &concurrency {
        Some(c) => {
            let mut components: Vec<_> = c.records.iter().map(|r| r.component).collect();
            components.sort();
            components.dedup();
            crate::overhead::collect(&components, |id| samples.read(id), &mut problems)
        }
        None => Vec::new(),
    };

    let mut results = Results {
        schema_version: SCHEMA_VERSION,
        run_id,
        created_at,
        scenario: ScenarioInfo {
            path: display_relative(&scenario.path),
            description: scenario.description.clone(),
        },
        shard: options.shard,
        pooled_from: Vec::new(),
        machine: Machine::current(),
        versions: Versions {
            twinbench: env!("CARGO_PKG_VERSION").into(),
            rustc: env!("TWINBENCH_RUSTC_VERSION").into(),
            criterion: CRITERION_VERSION.into(),
            python: bridge.map(|b| b.python_version.clone()),
            python_packages: bridge.map(|b| b.packages.clone()).unwrap_or_default(),
        },
        git: GitInfo::of(&workspace::root()),
        bench_run,
        pyo3_call_overhead,
        pairs,
        graph_footprints,
        defects,
        concurrency,
        locking_overhead,
        verdicts: Vec::new(),
        claims: Vec::new(),
        problems,
    };
    // Both are read off the results above, so they are computed last.
    results.verdicts = crate::ledger::verdicts(&results);
    results.claims = crate::ledger::ledger(&results);
    results
}

/// Whether `exe` is the `twinbench` binary (which has the `run-check`
/// command); a test binary calling [`run`] runs its checks in process.
fn is_twinbench(exe: &Path) -> bool {
    exe.file_stem().is_some_and(|s| s == "twinbench")
}

/// Smallest graph worth measuring: below it, fixed overheads dominate.
const FOOTPRINT_MIN_NODES: usize = 1_000;

/// Footprints of every distinct graph input of the scenario with at least
/// [`FOOTPRINT_MIN_NODES`] nodes.
fn measure_footprints(
    scenario: &Scenario,
    bridge: &Bridge,
    problems: &mut Vec<String>,
    progress: &mut impl FnMut(&str),
) -> Vec<GraphFootprint> {
    let mut inputs: Vec<(usize, u64, crate::inputs::Generator)> = Vec::new();
    for plan in &scenario.kernels {
        if plan.pair.generator.size_unit() != "nodes" {
            continue;
        }
        for &size in &plan.sizes {
            let key = (size, plan.seed, plan.pair.generator);
            if size >= FOOTPRINT_MIN_NODES && !inputs.contains(&key) {
                inputs.push(key);
            }
        }
    }
    inputs.sort_by_key(|&(size, seed, _)| (size, seed));
    inputs
        .into_iter()
        .filter_map(|(size, seed, generator)| {
            progress(&format!("graph memory: {size} nodes"));
            footprint::measure(bridge, &generator.generate(size, seed))
                .map_err(|e| problems.push(format!("graph memory at {size} nodes: {e}")))
                .ok()
        })
        .collect()
}

fn display_relative(path: &Path) -> String {
    let root = workspace::root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn run_pair(
    plan: &KernelPlan,
    bridge: Option<&Bridge>,
    samples: &SampleSource<'_>,
    meter: Option<&AllocationMeter>,
    progress: &mut impl FnMut(&str),
) -> PairResult {
    let pair = plan.pair;
    let sizes: Vec<SizeResult> = plan
        .sizes
        .iter()
        .map(|&size| {
            progress(&format!("{}: checking size {size}", pair.name));
            let input = pair.generator.generate(size, plan.seed);
            let (correctness, python_output) = check_with_output(plan, bridge, &input);
            let alternatives = check_alternatives(plan, bridge, &input, python_output.as_ref());
            let mut result = SizeResult {
                size,
                seed: plan.seed,
                correctness,
                timings: Vec::new(),
                speedup: None,
                parallel_speedup: None,
                rust_over_copy: None,
                parallel_over_copy: None,
                alternatives,
                memory: Some(memory::measure(meter, bridge, pair, &input)),
                problems: Vec::new(),
            };
            collect_timings(pair, size, samples, &mut result);
            result
        })
        .collect();
    PairResult {
        kernel: pair.name.into(),
        domain: pair.domain,
        summary: pair.summary.into(),
        python_function: format!("{}.{}", pair.python.module, pair.python.function),
        input: pair.generator.describe(),
        size_unit: pair.generator.size_unit().into(),
        comparison: pair.comparison,
        tolerance: plan.tolerance,
        gate_threshold: plan.gate_threshold,
        tolerance_rationale: pair.tolerance_rationale.into(),
        claims: pair.claims.iter().map(|c| c.to_string()).collect(),
        alternatives: pair
            .alternatives
            .iter()
            .map(|a| AlternativeInfo {
                side: a.side,
                function: format!("{}.{}", a.python.module, a.python.function),
                comparison: a.comparison.unwrap_or(pair.comparison),
                tolerance: a.tolerance.unwrap_or(plan.tolerance),
                note: a.note.into(),
            })
            .collect(),
        scaling: scaling(&sizes),
        sizes,
    }
}

/// Each side's log–log slope over the sizes it was timed at, with its
/// bootstrap interval.
fn scaling(sizes: &[SizeResult]) -> Vec<Scaling> {
    Side::ALL
        .into_iter()
        .filter_map(|side| {
            let timed: Vec<(f64, &SideTiming)> = sizes
                .iter()
                .filter_map(|s| Some((s.size as f64, s.timings.iter().find(|t| t.side == side)?)))
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

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-string payload".into())
}

/// Runs a Rust side, turning an error or a panic into a message.
fn run_rust(input: &Input, pair: &KernelPair, parallel: bool) -> Option<Result<Output, String>> {
    let run = if parallel {
        pair.rust.run_parallel?
    } else {
        pair.rust.run
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let prepared = (pair.rust.prepare)(input)?;
        run(&prepared)
    }));
    Some(match outcome {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(e)) => Err(e.to_string()),
        Err(payload) => Err(format!("panicked: {}", panic_message(payload))),
    })
}

/// Both sides on `input`, compared with the plan's tolerance; the parallel
/// Rust path, where there is one, must agree with the sequential one.
pub fn check(plan: &KernelPlan, bridge: Option<&Bridge>, input: &Input) -> Correctness {
    check_with_output(plan, bridge, input).0
}

/// Each alternative's answer against the baseline's (`None` when the
/// baseline failed: there is nothing to hold it to). An alternative without
/// its own tolerance is held to the plan's (the scenario may override it).
fn check_alternatives(
    plan: &KernelPlan,
    bridge: Option<&Bridge>,
    input: &Input,
    baseline: Option<&Output>,
) -> Vec<AlternativeResult> {
    let pair = plan.pair;
    pair.alternatives
        .iter()
        .map(|alt| {
            let correctness = match (bridge, baseline) {
                (None, _) => Correctness::Failed {
                    side: alt.side,
                    error: "the Python bridge did not start (see problems)".into(),
                },
                (Some(_), None) => Correctness::Failed {
                    side: Side::Python,
                    error: "the baseline failed, nothing to check against".into(),
                },
                (Some(bridge), Some(baseline)) => {
                    match bridge.compute_with(alt.python, pair.output, input) {
                        Err(e) => Correctness::Failed {
                            side: alt.side,
                            error: e.to_string(),
                        },
                        Ok(answer) => {
                            let tol = alt.tolerance.unwrap_or(plan.tolerance);
                            let mode = alt.comparison.unwrap_or(pair.comparison);
                            match compare(mode, tol, &answer, baseline) {
                                Ok(agreement) => Correctness::Agree { agreement },
                                Err(mut mismatch) => {
                                    mismatch.location =
                                        format!("{} vs baseline, {}", alt.side, mismatch.location);
                                    Correctness::Disagree { mismatch }
                                }
                            }
                        }
                    }
                }
            };
            AlternativeResult {
                side: alt.side,
                correctness,
                rust_speedup: None,
                speedup_over_python: None,
            }
        })
        .collect()
}

/// [`check`], also returning the baseline's answer for the alternatives.
fn check_with_output(
    plan: &KernelPlan,
    bridge: Option<&Bridge>,
    input: &Input,
) -> (Correctness, Option<Output>) {
    let pair = plan.pair;
    let rust = run_rust(input, pair, false).unwrap_or_else(|| Err("no Rust twin".into()));
    let python = match bridge {
        Some(b) => b.compute(pair, input).map_err(|e| e.to_string()),
        None => Err("the Python bridge did not start (see problems)".into()),
    };
    let (rust, python) = match (rust, python) {
        (Ok(r), Ok(p)) => (r, p),
        (Err(rust), Err(python)) => return (Correctness::BothFailed { rust, python }, None),
        (Err(error), Ok(python)) => {
            let failed = Correctness::Failed {
                side: Side::Rust,
                error,
            };
            return (failed, Some(python));
        }
        (Ok(_), Err(error)) => {
            let failed = Correctness::Failed {
                side: Side::Python,
                error,
            };
            return (failed, None);
        }
    };
    let agreement = match compare(pair.comparison, plan.tolerance, &rust, &python) {
        Ok(a) => a,
        Err(mismatch) => return (Correctness::Disagree { mismatch }, Some(python)),
    };
    let correctness = match run_rust(input, pair, true) {
        None => Correctness::Agree { agreement },
        Some(Err(error)) => Correctness::Failed {
            side: Side::RustParallel,
            error,
        },
        Some(Ok(parallel)) => match compare(pair.comparison, plan.tolerance, &parallel, &rust) {
            Ok(_) => Correctness::Agree { agreement },
            Err(mut mismatch) => {
                mismatch.location =
                    format!("parallel vs single-thread Rust, {}", mismatch.location);
                Correctness::Disagree { mismatch }
            }
        },
    };
    (correctness, Some(python))
}

/// Reads criterion's samples, refusing those older than the last bench run.
struct SampleSource<'a> {
    criterion_dir: &'a Path,
    bench_run: Option<&'a BenchRun>,
}

impl SampleSource<'_> {
    fn read(&self, id: &BenchId) -> Result<Samples, String> {
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

fn collect_timings(
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
