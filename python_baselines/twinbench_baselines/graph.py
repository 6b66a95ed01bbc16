"""Analytics-engine graph kernels (catalog analytics.md), called as the original calls them."""

import networkx as nx
import numpy as np


def graph_prepare(n, src, dst, weight):
    """Build the undirected simple ``nx.Graph`` the analytics engine works on (K0).

    Nodes are ``0..n-1`` in insertion order (node order matters to the
    order-dependent algorithms); each edge carries its ``weight`` attribute, a
    repeated edge keeps its last weight, as ``nx.Graph`` does.
    """
    graph = nx.Graph()
    graph.add_nodes_from(range(int(n)))
    graph.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), weight.tolist()))
    return graph


pagerank_prepare = graph_prepare


def pagerank(graph):
    """K1 PAGERANK: ``nx.pagerank(G)`` with every default (alpha 0.85, tol 1e-6,
    max_iter 100, weight='weight'). The original passes nothing else."""
    return nx.pagerank(graph)


def pagerank_output(result, graph):
    """Ranks as a float64 array indexed by node id."""
    return np.fromiter((result[node] for node in graph), dtype=np.float64, count=len(graph))

