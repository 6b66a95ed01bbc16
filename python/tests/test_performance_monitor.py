"""The performance-monitor twin (twinbench.performance_monitor.
_categorize_graph_size) against the faithful baseline
(python_baselines/twinbench_baselines/performance_monitor.py), under the
harness's tolerance for the pair: monitoring.rs MONITOR_COUNTERS, EXACT."""

import random

import pytest
from campaign.families.performance_monitor import graph_size
from prometheus_client import CollectorRegistry
from twinbench_baselines import performance_monitor as baseline

from twinbench.performance_monitor import PerformanceMonitor, _categorize_graph_size

ORIGINAL = baseline.PerformanceMonitor(CollectorRegistry())._categorize_graph_size


@pytest.mark.parametrize("seed", range(10))
def test_generated_sizes_match_the_original(seed):
    rng = random.Random(seed)
    seen = set()
    for _ in range(2_000):
        size = graph_size(rng)
        expected = ORIGINAL(size)
        assert _categorize_graph_size(size) == expected, repr(size)
        seen.add(expected)
    assert seen == {"small", "medium", "large", "extra_large", "unknown"}


@pytest.mark.parametrize(
    "size",
    [
        99, 100, 999, 1_000, 9_999, 10_000, -1, 0, 2**63, -(2**63) - 1, 10**40, True,
        "99", " 100 ", "1_000", "1__000", "+9999", "-5", "0x10", "1e3", "", " ", "12.0",
        "\x0b5\x0c", "\x1c5", "5\x1f", "\u30005", "\u3000\x1c5", "١٢٣٤", "٩٩٩٩٩",
        12.9, -0.5, float("nan"), None, b"1234", bytearray(b"77"), [1], object(),
    ],
)
def test_edge_sizes_match_the_original(size):
    assert _categorize_graph_size(size) == ORIGINAL(size)
    assert PerformanceMonitor()._categorize_graph_size(size) == ORIGINAL(size)


def test_an_infinite_float_raises_as_the_original():
    """int(inf) raises OverflowError, which the original does not catch."""
    with pytest.raises(OverflowError):
        ORIGINAL(float("inf"))
    with pytest.raises(OverflowError):
        _categorize_graph_size(float("inf"))
