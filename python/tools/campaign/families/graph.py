"""The analytics family: every function the NetworkX backend twins, called
as the original service calls it (catalog analytics.md K1–K5), the original
being networkx itself and the twin the same call with
``backend="twinbench"`` (conversion included, as the service would get it).

A call the backend declines (``NotImplementedError``: a path query on a
graph whose neighbour order is not its node order, say) is what
``backend_priority`` would hand back to networkx: counted as declined by the
shadow, not as a twin call.
"""

import networkx as nx

from twinbench.shadow import exact, scores_close

from ..case import Case
from ..graphs import random_graph

FAMILY = "analytics"
PINS = "main"

#: (rtol, atol) per function: the registry's tolerance of the pair the
#: function's twin is measured in (harness/src/pairs/*.rs).
TOLERANCES = {
    "pagerank": (1e-9, 1e-12),  # centrality.rs PAGERANK
    "degree_centrality": (0.0, 0.0),  # DEGREE_CENTRALITY: EXACT
    "closeness_centrality": (0.0, 0.0),  # CLOSENESS_CENTRALITY: EXACT
    "betweenness_centrality": (1e-11, 1e-14),  # BETWEENNESS_CENTRALITY
    "eigenvector_centrality": (1e-9, 1e-12),  # EIGENVECTOR_CENTRALITY
    "clustering": (0.0, 0.0),  # metrics.rs GRAPH_METRICS: EXACT
    "average_clustering": (0.0, 0.0),
    "average_shortest_path_length": (0.0, 0.0),
    "modularity": (1e-12, 0.0),  # communities.rs PARTITION_VALUES
}


def _scores(name):
    return scores_close(*TOLERANCES[name])


def same_communities_in_order(twin, original):
    """greedy_modularity_communities: the same sets in the same order
    (networkx sorts by size; the order among equal sizes is its tie rule)."""
    twin, original = [set(c) for c in twin], [set(c) for c in original]
    return None if twin == original else f"{len(twin)} communities vs {len(original)}, or another order"


def same_partition(twin, original):
    """label_propagation_communities: the same partition (networkx returns
    a dict's values view; only the sets are the answer)."""
    a, b = {frozenset(c) for c in twin}, {frozenset(c) for c in original}
    return None if a == b else f"partitions differ: {len(a)} vs {len(b)} communities"


def _listed(function):
    """Generators materialised inside the call, as the original does
    (``list(nx.all_simple_paths(...))``, ``list(nx.connected_components(G))``)."""

    def call(*args, **kwargs):
        return list(function(*args, **kwargs))

    return call


def _twin(function):
    def call(*args, **kwargs):
        return function(*args, backend="twinbench", **kwargs)

    return call


def _node_pair(rng, G):
    nodes = list(G)
    return rng.choice(nodes), rng.choice(nodes)


# (name, networkx function, compare, extra arguments from (rng, G), keyword arguments)
_CALLS = (
    ("pagerank", nx.pagerank, _scores("pagerank"), None, {}),
    ("degree_centrality", nx.degree_centrality, _scores("degree_centrality"), None, {}),
    ("closeness_centrality", nx.closeness_centrality, _scores("closeness_centrality"), None, {}),
    ("betweenness_centrality", nx.betweenness_centrality, _scores("betweenness_centrality"), None, {"normalized": True}),
    ("eigenvector_centrality", nx.eigenvector_centrality, _scores("eigenvector_centrality"), None, {"max_iter": 1000}),
    ("greedy_modularity_communities", nx.community.greedy_modularity_communities, same_communities_in_order, None, {}),
    ("label_propagation_communities", nx.community.label_propagation_communities, same_partition, None, {}),
    (
        "modularity",
        nx.community.modularity,
        _scores("modularity"),
        lambda rng, G: (list(nx.community.greedy_modularity_communities(G)),),
        {},
    ),
    ("shortest_path", nx.shortest_path, exact, _node_pair, {}),
    ("bidirectional_shortest_path", nx.bidirectional_shortest_path, exact, _node_pair, {}),
    ("has_path", nx.has_path, exact, _node_pair, {}),
    ("all_simple_paths", nx.all_simple_paths, exact, _node_pair, {"cutoff": 3}),
    ("clustering", nx.clustering, _scores("clustering"), None, {}),
    ("average_clustering", nx.average_clustering, _scores("average_clustering"), None, {}),
    ("connected_components", nx.connected_components, exact, None, {}),
    ("number_connected_components", nx.number_connected_components, exact, None, {}),
    ("is_connected", nx.is_connected, exact, None, {}),
    ("average_shortest_path_length", nx.average_shortest_path_length, _scores("average_shortest_path_length"), None, {}),
    ("diameter", nx.diameter, exact, None, {}),
)

_GENERATORS = {"all_simple_paths", "connected_components"}


def cases(rng, count):
    """``count`` calls, the functions in turn, each on a fresh graph."""
    sides = {}
    for name, function, _, _, _ in _CALLS:
        original = _listed(function) if name in _GENERATORS else function
        twin = _listed(_twin(function)) if name in _GENERATORS else _twin(function)
        sides[name] = (original, twin)
    for i in range(count):
        name, _, compare, extra, kwargs = _CALLS[i % len(_CALLS)]
        G, what = random_graph(rng)
        args = (G, *extra(rng, G)) if extra else (G,)
        original, twin = sides[name]
        yield Case(name, original, twin, compare, args, dict(kwargs), what)
