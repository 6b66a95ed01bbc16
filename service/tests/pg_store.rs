//! The schema, rows and query templates on a throwaway cluster: the seed's
//! indexes change the plan on real data (not on a planner switch), the
//! answer does not; values survive the round trip; every misuse is named.

mod common;

use common::postgres_or_skip;
use twinbench_service::pg::store::{self, StoreError, TASK_COLUMNS};
use twinbench_service::pg::{Param, PgCluster, PlaceholderError, SqlValue};

const PENDING_TASKS: &str = "SELECT id FROM tasks WHERE status = :status \
     ORDER BY priority DESC, created_at ASC, id ASC LIMIT :limit";

/// `n` tasks, 1 in 50 pending (the shape that makes an index worth it),
/// from a fixed linear congruential sequence.
fn tasks(n: i64) -> Vec<Vec<SqlValue>> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |m: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % m
    };
    (1..=n)
        .map(|id| {
            let status = match next(50) {
                0 => "pending",
                1 => "in_progress",
                _ => "completed",
            };
            vec![
                SqlValue::Int(id),
                SqlValue::from(["shell", "review", "deploy"][next(3) as usize]),
                SqlValue::from(status),
                SqlValue::Int(next(11) as i64),
                SqlValue::Int(1_771_070_400 - next(86_400 * 30) as i64),
                SqlValue::from("prod"),
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::from(format!("task {id}")),
            ]
        })
        .collect()
}

fn ints(rows: &store::Rows, column: &str) -> Vec<i64> {
    rows.column(column)
        .expect("column")
        .into_iter()
        .map(|v| match v {
            SqlValue::Int(i) => *i,
            other => panic!("{column}: {other:?}"),
        })
        .collect()
}

#[test]
fn the_seed_indexes_turn_a_seq_scan_into_an_index_scan_with_the_same_answer() {
    if !postgres_or_skip("the_seed_indexes_turn_a_seq_scan...") {
        return;
    }
    let cluster = PgCluster::start().expect("start");
    let mut client = cluster.connect().expect("connect");
    store::create_tables(&mut client).expect("tables");
    let rows = tasks(30_000);
    let mut expected: Vec<(i64, i64, i64)> = rows
        .iter()
        .filter(|r| r[2] == SqlValue::from("pending"))
        .map(|r| match (&r[0], &r[3], &r[4]) {
            (SqlValue::Int(id), SqlValue::Int(p), SqlValue::Int(c)) => (-*p, *c, *id),
            other => panic!("{other:?}"),
        })
        .collect();
    expected.sort_unstable();
    let expected: Vec<i64> = expected.iter().take(25).map(|t| t.2).collect();
    let loaded = store::load_rows(&mut client, "tasks", &TASK_COLUMNS, rows).expect("load");
    assert_eq!(loaded, 30_000);
    store::analyze(&mut client).expect("analyze");
    let params = [
        ("status", Param::One(SqlValue::from("pending"))),
        ("limit", Param::One(SqlValue::Int(25))),
    ];

    let plan = store::explain(&mut client, PENDING_TASKS, &params).expect("explain");
    assert!(plan.contains("Seq Scan on tasks"), "{plan}");
    let without = store::query(&mut client, PENDING_TASKS, &params).expect("query");
    assert_eq!(ints(&without, "id"), expected);

    store::create_indexes(&mut client).expect("indexes");
    let plan = store::explain(&mut client, PENDING_TASKS, &params).expect("explain");
    assert!(plan.contains("idx_tasks_status_priority"), "{plan}");
    assert!(plan.contains("Index"), "{plan}");
    assert!(!plan.contains("Seq Scan on tasks"), "{plan}");
    let with = store::query(&mut client, PENDING_TASKS, &params).expect("query");
    assert_eq!(with, without);
}

