//! `cargo bench`: every kernel pair of the scenario, Python and Rust side by
//! side in one criterion group per kernel, on the same prepared input.
//!
//! Group = kernel name, function = side (`python`, `python-fixed`, peers
//! `rustworkx` / `igraph` (Python) and `linfa` (Rust), `rust`,
//! `rust-parallel`, `copy-input`), parameter = input size. Inputs are
//! generated and prepared (CSR graph, networkx graph, DataFrame) before any
//! timing; each timed call is the kernel alone. After timing, the twin's
//! and every Rust peer's answers are compared with the baseline's.
//!
//! `TWINBENCH_SCENARIO=path.toml cargo bench` picks another scenario.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use pyo3::prelude::*;
use twinbench::compare::Output;
use twinbench::compare::compare;
use twinbench::environment::GitInfo;
use twinbench::inputs::Input;
use twinbench::measure::PairBenchId;
use twinbench::measure::bench_id::{
    BenchId, EXECUTOR_HOP_FUNCTIONS, EXECUTOR_HOP_GROUP, INSTRUMENTATION_FUNCTION,
    INSTRUMENTATION_GROUP, PYO3_OVERHEAD_FUNCTION, PYO3_OVERHEAD_GROUP, SHADOW_RUNNER_FUNCTIONS,
    SHADOW_RUNNER_GROUP,
};
use twinbench::measure::bench_run::{self, BenchRun};
use twinbench::measure::eta::{self, Eta};
use twinbench::measure::latency::{self as latency_record, Recording};
use twinbench::pairs::Side;
use twinbench::pairs::latency::{self, LatencySpec};
use twinbench::pairs::{
    Alternative, Implementation, OutputKind, Prepared, PythonFunction, RustPeer,
};
use twinbench::pins::PinSet;
use twinbench::results::Correctness;
use twinbench::results::PinSetThreadPools;
use twinbench::scenario::{self, KernelPlan};
use twinbench::sides::python::{self as bridge, Bridge};
use twinbench::workspace;

/// Samples per Python measurement: each call can take seconds, and flat
/// sampling with 10 samples still gives the bootstrap enough to work with.
const PYTHON_SAMPLES: usize = 10;
const RUST_SAMPLES: usize = 30;
/// Samples of a Rust call too slow for 30 in the measurement time (the
/// optimizer's training, the forests, ward at 3,000 rows): criterion then
/// times one call per sample whatever the measurement time says, so 30
/// samples of a 0.5 s call cost 15 s. Ten flat samples (criterion's
/// minimum, as for Python) cost a third of that; the mean's interval stays
/// within a few percent for calls this long. Measuring runs only: the
/// quick profile keeps the sampling the gate's baseline was measured with.
const SLOW_RUST_SAMPLES: usize = 10;
/// A Python call at least this slow (its last trial, see
/// [`bench_python_function`]) is timed [`SLOW_PYTHON_SAMPLES`] times by the
/// bench itself, in a measuring run (see [`time_slow_python`]). It was
/// 250 ms: the 22 sizes whose baseline takes 150-250 ms then cost ~13 calls
/// each (two trials, criterion's warm-up, ten samples) where 7 do, ~25 s of
/// `make report` (its run at e9f8ee2, 2026-12-04).
const SLOW_PYTHON_CALL: Duration = Duration::from_millis(150);
/// Calls of a seventh of a second and more vary by a few percent from call
/// to call (the spread is in the report, sample by sample); five of them
/// give a mean good to a few percent, which is what a speedup of 10x-300x
/// needs. criterion insists on ten samples at least: for the ~80 sizes
/// whose baseline takes 0.15-4 s, those five more calls were over four
/// minutes of `make report`'s 25.
const SLOW_PYTHON_SAMPLES: usize = 5;

/// How long each kind of measurement runs (warm-up, then sampling).
///
/// `make report` has ~150 sizes (issue 18), each with 1–2 Rust sides, a
/// copy and 1–4 Python-callable sides, ~600 measurements, and must finish
/// within 25 minutes from a fresh clone on a 2-core machine. Each fast
/// measurement costs its warm-up plus its measurement time whatever the
/// call: at 0.1 + 0.4 s for Rust, 0.1 + 0.5 s for Python and 0.05 + 0.2 s
/// for the copy they were ~4 minutes of the bench. 30 Rust samples over
/// 0.25 s (thousands of calls of a microsecond kernel, one a sample of a
/// 10 ms one) keep Rust intervals within a few percent. Python calls of
/// over 30 ms get one call per sample anyway.
struct Profile {
    rust_warm_up: Duration,
    rust: Duration,
    /// Python-callable sides whose 10 samples fit in it get many calls per
    /// sample; slower ones one call per sample (see [`measurement_time`]).
    python: Duration,
    /// Copying is fast and steady (a memcpy-like pass).
    copy_warm_up: Duration,
    copy: Duration,
}

