"""Peer: python-igraph (C core) computing the same quantities as the baselines.

Not part of the original service. A team could call igraph instead of porting
to Rust, so its times sit beside the Rust twin's. Each function computes the
*same quantity* the networkx baseline computes on the same graph; where
igraph's convention differs (normalisation, scaling), the conversion is part
of the timed call, because a user of igraph would have to do it too. The
harness checks every answer against the baseline's.
"""

import igraph as ig
import numpy as np

from .graph import canonical_edges


def prepare(n, src, dst, weight):
    """The same simple graph networkx holds: one edge per node pair (the last
    weight wins, as in ``nx.Graph``), self-loops kept, edges in canonical
    order, a ``weight`` attribute per edge."""
    last = {}
    for u, v, w in canonical_edges(src, dst, weight):
        last[(min(u, v), max(u, v))] = w
    graph = ig.Graph(n=int(n), edges=list(last.keys()), directed=False)
    graph.es["weight"] = list(last.values())
    return graph


def output(result, graph):
    """Per-node scores as a float64 array indexed by vertex id (= node id)."""
    return np.asarray(result, dtype=np.float64)


def pagerank(graph):
    """``Graph.pagerank`` (PRPACK) with networkx's damping 0.85 and weights.
    PRPACK solves the linear system to near machine precision, while networkx
    stops its power iteration once the L1 change drops below n·1e-6; the two
    answers therefore differ by networkx's truncation error."""
    return graph.pagerank(damping=0.85, weights="weight", directed=False)


def betweenness_centrality(graph):
    """``Graph.betweenness`` (unweighted, unordered pairs), scaled by
    2/((n-1)(n-2)) as networkx's ``normalized=True`` does for n > 2."""
    n = graph.vcount()
    raw = np.asarray(graph.betweenness(directed=False, weights=None), dtype=np.float64)
    return raw * (2.0 / ((n - 1) * (n - 2))) if n > 2 else raw


def closeness_centrality(graph):
    """``Graph.closeness`` (hop distances over the reachable nodes), times the
    Wasserman–Faust factor (r-1)/(n-1) networkx applies (r = nodes reachable,
    self included); isolated nodes get 0 as in networkx (igraph gives NaN)."""
    n = graph.vcount()
    raw = np.asarray(graph.closeness(normalized=True), dtype=np.float64)
    if n <= 1:
        return np.zeros(n)
    sizes = np.asarray(graph.connected_components().sizes(), dtype=np.float64)
    reach = sizes[np.asarray(graph.connected_components().membership)]
    return np.nan_to_num(raw, nan=0.0) * (reach - 1.0) / (n - 1.0)


def eigenvector_centrality(graph):
    """``Graph.eigenvector_centrality`` (ARPACK, unweighted, to machine
    precision), rescaled from igraph's max = 1 to networkx's unit L2 norm.
    networkx's power iteration stops at an L1 change below n·1e-6, so the two
    differ by networkx's truncation error."""
    scores = np.asarray(graph.eigenvector_centrality(scale=True, weights=None), dtype=np.float64)
    return scores / np.linalg.norm(scores)
