"""The alerting family: the alerting system's 2-sigma rule
(``MetricEvaluator._detect_anomaly``, catalog analytics K28) on generated
histories, as the original receives them from its query: up to 100 Python
floats, the newest value beside them.

The harness files this pair (``two_sigma``) under detection; it is the
alerting system's rule, so the campaign counts it here. The original is
the faithful baseline (python_baselines/twinbench_baselines/alerting.py),
on the server's pins.
"""

import random
from typing import Iterator

from twinbench_baselines import alerting as original

from campaign.case import Case
from campaign.compare import comparer
from twinbench import alerting as twin

FAMILY = "alerting"
PINS = "main"


def history(rng):
    """Up to 100 recent values of one metric (the query's ``LIMIT 100``):
    a level with noise, sometimes whole numbers, sometimes a constant run,
    rarely a NaN or infinity (which the original's statistics reject)."""
    size = rng.choice([0, 1, 2, 9, 10, 11]) if rng.random() < 0.1 else rng.randint(10, 100)
    level = rng.choice([0.0, 1.0, 50.0, 1e3, 1e6, -20.0, 1e-3])
    spread = abs(level) * rng.uniform(0.001, 0.5) + rng.uniform(0, 2)
    if rng.random() < 0.05:
        values = [level] * size
    else:
        values = [rng.gauss(level, spread) for _ in range(size)]
    if rng.random() < 0.1:
        values = [float(round(v)) for v in values]
    if size and rng.random() < 0.03:
        values[rng.randrange(size)] = rng.choice([float("nan"), float("inf"), -float("inf")])
    return values, level, spread


def cases(rng: random.Random, count: int) -> Iterator[Case]:
    """``count`` rule evaluations: the newest value near the mean, on the
    two-sigma boundary, or far out."""
    compare = comparer("two_sigma")
    for _ in range(count):
        values, level, spread = history(rng)
        current = level + spread * rng.choice([rng.gauss(0, 1), rng.uniform(1.8, 2.2), rng.uniform(-2.2, -1.8),
                                               rng.uniform(3, 10)])
        yield Case("MetricEvaluator._detect_anomaly", original._detect_anomaly, twin._detect_anomaly,
                   compare, (values, current), {})
