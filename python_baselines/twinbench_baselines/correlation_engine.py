"""The monitoring server's rule-driven alert correlation engine (catalog
ml_monitoring.md §6: ``server/monitoring/alert_correlation_engine.py`` at
9455c19, K6.1–K6.2), rewritten from the catalog with the original's
library calls (``difflib.SequenceMatcher``, ``re.compile(...,
re.IGNORECASE)``, ``hashlib.md5``, ``str.split``/``str.count``), the six
default rules, and its order of operations: candidate groups in dict
insertion order, rules by priority, an alert added to a group whenever a
rule beats the best confidence so far (so to several groups), the inner
rule loop left at the first such rule.

What differs from the original, and why:

* **The clock is injected.** The original reads ``datetime.utcnow()`` for
  candidate filtering, maintenance windows, group creation and updates,
  group ids and cleanup; here the engine is given a ``clock`` callable. The
  harness's clock is the latest ``triggered_at`` seen (alerts processed as
  they arrive, the clock never running backwards), so group ids —
  ``md5(f"{alert.id}_{now.isoformat()}")`` as in the original — are
  reproducible, and so is their quirk: a re-sent alert that opens a group
  at the same instant as its first copy *replaces* that group in the dict.
* **No cache manager.** ``initialize`` fetches a cache manager the engine
  never uses in ``process_alert``; not configured here.
* **Reconstructed details** (the catalog names what, not exactly how):
  cleanup runs at the start of ``process_alert`` once an hour has passed
  since the last one, and after a new group takes the count past
  ``max_groups``; a new group's confidence starts at 0.0 and is the maximum
  of the confidences its alerts were added with.
"""

import asyncio
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from enum import Enum
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from .alert_models import RESOLVED, Alert, alerts_from_columns


class CorrelationStrategy(str, Enum):
    SAME_ENTITY = "same_entity"
    SIMILAR_MESSAGE = "similar_message"
    PATTERN_MATCH = "pattern_match"
    TIME_WINDOW = "time_window"
    ML_SIMILARITY = "ml_similarity"
    CUSTOM_RULE = "custom_rule"


@dataclass
class CorrelationRule:
    name: str
    strategy: CorrelationStrategy
    priority: int
    time_window: timedelta
    enabled: bool = True
    entity_fields: List[str] = field(default_factory=list)
    similarity_threshold: float = 0.8
    pattern_regex: Optional[str] = None
    severity_filter: Optional[List[str]] = None
    category_filter: Optional[List[str]] = None
    tag_filters: Optional[Dict[str, str]] = None
    maintenance_windows: List[Tuple[datetime, datetime]] = field(default_factory=list)
    max_group_size: int = 50
    suppress_after_count: int = 5
    custom_function: Optional[Callable] = None


@dataclass
class CorrelationResult:
    should_correlate: bool
    confidence: float
    strategy: CorrelationStrategy
    metadata: Dict[str, Any] = field(default_factory=dict)


class AlertGroup:
    def __init__(self, group_id: str, root_alert: Alert, created_at: datetime):
        self.group_id = group_id
        self.root_alert = root_alert
        self.correlated_alerts: List[Alert] = []
        self.correlation_rules: List[str] = []
        self.confidence = 0.0
        self.created_at = created_at
        self.last_updated = created_at
        self.status = "active"
        self.suppressed = False

    def add_alert(self, alert: Alert, rule_name: str, confidence: float, now: datetime):
        self.correlated_alerts.append(alert)
        if rule_name not in self.correlation_rules:
            self.correlation_rules.append(rule_name)
        self.confidence = max(self.confidence, confidence)
        self.last_updated = now

    def get_all_alerts(self) -> List[Alert]:
        return [self.root_alert] + self.correlated_alerts


