"""The twin called from Python, as the service would call it (issue 21's
three-way timing): the original's own code, unchanged, with networkx
dispatching every call the twinbench package implements to its backend
(``nx.config.backend_priority = ["twinbench"]``), or the package function
that replaces the original (``twinbench.monitoring``).

Each function drops the graph's cached conversions (``G.__networkx_cache__``)
before it runs, so converting networkx's graph to the twin's CSR is part of
every timed call, as on a service's freshly loaded graph; a graph the
original builds inside the call (a subgraph) is converted there anyway.
Against the Rust column (the same twin, called in process on the prepared
CSR) the ratio is the cost of crossing from Python: conversion, dispatch,
building the Python answer.

Not part of the original service, and needs the ``twinbench`` wheel
(``make setup`` installs it). Prepare and output hooks are the baseline's,
so the input and the answer read are the same as the baseline's.
"""

import networkx as nx

from twinbench import alerting as twin_alerting
from twinbench.detection import detect_memory_growth_anomalies, detect_search_anomalies
from twinbench.monitoring import detect_node_creation_anomalies

from . import alerting, communities, detect, graph, metrics, paths

BACKEND = "twinbench"

# Within one call, networkx reuses the conversion it made at the call's
# start (every dispatched function of the original's code shares it) and
# warns each time it does; the reuse is the point.
nx.config.warnings_to_ignore.add("cache")


def _drop_conversions(prepared):
    """Clears every networkx graph's conversion cache in ``prepared`` (a
    graph, or a tuple of a graph and the request)."""
    if isinstance(prepared, nx.Graph):
        prepared.__networkx_cache__.clear()
    elif isinstance(prepared, (tuple, list)):
        for part in prepared:
            if isinstance(part, nx.Graph):
                part.__networkx_cache__.clear()


def _hook(module, name, kind):
    return getattr(module, f"{name}_{kind}", None) or getattr(module, kind)


def _through_backend(module, name):
    """``module.name`` with networkx dispatching to twinbench, and the
    baseline's hooks under this module's names."""
    original = getattr(module, name)

    def call(prepared):
        _drop_conversions(prepared)
        with nx.config.backend_priority(algos=[BACKEND]):
            return original(prepared)

    call.__name__ = name
    call.__doc__ = f"``{module.__name__}.{name}`` with networkx dispatching to twinbench."
    globals()[name] = call
    globals()[f"{name}_prepare"] = _hook(module, name, "prepare")
    globals()[f"{name}_output"] = _hook(module, name, "output")


#: The analytics pairs whose originals call networkx functions the backend
#: implements (harness/src/pairs/: centrality.rs, communities.rs, metrics.rs,
#: paths.rs name this module for their "twin-from-python" column).
THROUGH_BACKEND = (
    (graph, "pagerank"),
    (graph, "degree_centrality"),
    (graph, "closeness_centrality"),
    (graph, "betweenness_centrality"),
    (graph, "eigenvector_centrality"),
    (communities, "greedy_modularity"),
    (communities, "label_propagation"),
    (metrics, "graph_metrics"),
    (metrics, "node_features_as_written"),
    (paths, "paths_shortest"),
    (paths, "paths_all_simple"),
)

for _module, _name in THROUGH_BACKEND:
    _through_backend(_module, _name)


def spike_detector(frame):
    """K1.1 as the service would call its twin: ``detect_node_creation_anomalies``
    from ``twinbench.monitoring`` in place of the original method."""
    return detect_node_creation_anomalies(frame)


spike_detector_prepare = detect.spike_detector_prepare
spike_detector_output = detect.spike_detector_output


def search_flood(frame):
    """K1.2: ``twinbench.detection.detect_search_anomalies`` in place of the
    original method."""
    return detect_search_anomalies(frame)


search_flood_prepare = detect.search_flood_prepare
search_flood_output = detect.search_flood_output


def memory_growth(frame):
    """K1.3: ``twinbench.detection.detect_memory_growth_anomalies`` in place
    of the original method."""
    return detect_memory_growth_anomalies(frame)


memory_growth_prepare = detect.memory_growth_prepare
memory_growth_output = detect.memory_growth_output


def two_sigma(stream):
    """K28: the original's loop over arriving values, unchanged, with
    ``twinbench.alerting._detect_anomaly`` in place of the original's
    per-value check (the module's global swapped for the call: the bench is
    single-threaded)."""
    original = alerting._detect_anomaly
    alerting._detect_anomaly = twin_alerting._detect_anomaly
    try:
        return alerting.two_sigma(stream)
    finally:
        alerting._detect_anomaly = original


two_sigma_prepare = _hook(alerting, "two_sigma", "prepare")
two_sigma_output = _hook(alerting, "two_sigma", "output")
