"""The NetworkX backend ``twinbench`` (entry point ``networkx.backends``).

networkx 3.4.2 dispatches a call here when asked to (``backend="twinbench"``,
or ``nx.config.backend_priority = ["twinbench"]``), converting the graph
with :func:`convert_from_nx` and caching the conversion in
``G.__networkx_cache__``. Every function below has networkx's signature and
networkx's semantics (return types, exceptions and their messages); the
arithmetic is the Rust twin's.

What the twins do not implement falls through, in two steps:

* :func:`can_run` refuses, before any conversion, a directed graph or a
  multigraph and every parameter value a twin does not implement (a weight
  where the twin is unweighted, a personalization vector, ...);
* a function raises ``NotImplementedError`` when only the converted graph
  shows that the twin cannot give networkx's answer (paths on a graph whose
  neighbour order is not its node order, see ``_convert``).

With ``backend_priority``, networkx then runs its own implementation. With
``backend="twinbench"`` networkx 3.4.2 raises the NotImplementedError with
the reason instead: an explicit request for the twin is never answered by
networkx behind the caller's back (a benchmark timing "the twin from Python"
would otherwise time networkx).
"""

import inspect
from contextlib import contextmanager
from functools import cache

import networkx as nx
from networkx.algorithms.community.quality import NotAPartition

from . import _twinbench as _tb
from ._convert import TwinGraph
from ._info import FUNCTIONS

_ORDER = (
    "the twin visits neighbours in node order, and this graph lists some node's "
    "neighbours in another order, which decides ties between paths"
)


@contextmanager
def _as_networkx_errors(*, max_iter=None, G=None, communities=None):
    """The one mapping from the extension's exceptions to the ones networkx
    raises in the same situation (the extension maps the kernels' errors to
    its own classes in python/src/errors.rs)."""
    try:
        yield
    except _tb.NotConvergedError as exc:
        raise nx.PowerIterationFailedConvergence(max_iter) from exc
    except _tb.EmptyGraphError as exc:
        raise nx.NetworkXPointlessConcept("cannot compute centrality for the null graph") from exc
    except _tb.NotAPartitionError as exc:
        raise NotAPartition(G, communities) from exc
    except _tb.ZeroTotalWeightError as exc:
        raise ZeroDivisionError("division by zero") from exc


# --- centrality ------------------------------------------------------------


def pagerank(
    G,
    alpha=0.85,
    personalization=None,
    max_iter=100,
    tol=1.0e-6,
    nstart=None,
    weight="weight",
    dangling=None,
):
    with _as_networkx_errors(max_iter=max_iter):
        return G.scores(_tb.pagerank(G.csr, alpha, max_iter, tol))


def degree_centrality(G):
    return G.scores(_tb.degree_centrality(G.csr))


def closeness_centrality(G, u=None, distance=None, wf_improved=True):
    return G.scores(_tb.closeness_centrality(G.csr))


def betweenness_centrality(G, k=None, normalized=True, weight=None, endpoints=False, seed=None):
    return G.scores(_tb.betweenness_centrality(G.csr))


def eigenvector_centrality(G, max_iter=100, tol=1.0e-6, nstart=None, weight=None):
    with _as_networkx_errors(max_iter=max_iter):
        return G.scores(_tb.eigenvector_centrality(G.csr, max_iter))


# --- communities -------------------------------------------------------------


def greedy_modularity_communities(G, weight=None, resolution=1, cutoff=1, best_n=None):
    if G.csr.edge_count == 0:
        return [{n} for n in G.nodes]
    numbered = G.by_label
    if numbered is None:
        raise NotImplementedError(
            "networkx breaks greedy-modularity ties by comparing node labels, "
            "and these labels cannot be sorted"
        )
    csr, labels = numbered
    position = G.index
    ranked = []
    for ids in _tb.greedy_modularity_communities(csr, resolution):
        # networkx sorts by size, stably, a dict in G's node order keyed by
        # each community's surviving node: its largest label (ids ascend).
        survivor = labels[ids[-1]]
        ranked.append(((-len(ids), position[survivor]), frozenset(labels[i] for i in ids)))
    ranked.sort(key=lambda entry: entry[0])
    return [community for _, community in ranked]


def label_propagation_communities(G):
    found = _tb.label_propagation_communities(G.csr)
    return {i: set(G.labels(ids)) for i, ids in enumerate(found)}.values()


