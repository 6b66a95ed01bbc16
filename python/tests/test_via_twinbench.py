"""The "twin from Python" column's functions (python_baselines/
twinbench_baselines/via_twinbench.py): each one really reaches the twin
(counted in the extension), converts on every call, and answers as the
baseline does."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python_baselines"))
from twinbench_baselines import via_twinbench  # noqa: E402


def edges(n, seed):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, 4 * n)
    dst = rng.integers(0, n, 4 * n)
    keep = src != dst
    return n, src[keep].astype(np.int64), dst[keep].astype(np.int64), rng.uniform(0.5, 2.0, keep.sum())


#: Known, measured difference: the backend's greedy-modularity communities
#: are the same frozensets as networkx's, built in another insertion order,
#: so they iterate differently; the original's K3 ranks a community's
#: central nodes by degree with ties in that iteration order (through a
#: subgraph's node set), so tied central nodes can come out swapped (2 of
#: 150 values on this graph; none on the harness's own generator). strict:
#: the day it matches, this fails and the mark goes.
_ITERATION_ORDER = pytest.mark.xfail(
    strict=True, reason="tied central nodes follow the communities' frozenset iteration order"
)


def _params():
    for module, name in via_twinbench.THROUGH_BACKEND:
        marks = [_ITERATION_ORDER] if name == "greedy_modularity" else []
        yield pytest.param(module, name, id=f"{module.__name__}.{name}", marks=marks)


@pytest.mark.parametrize("module, name", list(_params()))
def test_each_function_reaches_the_twin_and_answers_as_the_baseline(module, name, twin_calls):
    n = 40 if name == "node_features_as_written" else 120
    baseline_input = _hook(module, name, "prepare")(*edges(n, 3))
    expected = _hook(module, name, "output")(getattr(module, name)(baseline_input), baseline_input)
    prepared = getattr(via_twinbench, f"{name}_prepare")(*edges(n, 3))
    first = getattr(via_twinbench, name)(prepared)
    calls_after_first = sum(twin_calls.values())
    assert calls_after_first > 0, f"{name} never reached the twin"
    getattr(via_twinbench, name)(prepared)
    assert sum(twin_calls.values()) >= 2 * calls_after_first
    got = getattr(via_twinbench, f"{name}_output")(first, prepared)
    for a, b in zip(_flat(got), _flat(expected)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_the_conversion_is_part_of_every_call():
    import networkx as nx

    prepared = via_twinbench.pagerank_prepare(*edges(60, 4))
    via_twinbench.pagerank(prepared)
    assert prepared.__networkx_cache__, "the call converted the graph"
    via_twinbench._drop_conversions(prepared)
    assert not prepared.__networkx_cache__


def _hook(module, name, kind):
    return getattr(module, f"{name}_{kind}", None) or getattr(module, kind)


def _flat(output):
    if isinstance(output, (tuple, list)):
        for part in output:
            yield from _flat(part)
    else:
        yield np.asarray(output, dtype=np.float64)


@pytest.mark.parametrize("name, make", [
    ("search_flood", lambda rng: np.cumsum(rng.poisson(5, 800)).astype(np.float64)),
    ("memory_growth", lambda rng: np.cumsum(rng.poisson(3, 800) + 1).astype(np.float64)),
    ("two_sigma", lambda rng: rng.normal(100.0, 5.0, 400)),
])
def test_the_monitoring_replacements_answer_as_the_baseline(name, make, monkeypatch):
    from twinbench_baselines import alerting, detect

    baseline = alerting if name == "two_sigma" else detect
    values = make(np.random.default_rng(5))
    if name == "two_sigma":
        values[::37] += 40.0
        values = list(values)
    prepared = getattr(via_twinbench, f"{name}_prepare")(values)
    expected = _hook(baseline, name, "output")(getattr(baseline, name)(prepared), prepared)
    got = getattr(via_twinbench, f"{name}_output")(getattr(via_twinbench, name)(prepared), prepared)
    for a, b in zip(_flat(got), _flat(expected)):
        np.testing.assert_array_equal(a, b)
    if name == "two_sigma":
        assert alerting._detect_anomaly.__module__ == "twinbench_baselines.alerting", "restored"
