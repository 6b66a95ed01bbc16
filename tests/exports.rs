//! The outputs CI tools read: `twinbench export --format bmf|gab` from a
//! real results.json (a `twinbench report` run) and a real instruction-count
//! file, validated against the formats' published shapes; the gate's JUnit
//! with not-judged timings as skipped; the step-summary size guard.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::{Value, json};

use crate::common;
use crate::gate::{gate, results, twinbench};

/// Bencher's published BMF schema (bencher.dev/bmf.json, draft-07): an object
/// of benchmarks, each an object of measures, each `{value, lower_value?,
/// upper_value?}`.
fn bmf_schema() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema",
        "type": "object",
        "patternProperties": { ".+": {
            "type": "object",
            "patternProperties": { ".+": {
                "type": "object",
                "properties": {
                    "value": { "type": "number" },
                    "lower_value": { "type": "number" },
                    "upper_value": { "type": "number" }
                },
                "required": ["value"]
            }}
        }}
    })
}

/// github-action-benchmark's `customSmallerIsBetter` input: an array of
/// `{name, unit, value, range?, extra?}`.
fn gab_schema() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema",
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "properties": {
                "name": { "type": "string", "minLength": 1 },
                "unit": { "type": "string", "minLength": 1 },
                "value": { "type": "number" },
                "range": { "type": "string" },
                "extra": { "type": "string" }
            },
            "required": ["name", "unit", "value"],
            "additionalProperties": false
        }
    })
}

fn assert_valid(schema: &Value, doc: &Value, what: &str) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{what} invalid:\n{}", errors.join("\n"));
}

