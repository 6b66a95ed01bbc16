"""The LLM monitor's contextual alert manager (catalog ml_monitoring.md §3:
``monitoring/ai_detection/llm_monitor.py`` at 9455c19, K3.1–K3.5): the
deterministic kernels around its LLM calls, rewritten from the catalog.

Per metric alert an incident is built: ratio severity (K3.2), keyword
category, affected services and user impact (K3.3), and the LLM's analysis
extracted from its response text (K3.1: the greedy ``\\{.*\\}`` DOTALL
match, then ``json.loads``, ``{}`` on ``JSONDecodeError``). Then the
incidents of the last 300 s are grouped by (service, category) (K3.4) and
summarised (K3.5).

What differs from the original, and why:

* **No HTTP.** The original POSTs a prompt to an Ollama-style endpoint per
  incident (temperature 0.3: not reproducible); here each alert carries
  the response text the model returned, so the extraction runs on recorded
  responses and nothing timed waits on a network.
* **The clock is injected** (``datetime.now()`` in the original): each
  incident is stamped with its alert's time, and grouping and the summary
  read the last alert's time. Incident ids are
  ``f"incident_{now:%Y%m%d%H%M%S}_{metric}"`` (second resolution, so two
  alerts of one metric in one second share an id and the second replaces
  the first among the active incidents, keeping its position; the history
  keeps both).
* **The impact table's wording** is not in the catalog (only that it has
  seven (category, severity) entries and a default); the harness compares
  which entry is chosen.
"""

import asyncio
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Dict, List

import numpy as np

_EPOCH = datetime(1970, 1, 1)


