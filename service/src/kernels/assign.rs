//! The assignment pass (docs/service.md kernel 4), fixed: pending tasks in
//! priority order, the idle sessions loaded once, one transaction.

use std::collections::HashSet;

use super::{Finish, KernelError, Store, build, in_transaction};
use crate::config::{Config, ParamValue, RoutingRules};
use crate::model::{Assignment, Session, Task};

/// Large enough for "every pending task" on both databases (SQLite and
/// PostgreSQL both take a BIGINT limit).
pub const ALL_ROWS: i64 = 1_000_000_000;

/// Whether `s` can take work at `now`: idle, heartbeat at most the timeout
/// old (exactly the timeout is still fresh).
pub fn is_available(s: &Session, routing: &RoutingRules, now: i64) -> bool {
    s.status == "idle" && now - s.last_heartbeat <= routing.heartbeat_timeout_seconds
}

/// The session for `task` among `sessions` not in `taken`: the first
/// preferred one (rule order) that is a candidate, else the candidate with
/// the oldest heartbeat (ties: smaller id). `None` when nobody qualifies.
pub fn choose<'s>(
    task: &Task,
    sessions: &'s [Session],
    taken: &HashSet<i64>,
    routing: &RoutingRules,
    now: i64,
) -> Option<&'s Session> {
    let rule = routing.rule_for(&task.environment);
    let candidate = |s: &&Session| {
        is_available(s, routing, now)
            && !taken.contains(&s.id)
            && !rule.excluded_sessions.contains(&s.name)
            && (!rule.requires_env || s.environment == task.environment)
    };
    rule.preferred_sessions
        .iter()
        .find_map(|name| sessions.iter().filter(candidate).find(|s| &s.name == name))
        .or_else(|| {
            sessions
                .iter()
                .filter(candidate)
                .min_by_key(|s| (s.last_heartbeat, s.id))
        })
}

/// The pass over `tasks` (in pass order) and `sessions` (any order, any
/// status): one [`Assignment`] per task. A session takes at most one task.
pub fn plan(
    tasks: &[Task],
    sessions: &[Session],
    routing: &RoutingRules,
    now: i64,
) -> Vec<Assignment> {
    let mut taken = HashSet::new();
    tasks
        .iter()
        .map(|task| match choose(task, sessions, &taken, routing, now) {
            Some(s) => {
                taken.insert(s.id);
                Assignment {
                    task_id: task.id,
                    session_id: Some(s.id),
                    timed_out: false,
                }
            }
            None => {
                let timeout = routing.rule_for(&task.environment).timeout_minutes * 60;
                Assignment {
                    task_id: task.id,
                    session_id: None,
                    timed_out: now - task.created_at > timeout,
                }
            }
        })
        .collect()
}

/// Loads the pending tasks and the available sessions, plans, and writes
/// the assignments, all in one transaction.
pub fn assign_pending<S: Store + ?Sized>(
    store: &mut S,
    config: &Config,
    now: i64,
    finish: Finish,
) -> Result<Vec<Assignment>, KernelError> {
    in_transaction(store, finish, |tx| {
        let pending = build(
            config,
            "pending_tasks",
            &[
                ("status", ParamValue::String("pending".into())),
                ("limit", ParamValue::Integer(ALL_ROWS)),
            ],
        )?;
        let tasks = tx.tasks(&pending)?;
        let sessions = available_sessions(tx, config, now)?;
        let out = plan(&tasks, &sessions, &config.routing, now);
        for a in &out {
            let Some(session) = a
                .session_id
                .and_then(|id| sessions.iter().find(|s| s.id == id))
            else {
                continue;
            };
            write_assignment(tx, config, a.task_id, session, now)?;
        }
        Ok(out)
    })
}

/// The sessions that can take work at `now` (the `idle_sessions`
/// template: idle, heartbeat within the timeout), as the pass and a single
/// submission both read them.
fn available_sessions<S: Store + ?Sized>(
    store: &mut S,
    config: &Config,
    now: i64,
) -> Result<Vec<Session>, KernelError> {
    let since = now - config.routing.heartbeat_timeout_seconds;
    let idle = build(
        config,
        "idle_sessions",
        &[("since", ParamValue::Integer(since))],
    )?;
    store.sessions(&idle)
}

/// The two writes of one assignment: the task to `assigned`, the session to
/// `busy` with the task as its current one.
fn write_assignment<S: Store + ?Sized>(
    store: &mut S,
    config: &Config,
    task_id: i64,
    session: &Session,
    now: i64,
) -> Result<(), KernelError> {
    store.execute(&build(
        config,
        "assign_task",
        &[
            ("task_id", ParamValue::Integer(task_id)),
            ("session", ParamValue::String(session.name.clone())),
            ("now", ParamValue::Integer(now)),
        ],
    )?)?;
    store.execute(&build(
        config,
        "mark_session_busy",
        &[
            ("session_id", ParamValue::Integer(session.id)),
            ("task_id", ParamValue::Integer(task_id)),
        ],
    )?)?;
    Ok(())
}

/// Routes one task as it is submitted (the HTTP API's `POST /api/tasks`;
/// Python's `AssignerWorker.assign_one`): the available sessions read with
/// `idle_sessions`, [`choose`] with nothing taken, and the pass's two writes
/// for the chosen session. Runs in the caller's transaction (`store` should
/// be in one, holding the task's insert), so the task and its assignment
/// are written together. The chosen session as it was read, or `None`.
pub fn assign_one<S: Store + ?Sized>(
    store: &mut S,
    config: &Config,
    task: &Task,
    now: i64,
) -> Result<Option<Session>, KernelError> {
    let sessions = available_sessions(store, config, now)?;
    let Some(chosen) = choose(task, &sessions, &HashSet::new(), &config.routing, now) else {
        return Ok(None);
    };
    write_assignment(store, config, task.id, chosen, now)?;
    Ok(Some(chosen.clone()))
}
