//! `twinbench instructions` under real callgrind: two runs of the same binary
//! count exactly the same instructions (A/A passes); a known amount of extra
//! work injected into one kernel's counted call fails the gate naming that
//! kernel and no other, while less than the limit passes; a kernel missing
//! from the run fails; another compiler cannot be judged; an unreadable
//! baseline cannot be judged; and without valgrind the command says which
//! package to install.
//!
//! Without valgrind the callgrind tests say so loudly and are skipped, unless
//! `TWINBENCH_REQUIRE_VALGRIND` is set (CI sets it), like the browser test.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use twinbench::instructions::INJECT_ENV;

/// Set to make a missing valgrind fail the tests (CI sets it).
const REQUIRE_ENV: &str = "TWINBENCH_REQUIRE_VALGRIND";

/// Tiny inputs: each count takes well under a second under callgrind.
const KERNELS: [(&str, usize); 3] = [
    ("pagerank", 200),
    ("degree_centrality", 200),
    ("spike_detector", 2000),
];

/// The kernel the injection tests slow down.
const INJECTED: &str = "pagerank";

fn scratch(name: &str) -> PathBuf {
    common::scratch("instructions", name)
}

fn valgrind_available() -> bool {
    let found = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!(
            "\n{bar}\n!! INSTRUCTION-COUNT TEST NOT RUN: valgrind not found (install the Debian \
             package `valgrind`)\n{bar}\n",
            bar = "!".repeat(78)
        );
        assert!(
            std::env::var_os(REQUIRE_ENV).is_none(),
            "valgrind is required here ({REQUIRE_ENV} is set)"
        );
    }
    found
}

fn write_scenario(dir: &Path, name: &str, kernels: &[(&str, usize)]) -> PathBuf {
    let mut text = String::from("description = \"instruction-count test\"\n");
    for (kernel, size) in kernels {
        text.push_str(&format!(
            "\n[[kernel]]\nname = \"{kernel}\"\nsizes = [{size}]\nseed = 7\n"
        ));
    }
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("scenario");
    path
}

/// Runs `twinbench instructions` with `extra` arguments and, if given, the
/// injection knob.
fn instructions(scenario: &Path, out: &Path, extra: &[&str], inject: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_twinbench"));
    command
        .args(["instructions", "--jobs", "2", "--scenario"])
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env_remove(INJECT_ENV);
    if let Some(value) = inject {
        command.env(INJECT_ENV, value);
    }
    command.output().expect("run twinbench instructions")
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// kernel → instructions, from a written counts file.
fn counts(path: &Path) -> Vec<(String, u64)> {
    let json: Value =
        serde_json::from_slice(&std::fs::read(path).expect("counts file")).expect("counts JSON");
    json["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            (
                r["kernel"].as_str().expect("kernel").to_string(),
                r["instructions"].as_u64().expect("instructions"),
            )
        })
        .collect()
}

fn count_of(counts: &[(String, u64)], kernel: &str) -> u64 {
    counts
        .iter()
        .find(|(k, _)| k == kernel)
        .map(|(_, n)| *n)
        .unwrap_or_else(|| panic!("{kernel} not counted"))
}

/// The table row of `kernel`, for assertions on its verdict.
fn row<'a>(stdout: &'a str, kernel: &str) -> &'a str {
    let cell = format!("| `{kernel}` |");
    stdout
        .lines()
        .find(|l| l.starts_with(&cell))
        .unwrap_or_else(|| panic!("no row for {kernel} in:\n{stdout}"))
}

