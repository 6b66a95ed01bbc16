//! The graph twins: a CSR graph built once from numpy edge arrays, and one
//! function per kernel. Each function converts its arguments, releases the
//! GIL around the kernel call (`Python::detach`) and converts the result;
//! nothing else happens here.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use twinbench_kernels::graph::{self, communities, distances, metrics, paths};

use crate::errors::BindingError;

/// An undirected weighted simple graph on the nodes `0..node_count`, as the
/// kernels take it (`twinbench_kernels::graph::CsrGraph`).
///
/// Built once and read by every kernel call, so a caller converts a graph
/// once and calls many kernels on it (the networkx backend caches it per
/// graph). Immutable: the kernels may read it with the GIL released.
#[pyclass(frozen, name = "CsrGraph", module = "twinbench._twinbench")]
#[derive(Debug)]
pub struct PyCsrGraph {
    inner: graph::CsrGraph,
}

/// A contiguous numpy array as a slice, or an error naming the argument.
fn slice<'a, T: numpy::Element>(
    array: &'a PyReadonlyArray1<'_, T>,
    name: &str,
) -> Result<&'a [T], BindingError> {
    array.as_slice().map_err(|_| {
        BindingError::input(format!(
            "{name} must be a C-contiguous 1-D array (pass numpy.ascontiguousarray({name}))"
        ))
    })
}

/// A node id of `graph`, or an error naming the argument.
fn node(graph: &graph::CsrGraph, id: u32, name: &str) -> Result<u32, BindingError> {
    let n = graph.node_count();
    if (id as usize) < n {
        Ok(id)
    } else {
        Err(BindingError::input(format!(
            "{name} = {id} is not a node of this graph (ids 0..{n})"
        )))
    }
}

#[pymethods]
impl PyCsrGraph {
    /// Builds the graph networkx would hold after `add_nodes_from(range(n))`
    /// and adding edge `i` as `(sources[i], targets[i], weights[i])` in
    /// order: a repeated edge keeps its last weight.
    ///
    /// The arrays are read in place (no copy into Python objects); they are
    /// gathered into the kernel's edge list with the GIL held, so no Python
    /// thread can write them meanwhile, and the CSR build runs without it.
    #[new]
    fn new(
        py: Python<'_>,
        node_count: usize,
        sources: PyReadonlyArray1<'_, u32>,
        targets: PyReadonlyArray1<'_, u32>,
        weights: PyReadonlyArray1<'_, f64>,
    ) -> Result<Self, BindingError> {
        let (u, v, w) = (
            slice(&sources, "sources")?,
            slice(&targets, "targets")?,
            slice(&weights, "weights")?,
        );
        if u.len() != v.len() || u.len() != w.len() {
            return Err(BindingError::input(format!(
                "sources, targets and weights must have one entry per edge; \
                 got lengths {}, {} and {}",
                u.len(),
                v.len(),
                w.len()
            )));
        }
        let edges: Vec<graph::Edge> = u
            .iter()
            .zip(v)
            .zip(w)
            .map(|((&u, &v), &weight)| graph::Edge { u, v, weight })
            .collect();
        let inner = py.detach(|| graph::CsrGraph::from_undirected_edges(node_count, &edges))?;
        Ok(Self { inner })
    }

    /// Number of nodes.
    #[getter]
    fn node_count(&self) -> usize {
        self.inner.node_count()
    }

    /// Number of undirected edges; a self-loop counts one.
    #[getter]
    fn edge_count(&self) -> usize {
        self.inner.edge_count()
    }

    fn __repr__(&self) -> String {
        format!(
            "CsrGraph(node_count={}, edge_count={})",
            self.inner.node_count(),
            self.inner.edge_count()
        )
    }
}

/// `nx.pagerank(G, alpha, max_iter=max_iter, tol=tol)` on the graph's
/// weights; one rank per node id.
#[pyfunction]
#[pyo3(signature = (graph, alpha = 0.85, max_iter = 100, tol = 1.0e-6, parallel = false))]
fn pagerank<'py>(
    py: Python<'py>,
    graph: &Bound<'py, PyCsrGraph>,
    alpha: f64,
    max_iter: usize,
    tol: f64,
    parallel: bool,
) -> Result<Bound<'py, PyArray1<f64>>, BindingError> {
    let g = &graph.get().inner;
    let params = graph::PageRankParams {
        alpha,
        max_iter,
        tol,
    };
    let ranks = py.detach(|| {
        if parallel {
            graph::pagerank_parallel(g, params)
        } else {
            graph::pagerank(g, params)
        }
    })?;
    Ok(PyArray1::from_vec(py, ranks))
}

