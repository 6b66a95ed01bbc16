"""The forecasting engine of the predictive analytics (catalog
ml_monitoring.md §2: ``TimeSeriesForecaster`` and
``PredictiveAnalyticsEngine._analyze_trends`` / ``_assess_overall_health``
in monitoring/ai_detection/predictive_analytics.py at 9455c19), rewritten
with the original's library calls and parameters.

It runs under the monitoring package's pins (pandas 2.2.0, numpy 1.26.3,
scikit-learn 1.4.0), where ``fillna(method='ffill')`` still works (with a
FutureWarning the original silences globally, as this module does on import)
and the ``'H'`` frequency alias is accepted.

The original logs through ``logging.getLogger(__name__)``; here the logger
has a ``NullHandler`` so the records are made but not printed.
"""

import logging
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

warnings.filterwarnings("ignore", category=FutureWarning)

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())
logger.propagate = False

CALENDAR_COLUMNS = ["hour", "day_of_week", "day_of_month", "month", "is_weekend", "is_business_hours"]

#: Codes of the harness's outputs.
DIRECTION_CODES = {"increasing": 0, "decreasing": 1, "stable": 2}
HEALTH_CODES = {"excellent": 0, "good": 1, "degraded": 2, "critical": 3, "unknown": 4}


class TimeSeriesForecaster:
    """The model-fitting half of ``TimeSeriesForecaster``: calendar
    features, seasonality, the linear trend model and the random forest."""

    def __init__(self, forecast_horizon: int = 24, clock=datetime.now):
        """``clock`` is the one change to the original: it calls
        ``datetime.now()`` where this calls ``self.clock()``, so a test can
        fix the hour, weekday and month the forecast features depend on."""
        self.forecast_horizon = forecast_horizon
        self.models: Dict[str, Any] = {}
        self.model_performance: Dict[str, Any] = {}
        self.is_trained = False
        self.clock = clock

    def select_model(self, metric: str, linear_result, ensemble_result) -> Dict[str, Any]:
        """The model choice of ``train_forecasting_models`` for one metric
        (after its seasonality and both fits): the forest when its in-sample
        R² is strictly higher, the only one fitted when the other is None;
        with neither, the R² lookup raises TypeError, caught as an error."""
        try:
            if ensemble_result and (
                not linear_result or ensemble_result["performance"]["r2"] > linear_result["performance"]["r2"]
            ):
                best_model = "ensemble"
            else:
                best_model = "linear"
            self.models[metric] = {"linear": linear_result, "ensemble": ensemble_result, "best_model": best_model}
            return {
                "status": "success",
                "best_model": best_model,
                "r2_score": self.models[metric][best_model]["performance"]["r2"],
            }
        except Exception as e:
            return {"status": "error", "error": str(e)}

    def forecast_metric(self, metric: str, hours_ahead: Optional[int] = None):
        try:
            if not self.is_trained or metric not in self.models:
                return None
            hours_ahead = hours_ahead or self.forecast_horizon
            model_info = self.models[metric]
            best_model_type = model_info["best_model"]
            model_data = model_info[best_model_type]
            model = model_data["model"]
            future_time = self.clock() + timedelta(hours=hours_ahead)
            features = {
                "hour": future_time.hour,
                "day_of_week": future_time.weekday(),
                "day_of_month": future_time.day,
                "month": future_time.month,
                "is_weekend": 1 if future_time.weekday() >= 5 else 0,
                "is_business_hours": 1 if 9 <= future_time.hour <= 17 else 0,
                "time_index": 1000 + hours_ahead,
            }
            if best_model_type == "ensemble":
                features.update({"rolling_mean_24h": 0, "rolling_std_24h": 0, "lag_24h": 0, "lag_168h": 0})
            X_future = pd.DataFrame([features])[model_data["features"]]
            prediction = model.predict(X_future)[0]
            model_confidence = model_data["performance"]["r2"]
            prediction_std = abs(prediction * (1 - model_confidence) * 0.5)
            confidence_interval = (max(0, prediction - 1.96 * prediction_std), prediction + 1.96 * prediction_std)
            recommendations = []
            if model_confidence < 0.5:
                recommendations.append("Low model confidence - collect more historical data")
            if "node" in metric:
                if prediction > 1000:
                    recommendations.append("High node count predicted - consider scaling graph storage")
                elif prediction < 10:
                    recommendations.append("Low node count predicted - check data ingestion")
            if "search" in metric and prediction > 100:
                recommendations.append("High search volume predicted - consider search index optimization")
            if "duration" in metric and prediction > 2.0:
                recommendations.append("High operation duration predicted - investigate performance bottlenecks")
            if hours_ahead > 12:
                recommendations.append("Long-term forecast - monitor for accuracy and retrain regularly")
            return PredictionResult(
                metric_name=metric,
                prediction_horizon=hours_ahead,
                predicted_value=float(prediction),
                confidence_interval=confidence_interval,
                model_confidence=model_confidence,
                timestamp=self.clock(),
                forecast_type="trend",
                recommendations=recommendations,
            )
        except Exception as e:
            logger.error(f"Error forecasting {metric}: {e}")
            return None

    def _prepare_time_features(self, df: pd.DataFrame) -> pd.DataFrame:
        try:
            df = df.copy()
            if "timestamp" not in df.columns:
                df["timestamp"] = pd.date_range(start="2025-01-01", periods=len(df), freq="H")
            df["timestamp"] = pd.to_datetime(df["timestamp"])
            df = df.set_index("timestamp").sort_index()
            df["hour"] = df.index.hour
            df["day_of_week"] = df.index.dayofweek
            df["day_of_month"] = df.index.day
            df["month"] = df.index.month
            df["is_weekend"] = (df.index.dayofweek >= 5).astype(int)
            df["is_business_hours"] = ((df.index.hour >= 9) & (df.index.hour <= 17)).astype(int)
            return df
        except Exception as e:
            logger.error(f"Error preparing time features: {e}")
            df["hour"] = 12
            df["day_of_week"] = 1
            df["day_of_month"] = 15
            df["month"] = 6
            df["is_weekend"] = 0
            df["is_business_hours"] = 1
            return df

    def _detect_seasonality(self, series: pd.Series) -> Dict[str, Any]:
        try:
            if len(series) < 168:
                return {"seasonal": False, "period": None, "strength": 0.0}
            daily_autocorr = series.autocorr(lag=24)
            weekly_autocorr = series.autocorr(lag=168) if len(series) >= 336 else 0.0
            seasonal_strength = max(abs(daily_autocorr), abs(weekly_autocorr))
            if seasonal_strength > 0.3:
                period = 24 if abs(daily_autocorr) > abs(weekly_autocorr) else 168
                return {
                    "seasonal": True,
                    "period": period,
                    "strength": seasonal_strength,
                    "daily_autocorr": daily_autocorr,
                    "weekly_autocorr": weekly_autocorr,
                }
            return {"seasonal": False, "period": None, "strength": seasonal_strength}
        except Exception as e:
            logger.error(f"Error detecting seasonality: {e}")
            return {"seasonal": False, "period": None, "strength": 0.0}

    def _fit_linear_trend_model(self, df: pd.DataFrame, target: str) -> Optional[Dict[str, Any]]:
        try:
            if len(df) < 10:
                return None
            X = df[CALENDAR_COLUMNS].copy()
            X["time_index"] = range(len(df))
            X = X.fillna(0)
            y = df[target].fillna(method="ffill").fillna(0)
            model = LinearRegression()
            model.fit(X, y)
            y_pred = model.predict(X)
            mae = mean_absolute_error(y, y_pred)
            mse = mean_squared_error(y, y_pred)
            r2 = r2_score(y, y_pred)
            return {
                "model": model,
                "features": list(X.columns),
                "performance": {"mae": mae, "mse": mse, "r2": r2},
                "trend_coefficient": model.coef_[-1],
                "predictions": y_pred,
            }
        except Exception as e:
            logger.error(f"Error fitting linear trend model: {e}")
            return None

    def _fit_ensemble_model(self, df: pd.DataFrame, target: str, n_jobs: int = -1) -> Optional[Dict[str, Any]]:
        """``n_jobs=-1`` as written; the one-thread column passes 1."""
        try:
            if len(df) < 20:
                return None
            X = df[CALENDAR_COLUMNS].copy()
            X["time_index"] = range(len(df))
            X["rolling_mean_24h"] = df[target].rolling(window=24, min_periods=1).mean()
            X["rolling_std_24h"] = df[target].rolling(window=24, min_periods=1).std()
            X["lag_24h"] = df[target].shift(24)
            X["lag_168h"] = df[target].shift(168)
            X = X.fillna(method="ffill").fillna(0)
            y = df[target].fillna(method="ffill").fillna(0)
            model = RandomForestRegressor(n_estimators=50, max_depth=10, random_state=42, n_jobs=n_jobs)
            model.fit(X, y)
            y_pred = model.predict(X)
            mae = mean_absolute_error(y, y_pred)
            mse = mean_squared_error(y, y_pred)
            r2 = r2_score(y, y_pred)
            feature_importance = dict(zip(X.columns, model.feature_importances_))
            return {
                "model": model,
                "features": list(X.columns),
                "performance": {"mae": mae, "mse": mse, "r2": r2},
                "feature_importance": feature_importance,
                "predictions": y_pred,
            }
        except Exception as e:
            logger.error(f"Error fitting ensemble model: {e}")
            return None


