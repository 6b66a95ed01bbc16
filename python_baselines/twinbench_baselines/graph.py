"""Analytics-engine graph kernels (catalog analytics.md), called as the original calls them."""

import logging

import networkx as nx
import numpy as np

logger = logging.getLogger(__name__)


def canonical_edges(src, dst, weight):
    """The input's edges as ``(u, v, weight)`` triples in canonical order: by
    ``(min(u, v), max(u, v))``, stably, so repeated edges keep their input order.

    networkx keeps each node's neighbours in insertion order, and that order
    breaks ties in every path and traversal kernel. Adding edges in canonical
    order makes it ascending neighbour id for every node (lower neighbours,
    then a self-loop, then higher ones), which is the row order of the Rust
    CSR graph, so both sides break ties the same way. The original receives
    its edges in whatever order the database returns them; canonical order is
    one such order. Which pairs it affects, measured: defect D024.
    """
    triples = zip(src.tolist(), dst.tolist(), weight.tolist())
    return sorted(triples, key=lambda e: (min(e[0], e[1]), max(e[0], e[1])))


def prepare(n, src, dst, weight):
    """Build the undirected simple ``nx.Graph`` the analytics engine works on (K0).

    Nodes are ``0..n-1`` in insertion order (node order matters to the
    order-dependent algorithms), each with the attributes the original
    benchmark graph gives it (``add_node_attributes``); each edge carries its
    ``weight`` attribute, a repeated edge keeps its last weight, as
    ``nx.Graph`` does. Edges are added in canonical order (see
    ``canonical_edges``).
    """
    graph = nx.Graph()
    graph.add_nodes_from(range(int(n)))
    add_node_attributes(graph)
    graph.add_weighted_edges_from(canonical_edges(src, dst, weight))
    return graph


def add_node_attributes(graph):
    """The node attributes of the original benchmark graph
    (``AnalyticsBenchmarkSuite._generate_test_graph``, benchmarks.py L353-356
    at 9455c19), set in its order: ``type = f"node_{node % 5}"`` (a string)
    and ``weight = hash(node) % 100`` (an int; ``hash`` of an int is
    unsalted). K8 turns ``weight`` into its ``attr_weight`` column; the Rust
    side computes the same numbers (``twinbench::inputs::node_weight``)."""
    for node in graph.nodes():
        graph.nodes[node]["type"] = f"node_{node % 5}"
        graph.nodes[node]["weight"] = hash(node) % 100


def output(result, graph):
    """A ``{node: score}`` dict as a float64 array indexed by node id."""
    return np.fromiter((result[node] for node in graph), dtype=np.float64, count=len(graph))


def pagerank(graph):
    """K1 PAGERANK: ``nx.pagerank(G)`` with every default (alpha 0.85, tol 1e-6,
    max_iter 100, weight='weight'). The original passes nothing else."""
    return nx.pagerank(graph)


def degree_centrality(graph):
    """K1 DEGREE: ``nx.degree_centrality(G)``; the original's ``normalized``
    flag does not reach it."""
    return nx.degree_centrality(graph)


def closeness_centrality(graph):
    """K1 CLOSENESS, as the original evidently meant it.

    The original calls ``nx.closeness_centrality(G, normalized=...)``, which
    networkx 3.x rejects with a TypeError (there is no such parameter), so
    every closeness request fails in production. The baseline runs the call
    without the bad keyword: hop distances, Wasserman-Faust scaling.
    """
    return nx.closeness_centrality(graph)


def betweenness_centrality(graph):
    """K1 BETWEENNESS: ``nx.betweenness_centrality(G, normalized=True)``: exact
    Brandes (k=None), unweighted (weight=None), endpoints excluded."""
    return nx.betweenness_centrality(graph, normalized=True)


def eigenvector_centrality(graph):
    """K1 EIGENVECTOR: ``nx.eigenvector_centrality(G, max_iter=1000)`` (pure
    Python power iteration), falling back to degree centrality when it does not
    converge, as the original does. The null graph raises, uncaught, as in the
    original."""
    try:
        return nx.eigenvector_centrality(graph, max_iter=1000)
    except nx.PowerIterationFailedConvergence:
        logger.warning("Eigenvector centrality failed to converge, using degree centrality")
        return nx.degree_centrality(graph)

