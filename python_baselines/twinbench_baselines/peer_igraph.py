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

from .communities import MIN_COMMUNITY_SIZE, CommunityMetrics
from .communities import output as communities_output
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


def graph_metrics(graph):
    """K5's whole-graph record computed with igraph, in the baseline's order
    (node count, edge count, density, average clustering, average shortest
    path length, diameter, components, largest component size): the path
    metrics on the whole graph if connected, else on the first largest
    component, as the original does. Average clustering is the mean of
    ``transitivity_local_undirected(mode="zero")`` (nodes of degree < 2
    count as 0, as in networkx)."""
    nan = float("nan")
    n = graph.vcount()
    if n == 0:
        return [0.0, 0.0, 0.0, 0.0, nan, nan, 0.0, 0.0]
    m = graph.ecount()
    density = 2.0 * m / (n * (n - 1)) if n > 1 else 0.0
    clustering = sum(graph.transitivity_local_undirected(mode="zero")) / n
    components = graph.connected_components()
    sizes = components.sizes()
    largest = max(range(len(sizes)), key=lambda i: sizes[i])
    sub = graph if len(sizes) == 1 else graph.induced_subgraph(components[largest])
    if sub.vcount() == 1:
        path_length, diameter = 0.0, 0.0
    else:
        path_length = sub.average_path_length(directed=False, unconn=False)
        diameter = float(sub.diameter(directed=False, unconn=False))
    return [float(n), float(m), density, clustering, path_length, diameter,
            float(len(sizes)), float(sizes[largest])]


def _community_record(graph, communities, modularity):
    """K2's filter and K3's metrics on an igraph partition, in the baseline's
    result shape ``(filtered_partition, modularity, [CommunityMetrics])`` so
    the baseline's ``output`` reads it. Central nodes: top 5 by in-community
    degree, ties by ascending id (igraph has no set order to follow)."""
    partition, metrics = {}, []
    for index, members in enumerate(communities):
        if len(members) < MIN_COMMUNITY_SIZE:
            continue
        members = sorted(members)
        sub = graph.induced_subgraph(members)
        k = len(members)
        possible = k * (k - 1) / 2
        density = sub.ecount() / possible if possible > 0 else 0
        degrees = sub.degree()
        ranked = sorted(range(k), key=lambda i: degrees[i], reverse=True)[:5]
        for node in members:
            partition[node] = str(index)
        metrics.append(CommunityMetrics(
            community_id=str(index), size=k, density=density, modularity_contribution=0.0,
            central_nodes=[members[i] for i in ranked], keywords=[]))
    return partition, modularity, metrics


def greedy_modularity(graph):
    """K2+K3 with igraph's CNM (``community_fastgreedy``, unweighted, cut at
    maximum modularity as networkx stops), weighted modularity at resolution 1
    as the original reports it."""
    clustering = graph.community_fastgreedy().as_clustering()
    modularity = graph.modularity(clustering.membership, weights="weight", resolution=1.0)
    return _community_record(graph, list(clustering), modularity)


def louvain(graph):
    """K2+K3 with igraph's Louvain (``community_multilevel``, weighted,
    resolution 1); the weighted modularity python-louvain's own function
    computes."""
    clustering = graph.community_multilevel(weights="weight", resolution=1.0)
    modularity = graph.modularity(clustering.membership, weights="weight", resolution=1.0)
    return _community_record(graph, list(clustering), modularity)


greedy_modularity_output = communities_output
louvain_output = communities_output