fn export(results: &Path, format: &str, out: &Path) -> Value {
    let instructions = common::workspace_file("reports/instructions-baseline.json");
    let (code, text) = twinbench(&[
        OsStr::new("export"),
        results.as_os_str(),
        OsStr::new("--format"),
        OsStr::new(format),
        OsStr::new("--instructions"),
        instructions.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{text}");
    serde_json::from_slice(&std::fs::read(out).expect("export written")).expect("valid JSON")
}

#[test]
fn bmf_and_gab_exports_match_their_published_shapes() {
    let dir = common::scratch("exports", "formats");
    let run = results(&dir.join("run"));
    let parsed: Value = serde_json::from_slice(&std::fs::read(&run).expect("read")).expect("json");

    let bmf = export(&run, "bmf", &dir.join("bmf.json"));
    assert_valid(&bmf_schema(), &bmf, "BMF");
    let benchmarks = bmf.as_object().expect("object");
    // One entry per kernel/size/side of the results, with its interval.
    for pair in parsed["pairs"].as_array().expect("pairs") {
        for size in pair["sizes"].as_array().expect("sizes") {
            for timing in size["timings"].as_array().expect("timings") {
                let name = format!(
                    "{}/{}/{}",
                    pair["kernel"].as_str().expect("kernel"),
                    size["size"],
                    timing["side"].as_str().expect("side")
                );
                let latency = &benchmarks
                    .get(&name)
                    .unwrap_or_else(|| panic!("{name} missing from the BMF"))["latency"];
                assert_eq!(latency["value"], timing["mean_ns"]["point"], "{name}");
                let (low, value, high) = (
                    latency["lower_value"].as_f64().expect("lower"),
                    latency["value"].as_f64().expect("value"),
                    latency["upper_value"].as_f64().expect("upper"),
                );
                assert!(low <= value && value <= high, "{name}: {latency}");
            }
            if let Some(speedup) = size["speedup"].as_object() {
                let name = format!(
                    "{}/{}/rust",
                    pair["kernel"].as_str().expect("k"),
                    size["size"]
                );
                assert_eq!(
                    benchmarks[&name]["speedup"]["value"], speedup["point"],
                    "{name}"
                );
                assert!(
                    benchmarks[&name]["peak-bytes"]["value"].is_number(),
                    "{name}"
                );
            }
        }
    }
    // The instruction counts are there too, under the same names.
    let pagerank = &benchmarks["pagerank/1000/rust"]["instructions"]["value"];
    assert!(pagerank.as_f64().is_some_and(|v| v > 0.0), "{pagerank}");
    for (name, measures) in benchmarks {
        assert!(name.len() <= 1024, "{name}");
        for measure in measures.as_object().expect("measures").keys() {
            assert!(
                measure.len() <= 64 && measure.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            );
        }
    }

    let gab = export(&run, "gab", &dir.join("gab.json"));
    assert_valid(&gab_schema(), &gab, "github-action-benchmark JSON");
    let entries = gab.as_array().expect("array");
    assert!(
        entries
            .iter()
            .any(|e| e["name"] == "pagerank/1000/rust instructions")
    );
    assert!(entries.iter().any(|e| e["unit"] == "ns"));
    // Every value is smaller-is-better: no speedup among them.
    assert!(
        entries
            .iter()
            .all(|e| !e["name"].as_str().unwrap_or("").contains("speedup"))
    );

    // Bad input is an error naming the file, not an empty export.
    let (code, text) = twinbench(&[
        OsStr::new("export"),
        dir.join("missing.json").as_os_str(),
        OsStr::new("--format"),
        OsStr::new("bmf"),
    ]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("missing.json"), "{text}");
}

#[test]
fn junit_reports_unjudged_timings_as_skipped_with_a_time_per_case() {
    let dir = common::scratch("exports", "junit");
    let baseline = results(&dir.join("a"));
    let current = results(&dir.join("b"));
    let junit_of = |policy: &str| {
        let (code, out) = gate(&baseline, &current, &["--gate-parallel", policy]);
        assert_eq!(code, Some(0), "{out}");
        std::fs::read_to_string(current.with_file_name("gate.junit.xml")).expect("junit")
    };
    let shown = junit_of("never");
    let cases: Vec<&str> = shown
        .lines()
        .filter(|l| l.starts_with("<testcase"))
        .collect();
    let parallel: Vec<&&str> = cases
        .iter()
        .filter(|l| l.contains("/rust-parallel\""))
        .collect();
    assert!(!parallel.is_empty());
    assert!(
        parallel.iter().all(|l| l.contains("<skipped message=")),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("skipped=\"{}\"", parallel.len())),
        "the suite counts them: {shown}"
    );
    assert!(cases.iter().all(|l| l.contains(" time=\"")), "{shown}");
    let timing_times: Vec<f64> = cases
        .iter()
        .filter(|l| l.contains("twinbench.timing"))
        .filter_map(|l| l.split(" time=\"").nth(1)?.split('"').next()?.parse().ok())
        .collect();
    assert!(timing_times.iter().all(|&t| t > 0.0), "{timing_times:?}");
    // Judged, the same timings are plain passes.
    let judged = junit_of("always");
    assert!(!judged.contains("<skipped"), "{judged}");
    assert!(judged.contains("skipped=\"0\""), "{judged}");
}

#[test]
fn the_step_summary_is_cut_to_fit_and_points_to_the_full_file() {
    let dir = common::scratch("exports", "summary");
    let baseline = results(&dir.join("a"));
    let current = results(&dir.join("b"));
    let summary = dir.join("step-summary.md");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_twinbench"))
        .args(["gate", "--baseline"])
        .arg(&baseline)
        .arg("--current")
        .arg(&current)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("gate");
    assert_eq!(output.status.code(), Some(0));
    let full = std::fs::read_to_string(current.with_file_name("gate.md")).expect("gate.md");
    assert_eq!(std::fs::read_to_string(&summary).expect("summary"), full);

    let baseline_json = twinbench::results::load(&baseline).expect("baseline");
    let current_json = twinbench::results::load(&current).expect("current");
    let mut report = twinbench::gate::judge(
        &baseline_json,
        &current_json,
        &twinbench::gate::GateOptions::default(),
    );
    // Make it large: every check flagged, with a long detail.
    report.verdict = twinbench::gate::Verdict::Regression;
    for check in &mut report.checks {
        check.verdict = twinbench::gate::Verdict::Regression;
        check.detail = "x".repeat(2_000);
    }
    let whole = twinbench::gate::markdown(&report);
    let limit = whole.len() / 3;
    let cut = twinbench::gate::step_summary(&report, limit, "reports/quick/gate.md");
    assert!(cut.len() <= limit, "{} > {limit}", cut.len());
    assert!(cut.contains("reports/quick/gate.md"), "{cut}");
    assert!(
        cut.contains("more flagged checks in the full summary"),
        "{cut}"
    );
    assert!(cut.starts_with("## twinbench gate: REGRESSION"));
}