@dataclass
class PredictionResult:
    """The original's forecast record."""

    metric_name: str
    prediction_horizon: int
    predicted_value: float
    confidence_interval: tuple
    model_confidence: float
    timestamp: datetime
    forecast_type: str
    recommendations: List[str] = field(default_factory=list)


@dataclass
class CapacityRecommendation:
    """The original's capacity record."""

    resource_type: str
    current_usage: float
    predicted_usage: float
    time_to_capacity: Optional[int]
    recommended_action: str
    urgency: str
    cost_impact: Optional[float] = None


class CapacityPlanner:
    """``CapacityPlanner``: thresholds, time to capacity, urgency rules."""

    def __init__(self, forecaster: TimeSeriesForecaster):
        self.forecaster = forecaster
        self.capacity_thresholds = {
            "cpu_usage": 80,
            "memory_usage": 85,
            "disk_usage": 90,
            "node_count": 10000,
            "active_sessions": 1000,
        }
        self.cost_per_unit = {"cpu": 0.05, "memory": 0.01, "storage": 0.001}

    def analyze_capacity_needs(self, current_metrics: Dict[str, float]) -> List[CapacityRecommendation]:
        recommendations = []
        try:
            for resource, current_value in current_metrics.items():
                threshold = self.capacity_thresholds.get(resource)
                if not threshold:
                    continue
                if "usage" in resource:
                    current_usage_percent = current_value
                else:
                    current_usage_percent = (current_value / threshold) * 100
                forecast = self.forecaster.forecast_metric(resource, 24)
                if forecast:
                    predicted_value = forecast.predicted_value
                    if "usage" in resource:
                        predicted_usage_percent = predicted_value
                    else:
                        predicted_usage_percent = (predicted_value / threshold) * 100
                    time_to_capacity = self._calculate_time_to_capacity(current_value, predicted_value, threshold)
                    recommendation = self._generate_capacity_recommendation(
                        resource, current_usage_percent, predicted_usage_percent, time_to_capacity
                    )
                    if recommendation:
                        recommendations.append(recommendation)
        except Exception as e:
            logger.error(f"Error analyzing capacity needs: {e}")
        return recommendations

    def _calculate_time_to_capacity(self, current, predicted, threshold) -> Optional[int]:
        if predicted <= current:
            return None
        growth_rate_per_hour = (predicted - current) / 24
        hours_to_capacity = (threshold - current) / growth_rate_per_hour
        return max(0, int(hours_to_capacity))

    def _generate_capacity_recommendation(self, resource, current_usage, predicted_usage, time_to_capacity):
        if current_usage >= 90:
            urgency, action = "critical", "Immediate scaling required"
        elif current_usage >= 80:
            urgency, action = "high", "Plan scaling within 24 hours"
        elif predicted_usage >= 80:
            urgency, action = "medium", "Monitor closely and prepare scaling plan"
        elif time_to_capacity and time_to_capacity <= 72:
            urgency, action = "medium", f"Capacity limit expected in {time_to_capacity} hours"
        else:
            urgency, action = "low", "No immediate action required"
        if urgency == "low" and current_usage < 60:
            return None
        cost_impact = None
        if resource in ("cpu_usage", "memory_usage"):
            base_cost = self.cost_per_unit["cpu" if resource == "cpu_usage" else "memory"]
            cost_impact = base_cost * 24 * 30
        return CapacityRecommendation(
            resource_type=resource,
            current_usage=current_usage,
            predicted_usage=predicted_usage,
            time_to_capacity=time_to_capacity,
            recommended_action=action,
            urgency=urgency,
            cost_impact=cost_impact,
        )


