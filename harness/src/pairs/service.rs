//! Seed 004's task-routing service on SQLite (docs/service.md; the same
//! pairs on PostgreSQL are `service_pg`'s, built from these rows): the
//! session scan (C18), the pending-task page with and without the seed's
//! indexes (C17, C24), SLA status and the assignment pass (C19). Python is
//! the service as the seed writes it, `python-fixed` the fix the seed
//! proposes, Rust the twin of the fixed algorithm (crate
//! `twinbench-service`). Every timed call leaves the database as it found
//! it (a rollback, or for the as-written pass an undo it pays for), so each
//! call starts from the same rows.

use std::sync::{Arc, Mutex};

use twinbench_service::config::{self, BuiltQuery, Config, ParamValue};
use twinbench_service::kernels::{
    Finish, KernelError, PgStore, SqliteStore, Store, assign, pending, scan, sla,
};
use twinbench_service::model::DetectedSession;
use twinbench_service::rusqlite::Connection;
use twinbench_service::schema::Indexes;
use twinbench_service::sqlite;

use super::glue::input_kind;
use super::side::Side;
use super::{
    Alternative, Domain, Implementation, KernelPair, OriginalUse, OutputKind, Prepared,
    PythonFunction, QueryPlan, RustTwin, TwinError,
};
use crate::compare::{Comparison, Lists, Output};
use crate::inputs::{Database, Generator, Input, PAGE_LIMIT, TaskDb, TaskDbScale};
use crate::pins::PinSet;

const MODULE: &str = "twinbench_baselines.task_routing";

/// What the Rust kernels run on: one connection to the indexed database
/// (the fixed service's: the indexed file on SQLite, the indexed database
/// on PostgreSQL), opened outside the timed region, with the rules and the
/// detector's report. The mutex only makes the connection shareable;
/// calls never overlap.
#[derive(Debug)]
pub struct ServiceDb {
    conn: Mutex<Backend>,
    config: Config,
    detected: Vec<DetectedSession>,
    now: i64,
}

/// The connection of a [`ServiceDb`].
#[derive(Debug)]
enum Backend {
    Sqlite(Connection),
    Postgres(Box<PgStore>),
}

fn task_db(input: &Input) -> Result<&TaskDb, TwinError> {
    match input {
        Input::TaskDb(db) => Ok(db),
        _ => Err(TwinError::WrongInput {
            expected: "task database",
            got: input_kind(input),
        }),
    }
}

/// The Rust twin's connection to `db`'s indexed database, on its engine.
fn prepare_db(input: &Input) -> Result<Prepared, TwinError> {
    let db = task_db(input)?;
    let config =
        config::load(&db.config_dir, None).map_err(|e| TwinError::TaskDb(e.to_string()))?;
    let backend = match db.database {
        Database::Sqlite => {
            let files = db.files().map_err(TwinError::TaskDb)?;
            Backend::Sqlite(
                sqlite::open(&files.indexed).map_err(|e| TwinError::TaskDb(e.to_string()))?,
            )
        }
        Database::Postgres => {
            let databases = db.pg().map_err(TwinError::TaskDb)?;
            let client = databases
                .cluster()
                .connect(databases.name(Indexes::On))
                .map_err(|e| TwinError::TaskDb(e.to_string()))?;
            Backend::Postgres(Box::new(PgStore::new(client)))
        }
    };
    Ok(Prepared::TaskDb(Arc::new(ServiceDb {
        conn: Mutex::new(backend),
        config,
        detected: db.data.detected.clone(),
        now: db.data.now,
    })))
}

fn with_db<T>(
    prepared: &Prepared,
    f: impl FnOnce(&mut dyn Store, &ServiceDb) -> Result<T, TwinError>,
) -> Result<T, TwinError> {
    let Prepared::TaskDb(db) = prepared else {
        return Err(super::glue::wrong_prepared(
            "task database connection",
            prepared,
        ));
    };
    let mut conn = db
        .conn
        .lock()
        .map_err(|_| TwinError::TaskDb("connection lock poisoned by an earlier panic".into()))?;
    match &mut *conn {
        Backend::Sqlite(c) => f(&mut SqliteStore(c), db),
        Backend::Postgres(store) => f(store.as_mut(), db),
    }
}

