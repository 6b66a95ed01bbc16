"""Graphs as a service builds them: any size, labels of any hashable type,
edges in whatever order the rows came (the order decides networkx's ties,
so the twins must follow it), weights or none, several components.

Shared by the campaign and the package's tests (python/tests/conftest.py).
"""

import random

import networkx as nx


def shuffled_copy(G, seed, relabel=None):
    """The same graph built in another order: nodes inserted shuffled, edges
    added shuffled with random orientation, so every node's neighbour order
    differs from G's (``relabel`` maps labels, e.g. to strings)."""
    rng = random.Random(seed)
    relabel = relabel or (lambda v: v)
    nodes = list(G.nodes)
    rng.shuffle(nodes)
    edges = [(u, v, d) if rng.random() < 0.5 else (v, u, d) for u, v, d in G.edges(data=True)]
    rng.shuffle(edges)
    H = nx.Graph()
    H.add_nodes_from(relabel(v) for v in nodes)
    H.add_edges_from((relabel(u), relabel(v), dict(d)) for u, v, d in edges)
    return H


def canonical_copy(G):
    """G built as the harness builds its graphs (graph.py canonical_edges):
    nodes in sorted order, edges by (min, max) label, so every node lists
    its neighbours in node order and the path twins apply."""
    H = nx.Graph()
    H.add_nodes_from(sorted(G))
    H.add_edges_from(sorted((min(u, v), max(u, v), d) for u, v, d in G.edges(data=True)))
    return H


#: Label schemes: a service's node ids are ints, strings or tuples.
LABELS = (
    ("int", None),
    ("str", lambda v: f"n{v}"),
    ("tuple", lambda v: (v % 7, v)),
)


def _shape(rng, n):
    """One random graph shape on ``n`` nodes (0..n-1), and its name."""
    seed = rng.randrange(2**31)
    kind = rng.choice(("gnm", "ba", "ws", "cluster", "components", "tree"))
    if kind == "gnm" or n < 5:
        m = rng.randint(0, min(n * (n - 1) // 2, 4 * n))
        return nx.gnm_random_graph(n, m, seed=seed), f"gnm({n},{m})"
    if kind == "ba":
        k = rng.randint(1, min(4, n - 1))
        return nx.barabasi_albert_graph(n, k, seed=seed), f"ba({n},{k})"
    if kind == "ws":
        k = rng.choice((2, 4))
        return nx.connected_watts_strogatz_graph(n, k, 0.2, seed=seed), f"ws({n},{k})"
    if kind == "cluster":
        return nx.powerlaw_cluster_graph(n, 2, 0.3, seed=seed), f"powerlaw-cluster({n})"
    if kind == "tree":
        return nx.random_labeled_tree(n, seed=seed), f"tree({n})"
    # Several components and isolated nodes.
    a = rng.randint(2, n - 2)
    parts = nx.disjoint_union(nx.barabasi_albert_graph(a, 1, seed=seed), nx.gnm_random_graph(n - a, n - a, seed=seed + 1))
    return parts, f"components({a}+{n - a})"


def random_graph(rng, *, max_nodes=100, weighted=None, self_loops=True):
    """A graph of 1..``max_nodes`` nodes (sizes spread log-uniformly, so
    small graphs and their corner cases are common), labels of a random
    scheme, built canonically or shuffled, with ``weight`` attributes when
    ``weighted`` (random when None), sometimes with self-loops. Returns the
    graph and a short description of it (kept with a mismatch)."""
    n = max(1, int(round(2 ** rng.uniform(0, max_nodes.bit_length() - 0.01))))
    n = min(n, max_nodes)
    G, shape = _shape(rng, n)
    if self_loops and n > 0 and rng.random() < 0.15:
        for v in rng.sample(range(n), k=min(n, rng.randint(1, 3))):
            G.add_edge(v, v)
    if weighted is None:
        weighted = rng.random() < 0.5
    if weighted:
        integral = rng.random() < 0.5
        for u, v in G.edges:
            G[u][v]["weight"] = rng.randint(1, 10) if integral else rng.uniform(0.1, 5.0)
    scheme, relabel = rng.choice(LABELS)
    if rng.random() < 0.5:
        H = shuffled_copy(G, rng.randrange(2**31), relabel)
        order = "shuffled"
    else:
        H = canonical_copy(nx.relabel_nodes(G, relabel) if relabel else G)
        order = "canonical"
    return H, f"{shape} {scheme} labels, {order}{', weighted' if weighted else ''}"
