"""The performance-monitor family: ``PerformanceMonitor._categorize_graph_size``
(catalog analytics K17) on graph sizes as the analytics routes pass them:
ints of every bucket, request parameters as text (padded, signed, with
underscores, malformed), floats, None.

The original is the faithful baseline (python_baselines/
twinbench_baselines/performance_monitor.py), on the server's pins.
"""

import random
from typing import Iterator

from prometheus_client import CollectorRegistry
from twinbench_baselines import performance_monitor as original

from campaign.case import Case
from campaign.compare import comparer
from twinbench import performance_monitor as twin

FAMILY = "monitoring"
PINS = "main"


def graph_size(rng):
    """A size as a caller might pass it; never one whose ``int()`` raises
    anything but ValueError or TypeError (the original lets those escape)."""
    number = rng.choice([
        rng.randint(0, 120), rng.randint(90, 1_100), rng.randint(900, 11_000), rng.randint(9_000, 10**7),
        rng.choice([99, 100, 999, 1_000, 9_999, 10_000, 0, -1, -10**30, 10**30, 2**63, -(2**63) - 1]),
    ])
    form = rng.random()
    if form < 0.4:
        return number
    if form < 0.8:
        text = str(number)
        edit = rng.random()
        if edit < 0.15:
            text = rng.choice([" ", "\t", "\n", "\x1c", "\u3000"]) + text + rng.choice(["", " ", "\r\n"])
        elif edit < 0.25 and len(text) > 1:
            i = rng.randint(1, len(text) - 1)
            text = text[:i] + rng.choice(["_", "__", ".", ","]) + text[i:]
        elif edit < 0.3:
            text = rng.choice(["+", "-", "--", "0x"]) + text
        elif edit < 0.35:
            text = text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        return text
    return rng.choice([
        "", "large", "1e3", "NaN", None, float(number) + rng.random(), -0.5, float("nan"), True, b"42", [100],
    ])


def cases(rng: random.Random, count: int) -> Iterator[Case]:
    monitor = original.PerformanceMonitor(CollectorRegistry())
    twin_monitor = twin.PerformanceMonitor()
    compare = comparer("monitor_counters")
    for _ in range(count):
        yield Case("PerformanceMonitor._categorize_graph_size", monitor._categorize_graph_size,
                   twin_monitor._categorize_graph_size, compare, (graph_size(rng),), {})
