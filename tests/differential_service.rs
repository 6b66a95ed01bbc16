//! Seed 004's task-routing pairs against the embedded CPython: each
//! kernel on small generated databases and on hand-written edge cases,
//! Rust vs Python as written vs Python fixed, every side called twice to
//! show a call leaves the database as it found it; the rule loaders of
//! both sides agree, and a broken rule file stops a pair with a message
//! naming the file, the key and the fix.

use twinbench::compare::{Output, compare};
use twinbench::inputs::{Input, SERVICE_NOW, task_db_from, task_db_in};
use twinbench::pairs::{Implementation, KernelPair, find};
use twinbench::sides::python as bridge;
use twinbench_service::generate::Dataset;
use twinbench_service::model::{DetectedSession, Session, Task};

fn pair(name: &str) -> &'static KernelPair {
    find(name).unwrap_or_else(|| panic!("{name} is registered"))
}

/// Every side of `name` on `input`, twice each; all must agree. The Rust
/// answer, for the caller's own assertions.
pub(crate) fn agree(name: &str, input: &Input) -> Vec<Vec<i64>> {
    let pair = pair(name);
    let bridge = bridge::bridge().expect("bridge starts");
    let prepared = (pair.rust.prepare)(input).expect("rust prepare");
    let rust = (pair.rust.run)(&prepared).expect("rust run");
    let again = (pair.rust.run)(&prepared).expect("rust run again");
    assert_eq!(rust, again, "{name}: a second Rust call saw other rows");
    let mut functions = vec![pair.python];
    for alt in pair.alternatives {
        if let Implementation::Python(f) = alt.implementation {
            functions.push(f);
        }
    }
    for f in functions {
        for call in 0..2 {
            let python = bridge
                .compute_with(f, pair.output, input)
                .unwrap_or_else(|e| panic!("{}: {e}", f.function));
            if let Err(m) = compare(
                pair.comparison,
                pair.tolerance,
                &rust,
                &python,
                input.truth(),
            ) {
                panic!(
                    "{} (call {call}): {m}\n  rust:   {rust:?}\n  python: {python:?}",
                    f.function
                );
            }
        }
    }
    // Rust again after Python's calls: Python left the rows as they were.
    assert_eq!(
        (pair.rust.run)(&prepared).expect("rust run"),
        rust,
        "{name}: Python's calls changed the rows"
    );
    match rust {
        Output::Lists(lists) => lists.lists,
        other => panic!("{name}: not lists: {other:?}"),
    }
}

#[test]
fn every_service_kernel_agrees_on_generated_databases() {
    for (name, sizes) in [
        ("session_scan", [1usize, 40, 150]),
        ("pending_tasks", [1, 300, 2_000]),
        ("sla_status", [1, 300, 2_000]),
        ("task_assignment", [1, 300, 2_000]),
    ] {
        let generator = pair(name).generator;
        for (size, seed) in sizes.into_iter().zip([3u64, 17, 20_261_126]) {
            agree(name, &generator.generate(size, seed));
        }
    }
}

const NOW: i64 = SERVICE_NOW;

fn task(id: i64, task_type: &str, status: &str, priority: i64, age: i64, env: &str) -> Task {
    Task {
        id,
        task_type: task_type.into(),
        status: status.into(),
        priority,
        created_at: NOW - age,
        environment: env.into(),
        assigned_to: None,
        assigned_at: None,
        content: format!("task {id}"),
    }
}

fn session(id: i64, name: &str, status: &str, age: i64, env: &str) -> Session {
    Session {
        id,
        name: name.into(),
        status: status.into(),
        last_heartbeat: NOW - age,
        environment: env.into(),
        provider: "claude".into(),
        current_task_id: None,
    }
}

fn detected(name: &str) -> DetectedSession {
    DetectedSession {
        name: name.into(),
        status: "idle".into(),
        last_heartbeat: NOW - 5,
        environment: "dev".into(),
        provider: "codex".into(),
    }
}

fn db(tasks: Vec<Task>, sessions: Vec<Session>, detected: Vec<DetectedSession>) -> Input {
    Input::TaskDb(task_db_from(Dataset {
        now: NOW,
        tasks,
        prompts: Vec::new(),
        sessions,
        detected,
    }))
}

/// `[task id, session id or -1, timed out]` per task.
fn assignment(input: &Input) -> Vec<Vec<i64>> {
    agree("task_assignment", input)
}

#[test]
fn no_pending_task_assigns_nothing_and_pages_nothing() {
    let input = db(
        vec![task(1, "shell", "completed", 5, 10, "dev")],
        vec![session(1, "claude-0000", "idle", 1, "dev")],
        Vec::new(),
    );
    assert!(assignment(&input).is_empty());
    assert_eq!(agree("pending_tasks", &input), [Vec::<i64>::new()]);
    assert!(agree("sla_status", &input).is_empty());
}

