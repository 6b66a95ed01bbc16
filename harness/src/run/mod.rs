//! One run of a scenario: check both sides agree at every size, collect the
//! timings criterion saved, and assemble [`Results`].
//!
//! Nothing here stops the run: a Rust panic, a Python exception, a missing
//! venv or missing samples each become a recorded failure or problem, and
//! the remaining pairs and sizes still run.

mod baseline;
mod check;
mod merge;
mod pin_sets;

pub use baseline::{BaselineError, pool_runs};
pub use check::check;
pub use merge::{MergeError, merge};
pub use pin_sets::{PinSetRun, PinSetRunner};

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::environment::{GitInfo, Machine};
use crate::inputs::{Generator, Input};
use crate::measure::bench_id::{BenchId, EXECUTOR_HOP_FUNCTIONS, SHADOW_RUNNER_FUNCTIONS};
use crate::measure::bench_run;
use crate::measure::memory::{self, AllocationMeter};
use crate::measure::model_checks::{self, Isolation};
use crate::measure::timings::{SampleSource, collect_timings, scaling, side_timing};
use crate::measure::{footprint, overhead};
use crate::pairs::{self, Implementation, Side};
use crate::pins::PinSet;
use crate::results::{
    AlternativeInfo, AlternativeResult, BudgetLevel, Correctness, ExecutorHop, GraphFootprint,
    Language, PairResult, PinSetVersions, Results, SCHEMA_VERSION, ScenarioInfo, ShadowRun,
    ShadowRunnerCost, SizeResult, Versions,
};
use crate::scenario::{KernelPlan, Scenario, Shard};
use crate::sides::python::{self as bridge, Bridge};
use crate::sides::rust::panic_message;
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
    /// The HTTP measurement to include (`twinbench-http-bench`'s output);
    /// read by the unsharded run or shard 1 only, so a merge has it once.
    pub http_bench: Option<PathBuf>,
    /// The stream producer's latency record to include (the kernels'
    /// `stream` bench); read like `http_bench`, by shard 1 only.
    pub stream_bench: Option<PathBuf>,
    /// The shadow campaign's records to include (`python -m campaign`, one
    /// per venv); read by shard 1 only, like `stream_bench`.
    pub shadow_records: Vec<PathBuf>,
    /// How to start a process for the pairs of another pin set than this
    /// process's (crate::pins); `None` (a test calling [`run`]): those pairs
    /// are not run, and a problem says so.
    pub pin_sets: Option<PinSetRunner>,
}

/// Which concurrency checks a run includes.
#[derive(Debug, Clone)]
pub struct ChecksOptions {
    pub level: BudgetLevel,
    /// Only scenarios whose id or component contains this.
    pub filter: Option<String>,
}

/// What a run is doing, for a progress display. Typed, so that a display
/// counts steps without reading a message's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Both sides of `kernel` are checked at `size`: one step of
    /// [`step_count`].
    CheckingSize { kernel: &'static str, size: usize },
    /// Anything else worth a line.
    Note(String),
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Progress::CheckingSize { kernel, size } => write!(f, "{kernel}: checking size {size}"),
            Progress::Note(line) => f.write_str(line),
        }
    }
}

/// How many [`Progress::CheckingSize`] steps a run of `scenario` reports.
pub fn step_count(scenario: &Scenario, shard: Option<Shard>) -> usize {
    scenario
        .kernels
        .iter()
        .enumerate()
        .filter(|(position, _)| shard.is_none_or(|s| s.takes(*position)))
        .map(|(_, plan)| plan.sizes.len())
        .sum()
}

