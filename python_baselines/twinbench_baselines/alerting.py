"""The alerting system's 2-sigma anomaly rule (catalog analytics.md K28:
``MetricEvaluator._detect_anomaly`` in alerting_system.py at
9455c19), evaluated as values arrive.

The original fetches its history from the database (the 100 most recent
values of the last 24 hours, ``ORDER BY timestamp DESC LIMIT 100``); here
the history of position ``i`` is the up-to-100 values before it, so the
rule's arithmetic is what is timed, not a query.
"""

import statistics

import numpy as np

#: The original's ``LIMIT 100`` and its minimum of 10 values.
WINDOW = 100
MINIMUM = 10


def prepare(values):
    """The stream as the Python floats the database driver returns."""
    return [float(v) for v in np.asarray(values, dtype=np.float64)]


def _detect_anomaly(values, current_value):
    """The original's rule on one value: at least 10 values, then
    ``abs(current - statistics.mean) > 2 * statistics.stdev`` (sample
    deviation, exact rational arithmetic); any exception means False."""
    try:
        if len(values) < MINIMUM:
            return False
        mean = statistics.mean(values)
        stdev = statistics.stdev(values)
        return abs(current_value - mean) > 2 * stdev
    except Exception:
        return False


def two_sigma(stream):
    """Every position's verdict, in order; the flagged positions."""
    flagged = []
    for i, current_value in enumerate(stream):
        history = stream[max(0, i - WINDOW):i]
        if _detect_anomaly(history, current_value):
            flagged.append(i)
    return flagged


def output(flagged, stream):
    """(position, value, mean of its history, severity 0) per flagged
    position; the mean is recomputed here, outside the timed call."""
    n = len(flagged)
    means = [statistics.mean(stream[max(0, i - WINDOW):i]) for i in flagged]
    return (
        np.asarray(flagged, dtype=np.int64),
        np.fromiter((stream[i] for i in flagged), dtype=np.float64, count=n),
        np.asarray(means, dtype=np.float64).reshape(n),
        np.zeros(n, dtype=np.int64),
    )
