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