const FULL: Profile = Profile {
    rust_warm_up: Duration::from_millis(50),
    rust: Duration::from_millis(250),
    python: Duration::from_millis(300),
    copy_warm_up: Duration::from_millis(30),
    copy: Duration::from_millis(100),
};

/// `TWINBENCH_QUICK=1` (the quick profile of `make gate`): every pair at its
/// smallest size fits in a CI step. The gate's baseline must come from the
/// same profile (its intervals and noise are what the gate is tuned to), so
/// these stay as they were when the committed baseline was measured.
const QUICK: Profile = Profile {
    rust_warm_up: Duration::from_millis(100),
    rust: Duration::from_millis(333),
    python: Duration::from_millis(333),
    copy_warm_up: Duration::from_millis(33),
    copy: Duration::from_millis(111),
};
const QUICK_ENV: &str = "TWINBENCH_QUICK";

/// Whether this run uses the quick profile (`TWINBENCH_QUICK`).
fn quick() -> bool {
    std::env::var_os(QUICK_ENV).is_some_and(|v| v != "0")
}

fn profile() -> &'static Profile {
    if quick() { &QUICK } else { &FULL }
}
/// A first trial call slower than this also sizes the run: a second trial
/// would add its time and tell nothing new. Any call of over 50 ms is timed
/// one call per sample (10 samples fill the 0.5 s measurement), so a first
/// trial of 250 ms, even with a one-off import in it, already decides that
/// (it was 1 s: ~30 calls of 0.25-1 s paid a second trial in make report).
const SLOW_CALL: Duration = Duration::from_millis(250);
const PYTHON_WARM_UP: Duration = Duration::from_millis(100);

fn benches(c: &mut Criterion) {
    // cargo runs benches from the package folder; a relative path given on
    // the command line means the workspace root, where the user typed it.
    let path: std::path::PathBuf = std::env::var_os("TWINBENCH_SCENARIO")
        .map(std::path::PathBuf::from)
        .map(|p| {
            if p.is_relative() && !p.exists() {
                workspace::root().join(p)
            } else {
                p
            }
        })
        .unwrap_or_else(|| {
            // Under `cargo test` each benchmark runs once, to prove it runs
            // and agrees: the quick scenario, completed to every pair at its
            // smallest size (`every_pair_once`), does that for every pair and
            // side in a tenth of the time; the large sizes are for measuring
            // runs.
            if measuring() {
                workspace::default_scenario()
            } else {
                workspace::root().join("scenarios").join("quick.toml")
            }
        });
    let loaded = if measuring() || std::env::var_os("TWINBENCH_SCENARIO").is_some() {
        scenario::load(&path)
    } else {
        every_pair_once(&path)
    };
    let scenario = match loaded {
        Ok(s) => s,
        Err(e) => {
            eprintln!("twinbench bench: {e}");
            std::process::exit(2);
        }
    };
    // The process cargo starts serves the server's pins and starts one of
    // its own for each other set its pairs need (crate::pins): one
    // interpreter, one numpy per process.
    let pins = match PinSet::current() {
        Ok(pins) => pins,
        Err(e) => {
            eprintln!("twinbench bench: {e}");
            std::process::exit(2);
        }
    };
    // Only a measuring run (`cargo bench` passes --bench; `cargo test`
    // runs each benchmark once and saves nothing) marks where fresh samples
    // start; a process for another pin set adds to the record its parent
    // wrote.
    let mut run = if pins != PinSet::Server {
        measuring()
            .then(|| bench_run::read(&workspace::criterion_dir()))
            .and_then(|read| read.map_err(|e| eprintln!("twinbench bench: {e}")).ok())
    } else {
        measuring().then(|| {
            let mut run = BenchRun::starting_now(&path, GitInfo::of(&workspace::root()));
            // Before any kernel: the host's own speed, for the gate's
            // same-machine check (harness/src/measure/calibration.rs).
            run.calibration = Some(twinbench::measure::calibration::measure());
            if let Err(e) = bench_run::write(&workspace::criterion_dir(), &run) {
                eprintln!("twinbench bench: cannot record the run: {e}");
            }
            run
        })
    };
    // `TWINBENCH_ONLY="kernel/size/side …"` (the gate's confirming rerun):
    // only these Rust sides, at once — no Python, no input copy, no check.
    let only = match std::env::var("TWINBENCH_ONLY") {
        Ok(text) => match twinbench::measure::bench_id::parse_list(&text) {
            Ok(targets) => Some(targets),
            Err(e) => {
                eprintln!("twinbench bench: TWINBENCH_ONLY: {e}");
                std::process::exit(2);
            }
        },
        Err(_) => None,
    };
    let bridge = match (&only, bridge::bridge()) {
        (Some(_), _) => None,
        (None, Ok(b)) => Some(b),
        (None, Err(e)) => {
            eprintln!("twinbench bench: Python sides skipped: {e}");
            None
        }
    };
    // The Python side's thread pools as this process runs them (the
    // benchmark command may have unset OPENBLAS_CORETYPE, which changes the
    // OpenBLAS kernel): recorded with the run.
    if let (Some(run), Some(bridge)) = (run.as_mut(), bridge) {
        match bridge.thread_pools() {
            Ok(pools) => {
                if pins == PinSet::Server {
                    run.python_thread_pools = pools;
                } else {
                    run.pin_sets.retain(|p| p.pins != pins);
                    run.pin_sets.push(PinSetThreadPools {
                        pins,
                        python_thread_pools: pools,
                    });
                }
                if let Err(e) = bench_run::write(&workspace::criterion_dir(), run) {
                    eprintln!("twinbench bench: cannot record the run: {e}");
                }
            }
            Err(e) => eprintln!("twinbench bench: thread pools not recorded: {e}"),
        }
    }
    // One Python thread state on this thread for the whole run (see
    // `Bridge::keep_thread_state`), dropped after the last benchmark.
    let _kept = bridge.map(Bridge::keep_thread_state);
    // The PostgreSQL pairs' shared cluster (started by the first of their
    // inputs) stops when this drops: after the last benchmark, or while a
    // panic unwinds. A `process::exit` skips it; the server then dies with
    // its keeper thread (twinbench_service::pg::shared).
    let _postgres = twinbench_service::pg::shared::guard();
    bench_all(c, &scenario, bridge, pins, only.as_deref());
}