def modularity(G, communities, weight="weight", resolution=1):
    if not isinstance(communities, list):
        communities = list(communities)
    index = G.index
    ids = []
    for community in communities:
        # networkx walks set(community); a label twice in one community
        # (or one that is not a node) is not a partition.
        members = set(community)
        if len(members) != len(community) or not all(v in G for v in members):
            raise NotAPartition(G, communities)
        ids.append([index[v] for v in members])
    with _as_networkx_errors(G=G, communities=communities):
        return _tb.modularity(G.csr, ids, weight is not None, resolution)


# --- paths -------------------------------------------------------------------


def _pair_path(G, source, target, *, tie_broken):
    """networkx's bidirectional BFS path between two nodes, None if none.
    ``tie_broken``: the caller needs the very path networkx picks among
    equally short ones (not only whether one exists)."""
    if source not in G:
        raise nx.NodeNotFound(f"Source {source} is not in G")
    if target not in G:
        raise nx.NodeNotFound(f"Target {target} is not in G")
    if tie_broken and not G.neighbours_in_node_order:
        raise NotImplementedError(_ORDER)
    if source == target:
        return [source]
    path = _tb.shortest_path(G.csr, G.index[source], G.index[target])
    return None if path is None else G.labels(path)


def bidirectional_shortest_path(G, source, target):
    path = _pair_path(G, source, target, tie_broken=True)
    if path is None:
        raise nx.NetworkXNoPath(f"No path between {source} and {target}.")
    return path


def shortest_path(G, source=None, target=None, weight=None, method="dijkstra"):
    if method not in ("dijkstra", "bellman-ford"):
        raise ValueError(f"method not supported: {method}")
    return bidirectional_shortest_path(G, source, target)


def has_path(G, source, target):
    return _pair_path(G, source, target, tie_broken=False) is not None


def _raise_when_iterated(exc):
    """networkx's all_simple_paths is a generator: its errors surface at the
    first ``next``, not at the call."""
    raise exc
    yield  # pragma: no cover  (makes this a generator)


def all_simple_paths(G, source, target, cutoff=None):
    if source not in G:
        return _raise_when_iterated(nx.NodeNotFound(f"source node {source} not in graph"))
    if target not in G:
        raise NotImplementedError("the twin takes one target node, not a collection of them")
    if not G.neighbours_in_node_order:
        raise NotImplementedError(_ORDER)
    cutoff = len(G) - 1 if cutoff is None else cutoff
    if cutoff < 0:
        return iter(())
    if source == target:
        return iter([[source]])
    found = _tb.all_simple_paths(G.csr, G.index[source], G.index[target], cutoff)
    return (G.labels(path) for path in found)


# --- whole-graph metrics -------------------------------------------------------


def clustering(G, nodes=None, weight=None):
    # networkx gives an int 0 where a node closes no triangle.
    values = _tb.clustering(G.csr).tolist()
    return dict(zip(G.nodes, [c if c else 0 for c in values]))


def average_clustering(G, nodes=None, weight=None, count_zeros=True):
    # networkx's own final step, on the twin's coefficients in node order.
    c = _tb.clustering(G.csr).tolist()
    if not count_zeros:
        c = [v for v in c if abs(v) > 0]
    return sum(c) / len(c)


def connected_components(G):
    return (set(G.labels(ids)) for ids in _tb.connected_components(G.csr))


def number_connected_components(G):
    return len(_tb.connected_components(G.csr))


def is_connected(G):
    if len(G) == 0:
        raise nx.NetworkXPointlessConcept("Connectivity is undefined for the null graph.")
    return len(_tb.connected_components(G.csr)) == 1


def average_shortest_path_length(G, weight=None, method=None):
    n = len(G)
    if n == 0:
        raise nx.NetworkXPointlessConcept(
            "the null graph has no paths, thus there is no average shortest path length"
        )
    if n == 1:
        return 0
    metrics = _tb.graph_metrics(G.csr)
    if metrics.connected_components != 1:
        raise nx.NetworkXError("Graph is not connected.")
    return metrics.average_path_length


def diameter(G, e=None, usebounds=False, weight=None):
    if len(G) == 0:
        raise NotImplementedError("the null graph's diameter is networkx's own error")
    metrics = _tb.graph_metrics(G.csr)
    if metrics.connected_components != 1:
        raise nx.NetworkXError("Found infinite path length because the graph is not connected")
    return metrics.diameter


# --- what the twins implement ----------------------------------------------------

