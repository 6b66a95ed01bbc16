"""Every backend function against plain networkx, on generated graphs built
in shuffled orders and on networkx's bundled real graphs.

Each test calls the twin explicitly (``backend="twinbench"``), checks that
the twin really answered (the ``twin_calls`` spy), and compares with the
same call without a backend under the pair's registered tolerance.
"""

import random

import networkx as nx
import pytest

from conftest import close


def outcome(call):
    """The value, or the exception's type and message."""
    try:
        return "value", call()
    except Exception as exc:  # noqa: BLE001  (compared, not swallowed)
        return "raised", (type(exc), str(exc))


def assert_scores(name, twin, expected):
    assert list(twin) == list(expected), "same nodes in the same order"
    for node in expected:
        assert close(twin[node], expected[node], name), (node, twin[node], expected[node])


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("pagerank", {}),
        ("pagerank", {"weight": None}),
        ("pagerank", {"alpha": 0.7, "tol": 1e-8, "max_iter": 300}),
        ("degree_centrality", {}),
        ("closeness_centrality", {}),
        ("betweenness_centrality", {}),
        ("eigenvector_centrality", {"max_iter": 1000}),
    ],
)
def test_node_scores_match_networkx(graph, twin_calls, name, kwargs):
    function = getattr(nx, name)
    kind, expected = outcome(lambda: function(graph, **kwargs))
    twin_kind, twin = outcome(lambda: function(graph, backend="twinbench", **kwargs))
    assert twin_calls.get(name) == 1
    assert twin_kind == kind
    if kind == "value":
        assert_scores(name, twin, expected)
    else:
        assert twin == expected


@pytest.mark.parametrize("name", ["eigenvector_centrality", "pagerank"])
def test_too_few_iterations_raise_as_networkx_does(graph, name):
    """Three iterations converge only where the start vector is the answer
    (a regular graph); elsewhere both raise PowerIterationFailedConvergence."""
    function = getattr(nx, name)
    expected = outcome(lambda: function(graph, max_iter=3))
    assert outcome(lambda: function(graph, max_iter=3, backend="twinbench")) == expected
    if not nx.is_regular(graph):
        assert expected[0] == "raised"
        assert expected[1][0] is nx.PowerIterationFailedConvergence


@pytest.mark.parametrize("resolution", [1, 0.5, 1.7])
def test_greedy_modularity_communities_match_networkx(graph, twin_calls, resolution):
    expected = nx.community.greedy_modularity_communities(graph, resolution=resolution)
    twin = nx.community.greedy_modularity_communities(graph, resolution=resolution, backend="twinbench")
    assert twin_calls.get("greedy_modularity_communities") == 1
    # The same communities in the same order (ties included), same types.
    assert twin == expected
    assert [type(c) for c in twin] == [type(c) for c in expected]


def test_label_propagation_communities_match_networkx(graph, twin_calls):
    expected = nx.community.label_propagation_communities(graph)
    twin = nx.community.label_propagation_communities(graph, backend="twinbench")
    assert twin_calls.get("label_propagation_communities") == 1
    assert type(twin) is type(expected)
    assert list(twin) == list(expected)


@pytest.mark.parametrize("weight", ["weight", None])
@pytest.mark.parametrize("resolution", [1, 0.8])
def test_modularity_matches_networkx(graph, twin_calls, weight, resolution):
    if graph.number_of_edges() == 0:
        pytest.skip("no edges")
    partition = list(nx.community.label_propagation_communities(graph))
    expected = nx.community.modularity(graph, partition, weight=weight, resolution=resolution)
    twin = nx.community.modularity(graph, partition, weight=weight, resolution=resolution, backend="twinbench")
    assert twin_calls.get("modularity") == 1
    assert close(twin, expected, "modularity"), (twin, expected)


def node_pairs(graph, count=8, seed=0):
    rng = random.Random(seed)
    nodes = list(graph)
    return [(rng.choice(nodes), rng.choice(nodes)) for _ in range(count)]


def neighbours_in_node_order(graph):
    position = {v: i for i, v in enumerate(graph)}
    return all(
        all(position[a] < position[b] for a, b in zip(list(nbrs), list(nbrs)[1:])) for nbrs in graph._adj.values()
    )


