//! Every file twinbench reads is untrusted: mangled results, shards, pool
//! runs, scenarios and output paths end in a clear refusal — never a panic,
//! never a pass, never a file written outside its folder.
//!
//! The named cases are the failures a new user found; the property tests
//! mutate a real results.json structure-aware (drop a field, duplicate a
//! record, flip a sign, huge or non-finite numbers, wrong types, truncation,
//! a foreign version) and feed it to the loader and to every library stage
//! that reads results (gate, merge, pool, the exports) in-process.

use std::ffi::OsStr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;

use crate::common;
use crate::gate::{gate, results, twinbench};

/// One real results.json (a `twinbench report` run on fake samples),
/// made once for the whole module, and its parsed JSON.
fn fixture() -> &'static (PathBuf, Value) {
    static FIXTURE: OnceLock<(PathBuf, Value)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = common::scratch("untrusted", "fixture");
        let path = results(&dir.join("run"));
        let json = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        (path, json)
    })
}

fn write(dir: &Path, name: &str, json: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(json).expect("encode")).expect("write");
    path
}

fn rust_timing(json: &mut Value) -> &mut Value {
    json["pairs"][0]["sizes"][0]["timings"]
        .as_array_mut()
        .expect("timings")
        .iter_mut()
        .find(|t| t["side"] == "rust")
        .expect("a rust timing")
}

/// A change made to a results file, and what the refusal must say.
type Mutate = Box<dyn Fn(&mut Value)>;

/// The gate on `baseline` vs `current`: exit code and output.
fn judge_files(baseline: &Path, current: &Path) -> (Option<i32>, String) {
    gate(baseline, current, &[])
}

#[test]
fn the_gate_refuses_what_it_cannot_trust() {
    let dir = common::scratch("untrusted", "gate");
    let (good, json) = fixture();
    let cases: Vec<(&str, Mutate, &str)> = vec![
        (
            "foreign version",
            Box::new(|j| j["schema_version"] = Value::from(999)),
            "schema_version: 999 found, this twinbench reads 3",
        ),
        (
            "negative samples",
            Box::new(|j| {
                for t in rust_timing(j)["per_iteration_ns"]
                    .as_array_mut()
                    .expect("samples")
                {
                    *t = Value::from(-t.as_f64().expect("number"));
                }
            }),
            "per_iteration_ns[0]",
        ),
        (
            "absurd samples",
            Box::new(|j| rust_timing(j)["per_iteration_ns"][0] = Value::from(1e308)),
            "a per-call time must be finite, above 0",
        ),
        (
            "mean not of its samples",
            Box::new(|j| rust_timing(j)["mean_ns"]["point"] = Value::from(1.0)),
            "mean_ns.point",
        ),
        (
            "duplicated kernel",
            Box::new(|j| {
                let first = j["pairs"][0].clone();
                j["pairs"].as_array_mut().expect("pairs").push(first);
            }),
            "this kernel appears twice",
        ),
        (
            "duplicated side",
            Box::new(|j| {
                let t = rust_timing(j).clone();
                j["pairs"][0]["sizes"][0]["timings"]
                    .as_array_mut()
                    .expect("timings")
                    .push(t);
            }),
            "this side appears twice",
        ),
        (
            "duplicated alternative",
            Box::new(|j| {
                let alternatives = j["pairs"]
                    .as_array_mut()
                    .expect("pairs")
                    .iter_mut()
                    .flat_map(|p| p["sizes"].as_array_mut().expect("sizes"))
                    .map(|s| s["alternatives"].as_array_mut().expect("alternatives"))
                    .find(|a| !a.is_empty())
                    .expect("a size with a peer (pagerank's)");
                let first = alternatives[0].clone();
                alternatives.push(first);
            }),
            "this alternative appears twice",
        ),
        (
            "run id with a path",
            Box::new(|j| j["run_id"] = Value::from("../outside")),
            "run_id",
        ),
    ];
    for (what, mutate, says) in cases {
        let mut bad = json.clone();
        mutate(&mut bad);
        let bad = write(&dir, &format!("{}.json", what.replace(' ', "-")), &bad);
        for (baseline, current) in [
            (good.as_path(), bad.as_path()),
            (bad.as_path(), good.as_path()),
        ] {
            let (code, out) = judge_files(baseline, current);
            assert_eq!(code, Some(2), "{what}: {out}");
            assert!(
                out.contains("cannot judge") && out.contains(says),
                "{what}: {out}"
            );
        }
    }
    // A baseline with no pairs at all has nothing to hold the run to.
    let mut empty = json.clone();
    empty["pairs"] = Value::Array(Vec::new());
    let empty = write(&dir, "no-pairs.json", &empty);
    let (code, out) = judge_files(&empty, good);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("the baseline has no kernel pairs"), "{out}");
}

