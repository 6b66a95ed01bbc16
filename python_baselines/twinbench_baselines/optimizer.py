"""The AI performance optimizer's deterministic kernels (catalog
ml_monitoring.md §5: ``server/monitoring/ai_performance_optimizer.py`` at
9455c19), rewritten with the original's library calls, parameters and order
of operations.

What differs from the original, and why (each change is the smallest that lets
the harness drive and read the kernels):

* **The model's verdict is supplied.** ``_detect_anomaly`` asks the trained
  scaler and isolation forest (K5.1) about each metric. Here the scaler is an
  identity stand-in and the forest a stand-in whose ``predict`` returns the
  verdict the input carries and whose ``decision_function`` returns a number
  (as ``anomaly._Scores`` does for the ensemble), so both sides post-process
  the same raw predictions exactly. ``_train_models`` is written out below,
  faithfully, but no pair times it here.
* **No I/O and no real sleeping.** Redis, Postgres and the notification
  publish are in-memory lists; ``_execute_optimization``'s actions are
  simulated by ``asyncio.sleep(1)`` in the original, which is virtualised
  here (the action is recorded, no time passes), since a benchmark of a
  one-second sleep measures the sleep.
* **Coroutines are plain calls.** The original's methods are driven by its
  asyncio loops; none of the kernels here suspends except on the I/O and the
  sleep removed above, so they are written as ordinary methods, and the
  collection loop's body is ``_process_collected_metric``, called once per
  metric, with the optimization consumer draining the queue after each (it
  runs whenever the collector awaits). The catalog does not record which of
  these methods are ``async def``; none of the results depends on it.
* **Trends are returned.** ``_analyze_performance_trends`` only logs; here it
  also returns ``(metric_name, points, slope, flagged)`` per analysed metric.
* **Warnings.** The original calls ``warnings.filterwarnings('ignore')`` at
  import, for the whole process; the timed functions here ignore warnings
  inside ``warnings.catch_warnings()`` instead (numpy's divide-by-zero
  RuntimeWarning on a zero expected value is among those hidden).

**Strings.** The catalog records the branches of
``_generate_recommendations`` and ``_predict_impact`` (which metric, which
threshold, which severity returns what kind of answer) but not their text;
the strings here are placeholders of the right count per branch, and the
harness compares only how many recommendations an alert carries and whether
it has an impact, never the words.

**Time zones.** The original stamps metrics with naive ``datetime``s and
calls ``.timestamp()`` on them, which reads a naive datetime as *local*
time, while its training features come from ``pd.to_datetime(epoch,
unit='s')``, which is UTC. The two agree only when the service's local zone
is UTC (the container default); that is the assumption here. Samples are
built as naive UTC wall-clock datetimes (``_EPOCH + timedelta``, no
deprecated ``utcfromtimestamp``), and ``_timestamp`` computes what
``.timestamp()`` returns under a UTC local zone, so nothing depends on the
machine's ``TZ``.
"""

import logging
import warnings
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Dict, List, Optional

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest, RandomForestRegressor
from sklearn.preprocessing import StandardScaler

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())
logger.propagate = False

#: Severity codes of the harness (kernels::optimizer::severity::Severity::code).
SEVERITY_CODES = {"low": 0, "medium": 1, "high": 2, "critical": 3}
#: Remediation action codes (kernels::optimizer::remediation::Action::code).
ACTION_CODES = {
    "memory_cleanup": 1,
    "connection_pool_optimization": 2,
    "permission_cache_optimization": 3,
}

_EPOCH = datetime(1970, 1, 1)


def _timestamp(dt):
    """``dt.timestamp()`` of a naive datetime as the original computes it when
    its local zone is UTC (see the module docstring)."""
    return dt.replace(tzinfo=timezone.utc).timestamp()


