"""The ensemble anomaly detector of the AI detection (catalog ml_monitoring.md
K1.4: ``EnsembleAnomalyDetector`` in monitoring/ai_detection/anomaly_detector.py
at 9455c19), rewritten with the original's library calls and parameters.

TensorFlow is not in the original's pins, so ``HAS_TENSORFLOW`` is False there:
the constructor forces the weights to isolation forest 0.6, one-class SVM 0.4,
LSTM 0.0, no LSTM is built or trained, and the LSTM scores are zeros. That is
the path written out here; the LSTM branches are the ones that never run.

The original logs through ``logging.getLogger(__name__)``; its service
configures handlers. Here the module's logger has a ``NullHandler`` so the
records are made (as in the original) but not printed by logging's
last-resort handler into every test's output.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.preprocessing import RobustScaler
from sklearn.svm import OneClassSVM

from .detect import TIMESTAMP_ORIGIN, TIMESTAMP_STEP

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())
logger.propagate = False

HAS_TENSORFLOW = False

#: Severity codes of the harness's events.
SEVERITY_CODES = {"low": 0, "medium": 1, "high": 2, "critical": 3}


@dataclass
class AnomalyAlert:
    """The original's alert record."""

    timestamp: datetime
    metric_name: str
    value: float
    baseline: float
    anomaly_score: float
    severity: str
    confidence: float
    context: Dict[str, Any]
    model_type: str
    recommendations: List[str] = field(default_factory=list)