@dataclass
class TrendAnalysis:
    """The original's trend record."""

    metric_name: str
    trend_direction: str
    trend_strength: float
    change_points: List[Any] = field(default_factory=list)
    current_health: str = "good"
    correlation: float = 0.0


def analyze_trends(historical_data: pd.DataFrame) -> List[TrendAnalysis]:
    """``PredictiveAnalyticsEngine._analyze_trends`` on its historical frame
    (the engine's ``self.historical_data``)."""
    trends = []
    try:
        for column in historical_data.select_dtypes(include=[np.number]).columns:
            values = historical_data[column].dropna()
            if len(values) < 24:
                continue
            x = np.arange(len(values))
            correlation = np.corrcoef(x, values.values)[0, 1]
            if correlation > 0.3:
                direction = "increasing"
                strength = abs(correlation)
            elif correlation < -0.3:
                direction = "decreasing"
                strength = abs(correlation)
            else:
                direction = "stable"
                strength = 1 - abs(correlation)
            current_value = values.iloc[-1]
            mean_value = values.mean()
            if column in ["duration", "latency"]:
                health = "good" if current_value < mean_value * 1.2 else "degraded"
            else:
                if current_value > mean_value * 1.5:
                    health = "degraded"
                elif current_value < mean_value * 0.5:
                    health = "critical"
                else:
                    health = "good"
            trends.append(
                TrendAnalysis(
                    metric_name=column,
                    trend_direction=direction,
                    trend_strength=strength,
                    change_points=[],
                    current_health=health,
                    correlation=correlation,
                )
            )
    except Exception as e:
        logger.error(f"Error analyzing trends: {e}")
    return trends


