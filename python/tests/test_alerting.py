"""The alerting twin (twinbench.alerting._detect_anomaly) against the
faithful baseline (python_baselines/twinbench_baselines/alerting.py), under
the harness's tolerance for the pair: detect.rs TWO_SIGMA, EXACT (the
verdict is a bool; the rule's mean and deviation are the statistics
module's, bit for bit)."""

import random
import statistics

import numpy as np
import pytest
from campaign.families.alerting import history
from twinbench_baselines import alerting as baseline

import twinbench
from twinbench.alerting import _detect_anomaly


@pytest.mark.parametrize("seed", range(20))
def test_generated_histories_match_the_original(seed):
    rng = random.Random(seed)
    verdicts = []
    for _ in range(200):
        values, level, spread = history(rng)
        for current in (level, level + 1.99 * spread, level - 2.01 * spread, level + 50 * spread):
            expected = baseline._detect_anomaly(values, current)
            assert _detect_anomaly(values, current) is expected, (values, current)
            verdicts.append(expected)
    # Both verdicts occur, so a constant twin would fail.
    assert 0 < sum(verdicts) < len(verdicts)


def test_the_boundary_is_strict_and_exact():
    """A current value exactly at mean + 2·stdev is not anomalous; one ulp
    beyond is. The float computation of the mean/stdev (numpy's) puts the
    boundary elsewhere for this history; the twin must use the exact one."""
    values = [0.1 * k + 1e-9 * (k % 3) for k in range(40)]
    mean, stdev = statistics.mean(values), statistics.stdev(values)
    edge = mean + 2 * stdev
    numpy_edge = np.mean(values) + 2 * np.std(values, ddof=1)
    for current in map(float, (edge, np.nextafter(edge, np.inf), np.nextafter(edge, -np.inf), numpy_edge)):
        assert _detect_anomaly(values, current) is baseline._detect_anomaly(values, current)


def test_a_numpy_history_is_read_in_place_and_agrees():
    """Fed numpy scalars, the original's comparison is numpy's, so it
    returns ``numpy.bool_``; the twin always returns ``bool`` (equal, not
    identical: the service's query returns Python floats, where both are
    ``bool``)."""
    values = np.random.default_rng(1).normal(10, 2, 100)
    verdicts = set()
    for current in np.linspace(0, 20, 41):
        expected = baseline._detect_anomaly(list(values), current)
        assert _detect_anomaly(values, current) == expected
        verdicts.add(bool(expected))
    assert verdicts == {False, True}
    # Not contiguous: the same clear error as every array argument.
    with pytest.raises(twinbench.InputError, match="contiguous"):
        _detect_anomaly(values[::2], 1.0)


@pytest.mark.parametrize(
    "values, current",
    [
        ([], 5.0),  # empty
        ([1.0] * 9, 100.0),  # under the minimum of 10
        ([1.0] * 10, 1.0),  # constant: stdev 0, |x - mean| > 0 is False
        ([1.0] * 10, 1.5),  # constant: any other value fires
        ([1.0] * 9 + [float("nan")], 100.0),  # NaN: the statistics raise, so False
        ([1.0] * 9 + [float("inf")], 100.0),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 30),  # ints, as a driver may return
        ([1.0] * 9 + [None], 100.0),  # not numbers: TypeError, so False
        (["1.0"] * 12, 100.0),
        (None, 1.0),
        ([float(k) for k in range(20)], None),
    ],
)
def test_edge_cases_match_the_original(values, current):
    assert _detect_anomaly(values, current) is baseline._detect_anomaly(values, current)