/// Every benchmark of the scenario this process serves.
fn bench_all(
    c: &mut Criterion,
    scenario: &scenario::Scenario,
    bridge: Option<&Bridge>,
    pins: PinSet,
    only: Option<&[PairBenchId]>,
) {
    if let Some(bridge) = bridge.filter(|_| pins == PinSet::Server) {
        bench_pyo3_overhead(c, bridge);
        // The original's thread-pool hop (the report's executor note).
        bench_call_pair(
            c,
            bridge,
            EXECUTOR_HOP_GROUP,
            EXECUTOR_HOP_FUNCTIONS,
            bridge::EXECUTOR_HOP,
        );
        // The shadow runner's cost per call (claim C26).
        bench_call_pair(
            c,
            bridge,
            SHADOW_RUNNER_GROUP,
            SHADOW_RUNNER_FUNCTIONS,
            bridge::SHADOW_RUNNER,
        );
    }
    if pins == PinSet::Server {
        bench_instrumentation(c);
    }
    // `TWINBENCH_SHARD=i/n`: only this shard's kernels (as `twinbench report
    // --shard i/n` will read them).
    let shard: Option<twinbench::scenario::Shard> = match std::env::var("TWINBENCH_SHARD") {
        Ok(text) => match text.parse() {
            Ok(shard) => Some(shard),
            Err(e) => {
                eprintln!("twinbench bench: TWINBENCH_SHARD: {e}");
                std::process::exit(2);
            }
        },
        Err(_) => None,
    };
    // Where the benchmarks' time goes, kernel by kernel (make report's
    // budget is spent here): one line each, a bar, the running total and
    // what is left (by the last run's times, kept beside the samples).
    let started = std::time::Instant::now();
    let total = scenario.kernels.len();
    let quick = quick();
    let mut eta = Eta::new(
        &workspace::criterion_dir(),
        scenario
            .kernels
            .iter()
            .map(|plan| Eta::key(plan.pair.name, &plan.sizes, quick))
            .collect(),
    );
    let runs_here = |position: usize| {
        let plan = &scenario.kernels[position];
        shard.is_none_or(|s| s.takes(position)) && (only.is_some() || plan.pair.pins == pins)
    };
    // Pairs of another pin set wait for their own process; a Rust-only
    // rerun (TWINBENCH_ONLY) has no Python and runs every pair here.
    let mut other_pins: Vec<PinSet> = Vec::new();
    for (position, plan) in scenario.kernels.iter().enumerate() {
        if shard.is_some_and(|s| !s.takes(position)) {
            continue;
        }
        if only.is_none() && plan.pair.pins != pins {
            if !other_pins.contains(&plan.pair.pins) {
                other_pins.push(plan.pair.pins);
            }
            continue;
        }
        if let Some(missing) = twinbench::run::missing_requirement(plan.pair) {
            match missing {
                Correctness::NotRun { reason } => {
                    eprintln!("!! {} NOT BENCHMARKED: {reason}", plan.pair.name);
                    continue;
                }
                other => {
                    eprintln!("twinbench bench: {}: {other:?}", plan.pair.name);
                    std::process::exit(1);
                }
            }
        }
        let kernel_started = std::time::Instant::now();
        bench_pair(c, plan, bridge, only);
        if measuring() && only.is_none() {
            for spec in latency::for_pair(plan.pair.name, &plan.sizes) {
                measure_latency(spec, plan, bridge);
            }
        }
        if measuring() {
            let took = kernel_started.elapsed().as_secs_f64();
            eta.finished(position, took);
            let left = eta.estimate(position, runs_here);
            eprintln!(
                "== [{}] [{}/{total}] {}: {took:.0} s (benchmarks so far {:.0} s; about {:.0} s \
                 left here for {} kernels{})",
                eta::bar(position + 1, total, 24),
                position + 1,
                plan.pair.name,
                started.elapsed().as_secs_f64(),
                left.seconds_left,
                left.left,
                if left.known == left.left {
                    ", by the last run's times"
                } else {
                    ", partly by this run's mean"
                }
            );
        }
    }
    if pins == PinSet::Server {
        for other in other_pins {
            if !bench_in_own_process(other) {
                std::process::exit(1);
            }
        }
    }
}

