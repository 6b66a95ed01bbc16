//! The process-wide cluster (`pg::shared`) is never left running: a process
//! that started it and exits without stopping it (`process::exit`, no
//! destructor runs) takes the server with it (the parent-death signal of
//! the keeper thread); the last guard stops it cleanly and a later use
//! starts a new one; rows loaded there read back through the kernels.
//!
//! The exiting process is this test binary run again with
//! `TWINBENCH_PG_SHARED_CHILD` set, running only `child_process`.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{postgres_or_skip, process_gone};
use twinbench_service::config;
use twinbench_service::generate::{Shape, generate};
use twinbench_service::kernels::{PgStore, Store, pending};
use twinbench_service::pg::shared;
use twinbench_service::schema::Indexes;

const CHILD_ENV: &str = "TWINBENCH_PG_SHARED_CHILD";

/// Run alone with [`CHILD_ENV`] set: starts the shared cluster, prints its
/// postmaster's pid, and exits without any destructor. Otherwise a no-op.
#[test]
fn child_process() {
    match std::env::var(CHILD_ENV).as_deref() {
        Ok("exit") => {
            let cluster = shared::shared().expect("shared cluster");
            println!("POSTMASTER {}", cluster.pid().expect("pid"));
            std::process::exit(0);
        }
        Ok("absent") => {
            // The probe sees no PostgreSQL: the failure is remembered and
            // named, and the last guard's stop returns.
            let guard = shared::guard();
            for _ in 0..2 {
                let e = shared::shared().expect_err("no PostgreSQL");
                assert!(e.to_string().starts_with("PostgreSQL not installed"), "{e}");
            }
            drop(guard);
            println!("ABSENT OK");
        }
        _ => {}
    }
}

/// Without PostgreSQL the shared cluster's error says what to install, and
/// stopping (the last guard) does not hang on the remembered failure.
#[test]
fn without_postgres_the_error_names_the_fix_and_stopping_returns() {
    let exe = std::env::current_exe().expect("test binary");
    let empty = tempfile::tempdir().expect("tempdir");
    let out = Command::new(exe)
        .args([
            "--exact",
            "child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "absent")
        .env(twinbench_service::pg::cluster::BIN_DIR_ENV, empty.path())
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("ABSENT OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_process_that_exits_without_stopping_it_takes_the_server_with_it() {
    if !postgres_or_skip("a_process_that_exits_without_stopping_it_takes_the_server_with_it") {
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new(exe)
        .args([
            "--exact",
            "child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "exit")
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let pid: u32 = stdout
        .lines()
        .find_map(|l| l.split("POSTMASTER ").nth(1))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no pid from the child:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert!(
        gone_within(pid, Duration::from_secs(10)),
        "postmaster {pid} still runs after its process exited"
    );
}

/// Whether process `pid` is gone within `timeout`.
fn gone_within(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while !process_gone(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    process_gone(pid)
}

#[test]
fn the_last_guard_stops_it_and_a_later_use_starts_another() {
    if !postgres_or_skip("the_last_guard_stops_it_and_a_later_use_starts_another") {
        return;
    }
    let config = config::load(&config::default_dir(), Some("none-such")).expect("rules");
    let shape = Shape {
        seed: 5,
        tasks: 500,
        sessions: 10,
        heartbeat_timeout: 300,
        now: 1_771_070_400,
    };
    let data = generate(&shape, &config.sla);
    let first = {
        let _guard = shared::guard();
        let databases = shared::load(&data).expect("load");
        let mut store = PgStore::new(
            databases
                .cluster()
                .connect(databases.name(Indexes::On))
                .expect("connect"),
        );
        let ids = pending::pending_ids(&mut store, &config, "pending", 50).expect("page");
        // Twice through the same prepared statement: the same page.
        assert_eq!(
            ids,
            pending::pending_ids(&mut store, &config, "pending", 50).expect("again")
        );
        let mut expected: Vec<_> = data
            .tasks
            .iter()
            .filter(|t| t.status == "pending")
            .collect();
        expected.sort_by_key(|t| (-t.priority, t.created_at, t.id));
        let expected: Vec<i64> = expected.iter().take(50).map(|t| t.id).collect();
        assert_eq!(ids, expected);
        let plan = store
            .explain(&pending::pending_query(&config, "pending", 50).expect("query"))
            .expect("explain");
        assert!(!plan.is_empty());
        store.begin().expect("begin");
        store
            .end(twinbench_service::kernels::Finish::Rollback)
            .expect("rollback");
        databases.cluster().pid().expect("pid")
    };
    // Another test of this binary may hold a guard of its own meanwhile.
    assert!(
        gone_within(first, Duration::from_secs(20)),
        "postmaster {first} survived its last guard"
    );
    let _guard = shared::guard();
    let second = shared::shared().expect("a new cluster").pid().expect("pid");
    assert_ne!(first, second);
}