class AlertSeverity(Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass
class PerformanceMetric:
    metric_name: str
    value: float
    timestamp: datetime
    component: str
    tenant_id: Optional[str] = None
    metadata: Dict[str, Any] = field(default_factory=dict)


@dataclass
class PerformanceAlert:
    alert_id: str
    severity: AlertSeverity
    metric_name: str
    current_value: float
    expected_value: float
    deviation_percent: float
    predicted_impact: Optional[str]
    recommended_actions: List[str]
    confidence_score: float
    timestamp: datetime
    component: str
    tenant_id: Optional[str] = None


class _IdentityScaler:
    """Stand-in for the trained ``StandardScaler``: the supplied verdict is
    already the model's answer, so the features pass through unchanged (they
    are still built, as the original builds them)."""

    def transform(self, X):
        return X


class _SuppliedVerdicts:
    """Stand-in for the trained ``IsolationForest``: the i-th ``predict``
    returns the i-th supplied verdict (-1 anomalous, 1 normal);
    ``decision_function`` (computed and unused by the original) returns a
    number of the verdict's sign. ``_detect_anomaly`` calls each once per
    metric, ``decision_function`` first."""

    def __init__(self, verdicts):
        self._verdicts = verdicts
        self._next = 0

    def decision_function(self, X):
        return np.array([-0.1 if self._verdicts[self._next] == -1 else 0.1])

    def predict(self, X):
        verdict = self._verdicts[self._next]
        self._next += 1
        return np.array([verdict])


class AIPerformanceOptimizer:
    """The original's optimizer without its connections (see the module
    docstring): same state, same methods for K5.1–K5.6."""

    def __init__(self):
        self.anomaly_detector = IsolationForest(contamination=0.1, random_state=42)
        self.performance_predictor = RandomForestRegressor(n_estimators=100, random_state=42)
        self.scaler = StandardScaler()
        self.is_trained = False
        self.metrics_history: List[PerformanceMetric] = []
        self.alert_cache: Dict[str, datetime] = {}
        self.optimization_queue = deque()
        # In-memory sinks for the original's Postgres/Redis writes.
        self.stored_alerts: List[PerformanceAlert] = []
        self.optimization_results: List[tuple] = []

    # -- K5.1 -------------------------------------------------------------

    def _training_frame(self):
        df = pd.DataFrame([
            {
                "metric_name": m.metric_name,
                "value": m.value,
                "timestamp": _timestamp(m.timestamp),
                "component": m.component,
            }
            for m in self.metrics_history
        ])
        df["hour"] = pd.to_datetime(df["timestamp"], unit="s").dt.hour
        df["day_of_week"] = pd.to_datetime(df["timestamp"], unit="s").dt.dayofweek
        df["is_weekend"] = df["day_of_week"].isin([5, 6]).astype(int)
        return df

    @staticmethod
    def _lagged(metric_data):
        metric_data["value_lag1"] = metric_data["value"].shift(1)
        metric_data["value_lag2"] = metric_data["value"].shift(2)
        metric_data["value_lag3"] = metric_data["value"].shift(3)
        return metric_data.dropna()

    _PREDICTOR_COLUMNS = ["value_lag1", "value_lag2", "value_lag3", "hour", "day_of_week", "is_weekend"]

    def _train_models(self):
        """K5.1 as written: one scaler, one forest and one regressor, refit for
        every metric with at least 50 rows, so only the last metric's fit
        survives (the catalog's K5.1 bug; its defect entry belongs with
        the training pair); ``is_trained`` is set even if nothing was
        fitted."""
        try:
            if len(self.metrics_history) < 100:
                return
            df = self._training_frame()
            for metric_name in df["metric_name"].unique():
                metric_data = df[df["metric_name"] == metric_name].copy()
                if len(metric_data) < 50:
                    continue
                X = metric_data[["value", "hour", "day_of_week", "is_weekend"]].values
                X_scaled = self.scaler.fit_transform(X)
                self.anomaly_detector.fit(X_scaled)
                if len(metric_data) >= 100:
                    metric_data = self._lagged(metric_data)
                    if len(metric_data) >= 50:
                        X_pred = metric_data[self._PREDICTOR_COLUMNS].values
                        y_pred = metric_data["value"].values
                        self.performance_predictor.fit(X_pred, y_pred)
            self.is_trained = True
        except Exception as e:
            logger.error(f"Error training models: {e}")

    def _train_models_per_metric(self):
        """K5.1 with the shared-model defect fixed: a fresh scaler, forest and
        regressor per metric (same parameters), kept in ``self.models_by_metric``
        as ``{name: (scaler, forest, regressor or None)}``; everything else as
        ``_train_models``."""
        self.models_by_metric = {}
        try:
            if len(self.metrics_history) < 100:
                return
            df = self._training_frame()
            for metric_name in df["metric_name"].unique():
                metric_data = df[df["metric_name"] == metric_name].copy()
                if len(metric_data) < 50:
                    continue
                scaler = StandardScaler()
                forest = IsolationForest(contamination=0.1, random_state=42)
                X = metric_data[["value", "hour", "day_of_week", "is_weekend"]].values
                forest.fit(scaler.fit_transform(X))
                regressor = None
                if len(metric_data) >= 100:
                    metric_data = self._lagged(metric_data)
                    if len(metric_data) >= 50:
                        regressor = RandomForestRegressor(n_estimators=100, random_state=42)
                        regressor.fit(metric_data[self._PREDICTOR_COLUMNS].values, metric_data["value"].values)
                self.models_by_metric[metric_name] = (scaler, forest, regressor)
            self.is_trained = True
        except Exception as e:
            logger.error(f"Error training models: {e}")

    # -- the collection loop's body ------------------------------------

    def _process_collected_metric(self, metric):
        """One iteration of ``_collect_metrics_loop``'s per-metric body: append,
        trim to the last 10,000, (store in Redis: removed), detect, handle."""
        self.metrics_history.append(metric)
        if len(self.metrics_history) > 10000:
            self.metrics_history = self.metrics_history[-10000:]
        if self.is_trained:
            alert = self._detect_anomaly(metric)
            if alert:
                self._handle_alert(alert)

    # -- K5.2 -------------------------------------------------------------

    def _detect_anomaly(self, metric):
        try:
            if not self.is_trained:
                return None
            features = np.array([[
                metric.value,
                metric.timestamp.hour,
                metric.timestamp.weekday(),
                1 if metric.timestamp.weekday() >= 5 else 0,
            ]])
            features_scaled = self.scaler.transform(features)
            anomaly_score = self.anomaly_detector.decision_function(features_scaled)[0]  # noqa: F841 (unused, as in the original)
            is_anomaly = self.anomaly_detector.predict(features_scaled)[0] == -1
            if is_anomaly:
                expected_value = self._calculate_expected_value(metric)
                deviation_percent = abs(metric.value - expected_value) / expected_value * 100
                severity = self._determine_severity(metric.metric_name, deviation_percent)
                return self._generate_alert(metric, expected_value, deviation_percent, severity)
            return None
        except Exception as e:
            logger.error(f"Error detecting anomaly: {e}")
            return None

    def _calculate_expected_value(self, metric):
        recent_metrics = self.metrics_history[-1000:]
        similar_metrics = [
            m for m in recent_metrics
            if m.metric_name == metric.metric_name
            and m.component == metric.component
            and abs(m.timestamp.hour - metric.timestamp.hour) <= 1
            and abs(m.timestamp.weekday() - metric.timestamp.weekday()) <= 1
        ]
        if len(similar_metrics) >= 5:
            return np.median([m.value for m in similar_metrics])
        all_values = [m.value for m in self.metrics_history if m.metric_name == metric.metric_name]
        if all_values:
            return np.median(all_values)
        return metric.value

    def _determine_severity(self, metric_name, deviation_percent):
        thresholds = {
            "websocket_connection_latency": {"critical": 100, "high": 60, "medium": 30},
            "crdt_operation_latency": {"critical": 100, "high": 60, "medium": 30},
            "memory_usage_efficiency": {"critical": 50, "high": 30, "medium": 15},
            "rbac_permission_verification_time": {"critical": 200, "high": 120, "medium": 60},
            "audit_logging_overhead": {"critical": 300, "high": 180, "medium": 90},
        }
        metric_thresholds = thresholds.get(metric_name, {"critical": 100, "high": 60, "medium": 30})
        if deviation_percent >= metric_thresholds["critical"]:
            return AlertSeverity.CRITICAL
        elif deviation_percent >= metric_thresholds["high"]:
            return AlertSeverity.HIGH
        elif deviation_percent >= metric_thresholds["medium"]:
            return AlertSeverity.MEDIUM
        else:
            return AlertSeverity.LOW

    def _generate_alert(self, metric, expected_value, deviation_percent, severity):
        recommendations = self._generate_recommendations(metric, deviation_percent)
        predicted_impact = self._predict_impact(metric, severity)
        confidence = min(0.95, 0.6 + (deviation_percent / 200))
        return PerformanceAlert(
            alert_id=f"alert_{metric.component}_{int(_timestamp(metric.timestamp))}",
            severity=severity,
            metric_name=metric.metric_name,
            current_value=metric.value,
            expected_value=expected_value,
            deviation_percent=deviation_percent,
            predicted_impact=predicted_impact,
            recommended_actions=recommendations,
            confidence_score=confidence,
            timestamp=metric.timestamp,
            component=metric.component,
            tenant_id=metric.tenant_id,
        )

    def _generate_recommendations(self, metric, deviation_percent):
        recommendations = []
        if metric.metric_name == "websocket_connection_latency":
            if deviation_percent > 50:
                recommendations.extend([
                    "Scale WebSocket server instances",
                    "Optimize connection pooling configuration",
                    "Review network latency and bandwidth",
                ])
            else:
                recommendations.append("Monitor WebSocket connection patterns")
        elif metric.metric_name == "crdt_operation_latency":
            if deviation_percent > 50:
                recommendations.extend([
                    "Optimize CRDT merge operations",
                    "Review conflict resolution strategies",
                    "Consider operation batching",
                ])
            else:
                recommendations.append("Monitor CRDT operation patterns")
        elif metric.metric_name == "memory_usage_efficiency":
            if deviation_percent > 30:
                recommendations.extend([
                    "Trigger garbage collection",
                    "Review memory allocation patterns",
                    "Consider memory limit adjustments",
                ])
            else:
                recommendations.append("Monitor memory usage trends")
        elif metric.metric_name == "rbac_permission_verification_time":
            if deviation_percent > 50:
                recommendations.extend([
                    "Optimize permission cache",
                    "Review RBAC rule complexity",
                    "Consider permission pre-computation",
                ])
            else:
                recommendations.append("Monitor RBAC verification patterns")
        elif metric.metric_name == "audit_logging_overhead":
            if deviation_percent > 100:
                recommendations.extend([
                    "Enable asynchronous audit logging",
                    "Review audit log verbosity",
                    "Consider log batching",
                ])
            else:
                recommendations.append("Monitor audit logging overhead")
        return recommendations

    def _predict_impact(self, metric, severity):
        if severity in [AlertSeverity.CRITICAL, AlertSeverity.HIGH]:
            if metric.metric_name == "websocket_connection_latency":
                return "High impact on real-time collaboration; users may experience delays"
            elif metric.metric_name == "crdt_operation_latency":
                return "Document synchronization delays; potential conflicts"
            elif metric.metric_name == "memory_usage_efficiency":
                return "Risk of out-of-memory errors and service degradation"
            elif metric.metric_name == "rbac_permission_verification_time":
                return "Slower authorization; request latency increases"
            elif metric.metric_name == "audit_logging_overhead":
                return "Increased request overhead from audit logging"
        else:
            return "Minor performance impact, monitoring recommended"

    # -- K5.3 / K5.4 ------------------------------------------------------

    def _handle_alert(self, alert):
        try:
            alert_key = f"{alert.component}:{alert.metric_name}"
            if alert_key in self.alert_cache:
                last_alert_time = self.alert_cache[alert_key]
                if (alert.timestamp - last_alert_time).total_seconds() < 300:
                    return
            self.alert_cache[alert_key] = alert.timestamp
            self.stored_alerts.append(alert)  # _store_alert + notification
            if alert.confidence_score > 0.8 and alert.severity in [AlertSeverity.CRITICAL, AlertSeverity.HIGH]:
                self.optimization_queue.append(alert)
        except Exception as e:
            logger.error(f"Error handling alert: {e}")

    def _execute_optimization(self, alert):
        try:
            actions_taken = []
            if alert.metric_name == "memory_usage_efficiency" and alert.deviation_percent > 30:
                # await self._trigger_memory_cleanup(alert.component): asyncio.sleep(1)
                actions_taken.append("memory_cleanup")
            elif alert.metric_name == "websocket_connection_latency" and alert.deviation_percent > 50:
                # await self._optimize_connection_pools(alert.component): asyncio.sleep(1)
                actions_taken.append("connection_pool_optimization")
            elif alert.metric_name == "rbac_permission_verification_time" and alert.deviation_percent > 50:
                # await self._optimize_permission_cache(alert.component): asyncio.sleep(1)
                actions_taken.append("permission_cache_optimization")
            self.optimization_results.append((alert, actions_taken))  # Postgres insert
        except Exception as e:
            logger.error(f"Error executing optimization: {e}")

    def _drain_optimization_queue(self):
        """The optimization consumer: takes each queued alert in order."""
        while self.optimization_queue:
            self._execute_optimization(self.optimization_queue.popleft())

    # -- K5.5 -------------------------------------------------------------

    def _analyze_performance_trends(self):
        trends = []
        try:
            recent_metrics = self.metrics_history[-1000:]
            df = pd.DataFrame([
                {"metric_name": m.metric_name, "value": m.value, "timestamp": _timestamp(m.timestamp)}
                for m in recent_metrics
            ])
            for metric_name in df["metric_name"].unique():
                metric_data = df[df["metric_name"] == metric_name].sort_values("timestamp")
                if len(metric_data) >= 50:
                    values = metric_data["value"].values
                    trend = np.polyfit(range(len(values)), values, 1)[0]
                    threshold = self._get_trend_threshold(metric_name)
                    flagged = abs(trend) > threshold
                    if flagged:
                        direction = "increasing" if trend > 0 else "decreasing"
                        logger.warning(f"Performance trend detected: {metric_name} is {direction} (slope: {trend:.4f})")
                    trends.append((metric_name, len(values), trend, flagged))
        except Exception as e:
            logger.error(f"Error analyzing performance trends: {e}")
        return trends

    def _get_trend_threshold(self, metric_name):
        thresholds = {
            "websocket_connection_latency": 0.5,
            "crdt_operation_latency": 1.0,
            "memory_usage_efficiency": 0.001,
            "rbac_permission_verification_time": 0.1,
            "audit_logging_overhead": 0.01,
        }
        return thresholds.get(metric_name, 0.1)

    # -- K5.6 -------------------------------------------------------------

    def get_performance_summary(self):
        if not self.metrics_history:
            return {}
        recent_metrics = self.metrics_history[-100:]
        summary = {}
        for metric_name in set(m.metric_name for m in recent_metrics):
            values = [m.value for m in recent_metrics if m.metric_name == metric_name]
            if values:
                summary[f"{metric_name}_avg"] = np.mean(values)
                summary[f"{metric_name}_latest"] = values[-1]
        return summary


# -- the harness's hooks ---------------------------------------------------


def _metrics(metric, component, value, timestamp, metric_names, component_names):
    return [
        PerformanceMetric(
            metric_name=metric_names[m],
            value=float(v),
            timestamp=_EPOCH + timedelta(seconds=int(t)),
            component=component_names[c],
        )
        for m, c, v, t in zip(metric.tolist(), component.tolist(), value.tolist(), timestamp.tolist())
    ]


def prepare(metric, component, value, timestamp, anomalous, metric_names, component_names):
    """The stream as ``PerformanceMetric``s (naive UTC datetimes), the model's
    verdicts as -1/1, and the name tables (for reading results back)."""
    metrics = _metrics(metric, component, value, timestamp, metric_names, component_names)
    verdicts = [-1 if a else 1 for a in anomalous.tolist()]
    return metrics, verdicts, list(metric_names), list(component_names)


def _with_history(prepared):
    optimizer = AIPerformanceOptimizer()
    optimizer.metrics_history = list(prepared[0])
    return optimizer


def optimizer_anomaly_check(prepared):
    """K5.2–K5.4 over the stream: a fresh optimizer (trained: the supplied
    verdicts), each metric through the collection loop's body, the
    optimization consumer after each. Returns the optimizer and, per stored
    alert, the position of the metric that raised it."""
    metrics, verdicts, _, _ = prepared
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimizer = AIPerformanceOptimizer()
        optimizer.scaler = _IdentityScaler()
        optimizer.anomaly_detector = _SuppliedVerdicts(verdicts)
        optimizer.is_trained = True
        positions = []
        for i, metric in enumerate(metrics):
            stored = len(optimizer.stored_alerts)
            optimizer._process_collected_metric(metric)
            if len(optimizer.stored_alerts) > stored:
                positions.append(i)
            optimizer._drain_optimization_queue()
    return optimizer, positions


def optimizer_anomaly_check_output(result, prepared):
    """One list per stored alert: ``[position, metric, component, severity,
    epoch seconds read back from the alert id, recommendations,
    impact present, queued, action]`` (action 0: none); three values per
    alert: expected value, deviation percent, confidence."""
    optimizer, positions = result
    _, _, metric_names, component_names = prepared
    actions = {id(alert): taken for alert, taken in optimizer.optimization_results}
    flat, offsets, values = [], [0], []
    for position, alert in zip(positions, optimizer.stored_alerts):
        prefix = f"alert_{alert.component}_"
        if not alert.alert_id.startswith(prefix):
            raise ValueError(f"alert id {alert.alert_id!r} does not start with {prefix!r}")
        taken = actions.get(id(alert))
        if taken is not None and len(taken) > 1:
            raise ValueError(f"more than one action for one alert: {taken}")
        flat.extend([
            position,
            metric_names.index(alert.metric_name),
            component_names.index(alert.component),
            SEVERITY_CODES[alert.severity.value],
            int(alert.alert_id[len(prefix):]),
            len(alert.recommended_actions),
            int(alert.predicted_impact is not None),
            int(taken is not None),
            ACTION_CODES[taken[0]] if taken else 0,
        ])
        offsets.append(len(flat))
        values.extend([float(alert.expected_value), float(alert.deviation_percent), float(alert.confidence_score)])
    return (
        np.asarray(flat, dtype=np.int64),
        np.asarray(offsets, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
    )


def optimizer_trends_prepare(*args):
    """An optimizer whose history is the stream."""
    prepared = prepare(*args)
    return _with_history(prepared), prepared[2]


def optimizer_trends(prepared):
    """K5.5: ``_analyze_performance_trends`` on the history."""
    optimizer, _ = prepared
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return optimizer._analyze_performance_trends()


def optimizer_trends_output(result, prepared):
    """One list per analysed metric, in the original's order:
    ``[metric, points, flagged]``; one value each: the slope."""
    _, metric_names = prepared
    flat, offsets, values = [], [0], []
    for name, points, slope, flagged in result:
        flat.extend([metric_names.index(name), points, int(bool(flagged))])
        offsets.append(len(flat))
        values.append(float(slope))
    return (
        np.asarray(flat, dtype=np.int64),
        np.asarray(offsets, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
    )


def optimizer_summary_prepare(*args):
    """An optimizer whose history is the stream."""
    prepared = prepare(*args)
    return _with_history(prepared), prepared[2]


def optimizer_summary(prepared):
    """K5.6: ``get_performance_summary`` on the history."""
    optimizer, _ = prepared
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return optimizer.get_performance_summary()


def optimizer_summary_output(result, prepared):
    """Per metric present, by increasing metric index: one list ``[metric]``
    and two values, ``{name}_avg`` then ``{name}_latest``."""
    _, metric_names = prepared
    present = sorted(metric_names.index(key[: -len("_avg")]) for key in result if key.endswith("_avg"))
    flat = present
    offsets = list(range(len(present) + 1))
    values = []
    for m in present:
        values.extend([float(result[f"{metric_names[m]}_avg"]), float(result[f"{metric_names[m]}_latest"])])
    return (
        np.asarray(flat, dtype=np.int64),
        np.asarray(offsets, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
    )


# -- K5.1: training ----------------------------------------------------------


def optimizer_training_prepare(*args):
    """The stream as the optimizer's ``metrics_history``."""
    return prepare(*args)[0]


def optimizer_training(metrics):
    """``_train_models`` as written on the history: the shared scaler,
    isolation forest and regressor refit metric after metric (D056)."""
    optimizer = AIPerformanceOptimizer()
    optimizer.metrics_history = list(metrics)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimizer._train_models()
    return optimizer


def _detector_features(optimizer):
    return optimizer._training_frame()[["value", "hour", "day_of_week", "is_weekend"]].values


def optimizer_training_output(optimizer, metrics):
    """The anomaly score (negated ``score_samples``: higher = more
    anomalous) of every sample under the models that survive, which is what
    ``_detect_anomaly`` applies to every metric; nothing when no model was
    fitted."""
    if not optimizer.is_trained or not hasattr(optimizer.scaler, "scale_"):
        return np.zeros(0)
    X = _detector_features(optimizer)
    return -optimizer.anomaly_detector.score_samples(optimizer.scaler.transform(X))


optimizer_training_fixed_prepare = optimizer_training_prepare


def optimizer_training_fixed(metrics):
    """``_train_models_per_metric``: the same fits, each metric keeping its
    own scaler, forest and regressor (D056 fixed)."""
    optimizer = AIPerformanceOptimizer()
    optimizer.metrics_history = list(metrics)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimizer._train_models_per_metric()
    return optimizer


def optimizer_training_fixed_output(optimizer, metrics):
    """Every sample's anomaly score under its own metric's models (0 for a
    metric with too few samples to have any); nothing when not trained."""
    if not optimizer.is_trained:
        return np.zeros(0)
    frame = optimizer._training_frame()
    X = frame[["value", "hour", "day_of_week", "is_weekend"]].values
    scores = np.zeros(len(frame))
    for name, (scaler, forest, _) in optimizer.models_by_metric.items():
        rows = (frame["metric_name"] == name).to_numpy()
        scores[rows] = -forest.score_samples(scaler.transform(X[rows]))
    return scores


# -- the whole pass: training, then the collection loop ------------------------

#: Metrics collected after training: 10 ticks of the 30-second collection
#: loop at five metrics a tick, five minutes of the service's life (each
#: costs scikit-learn ~16 ms here; 200 made this pair 3 of make report's
#: 25 minutes); on a short stream a sixth of it, so most is still history.
COLLECTED = 50


def collected(n):
    """How many of a stream of ``n`` metrics are collected after training."""
    return min(COLLECTED, n // 6)


def optimizer_pass_prepare(*args):
    """The stream: its last ``collected(n)`` metrics are collected after
    training, the rest is the history ``_load_historical_data`` loads."""
    return prepare(*args)[0]


def optimizer_pass(metrics):
    """The optimizer as it runs: ``_train_models`` on the history (once, at
    ``initialize()``), then each collected metric through the collection
    loop's body with the *trained* scaler and isolation forest deciding
    (``decision_function`` and ``predict`` on one row, as
    ``_detect_anomaly`` calls them), the optimization consumer after each."""
    split = len(metrics) - collected(len(metrics))
    optimizer = AIPerformanceOptimizer()
    optimizer.metrics_history = list(metrics[:split])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimizer._train_models()
        for metric in metrics[split:]:
            optimizer._process_collected_metric(metric)
            optimizer._drain_optimization_queue()
    return optimizer


def optimizer_pass_output(optimizer, metrics):
    """As ``optimizer_training_output``, over the whole history after the
    pass (training history and collected metrics): every sample's anomaly
    score under the surviving models; nothing when no model was fitted."""
    return optimizer_training_output(optimizer, metrics)
