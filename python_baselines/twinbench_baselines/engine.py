"""The analytics engine's own graph code, which does not call networkx
(catalog analytics.md K9 ``AnalyticsEngine.calculate_graph_metrics``, K10
``AnalyticsEngine.analyze_paths``), and the Kùzu engine's pair clustering
(K27 ``KuzuAnalyticsEngine._build_clusters_from_pairs``).

The engine receives the graph as Kùzu rows: node dicts with a string ``id`` and
one edge dict per DIRECTED relationship row with string ``source`` and
``target``. Ids here are ``f"n{i}"``, built per row as separate string objects
as the database driver returns them, so list membership tests compare by
value as they would in production. Edge rows keep the input's order.
"""

from collections import deque
from dataclasses import dataclass

import numpy as np

from .graph import prepare as prepare_graph
from .paths import path_lists

#: ``max_depth`` of the K10 request: ``PathAnalysisRequest``'s default
#: (models.py L69 at 9455c19), which the route runs with when the caller
#: names none. (Until issue 14 the pair ran depth 3, which leaves more of a
#: Barabási-Albert graph beyond the limit and so shows the depth-limit
#: defects more often, but is lighter than what the original runs; the
#: kernels' unit tests and the differential tests keep those defects covered.)
BFS_MAX_DEPTH = 5
#: K27 ``min_cluster_size`` (the original's default): clusters need 3 members.
MIN_CLUSTER_SIZE = 3
#: K27 strength filter: pairs with ``relationship_strength >= 8`` reach the
#: clustering. The Cypher query filters its strength (a count of parallel
#: relationships) at ``min_cluster_size``; the benchmark graphs carry a 1-10
#: weight per edge instead, used as the strength. A cut at 3 keeps 80% of a
#: Barabási-Albert graph's edges and leaves one giant cluster; the strongest
#: 30% (>= 8) leave a large cluster and many small ones, so every merge
#: branch and the size filter are exercised.
STRENGTH_THRESHOLD = 8.0


def node_id(i):
    return f"n{i}"


def parse_id(text):
    """``"n17"`` (or ``"e17"``) → 17."""
    return int(text[1:])


def engine_rows(n, src, dst):
    """Node dicts and directed edge-row dicts as ``get_graph_data`` returns them."""
    nodes = [{"id": node_id(i)} for i in range(int(n))]
    edges = [
        {"source": node_id(u), "target": node_id(v)} for u, v in zip(src.tolist(), dst.tolist())
    ]
    return nodes, edges


# --------------------------------------------------------------------------
# K9 calculate_graph_metrics


def graph_metrics_prepare(n, src, dst, weight):
    return engine_rows(n, src, dst)


def graph_metrics(prepared):
    """K9: node and raw edge-row counts, density = rows / (n(n-1)/2),
    average clustering fixed at 0.0, components of the undirected graph the
    rows span (edges with an unknown endpoint dropped, parallel edges merged).

    The original finds components with a RECURSIVE DFS (see
    ``graph_metrics_as_written``), which raises RecursionError as soon as a
    DFS chain passes Python's recursion limit (1000 frames): measured on
    Barabási-Albert graphs (m=3), some fail from 1,750 nodes and all from
    2,000 on (the depth depends on set order, i.e. on PYTHONHASHSEED). As the
    evident intent,
    this baseline walks the same DFS with an explicit stack of neighbour
    iterators: the same visit order, the same components, no recursion.
    """
    nodes, edges = prepared
    node_count = len(nodes)
    edge_count = len(edges)
    if node_count == 0:
        return _metrics(0, 0, 0.0, 0, 0)
    max_edges = node_count * (node_count - 1) / 2
    density = edge_count / max_edges if max_edges > 0 else 0.0
    adjacency = _adjacency_sets(nodes, edges)
    visited = set()
    components = []
    for start in adjacency:
        if start in visited:
            continue
        visited.add(start)
        component = [start]
        stack = [iter(adjacency.get(start, []))]
        while stack:
            for neighbor in stack[-1]:
                if neighbor not in visited:
                    visited.add(neighbor)
                    component.append(neighbor)
                    stack.append(iter(adjacency.get(neighbor, [])))
                    break
            else:
                stack.pop()
        components.append(component)
    largest = max(len(c) for c in components) if components else 0
    return _metrics(node_count, edge_count, density, len(components), largest)


