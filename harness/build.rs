//! Links the embedded interpreter so it runs without the venv activated:
//! an rpath to the base interpreter's libpython (without it the loader may
//! pick the system's libpython3.11 and its stdlib), and the compiler version
//! for results.json.

fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=TWINBENCH_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
}
