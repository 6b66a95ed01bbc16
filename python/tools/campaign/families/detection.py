"""The AI-detection family: the twins of monitoring/ai_detection under the
original's names (``twinbench.monitoring``), against the faithful baselines
(python_baselines/twinbench_baselines, the original's code) on generated
metric frames: counters with noise and spikes, flat stretches, missing
scrapes (NaN), short frames, a frame without the metric.
"""

import numpy as np

from twinbench.monitoring import detect_node_creation_anomalies
from twinbench_baselines import detect as baseline

from ..case import Case

FAMILY = "detection"
PINS = "main"

#: harness/src/pairs/detect.rs SPIKE_DETECTOR: rtol 1e-9, atol 1e-9.
SPIKE_RTOL = SPIKE_ATOL = 1e-9


def same_alerts(twin, original):
    """The same alerts in the same order: equal keys, types, timestamps,
    severities, values and descriptions, baselines within the pair's
    tolerance."""
    if len(twin) != len(original):
        return f"{len(twin)} alerts vs {len(original)}"
    for i, (got, want) in enumerate(zip(twin, original)):
        if got.keys() != want.keys():
            return f"alert {i}: keys {sorted(got)} vs {sorted(want)}"
        for key in want:
            if type(got[key]) is not type(want[key]):
                return f"alert {i}: {key} is {type(got[key]).__name__}, the original's {type(want[key]).__name__}"
        for key in ("type", "timestamp", "value", "severity", "description"):
            if got[key] != want[key]:
                return f"alert {i}: {key} {got[key]!r} vs {want[key]!r}"
        b, a = float(want["baseline"]), float(got["baseline"])
        if abs(a - b) > SPIKE_ATOL + SPIKE_RTOL * abs(b):
            return f"alert {i}: baseline {a!r} vs {b!r}"
    return None


def _series(rng):
    """A node-operations counter series and its description."""
    n = int(2 ** rng.uniform(3, 11.6))
    nprng = np.random.default_rng(rng.randrange(2**32))
    level, noise = rng.uniform(10, 5000), rng.uniform(0.5, 200)
    values = nprng.normal(level, noise, n)
    what = [f"{n} samples"]
    if rng.random() < 0.5:
        values = np.round(values)
        what.append("integral")
    spikes = nprng.choice(n, size=max(1, n // rng.randint(20, 200)), replace=False)
    values[spikes] += nprng.uniform(3, 12, spikes.size) * noise
    if rng.random() < 0.2:
        start = rng.randrange(n)
        values[start : start + rng.randint(20, 60)] = level
        what.append("flat stretch")
    if rng.random() < 0.1:
        values[nprng.choice(n, size=max(1, n // 50), replace=False)] = np.nan
        what.append("missing scrapes")
    return values, ", ".join(what)


def cases(rng, count):
    for _ in range(count):
        values, what = _series(rng)
        frame = baseline.spike_detector_prepare(values)
        if rng.random() < 0.05:
            frame = frame.drop(columns=[baseline.NODE_OPERATIONS])
            what = "a frame without the metric"
        elif rng.random() < 0.2:
            frame.index = frame.index * 3 + 7
            what += ", non-default index"
        yield Case(
            "detect_node_creation_anomalies",
            baseline.spike_detector,
            detect_node_creation_anomalies,
            same_alerts,
            (frame,),
            {},
            what,
        )
