"""How many bytes each library holds for one graph: networkx (what the
original uses) and the peers, beside the Rust twin's CSR (which the harness
measures exactly).

Two allocators hold a Python library's graph, so both are measured around the
build, after temporaries are freed:

* Python objects (``tracemalloc``): networkx's dicts of dicts, rustworkx's
  per-edge weight objects;
* the C heap (glibc ``mallinfo2``: bytes in use from ``malloc``, both arena
  and mmap'd chunks): igraph's and rustworkx's own storage.

A Python allocation larger than 512 bytes is served by ``malloc`` and so seen
by both; the figures are reported separately, not added, so nothing is
counted twice without saying so.
"""

import gc
import tracemalloc

from . import graph as nx_graph
from .c_heap import malloc_in_use
from . import peer_igraph, peer_rustworkx


def _python_object_bytes(build, args):
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    graph = build(*args)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del graph
    return float(after - before)


def _c_heap_bytes(build, args):
    # Separately from tracemalloc, whose own bookkeeping lives on the C heap.
    gc.collect()
    before = malloc_in_use()
    graph = build(*args)
    gc.collect()
    after = malloc_in_use()
    del graph
    return float("nan") if before is None else float(max(after - before, 0))


def graph_bytes(n, src, dst, weight):
    """``[(library, python_object_bytes, c_heap_bytes), ...]`` for the graph
    each library builds from the same edges (the same builders the timed
    calls use)."""
    args = (n, src, dst, weight)
    out = []
    for library, build in (("networkx", nx_graph.prepare),
                           ("igraph", peer_igraph.prepare),
                           ("rustworkx", peer_rustworkx.prepare)):
        out.append((library, _python_object_bytes(build, args), _c_heap_bytes(build, args)))
    return out
