//! No server process outlives its handle: after a drop, and after a panic
//! while the handle is alive, every pid the server had is gone (reaped, not
//! a zombie).

use std::sync::Mutex;

use twinbench_http::process::{RunningServer, ServerSpec, Side, process_exists};

use crate::common::{NOW, build_db, call, copy_config, python_side_available, twin_binary};

fn start(side: Side, spec: &ServerSpec) -> RunningServer {
    match side {
        Side::Python => RunningServer::start_python(spec),
        Side::Rust => RunningServer::start_rust(&twin_binary(), spec),
    }
    .unwrap_or_else(|e| panic!("{e}"))
}

fn assert_gone(side: Side, pids: &[u32]) {
    let left: Vec<u32> = pids
        .iter()
        .copied()
        .filter(|p| process_exists(*p))
        .collect();
    assert!(left.is_empty(), "{side:?}: processes left behind: {left:?}");
}

fn check(side: Side) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = build_db(dir.path(), "t.sqlite3", 1, 50, 8);
    let mut spec = ServerSpec::new(&db, copy_config(dir.path()));
    spec.now = Some(NOW);
    spec.workers = Some(2);

    let server = start(side, &spec);
    let pids = server.pids();
    let expected = if side == Side::Python { 3 } else { 1 };
    assert_eq!(pids.len(), expected, "{side:?}: {pids:?}");
    assert_eq!(pids[0], server.leader_pid());
    assert!(server.addr().ip().is_loopback());
    assert_eq!(call(server.addr(), "GET", "/api/health", None).status, 200);
    drop(server);
    assert_gone(side, &pids);

    let seen = Mutex::new(Vec::new());
    eprintln!("{side:?}: the panic printed next is the test's own, on purpose");
    let outcome = std::panic::catch_unwind(|| {
        let server = start(side, &spec);
        seen.lock().expect("lock").extend(server.pids());
        panic!("a test failing while its server runs");
    });
    assert!(outcome.is_err());
    let pids = seen.into_inner().expect("lock");
    assert_eq!(pids.len(), expected);
    assert_gone(side, &pids);
}

#[test]
fn rust_server_processes_end_with_the_handle_even_on_panic() {
    check(Side::Rust);
}

#[test]
fn gunicorn_master_and_workers_end_with_the_handle_even_on_panic() {
    if python_side_available("gunicorn lifecycle") {
        check(Side::Python);
    }
}

/// What a bench binary without `CARGO_BIN_EXE_*` uses finds the same file.
#[test]
fn the_twin_binary_is_found_beside_the_running_executable() {
    let found = twinbench_http::process::twin_binary_beside_current_exe();
    assert_eq!(found, Some(twin_binary()));
}
