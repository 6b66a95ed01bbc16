"""Bad input gives a clear Python exception: the extension's own classes
for the direct API, networkx's exceptions (and messages) through the
backend."""

import networkx as nx
import numpy as np
import pytest

import twinbench


def arrays(u, v, w=None):
    w = [1.0] * len(u) if w is None else w
    return np.array(u, dtype=np.uint32), np.array(v, dtype=np.uint32), np.array(w, dtype=np.float64)


def test_the_direct_api_computes_on_a_csr_graph():
    g = twinbench.CsrGraph(4, *arrays([0, 1, 2], [1, 2, 3]))
    assert (g.node_count, g.edge_count) == (4, 3)
    assert twinbench.degree_centrality(g).tolist() == pytest.approx([1 / 3, 2 / 3, 2 / 3, 1 / 3], abs=0)
    assert twinbench.shortest_path(g, 0, 3) == [0, 1, 2, 3]
    assert twinbench.connected_components(g) == [[0, 1, 2, 3]]
    metrics = twinbench.graph_metrics(g)
    assert (metrics.diameter, metrics.connected_components) == (3, 1)
    # An explicit knob, with the same answer (bit-identical per the kernels).
    assert (
        twinbench.betweenness_centrality(g, parallel=True).tolist()
        == twinbench.betweenness_centrality(g).tolist()
    )


def test_arrays_of_different_lengths_are_an_input_error():
    u, v, w = arrays([0, 1], [1, 2])
    with pytest.raises(twinbench.InputError, match="lengths 2, 2 and 1"):
        twinbench.CsrGraph(3, u, v, w[:1])


def test_an_edge_naming_a_missing_node_is_an_input_error():
    with pytest.raises(twinbench.InputError, match="edge 1 names node 7"):
        twinbench.CsrGraph(3, *arrays([0, 1], [1, 7]))


def test_a_strided_array_is_an_input_error_naming_the_fix():
    u, v, w = arrays([0, 0, 1, 1], [1, 1, 2, 2])
    with pytest.raises(twinbench.InputError, match="ascontiguousarray"):
        twinbench.CsrGraph(3, u[::2], v[::2], w[::2])


def test_a_wrong_dtype_is_a_type_error():
    u, v, w = arrays([0], [1])
    with pytest.raises(TypeError):
        twinbench.CsrGraph(2, u.astype(np.int64), v, w)


def test_a_node_id_out_of_range_is_an_input_error():
    g = twinbench.CsrGraph(3, *arrays([0, 1], [1, 2]))
    with pytest.raises(twinbench.InputError, match="target = 9 is not a node"):
        twinbench.shortest_path(g, 0, 9)


def test_kernel_errors_have_their_own_classes_under_one_base():
    empty = twinbench.CsrGraph(0, *arrays([], []))
    with pytest.raises(twinbench.EmptyGraphError):
        twinbench.eigenvector_centrality(empty)
    g = twinbench.CsrGraph(30, *arrays(list(range(29)), list(range(1, 30))))
    with pytest.raises(twinbench.NotConvergedError, match="within 2 iterations"):
        twinbench.pagerank(g, max_iter=2)
    with pytest.raises(twinbench.NotAPartitionError):
        twinbench.modularity(g, [[0, 1]])
    edgeless = twinbench.CsrGraph(2, *arrays([], []))
    with pytest.raises(twinbench.ZeroTotalWeightError):
        twinbench.modularity(edgeless, [[0], [1]])
    for cls in (
        twinbench.InputError,
        twinbench.NotConvergedError,
        twinbench.EmptyGraphError,
        twinbench.NotAPartitionError,
        twinbench.ZeroTotalWeightError,
    ):
        assert issubclass(cls, twinbench.TwinbenchError)


def same_error(call_twin, call_networkx):
    with pytest.raises(Exception) as twin:
        call_twin()
    with pytest.raises(Exception) as expected:
        call_networkx()
    assert type(twin.value) is type(expected.value)
    assert str(twin.value) == str(expected.value)


def test_the_backend_raises_what_networkx_raises():
    G = nx.path_graph(5)
    G.add_node(9)
    same_error(
        lambda: nx.shortest_path(G, 0, 9, backend="twinbench"),
        lambda: nx.shortest_path(G, 0, 9),
    )
    same_error(
        lambda: nx.shortest_path(G, 0, 42, backend="twinbench"),
        lambda: nx.shortest_path(G, 0, 42),
    )
    same_error(
        lambda: nx.eigenvector_centrality(nx.Graph(), backend="twinbench"),
        lambda: nx.eigenvector_centrality(nx.Graph()),
    )
    same_error(
        lambda: nx.average_shortest_path_length(G, backend="twinbench"),
        lambda: nx.average_shortest_path_length(G),
    )
    same_error(lambda: nx.diameter(G, backend="twinbench"), lambda: nx.diameter(G))
    same_error(
        lambda: nx.community.modularity(G, [{0, 1}], backend="twinbench"),
        lambda: nx.community.modularity(G, [{0, 1}]),
    )
    same_error(
        lambda: nx.community.modularity(nx.empty_graph(2), [{0}, {1}], backend="twinbench"),
        lambda: nx.community.modularity(nx.empty_graph(2), [{0}, {1}]),
    )
    same_error(
        lambda: list(nx.all_simple_paths(G, 42, 0, backend="twinbench")),
        lambda: list(nx.all_simple_paths(G, 42, 0)),
    )
