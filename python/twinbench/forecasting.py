"""The forecasting twins under the original's names and return types, so
the service can call them in place of the originals.

``TimeSeriesForecaster._detect_seasonality(series)`` (monitoring/
predictive_analytics.py at 9455c19, catalog ml_monitoring K2.2) reads none
of the forecaster's state; here it is a function of the series, returning
the same dict: ``seasonal`` (bool), ``period`` (24, 168 or None),
``strength``, and on the seasonal branch ``daily_autocorr`` and
``weekly_autocorr``. The numbers have the original's types: numpy float64
where ``Series.autocorr`` computed them, the Python float ``0.0`` where the
original writes the literal (``strength`` of a series under 168 rows, the
weekly autocorrelation of one under 336 rows), and the Python float NaN
where pandas returns it (no pair of values at the lag).

The original runs under the monitoring package's pins (numpy 1.26.3,
pandas 2.2.0); the twin's autocorrelations agree with either pin set's
within the harness's tolerance (1e-10 absolute: numpy's BLAS sums run in
an unspecified order).
"""

import numpy as np

from . import _twinbench as _tb

__all__ = ["_detect_seasonality"]

#: The original's answer for a short series, and on any exception.
_NOT_SEASONAL = {"seasonal": False, "period": None, "strength": 0.0}


def _detect_seasonality(series):
    """The seasonality of ``series`` (a pandas Series, one row per hour):
    ``Series.autocorr`` at lag 24 and, from 336 rows, at 168; strength
    Python's ``max`` of their magnitudes; seasonal above 0.3, with the
    period of the larger. A series whose values are not numbers gives the
    original's fallback (it logs and returns not seasonal, strength 0.0)."""
    if len(series) < 168:
        return dict(_NOT_SEASONAL)
    try:
        values = np.ascontiguousarray(series.to_numpy(dtype=np.float64))
    except (TypeError, ValueError):
        # The original's `except Exception` around autocorr on such data.
        return dict(_NOT_SEASONAL)
    seasonal, period, strength, daily, weekly = _tb.detect_seasonality(values)
    # A NaN strength is the daily autocorrelation's (Python's max keeps a
    # NaN first argument), so it has its type.
    strength = _autocorr_type(values, 24, strength)
    if not seasonal:
        return {"seasonal": False, "period": None, "strength": strength}
    return {
        "seasonal": True,
        "period": period,
        "strength": strength,
        "daily_autocorr": _autocorr_type(values, 24, daily),
        "weekly_autocorr": _autocorr_type(values, 168, weekly) if len(series) >= 336 else weekly,
    }


def _autocorr_type(values, lag, r):
    """``r`` as ``Series.autocorr(lag)`` types it: numpy float64, except the
    Python float NaN pandas returns when no pair ``(x[i], x[i - lag])`` has
    both values (``nanops.nancorr``'s early return); with a pair, even a
    NaN comes from numpy."""
    if r == r:
        return np.float64(r)
    present = ~np.isnan(values)
    return np.float64(r) if (present[lag:] & present[:-lag]).any() else float("nan")
