"""The performance-optimizer twins under the original's names and return
types, so the service can call them in place of the originals.

``AIPerformanceOptimizer.get_performance_summary()`` (monitoring/
ai_performance_optimizer.py at 9455c19, catalog ml_monitoring K5.6) reads
one piece of the optimizer's state, its ``metrics_history`` list; here it
is a function of that list: ``get_performance_summary(optimizer.metrics_history)``.
It returns the same dict: per metric among the last 100 entries,
``{name}_avg`` (``np.mean`` of its values, a numpy float64, bit for bit)
and ``{name}_latest`` (its last value, the very object the history holds),
with the keys in the original's order (a ``set`` of the names, built from
the same sequence, iterates alike within a process).
"""

import numpy as np

from . import _twinbench as _tb

__all__ = ["get_performance_summary"]

#: The history entries the summary reads.
SUMMARY_WINDOW = 100


def get_performance_summary(metrics_history):
    """The summary of ``metrics_history`` (a list of entries with
    ``metric_name`` and ``value``): ``{}`` when it is empty. A value that is
    not a number (None, text) raises TypeError, as the original's ``np.mean``
    does; so does an int beyond 64 bits or a Decimal, which the original
    averages as Python objects (outside the twin's float64 domain)."""
    if not metrics_history:
        return {}
    recent = metrics_history[-SUMMARY_WINDOW:]
    names = [m.metric_name for m in recent]
    raw = [m.value for m in recent]
    # The original's key order: a set of the names, in the order it builds it.
    order = list(set(names))
    ids = {name: i for i, name in enumerate(order)}
    metrics = np.fromiter((ids[name] for name in names), dtype=np.uint64, count=len(names))
    numbers = np.asarray(raw)
    if numbers.dtype.kind not in "biuf":
        # None, text, objects: np.mean raises on them in the original (a
        # float64 conversion would turn None into NaN and "2.5" into 2.5).
        raise TypeError(
            f"metric values must be numbers, got {numbers.dtype} values "
            f"(e.g. {next((v for v in raw if not isinstance(v, (int, float))), raw[0])!r})"
        )
    _, means = _tb.performance_summary(metrics, np.ascontiguousarray(numbers, dtype=np.float64))
    latest = dict(zip(names, raw))
    summary = {}
    for name, mean in zip(order, means):
        summary[f"{name}_avg"] = mean
        summary[f"{name}_latest"] = latest[name]
    return summary
