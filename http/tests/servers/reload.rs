//! Claim C25 on the twin: a rule change is live without a restart. While
//! four threads keep requesting, an SLA target and a routing preference are
//! rewritten; no request may fail, and responses must switch to the new
//! rules (the observed delay is printed; the bound is a generous 10 s). A
//! malformed rewrite must leave the last good rules in force and say why.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use twinbench_http::process::{RunningServer, ServerSpec};
use twinbench_service::rusqlite::Connection;

use crate::common::{NOW, build_db, call, copy_config, twin_binary, write_atomically};

fn target_of(addr: std::net::SocketAddr, id: i64) -> i64 {
    let r = call(addr, "GET", &format!("/api/tasks/{id}/sla"), None);
    assert_eq!(r.status, 200, "{}", r.text());
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    v["target_minutes"].as_i64().expect("target_minutes")
}

/// Polls until `done`, at most 10 s; the time it took.
fn until(what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{what}: not within 10 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    start.elapsed()
}

#[test]
fn rule_changes_go_live_without_a_failed_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = build_db(dir.path(), "t.sqlite3", 3, 200, 30);
    let config_dir = copy_config(dir.path());
    let mut spec = ServerSpec::new(&db, &config_dir);
    spec.now = Some(NOW);
    let server = RunningServer::start_rust(&twin_binary(), &spec).unwrap_or_else(|e| panic!("{e}"));
    let addr = server.addr();

    // A `shell` task (target 5 in base/) and the freshest idle session,
    // which the default rule (oldest heartbeat first) would not pick.
    let conn = Connection::open(&db).expect("open");
    let task: i64 = conn
        .query_row(
            "SELECT id FROM tasks WHERE type = 'shell' ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("a shell task");
    let fresh: String = conn
        .query_row(
            "SELECT name FROM sessions WHERE status = 'idle' AND last_heartbeat >= ?1 \
             ORDER BY last_heartbeat DESC, id DESC LIMIT 1",
            [NOW - 300],
            |r| r.get(0),
        )
        .expect("an available session");
    drop(conn);
    assert_eq!(target_of(addr, task), 5);

    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let load: Vec<_> = (0..4)
        .map(|i| {
            let (stop, served, failures) = (stop.clone(), served.clone(), failures.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let path = if i % 2 == 0 {
                        format!("/api/tasks/{task}/sla")
                    } else {
                        "/api/tasks?limit=20".to_string()
                    };
                    match twinbench_http::client::request(
                        addr,
                        "GET",
                        &path,
                        None,
                        Duration::from_secs(10),
                    ) {
                        Ok(r) if r.status == 200 => {
                            served.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) => failures.lock().expect("lock").push(format!(
                            "{path}: {} {}",
                            r.status,
                            r.text()
                        )),
                        Err(e) => failures.lock().expect("lock").push(e.to_string()),
                    }
                }
            })
        })
        .collect();

    let local = config_dir.join("local");
    write_atomically(
        &local.join("c25.yaml"),
        &format!(
            "sla_targets:\n  shell:\n    target_minutes: 12\n    warning_percent: 80\n\
             environment_routing:\n  reload-env:\n    requires_env: false\n    \
             preferred_sessions: [\"{fresh}\"]\n    excluded_sessions: []\n    priority: 1\n    \
             timeout_minutes: 60\n"
        ),
    );
    let sla_delay = until("the new SLA target", || target_of(addr, task) == 12);
    let body = br#"{"type":"shell","priority":5,"environment":"reload-env"}"#;
    let r = call(addr, "POST", "/api/tasks", Some(body));
    let reply: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    assert_eq!(
        reply["assigned_to"].as_str(),
        Some(fresh.as_str()),
        "{}",
        r.text()
    );

    // A malformed rewrite: the previous rules stay, and the log says why.
    write_atomically(
        &local.join("c25.yaml"),
        "sla_targets:\n  shell:\n    target_minutes: twelve\n",
    );
    until("the rejection in the log", || {
        server.stderr_tail(50).contains("NOT applied")
    });
    let log = server.stderr_tail(50);
    assert!(
        log.contains("c25.yaml") && log.contains("sla_targets.shell.target_minutes"),
        "{log}"
    );
    assert_eq!(
        target_of(addr, task),
        12,
        "a malformed file must not replace the rules"
    );

    std::fs::remove_file(local.join("c25.yaml")).expect("remove");
    let back_delay = until("the base rules again", || target_of(addr, task) == 5);

    stop.store(true, Ordering::Relaxed);
    for t in load {
        t.join().expect("load thread");
    }
    let failures = failures.lock().expect("lock");
    assert!(
        failures.is_empty(),
        "failed requests during reloads: {failures:?}"
    );
    eprintln!(
        "C25 live reload: new SLA target served {} ms after the file was renamed into place, \
         base rules back {} ms after the override was removed (polling every 100 ms); \
         {} requests served meanwhile, none failed",
        sla_delay.as_millis(),
        back_delay.as_millis(),
        served.load(Ordering::Relaxed)
    );
}
