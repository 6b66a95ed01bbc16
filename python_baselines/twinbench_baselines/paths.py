"""K4 path analysis (catalog analytics.md, ``GraphAlgorithms.analyze_paths``).

Two kernels share the original's code: ``paths_shortest`` (path_type
"shortest": ``nx.has_path`` then ``nx.shortest_path``, the bidirectional BFS)
and ``paths_all_simple`` (path_type "all_simple": ``nx.all_simple_paths`` with
``cutoff=max_depth``). The request parameters are derived from the node count
alone, so the Rust twin picks the same ones (``kernels/src/graph/paths.rs``,
``benchmark_sources`` / ``all_simple_targets``).
"""

import networkx as nx
import numpy as np

from .graph import prepare as prepare_graph

#: ``max_depth`` of the "shortest" request: the request model's default.
SHORTEST_MAX_DEPTH = 5
#: ``max_depth`` (= ``cutoff``) of the "all_simple" request. The default 5
#: explodes on scale-free graphs: every (source, target) pair re-runs a DFS
#: over all simple paths of up to ``cutoff`` edges from the source, and with
#: cutoff 5 that is millions of paths per pair through the hubs. Cutoff 4
#: keeps one pair at 5-80 ms in networkx.
ALL_SIMPLE_CUTOFF = 4
#: The "all_simple" request names this many targets: the oldest nodes
#: ``0..32`` (the hubs of a Barabási-Albert graph, so paths exist to them).
ALL_SIMPLE_TARGETS = 32


