"""The dashboard's threshold alert engine (catalog ml_monitoring.md §9:
``server/dashboard/alert_engine.py`` at 9455c19, K9.1–K9.5), rewritten
from the catalog: the evaluation loop's body once per tick of resource
metrics, with the original's metric flattening, condition operators (``eq``
within 0.001), conjunctive rules, windowed breach counting, cooldown (its
``None > datetime`` quirk included), hourly rate limit, alert text and
aggregates.

What differs from the original, and why:

* **One tick per call of the loop's body.** ``_evaluation_loop`` sleeps 30
  s between evaluations and fetches metrics from the performance manager;
  here each tick of the input carries the resource metrics the manager
  would return and the clock, so no sleep or I/O is timed.
* **The clock is injected** (``utcnow()`` in the original), and alert ids
  are counted instead of ``uuid4()``: ids are never compared, only which
  rule fired when and what the alert says.
* **Operators act between ticks.** Some ticks carry an operator's
  acknowledge or resolve of an active alert (the original's
  ``acknowledge_alert`` / ``resolve_alert`` coroutines), so the cooldown's
  history scan meets resolved and unresolved entries.
* **The rules.** The three defaults plus three added with ``add_rule``
  (a two-condition critical rule, an ``eq`` rule and an ``ne`` rule) and a
  disabled one, so every operator and the AND rule's missing-metric path
  are exercised.
* **No notification dispatch, cache write or callbacks** (none is
  configured in the harness).
"""

import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Tuple

import numpy as np

_EPOCH = datetime(1970, 1, 1)

ACTIVE = "active"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
SEVERITIES = ["critical", "high", "medium", "low", "info"]


@dataclass
class ThresholdCondition:
    metric_type: str
    operator: str
    value: float
    unit: str = ""


@dataclass
class AlertRule:
    id: int
    name: str
    description: str
    category: str
    severity: str
    conditions: List[ThresholdCondition]
    enabled: bool = True
    evaluation_window: timedelta = timedelta(minutes=5)
    consecutive_breaches: int = 1
    cooldown_period: timedelta = timedelta(minutes=15)
    max_alerts_per_hour: int = 10


@dataclass
class Alert:
    id: int
    rule_id: int
    title: str
    description: str
    severity: str
    status: str
    triggered_at: datetime
    threshold_value: float
    actual_value: float
    metric_type: str
    acknowledged_at: Optional[datetime] = None
    resolved_at: Optional[datetime] = None


@dataclass
class ResourceMetrics:
    """What the performance manager's ``get_resource_metrics`` returns."""
    cpu_usage_percent: Optional[float]
    memory_usage_percent: Optional[float]
    memory_used_mb: Optional[float]
    memory_total_mb: Optional[float]
    active_connections: Optional[float]
    cache: Optional[dict] = None


class MetricEvaluator:
    def evaluate_condition(self, condition: ThresholdCondition, value: float) -> bool:
        try:
            if condition.operator == "gt":
                return value > condition.value
            elif condition.operator == "gte":
                return value >= condition.value
            elif condition.operator == "lt":
                return value < condition.value
            elif condition.operator == "lte":
                return value <= condition.value
            elif condition.operator == "eq":
                return abs(value - condition.value) < 0.001
            elif condition.operator == "ne":
                return abs(value - condition.value) >= 0.001
            else:
                return False
        except Exception:
            return False

    def evaluate_rule(self, rule: AlertRule,
                      metrics: Dict[str, float]) -> Tuple[bool, Dict[str, float]]:
        if not rule.enabled:
            return False, {}
        relevant_metrics = {}
        all_conditions_met = True
        for condition in rule.conditions:
            if condition.metric_type not in metrics:
                all_conditions_met = False
                continue
            value = metrics[condition.metric_type]
            relevant_metrics[condition.metric_type] = value
            if not self.evaluate_condition(condition, value):
                all_conditions_met = False
                break
        return all_conditions_met, relevant_metrics


class AlertGenerator:
    def __init__(self, clock):
        self.clock = clock
        self.breach_tracking: Dict[int, List[datetime]] = defaultdict(list)
        self._ids = itertools.count(1)

    def should_generate_alert(self, rule: AlertRule, metrics: Dict[str, float]) -> bool:
        now = self.clock()
        self.breach_tracking[rule.id].append(now)
        cutoff = now - rule.evaluation_window
        self.breach_tracking[rule.id] = [t for t in self.breach_tracking[rule.id] if t > cutoff]
        return len(self.breach_tracking[rule.id]) >= rule.consecutive_breaches

    def generate_alert(self, rule: AlertRule, relevant_metrics: Dict[str, float]) -> Alert:
        primary = rule.conditions[0]
        actual_value = relevant_metrics.get(primary.metric_type, 0.0)
        description = rule.description or f"Alert triggered for {rule.name}"
        lines = [f"{c.metric_type}: {relevant_metrics[c.metric_type]:.2f}{c.unit}"
                 for c in rule.conditions if c.metric_type in relevant_metrics]
        if lines:
            description += "\n\nCurrent values:\n" + "\n".join(lines)
        return Alert(
            id=next(self._ids),
            rule_id=rule.id,
            title=f"{rule.name} - {rule.severity.upper()}",
            description=description,
            severity=rule.severity,
            status=ACTIVE,
            triggered_at=self.clock(),
            threshold_value=primary.value,
            actual_value=actual_value,
            metric_type=primary.metric_type,
        )

    def cleanup_expired_alerts(self):
        cutoff = self.clock() - timedelta(hours=2)
        for rule_id in list(self.breach_tracking.keys()):
            self.breach_tracking[rule_id] = [
                t for t in self.breach_tracking[rule_id] if t > cutoff]
            if not self.breach_tracking[rule_id]:
                del self.breach_tracking[rule_id]


