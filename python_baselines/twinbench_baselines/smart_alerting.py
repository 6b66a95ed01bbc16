"""The incident package's smart alerting (catalog ml_monitoring.md §4:
``monitoring/incidents/smart_alerting.py`` at 9455c19, K4.1–K4.3),
rewritten from the catalog with the original's data structures (plain alert
dicts, ``dict.get`` with defaults, ``frozenset`` signatures, ``sorted`` and
``list.sort``), order of operations and constants.

What differs from the original, and why:

* **No HTTP.** ``process_alerts`` awaits an ``httpx`` POST per target for
  every notification the rate limiter lets through; here the send is a
  list append (nothing the harness times should be a network round trip).
* **The clock is injected.** The original calls ``datetime.now()`` for the
  rate limiter's hour key and ``created_at``; here the system is given a
  ``clock`` callable (the harness passes the batch's last timestamp), so
  the hourly counters are reproducible.
* **Ids and created_at are not compared.** Correlation ids are built from
  the strategy and the primary, as the original's prefixes are; the harness
  reads the strategy, the primary, the related list, the strength, the
  groups and the notification decisions.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional

import numpy as np

_EPOCH = datetime(1970, 1, 1)

#: Strategy codes of the harness (kernels::alerting::smart::CorrelationKind::code).
KIND_CODES = {"temporal": 0, "service": 1, "metric": 2, "causal": 3}
#: Target bits (kernels::alerting::smart::Target::bit).
TARGET_BITS = {"pagerduty_oncall": 1, "ops_team_slack": 2, "email_alerts": 4}
#: Runbook codes (kernels::alerting::smart::notify::Runbook::code).
RUNBOOK_CODES = {
    "https://runbooks.graphmemory.dev/response-time": 0,
    "https://runbooks.graphmemory.dev/error-rate": 1,
    "https://runbooks.graphmemory.dev/memory-usage": 2,
    "https://runbooks.graphmemory.dev/general": 3,
}


@dataclass
class AlertCorrelation:
    correlation_id: str
    primary_alert: str
    related_alerts: List[str]
    correlation_strength: float
    correlation_type: str
    created_at: datetime = field(default_factory=datetime.now)


class AlertCorrelationEngine:
    def __init__(self):
        self.correlation_window = timedelta(minutes=10)
        self.service_dependencies = {
            "graphmemory_api": ["graphmemory_search", "database", "redis"],
            "database": ["graphmemory_api", "storage"],
            "load_balancer": ["graphmemory_api", "nginx"],
        }
        self.metric_relationships = {
            "response_time": ["cpu_usage", "memory_usage", "database_connections"],
            "error_rate": ["response_time", "database_errors", "network_errors"],
            "memory_usage": ["node_count", "active_sessions", "cache_size"],
        }
        self.causal_patterns = {
            "cpu_high": ["response_time_high", "error_rate_high"],
            "memory_high": ["response_time_high", "cpu_high"],
            "database_slow": ["response_time_high", "error_rate_high"],
            "network_error": ["error_rate_high", "response_time_high"],
        }

    async def correlate_alerts(self, alerts: List[Dict[str, Any]]) -> List[AlertCorrelation]:
        if len(alerts) < 2:
            return []
        correlations = []
        sorted_alerts = sorted(alerts, key=lambda x: x.get("timestamp", datetime.now()))
        temporal = await self._temporal_correlation(sorted_alerts)
        correlations.extend(temporal)
        service = await self._service_correlation(sorted_alerts)
        correlations.extend(service)
        metric = await self._metric_correlation(sorted_alerts)
        correlations.extend(metric)
        causal = await self._causal_correlation(sorted_alerts)
        correlations.extend(causal)
        return self._deduplicate_correlations(correlations)

    async def _temporal_correlation(self, alerts):
        correlations = []
        for i, alert1 in enumerate(alerts):
            related = []
            t1 = alert1.get("timestamp", datetime.now())
            for j, alert2 in enumerate(alerts):
                if i != j:
                    t2 = alert2.get("timestamp", datetime.now())
                    if abs((t1 - t2).total_seconds()) <= self.correlation_window.total_seconds():
                        related.append(alert2.get("alert_id", f"alert_{j}"))
            if related:
                primary = alert1.get("alert_id", f"alert_{i}")
                correlations.append(AlertCorrelation(
                    correlation_id=f"temporal_{primary}",
                    primary_alert=primary,
                    related_alerts=related,
                    correlation_strength=min(1.0, 0.3 * len(related)),
                    correlation_type="temporal",
                ))
        return correlations

    async def _service_correlation(self, alerts):
        correlations = []
        for i, alert1 in enumerate(alerts):
            service1 = self._extract_service(alert1)
            if not service1:
                continue
            related = []
            for j, alert2 in enumerate(alerts):
                if i != j:
                    service2 = self._extract_service(alert2)
                    if (service2 in self.service_dependencies.get(service1, [])
                            or service1 in self.service_dependencies.get(service2, [])):
                        related.append(alert2.get("alert_id", f"alert_{j}"))
            if related:
                primary = alert1.get("alert_id", f"alert_{i}")
                correlations.append(AlertCorrelation(
                    correlation_id=f"service_{primary}",
                    primary_alert=primary,
                    related_alerts=related,
                    correlation_strength=0.8,
                    correlation_type="service",
                ))
        return correlations

    async def _metric_correlation(self, alerts):
        correlations = []
        for i, alert1 in enumerate(alerts):
            metric1 = self._extract_metric(alert1)
            if not metric1:
                continue
            related = []
            for j, alert2 in enumerate(alerts):
                if i != j:
                    metric2 = self._extract_metric(alert2)
                    if (metric2 in self.metric_relationships.get(metric1, [])
                            or metric1 in self.metric_relationships.get(metric2, [])):
                        related.append(alert2.get("alert_id", f"alert_{j}"))
            if related:
                primary = alert1.get("alert_id", f"alert_{i}")
                correlations.append(AlertCorrelation(
                    correlation_id=f"metric_{primary}",
                    primary_alert=primary,
                    related_alerts=related,
                    correlation_strength=0.7,
                    correlation_type="metric",
                ))
        return correlations

    async def _causal_correlation(self, alerts):
        correlations = []
        for i, alert1 in enumerate(alerts):
            pattern1 = self._extract_pattern(alert1)
            if not pattern1:
                continue
            related = []
            for j, alert2 in enumerate(alerts):
                if i != j:
                    pattern2 = self._extract_pattern(alert2)
                    if pattern2 and pattern2 in self.causal_patterns.get(pattern1, []):
                        related.append(alert2.get("alert_id", f"alert_{j}"))
            if related:
                primary = alert1.get("alert_id", f"alert_{i}")
                correlations.append(AlertCorrelation(
                    correlation_id=f"causal_{primary}",
                    primary_alert=primary,
                    related_alerts=related,
                    correlation_strength=0.9,
                    correlation_type="causal",
                ))
        return correlations

    def _extract_service(self, alert):
        for key in ("service", "component", "source"):
            if key in alert:
                return alert[key]
        metric_name = alert.get("metric_name", "")
        if "graphmemory" in metric_name:
            return "graphmemory_api"
        elif "database" in metric_name:
            return "database"
        elif "redis" in metric_name:
            return "redis"
        return None

    def _extract_metric(self, alert):
        metric_name = alert.get("metric_name", "").lower()
        if "response_time" in metric_name or "duration" in metric_name:
            return "response_time"
        elif "error" in metric_name:
            return "error_rate"
        elif "memory" in metric_name:
            return "memory_usage"
        elif "cpu" in metric_name:
            return "cpu_usage"
        return metric_name

    def _extract_pattern(self, alert):
        metric = self._extract_metric(alert)
        severity = alert.get("severity", "")
        if severity in ("high", "critical"):
            return f"{metric}_{severity}"
        return None

    def _deduplicate_correlations(self, correlations):
        correlations.sort(key=lambda x: x.correlation_strength, reverse=True)
        seen = set()
        unique = []
        for correlation in correlations:
            signature = frozenset([correlation.primary_alert] + correlation.related_alerts)
            if signature not in seen:
                seen.add(signature)
                unique.append(correlation)
        return unique


class SmartAlertingSystem:
    def __init__(self, clock: Callable[[], datetime] = datetime.now):
        self.clock = clock
        self.correlation_engine = AlertCorrelationEngine()
        self.notification_targets = {
            "ops_team_slack": {"type": "slack", "rate_limit": 60},
            "pagerduty_oncall": {"type": "pagerduty", "rate_limit": 20},
            "email_alerts": {"type": "email", "rate_limit": 100},
        }
        self.rate_limiters: Dict[str, int] = {}
        self.notification_history: List[Dict[str, Any]] = []
        self.runbooks = {
            "response_time": "https://runbooks.graphmemory.dev/response-time",
            "error_rate": "https://runbooks.graphmemory.dev/error-rate",
            "memory_usage": "https://runbooks.graphmemory.dev/memory-usage",
        }

    async def process_alerts(self, alerts: List[Dict[str, Any]]) -> Dict[str, Any]:
        correlations = await self.correlation_engine.correlate_alerts(alerts)
        groups = self._group_alerts_by_correlation(alerts, correlations)
        notifications = []
        for group in groups:
            notification = self._create_consolidated_notification(group)
            targets = self._determine_notification_targets(notification)
            sent = []
            for target in targets:
                if self._check_rate_limit(target):
                    await self._send_notification(target, notification)
                    sent.append(target)
            notification["targets"] = targets
            notification["sent_to"] = sent
            notifications.append(notification)
        return {
            "alerts_processed": len(alerts),
            "alerts_suppressed": len(alerts) - len(groups),
            "correlations": correlations,
            "groups": groups,
            "notifications": notifications,
        }

    def _group_alerts_by_correlation(self, alerts, correlations):
        groups = []
        processed = set()
        for correlation in correlations:
            primary_alert = None
            for alert in alerts:
                if alert.get("alert_id") == correlation.primary_alert:
                    primary_alert = alert
                    break
            if primary_alert and correlation.primary_alert not in processed:
                group = [primary_alert]
                processed.add(correlation.primary_alert)
                for related_id in correlation.related_alerts:
                    if related_id not in processed:
                        for alert in alerts:
                            if alert.get("alert_id") == related_id:
                                group.append(alert)
                                processed.add(related_id)
                                break
                groups.append(group)
        for alert in alerts:
            if alert.get("alert_id") not in processed:
                groups.append([alert])
        return groups

    def _severity_score(self, severity):
        return {"low": 1, "medium": 2, "high": 3, "critical": 4}.get(severity.lower(), 1)

    def _should_escalate(self, group):
        critical = sum(1 for a in group if a.get("severity", "low").lower() == "critical")
        severe = sum(1 for a in group if a.get("severity", "low").lower() in ("high", "critical"))
        return critical > 0 or severe >= 3

    def _get_runbook_url(self, metric_name):
        for key, url in self.runbooks.items():
            if key in metric_name:
                return url
        return "https://runbooks.graphmemory.dev/general"

    def _create_consolidated_notification(self, group):
        primary = max(group, key=lambda a: self._severity_score(a.get("severity", "low")))
        severity = primary.get("severity", "low")
        return {
            "title": f"[{severity.upper()}] {primary.get('title', 'Alert')}"
                     + (f" (+{len(group) - 1} related)" if len(group) > 1 else ""),
            "summary": f"{len(group)} alert(s) from {primary.get('service', 'unknown')}",
            "severity": severity,
            "primary_alert": primary,
            "related_alerts": group[1:],
            "alert_count": len(group),
            "escalate": self._should_escalate(group),
            "runbook_url": self._get_runbook_url(primary.get("metric_name", "")),
            "timestamp": self.clock(),
        }

    def _determine_notification_targets(self, notification):
        severity = notification["severity"].lower()
        if severity == "critical":
            return ["pagerduty_oncall", "ops_team_slack"]
        elif severity == "high":
            return ["ops_team_slack", "email_alerts"]
        return ["ops_team_slack"]

    def _check_rate_limit(self, target_id):
        hour = self.clock().replace(minute=0, second=0, microsecond=0)
        key = f"{target_id}_{hour.strftime('%Y%m%d%H')}"
        count = self.rate_limiters.get(key, 0)
        if count < self.notification_targets[target_id]["rate_limit"]:
            self.rate_limiters[key] = count + 1
            return True
        return False

    async def _send_notification(self, target_id, notification):
        self.notification_history.append({
            "target": target_id,
            "severity": notification["severity"],
            "timestamp": self.clock(),
        })


# --- harness hooks --------------------------------------------------------


def _alert(row):
    """One generator row as the original's alert dict: keys the row lacks
    stay missing."""
    alert = dict(row)
    alert["timestamp"] = _EPOCH + timedelta(microseconds=int(row["timestamp"]))
    if "alert_id" in row:
        alert["alert_id"] = f"ALR-{row['alert_id']}"
    return alert


def smart_alerting_prepare(rows, now_micros):
    """(alerts, now): the batch as dicts, and the clock the system reads."""
    now = _EPOCH + timedelta(microseconds=int(now_micros))
    return [_alert(row) for row in rows], now


def smart_alerting(prepared):
    """One ``process_alerts`` call on the batch, on a new system."""
    alerts, now = prepared
    system = SmartAlertingSystem(clock=lambda: now)
    return asyncio.run(system.process_alerts(alerts))


def _ref_code(alert_id):
    """``ALR-n`` -> n; the fallback ``alert_i`` -> -(i + 1)."""
    if alert_id.startswith("ALR-"):
        return int(alert_id[4:])
    return -int(alert_id[len("alert_"):]) - 1


def smart_alerting_output(result, prepared):
    """One list per correlation, ``[0, kind, primary, related...]`` (value:
    strength), then one per group, ``[1, primary position, escalate,
    runbook, targets bits, sent bits, members...]`` with members as
    positions in the batch (value: the primary's severity score)."""
    alerts, _ = prepared
    position = {id(a): k for k, a in enumerate(alerts)}
    flat, offsets, values = [], [0], []
    for c in result["correlations"]:
        flat.extend([0, KIND_CODES[c.correlation_type], _ref_code(c.primary_alert)])
        flat.extend(_ref_code(r) for r in c.related_alerts)
        values.append(c.correlation_strength)
        offsets.append(len(flat))
    system = SmartAlertingSystem()
    for group, note in zip(result["groups"], result["notifications"]):
        lead = next(k for k, a in enumerate(group) if a is note["primary_alert"])
        flat.extend([
            1, lead, int(note["escalate"]), RUNBOOK_CODES[note["runbook_url"]],
            sum(TARGET_BITS[t] for t in note["targets"]),
            sum(TARGET_BITS[t] for t in note["sent_to"]),
        ])
        flat.extend(position[id(a)] for a in group)
        values.append(float(system._severity_score(note["severity"])))
        offsets.append(len(flat))
    return (np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64),
            np.asarray(values, dtype=np.float64))