const CALLED_BY_WORKER: OriginalUse = OriginalUse {
    timed_by: None,
    called_by: Some("workers/assigner_worker.py's loop (seed 004)"),
};

const SERVICE_SIZES_NOTE: &str = "ids, codes and name bytes exactly";

const fn fixed(function: &'static str, note: &'static str) -> Alternative {
    Alternative {
        side: Side::PythonFixed,
        implementation: Implementation::Python(PythonFunction {
            module: MODULE,
            function,
        }),
        tolerance: None,
        comparison: None,
        note,
    }
}

pub(super) const SESSION_SCAN: KernelPair = KernelPair {
    name: "session_scan",
    pins: PinSet::Server,
    domain: Domain::TaskRouting,
    summary: "seed 004 assigner_worker._scan_sessions (L1138-1161): for each detected session \
              (~90% already stored, the rest new) get_all_sessions() as dicts and a linear \
              search by name, then UPDATE status/heartbeat or INSERT, one transaction rolled \
              back. Per detected session [0 updated / 1 inserted, name bytes]",
    python: PythonFunction {
        module: MODULE,
        function: "session_scan",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_db,
        run: run_session_scan,
        run_parallel: None,
    },
    generator: Generator::TaskDatabase {
        scale: TaskDbScale::Sessions { tasks: 200 },
        database: Database::Sqlite,
    },
    comparison: Comparison::ExactLists,
    tolerance: super::EXACT,
    tolerance_rationale: SERVICE_SIZES_NOTE,
    // As written is quadratic: sessions × stored rows converted to dicts
    // (3.0 s a call at 1,000 sessions, measured; 600 keeps the pairs under
    // a minute of benchmark).
    sizes: &[100, 300, 600],
    claims: &["C18"],
    alternatives: &[Alternative {
        side: Side::PythonFixed,
        implementation: Implementation::Python(PythonFunction {
            module: MODULE,
            function: "session_scan_fixed",
        }),
        tolerance: None,
        comparison: None,
        note: "the seed's fix: one SELECT … WHERE name IN (…) and a dict by name, the same \
               writes",
    }],
    original: CALLED_BY_WORKER,
};

fn run_session_scan(prepared: &Prepared) -> Result<Output, TwinError> {
    with_db(prepared, |store, db| {
        let actions = scan::scan_sessions(store, &db.config, &db.detected, Finish::Rollback)?;
        let mut out = Lists::with_capacity(actions.len());
        for (s, action) in db.detected.iter().zip(actions) {
            let code = action as i64;
            let mut list = Vec::with_capacity(1 + s.name.len());
            list.push(code);
            list.extend(s.name.bytes().map(i64::from));
            out.push(list, code as f64);
        }
        Ok(Output::Lists(out))
    })
}

pub(super) const PENDING_TASKS: KernelPair = KernelPair {
    name: "pending_tasks",
    pins: PinSet::Server,
    domain: Domain::TaskRouting,
    summary: "seed 004 queries.yaml pending_tasks (status = 'pending' ORDER BY priority DESC, \
              created_at, id LIMIT 50) through QueryManager.build_query and db.execute: Python \
              on the file without the seed's three indexes (as written), python-fixed on the \
              file with them, Rust (rusqlite) with them. One list: the page's ids in order",
    python: PythonFunction {
        module: MODULE,
        function: "pending_tasks",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_db,
        run: run_pending_tasks,
        run_parallel: None,
    },
    generator: Generator::TaskDatabase {
        scale: TaskDbScale::Tasks { sessions: 50 },
        database: Database::Sqlite,
    },
    comparison: Comparison::ExactLists,
    tolerance: super::EXACT,
    tolerance_rationale: SERVICE_SIZES_NOTE,
    sizes: &[10_000, 100_000, 300_000],
    claims: &["C17", "C24"],
    alternatives: &[fixed(
        "pending_tasks_fixed",
        "the same query on the file with idx_tasks_status_priority (the seed's P0 fix): \
         python vs python-fixed is the index's effect (C17), python-fixed vs rust the \
         driver's (C24)",
    )],
    original: CALLED_BY_WORKER,
};

