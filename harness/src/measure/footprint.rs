//! Graph memory: bytes the Rust CSR graph holds, beside networkx's and the
//! peers' footprint for the same graph (issue 4's memory budget: ≤ 24 bytes
//! per undirected edge including weights, + 16 per node).

use crate::inputs::Input;
use crate::results::{GraphFootprint, LibraryFootprint};
use crate::sides::python::Bridge;

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
