//! Both servers, each on its own copy of one seeded database, with the same
//! pinned clock and rules, get the same requests in the same order; every
//! response must have the same status and the same body, byte for byte
//! (docs/service.md, "HTTP API"). The sequence covers the listing (several
//! statuses and limits, bad parameters), submissions across task types and
//! environments until the sessions run out, SLA lookups of open, closed,
//! new and missing tasks, malformed bodies, unknown routes and methods.

mod common;

use common::{NOW, build_db, copy_config, python_side_available, twin_binary};
use twinbench_http::process::{RunningServer, ServerSpec, copy_database};
use twinbench_service::generate::{ENVIRONMENTS, TASK_TYPES};

/// `(method, path, body)` in the order both servers get them.
fn requests() -> Vec<(&'static str, String, Option<Vec<u8>>)> {
    let mut out: Vec<(&'static str, String, Option<Vec<u8>>)> = Vec::new();
    let get = |path: &str| ("GET", path.to_string(), None);
    out.push(get("/api/health"));
    for query in [
        "",
        "?limit=1",
        "?status=pending&limit=7",
        "?status=assigned&limit=1000",
        "?status=in_progress",
        "?status=completed&limit=3",
        "?status=failed&limit=0010",
        "?limit=5&limit=9&status=pending&unknown=1",
        "?status=bogus",
        "?status=",
        "?limit=0",
        "?limit=1001",
        "?limit=abc",
        "?limit=%2B5",
        "?limit=12345",
    ] {
        out.push(get(&format!("/api/tasks{query}")));
    }
    for id in (1..=40).chain([250, 299, 300, 301, 999_999]) {
        out.push(get(&format!("/api/tasks/{id}/sla")));
    }
    for bad in ["abc", "-1", "1.5", "0000000000000000001", "01"] {
        out.push(get(&format!("/api/tasks/{bad}/sla")));
    }
    // Submissions: every task type and environment (six with rules, `edge`
    // and `nowhere` on the default rule), until no session is left.
    let mut environments: Vec<&str> = ENVIRONMENTS.to_vec();
    environments.push("nowhere");
    for i in 0..48 {
        let task_type = TASK_TYPES[i % TASK_TYPES.len()];
        let environment = environments[(i * 5 + i / 8) % environments.len()];
        let body = format!(
            r#"{{"type":"{task_type}","priority":{},"environment":"{environment}"}}"#,
            i % 11
        );
        out.push(("POST", "/api/tasks".into(), Some(body.into_bytes())));
    }
    for body in [
        "",
        "{",
        "[]",
        "null",
        "\"text\"",
        "NaN",
        r#"{"type":"shell","priority":Infinity,"environment":"dev"}"#,
        r#"{"priority":1,"environment":"dev"}"#,
        r#"{"type":"shell","environment":"dev"}"#,
        r#"{"type":"shell","priority":1}"#,
        r#"{"type":"shell","priority":1,"environment":"dev","zz":1,"content":"x"}"#,
        r#"{"type":"shell","priority":"5","environment":"dev"}"#,
        r#"{"type":"shell","priority":5.0,"environment":"dev"}"#,
        r#"{"type":"shell","priority":1e0,"environment":"dev"}"#,
        r#"{"type":"shell","priority":true,"environment":"dev"}"#,
        r#"{"type":"shell","priority":11,"environment":"dev"}"#,
        r#"{"type":"shell","priority":-1,"environment":"dev"}"#,
        r#"{"type":"shell","priority":100000000000000000000000,"environment":"dev"}"#,
        r#"{"type":123,"priority":1,"environment":"dev"}"#,
        r#"{"type":"shell","priority":1,"environment":""}"#,
        r#"{"type":"shell","priority":1,"environment":null}"#,
        r#"{"type":"ünïcödé-☃","priority":1,"environment":"dev"}"#,
        r#"{"type":"shell","priority":1,"environment":"dev","type":"python"}"#,
    ] {
        out.push(("POST", "/api/tasks".into(), Some(body.as_bytes().to_vec())));
    }
    let long = "x".repeat(65);
    out.push((
        "POST",
        "/api/tasks".into(),
        Some(format!(r#"{{"type":"{long}","priority":1,"environment":"dev"}}"#).into_bytes()),
    ));
    out.push((
        "POST",
        "/api/tasks".into(),
        Some(b"{\"type\":\"\xff\xfe\",\"priority\":1,\"environment\":\"dev\"}".to_vec()),
    ));
    // The state the submissions left, and the new tasks' SLA pages.
    out.push(get("/api/tasks?status=assigned&limit=1000"));
    out.push(get("/api/tasks?status=pending&limit=1000"));
    for id in 301..=350 {
        out.push(get(&format!("/api/tasks/{id}/sla")));
    }
    out.push(get("/api/nope"));
    out.push(get("/"));
    out.push(("DELETE", "/api/tasks".into(), None));
    out.push(("PUT", "/api/health".into(), Some(b"{}".to_vec())));
    out
}

#[test]
fn both_servers_answer_every_request_with_the_same_status_and_bytes() {
    if !python_side_available("differential") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let source = build_db(dir.path(), "source.sqlite3", 4, 300, 24);
    let config_dir = copy_config(dir.path());
    let spec_for = |name: &str| {
        let db = dir.path().join(name);
        copy_database(&source, &db).expect("copy the database");
        let mut spec = ServerSpec::new(db, &config_dir);
        spec.now = Some(NOW);
        spec
    };
    let python =
        RunningServer::start_python(&spec_for("python.sqlite3")).unwrap_or_else(|e| panic!("{e}"));
    let rust = RunningServer::start_rust(&twin_binary(), &spec_for("rust.sqlite3"))
        .unwrap_or_else(|e| panic!("{e}"));

    let mut counts = std::collections::BTreeMap::<u16, usize>::new();
    let mut assigned = 0;
    let mut unassigned = 0;
    let requests = requests();
    for (method, path, body) in &requests {
        let p = common::call(python.addr(), method, path, body.as_deref());
        let r = common::call(rust.addr(), method, path, body.as_deref());
        let shown = body
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        assert!(
            p.status == r.status && p.body == r.body,
            "{method} {path} {shown}: the servers differ\n  Python: {} {}\n  Rust:   {} {}",
            p.status,
            p.text(),
            r.status,
            r.text()
        );
        *counts.entry(p.status).or_default() += 1;
        if p.status == 201 {
            let reply: serde_json::Value = serde_json::from_slice(&p.body).expect("JSON");
            if reply["assigned_to"].is_null() {
                unassigned += 1;
            } else {
                assigned += 1;
            }
        }
    }
    eprintln!(
        "differential: {} requests, identical on both servers; statuses {counts:?}; \
         submissions assigned {assigned}, left pending {unassigned}",
        requests.len()
    );
    assert!(
        assigned > 0 && unassigned > 0,
        "the submissions must both assign and run out"
    );
    assert!(counts.contains_key(&400) && counts.contains_key(&404) && counts.contains_key(&405));
}
