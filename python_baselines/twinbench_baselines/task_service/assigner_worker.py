"""workers/assigner_worker.py of seed 004: the session scan, the SLA report
and the assignment pass, each as the seed writes it and fixed.

As written (kept slow on purpose): ``_scan_sessions`` re-reads every session
for every detected one (seed L1138-1161); ``sla_report`` reads every task
and asks the SLAManager per task; ``assign_pending_tasks`` re-reads every
session per task and commits per assignment. Fixed: one ``WHERE name IN``
query and a dict; the ``open_tasks`` template; the idle sessions loaded once
and one transaction.
"""

OPEN_STATUSES = ("pending", "assigned", "in_progress")
ALL_ROWS = 1_000_000_000


class AssignerWorker:
    def __init__(self, db, loader, sla, router, queries, detector):
        self.db = db
        self.loader = loader
        self.sla = sla
        self.router = router
        self.queries = queries
        self.detector = detector

    # ---- session scan

    def _update_session(self, session):
        sql, params = self.queries.build_query("update_session", {
            "name": session.name, "status": session.status,
            "last_heartbeat": session.last_heartbeat})
        self.db.execute(sql, params)

    def _insert_session(self, session):
        sql, params = self.queries.build_query("insert_session", {
            "name": session.name, "status": session.status,
            "last_heartbeat": session.last_heartbeat,
            "environment": session.environment, "provider": session.provider})
        self.db.execute(sql, params)

    def _scan_sessions(self):
        """As written: every stored session re-read for every detected one."""
        sessions = self.detector.scan_all_sessions()
        actions = []
        for session in sessions:
            existing = self.db.get_all_sessions()  # FULL TABLE SCAN EACH LOOP
            found = False
            for s in existing:
                if s["name"] == session.name:
                    found = True
                    break
            if found:
                self._update_session(session)
                actions.append((session.name, 0))
            else:
                self._insert_session(session)
                actions.append((session.name, 1))
        return actions

    def _scan_sessions_fixed(self):
        """Fixed: one WHERE IN query, a dict by name."""
        sessions = self.detector.scan_all_sessions()
        session_names = [s.name for s in sessions]
        sql, params = self.queries.build_query("sessions_by_names", {"names": session_names})
        existing = self.db.execute(sql, params)
        existing_map = {s["name"]: s for s in existing}
        actions = []
        for session in sessions:
            if session.name in existing_map:
                self._update_session(session)
                actions.append((session.name, 0))
            else:
                self._insert_session(session)
                actions.append((session.name, 1))
        return actions

    # ---- SLA report

    def sla_report(self, now):
        """As written: every task read, the open ones kept, one lookup each."""
        report = []
        for task in self.db.execute("SELECT * FROM tasks"):
            if task["status"] in OPEN_STATUSES:
                report.append((task["id"], self.sla.get_sla_status(task, now)))
        return report

    def sla_report_fixed(self, now):
        """Fixed: the open_tasks template, each type's target looked up once."""
        sql, params = self.queries.build_query("open_tasks", {"statuses": list(OPEN_STATUSES)})
        targets = {}
        report = []
        for task in self.db.execute(sql, params):
            task_type = task["type"]
            target = targets.get(task_type)
            if target is None:
                t = self.sla.get_target(task_type)
                target = (t["target_minutes"], t["target_minutes"] * t["warning_percent"] / 100)
                targets[task_type] = target
            elapsed = (now - task["created_at"]) / 60
            if elapsed > target[0]:
                status = "breached"
            elif elapsed >= target[1]:
                status = "warning"
            else:
                status = "ok"
            report.append((task["id"], status))
        return report

    # ---- assignment pass

    def _pending_tasks(self):
        sql, params = self.queries.build_query("pending_tasks", {"status": "pending",
                                                                  "limit": ALL_ROWS})
        return self.db.execute(sql, params)

    def _candidates(self, task, sessions, now, taken):
        rule = self.router.get_rule(task["environment"])
        timeout = self.router.heartbeat_timeout()
        excluded = rule.get("excluded_sessions") or []
        out = []
        for s in sessions:
            if s["status"] != "idle" or now - s["last_heartbeat"] > timeout:
                continue
            if s["id"] in taken or s["name"] in excluded:
                continue
            if rule.get("requires_env") and s["environment"] != task["environment"]:
                continue
            out.append(s)
        return rule, out

    def _choose(self, rule, candidates):
        for name in rule.get("preferred_sessions") or []:
            for s in candidates:
                if s["name"] == name:
                    return s
        if not candidates:
            return None
        return min(candidates, key=lambda s: (s["last_heartbeat"], s["id"]))

    def _assign(self, task, session, now):
        sql, params = self.queries.build_query("assign_task", {
            "task_id": task["id"], "session": session["name"], "now": now})
        self.db.execute(sql, params)
        sql, params = self.queries.build_query("mark_session_busy", {
            "session_id": session["id"], "task_id": task["id"]})
        self.db.execute(sql, params)

    def _result(self, task, session, rule, now):
        if session is not None:
            return (task["id"], session["id"], 0)
        timed_out = now - task["created_at"] > rule["timeout_minutes"] * 60
        return (task["id"], -1, 1 if timed_out else 0)

    def assign_pending_tasks(self, now):
        """As written: every session re-read per task, a commit per task."""
        results = []
        for task in self._pending_tasks():
            sessions = self.db.get_all_sessions()
            rule, candidates = self._candidates(task, sessions, now, ())
            session = self._choose(rule, candidates)
            if session is not None:
                self._assign(task, session, now)
            self.db.commit()
            results.append(self._result(task, session, rule, now))
        return results

    def assign_pending_tasks_fixed(self, now):
        """Fixed: the idle sessions loaded once, one transaction (the caller
        commits or rolls back)."""
        since = now - self.router.heartbeat_timeout()
        sql, params = self.queries.build_query("idle_sessions", {"since": since})
        sessions = self.db.execute(sql, params)
        taken = set()
        results = []
        for task in self._pending_tasks():
            rule, candidates = self._candidates(task, sessions, now, taken)
            session = self._choose(rule, candidates)
            if session is not None:
                self._assign(task, session, now)
                taken.add(session["id"])
            results.append(self._result(task, session, rule, now))
        return results

    def assign_one(self, task, now):
        """One task routed on submission (the HTTP API's POST /api/tasks):
        the fixed pass's steps for a single task, in the caller's
        transaction. The chosen session's row, or None."""
        since = now - self.router.heartbeat_timeout()
        sql, params = self.queries.build_query("idle_sessions", {"since": since})
        sessions = self.db.execute(sql, params)
        rule, candidates = self._candidates(task, sessions, now, ())
        session = self._choose(rule, candidates)
        if session is not None:
            self._assign(task, session, now)
        return session
