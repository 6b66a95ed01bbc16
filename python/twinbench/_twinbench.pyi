"""Type stubs of the extension module (python/src/*.rs)."""

from collections.abc import Sequence
from typing import final

import numpy as np
import numpy.typing as npt

class TwinbenchError(Exception):
    """Base class of every error a twinbench kernel raises."""

class InputError(TwinbenchError):
    """An argument the kernels cannot take (array lengths, layout, node ids)."""

class NotConvergedError(TwinbenchError):
    """A power iteration did not converge within ``max_iter`` iterations."""

class EmptyGraphError(TwinbenchError):
    """The quantity is undefined for the null graph."""

class NotAPartitionError(TwinbenchError):
    """The communities do not partition the graph's nodes."""

class ZeroTotalWeightError(TwinbenchError):
    """Modularity of a graph whose edge weights total zero."""

@final
class CsrGraph:
    """An undirected weighted simple graph on the nodes ``0..node_count``.

    Edge ``i`` is ``(sources[i], targets[i], weights[i])``; a repeated edge
    keeps its last weight. The arrays must be C-contiguous, of these dtypes.
    """

    def __new__(
        cls,
        node_count: int,
        sources: npt.NDArray[np.uint32],
        targets: npt.NDArray[np.uint32],
        weights: npt.NDArray[np.float64],
    ) -> CsrGraph: ...
    @property
    def node_count(self) -> int: ...
    @property
    def edge_count(self) -> int: ...

@final
class GraphMetrics:
    """The analytics engine's whole-graph metrics (K5)."""

    @property
    def node_count(self) -> int: ...
    @property
    def edge_count(self) -> int: ...
    @property
    def density(self) -> float: ...
    @property
    def average_clustering(self) -> float: ...
    @property
    def average_path_length(self) -> float | None: ...
    @property
    def diameter(self) -> int | None: ...
    @property
    def connected_components(self) -> int: ...
    @property
    def largest_component_size(self) -> int: ...

@final
class MigrationMetrics:
    """Seed 000's migration metrics of every component of this process."""

    def __init__(self) -> None: ...
    def text(self) -> str:
        """The exposition text (Prometheus text format 0.0.4)."""
    def serve(self, port: int = 0) -> int:
        """Serves ``GET /metrics`` on 127.0.0.1; returns the port."""
    def stop(self) -> None: ...

@final
class Migration:
    """One component under seed 000's gradual rollout, in this process."""

    def __init__(
        self,
        component: str,
        metrics: MigrationMetrics,
        *,
        initial_percent: int = 5,
        step_percent: int = 10,
        period_s: float = 86400.0,
        min_performance: float = 0.9,
        max_error_rate: float = 0.01,
        min_calls: int = 100,
    ) -> None: ...
    @property
    def percent(self) -> int: ...
    def route(self, key: int) -> bool: ...
    def report(self, side: str, ns: int, *, error: bool = False) -> list[dict[str, object]]: ...
    def tick(self) -> dict[str, object] | None: ...
    def decisions(self) -> list[dict[str, object]]: ...

def pagerank(
    graph: CsrGraph,
    alpha: float = 0.85,
    max_iter: int = 100,
    tol: float = 1.0e-6,
    parallel: bool = False,
) -> npt.NDArray[np.float64]: ...
def degree_centrality(graph: CsrGraph) -> npt.NDArray[np.float64]: ...
def closeness_centrality(graph: CsrGraph, parallel: bool = False) -> npt.NDArray[np.float64]: ...
def betweenness_centrality(graph: CsrGraph, parallel: bool = False) -> npt.NDArray[np.float64]: ...
def eigenvector_centrality(graph: CsrGraph, max_iter: int = 100) -> npt.NDArray[np.float64]: ...
def clustering(graph: CsrGraph, parallel: bool = False) -> npt.NDArray[np.float64]: ...
def graph_metrics(graph: CsrGraph, parallel: bool = False) -> GraphMetrics: ...
def connected_components(graph: CsrGraph) -> list[list[int]]: ...
def greedy_modularity_communities(graph: CsrGraph, resolution: float = 1.0) -> list[list[int]]: ...
def label_propagation_communities(graph: CsrGraph) -> list[list[int]]: ...
def modularity(
    graph: CsrGraph,
    communities: list[list[int]],
    weighted: bool = True,
    resolution: float = 1.0,
) -> float: ...
def shortest_path(graph: CsrGraph, source: int, target: int) -> list[int] | None: ...
def all_simple_paths(graph: CsrGraph, source: int, target: int, cutoff: int) -> list[list[int]]: ...
def detect_spikes(
    values: npt.NDArray[np.float64],
    window: int = 20,
    medium_sigmas: float = 3.0,
    high_sigmas: float = 5.0,
    parallel: bool = False,
) -> tuple[
    npt.NDArray[np.uint64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.bool_],
]: ...
def search_floods(
    counter: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64], float, list[str]]: ...
def memory_growth(
    counts: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64], npt.NDArray[np.bool_], list[str]]: ...
def two_sigma_anomaly(values: npt.NDArray[np.float64] | Sequence[float], current_value: float, minimum: int = 10) -> bool: ...
def classify_error(class_name: str, text: str) -> str: ...
def normalize_error_message(message: str) -> str: ...
def detect_seasonality(
    series: npt.NDArray[np.float64],
) -> tuple[bool, int | None, float, float | None, float | None]: ...
def categorize_graph_size_int(size: int) -> str: ...
def categorize_graph_size_text(text: str) -> str: ...
def performance_summary(
    metrics: npt.NDArray[np.uint64],
    values: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64]]: ...
