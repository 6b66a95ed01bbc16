//! Helpers shared by the integration tests (each test file is its own crate
//! and includes this module).

#[allow(dead_code)] // not every test file opens a browser
pub mod browser;

use std::path::PathBuf;

/// A fresh, empty folder for one test: `<tmp>/twinbench-<suite>-<pid>-<name>`.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("twinbench-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Fails unless `results` (a parsed results.json) matches the published
/// JSON Schema, naming every violation.
#[allow(dead_code)] // not every test file writes results
pub fn assert_matches_schema(results: &serde_json::Value) {
    let schema = twinbench::results::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the published schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(results)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "results.json does not match schema/results.schema.json:\n{}",
        errors.join("\n")
    );
}

/// Saves criterion-format samples for `id` under `criterion`: sample `k` ran
/// `k` iterations (criterion's linear sampling), at `per_iteration_ns[k-1]`
/// each.
#[allow(dead_code)] // not every test file records samples
pub fn record_samples(
    criterion: &std::path::Path,
    id: &twinbench::measure::BenchId,
    per_iteration_ns: &[f64],
) {
    let path = id.sample_file(criterion);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    let iters: Vec<f64> = (1..=per_iteration_ns.len()).map(|k| k as f64).collect();
    let times: Vec<f64> = iters
        .iter()
        .zip(per_iteration_ns)
        .map(|(n, t)| n * t)
        .collect();
    let json = serde_json::json!({"sampling_mode": "Linear", "iters": iters, "times": times});
    std::fs::write(path, json.to_string()).expect("sample.json");
}

/// The results.json of the (only) run folder under `reports`, checked
/// against the published schema.
#[allow(dead_code)] // not every test file writes results
pub fn run_results(reports: &std::path::Path) -> (PathBuf, serde_json::Value) {
    let path = std::fs::read_dir(reports)
        .expect("reports dir")
        .filter_map(Result::ok)
        .map(|e| e.path().join("results.json"))
        .find(|p| p.is_file())
        .expect("a run folder with results.json");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("valid JSON");
    assert_matches_schema(&json);
    (path, json)
}

/// A file of the workspace, by its path from the root.
#[allow(dead_code)] // not every test file reads one
pub fn workspace_file(relative: &str) -> PathBuf {
    twinbench::workspace::root().join(relative)
}
