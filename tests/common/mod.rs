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