class AlertEngine:
    def __init__(self, rules: List[AlertRule], clock):
        self.clock = clock
        self.evaluator = MetricEvaluator()
        self.generator = AlertGenerator(clock)
        self.alert_rules: Dict[int, AlertRule] = {r.id: r for r in rules}
        self.active_alerts: Dict[int, Alert] = {}
        self.alert_history: deque = deque(maxlen=1000)
        self.system_metrics: Dict[str, float] = {}
        self._last_metrics_update = clock()

    def _get_current_metrics(self, resource: ResourceMetrics) -> Dict[str, float]:
        metrics = {}
        if resource.cpu_usage_percent is not None:
            metrics["cpu_usage"] = resource.cpu_usage_percent
        if resource.memory_usage_percent is not None:
            metrics["memory_usage"] = resource.memory_usage_percent
        if (resource.memory_used_mb is not None and resource.memory_total_mb
                and resource.memory_total_mb > 0):
            metrics["memory_usage"] = resource.memory_used_mb / resource.memory_total_mb * 100
        if resource.active_connections is not None:
            metrics["connection_count"] = resource.active_connections
        if resource.cache is not None and "hit_rate" in resource.cache:
            metrics["cache_hit_rate"] = resource.cache["hit_rate"] * 100
        return metrics

    async def check_alert_cooldown(self, rule: AlertRule) -> bool:
        now = self.clock()
        threshold = now - rule.cooldown_period
        for alert in self.active_alerts.values():
            if alert.rule_id == rule.id and alert.status == ACTIVE and alert.triggered_at > threshold:
                return True
        for entry in self.alert_history:
            if entry["rule_id"] == rule.id:
                # 'resolved_at' is stored as None until resolved: None > datetime
                # raises TypeError, which the caller's per-rule except swallows.
                if entry.get("resolved_at", datetime.min) > threshold:
                    return True
        return False

    def check_rate_limit(self, rule: AlertRule) -> bool:
        hour_ago = self.clock() - timedelta(hours=1)
        recent = sum(1 for e in self.alert_history
                     if e["rule_id"] == rule.id and e["triggered_at"] > hour_ago)
        return recent >= rule.max_alerts_per_hour

    async def evaluate_once(self, resource: ResourceMetrics) -> List[Alert]:
        """The evaluation loop's body."""
        metrics = self._get_current_metrics(resource)
        generated = []
        for rule in self.alert_rules.values():
            try:
                if not rule.enabled:
                    continue
                met, relevant = self.evaluator.evaluate_rule(rule, metrics)
                if not met:
                    continue
                if not self.generator.should_generate_alert(rule, metrics):
                    continue
                if await self.check_alert_cooldown(rule):
                    continue
                if self.check_rate_limit(rule):
                    continue
                alert = self.generator.generate_alert(rule, relevant)
                self.active_alerts[alert.id] = alert
                self.alert_history.append({
                    "id": alert.id, "rule_id": rule.id, "triggered_at": alert.triggered_at,
                    "severity": alert.severity, "resolved_at": None,
                })
                generated.append(alert)
            except Exception:
                continue
        self._update_system_metrics()
        self.generator.cleanup_expired_alerts()
        return generated

    def _update_system_metrics(self):
        now = self.clock()
        previous = self._last_metrics_update
        recent = sum(1 for e in self.alert_history if e["triggered_at"] > previous)
        hours = (now - previous).total_seconds() / 3600
        self.system_metrics = {
            "active_alerts": len(self.active_alerts),
            "total_alerts": len(self.alert_history),
            **{f"{s}_alerts": sum(1 for a in self.active_alerts.values() if a.severity == s)
               for s in SEVERITIES},
            "alert_rate_per_hour": recent / hours if hours > 0 else 0.0,
            "engine_health": 100.0,
        }
        self._last_metrics_update = now

    async def acknowledge_alert(self, alert_id: int) -> bool:
        alert = self.active_alerts.get(alert_id)
        if alert is None:
            return False
        alert.status = ACKNOWLEDGED
        alert.acknowledged_at = self.clock()
        return True

    async def resolve_alert(self, alert_id: int) -> bool:
        alert = self.active_alerts.pop(alert_id, None)
        if alert is None:
            return False
        alert.status = RESOLVED
        alert.resolved_at = self.clock()
        for entry in self.alert_history:
            if entry["id"] == alert_id:
                entry["resolved_at"] = alert.resolved_at
        return True


