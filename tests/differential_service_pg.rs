//! Seed 004's task-routing pairs on PostgreSQL: every `*_pg` pair's sides
//! (Python as written and fixed through psycopg, Rust through the
//! `postgres` crate) agree with each other, call after call, and with the
//! SQLite pair on the same generated rows; the plan of the indexed pending
//! query names the seed's index on both databases; and where PostgreSQL is
//! absent a report still runs, recording those pairs as not run and why.
//!
//! Skipped loudly where PostgreSQL is not installed, unless
//! TWINBENCH_REQUIRE_POSTGRES is set (CI), where that fails.

use std::process::Command;

use serde_json::Value;
use twinbench::inputs::{Database, Input, task_db_from_on};
use twinbench::pairs::{Side, find, query_plans};
use twinbench_service::pg;

use super::common;
use super::differential_service::agree;

/// Whether PostgreSQL is here; if not, says so (and fails when required).
fn postgres_or_skip(test: &str) -> bool {
    if pg::available() {
        return true;
    }
    let why = pg::probe()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        !pg::required(),
        "{} is set: {why}",
        pg::cluster::REQUIRE_ENV
    );
    eprintln!("!! {test} SKIPPED: PostgreSQL not available: {why}");
    false
}

#[test]
fn every_pg_pair_agrees_with_itself_and_with_the_sqlite_pair() {
    if !postgres_or_skip("every_pg_pair_agrees_with_itself_and_with_the_sqlite_pair") {
        return;
    }
    let _cluster = pg::shared::guard();
    for (name, sizes) in [
        ("session_scan", [1usize, 40, 150]),
        ("pending_tasks", [1, 300, 2_000]),
        ("sla_status", [1, 300, 2_000]),
        ("task_assignment", [1, 300, 2_000]),
    ] {
        let pg_name = format!("{name}_pg");
        let sqlite = find(name).expect("registered").generator;
        let postgres = find(&pg_name).expect("registered").generator;
        for (size, seed) in sizes.into_iter().zip([3u64, 17, 20_261_126]) {
            let on_pg = agree(&pg_name, &postgres.generate(size, seed));
            let on_sqlite = agree(name, &sqlite.generate(size, seed));
            assert_eq!(
                on_pg, on_sqlite,
                "{name} at {size} (seed {seed}): PostgreSQL and SQLite answer differently"
            );
        }
    }
}

/// Hand-written rows (ties, stale and exactly-at-timeout heartbeats, a
/// session name with a quote) through every PostgreSQL pair.
#[test]
fn edge_case_rows_agree_on_postgres() {
    if !postgres_or_skip("edge_case_rows_agree_on_postgres") {
        return;
    }
    let _cluster = pg::shared::guard();
    let data = super::differential_service::edge_case_dataset();
    let on_pg = Input::TaskDb(task_db_from_on(Database::Postgres, data.clone()));
    let on_sqlite = Input::TaskDb(task_db_from_on(Database::Sqlite, data));
    for name in [
        "session_scan",
        "pending_tasks",
        "sla_status",
        "task_assignment",
    ] {
        assert_eq!(
            agree(&format!("{name}_pg"), &on_pg),
            agree(name, &on_sqlite),
            "{name}"
        );
    }
}