/// Runs `scenario`; `progress` hears of each step.
pub fn run(
    scenario: &Scenario,
    options: &RunOptions,
    mut progress: impl FnMut(&Progress),
) -> Results {
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

    let instrumentation = match samples.read(&BenchId::instrumentation()) {
        Ok(s) => Some(side_timing(Side::Rust, &s.per_iteration_ns, s.iterations)),
        Err(e) => {
            problems.push(e);
            None
        }
    };

    let [through_executor, direct] =
        EXECUTOR_HOP_FUNCTIONS.map(|name| match samples.read(&BenchId::executor_hop(name)) {
            Ok(s) => Some(side_timing(Side::Python, &s.per_iteration_ns, s.iterations)),
            Err(e) => {
                problems.push(e);
                None
            }
        });
    let executor_hop = through_executor
        .zip(direct)
        .map(|(through_executor, direct)| ExecutorHop {
            through_executor,
            direct,
        });

    let [routed, direct] =
        SHADOW_RUNNER_FUNCTIONS.map(|name| match samples.read(&BenchId::shadow_runner(name)) {
            Ok(s) => Some(side_timing(Side::Python, &s.per_iteration_ns, s.iterations)),
            Err(e) => {
                problems.push(e);
                None
            }
        });
    let shadow_runner = routed
        .zip(direct)
        .map(|(routed, direct)| ShadowRunnerCost { routed, direct });

    let selected: Vec<&KernelPlan> = scenario
        .kernels
        .iter()
        .enumerate()
        .filter(|(position, _)| options.shard.is_none_or(|s| s.takes(*position)))
        .map(|(_, plan)| plan)
        .collect();
    // This process's pin set's pairs here, each other set's in a process
    // of its own, started first and running meanwhile (checks and memory
    // figures do not depend on the load; timings were taken by the bench);
    // results keep the scenario's order.
    let here = bridge.map_or_else(|| PinSet::current().unwrap_or_default(), |b| b.pins);
    let others: Vec<(PinSet, Vec<usize>)> = PinSet::ALL
        .into_iter()
        .filter(|p| *p != here)
        .map(|other| {
            let positions = (0..selected.len())
                .filter(|&i| selected[i].pair.pins == other)
                .collect::<Vec<_>>();
            (other, positions)
        })
        .filter(|(_, positions)| !positions.is_empty())
        .collect();
    let (mut slots, other_runs) = std::thread::scope(|scope| {
        let handles: Vec<_> = others
            .iter()
            .filter_map(|(other, positions)| {
                let kernels: Vec<&str> = positions.iter().map(|&i| selected[i].pair.name).collect();
                let Some(runner) = &options.pin_sets else {
                    problems.push(format!(
                        "not run: {} need the {other} pins, which only the twinbench binary \
                         starts (in a process of their own)",
                        kernels.join(", ")
                    ));
                    return None;
                };
                progress(&Progress::Note(format!(
                    "{} under the {other} pins, in a process of their own",
                    kernels.join(", ")
                )));
                let (scenario_path, criterion_dir) = (&scenario.path, &options.criterion_dir);
                let handle =
                    scope.spawn(move || runner.run(*other, scenario_path, criterion_dir, &kernels));
                Some((*other, positions, handle))
            })
            .collect();
        let slots: Vec<Option<PairResult>> = selected
            .iter()
            .map(|plan| {
                (plan.pair.pins == here).then(|| {
                    run_pair(
                        plan,
                        bridge,
                        &samples,
                        options.memory.as_ref(),
                        &mut progress,
                    )
                })
            })
            .collect();
        let runs: Vec<_> = handles
            .into_iter()
            .map(|(other, positions, handle)| {
                let run = handle
                    .join()
                    .unwrap_or_else(|_| Err(format!("the {other} pins' runner panicked")));
                (other, positions, run)
            })
            .collect();
        (slots, runs)
    });
    let mut pin_set_versions = Vec::new();
    for (other, positions, run) in other_runs {
        let kernels: Vec<&str> = positions.iter().map(|&i| selected[i].pair.name).collect();
        match run {
            Ok(run) => {
                for (&i, pair) in positions.iter().zip(run.pairs) {
                    for size in &selected[i].sizes {
                        progress(&Progress::CheckingSize {
                            kernel: selected[i].pair.name,
                            size: *size,
                        });
                    }
                    slots[i] = Some(pair);
                }
                problems.extend(
                    run.problems
                        .into_iter()
                        .map(|p| format!("under the {other} pins: {p}")),
                );
                pin_set_versions.push(PinSetVersions {
                    pins: other,
                    python: run.python,
                    python_packages: run.python_packages,
                });
            }
            Err(e) => problems.push(format!("{e}; not run: {}", kernels.join(", "))),
        }
    }
    let pairs: Vec<PairResult> = slots.into_iter().flatten().collect();
    let graph_footprints = bridge
        .map(|b| measure_footprints(scenario, options.shard, b, &mut problems, &mut progress))
        .unwrap_or_default();
    let defects = match pairs::load_defects(&workspace::defects_file()) {
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
        progress(&Progress::Note(
            "concurrency checks (loom, shuttle random, shuttle PCT; bug zoo)".into(),
        ));
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
                    Ok(exe) if is_twinbench(&exe) => Isolation::Subprocess { exe },
                    _ => Isolation::InProcess,
                };
                model_checks::run_checks(
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
                progress(&Progress::Note(line));
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
            overhead::collect(&components, |id| samples.read(id), &mut problems)
        }
        None => Vec::new(),
    };

    // Latencies the bench timed for this shard's pairs (at the window size).
    let latencies = selected
        .iter()
        .flat_map(|plan| crate::pairs::latency::for_pair(plan.pair.name, &plan.sizes))
        .filter_map(|spec| {
            crate::measure::latency::collect(spec, &options.criterion_dir, bench_run.as_ref())
                .map_err(|e| problems.push(e))
                .ok()
        })
        .collect();

    let http = options
        .http_bench
        .as_deref()
        .filter(|_| options.shard.is_none_or(|s| s.index == 1))
        .and_then(|path| {
            crate::measure::http::read(path, bench_run.as_ref())
                .map_err(|e| problems.push(e.to_string()))
                .ok()
        });
    // What the HTTP measurement could not measure is missing data of this run.
    for p in http.iter().flat_map(|h| {
        h.problems
            .iter()
            .chain(h.servers.iter().flat_map(|s| &s.problems))
    }) {
        problems.push(format!("HTTP service: {p}"));
    }

    let stream = options
        .stream_bench
        .as_deref()
        .filter(|_| options.shard.is_none_or(|s| s.index == 1))
        .and_then(|path| {
            crate::measure::stream::read(path, bench_run.as_ref())
                .map_err(|e| problems.push(e.to_string()))
                .ok()
        });
    // What the stream bench could not measure is missing data of this run.
    for p in stream
        .iter()
        .flat_map(|s| s.problems.iter().cloned().chain(s.inconsistencies()))
    {
        problems.push(format!("stream producer: {p}"));
    }

    let shadow: Vec<ShadowRun> = if options.shard.is_none_or(|s| s.index == 1) {
        options
            .shadow_records
            .iter()
            .filter_map(|path| {
                crate::measure::shadow::read(path)
                    .map_err(|e| problems.push(e.to_string()))
                    .ok()
            })
            .collect()
    } else {
        Vec::new()
    };
    // A campaign that miscounted is missing data, not evidence.
    for p in shadow.iter().flat_map(ShadowRun::inconsistencies) {
        problems.push(format!("shadow campaign: {p}"));
    }

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
        pool_spread: None,
        machine: Machine::current(),
        versions: Versions {
            twinbench: env!("CARGO_PKG_VERSION").into(),
            rustc: env!("TWINBENCH_RUSTC_VERSION").into(),
            criterion: CRITERION_VERSION.into(),
            python: bridge.map(|b| b.python_version.clone()),
            python_packages: bridge.map(|b| b.packages.clone()).unwrap_or_default(),
            pin_sets: pin_set_versions,
        },
        git: GitInfo::of(&workspace::root()),
        bench_run,
        pyo3_call_overhead,
        executor_hop,
        shadow_runner,
        pairs,
        instrumentation,
        graph_footprints,
        defects,
        concurrency,
        locking_overhead,
        latencies,
        http,
        stream,
        shadow,
        rollouts: Vec::new(),
        verdicts: Vec::new(),
        claims: Vec::new(),
        problems,
    };
    // Both are read off the results above, so they are computed last.
    crate::verdicts::attach(&mut results);
    results
}