#[test]
fn outputs_never_overwrite_inputs_and_a_failed_write_is_not_a_pass() {
    let dir = common::scratch("untrusted", "outputs");
    let (good, _) = fixture();
    let baseline = dir.join("baseline.json");
    std::fs::copy(good, &baseline).expect("copy");
    let before = std::fs::read(&baseline).expect("read");
    for flag in ["--markdown", "--junit", "--rerun-list"] {
        let (code, out) = gate(&baseline, good, &[flag, baseline.to_str().expect("utf-8")]);
        assert_eq!(code, Some(1), "{flag}: {out}");
        assert!(out.contains("is also an input"), "{flag}: {out}");
        assert_eq!(
            std::fs::read(&baseline).expect("read"),
            before,
            "{flag} destroyed it"
        );
    }
    // The verdict comes first; an unwritable summary is reported beside it
    // and a pass becomes "cannot judge" (2).
    let (code, out) = gate(&baseline, good, &["--markdown", "/proc/twinbench/gate.md"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("twinbench gate: PASS") && out.contains("cannot write"),
        "{out}"
    );

    // instructions --out naming its baseline is refused before any count.
    let counts = dir.join("counts.json");
    std::fs::copy(
        common::workspace_file("reports/instructions-baseline.json"),
        &counts,
    )
    .expect("copy counts");
    let (code, out) = twinbench(&[
        OsStr::new("instructions"),
        OsStr::new("--baseline"),
        counts.as_os_str(),
        OsStr::new("--out"),
        counts.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("is also an input"), "{out}");

    // pool --out naming one of its runs.
    let (code, out) = twinbench(&[
        OsStr::new("pool"),
        baseline.as_os_str(),
        OsStr::new("--out"),
        baseline.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(std::fs::read(&baseline).expect("read"), before);

    // report checks --out before its work, not after.
    let (code, out) = twinbench(&[
        OsStr::new("report"),
        OsStr::new("--skip-checks"),
        OsStr::new("--out"),
        OsStr::new("/proc/twinbench-reports"),
    ]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("cannot write there"), "{out}");
    assert!(
        !out.contains("checking size"),
        "the run started anyway: {out}"
    );
}

/// A shard of the fixture: `index` of `count`, carrying the given kernels.
fn shard(json: &Value, index: usize, count: usize, kernels: &[usize]) -> Value {
    let mut s = json.clone();
    s["shard"] = serde_json::json!({ "index": index, "count": count });
    let pairs: Vec<Value> = kernels.iter().map(|&k| json["pairs"][k].clone()).collect();
    s["pairs"] = Value::Array(pairs);
    s
}

#[test]
fn merge_refuses_bad_shards_without_panicking_or_writing_outside() {
    let dir = common::scratch("untrusted", "merge");
    let (_, json) = fixture();
    let merge = |files: &[PathBuf], out: &Path| {
        let mut args: Vec<&OsStr> = vec![OsStr::new("merge")];
        args.extend(files.iter().map(|f| f.as_os_str()));
        args.extend([OsStr::new("--out"), out.as_os_str()]);
        twinbench(&args)
    };
    let out = dir.join("out");
    let good = [
        write(&dir, "1.json", &shard(json, 1, 2, &[0])),
        write(&dir, "2.json", &shard(json, 2, 2, &[1])),
    ];
    let (code, text) = merge(&good, &out);
    assert_eq!(code, Some(0), "{text}");

    let cases: Vec<(&str, Vec<Value>, &str)> = vec![
        (
            "index 0",
            vec![shard(json, 0, 2, &[0]), shard(json, 2, 2, &[1])],
            "shard",
        ),
        (
            "index beyond count",
            vec![shard(json, 3, 2, &[0]), shard(json, 2, 2, &[1])],
            "shard",
        ),
        ("count 0", vec![shard(json, 1, 0, &[0])], "shard"),
        (
            "huge count",
            vec![shard(json, 1, usize::MAX, &[0])],
            "shard",
        ),
        (
            "overlapping kernels",
            vec![shard(json, 1, 2, &[0]), shard(json, 2, 2, &[0])],
            "is in shards 1 and 2",
        ),
        (
            "foreign version",
            vec![
                {
                    let mut s = shard(json, 1, 2, &[0]);
                    s["schema_version"] = Value::from(2);
                    s
                },
                shard(json, 2, 2, &[1]),
            ],
            "schema_version",
        ),
    ];
    for (what, shards, says) in cases {
        let files: Vec<PathBuf> = shards
            .iter()
            .enumerate()
            .map(|(i, s)| write(&dir, &format!("{}-{i}.json", what.replace(' ', "-")), s))
            .collect();
        let (code, text) = merge(&files, &out);
        assert_eq!(code, Some(2), "{what}: {text}");
        assert!(text.contains(says), "{what}: {text}");
    }
    // A run id that is a path never becomes one.
    let escape = dir.join("escape");
    for run_id in ["../escaped", "/tmp/twinbench-escaped", "a/b"] {
        let files: Vec<PathBuf> = [shard(json, 1, 2, &[0]), shard(json, 2, 2, &[1])]
            .into_iter()
            .enumerate()
            .map(|(i, mut s)| {
                s["run_id"] = Value::from(run_id);
                write(&dir, &format!("escape-{i}.json"), &s)
            })
            .collect();
        let (code, text) = merge(&files, &escape.join("out"));
        assert_eq!(code, Some(2), "{run_id}: {text}");
        assert!(text.contains("run_id"), "{run_id}: {text}");
    }
    assert!(!escape.join("escaped").exists() && !Path::new("/tmp/twinbench-escaped").exists());
}

/// Every JSON location in `value`, as a path of keys and indices.
fn locations(value: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(here.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                here.push(Step::Key(k.clone()));
                locations(v, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                here.push(Step::Index(i));
                locations(v, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// How one location is mangled.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    Drop,
    Duplicate,
    FlipSign,
    Huge,
    Null,
    WrongType,
    Truncate,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Drop),
        Just(Mutation::Duplicate),
        Just(Mutation::FlipSign),
        Just(Mutation::Huge),
        Just(Mutation::Null),
        Just(Mutation::WrongType),
        Just(Mutation::Truncate),
    ]
}

/// Applies `m` at `path`; the bytes of the mangled file.
fn mangle(json: &Value, path: &[Step], m: Mutation, cut: f64) -> Vec<u8> {
    let mut doc = json.clone();
    if let Mutation::Truncate = m {
        let bytes = serde_json::to_vec(&doc).expect("encode");
        let keep = ((bytes.len() as f64) * cut) as usize;
        return bytes[..keep.min(bytes.len().saturating_sub(1))].to_vec();
    }
    let Some((last, parent)) = path.split_last() else {
        return b"[]".to_vec();
    };
    let container = at(&mut doc, parent);
    match (m, last, container) {
        (Mutation::Drop, Step::Key(k), Value::Object(map)) => {
            map.remove(k);
        }
        (Mutation::Drop, Step::Index(i), Value::Array(items)) => {
            items.remove(*i);
        }
        (Mutation::Duplicate, Step::Index(i), Value::Array(items)) => {
            let copy = items[*i].clone();
            items.push(copy);
        }
        (_, step, container) => {
            let target = match step {
                Step::Key(k) => &mut container[k.as_str()],
                Step::Index(i) => &mut container[*i],
            };
            *target = match m {
                Mutation::FlipSign => match target.as_f64() {
                    Some(x) if x != 0.0 => Value::from(-x),
                    _ => Value::from(-1),
                },
                Mutation::Huge => Value::from(1e308),
                Mutation::Null => Value::Null,
                // Another type than the one there: a number for a string,
                // a string for anything else.
                _ if target.is_string() => Value::from(42),
                _ => Value::from("not what was expected"),
            };
        }
    }
    serde_json::to_vec(&doc).expect("encode")
}

/// Whether a location is one the validator guards: a mangled value there
/// must be refused, whatever the mutation (except a harmless duplicate or
/// drop of an optional part, which the caller excludes).
fn guarded(path: &[Step]) -> bool {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            Step::Key(k) => Some(k.as_str()),
            Step::Index(_) => None,
        })
        .collect();
    matches!(
        keys.as_slice(),
        ["schema_version"] | ["run_id"] | [.., "timings", "per_iteration_ns"]
    ) || keys.ends_with(&["timings", "mean_ns", "point"])
}

/// Every library stage that reads a results file, in-process: none may
/// panic, whatever the file held. Whether the loader accepted the file.
fn every_stage(bytes: &[u8], valid: &twinbench::results::Results) -> bool {
    let parsed = twinbench::results::parse(Path::new("mangled.json"), bytes);
    let Ok(mangled) = parsed else {
        return false;
    };
    let options = twinbench::gate::GateOptions::default();
    let report = twinbench::gate::judge(valid, &mangled, &options);
    let _ = twinbench::gate::markdown(&report);
    let _ = twinbench::gate::junit(&report);
    let _ = twinbench::gate::judge(&mangled, valid, &options);
    let _ = twinbench::run::merge(vec![mangled.clone(), valid.clone()]);
    let _ = twinbench::run::pool_runs(vec![valid.clone(), mangled.clone()]);
    use twinbench::format::Format;
    let input = twinbench::export::Exported {
        results: &mangled,
        instructions: None,
    };
    let _ = twinbench::export::Bmf.render(&input);
    let _ = twinbench::export::Gab.render(&input);
    let _ = twinbench::report::render(&mangled);
    true
}

/// `cases` cases (or `PROPTEST_CASES`), the same every run: a fixed seed, so
/// a CI failure reproduces, and no persisted failures.
fn fixed_config(cases: u32, seed: u64) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        ..ProptestConfig::default()
    }
}

proptest! {
    // 1 000 mangled files, the same ones every run (a fixed seed: a CI
    // failure reproduces); `PROPTEST_CASES=20000` explores further.
    #![proptest_config(fixed_config(1_000, 0x7477_696E_6265_6E63))]

    /// Mangle one location of a real results.json: no stage panics, and a
    /// mangled guarded value is never accepted.
    #[test]
    fn mangled_results_never_panic_nor_pass(
        pick in any::<prop::sample::Index>(),
        m in mutation(),
        cut in 0.0f64..1.0,
    ) {
        let (path, json) = fixture();
        let valid = twinbench::results::load(path).expect("the fixture is valid");
        let mut all = Vec::new();
        locations(json, &mut Vec::new(), &mut all);
        let location = pick.get(&all);
        let bytes = mangle(json, location, m, cut);
        let outcome = catch_unwind(AssertUnwindSafe(|| every_stage(&bytes, &valid)));
        prop_assert!(outcome.is_ok(), "a stage panicked on {m:?} at {location:?}");
        let accepted = outcome.unwrap_or(false);
        let corrupting = matches!(
            m,
            Mutation::FlipSign | Mutation::Huge | Mutation::Null | Mutation::WrongType
        );
        if guarded(location) && corrupting {
            prop_assert!(!accepted, "{m:?} at {location:?} was accepted");
        }
        if matches!(m, Mutation::Truncate) {
            prop_assert!(!accepted, "a truncated file was accepted");
        }
    }
}

#[test]
fn replay_of_a_schedule_it_cannot_use_is_not_reproduced() {
    let dir = common::scratch("untrusted", "replay");
    let empty = dir.join("schedule.txt");
    std::fs::write(&empty, "").expect("write");
    let missing = dir.join("missing.json");
    for (checker, schedule, says) in [
        ("shuttle-random", &empty, "cannot replay"),
        ("loom", &empty, "cannot replay"),
        ("loom", &missing, "cannot read schedule file"),
    ] {
        let (code, out) = twinbench(&[
            OsStr::new("replay"),
            OsStr::new("zoo.LB.seed003"),
            OsStr::new("--checker"),
            OsStr::new(checker),
            OsStr::new("--schedule"),
            schedule.as_os_str(),
        ]);
        assert_eq!(code, Some(2), "{checker}: {out}");
        assert!(
            out.contains(says) && !out.contains("reproduced"),
            "{checker}: {out}"
        );
    }
    assert!(!missing.exists(), "loom created the schedule file");
}

/// A real scenario file (the one `make report` runs) as JSON, so the same
/// structure-aware mutations serve TOML too.
fn scenario_fixture() -> &'static (String, Value) {
    static FIXTURE: OnceLock<(String, Value)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = twinbench::workspace::default_scenario();
        let text = std::fs::read_to_string(&path).expect("read the default scenario");
        let value: toml::Value = toml::from_str(&text).expect("the default scenario is TOML");
        let json = serde_json::to_value(value).expect("TOML as JSON");
        (text, json)
    })
}