fn run_pending_tasks(prepared: &Prepared) -> Result<Output, TwinError> {
    with_db(prepared, |store, db| {
        let ids = pending::pending_ids(store, &db.config, "pending", PAGE_LIMIT)?;
        let mut out = Lists::with_capacity(1);
        let n = ids.len() as f64;
        out.push(ids, n);
        Ok(Output::Lists(out))
    })
}

pub(super) const SLA_STATUS: KernelPair = KernelPair {
    name: "sla_status",
    pins: PinSet::Server,
    domain: Domain::TaskRouting,
    summary: "seed 004 SLAManager over the open tasks (pending, assigned, in_progress): target \
              from sla_targets[type] or default, elapsed = (now - created_at) / 60, breached \
              above the target, warning from target × warning_percent / 100. As written: \
              SELECT * FROM tasks as dicts, filtered in Python, the rules looked up per task. \
              Per task by id [id, 0 ok / 1 warning / 2 breached]",
    python: PythonFunction {
        module: MODULE,
        function: "sla_status",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_db,
        run: run_sla_status,
        run_parallel: None,
    },
    generator: Generator::TaskDatabase {
        scale: TaskDbScale::Tasks { sessions: 50 },
        database: Database::Sqlite,
    },
    comparison: Comparison::ExactLists,
    tolerance: super::EXACT,
    tolerance_rationale: "status codes exactly: both sides compare the same correctly rounded \
                          float divisions",
    sizes: &[1_000, 10_000, 50_000],
    claims: &["C19"],
    alternatives: &[fixed(
        "sla_status_fixed",
        "the open_tasks template (WHERE status IN …) and each type's target looked up once",
    )],
    original: CALLED_BY_WORKER,
};

fn run_sla_status(prepared: &Prepared) -> Result<Output, TwinError> {
    with_db(prepared, |store, db| {
        let report = sla::sla_report(store, &db.config, db.now)?;
        let mut out = Lists::with_capacity(report.len());
        for (id, status) in report {
            let code = status as i64;
            out.push(vec![id, code], code as f64);
        }
        Ok(Output::Lists(out))
    })
}

pub(super) const TASK_ASSIGNMENT: KernelPair = KernelPair {
    name: "task_assignment",
    pins: PinSet::Server,
    domain: Domain::TaskRouting,
    summary: "seed 004 assignment pass: pending tasks by priority DESC, created_at, id; each \
              task's routing rule (or default); candidates idle, heartbeat within the timeout, \
              not excluded, same environment if required, not taken this pass; the first \
              preferred candidate else the oldest heartbeat (ties: smaller id); the task and \
              the session updated. As written: get_all_sessions() per task and a commit per \
              task (then the assignments undone and committed, inside the call); fixed and \
              Rust: the idle sessions once, one transaction rolled back. Per task [task id, \
              session id or -1, 1 if pending past its rule's timeout]",
    python: PythonFunction {
        module: MODULE,
        function: "task_assignment",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_db,
        run: run_task_assignment,
        run_parallel: None,
    },
    generator: Generator::TaskDatabase {
        scale: TaskDbScale::Tasks { sessions: 50 },
        database: Database::Sqlite,
    },
    comparison: Comparison::ExactLists,
    tolerance: super::EXACT,
    tolerance_rationale: SERVICE_SIZES_NOTE,
    sizes: &[1_000, 10_000, 30_000],
    claims: &["C19"],
    alternatives: &[fixed(
        "task_assignment_fixed",
        "the idle sessions loaded once (idle_sessions template), one transaction: the same \
         assignments",
    )],
    original: CALLED_BY_WORKER,
};

