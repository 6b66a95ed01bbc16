//! What the HTTP tests share: a seeded database, a private copy of the
//! rule files, the twin's binary, requests, and the rule about skipping the
//! Python side.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use twinbench_http::client::{self, Response};
use twinbench_http::fixture;
use twinbench_http::process::gunicorn_available;

// Not every test binary that includes this module reads the clock.
#[allow(unused_imports)]
pub use twinbench_http::fixture::NOW;

/// Set (to anything) where the venv must have gunicorn (CI).
pub const REQUIRE_PYTHON: &str = "TWINBENCH_REQUIRE_PYTHON_HTTP";

/// The Rust twin's binary, built by cargo for these tests.
pub fn twin_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_twinbench-serve"))
}

/// Whether the Python side can run; prints a loud skip when it cannot and
/// may not, fails when `$TWINBENCH_REQUIRE_PYTHON_HTTP` demands it.
pub fn python_side_available(test: &str) -> bool {
    if gunicorn_available() {
        return true;
    }
    assert!(
        std::env::var_os(REQUIRE_PYTHON).is_none(),
        "{test}: {REQUIRE_PYTHON} is set but {} has no gunicorn; fix: make setup",
        twinbench_http::process::venv_dir().display()
    );
    eprintln!(
        "!! {test}: SKIPPED the Python side: no gunicorn in {} (make setup installs it; \
         set {REQUIRE_PYTHON}=1 to make this a failure)",
        twinbench_http::process::venv_dir().display()
    );
    false
}

/// A database of `tasks` tasks and `sessions` sessions (seeded, with the
/// seed's indexes) at `dir/name`.
pub fn build_db(dir: &Path, name: &str, seed: u64, tasks: usize, sessions: usize) -> PathBuf {
    fixture::build_db(dir, name, seed, tasks, sessions).unwrap_or_else(|e| panic!("{e}"))
}

/// A copy of the repository's rule folder under `dir` (tests edit it).
pub fn copy_config(dir: &Path) -> PathBuf {
    fixture::copy_config(dir).unwrap_or_else(|e| panic!("{e}"))
}

/// Writes `text` to `path` in one rename (a reader never sees half).
pub fn write_atomically(path: &Path, text: &str) {
    fixture::write_atomically(path, text).expect("write the rule file");
}

/// One request, 10 s at most per socket operation.
pub fn call(addr: SocketAddr, method: &str, path: &str, body: Option<&[u8]>) -> Response {
    client::request(addr, method, path, body, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{e}"))
}