/// `nx.degree_centrality(G)`; one score per node id.
#[pyfunction]
fn degree_centrality<'py>(
    py: Python<'py>,
    graph: &Bound<'py, PyCsrGraph>,
) -> Bound<'py, PyArray1<f64>> {
    let g = &graph.get().inner;
    PyArray1::from_vec(py, py.detach(|| graph::degree_centrality(g)))
}

/// `nx.closeness_centrality(G)` (hop distances, Wasserman–Faust scaling).
#[pyfunction]
#[pyo3(signature = (graph, parallel = false))]
fn closeness_centrality<'py>(
    py: Python<'py>,
    graph: &Bound<'py, PyCsrGraph>,
    parallel: bool,
) -> Bound<'py, PyArray1<f64>> {
    let g = &graph.get().inner;
    let scores = py.detach(|| {
        if parallel {
            graph::closeness_centrality_parallel(g)
        } else {
            graph::closeness_centrality(g)
        }
    });
    PyArray1::from_vec(py, scores)
}

/// `nx.betweenness_centrality(G, normalized=True)` (exact, unweighted).
#[pyfunction]
#[pyo3(signature = (graph, parallel = false))]
fn betweenness_centrality<'py>(
    py: Python<'py>,
    graph: &Bound<'py, PyCsrGraph>,
    parallel: bool,
) -> Bound<'py, PyArray1<f64>> {
    let g = &graph.get().inner;
    let scores = py.detach(|| {
        if parallel {
            graph::betweenness_centrality_parallel(g)
        } else {
            graph::betweenness_centrality(g)
        }
    });
    PyArray1::from_vec(py, scores)
}

/// `nx.eigenvector_centrality(G, max_iter=max_iter)` (tol 1e-6, unweighted).
#[pyfunction]
#[pyo3(signature = (graph, max_iter = 100))]
fn eigenvector_centrality<'py>(
    py: Python<'py>,
    graph: &Bound<'py, PyCsrGraph>,
    max_iter: usize,
) -> Result<Bound<'py, PyArray1<f64>>, BindingError> {
    let g = &graph.get().inner;
    let scores = py.detach(|| graph::eigenvector_centrality(g, max_iter))?;
    Ok(PyArray1::from_vec(py, scores))
}

/// `nx.clustering(G)` (unweighted); one coefficient per node id.
#[pyfunction]
#[pyo3(signature = (graph, parallel = false))]
fn clustering<'py>(
    py: Python<'py>,
    graph: &Bound<'py, PyCsrGraph>,
    parallel: bool,
) -> Bound<'py, PyArray1<f64>> {
    let g = &graph.get().inner;
    let coefficients = py.detach(|| {
        if parallel {
            metrics::clustering_parallel(g)
        } else {
            metrics::clustering(g)
        }
    });
    PyArray1::from_vec(py, coefficients)
}

/// The analytics engine's whole-graph metrics (K5), each networkx's to the
/// bit: `average_path_length` and `diameter` are those of the graph when
/// it is connected, else of its largest component; None for the null graph.
#[pyclass(
    frozen,
    get_all,
    name = "GraphMetrics",
    module = "twinbench._twinbench"
)]
#[derive(Debug)]
pub struct PyGraphMetrics {
    node_count: usize,
    edge_count: usize,
    density: f64,
    average_clustering: f64,
    average_path_length: Option<f64>,
    diameter: Option<u32>,
    connected_components: usize,
    largest_component_size: usize,
}

#[pymethods]
impl PyGraphMetrics {
    fn __repr__(&self) -> String {
        format!("{self:?}")
    }
}

impl From<metrics::GraphMetrics> for PyGraphMetrics {
    fn from(m: metrics::GraphMetrics) -> Self {
        Self {
            node_count: m.node_count,
            edge_count: m.edge_count,
            density: m.density,
            average_clustering: m.average_clustering,
            average_path_length: m.average_path_length,
            diameter: m.diameter,
            connected_components: m.connected_components,
            largest_component_size: m.largest_component_size,
        }
    }
}

/// K5 `calculate_graph_metrics(G)`.
#[pyfunction]
#[pyo3(signature = (graph, parallel = false))]
fn graph_metrics(py: Python<'_>, graph: &Bound<'_, PyCsrGraph>, parallel: bool) -> PyGraphMetrics {
    let g = &graph.get().inner;
    py.detach(|| {
        if parallel {
            metrics::calculate_graph_metrics_parallel(g)
        } else {
            metrics::calculate_graph_metrics(g)
        }
    })
    .into()
}

