//! `twinbench gate` on real results files: an A/A comparison passes; an
//! injected slowdown, an injected correctness error, a missing kernel, another
//! machine and an unreadable file each give the exit code the gate promises,
//! naming the kernel.
//!
//! The results come from `twinbench report` over recorded criterion samples
//! (two kernels, small sizes, the concurrency checks skipped), then are edited
//! as JSON to inject each fault, which is what a regression looks like to the
//! gate.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use twinbench::measure::bench_id::{EXECUTOR_HOP_FUNCTIONS, SHADOW_RUNNER_FUNCTIONS};
use twinbench::measure::bench_run::{self, BenchRun};
use twinbench::pairs::PAIRS;
use {twinbench::measure::BenchId, twinbench::pairs::Side};

const KERNELS: [(&str, [usize; 2]); 2] =
    [("degree_centrality", [200, 400]), ("pagerank", [200, 400])];

fn fake_samples(criterion: &Path, id: &BenchId, ns: f64) {
    // ±2% spread, like a quiet machine.
    let per_iteration: Vec<f64> = (0..30)
        .map(|i| ns * (1.0 + 0.02 * ((i * 7 % 5) as f64 - 2.0) / 2.0))
        .collect();
    common::record_samples(criterion, id, &per_iteration);
}

/// Runs `twinbench report` once and returns the results.json it wrote.
pub(crate) fn results(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("run dir");
    let mut scenario = String::from("description = \"gate test\"\n");
    for (name, [a, b]) in KERNELS {
        scenario.push_str(&format!(
            "\n[[kernel]]\nname = \"{name}\"\nsizes = [{a}, {b}]\n"
        ));
    }
    // One scenario file for sibling runs, as for runs of one checkout.
    let scenario_path = dir
        .parent()
        .expect("run dir has a parent")
        .join("gate.toml");
    std::fs::write(&scenario_path, scenario).expect("scenario");
    let criterion = dir.join("criterion");
    std::fs::create_dir_all(&criterion).expect("criterion dir");
    let mut run = BenchRun::starting_now(Path::new("gate.toml"), None);
    run.started_unix_ms -= 2_000;
    bench_run::write(&criterion, &run).expect("bench-run record");
    // Each run its own samples (one part in a million apart), as two real
    // runs always are: pool refuses a run given twice.
    let run_factor = 1.0 + 1e-6 * RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as f64;
    fake_samples(&criterion, &BenchId::pyo3_overhead(), 30.0);
    // The migration's per-call instrumentation (claim C26).
    fake_samples(&criterion, &BenchId::instrumentation(), 40.0);
    // The shadow runner's cost per call (claim C26).
    for (function, ns) in SHADOW_RUNNER_FUNCTIONS.into_iter().zip([3_000.0, 500.0]) {
        fake_samples(&criterion, &BenchId::shadow_runner(function), ns);
    }
    // The executor hop: through the pool, then inline.
    for (name, ns) in EXECUTOR_HOP_FUNCTIONS.into_iter().zip([90_000.0, 20_000.0]) {
        fake_samples(&criterion, &BenchId::executor_hop(name), ns);
    }
    for (name, sizes) in KERNELS {
        let pair = PAIRS.iter().find(|p| p.name == name).expect("registered");
        for size in sizes {
            for side in pair.sides() {
                let ns = match side {
                    Side::Python => 40_000.0,
                    Side::Rust => 1_000.0,
                    Side::RustParallel => 700.0,
                    Side::CopyInput => 50.0,
                    _ => 5_000.0,
                };
                fake_samples(
                    &criterion,
                    &BenchId::pair(name, side, size),
                    ns * size as f64 / 200.0 * run_factor,
                );
            }
        }
    }
    let out = dir.join("reports");
    let output = Command::new(env!("CARGO_BIN_EXE_twinbench"))
        .args(["report", "--skip-checks", "--scenario"])
        .arg(&scenario_path)
        .arg("--criterion-dir")
        .arg(&criterion)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run twinbench report");
    // --skip-checks leaves no problem behind; every figure is present.
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (path, mut json) = common::run_results(&out);
    // Two runs of this fixture can finish within one second, and a run id
    // is the second a run was made: tell them apart by their folder.
    let id = format!(
        "{}-{}",
        json["run_id"].as_str().expect("run_id"),
        dir.file_name().and_then(|n| n.to_str()).expect("dir name")
    );
    json["run_id"] = Value::from(id);
    std::fs::write(&path, serde_json::to_vec_pretty(&json).expect("json")).expect("write");
    path
}

