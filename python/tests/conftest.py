"""Shared fixtures of the twinbench package tests.

Every comparison is against plain networkx 3.4.2 on the same graph object,
under the tolerance harness/src/pairs/ registers for the pair (TOLERANCES,
shared with the shadow campaign: campaign/families/graph.py).
"""

import random
import sys
from pathlib import Path

import networkx as nx
import pytest

import twinbench.backend as backend
from campaign.families.graph import TOLERANCES  # noqa: F401 (tests import it from here)
from campaign.graphs import canonical_copy, shuffled_copy  # noqa: F401 (tests import them from here)

# The faithful baselines (python_baselines/twinbench_baselines), importable
# by every test; the campaign (python/tools) is on pytest's pythonpath
# (pyproject.toml), not python/ itself, whose sources (python/twinbench,
# without the compiled extension) would shadow the installed wheel.
_REPO = Path(__file__).resolve().parents[2]
if str(_REPO / "python_baselines") not in sys.path:
    sys.path.insert(0, str(_REPO / "python_baselines"))


def close(twin, expected, name):
    """``|twin - expected| <= atol + rtol * |expected|``, as the harness
    compares (harness/src/compare/mod.rs)."""
    rtol, atol = TOLERANCES[name]
    return abs(twin - expected) <= atol + rtol * abs(expected)


@pytest.fixture(autouse=True)
def quiet_cache_and_default_priority():
    """networkx warns on every cached conversion it reuses; the tests reuse
    on purpose. Each test starts with automatic dispatch off."""
    nx.config.warnings_to_ignore.add("cache")
    saved = list(nx.config.backend_priority.algos)
    nx.config.backend_priority.algos = []
    yield
    nx.config.backend_priority.algos = saved


@pytest.fixture
def twin_calls(monkeypatch):
    """Counts calls into the extension by function name, so a test can tell
    whether the twin or networkx answered."""
    calls = {}
    native = backend._tb

    class Spy:
        def __getattr__(self, name):
            target = getattr(native, name)
            if not callable(target) or isinstance(target, type):
                return target

            def counted(*args, **kwargs):
                calls[name] = calls.get(name, 0) + 1
                return target(*args, **kwargs)

            return counted

    monkeypatch.setattr(backend, "_tb", Spy())
    return calls


def generated_graphs():
    """Generated graphs, each in a shuffled order (ids: what and how)."""
    rng = random.Random(7)
    ba = nx.barabasi_albert_graph(300, 3, seed=11)
    for u, v in ba.edges:
        ba[u][v]["weight"] = rng.choice([0.5, 1.0, 2.0, 3.5])
    # Several components, isolated nodes and self-loops.
    parts = nx.disjoint_union_all(
        [nx.barabasi_albert_graph(40, 2, seed=3), nx.cycle_graph(7), nx.path_graph(5), nx.empty_graph(3)]
    )
    parts.add_edges_from([(0, 0), (50, 50)])
    # Ties everywhere: every node of a grid looks alike (tuple labels).
    grid = nx.grid_2d_graph(7, 6)
    caveman = nx.connected_caveman_graph(6, 5)
    return {
        "ba300-weighted-shuffled": shuffled_copy(ba, 1),
        "ba300-string-labels": shuffled_copy(ba, 2, relabel=lambda v: f"n{v}"),
        "components-selfloops-shuffled": shuffled_copy(parts, 3),
        "grid-tuple-labels-shuffled": shuffled_copy(grid, 4),
        "caveman-shuffled": shuffled_copy(caveman, 5),
        "ba300-canonical": canonical_copy(ba),
        "petersen-canonical": canonical_copy(nx.petersen_graph()),
    }


def bundled_graphs():
    """networkx's real graphs, as networkx builds them."""
    return {
        "karate_club": nx.karate_club_graph(),
        "les_miserables": nx.les_miserables_graph(),
        "florentine_families": nx.florentine_families_graph(),
        "davis_southern_women": nx.davis_southern_women_graph(),
    }


GRAPHS = {**generated_graphs(), **bundled_graphs()}


@pytest.fixture(params=sorted(GRAPHS), ids=str)
def graph(request):
    """Each test graph, copied so a test's conversion cache is its own."""
    return GRAPHS[request.param].copy()
