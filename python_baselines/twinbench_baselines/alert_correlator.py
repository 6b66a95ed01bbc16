"""The dashboard's alert correlator (catalog ml_monitoring.md §8:
``server/dashboard/alert_correlator.py`` at 9455c19, K8.1–K8.5), rewritten
from the catalog with the original's library calls (``math.exp``,
``difflib.SequenceMatcher``, ``re.sub``), parameters and order of
operations. Its docstring promises "real-time correlation processing with
sub-100ms performance"; nothing in the original measures it.

What differs from the original, and why:

* **No cache manager, no callbacks.** ``_process_correlation_result``
  awaits the cache manager's ``set`` when one is configured and calls the
  registered callbacks; the harness configures neither (the original's
  defaults when no cache manager is reachable), so no I/O is timed.
* **Ids and clocks are not compared.** Correlation ids are ``uuid4()`` and
  ``created_at``/``last_updated`` are ``datetime.utcnow()``, as in the
  original; the harness reads only the strategy, the members and the
  scores. Alert ids are UUIDs built from the generator's integer ids
  (``UUID(int=...)``), so a re-sent alert keeps its id.
* **The alert model.** The original's pydantic ``Alert`` is a plain
  dataclass (``alert_models``) with the fields the engines read.
* **Hash order.** ``MetricPatternCorrelator`` averages per-metric
  similarities in the iteration order of a ``set`` of metric names, which
  depends on ``PYTHONHASHSEED``; the twin sums in its own order and the
  harness compares scores within 1e-12 (a mean of at most a handful of
  terms moves by a few ulps when reordered).
"""

import asyncio
import math
import re
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from enum import Enum
from typing import Any, Dict, List, Optional, Set

import numpy as np

from .alert_models import Alert, alerts_from_columns


class CorrelationStrategy(str, Enum):
    TEMPORAL = "temporal"
    SPATIAL = "spatial"
    SEMANTIC = "semantic"
    METRIC_PATTERN = "metric_pattern"


#: Strategy codes of the harness (kernels::alerting::correlator::Strategy::code).
STRATEGY_CODES = {
    CorrelationStrategy.TEMPORAL: 0,
    CorrelationStrategy.SPATIAL: 1,
    CorrelationStrategy.SEMANTIC: 2,
    CorrelationStrategy.METRIC_PATTERN: 3,
}


class CorrelationConfidence(str, Enum):
    VERY_HIGH = "very_high"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    VERY_LOW = "very_low"


#: Confidence codes of the harness (kernels::alerting::correlator::Confidence::code).
CONFIDENCE_CODES = {
    CorrelationConfidence.VERY_LOW: 0,
    CorrelationConfidence.LOW: 1,
    CorrelationConfidence.MEDIUM: 2,
    CorrelationConfidence.HIGH: 3,
    CorrelationConfidence.VERY_HIGH: 4,
}


@dataclass
class CorrelationResult:
    correlation_id: uuid.UUID
    alert_ids: Set[uuid.UUID]
    primary_alert_id: uuid.UUID
    strategy: CorrelationStrategy
    confidence: CorrelationConfidence
    confidence_score: float
    created_at: datetime
    last_updated: datetime
    correlation_factors: Dict[str, Any] = field(default_factory=dict)
    common_attributes: Dict[str, Any] = field(default_factory=dict)
    time_span: Optional[timedelta] = None


@dataclass
class CorrelationRule:
    name: str
    strategy: CorrelationStrategy
    enabled: bool = True
    weight: float = 1.0
    parameters: Dict[str, Any] = field(default_factory=dict)


def _confidence_level(score: float) -> CorrelationConfidence:
    """The bucketing all four correlators share."""
    if score >= 0.9:
        return CorrelationConfidence.VERY_HIGH
    elif score >= 0.7:
        return CorrelationConfidence.HIGH
    elif score >= 0.5:
        return CorrelationConfidence.MEDIUM
    elif score >= 0.3:
        return CorrelationConfidence.LOW
    else:
        return CorrelationConfidence.VERY_LOW


def _alert_ids(new_alert: Alert, matching_alerts: List[Alert]) -> Set[uuid.UUID]:
    """The matched alerts' ids and the new alert's, as a set (the divisor
    of every correlator's average)."""
    alert_ids = {alert.id for alert in matching_alerts}
    alert_ids.add(new_alert.id)
    return alert_ids


