"""The performance-monitor twins under the original's names and return
types, so the service can call them in place of the originals.

``PerformanceMonitor._categorize_graph_size(graph_size)``
(server/analytics/performance_monitor.py L108-121 at 9455c19, catalog
analytics K17) reads none of the monitor's state (its cache counters and
Prometheus gauge); here it is a function of the size, and
``PerformanceMonitor`` a stateless class holding it, so
``PerformanceMonitor()._categorize_graph_size(s)`` reads as the original's
call.
"""

from . import _twinbench as _tb

__all__ = ["PerformanceMonitor", "_categorize_graph_size"]


def _categorize_graph_size(graph_size):
    """``int(graph_size)`` bucketed: < 100 ``"small"``, < 1,000
    ``"medium"``, < 10,000 ``"large"``, else ``"extra_large"``;
    ``"unknown"`` where ``int()`` raises ValueError or TypeError.

    A ``str`` of ASCII text is parsed by the twin (Python's base-10 ``int``
    syntax); anything else goes through Python's own ``int()`` first
    (floats truncate, non-ASCII digits parse, objects with ``__int__`` or
    ``__index__`` convert) and the twin buckets the integer."""
    if type(graph_size) is str and graph_size.isascii():
        return _tb.categorize_graph_size_text(graph_size)
    try:
        size_int = int(graph_size)
    except (ValueError, TypeError):
        return "unknown"
    return _tb.categorize_graph_size_int(size_int)


class PerformanceMonitor:
    """Only the monitor's stateless bucketing: the cache counters and the
    gauge stay the service's."""

    def _categorize_graph_size(self, graph_size):
        return _categorize_graph_size(graph_size)
