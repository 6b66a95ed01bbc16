//! `cargo bench`: every kernel pair of the scenario, Python and Rust side by
//! side in one criterion group per kernel, on the same prepared input.
//!
//! Group = kernel name, function = side (`python`, `python-fixed`, peers
//! `rustworkx` / `igraph`, `rust`, `rust-parallel`,
//! `copy-input`), parameter = input size. Inputs are generated and prepared
//! (CSR graph, networkx graph, DataFrame) before any timing; each timed call
//! is the kernel alone. After timing, both answers are compared.
//!
//! `TWINBENCH_SCENARIO=path.toml cargo bench` picks another scenario.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use pyo3::prelude::*;
use twinbench::bridge::{self, Bridge};
use twinbench::compare::compare;
use twinbench::environment::GitInfo;
use twinbench::inputs::Input;
use twinbench::registry::{Prepared, PythonFunction};
use twinbench::scenario::{self, KernelPlan};
use twinbench::timing::bench_run::{self, BenchRun};
use twinbench::timing::{PYO3_OVERHEAD_FUNCTION, PYO3_OVERHEAD_GROUP, Side};
use twinbench::workspace;

/// Samples per Python measurement: each call can take seconds, and flat
/// sampling with 10 samples still gives the bootstrap enough to work with.
const PYTHON_SAMPLES: usize = 10;
const RUST_SAMPLES: usize = 30;
/// Measurement time of a Rust side (and the floor for a Python side): with
/// ~50 sizes × 3 Rust sides, every second here is ~2.5 minutes of
/// `make report`. 30 samples in one second still give tight intervals for
/// kernels of a few milliseconds and less; slower ones get one call per
/// sample.
const MEASUREMENT: Duration = Duration::from_secs(1);
/// Warm-up of a Rust side. A Python side warms up for one call at least,
/// after its trial calls.
const RUST_WARM_UP: Duration = Duration::from_millis(300);
/// `TWINBENCH_QUICK=1` (the quick profile of `make gate`): a third of the
/// measurement and warm-up time, so every pair at its smallest size fits in a
/// CI step. The intervals widen accordingly, which the gate's
/// significance test accounts for.
const QUICK_ENV: &str = "TWINBENCH_QUICK";

fn quick() -> bool {
    std::env::var_os(QUICK_ENV).is_some_and(|v| v != "0")
}

fn measurement() -> Duration {
    if quick() {
        MEASUREMENT / 3
    } else {
        MEASUREMENT
    }
}

fn rust_warm_up() -> Duration {
    if quick() {
        RUST_WARM_UP / 3
    } else {
        RUST_WARM_UP
    }
}
/// A first trial call slower than this also sizes the run: a second trial
/// would add seconds and tell nothing new.
const SLOW_CALL: Duration = Duration::from_secs(1);
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
        .unwrap_or_else(workspace::default_scenario);
    let scenario = match scenario::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("twinbench bench: {e}");
            std::process::exit(2);
        }
    };
    // Only a measuring run (`cargo bench` passes --bench; `cargo test`
    // runs each benchmark once and saves nothing) marks where fresh samples
    // start.
    if measuring() {
        let run = BenchRun::starting_now(&path, GitInfo::of(&workspace::root()));
        if let Err(e) = bench_run::write(&workspace::criterion_dir(), &run) {
            eprintln!("twinbench bench: cannot record the run: {e}");
        }
    }
    let bridge = match bridge::bridge() {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("twinbench bench: Python sides skipped: {e}");
            None
        }
    };
    if let Some(bridge) = bridge {
        bench_pyo3_overhead(c, bridge);
    }
    // `TWINBENCH_SHARD=i/n`: only this shard's kernels (as `twinbench report
    // --shard i/n` will read them).
    let shard: Option<twinbench::shard::Shard> = match std::env::var("TWINBENCH_SHARD") {
        Ok(text) => match text.parse() {
            Ok(shard) => Some(shard),
            Err(e) => {
                eprintln!("twinbench bench: TWINBENCH_SHARD: {e}");
                std::process::exit(2);
            }
        },
        Err(_) => None,
    };
    for (position, plan) in scenario.kernels.iter().enumerate() {
        if shard.is_some_and(|s| !s.takes(position)) {
            continue;
        }
        bench_pair(c, plan, bridge);
    }
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

/// `cargo bench` passes `--bench`; under `cargo test` criterion runs each
/// benchmark once and saves nothing.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Time for `samples` flat samples of one call each, for a call that took
/// `trial`. Deliberately a little short: criterion rounds the iterations per
/// sample up, so asking for more than `samples` calls' worth doubles the run
/// (it did: 20 calls of 11.8 s for betweenness at 2000 nodes); asking for a
/// little less gets one call per sample and a harmless warning.
fn measurement_time(trial: Duration, samples: usize) -> Duration {
    measurement().max(trial.mul_f64(samples as f64 * 0.9))
}

