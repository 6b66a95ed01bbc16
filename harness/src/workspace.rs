//! Where the project's files are: one place, so nothing else builds paths.

use std::path::PathBuf;

/// Environment variable overriding the workspace root (for a relocated
/// binary; by default the root this binary was built from).
pub const ROOT_ENV: &str = "TWINBENCH_ROOT";

/// The workspace root (the folder holding `Cargo.toml`, `scenarios/`, ...).
pub fn root() -> PathBuf {
    std::env::var_os(ROOT_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .map(PathBuf::from)
                .unwrap_or_default()
        })
}

/// `python_baselines/`: put on `sys.path` so `twinbench_baselines` imports.
pub fn baselines_dir() -> PathBuf {
    root().join("python_baselines")
}

/// The pins the venv must match.
pub fn requirements_file() -> PathBuf {
    baselines_dir().join("requirements.txt")
}

/// Defects found in the original, kept beside the baselines.
pub fn defects_file() -> PathBuf {
    baselines_dir().join("defects.toml")
}

/// The scenario benches and reports use unless told otherwise.
pub fn default_scenario() -> PathBuf {
    root().join("scenarios").join("default.toml")
}

/// Cargo's target directory (`$CARGO_TARGET_DIR`, else `<root>/target`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Where criterion saves its samples (`$CRITERION_HOME`, as criterion
/// itself reads it, else `<target>/criterion`).
pub fn criterion_dir() -> PathBuf {
    std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("criterion"))
}

/// Where reports are written.
pub fn reports_dir() -> PathBuf {
    root().join("reports")
}
