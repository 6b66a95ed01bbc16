"""The BI dashboard's group aggregations (catalog analytics.md K30:
``server/analytics/bi_dashboard.py`` ``QueryEngine._apply_aggregation``
L581-604 at 9455c19), rewritten with the same pandas calls.

The frame is the request samples' ``endpoint`` (the group key, str),
``response_time`` (float64; NaN where the status is 503: the request
timed out and no time was measured, so the NaN rules are exercised on
every stream), ``request_size`` and ``response_size`` (int64). One call
runs every aggregation the method implements, grouped by ``endpoint``:
sum, avg (``mean``), count (``size`` as ``count``), min, max, median, each
``reset_index()``-ed as the original returns them.

What differs from the original, and why:

* **No database.** The original's frame comes from a SQL query; here it
  is built from the samples outside the timed region.
* p95, p99 and unique are declared in the original's enum but return the
  data unchanged (defect D082); they are not called.
"""

from enum import Enum

import numpy as np
import pandas as pd


class MetricAggregation(Enum):
    SUM = "sum"
    AVG = "avg"
    COUNT = "count"
    MIN = "min"
    MAX = "max"
    MEDIAN = "median"


class QueryEngine:
    def _apply_aggregation(self, data, aggregation, group_by):
        if group_by and len(group_by) > 0:
            grouped = data.groupby(group_by)
            if aggregation == MetricAggregation.SUM:
                return grouped.sum().reset_index()
            elif aggregation == MetricAggregation.AVG:
                return grouped.mean().reset_index()
            elif aggregation == MetricAggregation.COUNT:
                return grouped.size().to_frame('count').reset_index()
            elif aggregation == MetricAggregation.MIN:
                return grouped.min().reset_index()
            elif aggregation == MetricAggregation.MAX:
                return grouped.max().reset_index()
            elif aggregation == MetricAggregation.MEDIAN:
                return grouped.median().reset_index()
        return data


def group_aggregations_prepare(columns):
    names = list(columns["endpoints"])
    endpoint = np.asarray(columns["endpoint"])
    response_time = np.asarray(columns["response_time"], dtype=np.float64).copy()
    response_time[np.asarray(columns["status"]) == 503] = np.nan
    frame = pd.DataFrame({
        "endpoint": pd.Series([names[e] for e in endpoint.tolist()], dtype=object),
        "response_time": response_time,
        "request_size": np.asarray(columns["request_size"], dtype=np.int64),
        "response_size": np.asarray(columns["response_size"], dtype=np.int64),
    })
    return frame, {name: k for k, name in enumerate(names)}


def group_aggregations(prepared):
    frame, _ = prepared
    engine = QueryEngine()
    return [engine._apply_aggregation(frame, aggregation, ["endpoint"])
            for aggregation in MetricAggregation]


def group_aggregations_output(results, prepared):
    """Per aggregation (enum order) ``[k, endpoint codes in group order...,
    int64 cells row-major...]`` with its float64 cells row-major as
    values."""
    _, codes = prepared
    flat, offsets, values = [], [0], []
    for k, result in enumerate(results):
        flat.append(k)
        flat.extend(codes[name] for name in result["endpoint"].tolist())
        cells = [c for c in result.columns if c != "endpoint"]
        for row in range(len(result)):
            for c in cells:
                v = result[c].iloc[row]
                if result[c].dtype.kind == "f":
                    values.append(float(v))
                else:
                    flat.append(int(v))
        offsets.append(len(flat))
    return (np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64),
            np.asarray(values, dtype=np.float64))
