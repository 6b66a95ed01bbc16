"""Whole-graph metrics (K5) and the node feature matrix (K8) of the analytics
engine (catalog analytics.md), called as the original calls networkx.

Both kernels take the ``nx.Graph`` built by ``graph.prepare`` (nodes ``0..n-1``
in order, edges in canonical order).
"""

from dataclasses import dataclass
from typing import Optional

import networkx as nx
import numpy as np

from .graph import prepare  # noqa: F401  (the harness's module-level prepare)


@dataclass
class GraphMetrics:
    """The fields of the original's pydantic ``GraphMetrics`` model (which
    declares no validators: the values pass through, ints into float fields
    becoming floats)."""

    node_count: int
    edge_count: int
    density: float
    average_clustering: float
    connected_components: int
    largest_component_size: int
    average_path_length: Optional[float] = None
    diameter: Optional[int] = None


def graph_metrics(graph):
    """K5 ``GraphAlgorithms.calculate_graph_metrics``: node and edge counts,
    ``nx.density``, ``nx.average_clustering`` (0.0 on any exception), the
    connected components, and ``nx.average_shortest_path_length`` plus
    ``nx.diameter`` on the whole graph when it is connected, else on the
    induced subgraph of the largest component (the first one among equals);
    an exception there leaves both None. The original's bare ``except:``
    clauses are ``except Exception:`` here, which differs only for
    KeyboardInterrupt/SystemExit."""
    node_count = graph.number_of_nodes()
    edge_count = graph.number_of_edges()
    if node_count == 0:
        return GraphMetrics(
            node_count=0,
            edge_count=0,
            density=0.0,
            average_clustering=0.0,
            connected_components=0,
            largest_component_size=0,
        )
    density = nx.density(graph)
    try:
        average_clustering = nx.average_clustering(graph)
    except Exception:
        average_clustering = 0.0
    components = list(nx.connected_components(graph))
    connected_components = len(components)
    largest_component_size = max(len(c) for c in components) if components else 0
    average_path_length = None
    diameter = None
    if connected_components == 1:
        try:
            average_path_length = nx.average_shortest_path_length(graph)
            diameter = nx.diameter(graph)
        except Exception:
            pass
    elif components:
        largest = max(components, key=len)
        subgraph = graph.subgraph(largest)
        try:
            average_path_length = nx.average_shortest_path_length(subgraph)
            diameter = nx.diameter(subgraph)
        except Exception:
            pass
    return GraphMetrics(
        node_count=node_count,
        edge_count=edge_count,
        density=float(density),
        average_clustering=float(average_clustering),
        average_path_length=None if average_path_length is None else float(average_path_length),
        diameter=diameter,
        connected_components=connected_components,
        largest_component_size=largest_component_size,
    )


def graph_metrics_output(result, graph):
    """VALUES, 8 floats: node_count, edge_count, density, average_clustering,
    average_path_length (NaN if None), diameter (NaN if None),
    connected_components, largest_component_size."""
    nan = float("nan")
    return np.array(
        [
            result.node_count,
            result.edge_count,
            result.density,
            result.average_clustering,
            nan if result.average_path_length is None else result.average_path_length,
            nan if result.diameter is None else result.diameter,
            result.connected_components,
            result.largest_component_size,
        ],
        dtype=np.float64,
    )


def _feature_matrix(graph, centralities, include_centrality=True, include_local_metrics=True):
    """The original's ``_extract`` closure (algorithms.py L455-509 at 9455c19),
    line for line, with its defaults ``include_centrality=True`` and
    ``include_local_metrics=True``: per node ``graph.degree(node)`` (checked
    and wrapped in ``float(int(...))``), ``float`` of its clustering
    coefficient, ``float`` of its betweenness and closeness, and every numeric
    attribute as ``float`` in an ``attr_<name>`` column. ``centralities()``
    stands for the two whole-graph calls inside the original's ``try`` and
    returns ``(betweenness, closeness)`` dicts; a failure there gives the node
    zeros for both, as in the original. Feature names come, in effect, from
    the first node only (the original's length-check heuristic)."""
    features = []
    node_ids = list(graph.nodes())
    feature_names = []

    clustering_coeffs = nx.clustering(graph)

    for node in node_ids:
        node_features = []

        node_degree = graph.degree(node)
        degree_value = int(node_degree) if isinstance(node_degree, (int, float)) else 0
        node_features.append(float(degree_value))
        if not feature_names or len(feature_names) == len(node_features) - 1:
            feature_names.append("degree")

        if include_local_metrics:
            node_features.append(float(clustering_coeffs[node]))
            if len(feature_names) == len(node_features) - 1:
                feature_names.append("clustering_coefficient")

        if include_centrality:
            try:
                betweenness, closeness = centralities()

                node_features.append(float(betweenness.get(node, 0)))
                node_features.append(float(closeness.get(node, 0)))

                if len(feature_names) == len(node_features) - 2:
                    feature_names.extend(["betweenness_centrality", "closeness_centrality"])
            except Exception:
                node_features.extend([0.0, 0.0])
                if len(feature_names) == len(node_features) - 2:
                    feature_names.extend(["betweenness_centrality", "closeness_centrality"])

        node_data = graph.nodes[node]
        for attr, value in node_data.items():
            if isinstance(value, (int, float)):
                node_features.append(float(value))
                if len(feature_names) == len(node_features) - 1:
                    feature_names.append(f"attr_{attr}")

        features.append(node_features)

    return np.array(features), node_ids, feature_names


def node_features_as_written(graph):
    """K8 ``MLAnalytics.extract_node_features`` exactly as written: inside the
    per-node loop it recomputes ``nx.betweenness_centrality(G)`` and
    ``nx.closeness_centrality(G)`` for the WHOLE graph, so one call costs
    n × (Brandes + all-pairs BFS) = O(n² m)."""
    return _feature_matrix(
        graph,
        lambda: (nx.betweenness_centrality(graph), nx.closeness_centrality(graph)),
    )


def node_features(graph):
    """K8 with the obvious fix: betweenness and closeness computed once before
    the loop (a Python developer's one-line change). The matrix is identical to
    ``node_features_as_written``."""
    try:
        cached = (nx.betweenness_centrality(graph), nx.closeness_centrality(graph))

        def centralities():
            return cached
    except Exception:

        def centralities():
            raise RuntimeError("centrality failed")

    return _feature_matrix(graph, centralities)


def node_features_output(result, graph):
    """VALUES: the n × d feature matrix flattened row-major (row = node in
    node order; d = 5 here: degree, clustering_coefficient,
    betweenness_centrality, closeness_centrality, attr_weight — the benchmark
    graph's nodes carry ``type`` (a string, skipped) and ``weight``)."""
    matrix = result[0]
    return np.ascontiguousarray(matrix, dtype=np.float64).reshape(-1)


node_features_as_written_output = node_features_output