class EnsembleAnomalyDetector:
    """``EnsembleAnomalyDetector`` without TensorFlow: RobustScaler, then
    ``IsolationForest(contamination, random_state=42, n_estimators=100)`` and
    ``OneClassSVM(nu=contamination, kernel='rbf', gamma='scale')``, min-max
    normalised decision values weighted 0.6 / 0.4, alerts above the
    ``(1 - contamination) * 100``-th percentile. The decision values are used
    as written: higher means more normal in both models (defect D027)."""

    def __init__(self, contamination=0.1, lstm_sequence_length=50, model_weights=None):
        self.contamination = contamination
        self.lstm_sequence_length = lstm_sequence_length
        self.model_weights = model_weights or {
            "isolation_forest": 0.5,
            "one_class_svm": 0.5,
            "lstm": 0.0 if not HAS_TENSORFLOW else 0.3,
        }
        if not HAS_TENSORFLOW:
            self.model_weights["isolation_forest"] = 0.6
            self.model_weights["one_class_svm"] = 0.4
            self.model_weights["lstm"] = 0.0
            logger.warning("TensorFlow not available - LSTM model disabled, adjusting ensemble weights")

        self.isolation_forest = IsolationForest(contamination=contamination, random_state=42, n_estimators=100)
        self.one_class_svm = OneClassSVM(nu=contamination, kernel="rbf", gamma="scale")
        self.lstm_model = None
        self.scaler = RobustScaler()
        self.training_data = pd.DataFrame()
        self.is_trained = False
        self.last_training = None
        self.performance_history = []

    def prepare_data(self, data):
        """Numeric columns, ``fillna(method='ffill')`` (deprecated in pandas 2.1,
        removed in 3: there it raises and this returns an empty array, defect
        D028), then 0; the scaler is fitted on first use only."""
        try:
            numeric_cols = data.select_dtypes(include=[np.number]).columns
            data_clean = data[numeric_cols].fillna(method="ffill").fillna(0)
            if not hasattr(self.scaler, "scale_"):
                scaled_data = self.scaler.fit_transform(data_clean)
            else:
                scaled_data = self.scaler.transform(data_clean)
            return scaled_data
        except Exception as e:
            logger.error(f"Error preparing data: {e}")
            return np.array([])

    def train(self, data, retrain=False):
        if self.is_trained and not retrain:
            logger.info("Models already trained. Use retrain=True to force retraining.")
            return
        logger.info("Training anomaly detection ensemble...")
        try:
            scaled_data = self.prepare_data(data)
            if len(scaled_data) == 0:
                logger.error("No data available for training")
                return
            logger.info("Training Isolation Forest...")
            self.isolation_forest.fit(scaled_data)
            logger.info("Training One-Class SVM...")
            self.one_class_svm.fit(scaled_data)
            self.is_trained = True
            self.last_training = datetime.now()
            self.training_data = data.copy()
            logger.info("Ensemble training completed successfully")
        except Exception as e:
            logger.error(f"Error during training: {e}")
            raise

    def detect_anomalies(self, data):
        if not self.is_trained:
            raise ValueError("Models must be trained before detecting anomalies")
        alerts = []
        try:
            scaled_data = self.prepare_data(data)
            if len(scaled_data) == 0:
                logger.warning("No data available for anomaly detection")
                return alerts

            if_scores = self.isolation_forest.decision_function(scaled_data)
            svm_scores = self.one_class_svm.decision_function(scaled_data)
            lstm_scores = np.zeros(len(scaled_data))

            ensemble_scores = (
                self.model_weights["isolation_forest"] * self._normalize_scores(if_scores)
                + self.model_weights["one_class_svm"] * self._normalize_scores(svm_scores)
                + self.model_weights["lstm"] * self._normalize_scores(lstm_scores)
            )

            threshold = float(np.percentile(ensemble_scores, (1 - self.contamination) * 100))
            anomaly_indices = np.where(ensemble_scores > threshold)[0]

            for idx in anomaly_indices:
                try:
                    severity = self._calculate_severity(float(ensemble_scores[idx]), threshold)
                    confidence = min(float(ensemble_scores[idx]) / threshold, 1.0)
                    alert = AnomalyAlert(
                        timestamp=data.iloc[idx]["timestamp"] if "timestamp" in data.columns else datetime.now(),
                        metric_name="ensemble_anomaly",
                        value=float(ensemble_scores[idx]),
                        baseline=threshold,
                        anomaly_score=float(ensemble_scores[idx]),
                        severity=severity,
                        confidence=confidence,
                        context={
                            "isolation_forest_score": float(if_scores[idx]),
                            "svm_score": float(svm_scores[idx]),
                            "lstm_score": float(lstm_scores[idx]) if idx < len(lstm_scores) else 0.0,
                            "ensemble_score": float(ensemble_scores[idx]),
                        },
                        model_type="ensemble",
                        recommendations=self._generate_recommendations(float(ensemble_scores[idx]), severity),
                    )
                    alerts.append(alert)
                except Exception as e:
                    logger.error(f"Error creating alert for index {idx}: {e}")
        except Exception as e:
            logger.error(f"Error in anomaly detection: {e}")
        return alerts

    def _normalize_scores(self, scores):
        if len(scores) == 0:
            return scores
        min_score = np.min(scores)
        max_score = np.max(scores)
        if max_score == min_score:
            return np.ones_like(scores)
        return (scores - min_score) / (max_score - min_score)

    def _calculate_severity(self, score, threshold):
        ratio = score / threshold if threshold > 0 else 1.0
        if ratio >= 3.0:
            return "critical"
        elif ratio >= 2.0:
            return "high"
        elif ratio >= 1.5:
            return "medium"
        else:
            return "low"

    def _generate_recommendations(self, score, severity):
        recommendations = []
        if severity == "critical":
            recommendations.extend([
                "Immediate investigation required",
                "Consider scaling resources",
                "Check for security incidents",
                "Review recent deployments",
            ])
        elif severity == "high":
            recommendations.extend([
                "Monitor closely for escalation",
                "Review system performance",
                "Check application logs",
            ])
        elif severity == "medium":
            recommendations.extend(["Track for patterns", "Review if this becomes recurring"])
        else:
            recommendations.append("Monitor for trend development")
        return recommendations


def metric_frame(data, rows, cols):
    """The frame the real-time monitor hands the detector: a ``timestamp``
    column (``datetime64[ns]`` on the ``TIMESTAMP_ORIGIN`` grid) and one
    float column per metric, ``metric_0`` … (``_fetch_metrics`` pivots
    Prometheus results to this shape and ``reset_index()``es the stamp)."""
    values = np.asarray(data, dtype=np.float64).reshape(rows, cols)
    frame = pd.DataFrame(values, columns=[f"metric_{j}" for j in range(cols)])
    frame.insert(0, "timestamp", pd.date_range(TIMESTAMP_ORIGIN, periods=rows, freq=TIMESTAMP_STEP))
    return frame


ensemble_detector_prepare = metric_frame


def ensemble_detector(frame):
    """What the monitor does with one frame: a fresh detector trained on it
    (``train``) and asked for its alerts on it (``detect_anomalies``). Returns
    the detector too, so the output hook can read the score of every row."""
    detector = EnsembleAnomalyDetector()
    detector.train(frame)
    alerts = detector.detect_anomalies(frame)
    return detector, alerts