/// Runs this bench again, with the same arguments, in a process serving
/// `pins`: it benches exactly the pairs this one skipped. Whether it
/// succeeded (its failure is the bench's).
fn bench_in_own_process(pins: PinSet) -> bool {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("twinbench bench: cannot start the {pins} pins' process: {e}");
            return false;
        }
    };
    eprintln!("== the pairs under the {pins} pins, in a process of their own");
    let (variable, value) = pins.child_env();
    match std::process::Command::new(&exe)
        .args(std::env::args_os().skip(1))
        .env(variable, value)
        .status()
    {
        Ok(status) if status.success() => true,
        Ok(status) => {
            eprintln!("twinbench bench: the {pins} pins' process failed: {status}");
            false
        }
        Err(e) => {
            eprintln!("twinbench bench: cannot start {}: {e}", exe.display());
            false
        }
    }
}

/// The scenario a `cargo test` run of this bench proves every benchmark
/// with: the quick one, plus each registered pair it leaves out (the gate's
/// baseline fixes the quick scenario's list) at its smallest size.
fn every_pair_once(quick: &std::path::Path) -> Result<scenario::Scenario, scenario::ScenarioError> {
    let mut text =
        std::fs::read_to_string(quick).map_err(|source| scenario::ScenarioError::Read {
            path: quick.to_path_buf(),
            source,
        })?;
    let listed = scenario::parse(quick, &text)?;
    for pair in twinbench::pairs::PAIRS {
        if !listed
            .kernels
            .iter()
            .any(|plan| plan.pair.name == pair.name)
        {
            text.push_str(&format!(
                "\n[[kernel]]\nname = \"{}\"\nsizes = [{}]\nseed = 20261126\n",
                pair.name, pair.sizes[0]
            ));
        }
    }
    scenario::parse(quick, &text)
}

fn bench_pyo3_overhead(c: &mut Criterion, bridge: &Bridge) {
    Python::attach(|py| {
        let Ok(noop) = bridge.function(py, bridge::NOOP) else {
            eprintln!("twinbench bench: cannot import the no-op function");
            return;
        };
        let arg = py.None().into_bound(py);
        let mut group = c.benchmark_group(PYO3_OVERHEAD_GROUP);
        group.bench_function(PYO3_OVERHEAD_FUNCTION, |b| b.iter(|| noop.call1((&arg,))));
        group.finish();
    });
}

