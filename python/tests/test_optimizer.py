"""The optimizer twin (twinbench.optimizer.get_performance_summary) against
the faithful baseline (python_baselines/twinbench_baselines/optimizer.py),
under the harness's tolerance for the pair: optimizer.rs SUMMARY, EXACT
(numpy's pairwise summation, bit for bit)."""

import random
from datetime import datetime

import numpy as np
import pytest
from campaign.compare import comparer
from campaign.families.optimizer import history, original_summary_of
from twinbench_baselines import optimizer as baseline

import twinbench
from twinbench.optimizer import get_performance_summary

ORIGINAL = original_summary_of(baseline.AIPerformanceOptimizer())
SAME = comparer("optimizer_summary")


def entry(name, value):
    return baseline.PerformanceMetric(metric_name=name, value=value, timestamp=datetime(2026, 1, 1), component="api")


def check(entries):
    expected = ORIGINAL(entries)
    found = SAME(get_performance_summary(entries), expected)
    assert found is None, found
    return expected


@pytest.mark.parametrize("seed", range(25))
def test_generated_histories_match_the_original(seed):
    rng = random.Random(seed)
    for _ in range(20):
        check(history(rng))


def test_only_the_last_hundred_entries_count():
    old = [entry("disk_usage", 1e9)] * 10
    recent = [entry("cpu_usage" if i % 3 else "memory_usage", float(i) + 0.1) for i in range(100)]
    expected = check(old + recent)
    assert "disk_usage_avg" not in expected
    assert type(expected["cpu_usage_avg"]) is np.float64


def test_a_long_sum_is_numpys_pairwise_one():
    """Values whose naive left-to-right sum differs from numpy's pairwise
    one in the last bits: the twin must round as numpy does."""
    values = [1e16, 1.0, -1e16, 3.3, 1e-3, 7.7] * 16 + [0.1] * 4
    entries = [entry("m", v) for v in values]
    expected = check(entries)
    assert expected["m_avg"] == np.mean(values)


@pytest.mark.parametrize(
    "values",
    [
        [],
        [5.0],
        [1, 2, 3, 4],  # ints: the latest stays an int, the mean a float64
        [1.0, float("nan"), 2.0],
        [float("inf"), 1.0],
        [True, 2.5],
    ],
)
def test_edge_histories_match_the_original(values):
    check([entry("cpu_usage", v) for v in values])


@pytest.mark.parametrize("bad", [None, "fast", "2.5"])
def test_a_value_that_is_not_a_number_raises_like_the_original(bad):
    """np.mean raises TypeError on None and on text (even numeric text);
    a float64 conversion would not, so the twin checks the dtype."""
    entries = [entry("cpu_usage", 1.0), entry("cpu_usage", bad)]
    with pytest.raises(TypeError):
        ORIGINAL(entries)
    with pytest.raises(TypeError, match="must be numbers"):
        get_performance_summary(entries)


def test_an_int_beyond_64_bits_is_outside_the_domain():
    with pytest.raises(TypeError, match="must be numbers"):
        get_performance_summary([entry("cpu_usage", 2**70)])


def test_an_entry_without_the_fields_is_an_attribute_error():
    with pytest.raises(AttributeError):
        get_performance_summary([object()])


def test_mismatched_arrays_are_input_errors():
    with pytest.raises(twinbench.InputError, match="one metric id per value"):
        twinbench._twinbench.performance_summary(np.zeros(3, dtype=np.uint64), np.zeros(2))
    with pytest.raises(twinbench.InputError, match="contiguous"):
        twinbench._twinbench.performance_summary(np.zeros(4, dtype=np.uint64)[::2], np.zeros(2))