#[test]
fn values_round_trip_and_misuse_is_named() {
    if !postgres_or_skip("values_round_trip_and_misuse_is_named") {
        return;
    }
    let cluster = PgCluster::start().expect("start");
    let mut client = cluster.connect().expect("connect");
    store::create_tables(&mut client).expect("tables");
    let columns = store::SESSION_COLUMNS;
    let awkward = "tab\there, back\\slash, it's \"quoted\", new\nline, \\N, 100%";
    let sessions = vec![
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
            SqlValue::from(awkward),
            SqlValue::from("busy"),
            SqlValue::Int(1_771_070_100),
            SqlValue::from("dev"),
            SqlValue::from("codex"),
            SqlValue::Int(i64::MAX),
        ],
    ];
    store::load_rows(&mut client, "sessions", &columns, sessions.clone()).expect("load");

    let got = store::query(
        &mut client,
        "SELECT * FROM sessions WHERE name IN (:names) ORDER BY id",
        &[(
            "names",
            Param::List(vec![
                SqlValue::from("alpha"),
                SqlValue::from(awkward),
                SqlValue::from("nobody"),
            ]),
        )],
    )
    .expect("query");
    assert_eq!(got.columns, columns);
    assert_eq!(got.rows, sessions);

    let changed = store::execute(
        &mut client,
        "UPDATE sessions SET status = :status, last_heartbeat = :now WHERE name = :name",
        &[
            ("status", Param::One(SqlValue::from("offline"))),
            ("now", Param::One(SqlValue::Int(1_771_070_400))),
            ("name", Param::One(SqlValue::from("alpha"))),
        ],
    )
    .expect("update");
    assert_eq!(changed, 1);

    // A computed float and a literal `%` and `:` in a string come back as written.
    let got = store::query(
        &mut client,
        "SELECT (:now - last_heartbeat) / 60.0::float8 AS minutes, '100%: ok' AS note \
         FROM sessions WHERE id = :id",
        &[
            ("now", Param::One(SqlValue::Int(1_771_070_700))),
            ("id", Param::One(SqlValue::Int(1))),
        ],
    )
    .expect("query");
    assert_eq!(
        got.rows,
        [vec![SqlValue::Float(5.0), SqlValue::from("100%: ok")]]
    );

    // An integer too wide for INTEGER is refused, never wrapped.
    let wide = store::query(
        &mut client,
        "SELECT id FROM tasks WHERE priority = :p",
        &[("p", Param::One(SqlValue::Int(1 << 40)))],
    )
    .expect_err("too wide");
    assert!(matches!(wide, StoreError::Db { .. }), "{wide:?}");

    // A short row rolls the whole load back.
    let short = store::load_rows(
        &mut client,
        "tasks",
        &TASK_COLUMNS,
        vec![tasks(1).remove(0), vec![SqlValue::Int(2)]],
    )
    .expect_err("short row");
    assert!(
        short.to_string().contains("row 1 for `tasks` has 1 values"),
        "{short}"
    );
    let count = store::query(&mut client, "SELECT count(*) AS n FROM tasks", &[]).expect("count");
    assert_eq!(ints(&count, "n"), [0]);

    let unknown = store::load_rows(&mut client, "users; DROP TABLE tasks", &["id"], vec![])
        .expect_err("unknown table");
    assert!(
        matches!(unknown, StoreError::UnknownTable { .. }),
        "{unknown:?}"
    );
    let bad = store::load_rows(&mut client, "tasks", &["id) FROM x; --"], vec![])
        .expect_err("bad column");
    assert!(matches!(bad, StoreError::BadColumn { .. }), "{bad:?}");
    let empty = store::query(
        &mut client,
        "SELECT id FROM sessions WHERE name IN (:names)",
        &[("names", Param::List(vec![]))],
    )
    .expect_err("empty list");
    assert!(
        matches!(
            empty,
            StoreError::Placeholder(PlaceholderError::EmptyList { .. })
        ),
        "{empty:?}"
    );
}
