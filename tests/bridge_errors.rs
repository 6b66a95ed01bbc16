//! A missing venv, a missing package, a wrong version and a raising baseline
//! each give a clear error naming the thing and the fix.
//!
//! Interpreter start-up can happen once per process, so the start-up errors
//! run the `twinbench` binary against a doctored venv.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use twinbench::sides::python::{self as bridge, BridgeError};

fn scratch(name: &str) -> PathBuf {
    common::scratch("bridge", name)
}

/// `twinbench check` with `venv` as the environment: (exit code, stderr).
fn check_with_venv(venv: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_twinbench"))
        .arg("check")
        .env(bridge::VENV_ENV, venv)
        .output()
        .expect("run twinbench");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn real_venv() -> PathBuf {
    bridge::venv_dir()
}

fn site_packages(venv: &Path) -> PathBuf {
    let lib = venv.join("lib");
    let python = std::fs::read_dir(&lib)
        .expect("venv lib/")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("python"))
        .expect("lib/pythonX.Y");
    python.path().join("site-packages")
}

/// A venv that shares the real one's packages (as symlinks), except those
/// whose names start with any of `without`.
fn doctored_venv(name: &str, without: &[&str]) -> PathBuf {
    let real = real_venv();
    let venv = scratch(name);
    std::fs::copy(real.join("pyvenv.cfg"), venv.join("pyvenv.cfg")).expect("copy pyvenv.cfg");
    let real_site = site_packages(&real);
    let python_dir = real_site
        .parent()
        .expect("lib/pythonX.Y")
        .file_name()
        .expect("name");
    let site = venv.join("lib").join(python_dir).join("site-packages");
    std::fs::create_dir_all(&site).expect("site-packages");
    for entry in std::fs::read_dir(&real_site).expect("real site-packages") {
        let entry = entry.expect("entry");
        let file = entry.file_name().to_string_lossy().to_lowercase();
        if without.iter().any(|w| file.starts_with(w)) {
            continue;
        }
        std::os::unix::fs::symlink(entry.path(), site.join(entry.file_name())).expect("symlink");
    }
    venv
}

#[test]
fn missing_venv_names_the_folder_and_the_fix() {
    let venv = scratch("no-venv").join(".venv");
    let (code, stderr) = check_with_venv(&venv);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&venv.display().to_string()), "{stderr}");
    assert!(stderr.contains("no Python environment"), "{stderr}");
    assert!(stderr.contains("make setup"), "{stderr}");
}

/// The monitoring pins' venv is checked too (in its own process), and its
/// absence named with the fix.
#[test]
fn a_missing_monitoring_venv_is_named_with_the_fix() {
    let missing = scratch("no-monitoring-venv").join("absent");
    let out = Command::new(env!("CARGO_BIN_EXE_twinbench"))
        .arg("check")
        .env(twinbench::pins::MONITORING_VENV_ENV, &missing)
        .output()
        .expect("run twinbench");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert!(stderr.contains("make setup"), "{stderr}");
    assert!(stderr.contains("monitoring pins"), "{stderr}");
}

#[test]
fn missing_package_names_the_package_and_the_fix() {
    let venv = doctored_venv("no-pandas", &["pandas"]);
    let (code, stderr) = check_with_venv(&venv);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("Python package `pandas` is not installed"),
        "{stderr}"
    );
    assert!(stderr.contains("make setup"), "{stderr}");
    let requirements = twinbench::workspace::requirements_file();
    assert!(
        stderr.contains(&format!("pip install -r {}", requirements.display())),
        "{stderr}"
    );
}

#[test]
fn the_base_interpreters_packages_do_not_leak_in() {
    // The base interpreter may have its own networkx; with the venv's removed,
    // the bridge must say it is missing, not silently import the other one.
    let venv = doctored_venv("no-networkx", &["networkx"]);
    let (code, stderr) = check_with_venv(&venv);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("Python package `networkx` is not installed"),
        "{stderr}"
    );
}

#[test]
fn wrong_version_names_both_versions() {
    let venv = doctored_venv("old-networkx", &["networkx"]);
    let site = site_packages(&venv);
    let real_site = site_packages(&real_venv());
    std::os::unix::fs::symlink(real_site.join("networkx"), site.join("networkx")).expect("pkg");
    let dist = site.join("networkx-3.3.dist-info");
    std::fs::create_dir_all(&dist).expect("dist-info");
    std::fs::write(
        dist.join("METADATA"),
        "Metadata-Version: 2.1\nName: networkx\nVersion: 3.3\n",
    )
    .expect("METADATA");
    let (code, stderr) = check_with_venv(&venv);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("`networkx` is 3.3"), "{stderr}");
    assert!(stderr.contains("pin 3.4.2"), "{stderr}");
}

#[test]
fn a_python_exception_carries_its_type_and_traceback() {
    let bridge = bridge::bridge().expect("bridge starts");
    let err = bridge
        .eval_expression("__import__('twinbench_baselines.graph').graph.pagerank(None)")
        .expect_err("pagerank(None) raises");
    let BridgeError::Python(e) = &err else {
        panic!("expected a Python error, got {err}");
    };
    assert!(e.exception.contains("Error"), "{}", e.exception);
    assert!(
        e.traceback.contains("Traceback (most recent call last)"),
        "{}",
        e.traceback
    );
    assert!(e.traceback.contains("graph.py"), "{}", e.traceback);
}

#[test]
fn an_unknown_baseline_function_is_named() {
    let bridge = bridge::bridge().expect("bridge starts");
    let missing = twinbench::pairs::PythonFunction {
        module: "twinbench_baselines.graph",
        function: "no_such_kernel",
    };
    // Through the bridge's own call path (on its Python thread): the
    // input is prepared by the module's shared `prepare`, then the lookup
    // of the function itself fails.
    let pagerank = twinbench::pairs::find("pagerank").expect("registered");
    let input = pagerank
        .generator
        .generate(pagerank.generator.min_size(), 1);
    let err = bridge
        .compute_with(missing, pagerank.output, &input)
        .expect_err("no such function");
    let message = err.to_string();
    assert!(
        message.contains("twinbench_baselines.graph.no_such_kernel"),
        "{message}"
    );
    assert!(message.contains("AttributeError"), "{message}");
}
