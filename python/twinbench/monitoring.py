"""The monitoring twins under the original's names and return types, so the
service can call them in place of the originals.

``GraphMemoryAnomalyPatterns.detect_node_creation_anomalies(data)``
(monitoring/ai_detection/anomaly_detector.py at 9455c19) is a method of a
class with no state it reads; here it is a function of the same frame,
returning the same list of dicts: the same keys, a ``pd.Timestamp`` from the
frame, the value as a scalar of the column's dtype (numpy float64, or int64
for an integer count) and a numpy float64 baseline, the same description
text.
"""

import numpy as np

from . import _twinbench as _tb

NODE_OPERATIONS = "graphmemory_node_operations_total"


def detect_node_creation_anomalies(data):
    """Node-creation spikes of ``data`` (a DataFrame with a ``timestamp``
    column): rows above the rolling-20 mean plus 3 sample standard
    deviations, ``high`` above 5; no records when the metric column is
    missing, as in the original."""
    anomalies = []
    if NODE_OPERATIONS not in data.columns:
        return anomalies
    column = data[NODE_OPERATIONS].to_numpy()
    values = np.ascontiguousarray(column, dtype=np.float64)
    rows, _, baselines, high = _tb.detect_spikes(values)
    # The original's `node_ops.loc[idx]` is a scalar of the column's own
    # dtype (numpy int64 for an integer count, not float64): read it there.
    spike_values = column[rows]
    timestamps = data["timestamp"]
    labels = data.index
    for row, value, baseline, is_high in zip(rows.tolist(), spike_values, baselines, high.tolist()):
        anomalies.append(
            {
                "type": "node_creation_spike",
                "timestamp": timestamps.loc[labels[row]],
                "value": value,
                "baseline": baseline,
                "severity": "high" if is_high else "medium",
                "description": f"Unusual spike in node creation: {value:.0f} vs baseline {baseline:.0f}",
            }
        )
    return anomalies