def assess_overall_health(trends: List[TrendAnalysis]) -> str:
    """``_assess_overall_health``: the mean score of the metrics' health
    labels (the catalog's "anything else 2" covers labels outside the map)."""
    if not trends:
        return "unknown"
    health_scores = {"excellent": 4, "good": 3, "degraded": 2, "critical": 1}
    scores = [health_scores.get(t.current_health, 2) for t in trends]
    avg_score = np.mean(scores)
    if avg_score >= 3.5:
        return "excellent"
    elif avg_score >= 2.5:
        return "good"
    elif avg_score >= 1.5:
        return "degraded"
    return "critical"


# --- the harness's hooks ----------------------------------------------------


def frame(timestamps, data, rows, cols):
    """The frame the engine trains on: a ``timestamp`` column of naive
    datetimes (``datetime64[ns]``, from seconds of wall-clock time) and one
    float column per metric, ``metric_0`` …"""
    values = np.asarray(data, dtype=np.float64).reshape(rows, cols)
    df = pd.DataFrame(values, columns=[f"metric_{j}" for j in range(cols)])
    df.insert(0, "timestamp", pd.to_datetime(np.asarray(timestamps, dtype=np.int64), unit="s"))
    return df


def prepared_frame(timestamps, data, rows, cols):
    """A forecaster and the frame after ``_prepare_time_features`` (done
    outside the timed call for the kernels that start from it)."""
    forecaster = TimeSeriesForecaster()
    return forecaster, forecaster._prepare_time_features(frame(timestamps, data, rows, cols))