/// The child side of [`PinSetRunner`]: `kernels` of `scenario`, checked,
/// measured and timed in this process (which serves one pin set) exactly
/// as [`run`] would.
pub fn run_pairs(
    scenario: &Scenario,
    kernels: &[String],
    options: &RunOptions,
    mut progress: impl FnMut(&Progress),
) -> PinSetRun {
    let mut problems = Vec::new();
    let pins = match PinSet::current() {
        Ok(pins) => pins,
        Err(e) => {
            problems.push(e.to_string());
            PinSet::default()
        }
    };
    let bridge = bridge::bridge();
    if let Err(e) = &bridge {
        problems.push(format!("Python baselines not run: {e}"));
    }
    let bridge = bridge.ok();
    let bench_run = bench_run::read(&options.criterion_dir)
        .map_err(|e| problems.push(format!("cannot tell fresh samples from stale ones: {e}")))
        .ok();
    let samples = SampleSource {
        criterion_dir: &options.criterion_dir,
        bench_run: bench_run.as_ref(),
    };
    let mut pairs = Vec::new();
    for kernel in kernels {
        match scenario.kernels.iter().find(|p| p.pair.name == kernel) {
            Some(plan) => pairs.push(run_pair(
                plan,
                bridge,
                &samples,
                options.memory.as_ref(),
                &mut progress,
            )),
            None => problems.push(format!(
                "{kernel}: not in {}",
                display_relative(&scenario.path)
            )),
        }
    }
    PinSetRun {
        pins,
        python: bridge.map(|b| b.python_version.clone()),
        python_packages: bridge.map(|b| b.packages.clone()).unwrap_or_default(),
        pairs,
        problems,
    }
}

