"""Analytics-engine graph kernels (catalog analytics.md), called as the original calls them."""

import networkx as nx
import numpy as np


def prepare(n, src, dst, weight):
    """Build the undirected simple ``nx.Graph`` the analytics engine works on (K0).

    Nodes are ``0..n-1`` in insertion order (node order matters to the
    order-dependent algorithms); each edge carries its ``weight`` attribute, a
    repeated edge keeps its last weight, as ``nx.Graph`` does.
    """
    graph = nx.Graph()
    graph.add_nodes_from(range(int(n)))
    graph.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), weight.tolist()))
    return graph


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
        return nx.degree_centrality(graph)