def metric_columns(df):
    """``train_forecasting_models``' metric columns: numeric, not a
    calendar column (names starting 'hour', 'day_', 'month', 'is_')."""
    numeric = df.select_dtypes(include=[np.number]).columns
    return [c for c in numeric if not c.startswith(("hour", "day_", "month", "is_"))]


def calendar_features_prepare(timestamps, data, rows, cols):
    return TimeSeriesForecaster(), frame(timestamps, data, rows, cols)


def calendar_features(prepared):
    forecaster, df = prepared
    return forecaster._prepare_time_features(df)


def calendar_features_output(df, prepared):
    """The six calendar columns, column after column, then each row's
    position in the input (the sort)."""
    _, original = prepared
    order = np.argsort(original["timestamp"].to_numpy(), kind="stable")
    columns = [df[c].to_numpy(dtype=np.float64) for c in CALENDAR_COLUMNS]
    return np.concatenate(columns + [order.astype(np.float64)])


seasonality_prepare = prepared_frame


def seasonality(prepared):
    """``_detect_seasonality`` of every metric column, as training runs it."""
    forecaster, df = prepared
    return [forecaster._detect_seasonality(df[m]) for m in metric_columns(df)]


def seasonality_output(results, prepared):
    """Per metric: seasonal (0/1), period (0 for None), strength, daily and
    weekly autocorrelation (NaN where the dict has none)."""
    out = []
    for r in results:
        out += [
            float(r["seasonal"]),
            float(r["period"] or 0),
            float(r["strength"]),
            float(r.get("daily_autocorr", np.nan)),
            float(r.get("weekly_autocorr", np.nan)),
        ]
    return np.asarray(out, dtype=np.float64)


def _fit_output(fit):
    """``[MAE, MSE, R², predictions…]``, or nothing for no model."""
    if fit is None:
        return np.zeros(0)
    p = fit["performance"]
    return np.concatenate([[p["mae"], p["mse"], p["r2"]], np.asarray(fit["predictions"], dtype=np.float64)])


linear_trend_prepare = prepared_frame


def linear_trend(prepared):
    """``_fit_linear_trend_model`` on the first metric."""
    forecaster, df = prepared
    return forecaster._fit_linear_trend_model(df, metric_columns(df)[0])


def linear_trend_output(fit, prepared):
    return _fit_output(fit)


random_forest_prepare = prepared_frame


def random_forest(prepared):
    """``_fit_ensemble_model`` on the first metric, ``n_jobs=-1`` as written."""
    forecaster, df = prepared
    return forecaster._fit_ensemble_model(df, metric_columns(df)[0])


def random_forest_one_thread(prepared):
    """The same with ``n_jobs=1``: the like-for-like figure for the
    single-threaded twin."""
    forecaster, df = prepared
    return forecaster._fit_ensemble_model(df, metric_columns(df)[0], n_jobs=1)


random_forest_output = linear_trend_output
random_forest_one_thread_prepare = prepared_frame
random_forest_one_thread_output = linear_trend_output


def trends_prepare(timestamps, data, rows, cols):
    """The engine's historical data: the raw frame (its numeric columns are
    the metrics; the timestamp column is not numeric)."""
    return frame(timestamps, data, rows, cols)