/// How many runs the fixture has made in this process.
static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs the twinbench binary; its exit code and everything it printed.
pub(crate) fn twinbench(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_twinbench"))
        .args(args)
        .output()
        .expect("run twinbench");
    (
        output.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

pub(crate) fn gate(baseline: &Path, current: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec![
        "gate".as_ref(),
        "--baseline".as_ref(),
        baseline.as_os_str(),
        "--current".as_ref(),
        current.as_os_str(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    twinbench(&args)
}

fn edit(source: &Path, target: &Path, change: impl FnOnce(&mut Value)) {
    let mut json: Value =
        serde_json::from_slice(&std::fs::read(source).expect("read")).expect("json");
    change(&mut json);
    std::fs::write(target, serde_json::to_vec(&json).expect("encode")).expect("write");
}

/// Fault: every figure of one side's timing `factor` times slower, its
/// samples and its statistics alike (a file whose mean disagrees with its
/// samples is refused on load).
pub(crate) fn slow_down(timing: &mut Value, factor: f64) {
    let scale = |v: &mut Value| *v = Value::from(v.as_f64().expect("number") * factor);
    for t in timing["per_iteration_ns"].as_array_mut().expect("samples") {
        scale(t);
    }
    for field in ["point", "low", "high"] {
        scale(&mut timing["mean_ns"][field]);
    }
    for field in ["median_ns", "min_ns", "max_ns"] {
        scale(&mut timing[field]);
    }
}

/// Fault: the Rust side of `kernel` failed at its `size_index`-th size.
fn fail_correctness(json: &mut Value, kernel: &str, size_index: usize) {
    pair(json, kernel)["sizes"][size_index]["correctness"] =
        serde_json::json!({"status": "failed", "side": "rust", "error": "injected"});
}

/// Fault: results from another CPU.
fn other_machine(json: &mut Value) {
    json["machine"]["cpu_model"] = Value::from("some other CPU");
}

fn pair<'a>(json: &'a mut Value, kernel: &str) -> &'a mut Value {
    json["pairs"]
        .as_array_mut()
        .expect("pairs")
        .iter_mut()
        .find(|p| p["kernel"] == kernel)
        .expect("kernel in results")
}

#[test]
fn gate_passes_a_a_and_fails_on_each_injected_fault() {
    let dir = common::scratch("gate", "faults");
    let baseline = results(&dir.join("a"));
    let current = results(&dir.join("b"));

    // A/A: the same code and samples, two runs.
    let (code, out) = gate(&baseline, &current, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("twinbench gate: PASS"), "{out}");
    let junit = std::fs::read_to_string(current.with_file_name("gate.junit.xml")).expect("junit");
    assert!(junit.contains("<testcase classname=\"twinbench.timing\" name=\"pagerank/400/rust\""));

    // 10% slower Rust pagerank at 400 nodes: a regression at a 5% threshold,
    // named; within the default 10% it is not significant beyond it.
    let slow = dir.join("slow.json");
    edit(&current, &slow, |json| {
        let size = &mut pair(json, "pagerank")["sizes"][1];
        for timing in size["timings"].as_array_mut().expect("timings") {
            if timing["side"] == "rust" {
                slow_down(timing, 1.10);
            }
        }
    });
    let (code, out) = gate(&baseline, &slow, &["--threshold", "0.05"]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("pagerank/400/rust"), "{out}");
    assert_eq!(
        out.matches("| Regression |").count(),
        1,
        "only the slowed kernel is flagged: {out}"
    );
    let (code, out) = gate(&baseline, &slow, &[]);
    assert_eq!(code, Some(0), "10% is not beyond a 10% threshold: {out}");

    // The slowdown must reproduce: the rerun list names it, and a rerun
    // that is as slow keeps it a regression; one at the old speed (a burst of
    // load in the first run) clears it; no rerun at all leaves it standing.
    let list = dir.join("rerun.txt");
    let list_arg = list.to_str().expect("utf-8 path");
    let (code, out) = gate(
        &baseline,
        &slow,
        &["--threshold", "0.05", "--rerun-list", list_arg],
    );
    assert_eq!(code, Some(3), "{out}");
    assert_eq!(
        std::fs::read_to_string(&list).expect("rerun list"),
        "pagerank/400/rust\n"
    );
    let pagerank_400 = BenchId::pair("pagerank", Side::Rust, 400);
    for (name, ns, expected, says) in [
        ("rerun-slow", 2_200.0, 3, "reproduced on rerun"),
        ("rerun-fast", 2_000.0, 0, "not reproduced on rerun"),
    ] {
        let rerun = dir.join(name);
        std::fs::create_dir_all(&rerun).expect("rerun dir");
        let mut run = BenchRun::starting_now(Path::new("quick.toml"), None);
        run.started_unix_ms -= 2_000;
        bench_run::write(&rerun, &run).expect("bench-run record");
        fake_samples(&rerun, &pagerank_400, ns);
        let rerun_arg = rerun.to_str().expect("utf-8 path");
        let (code, out) = gate(
            &baseline,
            &slow,
            &[
                "--threshold",
                "0.05",
                "--confirm",
                rerun_arg,
                "--rerun-list",
                list_arg,
            ],
        );
        assert_eq!(code, Some(expected), "{name}: {out}");
        assert!(out.contains(says), "{name}: {out}");
        let still = std::fs::read_to_string(&list).expect("rerun list");
        assert_eq!(still.is_empty(), expected == 0, "{name}: {still:?}");
    }
    let empty = dir.join("rerun-missing");
    std::fs::create_dir_all(&empty).expect("empty rerun dir");
    let (code, out) = gate(
        &baseline,
        &slow,
        &[
            "--threshold",
            "0.05",
            "--confirm",
            empty.to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(code, Some(3), "no rerun samples never pass: {out}");
    assert!(out.contains("no rerun to confirm it"), "{out}");

    // A parallel side 30% slower: on this 2-CPU machine shown, not judged
    // (unless asked); judged, it is a regression named as such.
    let slow_parallel = dir.join("slow-parallel.json");
    edit(&current, &slow_parallel, |json| {
        let size = &mut pair(json, "pagerank")["sizes"][1];
        for timing in size["timings"].as_array_mut().expect("timings") {
            if timing["side"] == "rust-parallel" {
                slow_down(timing, 1.30);
            }
        }
    });
    let two_cpus = |json: &mut Value| json["machine"]["logical_cpus"] = Value::from(2);
    let (two_base, two_slow) = (dir.join("two-base.json"), dir.join("two-slow.json"));
    edit(&baseline, &two_base, two_cpus);
    edit(&slow_parallel, &two_slow, two_cpus);
    let (code, out) = gate(&two_base, &two_slow, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("shown, not judged"), "{out}");
    let (code, out) = gate(&two_base, &two_slow, &["--gate-parallel", "always"]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("pagerank/400/rust-parallel"), "{out}");

    // A correctness error.
    let wrong = dir.join("wrong.json");
    edit(&current, &wrong, |json| {
        fail_correctness(json, "degree_centrality", 0)
    });
    let (code, out) = gate(&baseline, &wrong, &[]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("degree_centrality/200"), "{out}");

    // A kernel missing from the current run.
    let missing = dir.join("missing.json");
    edit(&current, &missing, |json| {
        json["pairs"]
            .as_array_mut()
            .expect("pairs")
            .retain(|p| p["kernel"] != "pagerank");
    });
    let (code, out) = gate(&baseline, &missing, &[]);
    assert_eq!(code, Some(3), "{out}");
    assert!(
        out.contains("pagerank/200") && out.contains("missing"),
        "{out}"
    );

    // Another machine: cannot judge unless asked.
    let elsewhere = dir.join("elsewhere.json");
    edit(&current, &elsewhere, other_machine);
    let (code, out) = gate(&baseline, &elsewhere, &[]);
    assert_eq!(code, Some(2), "{out}");
    let (code, out) = gate(&baseline, &elsewhere, &["--allow-other-machine"]);
    assert_eq!(code, Some(0), "{out}");

    // No baseline, unreadable data, usage errors.
    let (code, out) = gate(&dir.join("no-such.json"), &current, &[]);
    assert_eq!(code, Some(2), "{out}");
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{not json").expect("write");
    let (code, out) = gate(&baseline, &garbage, &[]);
    assert_eq!(code, Some(2), "{out}");
    let (code, out) = gate(&baseline, &current, &["--threshold", "-1"]);
    assert_eq!(code, Some(1), "{out}");
    let (code, out) = gate(&baseline, &current, &["--no-such-flag"]);
    assert_eq!(code, Some(1), "{out}");
}

/// The committed baseline is a real run's results: it must read back and
/// match the published schema, or `make gate` could never pass.
#[test]
fn the_committed_baseline_is_a_valid_results_file() {
    let path = twinbench::workspace::root().join("reports/baseline.json");
    let json: Value = serde_json::from_slice(&std::fs::read(&path).expect("reports/baseline.json"))
        .expect("baseline JSON");
    common::assert_matches_schema(&json);
    let results = twinbench::results::load(&path).expect("baseline loads as Results");
    assert!(!results.pairs.is_empty() && results.concurrency.is_some());
}

/// `twinbench pool`: a baseline from several runs holds every run's samples,
/// matches the schema and gates an A/A run; runs that could not be a
/// baseline on their own, or come from elsewhere, are refused by name.
#[test]
fn pool_makes_one_baseline_from_several_runs() {
    let dir = common::scratch("gate", "pool");
    let a = results(&dir.join("a"));
    let b = results(&dir.join("b"));
    let c = results(&dir.join("c"));
    let pooled = dir.join("pooled.json");
    let pool = |runs: &[&Path]| {
        let mut args: Vec<&std::ffi::OsStr> = vec!["pool".as_ref()];
        args.extend(runs.iter().map(|r| r.as_os_str()));
        args.extend(["--out".as_ref(), pooled.as_os_str()]);
        twinbench(&args)
    };
    let (code, out) = pool(&[&a, &b]);
    assert_eq!(code, Some(0), "{out}");
    let json: Value =
        serde_json::from_slice(&std::fs::read(&pooled).expect("pooled")).expect("json");
    common::assert_matches_schema(&json);
    assert_eq!(json["pooled_from"].as_array().map(Vec::len), Some(2));
    let samples = |json: &Value| {
        let pair = json["pairs"]
            .as_array()
            .expect("pairs")
            .iter()
            .find(|p| p["kernel"] == "pagerank")
            .expect("pagerank");
        pair["sizes"][0]["timings"]
            .as_array()
            .expect("timings")
            .iter()
            .find(|t| t["side"] == "rust")
            .expect("rust")
            .clone()
    };
    let single: Value = serde_json::from_slice(&std::fs::read(&a).expect("a")).expect("json");
    assert_eq!(
        samples(&json)["samples"].as_u64(),
        samples(&single)["samples"].as_u64().map(|n| 2 * n)
    );
    let (code, out) = gate(&pooled, &c, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("samples of 2 runs pooled"), "{out}");

    let wrong = dir.join("wrong.json");
    edit(&b, &wrong, |json| {
        fail_correctness(json, "degree_centrality", 0)
    });
    let (code, out) = pool(&[&a, &wrong]);
    assert_ne!(code, Some(0), "{out}");
    assert!(
        out.contains("cannot be part of a baseline") && out.contains("disagree"),
        "{out}"
    );
    let elsewhere = dir.join("elsewhere.json");
    edit(&b, &elsewhere, other_machine);
    let (code, out) = pool(&[&a, &elsewhere]);
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains("disagree on machine"), "{out}");

    // The same run five times is one measurement, not five: refused, by id
    // and (renamed) by content.
    let (code, out) = pool(&[&a, &a, &a, &a, &a]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("given twice (the same run id)"), "{out}");
    let renamed = dir.join("renamed.json");
    edit(&a, &renamed, |json| {
        json["run_id"] = Value::from("another-name")
    });
    let (code, out) = pool(&[&a, &renamed]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("the same samples as another run"), "{out}");
}