#: Parameters whose value a twin fixes: any other value runs networkx.
_ONLY = {
    "pagerank": {"personalization": None, "nstart": None, "dangling": None},
    "closeness_centrality": {"u": None, "distance": None, "wf_improved": True},
    "betweenness_centrality": {"k": None, "normalized": True, "weight": None, "endpoints": False},
    "eigenvector_centrality": {"tol": 1.0e-6, "nstart": None, "weight": None},
    "greedy_modularity_communities": {"weight": None, "cutoff": 1, "best_n": None},
    "shortest_path": {"weight": None},
    "clustering": {"nodes": None, "weight": None},
    "average_clustering": {"nodes": None, "weight": None},
    "average_shortest_path_length": {"weight": None},
    "diameter": {"e": None, "usebounds": False, "weight": None},
}


def _iterations(arguments):
    max_iter = arguments["max_iter"]
    if isinstance(max_iter, int) and max_iter >= 0:
        return None
    return f"max_iter={max_iter!r} is not a count of iterations"


def _pair(arguments):
    if arguments["source"] is None or arguments["target"] is None:
        return "the twin finds the path between one source and one target; both must be given"
    return None


def _unweighted_method(arguments):
    if arguments["method"] not in (None, "unweighted"):
        return f"method={arguments['method']!r}: the twin runs the unweighted breadth-first search"
    return None


#: Checks beyond fixed values; each returns None or the reason it refuses.
_CHECKS = {
    "pagerank": _iterations,
    "eigenvector_centrality": _iterations,
    "shortest_path": _pair,
    "average_shortest_path_length": _unweighted_method,
}


def _same(value, required):
    if required is None:
        return value is None
    return value is not None and type(value) is not str and value == required


@cache
def _signature(name):
    return inspect.signature(getattr(interface, name))


def can_run(name, args, kwargs):
    """True when the twin implements this call, else the reason it does
    not (networkx logs it, and runs its own implementation when dispatching
    through ``backend_priority``)."""
    if not hasattr(interface, name):
        return f"twinbench has no twin of {name}"
    try:
        bound = _signature(name).bind(*args, **kwargs)
    except TypeError as exc:
        return f"the arguments do not fit {name}: {exc}"
    bound.apply_defaults()
    arguments = bound.arguments
    G = arguments["G"]
    if G.is_directed() or G.is_multigraph():
        return "the twins take undirected simple graphs (nx.Graph) only"
    for param, required in _ONLY.get(name, {}).items():
        if not _same(arguments[param], required):
            return f"{param}={arguments[param]!r} is not implemented by the twin (only {param}={required!r})"
    check = _CHECKS.get(name)
    reason = check(arguments) if check is not None else None
    return True if reason is None else reason


def should_run(name, args, kwargs):
    """Whenever it can: the twins are faster than networkx at every size
    the harness measures."""
    return True


def convert_from_nx(
    G,
    edge_attrs=None,
    node_attrs=None,
    preserve_edge_attrs=False,
    preserve_node_attrs=False,
    preserve_graph_attrs=False,
    name=None,
    graph_name=None,
):
    """``G`` as a :class:`TwinGraph`, carrying the one edge attribute the
    call reads (``edge_attrs``, e.g. ``{"weight": 1}`` for pagerank), or
    weight 1 on every edge when it reads none."""
    if G.is_directed() or G.is_multigraph():
        raise NotImplementedError("the twins take undirected simple graphs (nx.Graph) only")
    weight, default = None, 1.0
    if edge_attrs:
        if len(edge_attrs) != 1:
            raise NotImplementedError(f"the twins read at most one edge attribute, not {sorted(edge_attrs)}")
        ((weight, default),) = edge_attrs.items()
        default = 1.0 if default is None else default
    return TwinGraph.from_networkx(G, weight, default)


def convert_to_nx(obj, *, name=None):
    """Results are plain Python objects already; a TwinGraph has no way back
    (the backend never returns one)."""
    if isinstance(obj, TwinGraph):
        raise NotImplementedError("a TwinGraph cannot be converted back to networkx")
    return obj


class _Interface:
    """What networkx loads: one attribute per implemented function, plus
    the conversion and dispatch hooks."""


interface = _Interface()
for _name in FUNCTIONS:
    setattr(interface, _name, globals()[_name])
for _hook in (can_run, should_run, convert_from_nx, convert_to_nx):
    setattr(interface, _hook.__name__, _hook)