def trends(historical):
    analyses = analyze_trends(historical)
    return analyses, assess_overall_health(analyses)


def trends_output(result, historical):
    """Per analysed metric: its column, r, direction code, strength, health
    code; then the overall health code."""
    analyses, overall = result
    columns = list(historical.columns)
    out = []
    for t in analyses:
        out += [
            float(columns.index(t.metric_name) - 1),
            float(t.correlation),
            float(DIRECTION_CODES[t.trend_direction]),
            float(t.trend_strength),
            float(HEALTH_CODES[t.current_health]),
        ]
    out.append(float(HEALTH_CODES[overall]))
    return np.asarray(out, dtype=np.float64)


# --- forecasts and capacity on given predictions ------------------------------

#: The metric names the generated cases use (index = the case's column 0):
#: the planner's five resources and three names the forecast's
#: recommendation rules look for.
CASE_METRICS = [
    "cpu_usage",
    "memory_usage",
    "disk_usage",
    "node_count",
    "active_sessions",
    "search_operations",
    "query_duration_seconds",
    "graphmemory_nodes_total",
]
MODEL_CODES = {"linear": 0, "ensemble": 1}
URGENCY_CODES = {"critical": 0, "high": 1, "medium": 2, "low": 3}
RECOMMENDATION_BITS = {
    "Low model confidence - collect more historical data": 1,
    "High node count predicted - consider scaling graph storage": 2,
    "Low node count predicted - check data ingestion": 4,
    "High search volume predicted - consider search index optimization": 8,
    "High operation duration predicted - investigate performance bottlenecks": 16,
    "Long-term forecast - monitor for accuracy and retrain regularly": 32,
}


class GivenModel:
    """Stands in for a fitted model: ``predict`` returns the case's raw
    prediction (so both sides post-process the same number) and keeps the
    frame it was asked about, so the feature vector is compared too."""

    def __init__(self, prediction):
        self.prediction = prediction
        self.asked = None

    def predict(self, X):
        self.asked = X
        return np.array([self.prediction])


def _fit(r2, prediction, columns):
    if np.isnan(r2):
        return None
    return {"model": GivenModel(prediction), "features": columns, "performance": {"r2": r2}}


LINEAR_FEATURES = CALENDAR_COLUMNS + ["time_index"]
ENSEMBLE_FEATURES = LINEAR_FEATURES + ["rolling_mean_24h", "rolling_std_24h", "lag_24h", "lag_168h"]


def cases_prepare(data, rows, cols):
    """Per case: its metric, hours ahead, the clock (a naive datetime), the
    two fits (``None`` for a NaN R²) and the current value."""
    table = np.asarray(data, dtype=np.float64).reshape(rows, cols)
    cases = []
    for metric, hours, now, linear_r2, ensemble_r2, prediction, current in table:
        cases.append(
            (
                CASE_METRICS[int(metric)],
                int(hours),
                datetime(1970, 1, 1) + timedelta(seconds=int(now)),
                _fit(linear_r2, prediction, LINEAR_FEATURES),
                _fit(ensemble_r2, prediction, ENSEMBLE_FEATURES),
                float(current),
            )
        )
    return cases


def _forecaster_for(case):
    metric, _, now, linear, ensemble, _ = case
    forecaster = TimeSeriesForecaster(clock=lambda: now)
    forecaster.is_trained = True
    return forecaster, forecaster.select_model(metric, linear, ensemble)


forecast_point_prepare = cases_prepare


def forecast_point(cases):
    """Per case: the model choice, then ``forecast_metric(metric, hours)``."""
    out = []
    for case in cases:
        forecaster, selected = _forecaster_for(case)
        out.append((forecaster, selected, forecaster.forecast_metric(case[0], case[1])))
    return out