def _result(new_alert: Alert, alert_ids: Set[uuid.UUID], strategy: CorrelationStrategy,
            confidence_score: float, factors: Dict[str, Any],
            common_attributes: Optional[Dict[str, Any]] = None) -> CorrelationResult:
    """The ``CorrelationResult`` every correlator builds the same way."""
    now = datetime.utcnow()
    return CorrelationResult(
        correlation_id=uuid.uuid4(),
        alert_ids=alert_ids,
        primary_alert_id=new_alert.id,
        strategy=strategy,
        confidence=_confidence_level(confidence_score),
        confidence_score=confidence_score,
        created_at=now,
        last_updated=now,
        correlation_factors=factors,
        common_attributes=common_attributes or {},
    )


class TemporalCorrelator:
    """K8.1: existing alerts triggered in the 10 minutes up to the new one,
    each scored ``exp(-Δ / window)``."""

    def __init__(self, time_window: timedelta = timedelta(minutes=10),
                 max_time_gap: timedelta = timedelta(minutes=5)):
        self.time_window = time_window
        self.max_time_gap = max_time_gap  # unused, as in the original

    async def correlate(self, new_alert: Alert, existing_alerts: List[Alert],
                        rule: CorrelationRule) -> Optional[CorrelationResult]:
        try:
            window_start = new_alert.triggered_at - self.time_window
            candidates = [
                alert for alert in existing_alerts
                if window_start <= alert.triggered_at <= new_alert.triggered_at
            ]
            if not candidates:
                return None
            matching_alerts = []
            temporal_pattern = []
            for alert in candidates:
                time_diff = abs((new_alert.triggered_at - alert.triggered_at).total_seconds())
                temporal_score = math.exp(-time_diff / self.time_window.total_seconds())
                if temporal_score > 0.1:
                    matching_alerts.append(alert)
                    temporal_pattern.append({
                        "alert_id": str(alert.id),
                        "time_offset": time_diff,
                        "score": temporal_score,
                    })
            if not matching_alerts:
                return None
            alert_ids = _alert_ids(new_alert, matching_alerts)
            total_score = sum(p["score"] for p in temporal_pattern)
            average_score = total_score / len(alert_ids)
            confidence_score = min(1.0, average_score * rule.weight)
            factors = {
                "temporal_pattern": temporal_pattern,
                "time_window": self.time_window.total_seconds(),
                "average_score": average_score,
            }
            return _result(new_alert, alert_ids, CorrelationStrategy.TEMPORAL,
                           confidence_score, factors)
        except Exception:
            return None


class SpatialCorrelator:
    """K8.2: weighted matches of host, component, category and tag keys."""

    def __init__(self, same_host_weight: float = 2.0, same_component_weight: float = 1.5,
                 same_category_weight: float = 1.2):
        self.same_host_weight = same_host_weight
        self.same_component_weight = same_component_weight
        self.same_category_weight = same_category_weight

    async def correlate(self, new_alert: Alert, existing_alerts: List[Alert],
                        rule: CorrelationRule) -> Optional[CorrelationResult]:
        try:
            matching_alerts = []
            spatial_factors = []
            for alert in existing_alerts:
                match_score = 0.0
                factors = {}
                if new_alert.source_host and alert.source_host and \
                        new_alert.source_host == alert.source_host:
                    match_score += self.same_host_weight
                    factors["same_host"] = new_alert.source_host
                if new_alert.source_component and alert.source_component and \
                        new_alert.source_component == alert.source_component:
                    match_score += self.same_component_weight
                    factors["same_component"] = new_alert.source_component
                if new_alert.category == alert.category:
                    match_score += self.same_category_weight
                    factors["same_category"] = new_alert.category
                if new_alert.tags and alert.tags:
                    common_tags = set(new_alert.tags.keys()) & set(alert.tags.keys())
                    if common_tags:
                        tag_score = len(common_tags) / max(len(new_alert.tags), len(alert.tags))
                        match_score += tag_score
                        factors["common_tags"] = list(common_tags)
                if match_score > 0:
                    matching_alerts.append(alert)
                    spatial_factors.append({
                        "alert_id": str(alert.id),
                        "match_score": match_score,
                        "factors": factors,
                    })
            if not matching_alerts:
                return None
            alert_ids = _alert_ids(new_alert, matching_alerts)
            max_possible_score = (self.same_host_weight + self.same_component_weight
                                  + self.same_category_weight + 1.0)
            total_score = sum(f["match_score"] for f in spatial_factors)
            average_score = total_score / len(alert_ids)
            confidence_score = min(1.0, (average_score / max_possible_score) * rule.weight)
            common_attributes = {}
            first = spatial_factors[0]["factors"]
            for key in ("same_host", "same_component", "same_category"):
                if key in first:
                    common_attributes[key] = first[key]
            return _result(new_alert, alert_ids, CorrelationStrategy.SPATIAL, confidence_score,
                           {"spatial_matches": spatial_factors}, common_attributes)
        except Exception:
            return None


