"""A networkx graph as the kernels take it, with the node labels mapped to
the kernels' ids ``0..n-1`` and back.

The kernels store each node's neighbours sorted by id. Which order decides a
kernel's answer, and how the conversion keeps networkx's:

* node order (label propagation's tie to the largest label, the order of
  components and communities): id ``i`` is the ``i``-th node of ``G``, so
  iterating ids is iterating ``G``;
* greedy modularity (CNM) breaks ties by comparing node *labels*
  (networkx's heap holds ``(u, v)`` label pairs), so it runs on a second
  numbering in sorted label order (``by_label``), built on demand;
* per-node neighbour order (which shortest path among equals, the order of
  simple paths): the twin's is ascending id, so it reproduces networkx only
  when every node of ``G`` lists its neighbours in node order. The
  conversion records whether that holds (``neighbours_in_node_order``); the
  path functions refuse otherwise (NotImplementedError), and networkx runs.
* floating-point sums in another order (PageRank, eigenvector, betweenness):
  within the tolerances the harness registers for those pairs.
"""

from functools import cached_property

import numpy as np

from ._twinbench import CsrGraph


class TwinGraph:
    """An undirected simple graph converted once for every kernel call.

    networkx caches it in ``G.__networkx_cache__`` (keyed by the edge
    attribute it carries) and drops it whenever ``G`` changes through its
    methods; the kernels only read it.
    """

    __networkx_backend__ = "twinbench"

    def __init__(self, nodes, sources, targets, weights, neighbours_in_node_order, description=None):
        #: The labels of ``G`` in its node order: id ``i`` is ``nodes[i]``.
        self.nodes = nodes
        #: label -> id
        self.index = {label: i for i, label in enumerate(nodes)}
        self._sources = sources
        self._targets = targets
        self._weights = weights
        #: Whether every node of ``G`` listed its neighbours in node order
        #: (the kernels' order), so tie-broken paths come out as networkx's.
        self.neighbours_in_node_order = neighbours_in_node_order
        self.csr = CsrGraph(len(nodes), sources, targets, weights)
        #: ``str(G)``, which networkx's messages quote.
        self.description = description or repr(self)

    @classmethod
    def from_networkx(cls, G, weight=None, default=1.0):
        """Converts ``G``: every undirected edge once, weighted by its
        ``weight`` attribute (``default`` where missing), or 1 when
        ``weight`` is None. One pass over ``G``'s adjacency (the internal
        ``G._adj``, which every networkx graph holds, read directly for
        speed)."""
        nodes = list(G)
        index = {label: i for i, label in enumerate(nodes)}
        sources, targets, weights = [], [], []
        in_order = True
        for i, neighbours in enumerate(G._adj.values()):
            previous = -1
            for label, data in neighbours.items():
                j = index[label]
                if j <= previous:
                    in_order = False
                previous = j
                if j >= i:
                    sources.append(i)
                    targets.append(j)
                    if weight is not None:
                        weights.append(data.get(weight, default))
        m = len(sources)
        edge_weights = (
            np.asarray(weights, dtype=np.float64) if weight is not None else np.ones(m, dtype=np.float64)
        )
        return cls(
            nodes,
            np.asarray(sources, dtype=np.uint32),
            np.asarray(targets, dtype=np.uint32),
            edge_weights,
            in_order,
            str(G),
        )

    @cached_property
    def by_label(self):
        """The same graph numbered in sorted label order, and the labels in
        that order; None when the labels cannot be sorted (mixed types)."""
        try:
            order = sorted(range(len(self.nodes)), key=self.nodes.__getitem__)
        except TypeError:
            return None
        rank = np.empty(len(order), dtype=np.uint32)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.uint32)
        csr = CsrGraph(len(order), rank[self._sources], rank[self._targets], self._weights)
        return csr, [self.nodes[i] for i in order]

    # What networkx asks of any graph it dispatches on.
    def is_directed(self):
        return False

    def is_multigraph(self):
        return False

    def __len__(self):
        return len(self.nodes)

    def __iter__(self):
        return iter(self.nodes)

    def __contains__(self, label):
        try:
            return label in self.index
        except TypeError:
            return False

    def __repr__(self):
        return f"TwinGraph({len(self.nodes)} nodes, {self.csr.edge_count} edges)"

    def __str__(self):
        return self.description

    def labels(self, ids):
        """Node labels of a list of ids."""
        nodes = self.nodes
        return [nodes[i] for i in ids]

    def scores(self, values):
        """A per-id array as networkx's ``{node: float}`` dict, in node order."""
        return dict(zip(self.nodes, values.tolist()))
