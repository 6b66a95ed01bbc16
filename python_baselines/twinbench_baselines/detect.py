"""AI-detection kernels (catalog ml_monitoring.md, anomaly_detector.py)."""

import numpy as np
import pandas as pd

NODE_OPERATIONS = "graphmemory_node_operations_total"
SEVERITY_CODES = {"medium": 0, "high": 1}


#: The frame's ``timestamp`` column: one row per sample, 5 minutes apart (the
#: generator's resolution), as ``datetime64[ns]``, so a hit's timestamp is a
#: ``pd.Timestamp`` as in the original, whose real-time monitor stamps each
#: fetch with ``datetime.now()`` and ``_fetch_metrics`` pivots on that stamp and
#: ``reset_index()``es it back into a column. The origin is arbitrary and fixed
#: so that inputs are reproducible; the Rust side uses the same grid
#: (``twinbench::inputs::SPIKE_TIMESTAMPS``).
TIMESTAMP_ORIGIN = pd.Timestamp("2026-01-01T00:00:00")
TIMESTAMP_STEP = pd.Timedelta(minutes=5)


def spike_detector_prepare(values):
    """The metrics frame the detector receives: a ``timestamp`` column of
    ``datetime64[ns]`` (see ``TIMESTAMP_ORIGIN``) and the node-operations
    metric, on the default ``RangeIndex``.

    ``detect_node_creation_anomalies`` has no caller at HEAD, so which frame it
    would get is not fixed by the original; this is the shape
    ``_fetch_metrics`` produces."""
    return pd.DataFrame(
        {
            "timestamp": pd.date_range(TIMESTAMP_ORIGIN, periods=len(values), freq=TIMESTAMP_STEP),
            NODE_OPERATIONS: np.asarray(values, dtype=np.float64),
        }
    )


def spike_detector(data):
    """K1.1 ``GraphMemoryAnomalyPatterns.detect_node_creation_anomalies``
    (monitoring/ai_detection/anomaly_detector.py L82-106 at 9455c19), line for
    line: rolling-20 mean and sample std (the window includes the current row),
    spike when ``value > mean + 3*std``, ``high`` when ``value > mean + 5*std``.

    The hit loop is the original's: it walks ``spikes[spikes].index`` and does
    eight scalar ``.loc`` lookups per hit (timestamp, value, baseline, three for
    the severity test, two for the description), building the description
    with the original's text.
    """
    anomalies = []

    if NODE_OPERATIONS in data.columns:
        node_ops = data[NODE_OPERATIONS]

        rolling_mean = node_ops.rolling(window=20).mean()
        rolling_std = node_ops.rolling(window=20).std()

        spikes = node_ops > (rolling_mean + 3 * rolling_std)

        for idx in spikes[spikes].index:
            anomalies.append({
                "type": "node_creation_spike",
                "timestamp": data.loc[idx, "timestamp"],
                "value": node_ops.loc[idx],
                "baseline": rolling_mean.loc[idx],
                "severity": "high" if node_ops.loc[idx] > (rolling_mean.loc[idx] + 5 * rolling_std.loc[idx]) else "medium",
                "description": f"Unusual spike in node creation: {node_ops.loc[idx]:.0f} vs baseline {rolling_mean.loc[idx]:.0f}",
            })

    return anomalies


