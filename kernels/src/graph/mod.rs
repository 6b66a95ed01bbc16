//! Graph analytics kernels (catalog `analytics.md`), on a compressed sparse row graph.

mod csr;
mod pagerank;

pub use csr::{CsrGraph, Edge, GraphError};
pub use pagerank::{PageRankError, PageRankParams, pagerank, pagerank_parallel};