/// What the migration's monitoring adds to every call (claim C26): the
/// rollout controller routes the call, and its sample goes to the
/// controller and the Prometheus metrics. In steady state: the clock stands
/// within one period, so no decision is taken (one per 24 hours in
/// service); keys cycle, so the twin/original mix is the controller's.
fn bench_instrumentation(c: &mut Criterion) {
    use std::sync::Arc;
    use twinbench_kernels::concurrent::clock::ManualClock;
    use twinbench_kernels::concurrent::rollout::{Policy, Sample};
    use twinbench_migrate::instrumented::Migration;
    use twinbench_migrate::metrics::MigrationMetrics;

    let Ok(policy) = Policy::seed000(86_400_000) else {
        eprintln!("twinbench bench: the seed's rollout policy is invalid");
        return;
    };
    let migration = Migration::new(
        "ENABLE_CONDON_ANALYTICS",
        policy,
        ManualClock::new(0),
        Arc::new(MigrationMetrics::new()),
    );
    let mut group = c.benchmark_group(INSTRUMENTATION_GROUP);
    let mut key = 0u64;
    group.bench_function(INSTRUMENTATION_FUNCTION, |b| {
        b.iter(|| {
            key = key.wrapping_add(1);
            let sample = if migration.route(black_box(key)) {
                Sample::Twin {
                    ns: 1_000,
                    error: false,
                }
            } else {
                Sample::Original { ns: 50_000 }
            };
            black_box(migration.report(sample))
        })
    });
    group.finish();
}

/// Two Python functions of one argument, each timed on `None` in `group`:
/// a call wrapped some way and the same call direct, so the difference of
/// their means is what the wrapping costs. Used for the original's
/// `run_in_executor` hop (the baselines call each kernel directly: the
/// report shows the hop beside small sizes' Python times) and for the
/// shadow runner (`twinbench.shadow`, claim C26).
fn bench_call_pair(
    c: &mut Criterion,
    bridge: &Bridge,
    group: &str,
    names: [&str; 2],
    functions: [twinbench::pairs::PythonFunction; 2],
) {
    Python::attach(|py| {
        let mut group = c.benchmark_group(group);
        for (name, function) in names.into_iter().zip(functions) {
            let Ok(call) = bridge.function(py, function) else {
                eprintln!("twinbench bench: cannot import {}", function.function);
                continue;
            };
            let arg = py.None().into_bound(py);
            group.bench_function(name, |b| b.iter(|| call.call1((&arg,))));
        }
        group.finish();
    });
}

/// Calls per side before the timed ones: the first calls pay cold caches
/// (and for Python, lazy imports), which a running service paid long ago.
const LATENCY_WARM_UP_CALLS: usize = 20;

/// Times `spec` call by call on both sides and records every time
/// (`measure::latency`); a side that fails is recorded as failed, and the
/// run goes on.
fn measure_latency(spec: &LatencySpec, plan: &KernelPlan, bridge: Option<&Bridge>) {
    let started = Instant::now();
    let input = spec.input_for(plan.seed);
    let rust_ns = (spec.rust)(&input, LATENCY_WARM_UP_CALLS)
        .and_then(|_| (spec.rust)(&input, spec.rust_calls))
        .map_err(|e| e.to_string());
    let python_ns = match bridge {
        None => Err("no Python in this run".to_string()),
        Some(bridge) => Python::attach(|py| -> Result<Vec<u64>, String> {
            let prepared = bridge
                .prepare(py, spec.python, &input)
                .map_err(|e| e.to_string())?;
            bridge
                .per_call_times(py, spec.python, &prepared, 2)
                .and_then(|_| bridge.per_call_times(py, spec.python, &prepared, spec.python_calls))
                .map_err(|e| e.to_string())
        }),
    };
    for (side, times) in [("Rust", &rust_ns), ("Python", &python_ns)] {
        if let Err(e) = times {
            eprintln!("twinbench bench: {}/{side}: not timed: {e}", spec.name);
        }
    }
    let recording = Recording {
        name: spec.name.to_string(),
        rust_ns,
        python_ns,
    };
    if let Err(e) = latency_record::write(&workspace::criterion_dir(), &recording) {
        eprintln!("twinbench bench: {}: cannot record: {e}", spec.name);
    }
    eprintln!(
        "== {}: per-call latency, {} Rust and {} Python calls timed in {:.0} s",
        spec.name,
        spec.rust_calls,
        spec.python_calls,
        started.elapsed().as_secs_f64()
    );
}

/// `cargo bench` passes `--bench`; under `cargo test` criterion runs each
/// benchmark once and saves nothing.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Measurement time for `samples` flat samples of a call that took `trial`.
///
/// criterion's flat sampling runs `ceil(time / samples / warm-up estimate)`
/// calls per sample. For a call of seconds that must come out as exactly 1:
/// asking for `samples × trial` doubled the run whenever the warm-up call was
/// a little faster than the trial (20 calls of 2 s for betweenness at 1,000
/// nodes, 2 × 11.8 s at 2,000). Any time below one call gives one call per
/// sample, so a slow call asks for 1 ns (criterion then prints a harmless
/// "unable to complete … in 1ns" warning); a fast one gets the usual
/// measurement time, many calls per sample.
fn measurement_time(trial: Duration, samples: usize) -> Duration {
    if trial.mul_f64(samples as f64) >= profile().python {
        Duration::from_nanos(1)
    } else {
        profile().python
    }
}

