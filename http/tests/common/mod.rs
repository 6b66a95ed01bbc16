//! What the HTTP tests share: a seeded database, a private copy of the
//! rule files, the twin's binary, requests, and the rule about skipping the
//! Python side.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use twinbench_http::client::{self, Response};
use twinbench_http::process::gunicorn_available;
use twinbench_service::config;
use twinbench_service::generate::{Shape, generate};
use twinbench_service::schema::Indexes;
use twinbench_service::sqlite;

/// The scenarios' clock (2026-02-14T12:00:00Z).
pub const NOW: i64 = 1_771_070_400;

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
    let rules = config::load(&config::default_dir(), Some("none-such")).expect("rules");
    let shape = Shape {
        seed,
        tasks,
        sessions,
        heartbeat_timeout: rules.routing.heartbeat_timeout_seconds,
        now: NOW,
    };
    let path = dir.join(name);
    sqlite::build(&path, &generate(&shape, &rules.sla), Indexes::On).expect("build the database");
    path
}

/// A copy of the repository's rule folder under `dir` (tests edit it).
pub fn copy_config(dir: &Path) -> PathBuf {
    let out = dir.join("config");
    for sub in ["base", "environments", "local"] {
        std::fs::create_dir_all(out.join(sub)).expect("mkdir");
        let Ok(entries) = std::fs::read_dir(config::default_dir().join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().is_file() {
                std::fs::copy(entry.path(), out.join(sub).join(entry.file_name())).expect("copy");
            }
        }
    }
    out
}

/// Writes `text` to `path` in one rename (a reader never sees half).
pub fn write_atomically(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

/// One request, 10 s at most per socket operation.
pub fn call(addr: SocketAddr, method: &str, path: &str, body: Option<&[u8]>) -> Response {
    client::request(addr, method, path, body, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{e}"))
}