/// One sequence, so the baseline is counted once and the callgrind
/// processes do not compete with another test's on a small machine.
#[test]
fn counts_are_exact_and_the_gate_names_the_kernel_that_got_slower() {
    if !valgrind_available() {
        return;
    }
    let dir = scratch("gate");
    let scenario = write_scenario(&dir, "three", &KERNELS);
    let baseline = dir.join("baseline.json");
    let baseline_arg = baseline.to_str().expect("utf-8 path");

    // A/A: the same binary on the same inputs counts the same, exactly.
    let first = instructions(&scenario, &baseline, &[], None);
    assert!(first.status.success(), "{}", describe(&first));
    let second_path = dir.join("second.json");
    let second = instructions(&scenario, &second_path, &["--baseline", baseline_arg], None);
    assert_eq!(second.status.code(), Some(0), "{}", describe(&second));
    let before = counts(&baseline);
    assert_eq!(before.len(), KERNELS.len());
    assert!(before.iter().all(|(_, n)| *n > 1000), "{before:?}");
    assert_eq!(before, counts(&second_path), "A/A counts must be identical");
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(stdout.contains("PASS"), "{stdout}");
    for (kernel, _) in KERNELS {
        assert!(row(&stdout, kernel).contains("identical"), "{stdout}");
    }

    // Calibrate the knob: what 100 000 injected loop iterations cost.
    let calibration_path = dir.join("calibration.json");
    let knob = |iterations: u64| format!("{INJECTED}:{iterations}");
    let calibration = instructions(&scenario, &calibration_path, &[], Some(&knob(100_000)));
    assert!(calibration.status.success(), "{}", describe(&calibration));
    let calibrated = counts(&calibration_path);
    let base = count_of(&before, INJECTED);
    let per_iteration = (count_of(&calibrated, INJECTED) - base) as f64 / 100_000.0;
    assert!(
        per_iteration >= 1.0,
        "the knob added {per_iteration} per iteration"
    );
    for (kernel, _) in KERNELS.iter().filter(|(k, _)| *k != INJECTED) {
        assert_eq!(
            count_of(&calibrated, kernel),
            count_of(&before, kernel),
            "the knob touched {kernel}"
        );
    }
    let iterations_for = |fraction: f64| (base as f64 * fraction / per_iteration).round() as u64;

    // +5% in one kernel, limit 2%: a regression naming that kernel only.
    let slower_path = dir.join("slower.json");
    let slower = instructions(
        &scenario,
        &slower_path,
        &["--baseline", baseline_arg, "--limit", "0.02"],
        Some(&knob(iterations_for(0.05))),
    );
    assert_eq!(slower.status.code(), Some(3), "{}", describe(&slower));
    let stdout = String::from_utf8_lossy(&slower.stdout);
    assert!(stdout.contains("REGRESSION"), "{stdout}");
    assert!(
        stdout.contains(&format!("Regressions: `{INJECTED}` at 200\n")),
        "{stdout}"
    );
    let change = count_of(&counts(&slower_path), INJECTED) as f64 / base as f64 - 1.0;
    assert!((0.045..0.055).contains(&change), "injected {change}");
    assert!(
        row(&stdout, INJECTED).contains("| Regression |"),
        "{stdout}"
    );
    for (kernel, _) in KERNELS.iter().filter(|(k, _)| *k != INJECTED) {
        assert!(
            row(&stdout, kernel).contains("| Pass | identical |"),
            "{stdout}"
        );
    }

    // +1%, within the 2% limit: passes, and the change is shown.
    let within_path = dir.join("within.json");
    let within = instructions(
        &scenario,
        &within_path,
        &["--baseline", baseline_arg, "--limit", "0.02"],
        Some(&knob(iterations_for(0.01))),
    );
    assert_eq!(within.status.code(), Some(0), "{}", describe(&within));
    let change = count_of(&counts(&within_path), INJECTED) as f64 / base as f64 - 1.0;
    assert!((0.009..0.011).contains(&change), "injected {change}");
    let stdout = String::from_utf8_lossy(&within.stdout);
    assert!(
        row(&stdout, INJECTED).contains("within the limit"),
        "{stdout}"
    );

    // A kernel of the baseline missing from the run: a regression naming it.
    let two = write_scenario(&dir, "two", &KERNELS[..2]);
    let missing = instructions(
        &two,
        &dir.join("missing.json"),
        &["--baseline", baseline_arg],
        None,
    );
    assert_eq!(missing.status.code(), Some(3), "{}", describe(&missing));
    let stdout = String::from_utf8_lossy(&missing.stdout);
    let (gone, size) = KERNELS[2];
    assert!(
        stdout.contains(&format!("Regressions: `{gone}` at {size}\n")),
        "{stdout}"
    );
    assert!(row(&stdout, gone).contains("missing from the current run"));

    // Counts from another compiler cannot be judged, unless asked.
    let mut other: Value =
        serde_json::from_slice(&std::fs::read(&baseline).expect("baseline")).expect("JSON");
    other["toolchain"]["rustc"] = Value::from("rustc 0.0.1 (other)");
    let other_path = dir.join("other-rustc.json");
    std::fs::write(&other_path, other.to_string()).expect("write");
    let other_arg = other_path.to_str().expect("utf-8 path");
    let judged = instructions(
        &scenario,
        &dir.join("judged.json"),
        &["--baseline", other_arg],
        None,
    );
    assert_eq!(judged.status.code(), Some(2), "{}", describe(&judged));
    let stdout = String::from_utf8_lossy(&judged.stdout);
    assert!(
        stdout.contains("CANNOT JUDGE") && stdout.contains("rustc differs"),
        "{stdout}"
    );
    let allowed = instructions(
        &scenario,
        &dir.join("allowed.json"),
        &["--baseline", other_arg, "--allow-other-toolchain"],
        None,
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", describe(&allowed));
}

/// A baseline that cannot be read is "cannot judge" (2), before anything is
/// measured, so this needs no valgrind.
#[test]
fn an_unreadable_baseline_cannot_be_judged() {
    let dir = scratch("unreadable");
    let scenario = write_scenario(&dir, "one", &KERNELS[..1]);
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{ not json").expect("write");
    for baseline in [garbage, dir.join("absent.json")] {
        let output = instructions(
            &scenario,
            &dir.join("out.json"),
            &["--baseline", baseline.to_str().expect("utf-8 path")],
            None,
        );
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("cannot judge"), "{stderr}");
        assert!(
            stderr.contains(&baseline.display().to_string()),
            "names the file: {stderr}"
        );
    }
}

/// Without valgrind on the PATH the command fails and names the package.
#[test]
fn without_valgrind_the_error_names_the_package() {
    let dir = scratch("no-valgrind");
    let scenario = write_scenario(&dir, "one", &KERNELS[..1]);
    let empty = dir.join("empty-path");
    std::fs::create_dir_all(&empty).expect("empty dir");
    let out = dir.join("out.json");
    let output = Command::new(env!("CARGO_BIN_EXE_twinbench"))
        .args(["instructions", "--scenario"])
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .env("PATH", &empty)
        .output()
        .expect("run twinbench");
    assert!(!output.status.success(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("valgrind not found"), "{stderr}");
    assert!(stderr.contains("Debian package `valgrind`"), "{stderr}");
    assert!(!out.exists(), "no counts file without counts");
}

/// A malformed injection knob is refused by name, not ignored: a test that
/// meant to inject work must not silently measure none.
#[test]
fn a_malformed_injection_knob_is_refused() {
    for value in ["pagerank", "pagerank:lots"] {
        let output = Command::new(env!("CARGO_BIN_EXE_twinbench"))
            .args(["icount-one", "pagerank", "--size", "50", "--seed", "1"])
            .env(INJECT_ENV, value)
            .output()
            .expect("run twinbench icount-one");
        assert!(!output.status.success(), "{}", describe(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(INJECT_ENV), "{stderr}");
    }
    let fine = Command::new(env!("CARGO_BIN_EXE_twinbench"))
        .args(["icount-one", "pagerank", "--size", "50", "--seed", "1"])
        .env(INJECT_ENV, "pagerank:10")
        .output()
        .expect("run twinbench icount-one");
    assert!(fine.status.success(), "{}", describe(&fine));
}
