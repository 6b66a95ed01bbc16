//! The throwaway cluster: it starts, answers, runs with the documented
//! settings, and leaves nothing behind (also after a panic); each way it can
//! fail gives an error naming the cause and the fix.

mod common;

use std::path::PathBuf;
use std::time::Instant;

use common::{postgres_or_skip, process_gone, processes_mentioning};
use twinbench_service::pg::{ClusterError, PgCluster};

fn setting(client: &mut postgres::Client, name: &str) -> String {
    let row = client
        .query_one(format!("SHOW {name}").as_str(), &[])
        .expect("SHOW");
    row.get(0)
}

#[test]
fn a_cluster_answers_with_the_documented_settings_and_leaves_nothing_behind() {
    if !postgres_or_skip("a_cluster_answers...") {
        return;
    }
    let t0 = Instant::now();
    let cluster = PgCluster::start().expect("start");
    eprintln!("cluster started in {:?}", t0.elapsed());
    let pid = cluster.pid().expect("running");
    let folder = cluster.folder().to_path_buf();
    let mut client = cluster.connect().expect("connect");
    let row = client.query_one("SELECT 1 + 1", &[]).expect("query");
    assert_eq!(row.get::<_, i32>(0), 2);
    assert_eq!(setting(&mut client, "synchronous_commit"), "off");
    assert_eq!(setting(&mut client, "fsync"), "on");
    assert_eq!(setting(&mut client, "listen_addresses"), "");
    assert_eq!(
        PathBuf::from(setting(&mut client, "unix_socket_directories")),
        cluster.socket_dir()
    );
    assert!(cluster.socket_dir().starts_with(&folder));
    assert!(
        cluster
            .conninfo()
            .contains(&*cluster.socket_dir().to_string_lossy())
    );
    let needle = folder.to_string_lossy().into_owned();
    assert!(
        !processes_mentioning(&needle).is_empty(),
        "postmaster found by its folder"
    );

    // An open connection must not keep the server alive (fast shutdown).
    let t0 = Instant::now();
    drop(cluster);
    eprintln!("cluster stopped in {:?}", t0.elapsed());
    assert!(process_gone(pid), "postmaster {pid} still running");
    assert_eq!(processes_mentioning(&needle), Vec::<String>::new());
    assert!(!folder.exists(), "{} left behind", folder.display());
    drop(client);
}

#[test]
fn a_panicking_test_still_stops_its_cluster() {
    if !postgres_or_skip("a_panicking_test_still_stops_its_cluster") {
        return;
    }
    let seen = std::sync::Mutex::new(None);
    let result = std::panic::catch_unwind(|| {
        let cluster = PgCluster::start().expect("start");
        *seen.lock().expect("lock") = Some((cluster.pid(), cluster.folder().to_path_buf()));
        panic!("a test failing while its cluster runs");
    });
    assert!(result.is_err());
    let (pid, folder) = seen.lock().expect("lock").take().expect("cluster started");
    assert!(process_gone(pid.expect("pid")));
    assert!(!folder.exists());
}

#[test]
fn a_taken_socket_is_named_in_the_error() {
    if !postgres_or_skip("a_taken_socket_is_named_in_the_error") {
        return;
    }
    // Another server's socket: a running cluster's.
    let first = PgCluster::start().expect("start");
    let err = PgCluster::builder()
        .socket_dir(first.socket_dir())
        .port(first.port())
        .start()
        .expect_err("the socket is taken");
    let socket = first
        .socket_dir()
        .join(format!(".s.PGSQL.{}", first.port()));
    assert!(matches!(err, ClusterError::SocketInUse { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&*socket.to_string_lossy()), "{message}");
    assert!(
        message.contains(&format!("port {}", first.port())),
        "{message}"
    );
    assert!(message.contains("pick another port"), "{message}");
    // The first cluster is unharmed.
    first
        .connect()
        .expect("connect")
        .simple_query("SELECT 1")
        .expect("query");

    // Any process holding the socket file.
    let dir = tempfile::tempdir().expect("tempdir");
    let _listener =
        std::os::unix::net::UnixListener::bind(dir.path().join(".s.PGSQL.6543")).expect("bind");
    let err = PgCluster::builder()
        .socket_dir(dir.path())
        .port(6543)
        .start()
        .expect_err("the socket is taken");
    assert!(err.to_string().contains(".s.PGSQL.6543"), "{err}");
}

#[test]
fn a_server_that_will_not_start_reports_its_log() {
    if !postgres_or_skip("a_server_that_will_not_start_reports_its_log") {
        return;
    }
    let err = PgCluster::builder()
        .setting("shared_buffers", "plenty")
        .start()
        .expect_err("a bad setting");
    assert!(matches!(err, ClusterError::StartFailed { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("would not start"), "{message}");
    assert!(
        message.contains("shared_buffers"),
        "the log's own line: {message}"
    );
}

#[test]
fn missing_binaries_name_the_debian_package() {
    let empty = tempfile::tempdir().expect("tempdir");
    let err = PgCluster::builder()
        .bin_dir(empty.path())
        .start()
        .expect_err("no binaries there");
    let message = err.to_string();
    assert!(
        matches!(err, ClusterError::BinariesNotFound { .. }),
        "{err:?}"
    );
    assert!(
        message.contains("install the Debian package postgresql"),
        "{message}"
    );
    assert!(
        message.contains(&*empty.path().to_string_lossy()),
        "{message}"
    );
}

#[test]
fn a_failing_initdb_reports_its_stderr() {
    if !postgres_or_skip("a_failing_initdb_reports_its_stderr") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let bin = tempfile::tempdir().expect("tempdir");
    // Readable by the server's user when the tests run as root.
    std::fs::set_permissions(bin.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for (name, body) in [
        (
            "initdb",
            "echo 'initdb: error: the disk is made of cheese' >&2; exit 3",
        ),
        ("postgres", "exit 1"),
        ("pg_ctl", "exit 1"),
    ] {
        let path = bin.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let err = PgCluster::builder()
        .bin_dir(bin.path())
        .start()
        .expect_err("initdb fails");
    assert!(matches!(err, ClusterError::InitdbFailed { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("exit code 3"), "{message}");
    assert!(message.contains("made of cheese"), "{message}");
}
