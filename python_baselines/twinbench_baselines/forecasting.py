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

    def __init__(self, forecast_horizon: int = 24):
        self.forecast_horizon = forecast_horizon
        self.models: Dict[str, Any] = {}
        self.model_performance: Dict[str, Any] = {}
        self.is_trained = False

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