/// Whether `exe` is the `twinbench` binary (which has the `run-check`
/// command); a test binary calling [`run`] runs its checks in process.
fn is_twinbench(exe: &Path) -> bool {
    exe.file_stem().is_some_and(|s| s == "twinbench")
}

/// Smallest graph worth measuring: below it, fixed overheads dominate.
const FOOTPRINT_MIN_NODES: usize = 1_000;

/// Footprints of every distinct graph input of the scenario with at least
/// [`FOOTPRINT_MIN_NODES`] nodes; a shard measures every `count`-th of
/// them by size (a merge gathers them, each measured once).
fn measure_footprints(
    scenario: &Scenario,
    shard: Option<Shard>,
    bridge: &Bridge,
    problems: &mut Vec<String>,
    progress: &mut impl FnMut(&Progress),
) -> Vec<GraphFootprint> {
    let mut inputs: Vec<(usize, u64, Generator)> = Vec::new();
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
        .enumerate()
        .filter(|(position, _)| shard.is_none_or(|s| s.takes(*position)))
        .filter_map(|(_, (size, seed, generator))| {
            progress(&Progress::Note(format!("graph memory: {size} nodes")));
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

/// One call's memory of every Rust peer that ran cleanly in the answer
/// check (a peer that failed or panicked there is not called again
/// to be measured), measured like the twin's; why one is missing goes with the
/// size's other memory problems. Python alternatives are not measured:
/// their figure would need another call of seconds each.
fn rust_peer_memory(
    meter: &AllocationMeter,
    pair: &pairs::KernelPair,
    input: &Input,
    results: &mut [AlternativeResult],
    problems: &mut Vec<String>,
) {
    for (alt, result) in pair.alternatives.iter().zip(results.iter_mut()) {
        let Implementation::Rust(peer) = alt.implementation else {
            continue;
        };
        if matches!(&result.correctness, Correctness::Failed { side, .. } if *side == alt.side) {
            continue;
        }
        // Guarded all the same: without a baseline the check never called it.
        let measured = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            memory::rust_side_call(meter, peer.prepare, peer.run, input)
        }))
        .unwrap_or_else(|payload| Err(format!("panicked: {}", panic_message(payload))));
        match measured {
            Ok(m) => result.memory = Some(m),
            Err(e) => problems.push(format!("{} memory: {e}", alt.side)),
        }
    }
}

