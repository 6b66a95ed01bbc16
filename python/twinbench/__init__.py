"""The Rust twins of twinbench's analytics kernels, callable from Python.

Two ways in:

* the NetworkX backend: ``nx.pagerank(G, backend="twinbench")``, or every
  supported call at once with ``nx.config.backend_priority = ["twinbench"]``
  (``twinbench.backend``, which networkx loads itself);
* the kernels directly, on a :class:`CsrGraph` built from numpy edge arrays
  (nodes ``0..n-1``), e.g. ``twinbench.pagerank(CsrGraph(n, u, v, w))``;
* the monitoring twins under the original's names and return types, so
  the service can call them in place of the originals:
  ``twinbench.monitoring`` and ``twinbench.detection`` (the anomaly
  patterns' detectors), ``twinbench.forecasting`` (seasonality),
  ``twinbench.alerting`` (the 2-sigma rule), ``twinbench.error_handling``
  (classifier, message normaliser), ``twinbench.performance_monitor``
  (graph-size buckets), ``twinbench.optimizer`` (the performance summary);
* shadow mode, a twin run beside the original on live calls and compared
  under the pair's tolerance (``twinbench.shadow``), optionally routed by
  seed 000's gradual-rollout controller with its Prometheus metrics
  (:class:`Migration`, :class:`MigrationMetrics`).

This module imports no networkx: networkx reads ``twinbench._info`` while it
is being imported itself.
"""

from ._twinbench import (
    CsrGraph,
    EmptyGraphError,
    GraphMetrics,
    InputError,
    Migration,
    MigrationMetrics,
    NotAPartitionError,
    NotConvergedError,
    TwinbenchError,
    ZeroTotalWeightError,
    all_simple_paths,
    betweenness_centrality,
    closeness_centrality,
    clustering,
    connected_components,
    degree_centrality,
    detect_spikes,
    eigenvector_centrality,
    graph_metrics,
    greedy_modularity_communities,
    label_propagation_communities,
    modularity,
    pagerank,
    shortest_path,
)

__all__ = [
    "CsrGraph",
    "EmptyGraphError",
    "GraphMetrics",
    "InputError",
    "Migration",
    "MigrationMetrics",
    "NotAPartitionError",
    "NotConvergedError",
    "TwinbenchError",
    "ZeroTotalWeightError",
    "all_simple_paths",
    "betweenness_centrality",
    "closeness_centrality",
    "clustering",
    "connected_components",
    "degree_centrality",
    "detect_spikes",
    "eigenvector_centrality",
    "graph_metrics",
    "greedy_modularity_communities",
    "label_propagation_communities",
    "modularity",
    "pagerank",
    "shortest_path",
]
