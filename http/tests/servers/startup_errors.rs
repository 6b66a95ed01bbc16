//! Each way a server can fail to start says what is wrong and what to do:
//! a taken port, a missing database file, a malformed rule file, an address
//! beyond loopback.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use twinbench_http::process::{RunningServer, ServerSpec, Side, StartError};

use crate::common::{build_db, copy_config, python_side_available, twin_binary};

fn start(side: Side, spec: &ServerSpec) -> Result<RunningServer, StartError> {
    match side {
        Side::Python => RunningServer::start_python(spec),
        Side::Rust => RunningServer::start_rust(&twin_binary(), spec),
    }
}

fn sides(test: &str) -> Vec<Side> {
    if python_side_available(test) {
        vec![Side::Rust, Side::Python]
    } else {
        vec![Side::Rust]
    }
}

fn spec(dir: &Path) -> ServerSpec {
    let db = build_db(dir, "t.sqlite3", 2, 30, 5);
    let mut spec = ServerSpec::new(db, copy_config(dir));
    spec.workers = Some(1);
    spec
}

#[test]
fn a_taken_port_is_named_with_the_fix() {
    for side in sides("taken port") {
        let dir = tempfile::tempdir().expect("tempdir");
        let holder = TcpListener::bind("127.0.0.1:0").expect("bind");
        let mut spec = spec(dir.path());
        spec.port = holder.local_addr().expect("addr").port();
        let err = start(side, &spec).expect_err("the port is taken");
        let text = err.to_string();
        eprintln!("{side:?} on a taken port:\n{text}\n");
        assert!(
            matches!(err, StartError::PortInUse { .. }),
            "{side:?}: {text}"
        );
        assert!(text.contains(&format!("127.0.0.1:{}", spec.port)), "{text}");
        assert!(text.contains("choose another port"), "{text}");
    }
}

#[test]
fn a_missing_database_is_named_with_how_to_build_it() {
    for side in sides("missing database") {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut spec = spec(dir.path());
        spec.db = dir.path().join("absent.sqlite3");
        let err = start(side, &spec).expect_err("no database");
        let text = err.to_string();
        eprintln!("{side:?} without its database:\n{text}\n");
        assert!(matches!(err, StartError::Exited { .. }), "{side:?}: {text}");
        assert!(
            text.contains(&spec.db.display().to_string()),
            "{side:?}: {text}"
        );
        assert!(
            text.contains("does not exist; fix: build it"),
            "{side:?}: {text}"
        );
        assert!(!spec.db.exists(), "{side:?} created the missing file");
    }
}

#[test]
fn a_malformed_rule_file_is_named_with_its_key_and_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = spec(dir.path());
    let broken = spec.config_dir.join("local").join("broken.yaml");
    std::fs::write(
        &broken,
        "sla_targets:\n  shell:\n    target_minutes: five\n",
    )
    .expect("write");
    let err = start(Side::Rust, &spec).expect_err("bad rules");
    let text = err.to_string();
    eprintln!("Rust with a malformed rule file:\n{text}\n");
    assert!(matches!(err, StartError::Exited { .. }), "{text}");
    for needle in [
        "broken.yaml",
        "sla_targets.shell.target_minutes",
        "integer",
        "fix",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in: {text}");
    }
    // The original validates nothing at start-up: only YAML syntax errors
    // stop it, named by PyYAML with the file and position.
    if python_side_available("malformed rules") {
        std::fs::write(&broken, "sla_targets: [unclosed\n").expect("write");
        let err = start(Side::Python, &spec).expect_err("bad YAML");
        let text = err.to_string();
        assert!(matches!(err, StartError::Exited { .. }), "{text}");
        assert!(text.contains("broken.yaml"), "{text}");
    }
}

#[test]
fn both_servers_refuse_a_non_loopback_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = spec(dir.path());
    let out = Command::new(twin_binary())
        .arg("--db")
        .arg(&spec.db)
        .arg("--config")
        .arg(&spec.config_dir)
        .arg("--bind")
        .arg("0.0.0.0:0")
        .output()
        .expect("run twinbench-serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("0.0.0.0:0: not a loopback address"),
        "{stderr}"
    );
    assert!(stderr.contains("fix: bind 127.0.0.1"), "{stderr}");
    if python_side_available("non-loopback") {
        let venv = twinbench_http::process::venv_dir();
        let out = Command::new(venv.join("bin").join("gunicorn"))
            .current_dir(twinbench_http::process::workspace_root().join("python_baselines"))
            .args([
                "--config",
                "twinbench_baselines/task_service/gunicorn_conf.py",
            ])
            .args(["--bind", "0.0.0.0:0"])
            .arg("twinbench_baselines.task_service.app:create_app()")
            .env("TWINBENCH_SERVICE_DB", &spec.db)
            .output()
            .expect("run gunicorn");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(
            stderr.contains("refusing to listen on 0.0.0.0:0: not a loopback address"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("Listening at"),
            "gunicorn bound it: {stderr}"
        );
    }
}
