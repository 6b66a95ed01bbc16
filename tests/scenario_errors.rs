//! A malformed scenario fails with the file, the line and the field named.

use std::path::{Path, PathBuf};

use twinbench::scenario::{self, ScenarioError};

fn write_scenario(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("twinbench-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write scenario");
    path
}

/// Loads `text` and returns the error's message, asserting that it names the
/// file, `line` and `field`.
fn expect_error(name: &str, text: &str, line: usize, field: &str) -> String {
    let path = write_scenario(name, text);
    let err = scenario::load(&path).expect_err("scenario must be rejected");
    let message = err.to_string();
    match &err {
        ScenarioError::Invalid { location, .. } => {
            assert_eq!(location.path, path, "{message}");
            assert_eq!(location.line, line, "{message}");
            assert_eq!(location.field, field, "{message}");
        }
        ScenarioError::Read { .. } => panic!("expected a validation error, got {message}"),
    }
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains(&format!(":{line}:")), "{message}");
    assert!(message.contains(field), "{message}");
    message
}

const HEADER: &str = "description = \"test\"\n\n";

#[test]
fn missing_file_names_the_path() {
    let path = Path::new("/nonexistent/twinbench/nothing.toml");
    let message = scenario::load(path).expect_err("missing").to_string();
    assert!(
        message.contains("/nonexistent/twinbench/nothing.toml"),
        "{message}"
    );
    assert!(message.contains("cannot read"), "{message}");
}

#[test]
fn unknown_field_in_a_kernel() {
    let text = format!("{HEADER}[[kernel]]\nname = \"pagerank\"\nsizez = [10]\n");
    let message = expect_error("unknown_field.toml", &text, 5, "kernel[0].sizez");
    assert!(message.contains("unknown field"), "{message}");
}

#[test]
fn unknown_top_level_field() {
    let message = expect_error("unknown_top.toml", "descripton = \"x\"\n", 1, "descripton");
    assert!(message.contains("unknown field"), "{message}");
}

#[test]
fn wrong_type_for_sizes() {
    let text = format!(
        "{HEADER}[[kernel]]\nname = \"spike_detector\"\n\n[[kernel]]\nname = \"pagerank\"\nsizes = \"large\"\n"
    );
    let message = expect_error("wrong_type.toml", &text, 8, "kernel[1].sizes");
    assert!(message.contains("invalid type"), "{message}");
}

#[test]
fn negative_size() {
    let text = format!("{HEADER}[[kernel]]\nname = \"pagerank\"\nsizes = [100, -5]\n");
    let message = expect_error("negative_size.toml", &text, 5, "kernel[0].sizes");
    assert!(message.contains("size -5 is impossible"), "{message}");
}

#[test]
fn size_below_what_the_generator_can_make() {
    let text = format!("{HEADER}[[kernel]]\nname = \"pagerank\"\nsizes = [3]\n");
    let message = expect_error("tiny_graph.toml", &text, 5, "kernel[0].sizes");
    assert!(message.contains("at least 4 nodes"), "{message}");
}

#[test]
fn unknown_kernel_lists_the_known_ones() {
    let text = format!("{HEADER}[[kernel]]\nname = \"pagerankk\"\n");
    let message = expect_error("unknown_kernel.toml", &text, 4, "kernel[0].name");
    assert!(message.contains("unknown kernel `pagerankk`"), "{message}");
    for pair in twinbench::pairs::PAIRS {
        assert!(message.contains(pair.name), "{message}");
    }
}

#[test]
fn negative_seed() {
    let text = format!("{HEADER}[[kernel]]\nname = \"pagerank\"\nseed = -1\n");
    expect_error("negative_seed.toml", &text, 5, "kernel[0].seed");
}

#[test]
fn negative_tolerance() {
    let text = format!(
        "{HEADER}[[kernel]]\nname = \"pagerank\"\ntolerance = {{ rtol = 1e-9, atol = -1.0 }}\n"
    );
    expect_error("negative_tol.toml", &text, 5, "kernel[0].tolerance.atol");
}

#[test]
fn tolerance_missing_a_field() {
    let text = format!("{HEADER}[[kernel]]\nname = \"pagerank\"\ntolerance = {{ rtol = 1e-9 }}\n");
    let message = expect_error("partial_tol.toml", &text, 5, "kernel[0].tolerance");
    assert!(message.contains("atol"), "{message}");
}

#[test]
fn duplicate_kernel() {
    let text =
        format!("{HEADER}[[kernel]]\nname = \"pagerank\"\n\n[[kernel]]\nname = \"pagerank\"\n");
    let message = expect_error("duplicate.toml", &text, 6, "kernel[1].name");
    assert!(message.contains("listed twice"), "{message}");
}

#[test]
fn no_kernels() {
    let message = expect_error("empty.toml", HEADER, 1, "kernel");
    assert!(message.contains("at least one [[kernel]]"), "{message}");
}

#[test]
fn toml_syntax_error() {
    let text = format!("{HEADER}[[kernel]]\nname = \"pagerank\nsizes = [1]\n");
    expect_error("syntax.toml", &text, 4, "kernel[0].name");
}

#[test]
fn every_shipped_scenario_loads() {
    let dir = twinbench::workspace::root().join("scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
            count += 1;
        }
    }
    assert!(count > 0, "no scenarios in {}", dir.display());
}

#[test]
fn a_size_that_cannot_fit_in_memory_is_refused_with_the_estimate() {
    let text = format!("{HEADER}[[kernel]]\nname = \"pagerank\"\nsizes = [1000, 1000000000000]\n");
    let message = expect_error("too_big.toml", &text, 5, "kernel[0].sizes");
    assert!(
        message.contains("cannot fit")
            && message.contains("bytes per node")
            && message.contains("GiB"),
        "{message}"
    );
}

#[test]
fn the_same_size_twice_is_refused() {
    let text = format!("{HEADER}[[kernel]]\nname = \"pagerank\"\nsizes = [1000, 1000]\n");
    let message = expect_error("twice.toml", &text, 5, "kernel[0].sizes");
    assert!(message.contains("listed twice"), "{message}");
}

/// The committed profiles run every registered pair: the quick one is what
/// `make gate` holds to its baseline, so a pair left out of it is never
/// gated (eleven were, from issue 15 until 2026-12-03).
#[test]
fn the_default_and_quick_profiles_run_every_registered_pair() {
    for file in ["scenarios/default.toml", "scenarios/quick.toml"] {
        let scenario =
            twinbench::scenario::load(&twinbench::workspace::root().join(file)).expect(file);
        let run: Vec<&str> = scenario.kernels.iter().map(|k| k.pair.name).collect();
        let missing: Vec<&str> = twinbench::pairs::PAIRS
            .iter()
            .map(|p| p.name)
            .filter(|name| !run.contains(name))
            .collect();
        assert!(missing.is_empty(), "{file} leaves out {missing:?}");
    }
}
