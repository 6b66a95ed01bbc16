//! Graph analytics kernels (catalog `analytics.md`), on a compressed sparse row graph.

mod betweenness;
mod centrality;
pub mod communities;
mod csr;
pub mod distances;
pub mod engine;
pub mod features;
pub mod metrics;
mod pagerank;
pub mod pair_clusters;
pub mod paths;

pub use betweenness::{betweenness_centrality, betweenness_centrality_parallel};
pub use centrality::{CentralityError, degree_centrality, eigenvector_centrality};
pub use csr::{CsrGraph, Edge, GraphError};
pub use distances::{closeness_centrality, closeness_centrality_parallel};
pub use pagerank::{PageRankError, PageRankParams, pagerank, pagerank_parallel};