/// `nx.connected_components(G)`: the components in the order networkx
/// yields them (by smallest node id), members ascending.
#[pyfunction]
fn connected_components(py: Python<'_>, graph: &Bound<'_, PyCsrGraph>) -> Vec<Vec<u32>> {
    let g = &graph.get().inner;
    py.detach(|| {
        let components = distances::Components::of(g);
        (0..components.count())
            .map(|c| components.members(c).to_vec())
            .collect()
    })
}

/// `nx.community.greedy_modularity_communities(G, resolution=resolution)`
/// (unweighted), in networkx's order, members ascending.
#[pyfunction]
#[pyo3(signature = (graph, resolution = 1.0))]
fn greedy_modularity_communities(
    py: Python<'_>,
    graph: &Bound<'_, PyCsrGraph>,
    resolution: f64,
) -> Vec<Vec<u32>> {
    let g = &graph.get().inner;
    py.detach(|| communities::greedy_modularity_communities(g, resolution))
}

/// `nx.community.label_propagation_communities(G)`, in networkx's order,
/// members ascending.
#[pyfunction]
fn label_propagation_communities(py: Python<'_>, graph: &Bound<'_, PyCsrGraph>) -> Vec<Vec<u32>> {
    let g = &graph.get().inner;
    py.detach(|| communities::label_propagation_communities(g))
}

/// `nx.community.modularity(G, communities, weight=..., resolution=...)`;
/// `weighted` selects the graph's weights or 1 per edge.
#[pyfunction]
#[pyo3(signature = (graph, communities, weighted = true, resolution = 1.0))]
fn modularity(
    py: Python<'_>,
    graph: &Bound<'_, PyCsrGraph>,
    communities: Vec<Vec<u32>>,
    weighted: bool,
    resolution: f64,
) -> Result<f64, BindingError> {
    let g = &graph.get().inner;
    Ok(py.detach(|| communities::modularity(g, &communities, weighted, resolution))?)
}

/// `nx.bidirectional_shortest_path(G, source, target)` with every node's
/// neighbours in ascending id order; None when no path exists. `source`
/// must differ from `target` (the kernel follows the original, which never
/// asks for that pair).
#[pyfunction]
fn shortest_path(
    py: Python<'_>,
    graph: &Bound<'_, PyCsrGraph>,
    source: u32,
    target: u32,
) -> Result<Option<Vec<u32>>, BindingError> {
    let g = &graph.get().inner;
    let request = paths::PathRequest {
        sources: vec![node(g, source, "source")?],
        targets: Some(vec![node(g, target, "target")?]),
        max_depth: usize::MAX,
        kind: paths::PathKind::Shortest,
    };
    let analysis = py.detach(|| paths::analyze_paths(g, &request));
    Ok((!analysis.paths.is_empty()).then(|| analysis.paths.path(0).to_vec()))
}

/// `list(nx.all_simple_paths(G, source, target, cutoff=cutoff))` with every
/// node's neighbours in ascending id order. `source` must differ from
/// `target`.
#[pyfunction]
fn all_simple_paths(
    py: Python<'_>,
    graph: &Bound<'_, PyCsrGraph>,
    source: u32,
    target: u32,
    cutoff: usize,
) -> Result<Vec<Vec<u32>>, BindingError> {
    let g = &graph.get().inner;
    let request = paths::PathRequest {
        sources: vec![node(g, source, "source")?],
        targets: Some(vec![node(g, target, "target")?]),
        max_depth: cutoff,
        kind: paths::PathKind::AllSimple,
    };
    let analysis = py.detach(|| paths::analyze_paths(g, &request));
    let found = &analysis.paths;
    Ok((0..found.len()).map(|i| found.path(i).to_vec()).collect())
}

/// Registers the graph class and functions on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<PyCsrGraph>()?;
    module.add_class::<PyGraphMetrics>()?;
    module.add_function(wrap_pyfunction!(pagerank, module)?)?;
    module.add_function(wrap_pyfunction!(degree_centrality, module)?)?;
    module.add_function(wrap_pyfunction!(closeness_centrality, module)?)?;
    module.add_function(wrap_pyfunction!(betweenness_centrality, module)?)?;
    module.add_function(wrap_pyfunction!(eigenvector_centrality, module)?)?;
    module.add_function(wrap_pyfunction!(clustering, module)?)?;
    module.add_function(wrap_pyfunction!(graph_metrics, module)?)?;
    module.add_function(wrap_pyfunction!(connected_components, module)?)?;
    module.add_function(wrap_pyfunction!(greedy_modularity_communities, module)?)?;
    module.add_function(wrap_pyfunction!(label_propagation_communities, module)?)?;
    module.add_function(wrap_pyfunction!(modularity, module)?)?;
    module.add_function(wrap_pyfunction!(shortest_path, module)?)?;
    module.add_function(wrap_pyfunction!(all_simple_paths, module)?)?;
    Ok(())
}