class AlertSeverity(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AlertCategory(Enum):
    PERFORMANCE = "performance"
    ERROR = "error"
    CAPACITY = "capacity"
    SECURITY = "security"
    AVAILABILITY = "availability"


@dataclass
class IncidentContext:
    incident_id: str
    timestamp: datetime
    metric_name: str
    value: float
    threshold: float
    severity: AlertSeverity
    category: AlertCategory
    affected_services: List[str]
    user_impact: str
    analysis: Dict[str, Any] = field(default_factory=dict)


class LLMAnalysisEngine:
    def _extract_json_from_response(self, response: str) -> Dict[str, Any]:
        try:
            json_match = re.search(r"\{.*\}", response, re.DOTALL)
            if json_match:
                return json.loads(json_match.group())
            return json.loads(response)
        except json.JSONDecodeError:
            return {}


#: (category, severity) -> impact text; the default is the last entry.
IMPACT = {
    (AlertCategory.PERFORMANCE, AlertSeverity.CRITICAL): "Severe slowdown for all users",
    (AlertCategory.PERFORMANCE, AlertSeverity.HIGH): "Noticeable slowdown for most users",
    (AlertCategory.ERROR, AlertSeverity.CRITICAL): "Requests failing for many users",
    (AlertCategory.ERROR, AlertSeverity.HIGH): "Some requests failing",
    (AlertCategory.AVAILABILITY, AlertSeverity.CRITICAL): "Service unavailable",
    (AlertCategory.SECURITY, AlertSeverity.CRITICAL): "Potential security breach",
    (AlertCategory.CAPACITY, AlertSeverity.CRITICAL): "Imminent resource exhaustion",
}
DEFAULT_IMPACT = "Minimal user impact expected"


class ContextualAlertManager:
    def __init__(self, clock):
        self.clock = clock
        self.llm_engine = LLMAnalysisEngine()
        self.active_incidents: Dict[str, IncidentContext] = {}
        self.alert_history: List[IncidentContext] = []

    def _calculate_severity(self, value: float, threshold: float) -> AlertSeverity:
        ratio = value / threshold if threshold > 0 else 1.0
        if ratio >= 3:
            return AlertSeverity.CRITICAL
        elif ratio >= 2:
            return AlertSeverity.HIGH
        elif ratio >= 1.5:
            return AlertSeverity.MEDIUM
        return AlertSeverity.LOW

    def _categorize_alert(self, metric_name: str) -> AlertCategory:
        metric = metric_name.lower()
        if any(k in metric for k in ("duration", "latency", "response_time")):
            return AlertCategory.PERFORMANCE
        elif any(k in metric for k in ("error", "exception", "failed")):
            return AlertCategory.ERROR
        elif any(k in metric for k in ("memory", "cpu", "disk", "capacity")):
            return AlertCategory.CAPACITY
        elif any(k in metric for k in ("auth", "security", "unauthorized")):
            return AlertCategory.SECURITY
        elif any(k in metric for k in ("availability", "uptime", "health")):
            return AlertCategory.AVAILABILITY
        return AlertCategory.PERFORMANCE

    def _identify_affected_services(self, metric_name: str) -> List[str]:
        if "graphmemory" in metric_name:
            return ["graphmemory-api", "graphmemory-search"]
        elif "database" in metric_name:
            return ["database", "graphmemory-api"]
        elif "redis" in metric_name:
            return ["redis", "graphmemory-cache"]
        return ["graphmemory-api"]

    def _assess_user_impact(self, category: AlertCategory, severity: AlertSeverity) -> str:
        return IMPACT.get((category, severity), DEFAULT_IMPACT)

    async def create_incident(self, metric_name: str, value: float, threshold: float,
                              llm_response: str) -> IncidentContext:
        now = self.clock()
        severity = self._calculate_severity(value, threshold)
        category = self._categorize_alert(metric_name)
        incident = IncidentContext(
            incident_id=f"incident_{now:%Y%m%d%H%M%S}_{metric_name}",
            timestamp=now,
            metric_name=metric_name,
            value=value,
            threshold=threshold,
            severity=severity,
            category=category,
            affected_services=self._identify_affected_services(metric_name),
            user_impact=self._assess_user_impact(category, severity),
            analysis=self.llm_engine._extract_json_from_response(llm_response),
        )
        self.active_incidents[incident.incident_id] = incident
        self.alert_history.append(incident)
        if len(self.alert_history) > 1000:
            self.alert_history = self.alert_history[-500:]
        return incident

    async def correlate_alerts(self, time_window: int = 300) -> List[List[IncidentContext]]:
        now = self.clock()
        recent = [i for i in self.active_incidents.values()
                  if (now - i.timestamp).total_seconds() <= time_window]
        groups: Dict[tuple, List[IncidentContext]] = {}
        for incident in recent:
            for service in incident.affected_services:
                key = (service, incident.category.value)
                groups.setdefault(key, []).append(incident)
        return [group for group in groups.values() if len(group) > 1]

    def get_incident_summary(self) -> Dict[str, Any]:
        by_severity: Dict[str, int] = {}
        by_category: Dict[str, int] = {}
        for incident in self.active_incidents.values():
            by_severity[incident.severity.value] = by_severity.get(incident.severity.value, 0) + 1
            by_category[incident.category.value] = by_category.get(incident.category.value, 0) + 1
        today = self.clock().date()
        return {
            "active_incidents": len(self.active_incidents),
            "by_severity": by_severity,
            "by_category": by_category,
            "incidents_today": sum(1 for i in self.alert_history if i.timestamp.date() == today),
        }


# --- harness hooks --------------------------------------------------------

SEVERITY_CODES = {s: k for k, s in enumerate(AlertSeverity)}
CATEGORY_CODES = {c: k for k, c in enumerate(AlertCategory)}
IMPACT_CODES = {text: k for k, text in enumerate(list(IMPACT.values()) + [DEFAULT_IMPACT])}
SERVICE_CODES = {"graphmemory-api": 0, "graphmemory-search": 1, "database": 2, "redis": 3,
                 "graphmemory-cache": 4}


class _Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def contextual_alerts_prepare(columns):
    """Per alert (time, metric, value, threshold, the LLM's response)."""
    return [
        (_EPOCH + timedelta(microseconds=int(columns["time"][i])), columns["metric"][i],
         float(columns["value"][i]), float(columns["threshold"][i]), columns["response"][i])
        for i in range(len(columns["time"]))
    ]


def contextual_alerts(alerts):
    """Every alert into one manager at its time; then the groups and the
    summary at the last alert's time."""
    clock = _Clock(alerts[0][0] if alerts else _EPOCH)
    manager = ContextualAlertManager(clock)

    async def run():
        incidents = []
        for stamp, metric, value, threshold, response in alerts:
            clock.now = stamp
            incidents.append(await manager.create_incident(metric, value, threshold, response))
        groups = await manager.correlate_alerts()
        return incidents, groups, manager.get_incident_summary()

    return asyncio.run(run())


def contextual_alerts_output(result, alerts):
    """Per incident ``[0, severity, category, impact, services..., -1,
    json.dumps(analysis) as UTF-8 bytes...]``; per group ``[1, incident
    positions...]``; then ``[2, active, today, (severity, count)...,
    -1, (category, count)...]`` in the dicts' order. Values: the ratio
    inputs' value per incident, the group size, the active count."""
    incidents, groups, summary = result
    position = {id(incident): k for k, incident in enumerate(incidents)}
    flat, offsets, values = [], [0], []
    for incident in incidents:
        flat.extend([0, SEVERITY_CODES[incident.severity], CATEGORY_CODES[incident.category],
                     IMPACT_CODES[incident.user_impact]])
        flat.extend(SERVICE_CODES[s] for s in incident.affected_services)
        flat.append(-1)
        flat.extend(json.dumps(incident.analysis).encode())
        values.append(incident.value)
        offsets.append(len(flat))
    for group in groups:
        flat.append(1)
        flat.extend(position[id(incident)] for incident in group)
        values.append(float(len(group)))
        offsets.append(len(flat))
    flat.extend([2, summary["active_incidents"], summary["incidents_today"]])
    for name, count in summary["by_severity"].items():
        flat.extend([SEVERITY_CODES[AlertSeverity(name)], count])
    flat.append(-1)
    for name, count in summary["by_category"].items():
        flat.extend([CATEGORY_CODES[AlertCategory(name)], count])
    values.append(float(summary["active_incidents"]))
    offsets.append(len(flat))
    return (np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64),
            np.asarray(values, dtype=np.float64))