def graph_metrics_as_written(prepared):
    """K9 exactly as the original writes it, recursion included. Not a
    benchmark kernel: it documents where production fails (RecursionError)."""
    nodes, edges = prepared
    node_count = len(nodes)
    edge_count = len(edges)
    if node_count == 0:
        return _metrics(0, 0, 0.0, 0, 0)
    max_edges = node_count * (node_count - 1) / 2
    density = edge_count / max_edges if max_edges > 0 else 0.0
    adjacency = _adjacency_sets(nodes, edges)
    visited = set()
    components = []

    def dfs(node, component):
        if node in visited:
            return
        visited.add(node)
        component.append(node)
        for neighbor in adjacency.get(node, []):
            dfs(neighbor, component)

    for start in adjacency:
        if start not in visited:
            component = []
            dfs(start, component)
            if component:
                components.append(component)
    largest = max(len(c) for c in components) if components else 0
    return _metrics(node_count, edge_count, density, len(components), largest)


def _adjacency_sets(nodes, edges):
    adjacency = {}
    for node in nodes:
        adjacency[node.get("id", str(node))] = set()
    for edge in edges:
        source = edge.get("source")
        target = edge.get("target")
        if source in adjacency and target in adjacency:
            adjacency[source].add(target)
            adjacency[target].add(source)
    return adjacency


def _metrics(node_count, edge_count, density, components, largest):
    """The ``GraphMetrics`` fields K9 fills (path length and diameter stay None)."""
    return {
        "node_count": node_count,
        "edge_count": edge_count,
        "density": density,
        "average_clustering": 0.0,
        "connected_components": components,
        "largest_component_size": largest,
    }


def graph_metrics_output(result, prepared):
    """VALUES: ``[node_count, edge_count, density, average_clustering (0.0),
    connected_components, largest_component_size]``."""
    return np.array(
        [
            result["node_count"],
            result["edge_count"],
            result["density"],
            result["average_clustering"],
            result["connected_components"],
            result["largest_component_size"],
        ],
        dtype=np.float64,
    )


# --------------------------------------------------------------------------
# K10 analyze_paths (the engine's own BFS)


@dataclass
class PathRequest:
    """The ``PathAnalysisRequest`` fields the route reads."""

    source_nodes: list
    target_nodes: list | None = None
    max_depth: int = 5
    filters: dict | None = None


