"""Pair entry points for seed 004's task-routing service (docs/service.md):
the session scan (C18), the pending-task page (C17, C24), the SLA status
and the assignment pass (C19), each as the seed writes it and fixed.

Every ``*_prepare`` opens its own connection to the database the harness
built (outside the timed region): a SQLite file (``plain`` / ``indexed``)
or, for the PostgreSQL pairs (``*_pg``, the same functions), a database on
the harness's throwaway cluster (``pg_plain`` / ``pg_indexed`` conninfo,
through psycopg's ``PgDatabase``); every timed call leaves the
database as it found it: the scans and the fixed pass roll their one
transaction back, and the as-written pass, which commits per task as the
seed does, ends by committing the assignments undone (two UPDATEs per
assigned task, included in its time; at most one per idle session).
"""

import numpy as np

from .task_service.assigner_worker import AssignerWorker
from .task_service.config_loader import ConfigLoader, QueryManager, SLAManager, TaskRouter
from .task_service.db import Database

SLA_CODES = {"ok": 0, "warning": 1, "breached": 2}


class DetectedSession:
    def __init__(self, name, status, last_heartbeat, environment, provider):
        self.name = name
        self.status = status
        self.last_heartbeat = last_heartbeat
        self.environment = environment
        self.provider = provider


class Detector:
    """The session detector, replaying the generated report."""

    def __init__(self, sessions):
        self.sessions = sessions

    def scan_all_sessions(self):
        return list(self.sessions)


class Prepared:
    def __init__(self, columns, indexed):
        self.now = int(columns["now"])
        self.limit = int(columns["limit"])
        if "pg_indexed" in columns:
            # Imported here: psycopg is needed only where PostgreSQL runs.
            from .task_service.pg import PgDatabase

            self.db = PgDatabase(columns["pg_indexed"] if indexed else columns["pg_plain"])
        else:
            self.db = Database(columns["indexed"] if indexed else columns["plain"])
        loader = ConfigLoader(columns["config"])
        self.queries = QueryManager(loader)
        d = columns["detected"]
        detected = [DetectedSession(*row) for row in zip(
            d["name"], d["status"], [int(x) for x in d["last_heartbeat"]],
            d["environment"], d["provider"])]
        self.worker = AssignerWorker(self.db, loader, SLAManager(loader), TaskRouter(loader),
                                     self.queries, Detector(detected))


def _lists(lists, values):
    flat = [x for row in lists for x in row]
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(row) for row in lists])
    return (np.asarray(flat, dtype=np.int64), offsets, np.asarray(values, dtype=np.float64))


# ---- session_scan (C18)

def session_scan_prepare(columns):
    return Prepared(columns, indexed=True)


def session_scan(p):
    actions = p.worker._scan_sessions()
    p.db.rollback()
    return actions


def session_scan_output(actions, p):
    return _lists([[action, *name.encode()] for name, action in actions],
                  [action for _, action in actions])


def session_scan_fixed_prepare(columns):
    return Prepared(columns, indexed=True)


def session_scan_fixed(p):
    actions = p.worker._scan_sessions_fixed()
    p.db.rollback()
    return actions


session_scan_fixed_output = session_scan_output


# ---- pending_tasks (C17, C24): the same template without and with indexes

def pending_tasks_prepare(columns):
    return Prepared(columns, indexed=False)


def pending_tasks(p):
    sql, params = p.queries.build_query("pending_tasks", {"status": "pending", "limit": p.limit})
    return [row["id"] for row in p.db.execute(sql, params)]


def pending_tasks_output(ids, p):
    return _lists([list(ids)], [len(ids)])


def pending_tasks_fixed_prepare(columns):
    return Prepared(columns, indexed=True)


pending_tasks_fixed = pending_tasks
pending_tasks_fixed_output = pending_tasks_output


# ---- sla_status (C19)

def sla_status_prepare(columns):
    return Prepared(columns, indexed=True)


def sla_status(p):
    return p.worker.sla_report(p.now)


def sla_status_output(report, p):
    # By id, outside the timed call: the as-written `SELECT * FROM tasks`
    # has no ORDER BY. SQLite reads a table by its integer key, so there the
    # report already is in id order; PostgreSQL reads in heap order, which
    # is not id order (seen at 300 tasks, loaded in id order).
    report = sorted(report)
    return _lists([[task_id, SLA_CODES[s]] for task_id, s in report],
                  [SLA_CODES[s] for _, s in report])


def sla_status_fixed_prepare(columns):
    return Prepared(columns, indexed=True)


def sla_status_fixed(p):
    return p.worker.sla_report_fixed(p.now)


sla_status_fixed_output = sla_status_output


# ---- task_assignment (C19)

def task_assignment_prepare(columns):
    return Prepared(columns, indexed=True)


def _undo(db, results):
    for task_id, session_id, _ in results:
        if session_id < 0:
            continue
        db.execute("UPDATE tasks SET status = 'pending', assigned_to = NULL, "
                   "assigned_at = NULL WHERE id = ?", (task_id,))
        db.execute("UPDATE sessions SET status = 'idle', current_task_id = NULL "
                   "WHERE id = ?", (session_id,))
    db.commit()


def task_assignment(p):
    results = p.worker.assign_pending_tasks(p.now)
    _undo(p.db, results)
    return results


def task_assignment_output(results, p):
    return _lists([list(r) for r in results], [r[2] for r in results])


def task_assignment_fixed_prepare(columns):
    return Prepared(columns, indexed=True)


def task_assignment_fixed(p):
    results = p.worker.assign_pending_tasks_fixed(p.now)
    p.db.rollback()
    return results


task_assignment_fixed_output = task_assignment_output