#[test]
fn no_idle_or_only_stale_sessions_leave_tasks_pending_and_report_timeouts() {
    // dev's rule times out after 60 minutes.
    let tasks = vec![
        task(1, "shell", "pending", 5, 3_601, "dev"),
        task(2, "shell", "pending", 5, 3_600, "dev"),
    ];
    let busy = vec![session(1, "claude-0000", "busy", 1, "dev")];
    assert_eq!(
        assignment(&db(tasks.clone(), busy, Vec::new())),
        [vec![1, -1, 1], vec![2, -1, 0]]
    );
    let stale = vec![
        session(1, "claude-0000", "idle", 301, "dev"),
        session(2, "codex-0001", "idle", 5_000, "dev"),
    ];
    assert_eq!(
        assignment(&db(tasks, stale, Vec::new())),
        [vec![1, -1, 1], vec![2, -1, 0]]
    );
}

/// Sessions that exercise the routing rules: prod prefers claude-0004
/// then codex-0001, excludes local-0003 and requires prod; a heartbeat tie
/// at 200 s; non-ASCII names in staging and dev.
fn rule_sessions() -> Vec<Session> {
    vec![
        session(1, "claude-0004", "busy", 10, "prod"),
        session(2, "codex-0001", "idle", 10, "prod"),
        session(3, "local-0003", "idle", 250, "prod"),
        session(4, "gemini-0010", "idle", 200, "prod"),
        session(5, "gemini-0011", "idle", 200, "prod"),
        session(6, "séance-0012", "idle", 300, "staging"),
        session(7, "会话-0013", "idle", 300, "dev"),
    ]
}

#[test]
fn preferred_exclusion_environment_and_heartbeat_ties() {
    let sessions = rule_sessions();
    let tasks = vec![
        // Highest priority first: the preferred busy one is skipped for
        // the second preferred.
        task(10, "deploy", "pending", 9, 60, "prod"),
        // Then the oldest heartbeat, local-0003 excluded: a tie at 200 s,
        // the smaller id wins.
        task(11, "deploy", "pending", 8, 60, "prod"),
        task(12, "deploy", "pending", 8, 30, "prod"),
        // requires_env: only prod sessions, none left.
        task(13, "deploy", "pending", 7, 60, "prod"),
        // staging requires staging: the non-ASCII one, exactly at the timeout.
        task(14, "test", "pending", 6, 60, "staging"),
        // edge has no rule: default (no env requirement, excludes local-0011):
        // the oldest heartbeat left is the dev session's (300 s).
        task(15, "translation", "pending", 1, 60, "edge"),
    ];
    assert_eq!(
        assignment(&db(tasks, sessions, Vec::new())),
        [
            vec![10, 2, 0],
            vec![11, 4, 0],
            vec![12, 5, 0],
            vec![13, -1, 0],
            vec![14, 6, 0],
            vec![15, 7, 0],
        ]
    );
}

#[test]
fn sla_boundaries_and_the_default_target() {
    // shell: 5 minutes, warning at 80% = 240 s; default: 30 min at 80% = 1,440 s.
    let tasks = vec![
        task(1, "shell", "pending", 1, 300, "dev"),
        task(2, "shell", "assigned", 1, 301, "dev"),
        task(3, "shell", "in_progress", 1, 240, "dev"),
        task(4, "shell", "pending", 1, 239, "dev"),
        task(5, "translation", "pending", 1, 1_440, "dev"),
        task(6, "translation", "pending", 1, 1_439, "dev"),
        task(7, "shell", "completed", 1, 9_999, "dev"),
        task(8, "no-such-type", "failed", 1, 9_999, "dev"),
    ];
    assert_eq!(
        agree("sla_status", &db(tasks, Vec::new(), Vec::new())),
        [
            vec![1, 1],
            vec![2, 2],
            vec![3, 1],
            vec![4, 0],
            vec![5, 1],
            vec![6, 0],
        ]
    );
}

#[test]
fn session_scan_edge_cases() {
    let stored = vec![
        session(1, "claude-0000", "idle", 10, "dev"),
        session(2, "séance-0001", "busy", 10, "dev"),
    ];
    // Empty detector report.
    assert!(agree("session_scan", &db(Vec::new(), stored.clone(), Vec::new())).is_empty());
    // All new, non-ASCII among them; and a mix in detector order.
    let all_new = vec![detected("新しい-0000"), detected("codex-new-0001")];
    let out = agree("session_scan", &db(Vec::new(), stored.clone(), all_new));
    assert!(out.iter().all(|l| l[0] == 1));
    let mix = vec![
        detected("séance-0001"),
        detected("gemini-new"),
        detected("claude-0000"),
    ];
    let out = agree("session_scan", &db(Vec::new(), stored, mix));
    assert_eq!(out.iter().map(|l| l[0]).collect::<Vec<_>>(), [0, 1, 0]);
    let name: Vec<u8> = out[0][1..].iter().map(|&b| b as u8).collect();
    assert_eq!(String::from_utf8(name).expect("utf-8"), "séance-0001");
    // No stored sessions at all.
    let out = agree(
        "session_scan",
        &db(Vec::new(), Vec::new(), vec![detected("x")]),
    );
    assert_eq!(out, [vec![1, i64::from(b'x')]]);
}

