"""The alerting twins under the original's names and return types, so the
service can call them in place of the originals.

``MetricEvaluator._detect_anomaly(current_value)`` (alerting_system.py
L219-245 at 9455c19, catalog analytics K28) first fetches its history from
the database (the 100 most recent ``real_time_metrics.value`` rows of the
last 24 hours) and then applies the 2-sigma rule; a query is no kernel, so
the twin is the rule on the fetched history, ``_detect_anomaly(values,
current_value)``, as the faithful baseline (twinbench_baselines.alerting)
splits it: the service runs its query and calls this with the values.
"""

from . import _twinbench as _tb

__all__ = ["MINIMUM", "_detect_anomaly"]

#: The original's minimum history.
MINIMUM = 10


def _detect_anomaly(values, current_value):
    """Whether ``current_value`` lies more than ``2 * statistics.stdev`` from
    ``statistics.mean(values)`` (sample deviation, exact rational arithmetic,
    as the statistics module rounds): False with fewer than 10 values, and
    False wherever the original's blanket ``except`` returns it (a NaN or
    infinity in the history, a value that is not a number). ``values`` is a
    float64 numpy array (read in place) or any sequence of numbers.

    Always a ``bool``: the original's comparison gives ``numpy.bool_`` when
    fed numpy scalars (the service's query returns Python floats)."""
    try:
        return _tb.two_sigma_anomaly(values, current_value, MINIMUM)
    except TypeError:
        # Not numbers (None, str): the original's statistics or subtraction
        # raise TypeError, which its `except Exception` turns into False.
        return False