class SemanticCorrelator:
    """K8.3: 0.6 × title similarity + 0.4 × description similarity, each
    0.4 × SequenceMatcher ratio + 0.6 × word Jaccard of normalised text."""

    def __init__(self, title_threshold: float = 0.7, description_threshold: float = 0.6):
        self.title_threshold = title_threshold  # unused, as in the original
        self.description_threshold = description_threshold  # unused

    def _normalize_text(self, text: str) -> str:
        text = text.lower()
        text = re.sub(r"[^a-z0-9\s]", " ", text)
        return " ".join(text.split())

    def _calculate_text_similarity(self, text1: str, text2: str) -> float:
        if not text1 or not text2:
            return 0.0
        norm1 = self._normalize_text(text1)
        norm2 = self._normalize_text(text2)
        sequence_similarity = SequenceMatcher(None, norm1, norm2).ratio()
        words1 = set(norm1.split())
        words2 = set(norm2.split())
        if not words1 and not words2:
            jaccard_similarity = 1.0
        elif not words1 or not words2:
            jaccard_similarity = 0.0
        else:
            jaccard_similarity = len(words1 & words2) / len(words1 | words2)
        return 0.4 * sequence_similarity + 0.6 * jaccard_similarity

    async def correlate(self, new_alert: Alert, existing_alerts: List[Alert],
                        rule: CorrelationRule) -> Optional[CorrelationResult]:
        try:
            min_similarity = rule.parameters.get("min_similarity_score", 0.5)
            matching_alerts = []
            similarity_scores = []
            for alert in existing_alerts:
                title_similarity = self._calculate_text_similarity(new_alert.title, alert.title)
                description_similarity = self._calculate_text_similarity(
                    new_alert.description, alert.description)
                overall_similarity = 0.6 * title_similarity + 0.4 * description_similarity
                if overall_similarity >= min_similarity:
                    matching_alerts.append(alert)
                    similarity_scores.append(overall_similarity)
            if not matching_alerts:
                return None
            alert_ids = _alert_ids(new_alert, matching_alerts)
            total_similarity = sum(similarity_scores)
            average_similarity = total_similarity / len(alert_ids)
            confidence_score = min(1.0, average_similarity * rule.weight)
            # The original recomputes both similarities for the factors.
            semantic_factors = [
                {
                "alert_id": str(alert.id),
                "title_similarity": self._calculate_text_similarity(
                        new_alert.title, alert.title),
                "description_similarity": self._calculate_text_similarity(
                        new_alert.description, alert.description),
                "overall_similarity": score,
                }
                for alert, score in zip(matching_alerts, similarity_scores)
            ]
            factors = {
                "semantic_matches": semantic_factors,
                "average_similarity": average_similarity,
            }
            return _result(new_alert, alert_ids, CorrelationStrategy.SEMANTIC,
                           confidence_score, factors)
        except Exception:
            return None


