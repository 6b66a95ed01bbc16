"""How networkx reaches the backend: the entry points, backend_priority,
fall-through to networkx for what the twins do not implement, and the
conversion cache."""

import inspect

import networkx as nx
import pytest

import twinbench.backend as backend
from twinbench._convert import TwinGraph
from twinbench._info import FUNCTIONS, get_info


def test_every_listed_function_is_implemented_with_networkx_signature():
    registered = nx.utils.backends._registered_algorithms
    for name in FUNCTIONS:
        dispatchable = registered[name]
        assert "twinbench" in dispatchable.backends, name
        ours = inspect.signature(getattr(backend.interface, name))
        theirs = inspect.signature(dispatchable.orig_func)
        assert list(ours.parameters) == list(theirs.parameters), name
        for param in theirs.parameters.values():
            assert ours.parameters[param.name].default == param.default, (name, param.name)
    assert set(get_info()["functions"]) == set(FUNCTIONS)


def test_backend_priority_sends_calls_to_the_twin(twin_calls):
    G = nx.karate_club_graph()
    expected = nx.pagerank(G)
    assert twin_calls == {}
    nx.config.backend_priority.algos = ["twinbench"]
    ranks = nx.pagerank(G)
    assert twin_calls == {"pagerank": 1}
    assert ranks.keys() == expected.keys()
    assert all(abs(ranks[v] - expected[v]) <= 1e-12 + 1e-9 * expected[v] for v in G)
    nx.community.greedy_modularity_communities(G)
    assert twin_calls["greedy_modularity_communities"] == 1


def test_an_unsupported_parameter_runs_networkx_under_backend_priority(twin_calls):
    G = nx.karate_club_graph()
    personal = {v: (1.0 if v < 5 else 0.0) for v in G}
    expected = nx.pagerank(G, personalization=personal)
    nx.config.backend_priority.algos = ["twinbench"]
    assert nx.pagerank(G, personalization=personal) == expected
    assert nx.betweenness_centrality(G, weight="weight") == nx.betweenness_centrality(
        G, weight="weight", backend="networkx"
    )
    assert nx.closeness_centrality(G, wf_improved=False) == nx.closeness_centrality(
        G, wf_improved=False, backend="networkx"
    )
    assert twin_calls == {}, "networkx answered, not the twin"


def test_an_unsupported_parameter_is_refused_when_the_twin_is_asked_for(twin_calls):
    G = nx.karate_club_graph()
    with pytest.raises(NotImplementedError, match="for the given arguments"):
        nx.pagerank(G, personalization={0: 1.0}, backend="twinbench")
    with pytest.raises(NotImplementedError):
        nx.community.greedy_modularity_communities(G, weight="weight", backend="twinbench")
    assert twin_calls == {}


def test_can_run_names_the_parameter():
    G = nx.karate_club_graph()
    assert backend.can_run("pagerank", (G,), {}) is True
    assert "personalization" in backend.can_run("pagerank", (G,), {"personalization": {0: 1}})
    assert "weight" in backend.can_run("eigenvector_centrality", (G,), {"weight": "weight"})
    assert "source" in backend.can_run("shortest_path", (G,), {"source": 0})
    assert "max_iter" in backend.can_run("pagerank", (G,), {"max_iter": -1})
    assert "undirected" in backend.can_run("pagerank", (nx.DiGraph(G),), {})
    assert "undirected" in backend.can_run("pagerank", (nx.MultiGraph(G),), {})


def test_directed_graphs_run_networkx(twin_calls):
    D = nx.gnp_random_graph(40, 0.1, seed=2, directed=True)
    expected = nx.pagerank(D)
    nx.config.backend_priority.algos = ["twinbench"]
    assert nx.pagerank(D) == expected
    assert twin_calls == {}


def test_the_conversion_is_cached_per_graph_and_dropped_on_change(monkeypatch):
    conversions = []
    original = TwinGraph.from_networkx.__func__

    def counted(cls, G, weight=None, default=1.0):
        conversions.append(weight)
        return original(cls, G, weight, default)

    monkeypatch.setattr(TwinGraph, "from_networkx", classmethod(counted))
    G = nx.path_graph(6)
    H = nx.path_graph(6)
    nx.degree_centrality(G, backend="twinbench")
    nx.closeness_centrality(G, backend="twinbench")
    assert conversions == [None], "one conversion serves every unweighted call"
    nx.pagerank(G, backend="twinbench")
    nx.pagerank(G, backend="twinbench")
    assert conversions == [None, "weight"], "one more for the weighted view"
    nx.degree_centrality(H, backend="twinbench")
    assert conversions == [None, "weight", None], "each graph converts its own"
    G.add_edge(0, 5)  # networkx clears G's cache
    scores = nx.closeness_centrality(G, backend="twinbench")
    assert conversions == [None, "weight", None, None]
    assert scores == nx.closeness_centrality(G), "the new edge is seen"


def test_labels_that_cannot_be_sorted_run_networkx_for_greedy_modularity(twin_calls):
    """networkx compares labels to break ties, and fails on mixed types; the
    twin refuses rather than invent an order, so the call fails the same way."""
    G = nx.Graph([(0, "a"), ("a", 1), (1, 0), (1, "b"), ("b", 2), (2, "c")])
    with pytest.raises(TypeError) as expected:
        nx.community.greedy_modularity_communities(G)
    nx.config.backend_priority.algos = ["twinbench"]
    with pytest.raises(TypeError) as fell_through:
        nx.community.greedy_modularity_communities(G)
    assert str(fell_through.value) == str(expected.value)
    assert "greedy_modularity_communities" not in twin_calls