/// Why `pair` cannot run on this machine ([`pairs::missing_requirement`]),
/// as the correctness to record: [`Correctness::NotRun`] with what to
/// install, or, where TWINBENCH_REQUIRE_POSTGRES asks for it, a failure.
/// `None`: it can run.
pub fn missing_requirement(pair: &pairs::KernelPair) -> Option<Correctness> {
    let missing = pairs::missing_requirement(pair)?;
    Some(if missing.required {
        Correctness::Failed {
            side: Side::Rust,
            error: missing.to_string(),
        }
    } else {
        Correctness::NotRun {
            reason: missing.reason,
        }
    })
}

fn run_pair(
    plan: &KernelPlan,
    bridge: Option<&Bridge>,
    samples: &SampleSource<'_>,
    meter: Option<&AllocationMeter>,
    progress: &mut impl FnMut(&Progress),
) -> PairResult {
    let pair = plan.pair;
    let sizes: Vec<SizeResult> = plan
        .sizes
        .iter()
        .enumerate()
        .map(|(index, &size)| {
            progress(&Progress::CheckingSize {
                kernel: pair.name,
                size,
            });
            let unmeasured = |correctness| SizeResult {
                size,
                seed: plan.seed,
                correctness,
                timings: Vec::new(),
                speedup: None,
                parallel_speedup: None,
                rust_over_copy: None,
                parallel_over_copy: None,
                alternatives: Vec::new(),
                memory: None,
                query_plans: Vec::new(),
                problems: Vec::new(),
            };
            if let Some(correctness) = missing_requirement(pair) {
                return unmeasured(correctness);
            }
            let input = pair.generator.generate(size, plan.seed);
            let (correctness, python_output, mut memory) = match bridge {
                // The first size's answer is a call of its own, and with it
                // the pair's warm-up in this process: one-off imports and
                // caches are not counted as a call's memory. At every
                // later size the answer is read from the memory
                // measurement's untraced call: one baseline call fewer per
                // size, seconds at the largest ones.
                Some(bridge) if index > 0 => {
                    let (answer, python_memory) =
                        match bridge.answer_and_memory(pair.python, pair.output, &input) {
                            Ok(answered) => (
                                answered.answer.map_err(|e| e.to_string()),
                                Ok(memory::python_figures(answered.memory)),
                            ),
                            Err(e) => (Err(e.to_string()), Err(e.to_string())),
                        };
                    let (correctness, output) = check::check_against(plan, answer, &input);
                    let memory = memory::with_python(meter, Some(python_memory), pair, &input);
                    (correctness, output, memory)
                }
                _ => {
                    let (correctness, output) = check::check_with_output(plan, bridge, &input);
                    let memory = memory::measure(meter, bridge, pair, &input);
                    (correctness, output, memory)
                }
            };
            let mut alternatives =
                check::check_alternatives(plan, bridge, &input, python_output.as_ref());
            if let Some(meter) = meter {
                rust_peer_memory(meter, pair, &input, &mut alternatives, &mut memory.problems);
            }
            let mut result = SizeResult {
                alternatives,
                memory: Some(memory),
                ..unmeasured(correctness)
            };
            match crate::pairs::query_plans(pair, &input) {
                Ok(plans) => result.query_plans = plans,
                Err(e) => result.problems.push(format!("query plans: {e}")),
            }
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
        pins: pair.pins,
        alternatives: pair
            .alternatives
            .iter()
            .map(|a| AlternativeInfo {
                side: a.side,
                language: match a.implementation {
                    Implementation::Python(_) => Language::Python,
                    Implementation::Rust(_) => Language::Rust,
                },
                function: a.implementation.describe(),
                comparison: a.comparison.unwrap_or(pair.comparison),
                tolerance: a.tolerance.unwrap_or(plan.tolerance),
                note: a.note.into(),
            })
            .collect(),
        scaling: scaling(&sizes),
        memory_note: crate::pairs::memory_notes::memory_note(pair.name),
        sizes,
    }
}