def spike_detector_output(anomalies, df):
    """(indices int64, values, baselines, severity codes int64) as numpy arrays;
    a hit's index is its timestamp's row on the ``TIMESTAMP_ORIGIN`` grid."""
    origin, step = TIMESTAMP_ORIGIN.value, TIMESTAMP_STEP.value
    indices = np.fromiter(
        ((a["timestamp"].value - origin) // step for a in anomalies), dtype=np.int64, count=len(anomalies)
    )
    values = np.fromiter((a["value"] for a in anomalies), dtype=np.float64, count=len(anomalies))
    baselines = np.fromiter((a["baseline"] for a in anomalies), dtype=np.float64, count=len(anomalies))
    severities = np.fromiter(
        (SEVERITY_CODES[a["severity"]] for a in anomalies), dtype=np.int64, count=len(anomalies)
    )
    return indices, values, baselines, severities


SEARCH_OPERATIONS = "graphmemory_search_operations_total"
TOTAL_NODES = "graphmemory_total_nodes"
GROWTH_SEVERITY_CODES = {"high": 0, "critical": 1}


def _metric_frame(column, values):
    """A ``timestamp`` column on the ``TIMESTAMP_ORIGIN`` grid and one metric,
    as ``spike_detector_prepare`` builds it for its metric."""
    return pd.DataFrame(
        {
            "timestamp": pd.date_range(TIMESTAMP_ORIGIN, periods=len(values), freq=TIMESTAMP_STEP),
            column: np.asarray(values, dtype=np.float64),
        }
    )


def _event_indices(records):
    origin, step = TIMESTAMP_ORIGIN.value, TIMESTAMP_STEP.value
    return np.fromiter(
        ((r["timestamp"].value - origin) // step for r in records), dtype=np.int64, count=len(records)
    )


def search_flood_prepare(values):
    """The frame ``detect_search_anomalies`` receives: the counter
    ``graphmemory_search_operations_total`` and its ``timestamp``."""
    return _metric_frame(SEARCH_OPERATIONS, values)


def search_flood(data):
    """K1.2 ``GraphMemoryAnomalyPatterns.detect_search_anomalies``
    (anomaly_detector.py L108-132 at 9455c19), line for line: the counter's
    ``diff().fillna(0)`` as the rate, its ``quantile(0.95)`` as the threshold,
    a flood where the rate exceeds twice it; one record per flood with the
    row's timestamp and the original's description."""
    anomalies = []

    if SEARCH_OPERATIONS in data.columns:
        search_ops = data[SEARCH_OPERATIONS]

        search_rate = search_ops.diff().fillna(0)
        rate_threshold = search_rate.quantile(0.95)

        floods = search_rate > rate_threshold * 2

        for idx in floods[floods].index:
            anomalies.append({
                "type": "search_flood",
                "timestamp": data.loc[idx, "timestamp"],
                "value": search_rate.loc[idx],
                "threshold": rate_threshold,
                "severity": "high",
                "description": f"Search flood detected: {search_rate.loc[idx]:.0f} searches/sec vs normal {rate_threshold:.0f}",
            })

    return anomalies


def search_flood_output(anomalies, df):
    """(row, rate, threshold, severity 0 = high) per record."""
    n = len(anomalies)
    return (
        _event_indices(anomalies),
        np.fromiter((a["value"] for a in anomalies), dtype=np.float64, count=n),
        np.fromiter((a["threshold"] for a in anomalies), dtype=np.float64, count=n),
        np.zeros(n, dtype=np.int64),
    )


def memory_growth_prepare(values):
    """The frame ``detect_memory_growth_anomalies`` receives: the node count
    ``graphmemory_total_nodes`` and its ``timestamp``."""
    return _metric_frame(TOTAL_NODES, values)


def memory_growth(data):
    """K1.3 ``GraphMemoryAnomalyPatterns.detect_memory_growth_anomalies``
    (anomaly_detector.py L134-157 at 9455c19), line for line:
    ``pct_change().fillna(0)`` (pandas 2.2 forward-fills NaNs first, with a
    FutureWarning), growth above 10% reported, above 20% critical."""
    anomalies = []

    if TOTAL_NODES in data.columns:
        node_count = data[TOTAL_NODES]

        growth_rate = node_count.pct_change().fillna(0)

        exponential_growth = growth_rate > 0.1

        for idx in exponential_growth[exponential_growth].index:
            anomalies.append({
                "type": "memory_growth_anomaly",
                "timestamp": data.loc[idx, "timestamp"],
                "growth_rate": growth_rate.loc[idx],
                "severity": "critical" if growth_rate.loc[idx] > 0.2 else "high",
                "description": f"Exponential memory growth: {growth_rate.loc[idx]:.1%} increase",
            })

    return anomalies


def memory_growth_output(anomalies, df):
    """(row, growth rate, the 0.1 limit, severity 0 = high / 1 = critical)."""
    n = len(anomalies)
    return (
        _event_indices(anomalies),
        np.fromiter((a["growth_rate"] for a in anomalies), dtype=np.float64, count=n),
        np.full(n, 0.1),
        np.fromiter((GROWTH_SEVERITY_CODES[a["severity"]] for a in anomalies), dtype=np.int64, count=n),
    )
