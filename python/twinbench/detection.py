"""The AI-detection twins under the original's names and return types, so
the service can call them in place of the originals.

``GraphMemoryAnomalyPatterns`` (monitoring/ai_detection/anomaly_detector.py
at 9455c19) holds no state its detectors read; each is a function of the
metrics frame here, returning the same list of alert dicts: the same keys,
a ``pd.Timestamp`` read from the frame's ``timestamp`` column, numpy float64
values where the original's ``.loc`` lookups return them, the same
description text. A frame without the detector's metric column has no
alerts, as in the original.

* ``detect_node_creation_anomalies`` (K1.1): see ``twinbench.monitoring``,
  re-exported here;
* ``detect_search_anomalies`` (K1.2): search floods, rates above twice the
  95th percentile of the counter's ``diff().fillna(0)``;
* ``detect_memory_growth_anomalies`` (K1.3): node-count growth above 10%
  (``pct_change`` as pandas 2.2 computes it), ``critical`` above 20%.
"""

import numpy as np

from . import _twinbench as _tb
from .monitoring import detect_node_creation_anomalies

SEARCH_OPERATIONS = "graphmemory_search_operations_total"
TOTAL_NODES = "graphmemory_total_nodes"

__all__ = [
    "detect_memory_growth_anomalies",
    "detect_node_creation_anomalies",
    "detect_search_anomalies",
]


def _column(data, name):
    """The metric column as a contiguous float64 array (a copy only when
    the frame does not hold it so); pandas raises when it cannot convert."""
    return np.ascontiguousarray(data[name].to_numpy(dtype=np.float64))


def detect_search_anomalies(data):
    """Search floods of ``data`` (a DataFrame with a ``timestamp`` column):
    one ``search_flood`` record per row whose rate (the counter's
    ``diff().fillna(0)``) exceeds twice the rates' 95th percentile, with
    that percentile as ``threshold``; none when the counter is missing."""
    anomalies = []
    if SEARCH_OPERATIONS not in data.columns:
        return anomalies
    rows, rates, threshold, descriptions = _tb.search_floods(_column(data, SEARCH_OPERATIONS))
    if not descriptions:
        return anomalies
    # Series.quantile returns a numpy float64; every record shares it.
    threshold = np.float64(threshold)
    timestamps = data["timestamp"]
    labels = data.index
    for row, rate, description in zip(rows.tolist(), rates, descriptions):
        anomalies.append(
            {
                "type": "search_flood",
                "timestamp": timestamps.loc[labels[row]],
                "value": rate,
                "threshold": threshold,
                "severity": "high",
                "description": description,
            }
        )
    return anomalies


def detect_memory_growth_anomalies(data):
    """Memory-growth anomalies of ``data`` (a DataFrame with a
    ``timestamp`` column): one ``memory_growth_anomaly`` record per row whose
    node count grew more than 10% over the previous (NaNs forward-filled,
    as pandas 2.2's ``pct_change`` does), ``critical`` above 20%; none when
    the count is missing."""
    anomalies = []
    if TOTAL_NODES not in data.columns:
        return anomalies
    rows, growth_rates, critical, descriptions = _tb.memory_growth(_column(data, TOTAL_NODES))
    timestamps = data["timestamp"]
    labels = data.index
    for row, growth_rate, is_critical, description in zip(
        rows.tolist(), growth_rates, critical.tolist(), descriptions
    ):
        anomalies.append(
            {
                "type": "memory_growth_anomaly",
                "timestamp": timestamps.loc[labels[row]],
                "growth_rate": growth_rate,
                "severity": "critical" if is_critical else "high",
                "description": description,
            }
        )
    return anomalies
