//! Seed 004's task-routing service on PostgreSQL: the four SQLite pairs of
//! [`super::service`] — the same Python functions, the same Rust kernels,
//! the same generated rows and the same indexes rule (the as-written
//! `pending_tasks` on the database without the seed's indexes, every other
//! side on the one with them) — against a throwaway PostgreSQL cluster
//! (`twinbench_service::pg::shared`: one per process, started by the first
//! input a side prepares, never left running). Python runs through psycopg
//! 3 (`PgDatabase`), Rust through the synchronous `postgres` crate; both
//! run every statement prepared (docs/service.md, "PostgreSQL pairs").
//!
//! Where PostgreSQL is not installed these pairs are recorded as not run,
//! with the reason (by the run loop), and the SQLite half runs alone.

use super::KernelPair;
use super::service::{PENDING_TASKS, SESSION_SCAN, SLA_STATUS, TASK_ASSIGNMENT};
use crate::inputs::{Database, Generator, TaskDbScale};

/// Sizes: the SQLite pairs' own (scenarios/default.toml), so the two
/// databases compare size for size; the whole PostgreSQL block stays near
/// 40 s of `make report`'s bench (measured and estimated there).
pub(super) const SESSION_SCAN_PG: KernelPair = KernelPair {
    name: "session_scan_pg",
    summary: "session_scan on PostgreSQL (psycopg 3 / postgres crate): for each detected \
              session get_all_sessions() and a linear search by name (as written), or one \
              SELECT … WHERE name IN (…) (fixed, Rust); UPDATE or INSERT; one transaction \
              rolled back. Per detected session [0 updated / 1 inserted, name bytes]",
    generator: Generator::TaskDatabase {
        scale: TaskDbScale::Sessions { tasks: 200 },
        database: Database::Postgres,
    },
    sizes: &[100, 200, 400],
    ..SESSION_SCAN
};

pub(super) const PENDING_TASKS_PG: KernelPair = KernelPair {
    name: "pending_tasks_pg",
    summary: "pending_tasks on PostgreSQL: the queries.yaml template (status = 'pending' ORDER \
              BY priority DESC, created_at, id LIMIT 50) through QueryManager.build_query: \
              Python (psycopg) on the database without the seed's three indexes (as written), \
              python-fixed on the one with them, Rust (postgres crate) with them. One list: the \
              page's ids in order",
    generator: Generator::TaskDatabase {
        scale: TaskDbScale::Tasks { sessions: 50 },
        database: Database::Postgres,
    },
    sizes: &[10_000, 50_000, 200_000],
    ..PENDING_TASKS
};

pub(super) const SLA_STATUS_PG: KernelPair = KernelPair {
    name: "sla_status_pg",
    summary: "sla_status on PostgreSQL: SLAManager over the open tasks. As written: SELECT * \
              FROM tasks as dicts, filtered in Python; fixed and Rust: the open_tasks template. \
              Per task by id [id, 0 ok / 1 warning / 2 breached]",
    generator: Generator::TaskDatabase {
        scale: TaskDbScale::Tasks { sessions: 50 },
        database: Database::Postgres,
    },
    sizes: &[1_000, 5_000, 15_000],
    ..SLA_STATUS
};

pub(super) const TASK_ASSIGNMENT_PG: KernelPair = KernelPair {
    name: "task_assignment_pg",
    summary: "task_assignment on PostgreSQL: the assignment pass. As written: \
              get_all_sessions() per task and a commit per task (the assignments then undone \
              and committed, inside the call); fixed and Rust: the idle sessions once, one \
              transaction rolled back. Per task [task id, session id or -1, 1 if pending past \
              its rule's timeout]",
    generator: Generator::TaskDatabase {
        scale: TaskDbScale::Tasks { sessions: 50 },
        database: Database::Postgres,
    },
    sizes: &[1_000, 3_000, 6_000],
    ..TASK_ASSIGNMENT
};