/// The query plans the report shows: with the seed's indexes the pending
/// page's plan names `idx_tasks_status_priority` on SQLite and on
/// PostgreSQL; without them (the as-written side's database) it does not.
#[test]
fn the_indexed_pending_query_uses_the_index_on_both_databases() {
    let mut names = vec!["pending_tasks"];
    if postgres_or_skip("the_indexed_pending_query_uses_the_index_on_both_databases (PostgreSQL)") {
        names.push("pending_tasks_pg");
    }
    let _cluster = pg::shared::guard();
    for name in names {
        let pair = find(name).expect("registered");
        let input = pair.generator.generate(20_000, 3);
        let plans = query_plans(pair, &input).expect("plans");
        assert_eq!(plans.len(), 2, "{name}: plain and indexed: {plans:?}");
        for plan in &plans {
            let text = plan.plan.join("\n");
            eprintln!(
                "{name}, {} {}:\n{text}",
                plan.database,
                if plan.indexes {
                    "with indexes"
                } else {
                    "without"
                }
            );
            assert_eq!(plan.query, "pending_tasks");
            assert_eq!(
                text.contains("idx_tasks_status_priority"),
                plan.indexes,
                "{name}: {text}"
            );
            let expected: &[Side] = if plan.indexes {
                &[Side::PythonFixed, Side::Rust]
            } else {
                &[Side::Python]
            };
            assert_eq!(plan.sides, expected, "{name}");
        }
    }
}

/// A machine without PostgreSQL (the probe pointed at an empty folder): the
/// report still runs every other pair; the PostgreSQL pair's sizes are
/// recorded as not run with what to install, never as passed; with
/// TWINBENCH_REQUIRE_POSTGRES=1 they are failures.
#[test]
fn without_postgres_the_pg_pairs_are_recorded_as_not_run_and_the_run_goes_on() {
    let dir = common::scratch("pg-absent", "run");
    let empty = dir.join("no-postgres-here");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let scenario = dir.join("scenario.toml");
    std::fs::write(
        &scenario,
        "description = \"PostgreSQL absent\"\n\
         [[kernel]]\nname = \"session_scan_pg\"\nsizes = [5]\nseed = 3\n\
         [[kernel]]\nname = \"session_scan\"\nsizes = [5]\nseed = 3\n",
    )
    .expect("scenario");
    for required in [false, true] {
        let out = dir.join(format!("reports-{required}"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_twinbench"));
        cmd.arg("report")
            .arg("--scenario")
            .arg(&scenario)
            .arg("--criterion-dir")
            .arg(dir.join("no-criterion"))
            .arg("--out")
            .arg(&out)
            .arg("--skip-checks")
            .env(pg::cluster::BIN_DIR_ENV, &empty);
        if required {
            cmd.env(pg::cluster::REQUIRE_ENV, "1");
        } else {
            cmd.env_remove(pg::cluster::REQUIRE_ENV);
        }
        let output = cmd.output().expect("run twinbench report");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("PostgreSQL NOT AVAILABLE"),
            "the run says so loudly:\n{stderr}"
        );
        let run_dir = std::fs::read_dir(&out)
            .expect("reports")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.join("results.json").is_file())
            .unwrap_or_else(|| panic!("no results.json under {}:\n{stderr}", out.display()));
        let text = std::fs::read_to_string(run_dir.join("results.json")).expect("results");
        let results: Value = serde_json::from_str(&text).expect("json");
        common::assert_matches_schema(&results);
        let pair = |name: &str| {
            results["pairs"]
                .as_array()
                .expect("pairs")
                .iter()
                .find(|p| p["kernel"] == name)
                .unwrap_or_else(|| panic!("{name} in results"))
                .clone()
        };
        let sqlite = pair("session_scan");
        assert_eq!(
            sqlite["sizes"][0]["correctness"]["status"], "agree",
            "the SQLite half still runs: {sqlite}"
        );
        let correctness = &pair("session_scan_pg")["sizes"][0]["correctness"];
        if required {
            assert_eq!(correctness["status"], "failed", "{correctness}");
            let error = correctness["error"].as_str().expect("error");
            assert!(error.contains(pg::cluster::REQUIRE_ENV), "{error}");
            assert!(error.contains("PostgreSQL not installed"), "{error}");
        } else {
            assert_eq!(correctness["status"], "not_run", "{correctness}");
            let reason = correctness["reason"].as_str().expect("reason");
            assert!(
                reason.contains("PostgreSQL not installed")
                    && reason.contains("postgresql")
                    && reason.contains(pg::cluster::BIN_DIR_ENV),
                "{reason}"
            );
        }
    }
}