fn run_task_assignment(prepared: &Prepared) -> Result<Output, TwinError> {
    with_db(prepared, |store, db| {
        let plan = assign::assign_pending(store, &db.config, db.now, Finish::Rollback)?;
        let mut out = Lists::with_capacity(plan.len());
        for a in plan {
            let timed_out = i64::from(a.timed_out);
            out.push(
                vec![a.task_id, a.session_id.unwrap_or(-1), timed_out],
                timed_out as f64,
            );
        }
        Ok(Output::Lists(out))
    })
}

/// A pair's main query: the one its figure is about.
struct MainQuery {
    template: &'static str,
    build: fn(&Config, &TaskDb) -> Result<BuiltQuery, KernelError>,
    /// The sides on the database without the indexes (the others use the
    /// indexed one).
    on_plain: &'static [Side],
}

/// The main query of a task-routing pair, by its Python function (the
/// SQLite and PostgreSQL pairs share it).
fn main_query(pair: &KernelPair) -> Option<MainQuery> {
    let query = match pair.python.function {
        "session_scan" => MainQuery {
            template: "sessions_by_names",
            build: |config, db| {
                let names = db.data.detected.iter().map(|s| s.name.clone()).collect();
                let mut given = std::collections::BTreeMap::new();
                given.insert("names", ParamValue::StringList(names));
                Ok(config.build_query("sessions_by_names", &given)?)
            },
            on_plain: &[],
        },
        "pending_tasks" => MainQuery {
            template: "pending_tasks",
            build: |config, _| pending::pending_query(config, "pending", PAGE_LIMIT),
            on_plain: &[Side::Python],
        },
        "sla_status" => MainQuery {
            template: "open_tasks",
            build: |config, _| sla::open_tasks_query(config),
            on_plain: &[],
        },
        "task_assignment" => MainQuery {
            template: "pending_tasks",
            build: |config, _| pending::pending_query(config, "pending", assign::ALL_ROWS),
            on_plain: &[],
        },
        _ => return None,
    };
    Some(query)
}

/// The plan of `pair`'s main query on each database its sides use (see
/// [`MainQuery`]); empty for a pair that is not a task-routing one.
pub(super) fn query_plans(pair: &KernelPair, input: &Input) -> Result<Vec<QueryPlan>, TwinError> {
    let (Some(main), Input::TaskDb(db)) = (main_query(pair), input) else {
        return Ok(Vec::new());
    };
    let config =
        config::load(&db.config_dir, None).map_err(|e| TwinError::TaskDb(e.to_string()))?;
    let query = (main.build)(&config, db)?;
    let mut out = Vec::new();
    for indexes in [Indexes::Off, Indexes::On] {
        let sides: Vec<Side> = pair
            .sides()
            .into_iter()
            .filter(|s| *s != Side::CopyInput)
            .filter(|s| main.on_plain.contains(s) == (indexes == Indexes::Off))
            .collect();
        if sides.is_empty() {
            continue;
        }
        let plan = match db.database {
            Database::Sqlite => {
                let files = db.files().map_err(TwinError::TaskDb)?;
                let path = match indexes {
                    Indexes::On => &files.indexed,
                    Indexes::Off => &files.plain,
                };
                let conn = sqlite::open(path).map_err(|e| TwinError::TaskDb(e.to_string()))?;
                sqlite::explain(&conn, &query).map_err(|e| TwinError::TaskDb(e.to_string()))?
            }
            Database::Postgres => {
                let databases = db.pg().map_err(TwinError::TaskDb)?;
                let client = databases
                    .cluster()
                    .connect(databases.name(indexes))
                    .map_err(|e| TwinError::TaskDb(e.to_string()))?;
                PgStore::new(client).explain(&query)?
            }
        };
        out.push(QueryPlan {
            database: db.database.label().to_string(),
            indexes: indexes == Indexes::On,
            sides,
            query: main.template.to_string(),
            plan,
        });
    }
    Ok(out)
}
