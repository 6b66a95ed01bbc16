"""The optimizer family: ``AIPerformanceOptimizer.get_performance_summary``
(catalog ml_monitoring K5.6) on generated metric histories, as the
optimizer's collection loop appends them: a handful of metric kinds
interleaved, a few to a few hundred entries.

The original is the faithful baseline (python_baselines/
twinbench_baselines/optimizer.py), on the server's pins; its method reads
the optimizer's ``metrics_history``, so the original side here is the
method on an optimizer holding the case's history, the twin side the
function of that history.
"""

import random
from datetime import datetime, timedelta
from typing import Iterator

from twinbench_baselines import optimizer as original

from campaign.case import Case
from campaign.compare import comparer
from twinbench import optimizer as twin

FAMILY = "optimizer"
PINS = "main"

_METRICS = ["cpu_usage", "memory_usage", "response_time", "error_rate", "throughput", "queue_depth", "cache_hit_rate"]
_COMPONENTS = ["api", "graph", "search", "worker"]
_START = datetime(2026, 1, 1)


def history(rng):
    """Entries of 1 to 7 metric kinds, each around its own level."""
    kinds = rng.sample(_METRICS, rng.randint(1, len(_METRICS)))
    levels = {k: rng.choice([0.5, 40.0, 250.0, 1e4, 1e9]) for k in kinds}
    size = rng.choice([0, 1, 2, 99, 100, 101]) if rng.random() < 0.1 else int(rng.triangular(1, 400, 120))
    whole = rng.random() < 0.1
    entries = []
    for i in range(size):
        kind = rng.choice(kinds)
        value = rng.gauss(levels[kind], levels[kind] * 0.2)
        entries.append(original.PerformanceMetric(
            metric_name=kind,
            value=float(round(value)) if whole else value,
            timestamp=_START + timedelta(seconds=30 * i),
            component=rng.choice(_COMPONENTS),
        ))
    return entries


def original_summary_of(optimizer):
    """The original's method on ``optimizer`` holding the given history."""

    def get_performance_summary(metrics_history):
        optimizer.metrics_history = metrics_history
        return optimizer.get_performance_summary()

    return get_performance_summary


def cases(rng: random.Random, count: int) -> Iterator[Case]:
    before = original_summary_of(original.AIPerformanceOptimizer())
    compare = comparer("optimizer_summary")
    for _ in range(count):
        yield Case("AIPerformanceOptimizer.get_performance_summary", before, twin.get_performance_summary,
                   compare, (history(rng),), {})
