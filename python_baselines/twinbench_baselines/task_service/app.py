"""app.py of seed 004: the task-routing service's JSON API, a Flask app.

The seed's Flask app also renders the UI; only the API is reconstructed
here, because only the API is measured against the Rust twin
(docs/service.md, "HTTP API", which is the contract both servers follow
byte for byte). The logic is the pieces the seed already has: the rules
come from ``ConfigLoader`` (read once per worker at start-up: a rule change
needs a restart, the seed's "30-minute deploy"), the SQL from the
``queries.yaml`` templates, routing and SLA from ``AssignerWorker`` and
``SLAManager``. As in the original, every request opens its own sqlite3
connection (``db.Database``, with its pragmas) and closes it at teardown.

Run under gunicorn (``gunicorn_conf.py``); configured by environment:
``TWINBENCH_SERVICE_DB`` (required, an existing file),
``TWINBENCH_SERVICE_CONFIG`` (default: the repository's service/config),
``TWINBENCH_SERVICE_ENV`` (the override environment) and
``TWINBENCH_SERVICE_NOW`` (pins the clock, unix seconds; default: the wall
clock), so both servers can be compared on identical responses.
"""

import json
import os
import re
import time
from pathlib import Path

from flask import Flask, g, jsonify, request

from .assigner_worker import OPEN_STATUSES, AssignerWorker
from .config_loader import ConfigLoader, QueryManager, SLAManager, TaskRouter
from .db import Database

DB_VARIABLE = "TWINBENCH_SERVICE_DB"
CONFIG_VARIABLE = "TWINBENCH_SERVICE_CONFIG"
NOW_VARIABLE = "TWINBENCH_SERVICE_NOW"
DEFAULT_CONFIG_DIR = Path(__file__).resolve().parents[3] / "service" / "config"

TASK_STATUSES = ("pending", "assigned", "in_progress", "completed", "failed")
SUBMIT_FIELDS = ("type", "priority", "environment")
MAX_LIMIT = 1000
MAX_NAME_CHARS = 64
_LIMIT = re.compile(r"[0-9]{1,4}")
_TASK_ID = re.compile(r"[0-9]{1,18}")
_NOW = re.compile(r"-?[0-9]{1,18}")


class ApiError(Exception):
    """A request the API refuses: the status and the JSON error body."""

    def __init__(self, status, message, field):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def make_clock(pinned):
    """The request clock: ``pinned`` unix seconds when given, else the wall clock."""
    if pinned is None or pinned == "":
        return lambda: int(time.time())
    if not _NOW.fullmatch(pinned):
        raise RuntimeError(
            f"{NOW_VARIABLE}={pinned!r} is not an integer; "
            "fix: give unix seconds such as 1771070400, or unset it for the wall clock")
    fixed = int(pinned)
    return lambda: fixed


def _reject_constant(name):
    # json.loads accepts NaN and Infinity, which are not JSON.
    raise ValueError(f"{name} is not JSON")


def _name_field(body, key):
    if key not in body:
        raise ApiError(400, f"missing field `{key}`", key)
    value = body[key]
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_NAME_CHARS:
        raise ApiError(400, f"`{key}` must be a string of 1 to {MAX_NAME_CHARS} characters", key)
    return value


def parse_submission(raw):
    """The body of POST /api/tasks as (type, priority, environment), or the
    ApiError naming the first bad field (the order docs/service.md gives)."""
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ApiError(400, "the body is not valid JSON", "body") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object with the fields "
                       "type, priority, environment", "body")
    unknown = sorted(k for k in body if k not in SUBMIT_FIELDS)
    if unknown:
        raise ApiError(400, "unknown field; the fields are type, priority, environment",
                       unknown[0])
    task_type = _name_field(body, "type")
    if "priority" not in body:
        raise ApiError(400, "missing field `priority`", "priority")
    priority = body["priority"]
    # bool is an int in Python; JSON true is not a priority.
    if type(priority) is not int or not 0 <= priority <= 10:
        raise ApiError(400, "`priority` must be an integer from 0 to 10", "priority")
    environment = _name_field(body, "environment")
    return task_type, priority, environment