/// The mangled scenario's text: the JSON mangling turned back into TOML (a
/// null, which TOML cannot hold, becomes a dropped key), or cut mid-file.
fn mangle_scenario(text: &str, json: &Value, path: &[Step], m: Mutation, cut: f64) -> String {
    if let Mutation::Truncate = m {
        let keep = ((text.len() as f64) * cut) as usize;
        let mut end = keep.min(text.len().saturating_sub(1));
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        return text[..end].to_string();
    }
    let m = if let Mutation::Null = m {
        Mutation::Drop
    } else {
        m
    };
    let mangled: Value = serde_json::from_slice(&mangle(json, path, m, cut)).expect("json");
    toml::to_string(&mangled).unwrap_or_else(|e| format!("# not TOML: {e}\n[[[\n"))
}

proptest! {
    // 500 mangled scenarios, the same every run (~1 s).
    #![proptest_config(fixed_config(500, 0x7363_656E_6172_696F))]

    /// Mangle one location of the real default scenario: the loader never
    /// panics, a size made negative, huge, fractional or of another type is
    /// refused, and whatever it accepts holds the scenario invariants
    /// (known kernels, sizes positive and unique).
    #[test]
    fn mangled_scenarios_never_panic_nor_pass(
        pick in any::<prop::sample::Index>(),
        m in mutation(),
        cut in 0.0f64..1.0,
    ) {
        let (text, json) = scenario_fixture();
        let mut all = Vec::new();
        locations(json, &mut Vec::new(), &mut all);
        let location = pick.get(&all);
        let mangled = mangle_scenario(text, json, location, m, cut);
        let parsed = catch_unwind(AssertUnwindSafe(|| {
            twinbench::scenario::parse(Path::new("mangled.toml"), &mangled)
        }));
        prop_assert!(parsed.is_ok(), "the loader panicked on {m:?} at {location:?}");
        let Ok(Ok(scenario)) = parsed else {
            return Ok(());
        };
        let is_size = matches!(
            location.as_slice(),
            [Step::Key(k), Step::Index(_), Step::Key(s), Step::Index(_)]
                if k == "kernel" && s == "sizes"
        );
        let corrupting = matches!(m, Mutation::FlipSign | Mutation::Huge | Mutation::WrongType);
        prop_assert!(
            !(is_size && corrupting),
            "{m:?} of a size at {location:?} was accepted"
        );
        for plan in &scenario.kernels {
            prop_assert!(twinbench::pairs::find(plan.pair.name).is_some());
            let mut sizes = plan.sizes.clone();
            sizes.sort_unstable();
            sizes.dedup();
            prop_assert_eq!(sizes.len(), plan.sizes.len(), "a size repeated");
            prop_assert!(plan.sizes.iter().all(|&s| s > 0), "a size of 0");
        }
    }
}