def benchmark_sources(n):
    """Source nodes of the "shortest" request: the oldest node (a hub), the
    middle one and the newest one (degree m), without repeats, in that order."""
    sources = []
    for node in (0, n // 2, n - 1):
        if 0 <= node < n and node not in sources:
            sources.append(node)
    return sources


def analyze_paths(graph, source_nodes, target_nodes=None, max_depth=5, path_type="shortest"):
    """The original's ``_analyze`` closure (algorithms.py L224-286 at
    9455c19), line for line, run directly (the original submits it to a
    thread pool and awaits it)."""
    results = {"paths": [], "statistics": {}, "paths_found": 0}
    if target_nodes is None:
        target_nodes_list = list(graph.nodes())
    else:
        target_nodes_list = target_nodes
    for source in source_nodes:
        if source not in graph:
            continue
        for target in target_nodes_list:
            if target not in graph or source == target:
                continue
            try:
                if path_type == "shortest":
                    # has_path runs the same bidirectional search as
                    # shortest_path: every pair is searched twice.
                    if nx.has_path(graph, source, target):
                        path = nx.shortest_path(graph, source, target)
                        length = len(path) - 1
                        if length <= max_depth:
                            path_info = {
                                "source": source,
                                "target": target,
                                "path": path,
                                "length": length,
                            }
                            results["paths"].append(path_info)
                            results["paths_found"] = results["paths_found"] + 1
                elif path_type == "all_simple":
                    paths = list(
                        nx.all_simple_paths(graph, source, target, cutoff=max_depth)
                    )
                    for path in paths:
                        path_info = {
                            "source": source,
                            "target": target,
                            "path": path,
                            "length": len(path) - 1,
                        }
                        results["paths"].append(path_info)
                        results["paths_found"] = results["paths_found"] + 1
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                continue
    _statistics(results)
    return results


def _statistics(results):
    """The original's statistics block (algorithms.py L274-284 at 9455c19):
    the lengths of the dict entries that carry one, ``min``/``max`` as the
    ints they are (HEAD dropped 084a67a's ``int(...)`` wrapping)."""
    paths_list = results["paths"]
    if isinstance(paths_list, list) and len(paths_list) > 0:
        lengths = [p["length"] for p in paths_list if isinstance(p, dict) and "length" in p]
        if lengths:
            results["statistics"] = {
                "average_path_length": float(np.mean(lengths)),
                "min_path_length": min(lengths),
                "max_path_length": max(lengths),
                "total_paths": len(paths_list),
            }


def paths_shortest_prepare(n, src, dst, weight):
    """The graph (K0) and the "shortest" request: sources ``benchmark_sources``,
    every node a target (``target_nodes=None``), ``max_depth`` 5."""
    graph = prepare_graph(n, src, dst, weight)
    return graph, benchmark_sources(int(n)), None, SHORTEST_MAX_DEPTH, "shortest"


def paths_shortest(prepared):
    """K4 "shortest": one networkx shortest path per (source, target) pair,
    kept when it has at most ``max_depth`` edges."""
    graph, sources, targets, max_depth, path_type = prepared
    return analyze_paths(graph, sources, targets, max_depth, path_type)


def paths_shortest_fixed(prepared):
    """K4 "shortest" without the accidental double search: ``nx.has_path``
    runs the same bidirectional search as ``nx.shortest_path``, so this calls
    ``shortest_path`` alone and treats ``NetworkXNoPath`` as "no path". Same
    paths, same order, half the searches."""
    graph, sources, targets, max_depth, _ = prepared
    results = {"paths": [], "statistics": {}, "paths_found": 0}
    target_list = list(graph.nodes()) if targets is None else targets
    for source in sources:
        if source not in graph:
            continue
        for target in target_list:
            if target not in graph or source == target:
                continue
            try:
                path = nx.shortest_path(graph, source, target)
            except nx.NetworkXNoPath:
                continue
            if len(path) - 1 <= max_depth:
                results["paths"].append(
                    {"source": source, "target": target, "path": path, "length": len(path) - 1}
                )
                results["paths_found"] = results["paths_found"] + 1
    _statistics(results)
    return results


paths_shortest_fixed_prepare = paths_shortest_prepare


def all_simple_targets(n):
    """Targets of the "all_simple" request: nodes ``0..min(n, 32)``."""
    return list(range(min(int(n), ALL_SIMPLE_TARGETS)))


def paths_all_simple_prepare(n, src, dst, weight):
    """The graph (K0) and the "all_simple" request: the newest node as the only
    source, targets ``all_simple_targets``, cutoff 4 (see ALL_SIMPLE_CUTOFF)."""
    graph = prepare_graph(n, src, dst, weight)
    n = int(n)
    sources = [n - 1] if n > 0 else []
    return graph, sources, all_simple_targets(n), ALL_SIMPLE_CUTOFF, "all_simple"


def paths_all_simple(prepared):
    """K4 "all_simple": every simple path of at most ``max_depth`` edges per
    (source, target) pair, in networkx's DFS order, pairs in request order."""
    graph, sources, targets, max_depth, path_type = prepared
    return analyze_paths(graph, sources, targets, max_depth, path_type)


def path_lists(paths, paths_found, stats, node_id=int):
    """LISTS for path results (K4 here, K10 in ``engine``): one list per path,
    its nodes (as ``node_id(node)``) from source to target, so the source and
    target are its first and last entries, in result order; values
    ``[paths_found, average_path_length, min_path_length, max_path_length,
    total_paths]``, the four statistics NaN when there are none (the original
    leaves the dict empty then)."""
    offsets = np.zeros(len(paths) + 1, dtype=np.int64)
    lengths = np.fromiter((len(p["path"]) for p in paths), dtype=np.int64, count=len(paths))
    offsets[1:] = np.cumsum(lengths)
    flat = np.fromiter(
        (node_id(node) for p in paths for node in p["path"]),
        dtype=np.int64,
        count=int(offsets[-1]),
    )
    if stats:
        values = [
            paths_found,
            stats["average_path_length"],
            stats["min_path_length"],
            stats["max_path_length"],
            stats["total_paths"],
        ]
    else:
        values = [paths_found, np.nan, np.nan, np.nan, np.nan]
    return flat, offsets, np.asarray(values, dtype=np.float64)


def output(result, prepared):
    """``path_lists`` of the original's result, every path it returns."""
    return path_lists(result["paths"], result["paths_found"], result["statistics"])