def _parse_listing(args):
    params = {}
    status = args.get("status")
    if status is not None:
        if status not in TASK_STATUSES:
            raise ApiError(400, "`status` must be one of " + ", ".join(TASK_STATUSES), "status")
        params["status"] = status
    limit = args.get("limit")
    if limit is not None:
        if not _LIMIT.fullmatch(limit) or not 1 <= int(limit) <= MAX_LIMIT:
            raise ApiError(400, f"`limit` must be an integer from 1 to {MAX_LIMIT}", "limit")
        params["limit"] = int(limit)
    return params


def create_app(db_path=None, config_dir=None, environment=None):
    """The app over an existing database file; raises RuntimeError naming
    the fix when the file is missing (sqlite3 would silently create it)."""
    db_path = db_path or os.environ.get(DB_VARIABLE)
    if not db_path:
        raise RuntimeError(f"no database: set {DB_VARIABLE} to the SQLite file to serve")
    if not os.path.isfile(db_path):
        raise RuntimeError(
            f"database file {db_path} does not exist; fix: build it first "
            "(twinbench_service::sqlite::build writes one from a seeded Dataset) "
            f"or point {DB_VARIABLE} at an existing file")
    config_dir = config_dir or os.environ.get(CONFIG_VARIABLE) or DEFAULT_CONFIG_DIR
    loader = ConfigLoader(config_dir, environment)
    sla = SLAManager(loader)
    router = TaskRouter(loader)
    queries = QueryManager(loader)
    clock = make_clock(os.environ.get(NOW_VARIABLE))

    app = Flask(__name__)

    def get_db():
        if "db" not in g:
            g.db = Database(db_path)
        return g.db

    @app.teardown_appcontext
    def close_db(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.errorhandler(ApiError)
    def api_error(err):
        return jsonify(error=err.message, field=err.field), err.status

    @app.errorhandler(404)
    def not_found(_err):
        return jsonify(error="no such endpoint", field=None), 404

    @app.errorhandler(405)
    def not_allowed(_err):
        return jsonify(error="method not allowed", field=None), 405

    @app.get("/api/health")
    def health():
        return jsonify(status="ok")

    @app.get("/api/tasks")
    def list_tasks():
        sql, values = queries.build_query("pending_tasks", _parse_listing(request.args))
        return jsonify(get_db().execute(sql, values))

    @app.post("/api/tasks")
    def submit_task():
        task_type, priority, environment = parse_submission(request.get_data())
        now = clock()
        db = get_db()
        worker = AssignerWorker(db, loader, sla, router, queries, detector=None)
        try:
            sql, values = queries.build_query("insert_task", {
                "type": task_type, "priority": priority, "now": now,
                "environment": environment})
            task_id = db.execute(sql, values)[0]["id"]
            task = {"id": task_id, "type": task_type, "status": "pending",
                    "priority": priority, "created_at": now, "environment": environment,
                    "assigned_to": None, "assigned_at": None, "content": ""}
            session = worker.assign_one(task, now)
            db.commit()
        except BaseException:
            db.rollback()
            raise
        return jsonify(
            id=task_id,
            assigned_to=None if session is None else session["name"],
            status="pending" if session is None else "assigned",
            sla_status=sla.get_sla_status(task, now),
        ), 201

    @app.get("/api/tasks/<task_id>/sla")
    def task_sla(task_id):
        if not _TASK_ID.fullmatch(task_id):
            raise ApiError(404, "no such task; task ids are non-negative integers", "task_id")
        sql, values = queries.build_query("task_by_id", {"task_id": int(task_id)})
        rows = get_db().execute(sql, values)
        if not rows:
            raise ApiError(404, f"no task with id {int(task_id)}", "task_id")
        task = rows[0]
        now = clock()
        target = sla.get_target(task["type"])
        is_open = task["status"] in OPEN_STATUSES
        return jsonify(
            id=task["id"],
            type=task["type"],
            status=task["status"],
            elapsed_minutes=(now - task["created_at"]) / 60,
            target_minutes=target["target_minutes"],
            warning_percent=target["warning_percent"],
            sla_status=sla.get_sla_status(task, now) if is_open else None,
        )

    return app