/// A host calibration as a bench run records it (`measure::calibration`).
fn calibration(chain_ns: f64, chase_ns: f64) -> Value {
    serde_json::json!({
        "chain_ns": chain_ns, "chase_ns": chase_ns,
        "chain_steps": 4_194_304, "chase_steps": 1_048_576
    })
}

/// Another host whose CPU reads the same name: its fingerprint or its
/// calibration tells, and the gate then says "cannot judge" (exit 2) —
/// never a pass, and never a regression of kernels judged against a drift
/// they do not share. On one host, neither is raised.
#[test]
fn another_host_with_the_same_cpu_name_is_not_judged() {
    let dir = common::scratch("untrusted", "host");
    let (_, json) = fixture();
    let mut baseline = json.clone();
    baseline["bench_run"]["calibration"] = calibration(4.0e6, 9.0e7);
    baseline["machine"]["fingerprint"] = serde_json::json!({
        "cpu_id": "AuthenticAMD 25/1/1",
        "cpu_flags": ["avx2", "sse2", "vaes"],
        "caches": ["L1 Data 32K", "L2 Unified 512K", "L3 Unified 32768K"]
    });
    let baseline_path = write(&dir, "baseline.json", &baseline);
    let cases: Vec<(&str, Mutate, Option<&str>)> = vec![
        (
            "the same host, calibration 5% slower",
            Box::new(|j| j["bench_run"]["calibration"] = calibration(4.2e6, 9.3e7)),
            None,
        ),
        (
            "another CPU generation",
            Box::new(|j| {
                j["machine"]["fingerprint"]["cpu_flags"] = serde_json::json!(["avx2", "sse2"]);
                j["machine"]["fingerprint"]["cpu_id"] = Value::from("AuthenticAMD 23/49/0");
            }),
            Some("CPU flags differ (only the first: vaes"),
        ),
        (
            "other caches",
            Box::new(|j| {
                j["machine"]["fingerprint"]["caches"][2] = Value::from("L3 Unified 16384K")
            }),
            Some("caches"),
        ),
        (
            "a slower host, integer chain",
            Box::new(|j| j["bench_run"]["calibration"] = calibration(5.9e6, 9.1e7)),
            Some("the integer chain calibration loop took 5.90 ms"),
        ),
        (
            "a faster host, memory chase",
            Box::new(|j| j["bench_run"]["calibration"] = calibration(4.0e6, 5.0e7)),
            Some("the memory chase calibration loop took 50.00 ms"),
        ),
    ];
    for (what, mutate, says) in cases {
        let mut current = baseline.clone();
        mutate(&mut current);
        // Every Rust timing of the other host 60% slower, as a slower host
        // would make it: without the identity check, a regression (exit 3).
        if says.is_some() {
            for pair in current["pairs"].as_array_mut().expect("pairs") {
                for size in pair["sizes"].as_array_mut().expect("sizes") {
                    for t in size["timings"].as_array_mut().expect("timings") {
                        if t["side"] == "rust" {
                            crate::gate::slow_down(t, 1.6);
                        }
                    }
                }
            }
        }
        let current = write(
            &dir,
            &format!("{}.json", what.replace([' ', ','], "-")),
            &current,
        );
        let (code, out) = judge_files(&baseline_path, &current);
        match says {
            None => {
                assert_eq!(code, Some(0), "{what}: {out}");
                assert!(!out.contains("not the baseline's"), "{what}: {out}");
            }
            Some(says) => {
                assert_eq!(code, Some(2), "{what}: {out}");
                assert!(out.contains(says), "{what}: {out}");
                assert!(
                    out.contains(" 0 regression") && !out.contains("| Regression |"),
                    "{what}: {out}"
                );
            }
        }
    }
}