fn bench_pair(c: &mut Criterion, plan: &KernelPlan, bridge: Option<&Bridge>) {
    let pair = plan.pair;
    let mut group = c.benchmark_group(pair.name);
    for &size in &plan.sizes {
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
        group.sampling_mode(SamplingMode::Auto);
        group.sample_size(RUST_SAMPLES);
        group.warm_up_time(rust_warm_up());
        group.measurement_time(measurement());
        let mut rust_sides = vec![(Side::Rust, pair.rust.run)];
        if let Some(par) = pair.rust.run_parallel {
            rust_sides.push((Side::RustParallel, par));
        }
        for (side, run) in rust_sides {
            if let Err(e) = run(&prepared) {
                eprintln!(
                    "twinbench bench: {}/{side}/{size} failed, not timed: {e}",
                    pair.name
                );
                continue;
            }
            group.bench_with_input(BenchmarkId::new(side.id(), size), &prepared, |b, p| {
                b.iter(|| run(p))
            });
        }
        group.bench_with_input(
            BenchmarkId::new(Side::CopyInput.id(), size),
            &prepared,
            |b, p: &Prepared| b.iter(|| p.clone()),
        );
        if let Some(bridge) = bridge {
            bench_python(&mut group, plan, bridge, &input, size);
        }
        check_after_timing(plan, bridge, &input, &prepared, size);
    }
    group.finish();
}

fn bench_python(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    plan: &KernelPlan,
    bridge: &Bridge,
    input: &Input,
    size: usize,
) {
    let pair = plan.pair;
    let mut callers = vec![(Side::Python, pair.python)];
    callers.extend(pair.alternatives.iter().map(|a| (a.side, a.python)));
    for (side, function) in callers {
        bench_python_function(group, pair.name, side, function, bridge, input, size);
    }
}

/// Times one Python-callable implementation (baseline, fixed baseline or
/// peer) on its own preparation of `input`.
fn bench_python_function(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    kernel: &str,
    side: Side,
    function: PythonFunction,
    bridge: &Bridge,
    input: &Input,
    size: usize,
) {
    Python::attach(|py| {
        let prepared = match bridge.prepare(py, function, input) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("twinbench bench: {kernel}/{side}/{size}: not timed: {e}");
                return;
            }
        };
        // Two trial calls: the first also pays one-off imports (networkx
        // loads scipy on its first pagerank), the second sizes the run. A
        // call of seconds is dominated by its own work, so one is enough.
        let mut trial = Duration::ZERO;
        for attempt in 0..if measuring() { 2 } else { 1 } {
            if attempt > 0 && trial > SLOW_CALL {
                break;
            }
            let started = Instant::now();
            if let Err(e) = bridge.run(py, function, &prepared) {
                eprintln!("twinbench bench: {kernel}/{side}/{size}: not timed: {e}");
                return;
            }
            trial = started.elapsed();
        }
        let Ok(callable) = bridge.function(py, function) else {
            return;
        };
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(PYTHON_SAMPLES);
        group.warm_up_time(PYTHON_WARM_UP);
        group.measurement_time(measurement_time(trial, PYTHON_SAMPLES));
        group.bench_function(BenchmarkId::new(side.id(), size), |b| {
            b.iter(|| callable.call1((&prepared,)))
        });
    });
}

/// A fast wrong answer is a failure, not a data point: compare the sides once
/// more on the timed input and say so loudly if they differ.
fn check_after_timing(
    plan: &KernelPlan,
    bridge: Option<&Bridge>,
    input: &Input,
    prepared: &Prepared,
    size: usize,
) {
    let pair = plan.pair;
    let (Some(bridge), Ok(rust)) = (bridge, (pair.rust.run)(prepared)) else {
        return;
    };
    match bridge.compute(pair, input) {
        Ok(python) => match compare(pair.comparison, plan.tolerance, &rust, &python) {
            Ok(a) => eprintln!(
                "twinbench bench: {}/{size}: answers agree ({} compared, max |diff| {:.1e})",
                pair.name, a.compared, a.max_abs_error
            ),
            Err(m) => eprintln!("twinbench bench: {}/{size}: ANSWERS DIFFER: {m}", pair.name),
        },
        Err(e) => eprintln!("twinbench bench: {}/{size}: Python failed: {e}", pair.name),
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(rust_warm_up())
        .measurement_time(measurement())
        .configure_from_args()
}

criterion_group! {
    name = pairs;
    config = config();
    targets = benches
}
criterion_main!(pairs);
