"""AI-detection kernels (catalog ml_monitoring.md, anomaly_detector.py)."""

import numpy as np
import pandas as pd

NODE_OPERATIONS = "graphmemory_node_operations_total"
SEVERITY_CODES = {"medium": 0, "high": 1}


def spike_detector_prepare(values):
    """The metrics frame the detector receives: a ``timestamp`` column (here the
    row position, so hits map back to indices) and the node-operations metric."""
    return pd.DataFrame(
        {
            "timestamp": np.arange(len(values), dtype=np.int64),
            NODE_OPERATIONS: np.asarray(values, dtype=np.float64),
        }
    )


def spike_detector(df):
    """K1.1 ``detect_node_creation_anomalies``: rolling-20 mean and sample std
    (window includes the current row), spike when ``value > mean + 3*std``,
    ``high`` when ``value > mean + 5*std``.

    The catalog does not say how the original walks the hits; this walks the
    boolean-masked rows with ``iterrows`` and reads each hit's timestamp from
    the row, which is the pandas idiom the surrounding code uses.
    """
    anomalies = []
    if NODE_OPERATIONS not in df.columns:
        return anomalies
    series = df[NODE_OPERATIONS]
    rolling_mean = series.rolling(window=20).mean()
    rolling_std = series.rolling(window=20).std()
    spikes = df[series > rolling_mean + 3 * rolling_std]
    for idx, row in spikes.iterrows():
        value = row[NODE_OPERATIONS]
        baseline = rolling_mean[idx]
        severity = "high" if value > baseline + 5 * rolling_std[idx] else "medium"
        anomalies.append(
            {
                "type": "node_creation_spike",
                "timestamp": row["timestamp"],
                "value": value,
                "baseline": baseline,
                "severity": severity,
                "description": f"Node creation spike: {value:.0f} vs baseline {baseline:.0f}",
            }
        )
    return anomalies


def spike_detector_output(anomalies, df):
    """(indices int64, values, baselines, severity codes int64) as numpy arrays."""
    indices = np.fromiter((int(a["timestamp"]) for a in anomalies), dtype=np.int64, count=len(anomalies))
    values = np.fromiter((a["value"] for a in anomalies), dtype=np.float64, count=len(anomalies))
    baselines = np.fromiter((a["baseline"] for a in anomalies), dtype=np.float64, count=len(anomalies))
    severities = np.fromiter(
        (SEVERITY_CODES[a["severity"]] for a in anomalies), dtype=np.int64, count=len(anomalies)
    )
    return indices, values, baselines, severities
