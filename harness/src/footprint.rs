//! Graph memory: bytes the Rust CSR graph holds, beside networkx's and the
//! peers' footprint for the same graph (issue 4's memory budget: ≤ 24 bytes
//! per undirected edge including weights, + 16 per node).

use serde::{Deserialize, Serialize};

use crate::bridge::Bridge;
use crate::inputs::Input;

/// One graph, every library's footprint.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GraphFootprint {
    pub nodes: usize,
    /// Distinct undirected edges (what a simple graph keeps).
    pub edges: usize,
    /// The twin's CSR graph, exact (capacity of its three arrays).
    pub rust_csr_bytes: usize,
    pub libraries: Vec<LibraryFootprint>,
}

/// A Python library's graph, measured around its construction with the
/// temporaries freed; see `twinbench_baselines/footprint.py` for the method.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LibraryFootprint {
    pub library: String,
    /// Python objects it keeps (tracemalloc).
    pub python_object_bytes: f64,
    /// Bytes in use from malloc (glibc mallinfo2); NaN where unavailable.
    /// Python allocations over 512 bytes appear here as well.
    pub c_heap_bytes: f64,
}

impl GraphFootprint {
    pub fn rust_bytes_per_edge(&self) -> f64 {
        self.rust_csr_bytes as f64 / self.edges.max(1) as f64
    }
}

/// Measures the graph `input` on every side; the message says what failed.
pub fn measure(bridge: &Bridge, input: &Input) -> Result<GraphFootprint, String> {
    let Input::Graph(graph) = input else {
        return Err("not a graph input".into());
    };
    let csr = graph.to_csr().map_err(|e| e.to_string())?;
    let libraries = bridge
        .graph_footprint(input)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(
            |(library, python_object_bytes, c_heap_bytes)| LibraryFootprint {
                library,
                python_object_bytes,
                c_heap_bytes,
            },
        )
        .collect();
    Ok(GraphFootprint {
        nodes: csr.node_count(),
        edges: csr.edge_count(),
        rust_csr_bytes: csr.heap_bytes(),
        libraries,
    })
}