def bfs_sources(n):
    """Sources of the K10 request: the oldest node (a hub), the middle one and
    the newest one, without repeats (the same choice as K4 "shortest")."""
    sources = []
    for node in (0, n // 2, n - 1):
        if 0 <= node < n and node not in sources:
            sources.append(node)
    return sources


def kuzu_rows(n, src, dst):
    """What Kùzu hands the engine for ``MATCH (n) RETURN n`` and ``MATCH
    (a)-[r]->(b) RETURN a, r, b``, in the form of the original's
    ``isinstance(result, list)`` branch: node rows ``[node]`` and edge rows
    ``[a, r, b]``, every node a dict with a string ``id``. The endpoint dicts
    and their ids are separate objects per row, as a driver returns them, so
    the route's membership tests compare strings by value. The relationship
    dict is empty: the benchmark graph's edges carry nothing the route reads.
    """
    node_rows = [[{"id": node_id(i)}] for i in range(int(n))]
    edge_rows = [
        [{"id": node_id(u)}, {}, {"id": node_id(v)}] for u, v in zip(src.tolist(), dst.tolist())
    ]
    return node_rows, edge_rows


def get_graph_data(rows):
    """The Python part of ``AnalyticsEngine.get_graph_data`` (engine.py
    L100-168 at 9455c19): the rows of the two queries turned into node dicts
    and ``{"source", "target", **relationship}`` edge dicts (the list branch).
    The queries themselves are the database's work and not timed; the
    ``performance_monitor`` gauge update is left out with the ``with`` block
    that raises (D013)."""
    node_result, edge_result = rows
    nodes = []
    for row in node_result:
        if row and len(row) > 0:
            node_data = row[0] if isinstance(row[0], dict) else {"id": str(row[0])}
            nodes.append(node_data)
    edges = []
    for row in edge_result:
        if row and len(row) >= 3:
            source_id = row[0].get("id") if isinstance(row[0], dict) else str(row[0])
            target_id = row[2].get("id") if isinstance(row[2], dict) else str(row[2])
            rel_data = row[1] if isinstance(row[1], dict) else {}
            edge = {"source": source_id, "target": target_id, **rel_data}
            edges.append(edge)
    return {"nodes": nodes, "edges": edges}


def calculate_graph_metrics(rows):
    """``AnalyticsEngine.calculate_graph_metrics`` as the route calls it: its
    own ``get_graph_data``, then K9 (``graph_metrics``, the explicit-stack
    DFS of D008: the recursive one raises RecursionError from ~1,750 nodes,
    which would fail the whole route)."""
    graph_data = get_graph_data(rows)
    return graph_metrics((graph_data["nodes"], graph_data["edges"]))


def bfs_paths_prepare(n, src, dst, weight):
    """The database rows (``kuzu_rows``) and the request: sources
    ``bfs_sources``, every node a target, ``max_depth`` the request default."""
    sources = [node_id(s) for s in bfs_sources(int(n))]
    request = PathRequest(source_nodes=sources, max_depth=BFS_MAX_DEPTH)
    return kuzu_rows(n, src, dst), request


def _bfs_as_written(adjacency, request):
    """The route's BFS (engine.py L453-485 at 9455c19), line for line."""
    paths = []
    target_nodes = request.target_nodes or list(adjacency.keys())

    for source in request.source_nodes:
        if source not in adjacency:
            continue

        queue = [(source, [source])]
        visited = {source}

        while queue:
            current, path = queue.pop(0)

            if len(path) > request.max_depth + 1:
                continue

            for neighbor in adjacency.get(current, []):
                if neighbor not in visited:
                    new_path = path + [neighbor]

                    if neighbor in target_nodes and neighbor != source:
                        paths.append({
                            "source": source,
                            "target": neighbor,
                            "path": new_path,
                            "length": len(new_path) - 1,
                        })

                    if len(new_path) <= request.max_depth + 1:
                        queue.append((neighbor, new_path))
                        visited.add(neighbor)
    return paths


def _bfs_fixed(adjacency, request):
    """The same BFS with a ``deque`` for the FIFO and a set for target
    membership; the two defects as written, so the same records."""
    paths = []
    target_set = set(request.target_nodes or adjacency.keys())
    limit = request.max_depth + 1
    for source in request.source_nodes:
        if source not in adjacency:
            continue
        queue = deque([(source, [source])])
        visited = {source}
        while queue:
            current, path = queue.popleft()
            if len(path) > limit:
                continue
            for neighbor in adjacency[current]:
                if neighbor not in visited:
                    new_path = path + [neighbor]
                    if neighbor in target_set and neighbor != source:
                        paths.append(
                            {
                                "source": source,
                                "target": neighbor,
                                "path": new_path,
                                "length": len(new_path) - 1,
                            }
                        )
                    if len(new_path) <= limit:
                        queue.append((neighbor, new_path))
                        visited.add(neighbor)
    return paths


def _analyze_paths_route(prepared, bfs):
    """``AnalyticsEngine.analyze_paths`` (engine.py L427-522 at 9455c19) as
    the route runs it: ``get_graph_data``, then ``calculate_graph_metrics``
    (a second fetch and K9), the adjacency lists, the BFS, the statistics and
    the response fields. The wall-clock ``execution_time`` and the realtime
    publish (I/O) are left out.

    Returns the response fields plus ``all_paths``: the original computes
    every path but responds with only the first 100; the comparison uses all.
    """
    rows, request = prepared
    graph_data = get_graph_data(rows)
    graph_metrics_result = calculate_graph_metrics(rows)

    nodes = graph_data["nodes"]
    edges = graph_data["edges"]

    adjacency = {}
    for node in nodes:
        node_id_ = node.get("id", str(node))
        adjacency[node_id_] = []

    for edge in edges:
        source = edge.get("source")
        target = edge.get("target")
        if source in adjacency and target in adjacency:
            adjacency[source].append(target)
            adjacency[target].append(source)

    paths = bfs(adjacency, request)

    path_statistics = {}
    if paths:
        lengths = [p["length"] for p in paths]
        path_statistics = {
            "average_path_length": sum(lengths) / len(lengths),
            "min_path_length": min(lengths),
            "max_path_length": max(lengths),
            "total_paths": len(paths),
        }

    return {
        "paths_found": len(paths),
        "paths": paths[:100],
        "path_statistics": path_statistics,
        "graph_metrics": graph_metrics_result,
        "all_paths": paths,
    }


def bfs_paths(prepared):
    """K10, the path-analysis route as the original runs it (see
    ``_analyze_paths_route``), with the request's default depth.

    Kept exactly as slow as the original: ``queue.pop(0)`` shifts the whole
    queue, and ``neighbor in target_nodes`` scans the target list (every node
    by default) for each newly reached node, so a search that reaches all n
    nodes costs O(n^2) string comparisons. Two defects are reproduced: a
    neighbour is recorded before the depth check, so paths of max_depth + 1
    edges are reported; and such frontier nodes are never marked visited, so
    one is recorded again from every parent (and parallel edge) reaching it.
    """
    return _analyze_paths_route(prepared, _bfs_as_written)


def bfs_paths_fixed(prepared):
    """K10 with its accidental slowness fixed (``_bfs_fixed``); the fetches,
    K9 and everything else as written, so the output is identical to
    ``bfs_paths``."""
    return _analyze_paths_route(prepared, _bfs_fixed)


bfs_paths_fixed_prepare = bfs_paths_prepare


def bfs_paths_output(result, prepared):
    """``paths.path_lists`` over every recorded path (not only the 100 the
    response carries), node ids parsed back to integers, in recording order;
    the response's K9 ``graph_metrics`` (``graph_metrics_output``'s six
    values) appended to the values."""
    flat, offsets, values = path_lists(
        result["all_paths"], result["paths_found"], result["path_statistics"], node_id=parse_id
    )
    metrics = graph_metrics_output(result["graph_metrics"], None)
    return flat, offsets, np.concatenate([values, metrics])


bfs_paths_fixed_output = bfs_paths_output


# --------------------------------------------------------------------------
# K27 _build_clusters_from_pairs


def entity_id(i):
    return f"e{i}"


def pair_rows(graph, min_strength):
    """The rows the Kùzu query hands to the clustering, built from the graph:
    one per undirected edge (self-loops excluded, as ``a.id < b.id`` excludes
    them), ``entity_a`` the endpoint whose STRING id is smaller (``"e10" <
    "e9"``), ``relationship_strength`` the edge weight, kept when at least
    ``min_strength``, ordered by strength descending; equal strengths keep
    canonical edge order (by lower node id, then higher), a stable sort.
    """
    rows = []
    for u, v, w in graph.edges(data="weight"):
        if u == v or w < min_strength:
            continue
        a, b = entity_id(u), entity_id(v)
        if b < a:
            a, b = b, a
        rows.append({"entity_a": a, "entity_b": b, "relationship_strength": w})
    rows.sort(key=lambda row: row["relationship_strength"], reverse=True)
    return rows


def pair_clusters_prepare(n, src, dst, weight):
    """Pair rows from the graph (K0 semantics: a repeated edge keeps its last
    weight) with strength >= STRENGTH_THRESHOLD, and ``min_size`` 3. Building
    the rows stands for the Cypher query and is not timed."""
    graph = prepare_graph(n, src, dst, weight)
    return pair_rows(graph, STRENGTH_THRESHOLD), MIN_CLUSTER_SIZE


def pair_clusters(prepared):
    """K27 ``_build_clusters_from_pairs(pairs, min_size)`` as written
    (kuzu_analytics.py L557-598 at 9455c19), line for line: an
    entity → cluster-index map and Python lists; a merge appends cluster b's
    members to cluster a and re-points each of them (O(|b|), whatever the
    sizes), leaving b empty. Clusters in creation order, members in
    insertion/merge order, kept when they have at least ``min_size`` members.
    """
    pairs, min_size = prepared
    entity_map = {}
    clusters = []
    for pair in pairs:
        entity_a = str(pair["entity_a"])
        entity_b = str(pair["entity_b"])
        cluster_a = entity_map.get(entity_a)
        cluster_b = entity_map.get(entity_b)
        if cluster_a is None and cluster_b is None:
            new_cluster = [entity_a, entity_b]
            clusters.append(new_cluster)
            entity_map[entity_a] = len(clusters) - 1
            entity_map[entity_b] = len(clusters) - 1
        elif cluster_a is not None and cluster_b is None:
            clusters[cluster_a].append(entity_b)
            entity_map[entity_b] = cluster_a
        elif cluster_a is None and cluster_b is not None:
            clusters[cluster_b].append(entity_a)
            entity_map[entity_a] = cluster_b
        elif cluster_a is not None and cluster_b is not None and cluster_a != cluster_b:
            clusters[cluster_a].extend(clusters[cluster_b])
            for entity in clusters[cluster_b]:
                entity_map[entity] = cluster_a
            clusters[cluster_b] = []
    return [cluster for cluster in clusters if len(cluster) >= min_size]


def pair_clusters_output(result, prepared):
    """LISTS: one list per returned cluster, its members as integer ids in
    member order; values ``[number of clusters]``."""
    offsets = np.zeros(len(result) + 1, dtype=np.int64)
    sizes = np.fromiter((len(c) for c in result), dtype=np.int64, count=len(result))
    offsets[1:] = np.cumsum(sizes)
    flat = np.fromiter(
        (parse_id(e) for c in result for e in c), dtype=np.int64, count=int(offsets[-1])
    )
    return flat, offsets, np.array([len(result)], dtype=np.float64)


def pair_clusters_fixed(prepared):
    """K27 in near-linear time with the same output as ``pair_clusters``.

    The original's cost is the merge: it copies cluster b into cluster a and
    re-points every moved entity, whatever their sizes, so a growing cluster
    merged into small ones is copied again and again (O(n^2)). Here each
    cluster is a linked list of member slots (a merge splices b after a in
    O(1), keeping the member order) and an entity finds its current cluster
    through a union-find over cluster indices whose root carries the live
    cluster's index.
    """
    pairs, min_size = prepared
    joined = {}  # entity -> index of the cluster it joined first
    parent, size, label = [], [], []  # union-find over cluster indices
    head, tail, length = [], [], []  # per cluster: first/last slot, members
    member, following = [], []  # per slot: entity, next slot (-1 = none)

    def root(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    def cluster_of(entity):
        first = joined.get(entity)
        return None if first is None else label[root(first)]

    def append(c, entity):
        slot = len(member)
        member.append(entity)
        following.append(-1)
        if tail[c] < 0:
            head[c] = slot
        else:
            following[tail[c]] = slot
        tail[c] = slot
        length[c] += 1

    for pair in pairs:
        entity_a = str(pair["entity_a"])
        entity_b = str(pair["entity_b"])
        cluster_a = cluster_of(entity_a)
        cluster_b = cluster_of(entity_b)
        if cluster_a is None and cluster_b is None:
            c = len(head)
            parent.append(c)
            size.append(1)
            label.append(c)
            head.append(-1)
            tail.append(-1)
            length.append(0)
            append(c, entity_a)
            append(c, entity_b)
            joined[entity_a] = c
            joined[entity_b] = c
        elif cluster_b is None:
            append(cluster_a, entity_b)
            joined[entity_b] = cluster_a
        elif cluster_a is None:
            append(cluster_b, entity_a)
            joined[entity_a] = cluster_b
        elif cluster_a != cluster_b:
            if head[cluster_b] >= 0:
                if tail[cluster_a] < 0:
                    head[cluster_a] = head[cluster_b]
                else:
                    following[tail[cluster_a]] = head[cluster_b]
                tail[cluster_a] = tail[cluster_b]
                length[cluster_a] += length[cluster_b]
                head[cluster_b] = tail[cluster_b] = -1
                length[cluster_b] = 0
            ra, rb = root(cluster_a), root(cluster_b)
            if size[ra] < size[rb]:
                ra, rb = rb, ra
            parent[rb] = ra
            size[ra] += size[rb]
            label[ra] = cluster_a
    clusters = []
    for c in range(len(head)):
        if length[c] >= min_size:
            items = []
            slot = head[c]
            while slot >= 0:
                items.append(member[slot])
                slot = following[slot]
            clusters.append(items)
    return clusters


pair_clusters_fixed_prepare = pair_clusters_prepare
pair_clusters_fixed_output = pair_clusters_output