class MetricPatternCorrelator:
    """K8.4: mean relative agreement of the metric values both alerts carry."""

    def __init__(self, pattern_window: timedelta = timedelta(minutes=30)):
        self.pattern_window = pattern_window  # unused, as in the original

    def _calculate_metric_similarity(self, metrics1: Dict[str, float],
                                     metrics2: Dict[str, float]) -> float:
        common_metrics = set(metrics1.keys()) & set(metrics2.keys())
        if not common_metrics:
            return 0.0
        similarities = []
        for metric in common_metrics:
            val1 = metrics1[metric]
            val2 = metrics2[metric]
            if val1 == 0 and val2 == 0:
                similarity = 1.0
            elif val1 == 0 or val2 == 0:
                similarity = 0.0
            else:
                similarity = 1.0 - abs(val1 - val2) / max(abs(val1), abs(val2))
            similarities.append(similarity)
        return sum(similarities) / len(similarities)

    async def correlate(self, new_alert: Alert, existing_alerts: List[Alert],
                        rule: CorrelationRule) -> Optional[CorrelationResult]:
        try:
            if not new_alert.metric_values:
                return None
            threshold = rule.parameters.get("similarity_threshold", 0.8)
            matching_alerts = []
            pattern_scores = []
            for alert in existing_alerts:
                if not alert.metric_values:
                    continue
                similarity = self._calculate_metric_similarity(
                    new_alert.metric_values, alert.metric_values)
                if similarity >= threshold:
                    matching_alerts.append(alert)
                    pattern_scores.append(similarity)
            if not matching_alerts:
                return None
            alert_ids = _alert_ids(new_alert, matching_alerts)
            total = sum(pattern_scores)
            average = total / len(alert_ids)
            confidence_score = min(1.0, average * rule.weight)
            factors = {
                "metric_similarities": pattern_scores,
                "common_metrics": list(new_alert.metric_values.keys()),
            }
            return _result(new_alert, alert_ids, CorrelationStrategy.METRIC_PATTERN,
                           confidence_score, factors)
        except Exception:
            return None


class AlertCorrelator:
    """K8.5: every enabled rule in order, the strictly best score wins, kept
    only when significant (two alerts or more, HIGH or VERY_HIGH)."""

    def __init__(self, cache_manager=None):
        self.cache_manager = cache_manager
        self.correlators = {
            CorrelationStrategy.TEMPORAL: TemporalCorrelator(),
            CorrelationStrategy.SPATIAL: SpatialCorrelator(),
            CorrelationStrategy.SEMANTIC: SemanticCorrelator(),
            CorrelationStrategy.METRIC_PATTERN: MetricPatternCorrelator(),
        }
        # The default rule set carries the spatial weights the correlator
        # is then built with (the class defaults are 2.0 / 1.5 / 1.2).
        self.correlators[CorrelationStrategy.SPATIAL] = SpatialCorrelator(2.5, 2.0, 1.5)
        self.rules = self._create_default_rules()
        self.active_correlations: Dict[uuid.UUID, CorrelationResult] = {}
        self.alert_to_correlation: Dict[uuid.UUID, uuid.UUID] = {}
        self.callbacks = []
        self.metrics = defaultdict(int)
        self.processing_times = deque(maxlen=1000)

    def _create_default_rules(self) -> List[CorrelationRule]:
        return [
            CorrelationRule("temporal_correlation", CorrelationStrategy.TEMPORAL, weight=1.2,
                            parameters={"time_window": 600, "max_time_gap": 300}),
            CorrelationRule("spatial_correlation", CorrelationStrategy.SPATIAL, weight=1.0,
                            parameters={"same_host_weight": 2.5, "same_component_weight": 2.0,
                                        "same_category_weight": 1.5}),
            CorrelationRule("semantic_correlation", CorrelationStrategy.SEMANTIC, weight=0.8,
                            parameters={"min_similarity_score": 0.5, "title_threshold": 0.7,
                                        "description_threshold": 0.6}),
            CorrelationRule("metric_pattern_correlation", CorrelationStrategy.METRIC_PATTERN,
                            weight=0.6, parameters={"similarity_threshold": 0.8,
                                                    "pattern_window": 1800}),
        ]

    async def correlate_alert(self, new_alert: Alert,
                              existing_alerts: List[Alert]) -> Optional[CorrelationResult]:
        start = time.time()
        try:
            self.metrics["total_correlations_attempted"] += 1
            if new_alert.id in self.alert_to_correlation:
                correlation_id = self.alert_to_correlation[new_alert.id]
                if correlation_id in self.active_correlations:
                    return self.active_correlations[correlation_id]
            best_correlation = None
            for rule in self.rules:
                if not rule.enabled:
                    continue
                correlator = self.correlators.get(rule.strategy)
                if correlator is None:
                    continue
                result = await correlator.correlate(new_alert, existing_alerts, rule)
                if result and (best_correlation is None
                               or result.confidence_score > best_correlation.confidence_score):
                    best_correlation = result
            if best_correlation and self._is_significant(best_correlation):
                await self._process_correlation_result(best_correlation)
                self.metrics["successful_correlations"] += 1
                return best_correlation
            return None
        except Exception:
            self.metrics["correlation_errors"] += 1
            return None
        finally:
            self.processing_times.append((time.time() - start) * 1000)

    def _is_significant(self, correlation: CorrelationResult) -> bool:
        return len(correlation.alert_ids) >= 2 and correlation.confidence in (
            CorrelationConfidence.HIGH, CorrelationConfidence.VERY_HIGH)

    async def _process_correlation_result(self, correlation: CorrelationResult) -> None:
        self.active_correlations[correlation.correlation_id] = correlation
        for alert_id in correlation.alert_ids:
            self.alert_to_correlation[alert_id] = correlation.correlation_id
        if self.cache_manager:
            await self.cache_manager.set(
                f"correlation:{correlation.correlation_id}", correlation, ttl=3600)
        for callback in self.callbacks:
            if asyncio.iscoroutinefunction(callback):
                await callback(correlation)
            else:
                callback(correlation)
        self.metrics[f"correlations_{correlation.strategy.value}"] += 1


