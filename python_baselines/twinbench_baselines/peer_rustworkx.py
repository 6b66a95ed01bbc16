"""Peer: rustworkx (Rust core) computing the same quantities as the baselines.

Not part of the original service; see ``peer_igraph`` for the rules. rustworkx
runs several of these kernels on a thread pool once the graph has 50 nodes;
the calls here pass ``parallel_threshold`` above the node count, so the peer
column is single-threaded like the Rust twin column it is compared with.
"""

import numpy as np
import rustworkx as rx

from .graph import canonical_edges


def _single_thread(graph):
    return graph.num_nodes() + 1


def prepare(n, src, dst, weight):
    """The same simple graph networkx holds (``multigraph=False``: a repeated
    edge keeps its last weight), edge payload = weight, canonical edge order."""
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(int(n)))
    graph.add_edges_from(canonical_edges(src, dst, weight))
    return graph


def output(result, graph):
    """rustworkx's node-index → score mapping as a float64 array by node id."""
    return np.fromiter((result[i] for i in range(graph.num_nodes())), dtype=np.float64,
                       count=graph.num_nodes())


def pagerank_prepare(n, src, dst, weight):
    """rustworkx's ``pagerank`` takes only directed graphs: each undirected edge
    becomes two arcs (a self-loop one), as networkx does internally; built
    outside timing."""
    graph = prepare(n, src, dst, weight)
    return graph.to_directed()


def pagerank(graph):
    """``rustworkx.pagerank`` with networkx's parameters and stopping rule
    (alpha 0.85, tol 1e-6, max_iter 100, edge payload as weight)."""
    return rx.pagerank(graph, alpha=0.85, weight_fn=float, tol=1e-6, max_iter=100)


def betweenness_centrality(graph):
    """``rustworkx.betweenness_centrality(normalized=True)``, single-threaded."""
    return rx.betweenness_centrality(graph, normalized=True, endpoints=False,
                                     parallel_threshold=_single_thread(graph))


def closeness_centrality(graph):
    """``rustworkx.closeness_centrality(wf_improved=True)``, single-threaded."""
    return rx.closeness_centrality(graph, wf_improved=True,
                                   parallel_threshold=_single_thread(graph))


def eigenvector_centrality(graph):
    """``rustworkx.eigenvector_centrality`` unweighted, with the original's
    max_iter=1000 and networkx's tol 1e-6."""
    return rx.eigenvector_centrality(graph, weight_fn=None, default_weight=1.0,
                                     max_iter=1000, tol=1e-6)
