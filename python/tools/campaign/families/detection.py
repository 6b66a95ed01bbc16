"""The AI-detection family: the three ``GraphMemoryAnomalyPatterns``
detectors (catalog ml_monitoring K1.1-K1.3) on generated metric frames.

The originals are the faithful baselines (python_baselines/
twinbench_baselines/detect.py, which the runner puts on ``sys.path``); they
run on the server's pins.
"""

import random
from typing import Iterator

import numpy as np
import pandas as pd
from twinbench_baselines import detect as original

from campaign.case import Case
from campaign.compare import comparer
from twinbench import detection as twin

FAMILY = "detection"
PINS = "main"

_FUNCTIONS = (
    # (name, original, twin, harness pair, metric column, series kind)
    ("detect_node_creation_anomalies", original.spike_detector, twin.detect_node_creation_anomalies,
     "spike_detector", original.NODE_OPERATIONS, "spiky"),
    ("detect_search_anomalies", original.search_flood, twin.detect_search_anomalies,
     "search_flood", original.SEARCH_OPERATIONS, "counter"),
    ("detect_memory_growth_anomalies", original.memory_growth, twin.detect_memory_growth_anomalies,
     "memory_growth", original.TOTAL_NODES, "growth"),
)


def metric_series(kind, n, gen):
    """A metric as the monitor scrapes it: ``spiky`` a level with noise and
    rare bursts (node operations), ``counter`` a cumulative count with
    bursts of searches, ``growth`` a node count growing a little each
    scrape with occasional jumps (and drops)."""
    if n == 0:
        return np.empty(0)
    if kind == "spiky":
        values = gen.normal(gen.uniform(10, 5_000), gen.uniform(0.5, 50), n)
        hits = gen.choice(n, size=max(1, n // gen.integers(20, 200)), replace=True)
        values[hits] += gen.uniform(5, 40) * gen.uniform(1, 25, hits.size)
        return values
    if kind == "counter":
        rates = gen.poisson(gen.uniform(1, 200), n).astype(np.float64)
        hits = gen.choice(n, size=max(1, n // gen.integers(15, 300)), replace=True)
        rates[hits] *= gen.uniform(2, 30, hits.size)
        return np.cumsum(rates) + gen.integers(0, 10_000)
    steps = gen.normal(gen.uniform(0.0, 0.03), gen.uniform(0.005, 0.06), n)
    jumps = gen.choice(n, size=max(1, n // gen.integers(10, 100)), replace=True)
    steps[jumps] += gen.uniform(-0.3, 0.5, jumps.size)
    return np.maximum(gen.uniform(100, 1e6) * np.cumprod(1 + steps), 0.0)


def metric_frame(column, values, rng, gen):
    """The frame ``_fetch_metrics`` hands the detectors: a ``timestamp``
    column and the metric; sometimes the metric as integers, a few NaN
    scrapes, a non-default index, an extra column, or no metric at all."""
    n = len(values)
    if rng.random() < 0.2 and np.all(np.abs(values) < 2.0**53):
        values = np.rint(values).astype(np.int64)
    elif rng.random() < 0.15 and n:
        values = values.copy()
        values[gen.choice(n, size=max(1, n // 50), replace=False)] = np.nan
    start = pd.Timestamp("2026-01-01") + pd.Timedelta(seconds=rng.randrange(0, 86_400 * 365))
    freq = rng.choice(["15s", "1min", "5min"])
    data = {"timestamp": pd.date_range(start, periods=n, freq=freq)}
    if rng.random() < 0.03:
        data["other_metric"] = values
    else:
        data[column] = values
    if rng.random() < 0.3:
        data["graphmemory_memory_bytes"] = gen.uniform(1e6, 1e9, n)
    frame = pd.DataFrame(data)
    if rng.random() < 0.15:
        frame.index = frame.index * rng.randrange(2, 5) + rng.randrange(0, 1_000)
    return frame


def cases(rng: random.Random, count: int) -> Iterator[Case]:
    """``count`` detector calls, the three detectors in turn, each on a
    fresh frame of 0 to ~1,500 scrapes (mostly a few hundred)."""
    for i in range(count):
        name, before, after, pair, column, kind = _FUNCTIONS[i % len(_FUNCTIONS)]
        gen = np.random.default_rng(rng.getrandbits(64))
        n = rng.choice([0, 1, 2, 19, 20, 21]) if rng.random() < 0.05 else int(rng.triangular(22, 1_500, 200))
        frame = metric_frame(column, metric_series(kind, n, gen), rng, gen)
        yield Case(name, before, after, comparer(pair), (frame,), {})