fn bench_pair(
    c: &mut Criterion,
    plan: &KernelPlan,
    bridge: Option<&Bridge>,
    only: Option<&[PairBenchId]>,
) {
    let pair = plan.pair;
    let wanted = |size: usize, side: Side| {
        only.is_none_or(|o| {
            o.iter()
                .any(|t| t.kernel == pair.name && t.size == size && t.side == side)
        })
    };
    if !plan
        .sizes
        .iter()
        .any(|&size| wanted(size, Side::Rust) || wanted(size, Side::RustParallel))
    {
        return;
    }
    let mut group = c.benchmark_group(pair.name);
    for &size in &plan.sizes {
        if !(wanted(size, Side::Rust) || wanted(size, Side::RustParallel)) {
            continue;
        }
        let input = pair.generator.generate(size, plan.seed);
        let prepared = match (pair.rust.prepare)(&input) {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "twinbench bench: {}/{size}: Rust prepare failed: {e}",
                    pair.name
                );
                continue;
            }
        };
        let mut rust_sides = vec![(Side::Rust, pair.rust.run)];
        if let Some(par) = pair.rust.run_parallel {
            rust_sides.push((Side::RustParallel, par));
        }
        rust_sides.retain(|&(side, _)| wanted(size, side));
        for (side, run) in rust_sides {
            let started = Instant::now();
            if let Err(e) = run(&prepared) {
                eprintln!(
                    "twinbench bench: {}/{side}/{size} failed, not timed: {e}",
                    pair.name
                );
                continue;
            }
            let trial = started.elapsed();
            bench_rust(&mut group, BenchmarkId::new(side.id(), size), trial, || {
                run(&prepared)
            });
        }
        if only.is_some() {
            continue;
        }
        // Rust peers: the twin's sampling (set above), their own prepared
        // input, built here outside the timed region.
        let peers = bench_rust_peers(&mut group, plan, &input, size);
        group.sampling_mode(SamplingMode::Auto);
        group.sample_size(RUST_SAMPLES);
        group.warm_up_time(profile().copy_warm_up);
        group.measurement_time(profile().copy);
        group.bench_with_input(
            BenchmarkId::new(Side::CopyInput.id(), size),
            &prepared,
            |b, p: &Prepared| b.iter(|| p.clone()),
        );
        if let Some(bridge) = bridge {
            let python = bench_python(&mut group, plan, bridge, &input, size);
            check_answers(plan, python, &prepared, &peers, &input, size);
        }
    }
    group.finish();
}

fn bench_python(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    plan: &KernelPlan,
    bridge: &Bridge,
    input: &Input,
    size: usize,
) -> Option<Result<Output, String>> {
    let pair = plan.pair;
    let baseline = PythonTarget {
        side: Side::Python,
        function: pair.python,
        answer_as: Some(pair.output),
    };
    let answer = bench_python_function(group, pair.name, baseline, bridge, input, size);
    for alt in pair.alternatives {
        // Rust peers are timed with the Rust sides (`bench_rust_peers`).
        let Implementation::Python(function) = alt.implementation else {
            continue;
        };
        let target = PythonTarget {
            side: alt.side,
            function,
            answer_as: None,
        };
        if alt.side == Side::PythonOneThread {
            let timed = bridge.one_thread(|| {
                bench_python_function(group, pair.name, target, bridge, input, size)
            });
            if let Err(e) = timed {
                eprintln!(
                    "twinbench bench: {}/{}/{size}: not timed: {e}",
                    pair.name, alt.side
                );
            }
        } else {
            bench_python_function(group, pair.name, target, bridge, input, size);
        }
    }
    answer
}

/// A Rust peer with its input, prepared once for timing and the check.
struct TimedPeer {
    alternative: &'static Alternative,
    peer: RustPeer,
    prepared: Prepared,
}

/// Times every Rust peer of the pair on its own preparation of `input`
/// (after one untimed call: a peer that fails is reported, not timed).
/// Times one Rust side whose first call (the check that it runs) took
/// `trial`: 30 samples within the profile's measurement time, or, for a
/// call too slow for that in a measuring run, [`SLOW_RUST_SAMPLES`] flat
/// samples of one call each with the trial standing in for criterion's
/// warm-up call (as for a slow Python call; see [`bench_python_function`]).
fn bench_rust<T>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: BenchmarkId,
    trial: Duration,
    mut call: impl FnMut() -> T,
) {
    group.warm_up_time(profile().rust_warm_up);
    if quick() || trial.mul_f64(RUST_SAMPLES as f64) < profile().rust {
        group.sampling_mode(SamplingMode::Auto);
        group.sample_size(RUST_SAMPLES);
        group.measurement_time(profile().rust);
        group.bench_function(id, |b| b.iter(&mut call));
        return;
    }
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(SLOW_RUST_SAMPLES);
    // Below one call: one call per sample (see `measurement_time`).
    group.measurement_time(Duration::from_nanos(1));
    let mut trial_as_warm_up = Some(trial);
    group.bench_function(id, |b| {
        iter_with_trial_as_warm_up(b, &mut trial_as_warm_up, &mut call)
    });
}