/// Runs the checks of `case` with `twinbench checks`, saving their replay
/// files under `dir`; the folder of its loom checkpoint.
fn saved_loom_checkpoint(case: &str, dir: &Path) -> PathBuf {
    let (code, out) = twinbench(&[
        OsStr::new("checks"),
        OsStr::new(case),
        OsStr::new("--replay-dir"),
        dir.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    std::fs::read_dir(dir)
        .expect("replay dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| n.starts_with(&format!("{case}.loom.")))
        })
        .expect("a loom checkpoint folder")
}

/// A loom checkpoint of one case relabelled as another's, digest and all
/// (a forgery, not a mix-up): replay runs it in a child process, so neither
/// a loom abort nor a panic takes the command down; it never says
/// "reproduced" for anything but the case's own invariant, and it never
/// writes the schedule file (loom rewrites its checkpoint as it explores).
#[test]
fn a_forged_loom_checkpoint_is_never_a_crash_nor_a_foreign_reproduction() {
    let dir = common::scratch("untrusted", "forged-loom");
    let victim = "zoo.LB.seed003";
    let own = saved_loom_checkpoint(victim, &dir.join("own"));
    let foreign = saved_loom_checkpoint("zoo.R1.1", &dir.join("foreign"));
    let forged = dir.join("forged");
    std::fs::create_dir_all(&forged).expect("dir");
    let checkpoint = forged.join("checkpoint.json");
    std::fs::copy(foreign.join("checkpoint.json"), &checkpoint).expect("copy");
    let bytes = std::fs::read(&checkpoint).expect("read");
    let mut identity: Value = serde_json::from_slice(
        &std::fs::read(own.join(twinbench_checks::runner::IDENTITY_FILE)).expect("identity"),
    )
    .expect("json");
    identity["schedule_digest"] = twinbench_checks::runner::schedule_digest(&bytes).into();
    write(&forged, twinbench_checks::runner::IDENTITY_FILE, &identity);
    let replay = |schedule: &Path| {
        twinbench(&[
            OsStr::new("replay"),
            OsStr::new(victim),
            OsStr::new("--checker"),
            OsStr::new("loom"),
            OsStr::new("--schedule"),
            schedule.as_os_str(),
        ])
    };
    let (code, out) = replay(&checkpoint);
    assert!(matches!(code, Some(0..=2)), "exit {code:?}: {out}");
    if code == Some(0) {
        assert!(
            out.contains("[load-equals-in-flight]"),
            "reproduced something not the case's own: {out}"
        );
    }
    assert_eq!(
        std::fs::read(&checkpoint).expect("read"),
        bytes,
        "replay wrote the schedule file"
    );
    // The genuine checkpoint still reproduces, and is not written either.
    let genuine = own.join("checkpoint.json");
    let before = std::fs::read(&genuine).expect("read");
    let (code, out) = replay(&genuine);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("reproduced"), "{out}");
    assert_eq!(std::fs::read(&genuine).expect("read"), before);
    // Untouched identity, foreign checkpoint copied in: a mix-up, refused.
    std::fs::copy(
        own.join(twinbench_checks::runner::IDENTITY_FILE),
        forged.join(twinbench_checks::runner::IDENTITY_FILE),
    )
    .expect("copy");
    let (code, out) = replay(&checkpoint);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("not the schedule saved with"), "{out}");
}

