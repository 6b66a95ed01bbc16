"""The detection twins (twinbench.detection) against the faithful baselines
(python_baselines/twinbench_baselines/detect.py), under the tolerances the
harness registers (campaign/compare.py TOLERANCES: SEARCH_FLOOD and
MEMORY_GROWTH exact, SPIKE_DETECTOR rtol = atol = 1e-9)."""

import random
import warnings

import numpy as np
import pandas as pd
import pytest
from campaign.compare import comparer
from campaign.families.detection import metric_frame, metric_series
from twinbench_baselines import detect as baseline

import twinbench
from twinbench import detection

DETECTORS = {
    "search_flood": (detection.detect_search_anomalies, baseline.search_flood, baseline.SEARCH_OPERATIONS, "counter"),
    "memory_growth": (
        detection.detect_memory_growth_anomalies,
        baseline.memory_growth,
        baseline.TOTAL_NODES,
        "growth",
    ),
    "spike_detector": (
        detection.detect_node_creation_anomalies,
        baseline.spike_detector,
        baseline.NODE_OPERATIONS,
        "spiky",
    ),
}


@pytest.fixture(autouse=True)
def quiet_pct_change():
    """pandas 2.2 warns when pct_change forward-fills a NaN, as the original
    does on every such frame."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def check(pair, frame):
    twin, original, _, _ = DETECTORS[pair]
    expected = original(frame)
    found = comparer(pair)(twin(frame), expected)
    assert found is None, found
    return expected


@pytest.mark.parametrize("pair", sorted(DETECTORS))
@pytest.mark.parametrize("seed", range(12))
def test_generated_frames_match_the_original(pair, seed):
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    _, _, column, kind = DETECTORS[pair]
    for n in (25, 300, 3_000):
        check(pair, metric_frame(column, metric_series(kind, n, gen), rng, gen))


@pytest.mark.parametrize("pair", ["search_flood", "memory_growth"])
def test_the_generated_frames_do_fire(pair):
    """The comparison above is not vacuous: most frames raise alerts."""
    _, original, column, kind = DETECTORS[pair]
    gen = np.random.default_rng(5)
    frames = [baseline._metric_frame(column, metric_series(kind, 500, gen)) for _ in range(10)]
    assert sum(bool(original(f)) for f in frames) >= 8


def test_records_carry_the_originals_types():
    gen = np.random.default_rng(3)
    frame = baseline.search_flood_prepare(metric_series("counter", 2_000, gen))
    flood = detection.detect_search_anomalies(frame)[0]
    assert list(flood) == ["type", "timestamp", "value", "threshold", "severity", "description"]
    assert (type(flood["timestamp"]), type(flood["value"]), type(flood["threshold"])) == (
        pd.Timestamp,
        np.float64,
        np.float64,
    )
    frame = baseline.memory_growth_prepare(metric_series("growth", 2_000, gen))
    growth = detection.detect_memory_growth_anomalies(frame)[0]
    assert list(growth) == ["type", "timestamp", "growth_rate", "severity", "description"]
    assert type(growth["growth_rate"]) is np.float64


def test_integer_counts_keep_their_dtype():
    """An int64 count: the original's node-creation value is numpy int64
    (``.loc`` on the column), its rates and growth float64."""
    gen = np.random.default_rng(8)
    for pair, (_, _, column, kind) in DETECTORS.items():
        values = np.rint(metric_series(kind, 1_500, gen)).astype(np.int64)
        expected = check(pair, baseline._metric_frame(column, values).astype({column: np.int64}))
        assert expected, pair


def test_gaps_zeros_and_infinite_growth():
    counts = [100.0, 115.0, 140.0, 140.0, np.nan, 160.0, 0.0, 0.0, 5.0, np.nan, np.nan, 9.0]
    found = check("memory_growth", baseline.memory_growth_prepare(counts))
    assert [a["severity"] for a in found] == ["high", "critical", "high", "critical", "critical"]
    assert found[3]["description"] == "Exponential memory growth: inf% increase"
    check("search_flood", baseline.search_flood_prepare([1.0, np.nan, 3.0] + [4.0] * 30 + [50.0]))


@pytest.mark.parametrize("pair", sorted(DETECTORS))
@pytest.mark.parametrize("n", [0, 1, 2, 20])
def test_short_and_empty_frames(pair, n):
    _, _, column, _ = DETECTORS[pair]
    check(pair, baseline._metric_frame(column, np.arange(n, dtype=np.float64) ** 3))


@pytest.mark.parametrize("pair", sorted(DETECTORS))
def test_a_frame_without_the_metric_has_no_alerts(pair):
    twin, original, _, _ = DETECTORS[pair]
    frame = pd.DataFrame({"timestamp": pd.date_range("2026-01-01", periods=30, freq="5min"), "other": 1.0})
    assert twin(frame) == original(frame) == []


@pytest.mark.parametrize("pair", sorted(DETECTORS))
def test_a_non_default_index_reads_the_frame_by_label(pair):
    _, _, column, kind = DETECTORS[pair]
    frame = baseline._metric_frame(column, metric_series(kind, 1_000, np.random.default_rng(4)))
    frame.index = frame.index * 3 + 7
    assert check(pair, frame)


@pytest.mark.parametrize("pair", sorted(DETECTORS))
def test_a_metric_that_is_not_numeric_is_refused_like_the_original(pair):
    """Text in the metric column: the original fails inside pandas (a
    TypeError or pandas' DataError), the twin while converting the column,
    with a ValueError naming the value."""
    twin, original, column, _ = DETECTORS[pair]
    frame = baseline._metric_frame(column, np.ones(30))
    frame[column] = ["many"] * 30
    with pytest.raises((TypeError, pd.errors.DataError)):
        original(frame)
    with pytest.raises(ValueError, match="could not convert"):
        twin(frame)


def test_bad_arrays_are_input_errors():
    for function in (twinbench._twinbench.search_floods, twinbench._twinbench.memory_growth):
        with pytest.raises(twinbench.InputError, match="contiguous"):
            function(np.ones(40)[::2])
        with pytest.raises(TypeError):
            function(np.ones(40, dtype=np.int64))