# --- harness hooks --------------------------------------------------------


def alert_correlation_prepare(columns):
    """(alerts, existing): the stream as Alert objects, and how many alerts
    each new one is correlated against (the ones before it)."""
    return alerts_from_columns(columns), int(columns["existing"])


def alert_correlation(prepared):
    """Each alert after the first ``existing`` through one correlator, in
    order, against the ``existing`` alerts just before it (a sliding window
    of active alerts); one result or None per new alert."""
    alerts, existing = prepared
    correlator = AlertCorrelator()

    async def stream():
        return [
            (await correlator.correlate_alert(alerts[i], alerts[i - existing:i]))
            for i in range(existing, len(alerts))
        ]

    return asyncio.run(stream())


def alert_correlation_latencies_prepare(columns):
    """As ``alert_correlation_prepare``: the stream is longer, that is all."""
    return alert_correlation_prepare(columns)


def alert_correlation_latencies(prepared, calls):
    """The stream of ``alert_correlation``, the first ``calls`` new alerts,
    each ``await correlate_alert`` timed on its own (nanoseconds,
    ``perf_counter_ns``): the latency one arriving alert sees."""
    alerts, existing = prepared
    correlator = AlertCorrelator()
    end = min(len(alerts), existing + int(calls))

    async def stream():
        times = []
        for i in range(existing, end):
            window = alerts[i - existing:i]
            started = time.perf_counter_ns()
            await correlator.correlate_alert(alerts[i], window)
            times.append(time.perf_counter_ns() - started)
        return times

    return asyncio.run(stream())


def alert_correlation_output(results, prepared):
    """One list per new alert: ``[strategy code (-1: none), members,
    confidence code (-1)]``; one value per new alert: the confidence
    score (NaN for none)."""
    flat, offsets, values = [], [0], []
    for result in results:
        if result is None:
            flat.extend([-1, 0, -1])
            values.append(math.nan)
        else:
            flat.extend([STRATEGY_CODES[result.strategy], len(result.alert_ids),
                         CONFIDENCE_CODES[result.confidence]])
            values.append(result.confidence_score)
        offsets.append(len(flat))
    return (np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64),
            np.asarray(values, dtype=np.float64))


def sequence_matcher_ratio_prepare(columns):
    """The alerts' raw descriptions, in stream order."""
    return list(columns["description"])


def sequence_matcher_ratio(descriptions):
    """SIMILAR_MESSAGE's kernel on consecutive alerts: a new matcher per pair,
    as ``_correlate_by_message_similarity`` builds one."""
    return [
        SequenceMatcher(None, a, b).ratio()
        for a, b in zip(descriptions, descriptions[1:])
    ]


def sequence_matcher_ratio_output(ratios, prepared):
    return np.asarray(ratios, dtype=np.float64)