/// criterion's timing loop for `call`, where a trial call already made
/// (`trial_as_warm_up`, taken once) answers criterion's first warm-up
/// request of one iteration: criterion 0.8.2 (pinned) asks for its warm-up
/// first, and only to estimate the call's time, which the trial measured
/// on the same input. Warm-up times are never recorded; every saved sample
/// is a call timed here.
fn iter_with_trial_as_warm_up<T>(
    b: &mut criterion::Bencher<'_>,
    trial_as_warm_up: &mut Option<Duration>,
    mut call: impl FnMut() -> T,
) {
    b.iter_custom(|iters| {
        if iters == 1
            && let Some(trial) = trial_as_warm_up.take()
        {
            return trial;
        }
        let started = Instant::now();
        for _ in 0..iters {
            black_box(call());
        }
        started.elapsed()
    })
}

fn bench_rust_peers(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    plan: &KernelPlan,
    input: &Input,
    size: usize,
) -> Vec<TimedPeer> {
    let pair = plan.pair;
    let mut timed = Vec::new();
    for alternative in pair.alternatives {
        let Implementation::Rust(peer) = alternative.implementation else {
            continue;
        };
        let side = alternative.side;
        let prepared = match (peer.prepare)(input) {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "twinbench bench: {}/{side}/{size}: prepare failed, not timed: {e}",
                    pair.name
                );
                continue;
            }
        };
        let started = Instant::now();
        if let Err(e) = (peer.run)(&prepared) {
            eprintln!(
                "twinbench bench: {}/{side}/{size} failed, not timed: {e}",
                pair.name
            );
            continue;
        }
        let trial = started.elapsed();
        bench_rust(group, BenchmarkId::new(side.id(), size), trial, || {
            (peer.run)(&prepared)
        });
        timed.push(TimedPeer {
            alternative,
            peer,
            prepared,
        });
    }
    timed
}

/// One Python-callable implementation to time, and whether its answer is
/// wanted (read as that output kind).
#[derive(Clone, Copy)]
struct PythonTarget {
    side: Side,
    function: PythonFunction,
    answer_as: Option<OutputKind>,
}

/// Times one Python-callable implementation (baseline, fixed baseline or
/// peer) on its own preparation of `input`. With an output kind, also returns
/// the answer of its untimed trial call on that same prepared input, read as
/// that kind (for [`check_answers`], at no extra call: a baseline call can
/// take seconds).
fn bench_python_function(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    kernel: &str,
    target: PythonTarget,
    bridge: &Bridge,
    input: &Input,
    size: usize,
) -> Option<Result<Output, String>> {
    let PythonTarget {
        side,
        function,
        answer_as: output,
    } = target;
    Python::attach(|py| {
        let prepared = match bridge.prepare(py, function, input) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("twinbench bench: {kernel}/{side}/{size}: not timed: {e}");
                return output.map(|_| Err(e.to_string()));
            }
        };
        // Two trial calls: the first also pays one-off imports (networkx
        // loads scipy on its first pagerank), the second sizes the run. A
        // call of seconds is dominated by its own work, so one is enough.
        let mut trial = Duration::ZERO;
        let mut answer = None;
        for attempt in 0..if measuring() { 2 } else { 1 } {
            if attempt > 0 && trial > SLOW_CALL {
                break;
            }
            let started = Instant::now();
            match bridge.run(py, function, &prepared) {
                Ok(result) => answer = Some(result),
                Err(e) => {
                    eprintln!("twinbench bench: {kernel}/{side}/{size}: not timed: {e}");
                    return output.map(|_| Err(e.to_string()));
                }
            }
            trial = started.elapsed();
        }
        let answer = output.zip(answer).map(|(kind, result)| {
            bridge
                .output(py, function, kind, &result, &prepared)
                .map_err(|e| e.to_string())
        });
        let Ok(callable) = bridge.function(py, function) else {
            return answer;
        };
        if measuring() && !quick() && trial >= SLOW_PYTHON_CALL {
            let id = BenchId::pair(kernel, side, size);
            if let Err(e) = time_slow_python(&id, || {
                let _ = black_box(callable.call1((&prepared,)));
            }) {
                eprintln!("twinbench bench: {id}: not timed: {e}");
            }
            return answer;
        }
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(PYTHON_SAMPLES);
        group.warm_up_time(PYTHON_WARM_UP);
        group.measurement_time(measurement_time(trial, PYTHON_SAMPLES));
        // A slow call's trial is its warm-up: criterion warms up with at
        // least one call only to estimate the call's time.
        let mut trial_as_warm_up =
            (trial.mul_f64(PYTHON_SAMPLES as f64) >= profile().python).then_some(trial);
        group.bench_function(BenchmarkId::new(side.id(), size), |b| {
            iter_with_trial_as_warm_up(b, &mut trial_as_warm_up, || callable.call1((&prepared,)))
        });
        answer
    })
}