def ensemble_detector_output(result, frame):
    """The ensemble score of every row, from the trained detector's models
    (recomputed here, outside the timed call, exactly as detect_anomalies
    computes it): the original's orientation, so higher = more *normal*."""
    detector, _ = result
    scaled = detector.prepare_data(frame)
    if len(scaled) == 0:
        return np.zeros(0)
    w = detector.model_weights
    return (
        w["isolation_forest"] * detector._normalize_scores(detector.isolation_forest.decision_function(scaled))
        + w["one_class_svm"] * detector._normalize_scores(detector.one_class_svm.decision_function(scaled))
        + w["lstm"] * detector._normalize_scores(np.zeros(len(scaled)))
    )


class _Negated:
    """A fitted model whose ``decision_function`` is the model's, negated:
    the one change D027 needs (higher = more anomalous)."""

    def __init__(self, model):
        self.model = model

    def decision_function(self, data):
        return -self.model.decision_function(data)


ensemble_detector_corrected_prepare = metric_frame


def ensemble_detector_corrected(frame):
    """``ensemble_detector`` with defect D027 fixed: the same training, then
    ``detect_anomalies`` reading both models' decision values negated, so
    the ensemble score rises with abnormality and the 90th-percentile alerts
    are the least normal rows. Not the original: the corrected column."""
    detector = EnsembleAnomalyDetector()
    detector.train(frame)
    detector.isolation_forest = _Negated(detector.isolation_forest)
    detector.one_class_svm = _Negated(detector.one_class_svm)
    alerts = detector.detect_anomalies(frame)
    return detector, alerts


ensemble_detector_corrected_output = ensemble_detector_output


class _Scores:
    """Stands in for a fitted model or scaler: returns given values."""

    def __init__(self, values):
        self.values = values
        self.scale_ = None  # marks the scaler as fitted

    def decision_function(self, _):
        return self.values

    def transform(self, data):
        return np.asarray(data)


def ensemble_alerts_prepare(data, rows, cols):
    """Two columns of raw decision values (isolation forest, one-class SVM)
    and a trained detector whose models return exactly them."""
    raw = np.asarray(data, dtype=np.float64).reshape(rows, cols)
    frame = metric_frame(data, rows, cols)
    detector = EnsembleAnomalyDetector()
    detector.isolation_forest = _Scores(raw[:, 0].copy())
    detector.one_class_svm = _Scores(raw[:, 1].copy())
    detector.scaler = _Scores(None)
    detector.is_trained = True
    return detector, frame


def ensemble_alerts(prepared):
    """``detect_anomalies`` on given raw scores: the deterministic half of the
    detector (normalisation, weights, percentile, severities), compared
    bit for bit."""
    detector, frame = prepared
    return detector.detect_anomalies(frame)


def ensemble_alerts_output(alerts, prepared):
    """(row, ensemble score, threshold, severity code) per alert."""
    origin, step = TIMESTAMP_ORIGIN.value, TIMESTAMP_STEP.value
    n = len(alerts)
    return (
        np.fromiter(((a.timestamp.value - origin) // step for a in alerts), dtype=np.int64, count=n),
        np.fromiter((a.value for a in alerts), dtype=np.float64, count=n),
        np.fromiter((a.baseline for a in alerts), dtype=np.float64, count=n),
        np.fromiter((SEVERITY_CODES[a.severity] for a in alerts), dtype=np.int64, count=n),
    )


one_class_svm_prepare = metric_frame


def one_class_svm(frame):
    """The detector's second model on its own: ``prepare_data``'s cleaning and
    RobustScaler, then ``OneClassSVM(nu=0.1, kernel='rbf', gamma='scale')``
    fitted and its ``decision_function`` over every row, as ``train`` and
    ``detect_anomalies`` call them."""
    numeric = frame.select_dtypes(include=[np.number])
    scaled = RobustScaler().fit_transform(numeric.fillna(method="ffill").fillna(0))
    svm = OneClassSVM(nu=0.1, kernel="rbf", gamma="scale")
    svm.fit(scaled)
    return svm.decision_function(scaled)


def one_class_svm_output(decision, frame):
    return np.asarray(decision, dtype=np.float64)
