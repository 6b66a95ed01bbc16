"""The monitoring twins against the baselines (python_baselines/
twinbench_baselines, the original's code), under the pair's tolerance."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import twinbench
from twinbench.monitoring import detect_node_creation_anomalies

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python_baselines"))
from twinbench_baselines import detect as baseline  # noqa: E402

#: harness/src/pairs/detect.rs SPIKE_DETECTOR: rtol 1e-9, atol 1e-9.
RTOL = ATOL = 1e-9


def series(n, seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(1000.0, 25.0, n)
    spikes = rng.choice(n, size=n // 50, replace=False)
    values[spikes] += rng.uniform(80.0, 400.0, spikes.size)
    return values


@pytest.mark.parametrize("n, seed", [(500, 1), (5_000, 2), (20_000, 3)])
def test_node_creation_anomalies_match_the_original(n, seed):
    frame = baseline.spike_detector_prepare(series(n, seed))
    expected = baseline.spike_detector(frame)
    twin = detect_node_creation_anomalies(frame)
    assert len(expected) > 0
    assert [a["timestamp"] for a in twin] == [a["timestamp"] for a in expected]
    for got, want in zip(twin, expected):
        assert got.keys() == want.keys()
        assert (got["type"], got["severity"], got["value"]) == (want["type"], want["severity"], want["value"])
        assert abs(got["baseline"] - want["baseline"]) <= ATOL + RTOL * abs(want["baseline"])
        assert type(got["value"]) is type(want["value"])
        assert type(got["baseline"]) is type(want["baseline"])
        assert type(got["timestamp"]) is type(want["timestamp"])
        # The description rounds the baseline to an integer: equal unless the
        # two baselines straddle a .5 (they differ in the 12th digit).
        assert got["description"] == want["description"]


def test_a_frame_without_the_metric_has_no_anomalies():
    frame = pd.DataFrame({"timestamp": pd.date_range("2026-01-01", periods=30, freq="5min"), "other": 1.0})
    assert detect_node_creation_anomalies(frame) == baseline.spike_detector(frame) == []


def test_a_non_default_index_reads_the_frame_by_label():
    frame = baseline.spike_detector_prepare(series(2_000, 4))
    frame.index = frame.index * 3 + 7
    assert [a["timestamp"] for a in detect_node_creation_anomalies(frame)] == [
        a["timestamp"] for a in baseline.spike_detector(frame)
    ]


def test_bad_series_arguments_are_input_errors():
    with pytest.raises(twinbench.InputError, match="window"):
        twinbench.detect_spikes(np.ones(10), window=1)
    with pytest.raises(twinbench.InputError, match="contiguous"):
        twinbench.detect_spikes(np.ones(40)[::2])