/// The other-host case from a recorded pair of results files:
/// `tests/data/other-host/baseline.json` is the committed gate baseline of
/// 2026-11-26 (5 pooled quick runs on a 2-vCPU VM whose CPU reads "AMD
/// EPYC"); `current.json` is a quick run of 2026-12-02 on a 2-vCPU Intel
/// Xeon VM (commit d62d3b6), its machine record relabelled "AMD EPYC" with
/// no fingerprint or calibration — as a twinbench that did not record them
/// saw it: another host that calls itself the same machine. (Both without
/// their model-check records, which the gate judges apart from timings.)
/// Kernels there moved by 0.92× to 2.64× against a median of 1.76×: judged
/// against that drift, four were "regressions"; now the run is not judged.
#[test]
fn a_recorded_run_from_another_host_is_not_judged() {
    let data = twinbench::workspace::root().join("tests/data/other-host");
    let out_dir = common::scratch("untrusted", "recorded-host");
    let (code, out) = gate(
        &data.join("baseline.json"),
        &data.join("current.json"),
        &[
            "--markdown",
            &out_dir.join("gate.md").display().to_string(),
            "--junit",
            &out_dir.join("gate.junit.xml").display().to_string(),
        ],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("this run's machine is not the baseline's"),
        "{out}"
    );
    assert!(
        out.contains(" 0 regression") && !out.contains("| Regression |"),
        "{out}"
    );
    // Asked to judge anyway, the same pair shows what the rule prevents.
    let (code, out) = gate(
        &data.join("baseline.json"),
        &data.join("current.json"),
        &[
            "--allow-other-machine",
            "--markdown",
            &out_dir.join("gate-anyway.md").display().to_string(),
            "--junit",
            &out_dir.join("gate-anyway.junit.xml").display().to_string(),
        ],
    );
    assert_eq!(code, Some(3), "{out}");
}