class AlertCorrelationEngine:
    def __init__(self, clock: Callable[[], datetime] = datetime.utcnow):
        self.clock = clock
        self.alert_groups: Dict[str, AlertGroup] = {}
        self.correlation_rules: Dict[str, CorrelationRule] = {}
        self.max_groups = 1000
        self.cleanup_interval = 3600
        self.last_cleanup = clock()
        self.stats = defaultdict(int)
        self._create_default_rules()

    def _create_default_rules(self):
        rules = [
            CorrelationRule(
                name="same_entity_correlation", strategy=CorrelationStrategy.SAME_ENTITY,
                priority=10, time_window=timedelta(minutes=5),
                entity_fields=["source_host", "source_component"],
                max_group_size=20, suppress_after_count=5),
            CorrelationRule(
                name="similar_message_correlation",
                strategy=CorrelationStrategy.SIMILAR_MESSAGE, priority=20,
                time_window=timedelta(minutes=10), similarity_threshold=0.85,
                max_group_size=15, suppress_after_count=8),
            CorrelationRule(
                name="performance_issues_correlation",
                strategy=CorrelationStrategy.PATTERN_MATCH, priority=15,
                time_window=timedelta(minutes=3),
                pattern_regex=r"(connection|database|timeout|pool|performance|latency)",
                category_filter=["performance"], max_group_size=25, suppress_after_count=5),
            CorrelationRule(
                name="high_traffic_correlation", strategy=CorrelationStrategy.PATTERN_MATCH,
                priority=30, time_window=timedelta(minutes=5),
                pattern_regex=r"(traffic|load|requests|throughput|rate)",
                category_filter=["performance"], max_group_size=10, suppress_after_count=7),
            CorrelationRule(
                name="critical_system_correlation",
                strategy=CorrelationStrategy.TIME_WINDOW, priority=25,
                time_window=timedelta(minutes=2), severity_filter=["critical"],
                max_group_size=30, suppress_after_count=3),
            CorrelationRule(
                name="ml_similarity_correlation", strategy=CorrelationStrategy.ML_SIMILARITY,
                priority=100, time_window=timedelta(minutes=15), similarity_threshold=0.75,
                max_group_size=12, suppress_after_count=10),
        ]
        for rule in rules:
            self.correlation_rules[rule.name] = rule

    async def process_alert(self, alert: Alert) -> Optional[AlertGroup]:
        try:
            if not self._should_process_alert(alert):
                return None
            now = self.clock()
            if (now - self.last_cleanup).total_seconds() >= self.cleanup_interval:
                await self._cleanup_old_groups()
            candidates = self._find_correlation_candidates(alert)
            rules = self._get_applicable_rules(alert)
            best_group = None
            best_confidence = 0.0
            for group in candidates:
                for rule in rules:
                    result = await self._apply_correlation_rule(rule, alert, group)
                    if result.should_correlate and result.confidence > best_confidence:
                        group.add_alert(alert, rule.name, result.confidence, self.clock())
                        best_group = group
                        best_confidence = result.confidence
                        self.stats["alerts_correlated"] += 1
                        self.stats[f"rule_{rule.name}"] += 1
                        if len(group.correlated_alerts) + 1 >= rule.suppress_after_count:
                            group.suppressed = True
                            self.stats["groups_suppressed"] += 1
                        break
            if best_group is None:
                best_group = await self._create_new_group(alert)
            self.stats["alerts_processed"] += 1
            return best_group
        except Exception:
            self.stats["processing_errors"] += 1
            return None

    def _should_process_alert(self, alert: Alert) -> bool:
        if alert.status == RESOLVED:
            return False
        if alert.tags.get("test", "").lower() == "true":
            return False
        return True

    def _find_correlation_candidates(self, alert: Alert) -> List[AlertGroup]:
        now = self.clock()
        max_window = max(r.time_window for r in self.correlation_rules.values() if r.enabled)
        candidates = []
        for group in self.alert_groups.values():
            if group.suppressed or group.status == RESOLVED:
                continue
            if now - group.last_updated <= max_window:
                candidates.append(group)
        return candidates

    def _get_applicable_rules(self, alert: Alert) -> List[CorrelationRule]:
        now = self.clock()
        applicable = []
        for rule in self.correlation_rules.values():
            if not rule.enabled:
                continue
            if rule.severity_filter and alert.severity not in rule.severity_filter:
                continue
            if rule.category_filter and alert.category not in rule.category_filter:
                continue
            if rule.tag_filters and not all(
                    alert.tags.get(k) == v for k, v in rule.tag_filters.items()):
                continue
            if any(start <= now <= end for start, end in rule.maintenance_windows):
                continue
            applicable.append(rule)
        return sorted(applicable, key=lambda r: r.priority)

    async def _apply_correlation_rule(self, rule, alert, group) -> CorrelationResult:
        if rule.strategy == CorrelationStrategy.SAME_ENTITY:
            return await self._correlate_by_entity(rule, alert, group)
        elif rule.strategy == CorrelationStrategy.SIMILAR_MESSAGE:
            return await self._correlate_by_message_similarity(rule, alert, group)
        elif rule.strategy == CorrelationStrategy.PATTERN_MATCH:
            return await self._correlate_by_pattern(rule, alert, group)
        elif rule.strategy == CorrelationStrategy.TIME_WINDOW:
            return await self._correlate_by_time_window(rule, alert, group)
        elif rule.strategy == CorrelationStrategy.ML_SIMILARITY:
            return await self._correlate_by_ml_similarity(rule, alert, group)
        elif rule.strategy == CorrelationStrategy.CUSTOM_RULE and rule.custom_function:
            outcome = rule.custom_function(alert, group)
            if isinstance(outcome, bool):
                return CorrelationResult(outcome, 0.7 if outcome else 0.0, rule.strategy)
            if isinstance(outcome, tuple):
                return CorrelationResult(outcome[0], outcome[1], rule.strategy,
                                         outcome[2] if len(outcome) > 2 else {})
        return CorrelationResult(False, 0.0, rule.strategy)

    async def _correlate_by_entity(self, rule, alert, group) -> CorrelationResult:
        for group_alert in group.get_all_alerts():
            matches = 0
            for entity_field in rule.entity_fields:
                value1 = getattr(alert, entity_field, None)
                value2 = getattr(group_alert, entity_field, None)
                if value1 and value2 and value1 == value2:
                    matches += 1
            if matches > 0:
                confidence = matches / len(rule.entity_fields)
                time_diff = abs((alert.triggered_at - group_alert.triggered_at).total_seconds())
                if time_diff <= rule.time_window.total_seconds():
                    return CorrelationResult(True, confidence, rule.strategy,
                                             {"matched_fields": matches})
        return CorrelationResult(False, 0.0, rule.strategy)

    async def _correlate_by_message_similarity(self, rule, alert, group) -> CorrelationResult:
        for group_alert in group.get_all_alerts():
            similarity = SequenceMatcher(None, alert.description,
                                         group_alert.description).ratio()
            if similarity >= rule.similarity_threshold:
                time_diff = abs((alert.triggered_at - group_alert.triggered_at).total_seconds())
                if time_diff <= rule.time_window.total_seconds():
                    return CorrelationResult(True, similarity, rule.strategy,
                                             {"similarity": similarity})
        return CorrelationResult(False, 0.0, rule.strategy)

    async def _correlate_by_pattern(self, rule, alert, group) -> CorrelationResult:
        try:
            pattern = re.compile(rule.pattern_regex, re.IGNORECASE)
        except re.error as error:
            return CorrelationResult(False, 0.0, rule.strategy, {"error": str(error)})
        alert_text = f"{alert.title} {alert.description}".lower()
        if not pattern.search(alert_text):
            return CorrelationResult(False, 0.0, rule.strategy)
        for group_alert in group.get_all_alerts():
            group_text = f"{group_alert.title} {group_alert.description}".lower()
            if pattern.search(group_text):
                time_diff = abs((alert.triggered_at - group_alert.triggered_at).total_seconds())
                if time_diff <= rule.time_window.total_seconds():
                    return CorrelationResult(True, 0.8, rule.strategy, {
                        "pattern": rule.pattern_regex, "matched_text": alert_text[:100]})
        return CorrelationResult(False, 0.0, rule.strategy)

    async def _correlate_by_time_window(self, rule, alert, group) -> CorrelationResult:
        time_diff = abs((alert.triggered_at - group.created_at).total_seconds())
        if time_diff <= rule.time_window.total_seconds():
            confidence = 1.0 - (time_diff / rule.time_window.total_seconds())
            return CorrelationResult(True, confidence, rule.strategy, {"time_diff": time_diff})
        return CorrelationResult(False, 0.0, rule.strategy)

    def _extract_features(self, alert: Alert) -> List[int]:
        text = f"{alert.title} {alert.description}".lower()
        features = [len(text.split())]
        for keyword in ["error", "warning", "critical", "timeout", "connection",
                        "database", "memory", "cpu", "disk"]:
            features.append(text.count(keyword))
        features.append(1 if alert.severity == "critical" else 0)
        features.append(1 if alert.severity == "high" else 0)
        features.append(1 if alert.category == "performance" else 0)
        features.append(1 if alert.category == "availability" else 0)
        return features

    async def _correlate_by_ml_similarity(self, rule, alert, group) -> CorrelationResult:
        alert_features = self._extract_features(alert)
        max_similarity = 0.0
        for group_alert in group.get_all_alerts():
            group_features = self._extract_features(group_alert)
            matches = sum(1 for a, b in zip(alert_features, group_features) if abs(a - b) < 0.1)
            similarity = matches / len(alert_features)
            max_similarity = max(max_similarity, similarity)
        if max_similarity >= rule.similarity_threshold:
            return CorrelationResult(True, max_similarity, rule.strategy,
                                     {"similarity": max_similarity})
        return CorrelationResult(False, 0.0, rule.strategy)

    async def _create_new_group(self, alert: Alert) -> AlertGroup:
        now = self.clock()
        group_id = hashlib.md5(f"{alert.id}_{now.isoformat()}".encode()).hexdigest()
        group = AlertGroup(group_id, alert, now)
        self.alert_groups[group_id] = group
        self.stats["groups_created"] += 1
        if len(self.alert_groups) > self.max_groups:
            await self._cleanup_old_groups()
        return group

    async def _cleanup_old_groups(self):
        now = self.clock()
        expired = [
            group_id for group_id, group in self.alert_groups.items()
            if now - group.created_at > timedelta(hours=24)
            or (group.status == RESOLVED and now - group.last_updated > timedelta(hours=1))
        ]
        for group_id in expired:
            del self.alert_groups[group_id]
        self.last_cleanup = now