def default_rules() -> List[AlertRule]:
    """The original's three defaults, then the harness's added rules."""
    c = ThresholdCondition
    return [
        AlertRule(0, "High CPU Usage", "CPU usage is above 85%", "performance", "high",
                  [c("cpu_usage", "gte", 85.0, "%")],
                  evaluation_window=timedelta(minutes=5), consecutive_breaches=2),
        AlertRule(1, "High Memory Usage", "Memory usage is above 90%", "performance", "high",
                  [c("memory_usage", "gte", 90.0, "%")],
                  evaluation_window=timedelta(minutes=3), consecutive_breaches=3),
        AlertRule(2, "Low Cache Hit Rate", "Cache hit rate is below 70%", "performance",
                  "medium", [c("cache_hit_rate", "lt", 70.0, "%")],
                  evaluation_window=timedelta(minutes=10), consecutive_breaches=2),
        AlertRule(3, "Connection Storm", "", "capacity", "critical",
                  [c("connection_count", "gt", 500.0), c("cpu_usage", "gte", 70.0, "%")],
                  evaluation_window=timedelta(minutes=2), consecutive_breaches=2,
                  cooldown_period=timedelta(minutes=5)),
        AlertRule(4, "Cache Cold", "Cache hit rate is exactly zero", "performance", "low",
                  [c("cache_hit_rate", "eq", 0.0, "%")], consecutive_breaches=1),
        AlertRule(5, "Memory Off Nominal", "", "quality", "info",
                  [c("memory_usage", "ne", 50.0, "%"), c("memory_usage", "lte", 95.0, "%")],
                  evaluation_window=timedelta(minutes=1), consecutive_breaches=1,
                  cooldown_period=timedelta(minutes=1), max_alerts_per_hour=10),
        AlertRule(6, "Disabled Probe", "", "performance", "info",
                  [c("cpu_usage", "gt", 0.0, "%")], enabled=False),
    ]


# --- harness hooks --------------------------------------------------------


class _TickClock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def _optional(column, i):
    value = column[i]
    return None if value is None else float(value)


def alert_engine_prepare(columns):
    """(ticks, start): per tick the clock, the resource metrics and the
    operator's action (0 none, 1 acknowledge, 2 resolve) with its target
    (the k-th active alert, modulo their number)."""
    ticks = []
    for i in range(len(columns["time"])):
        hit_rate = columns["hit_rate"][i]
        resource = ResourceMetrics(
            cpu_usage_percent=_optional(columns["cpu"], i),
            memory_usage_percent=_optional(columns["memory"], i),
            memory_used_mb=_optional(columns["memory_used"], i),
            memory_total_mb=_optional(columns["memory_total"], i),
            active_connections=_optional(columns["connections"], i),
            cache=None if hit_rate is None else {"hit_rate": float(hit_rate)},
        )
        stamp = _EPOCH + timedelta(microseconds=int(columns["time"][i]))
        ticks.append((stamp, resource, int(columns["action"][i]), int(columns["target"][i])))
    return ticks


def alert_engine(ticks):
    """Every tick through one engine: the operator's action, then the
    evaluation. Per tick the alerts generated and a copy of the system
    metrics."""
    import asyncio
    clock = _TickClock(ticks[0][0] if ticks else _EPOCH)
    engine = AlertEngine(default_rules(), clock)

    async def run():
        out = []
        for stamp, resource, action, target in ticks:
            clock.now = stamp
            if action and engine.active_alerts:
                ids = list(engine.active_alerts)
                alert_id = ids[target % len(ids)]
                if action == 1:
                    await engine.acknowledge_alert(alert_id)
                else:
                    await engine.resolve_alert(alert_id)
            generated = await engine.evaluate_once(resource)
            out.append((generated, dict(engine.system_metrics)))
        return out

    return asyncio.run(run())


def alert_engine_output(result, ticks):
    """Per tick ``[0, alerts generated, active, total, one count per
    severity]`` (value: the alert rate per hour); after it, per generated
    alert ``[1, rule, title length in UTF-8 bytes, title bytes...,
    description bytes...]`` (value: the actual value)."""
    flat, offsets, values = [], [0], []
    for generated, metrics in result:
        flat.extend([0, len(generated), metrics["active_alerts"], metrics["total_alerts"]])
        flat.extend(metrics[f"{s}_alerts"] for s in SEVERITIES)
        values.append(metrics["alert_rate_per_hour"])
        offsets.append(len(flat))
        for alert in generated:
            title = alert.title.encode()
            flat.extend([1, alert.rule_id, len(title)])
            flat.extend(title)
            flat.extend(alert.description.encode())
            values.append(alert.actual_value)
            offsets.append(len(flat))
    return (np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64),
            np.asarray(values, dtype=np.float64))