#[test]
fn both_loaders_read_the_same_rules() {
    let config = twinbench_service::config::load(&twinbench_service::config::default_dir(), None)
        .expect("rules");
    let dir = twinbench_service::config::default_dir();
    let python = bridge::bridge()
        .expect("bridge")
        .eval_expression(&format!(
            "(lambda L: repr(sorted((k, v['target_minutes'], v['warning_percent']) \
             for k, v in L.get('sla_targets').items())))(__import__('twinbench_baselines.\
             task_service.config_loader', fromlist=['x']).ConfigLoader({:?}))",
            dir.to_string_lossy()
        ))
        .expect("python loads the rules");
    let mut rust: Vec<(String, i64, i64)> = config
        .sla
        .targets
        .iter()
        .map(|(k, t)| (k.clone(), t.target_minutes, t.warning_percent))
        .collect();
    rust.push((
        "default".into(),
        config.sla.default.target_minutes,
        config.sla.default.warning_percent,
    ));
    rust.sort();
    let rust = format!(
        "[{}]",
        rust.iter()
            .map(|(k, a, b)| format!("('{k}', {a}, {b})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_eq!(python, rust);
}

#[test]
fn a_broken_rule_file_stops_the_pair_with_file_key_and_fix() {
    let dir = std::env::temp_dir().join(format!("twinbench-broken-rules-{}", std::process::id()));
    let base = dir.join("base");
    std::fs::create_dir_all(&base).expect("mkdir");
    let source = twinbench_service::config::default_dir().join("base");
    for name in ["sla_rules.yaml", "routing_rules.yaml", "queries.yaml"] {
        std::fs::copy(source.join(name), base.join(name)).expect("copy");
    }
    std::fs::create_dir_all(dir.join("local")).expect("mkdir");
    std::fs::write(
        dir.join("local/oops.yaml"),
        "session_health:\n  heartbeat_timeout_seconds: five minutes\n",
    )
    .expect("write");
    let input = Input::TaskDb(task_db_in(
        &dir,
        twinbench::inputs::TaskDbScale::Tasks { sessions: 5 },
        10,
        1,
    ));
    let err = (pair("sla_status").rust.prepare)(&input).expect_err("broken rules");
    let text = err.to_string();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(text.contains("oops.yaml"), "{text}");
    assert!(
        text.contains("session_health.heartbeat_timeout_seconds"),
        "{text}"
    );
    assert!(text.contains("fix:"), "{text}");
}

/// Both sides run the same SQLite: rusqlite links the system library
/// CPython's sqlite3 module uses, so C24 compares the drivers, not two
/// SQLite builds (a `bundled` rusqlite would fail this).
#[test]
fn both_sides_run_the_same_sqlite() {
    let python = bridge::bridge()
        .expect("bridge")
        .eval_expression("__import__('sqlite3').sqlite_version")
        .expect("python reports its SQLite");
    assert_eq!(python, twinbench_service::rusqlite::version());
}

/// One database of the edge cases above together (ties, the preferred /
/// excluded / required-environment rules, SLA boundaries, stale and
/// exactly-at-timeout heartbeats, non-ASCII names, a name with a quote),
/// for the other database's differential tests.
pub(crate) fn edge_case_dataset() -> Dataset {
    let mut sessions = rule_sessions();
    sessions.push(session(8, "o'brien-0014", "idle", 301, "dev"));
    let tasks = vec![
        task(1, "shell", "pending", 1, 300, "dev"),
        task(2, "shell", "assigned", 1, 301, "dev"),
        task(3, "shell", "in_progress", 1, 240, "dev"),
        task(4, "shell", "pending", 1, 239, "dev"),
        task(5, "translation", "pending", 1, 1_440, "dev"),
        task(6, "translation", "pending", 1, 1_439, "dev"),
        task(7, "shell", "completed", 1, 9_999, "dev"),
        task(8, "no-such-type", "failed", 1, 9_999, "dev"),
        task(10, "deploy", "pending", 9, 60, "prod"),
        task(11, "deploy", "pending", 8, 60, "prod"),
        task(12, "deploy", "pending", 8, 30, "prod"),
        task(13, "deploy", "pending", 7, 60, "prod"),
        task(14, "test", "pending", 6, 60, "staging"),
        task(15, "translation", "pending", 1, 60, "edge"),
        task(16, "deploy", "pending", 1, 3_601, "dev"),
    ];
    Dataset {
        now: NOW,
        tasks,
        prompts: Vec::new(),
        sessions,
        detected: vec![
            detected("séance-0012"),
            detected("新しい-0000"),
            detected("o'brien-0014"),
            detected("claude-0004"),
        ],
    }
}