def forecast_point_output(results, cases):
    """Per case 18 values: model code (−1 none), horizon, the 11 features the
    model was asked about (NaN past a linear model's 7), the prediction, the
    interval, the confidence and the recommendation bits; NaN after the
    model code when there is no forecast."""
    out = []
    for (forecaster, selected, forecast), case in zip(results, cases):
        row = [float(MODEL_CODES.get(selected.get("best_model"), -1)) if selected["status"] == "success" else -1.0]
        if forecast is None:
            row += [np.nan] * 17
        else:
            info = forecaster.models[case[0]]
            asked = info[info["best_model"]]["model"].asked.to_numpy(dtype=np.float64)[0]
            features = list(asked) + [np.nan] * (11 - len(asked))
            bits = sum(RECOMMENDATION_BITS[r] for r in forecast.recommendations)
            row += [float(forecast.prediction_horizon)] + features
            row += [
                forecast.predicted_value,
                float(forecast.confidence_interval[0]),
                float(forecast.confidence_interval[1]),
                float(forecast.model_confidence),
                float(bits),
            ]
        out += row
    return np.asarray(out, dtype=np.float64)


capacity_planning_prepare = cases_prepare


def capacity_planning(cases):
    """Per case: ``analyze_capacity_needs({metric: current})`` with the case's
    models as the forecaster's (the planner forecasts 24 hours ahead)."""
    out = []
    for case in cases:
        forecaster, _ = _forecaster_for(case)
        out.append(CapacityPlanner(forecaster).analyze_capacity_needs({case[0]: case[5]}))
    return out


def capacity_planning_output(results, cases):
    """Per case 5 values: urgency code (−1 for no recommendation), current
    and predicted usage, hours to capacity (−1 for None), cost (NaN for
    None)."""
    out = []
    for recs in results:
        if not recs:
            out += [-1.0, np.nan, np.nan, -1.0, np.nan]
            continue
        r = recs[0]
        out += [
            float(URGENCY_CODES[r.urgency]),
            float(r.current_usage),
            float(r.predicted_usage),
            -1.0 if r.time_to_capacity is None else float(r.time_to_capacity),
            np.nan if r.cost_impact is None else float(r.cost_impact),
        ]
    return np.asarray(out, dtype=np.float64)


# --- the forest's predict alone ---------------------------------------------


def _ensemble_design(df, target):
    """The design and target ``_fit_ensemble_model`` builds (its code, without
    the fit)."""
    X = df[CALENDAR_COLUMNS].copy()
    X["time_index"] = range(len(df))
    X["rolling_mean_24h"] = df[target].rolling(window=24, min_periods=1).mean()
    X["rolling_std_24h"] = df[target].rolling(window=24, min_periods=1).std()
    X["lag_24h"] = df[target].shift(24)
    X["lag_168h"] = df[target].shift(168)
    X = X.fillna(method="ffill").fillna(0)
    y = df[target].fillna(method="ffill").fillna(0)
    return X, y


def forest_predict_prepare(timestamps, data, rows, cols, n_jobs=-1):
    """The original's forest fitted on the first metric (outside the timed
    call), its design and target."""
    _, df = prepared_frame(timestamps, data, rows, cols)
    X, y = _ensemble_design(df, metric_columns(df)[0])
    model = RandomForestRegressor(n_estimators=50, max_depth=10, random_state=42, n_jobs=n_jobs)
    model.fit(X, y)
    return model, X, y


def forest_predict(prepared):
    """``model.predict(X)``, as ``_fit_ensemble_model`` calls it after the fit."""
    model, X, _ = prepared
    return model.predict(X)


def forest_predict_output(predictions, prepared):
    _, _, y = prepared
    return np.concatenate(
        [
            [mean_absolute_error(y, predictions), mean_squared_error(y, predictions), r2_score(y, predictions)],
            np.asarray(predictions, dtype=np.float64),
        ]
    )


def forest_predict_one_thread_prepare(timestamps, data, rows, cols):
    return forest_predict_prepare(timestamps, data, rows, cols, n_jobs=1)


forest_predict_one_thread = forest_predict
forest_predict_one_thread_output = forest_predict_output