# --- harness hooks --------------------------------------------------------


class _ArrivalClock:
    """The latest ``triggered_at`` seen: alerts processed as they arrive."""

    def __init__(self, start: datetime):
        self.now = start

    def advance(self, stamp: datetime):
        if stamp > self.now:
            self.now = stamp

    def __call__(self) -> datetime:
        return self.now


def rule_correlation_prepare(columns):
    """The whole stream as Alert objects, in arrival order."""
    return alerts_from_columns(columns)


def rule_correlation(alerts):
    """Every alert through one engine, in arrival order; the group each
    ``process_alert`` returned (None when skipped), and the engine."""
    clock = _ArrivalClock(alerts[0].triggered_at if alerts else datetime(1970, 1, 1))
    engine = AlertCorrelationEngine(clock=clock)

    async def stream():
        groups = []
        for alert in alerts:
            clock.advance(alert.triggered_at)
            groups.append(await engine.process_alert(alert))
        return groups

    return asyncio.run(stream()), engine


#: Rule codes of the harness (kernels::alerting::rules::RULES order).
RULE_CODES = {
    "same_entity_correlation": 0,
    "similar_message_correlation": 1,
    "performance_issues_correlation": 2,
    "high_traffic_correlation": 3,
    "critical_system_correlation": 4,
    "ml_similarity_correlation": 5,
}


