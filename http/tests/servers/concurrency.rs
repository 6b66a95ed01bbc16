//! Both servers under concurrent clients (what the load generator will
//! do): every submission is answered 201 with its own id, no session is
//! given two tasks (writes are serialised: gunicorn's workers through
//! SQLite's lock, the twin through its writer connection), and listings
//! running alongside never fail.

use std::collections::BTreeSet;
use std::sync::Arc;

use twinbench_http::process::{RunningServer, ServerSpec, Side};

use crate::common::{NOW, build_db, call, copy_config, python_side_available, twin_binary};

const CLIENTS: usize = 8;
const SUBMISSIONS_EACH: usize = 12;

fn check(side: Side) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = build_db(dir.path(), "t.sqlite3", 5, 200, 60);
    let mut spec = ServerSpec::new(&db, copy_config(dir.path()));
    spec.now = Some(NOW);
    let server = Arc::new(
        match side {
            Side::Python => RunningServer::start_python(&spec),
            Side::Rust => RunningServer::start_rust(&twin_binary(), &spec),
        }
        .unwrap_or_else(|e| panic!("{e}")),
    );
    let addr = server.addr();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            std::thread::spawn(move || {
                let mut replies = Vec::new();
                for i in 0..SUBMISSIONS_EACH {
                    let body = format!(
                        r#"{{"type":"shell","priority":{},"environment":"{}"}}"#,
                        (c + i) % 11,
                        ["dev", "edge", "windows"][i % 3]
                    );
                    let r = call(addr, "POST", "/api/tasks", Some(body.as_bytes()));
                    assert_eq!(r.status, 201, "{side:?}: {}", r.text());
                    replies
                        .push(serde_json::from_slice::<serde_json::Value>(&r.body).expect("JSON"));
                    let r = call(addr, "GET", "/api/tasks?limit=25", None);
                    assert_eq!(r.status, 200, "{side:?}: {}", r.text());
                }
                replies
            })
        })
        .collect();
    let replies: Vec<serde_json::Value> = clients
        .into_iter()
        .flat_map(|t| t.join().expect("client thread"))
        .collect();
    let ids: BTreeSet<i64> = replies.iter().filter_map(|r| r["id"].as_i64()).collect();
    assert_eq!(
        ids.len(),
        CLIENTS * SUBMISSIONS_EACH,
        "{side:?}: ids must be distinct"
    );
    let sessions: Vec<&str> = replies
        .iter()
        .filter_map(|r| r["assigned_to"].as_str())
        .collect();
    let distinct: BTreeSet<&str> = sessions.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        sessions.len(),
        "{side:?}: a session got two tasks"
    );
    assert!(!sessions.is_empty(), "{side:?}: nothing was assigned");
    eprintln!(
        "{side:?}: {} concurrent submissions from {CLIENTS} clients, {} assigned to distinct \
         sessions, the rest pending",
        replies.len(),
        sessions.len()
    );
}

#[test]
fn concurrent_submissions_never_share_a_session_on_the_twin() {
    check(Side::Rust);
}

#[test]
fn concurrent_submissions_never_share_a_session_under_gunicorn() {
    if python_side_available("gunicorn concurrency") {
        check(Side::Python);
    }
}