def test_shortest_paths_match_networkx_or_run_networkx(graph, twin_calls):
    """The twin answers where G lists neighbours in node order; elsewhere it
    refuses (ties depend on that order) and priority dispatch runs networkx.
    has_path does not depend on ties: the twin answers it everywhere."""
    in_order = neighbours_in_node_order(graph)
    for source, target in node_pairs(graph):
        searched = 0 if source == target else 1  # the twin skips the trivial pair
        kind, expected = outcome(lambda: nx.shortest_path(graph, source, target))
        before = twin_calls.get("shortest_path", 0)
        if in_order:
            assert outcome(lambda: nx.shortest_path(graph, source, target, backend="twinbench")) == (kind, expected)
            assert outcome(lambda: nx.bidirectional_shortest_path(graph, source, target, backend="twinbench")) == (
                kind,
                expected,
            )
        else:
            with pytest.raises(NotImplementedError) as refused:
                nx.shortest_path(graph, source, target, backend="twinbench")
            # networkx rewords the error; the backend's reason is its cause.
            assert "neighbours" in str(refused.value.__cause__)
        nx.config.backend_priority.algos = ["twinbench"]
        assert outcome(lambda: nx.shortest_path(graph, source, target)) == (kind, expected)
        nx.config.backend_priority.algos = []
        assert twin_calls.get("shortest_path", 0) - before == (3 * searched if in_order else 0)
        assert nx.has_path(graph, source, target, backend="twinbench") == nx.has_path(graph, source, target)
        assert twin_calls.get("shortest_path", 0) - before == (4 if in_order else 1) * searched


def test_the_canonical_graphs_exercise_the_path_twins():
    from conftest import GRAPHS

    assert neighbours_in_node_order(GRAPHS["ba300-canonical"])
    assert neighbours_in_node_order(GRAPHS["davis_southern_women"])
    assert not neighbours_in_node_order(GRAPHS["ba300-weighted-shuffled"])


@pytest.mark.parametrize("cutoff", [None, 0, 2, 3])
def test_all_simple_paths_match_networkx_or_run_networkx(graph, twin_calls, cutoff):
    if cutoff is None and len(graph) > 16:
        cutoff = 4  # all simple paths of the larger graphs are too many
    in_order = neighbours_in_node_order(graph)
    for source, target in node_pairs(graph, count=4, seed=1):
        expected = list(nx.all_simple_paths(graph, source, target, cutoff=cutoff))
        if in_order:
            twin = list(nx.all_simple_paths(graph, source, target, cutoff=cutoff, backend="twinbench"))
            assert twin == expected
        else:
            with pytest.raises(NotImplementedError):
                nx.all_simple_paths(graph, source, target, cutoff=cutoff, backend="twinbench")
        nx.config.backend_priority.algos = ["twinbench"]
        assert list(nx.all_simple_paths(graph, source, target, cutoff=cutoff)) == expected
        nx.config.backend_priority.algos = []
    if in_order and cutoff is not None and cutoff > 0:
        assert twin_calls.get("all_simple_paths", 0) >= 1


def test_clustering_matches_networkx_exactly(graph, twin_calls):
    expected = nx.clustering(graph)
    twin = nx.clustering(graph, backend="twinbench")
    assert list(twin.items()) == list(expected.items())
    assert [type(v) for v in twin.values()] == [type(v) for v in expected.values()]
    for count_zeros in (True, False):
        assert outcome(lambda: nx.average_clustering(graph, count_zeros=count_zeros, backend="twinbench")) == outcome(
            lambda: nx.average_clustering(graph, count_zeros=count_zeros)
        )
    assert twin_calls.get("clustering") == 3


def test_components_match_networkx(graph, twin_calls):
    assert list(nx.connected_components(graph, backend="twinbench")) == list(nx.connected_components(graph))
    assert nx.number_connected_components(graph, backend="twinbench") == nx.number_connected_components(graph)
    assert nx.is_connected(graph, backend="twinbench") == nx.is_connected(graph)
    assert twin_calls.get("connected_components") == 3


def test_distance_metrics_match_networkx(graph, twin_calls):
    for name in ("average_shortest_path_length", "diameter"):
        function = getattr(nx, name)
        twin = outcome(lambda: function(graph, backend="twinbench"))
        expected = outcome(lambda: function(graph))
        assert twin == expected
        if twin[0] == "value":
            assert type(twin[1]) is type(expected[1])
    assert twin_calls.get("graph_metrics") == 2
