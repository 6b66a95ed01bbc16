"""Community detection (catalog analytics K2) and per-community metrics (K3),
called as the original's ``GraphAlgorithms.detect_communities`` calls them,
with its defaults ``resolution=1.0`` and ``min_community_size=3``.

Three timed kernels, one per branch of the original:

* ``greedy_modularity``: ``algorithm="greedy_modularity"``, which is also what
  ``algorithm="louvain"`` runs in production (python-louvain is not in the
  original's requirements, so its ImportError fallback is taken);
* ``label_propagation``: ``algorithm="label_propagation"``;
* ``louvain``: ``algorithm="louvain"`` with python-louvain installed.

Each returns the original's ``(filtered_partition, modularity,
community_metrics)``; ``output`` turns it into the LISTS layout.
"""

from typing import NamedTuple

import community as community_louvain
import networkx as nx
import numpy as np

from .graph import prepare  # noqa: F401  (the harness builds inputs with it)

RESOLUTION = 1.0
MIN_COMMUNITY_SIZE = 3
# numpy's global RandomState is seeded with this before each Louvain call, so
# the call is reproducible; the Rust twin takes the same seed.
LOUVAIN_SEED = 0


class CommunityMetrics(NamedTuple):
    """The fields of the original's pydantic ``CommunityMetrics`` model.

    The original's model declares ``community_id: str`` and ``central_nodes:
    List[str]``; pydantic 2.11.5 (its pin) does not coerce ints to str, so on
    the benchmark graphs (int node ids) constructing it raises
    ValidationError for every community (defect D022). A plain record keeps
    what the kernel computes; the model's validation (a few microseconds per
    community) is not timed."""

    community_id: object
    size: int
    density: float
    modularity_contribution: float
    central_nodes: list
    keywords: list


def _partition(communities):
    """Node -> ``str(index)``, communities in the order the algorithm returns
    them, each community's nodes in its set's iteration order (as the original
    builds it)."""
    partition = {}
    for i, members in enumerate(communities):
        for node in members:
            partition[node] = str(i)
    return partition


def _community_metrics(graph, partition):
    """The original's ``_calculate_community_metrics`` body (K3, algorithms.py
    L164-209 at 9455c19), line for line."""
    communities = {}
    for node, comm_id in partition.items():
        if comm_id not in communities:
            communities[comm_id] = []
        communities[comm_id].append(node)

    metrics = []
    for comm_id, nodes in communities.items():
        subgraph = graph.subgraph(nodes)
        possible_edges = len(nodes) * (len(nodes) - 1) / 2
        actual_edges = subgraph.number_of_edges()
        density = actual_edges / possible_edges if possible_edges > 0 else 0
        # Ties keep the subgraph's node order: its node *set*'s hash order when
        # the community has fewer than half the graph's nodes.
        degrees = dict(subgraph.degree())
        central_nodes = sorted(degrees.keys(), key=lambda x: degrees[x], reverse=True)[:5]
        keywords = []
        for node in nodes:
            node_data = graph.nodes[node]
            if "tags" in node_data:
                if isinstance(node_data["tags"], list):
                    keywords.extend(node_data["tags"])
            if "keywords" in node_data:
                if isinstance(node_data["keywords"], list):
                    keywords.extend(node_data["keywords"])
        # The original imports Counter here, once per community.
        from collections import Counter

        keyword_counts = Counter(keywords)
        top_keywords = [kw for kw, _ in keyword_counts.most_common(10)]
        metrics.append(
            CommunityMetrics(
                community_id=comm_id,
                size=len(nodes),
                density=density,
                modularity_contribution=0.0,
                central_nodes=central_nodes,
                keywords=top_keywords,
            )
        )
    return metrics


def _filter_and_measure(graph, partition, modularity, min_community_size=MIN_COMMUNITY_SIZE):
    """The original's tail of ``detect_communities``: drop communities with
    fewer than ``min_community_size`` members, then K3 on the survivors."""
    community_sizes = {}
    for node, comm_id in partition.items():
        community_sizes[comm_id] = community_sizes.get(comm_id, 0) + 1
    filtered_partition = {
        node: comm_id
        for node, comm_id in partition.items()
        if community_sizes[comm_id] >= min_community_size
    }
    return filtered_partition, modularity, _community_metrics(graph, filtered_partition)


def greedy_modularity(graph):
    """K2 ``algorithm="greedy_modularity"`` (and the production ``"louvain"``
    fallback) + K3: Clauset-Newman-Moore on the UNWEIGHTED graph (networkx's
    default ``weight=None``), then the modularity of its partition on the
    WEIGHTED graph at resolution 1, whatever resolution CNM used."""
    communities = nx.community.greedy_modularity_communities(graph, resolution=RESOLUTION)
    partition = _partition(communities)
    modularity = nx.community.modularity(graph, communities)
    return _filter_and_measure(graph, partition, modularity)


def label_propagation(graph):
    """K2 ``algorithm="label_propagation"`` + K3: semi-synchronous label
    propagation (deterministic), weighted modularity at resolution 1."""
    communities = nx.community.label_propagation_communities(graph)
    partition = _partition(communities)
    modularity = nx.community.modularity(graph, communities)
    return _filter_and_measure(graph, partition, modularity)


def louvain(graph):
    """K2 ``algorithm="louvain"`` with python-louvain installed + K3:
    ``best_partition`` on the weighted graph, then python-louvain's own
    modularity (weighted).

    The original passes no ``random_state``, so python-louvain shuffles with
    numpy's unseeded global generator and no two calls agree. The call below
    is the original's, unchanged; only the global generator is first seeded
    with ``LOUVAIN_SEED`` (about 10 us), which makes the result reproducible
    and lets the Rust twin, given the same seed, match it exactly.
    """
    np.random.seed(LOUVAIN_SEED)
    partition = community_louvain.best_partition(graph, resolution=RESOLUTION)
    modularity = community_louvain.modularity(partition, graph, weight="weight")
    return _filter_and_measure(graph, partition, modularity)


def output(result, graph):
    """LISTS, canonical so that equal partitions give equal arrays whatever
    the community numbering.

    The surviving communities are ordered by their smallest member. Community
    ``i`` (0-based) contributes two lists: list ``2i`` is its members
    ascending, list ``2i + 1`` its ``central_nodes`` in rank order (at most 5).
    ``values[0]`` is the modularity; ``values[1 + i]`` is community ``i``'s
    density. So ``offsets`` has ``2k + 1`` entries and ``values`` ``k + 1``.
    """
    filtered_partition, modularity, metrics = result
    members = {}
    for node, comm_id in filtered_partition.items():
        members.setdefault(comm_id, []).append(node)
    ordered = sorted(
        ((sorted(members[m.community_id]), m) for m in metrics),
        key=lambda pair: pair[0][0],
    )
    lists = []
    values = [modularity]
    for nodes, m in ordered:
        lists.append(nodes)
        lists.append(list(m.central_nodes))
        values.append(m.density)
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in lists], dtype=np.int64)
    flat = np.fromiter((v for x in lists for v in x), dtype=np.int64, count=int(offsets[-1]))
    return flat, offsets, np.asarray(values, dtype=np.float64)