def rule_correlation_output(result, alerts):
    """Groups are named by their root alert's position (each alert roots
    at most one). One list per alert, ``[0, root of the group returned (-1:
    skipped)]`` (value: that group's final confidence, NaN when skipped);
    then one per group ever created, by root position, ``[1, root,
    suppressed, still in the engine's dict, number of rules, rule codes...,
    correlated alerts' positions...]`` (value: its confidence)."""
    returned, engine = result
    position = {id(a): k for k, a in enumerate(alerts)}
    live = {id(g) for g in engine.alert_groups.values()} if engine else set()
    flat, offsets, values = [], [0], []
    groups = {}
    for group in returned:
        if group is None:
            flat.extend([0, -1])
            values.append(float("nan"))
        else:
            root = position[id(group.root_alert)]
            groups[root] = group
            flat.extend([0, root])
            values.append(group.confidence)
        offsets.append(len(flat))
    for root in sorted(groups):
        group = groups[root]
        flat.extend([1, root, int(group.suppressed), int(id(group) in live),
                     len(group.correlation_rules)])
        flat.extend(RULE_CODES[name] for name in group.correlation_rules)
        flat.extend(position[id(a)] for a in group.correlated_alerts)
        values.append(group.confidence)
        offsets.append(len(flat))
    return (np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64),
            np.asarray(values, dtype=np.float64))