/// Times a slow call [`SLOW_PYTHON_SAMPLES`] times, one call per sample, and
/// saves the samples where criterion would (`id`'s `new/sample.json`, the
/// same format, written atomically), so the report reads them like any
/// other; the call before (the trial) was its warm-up. Prints the samples'
/// mean and range as criterion prints its own.
fn time_slow_python(id: &BenchId, mut call: impl FnMut()) -> std::io::Result<()> {
    let times: Vec<f64> = (0..SLOW_PYTHON_SAMPLES)
        .map(|_| {
            let started = Instant::now();
            call();
            started.elapsed().as_nanos() as f64
        })
        .collect();
    let saved = serde_json::json!({
        "sampling_mode": "Flat",
        "iters": vec![1.0; times.len()],
        "times": times,
    });
    let path = id.sample_file(&workspace::criterion_dir());
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    workspace::write_atomic(&path, saved.to_string().as_bytes())?;
    let seconds = |ns: f64| ns / 1e9;
    let (min, max) = times.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &t| {
        (lo.min(t), hi.max(t))
    });
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    eprintln!(
        "{id}: {} calls timed directly: mean {:.4} s [{:.4} s .. {:.4} s]",
        times.len(),
        seconds(mean),
        seconds(min),
        seconds(max)
    );
    Ok(())
}

/// A fast wrong answer is a failure, not a data point: compare the twin's
/// and every timed Rust peer's answers with the baseline's on the timed
/// inputs and say so loudly if they differ.
fn check_answers(
    plan: &KernelPlan,
    python: Option<Result<Output, String>>,
    prepared: &Prepared,
    peers: &[TimedPeer],
    input: &Input,
    size: usize,
) {
    let pair = plan.pair;
    let python = match python {
        Some(Ok(python)) => python,
        Some(Err(e)) => {
            eprintln!("twinbench bench: {}/{size}: Python failed: {e}", pair.name);
            return;
        }
        None => return,
    };
    let mut answers = Vec::new();
    if let Ok(rust) = (pair.rust.run)(prepared) {
        answers.push((Side::Rust, rust, pair.comparison, plan.tolerance));
    }
    for timed in peers {
        let alt = timed.alternative;
        match (timed.peer.run)(&timed.prepared) {
            Ok(answer) => answers.push((
                alt.side,
                answer,
                alt.comparison.unwrap_or(pair.comparison),
                alt.tolerance.unwrap_or(plan.tolerance),
            )),
            Err(e) => eprintln!(
                "twinbench bench: {}/{}/{size}: failed after timing: {e}",
                pair.name, alt.side
            ),
        }
    }
    for (side, answer, mode, tolerance) in answers {
        match compare(mode, tolerance, &answer, &python, input.truth()) {
            Ok(a) => eprintln!(
                "twinbench bench: {}/{side}/{size}: answers agree ({} compared, max |diff| {:.1e})",
                pair.name, a.compared, a.max_abs_error
            ),
            Err(m) => eprintln!(
                "twinbench bench: {}/{side}/{size}: ANSWERS DIFFER: {m}",
                pair.name
            ),
        }
    }
}

/// criterion's own bootstrap (its printed intervals, `estimates.json`) is
/// not what twinbench reports: the harness reads the raw samples and
/// computes its own statistics. 10,000 resamples instead of the default
/// 100,000 keep the printed intervals stable to a few digits and spend a
/// tenth of the time on ~600 benchmarks.
const CRITERION_RESAMPLES: usize = 10_000;

fn config() -> Criterion {
    Criterion::default()
        .nresamples(CRITERION_RESAMPLES)
        .warm_up_time(profile().rust_warm_up)
        .measurement_time(profile().rust)
        .configure_from_args()
}

criterion_group! {
    name = pairs;
    config = config();
    targets = benches
}
criterion_main!(pairs);
