//! Both sides on one PostgreSQL cluster: rows the Rust store loads are the
//! rows Python's `PgDatabase` (psycopg, in the venv's interpreter) reads,
//! and a write Python commits through the seed's `?` SQL is one Rust sees.
//!
//! Here rather than in the service crate: the venv is located the way every
//! harness test locates it ([`bridge::venv_dir`]).

use std::process::Command;

use twinbench::sides::python as bridge;
use twinbench::workspace;
use twinbench_service::pg::{self, Param, PgCluster, SqlValue, store};

const PYTHON: &str = r#"
import json, sys
from twinbench_baselines.task_service.pg import PgDatabase

db = PgDatabase(sys.argv[1])
sessions = db.get_all_sessions()
db.execute(
    "INSERT INTO sessions (id, name, status, last_heartbeat, environment, provider) "
    "VALUES (?, ?, ?, ?, 'prod', '100% python')",
    (3, "from-python?", "idle", 1771070400),
)
db.commit()
rows = db.execute("SELECT name FROM sessions WHERE name LIKE 'from-%' AND id > ?", (0,))
db.close()
print(json.dumps({"sessions": sessions, "like": rows}, sort_keys=True))
"#;

#[test]
fn python_psycopg_sees_the_rows_rust_loaded_and_rust_sees_its_commit() {
    if !pg::available() {
        assert!(
            !pg::required(),
            "{}",
            pg::probe()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default()
        );
        eprintln!("!! python_psycopg_sees_the_rows_rust_loaded SKIPPED: PostgreSQL not available");
        return;
    }
    let cluster = PgCluster::start().expect("start");
    let mut client = cluster.connect().expect("connect");
    store::create_tables(&mut client).expect("tables");
    let columns = store::SESSION_COLUMNS;
    let rows = vec![
        vec![
            SqlValue::Int(1),
            SqlValue::from("alpha"),
            SqlValue::from("idle"),
            SqlValue::Int(1_771_070_000),
            SqlValue::from("prod"),
            SqlValue::from("claude"),
            SqlValue::Null,
        ],
        vec![
            SqlValue::Int(2),
            SqlValue::from("tab\there 'quoted'"),
            SqlValue::from("busy"),
            SqlValue::Int(1_771_070_100),
            SqlValue::from("dev"),
            SqlValue::from("codex"),
            SqlValue::Int(7),
        ],
    ];
    store::load_rows(&mut client, "sessions", &columns, rows).expect("load");

    let python = bridge::venv_dir().join("bin").join("python");
    let out = Command::new(&python)
        .arg("-c")
        .arg(PYTHON)
        .arg(cluster.conninfo())
        .env("PYTHONPATH", workspace::baselines_dir())
        .output()
        .expect("run the venv's python");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} failed:\n{stderr}",
        python.display()
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        got["sessions"],
        serde_json::json!([
            {"id": 1, "name": "alpha", "status": "idle", "last_heartbeat": 1_771_070_000_i64,
             "environment": "prod", "provider": "claude", "current_task_id": null},
            {"id": 2, "name": "tab\there 'quoted'", "status": "busy",
             "last_heartbeat": 1_771_070_100_i64, "environment": "dev", "provider": "codex",
             "current_task_id": 7},
        ])
    );
    assert_eq!(got["like"], serde_json::json!([{"name": "from-python?"}]));

    let seen = store::query(
        &mut client,
        "SELECT provider FROM sessions WHERE id = :id",
        &[("id", Param::One(SqlValue::Int(3)))],
    )
    .expect("query");
    assert_eq!(seen.rows, [vec![SqlValue::from("100% python")]]);
}
