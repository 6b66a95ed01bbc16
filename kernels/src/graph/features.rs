//! The node feature matrix of `MLAnalytics.extract_node_features` (catalog
//! analytics K8), with networkx 3.4.2's numbers.
//!
//! The original builds, per node and in node order, the row
//! `[degree, clustering, betweenness, closeness]` followed by every numeric
//! node attribute as an `attr_<name>` column. The benchmark graphs carry no
//! node attributes at all (only edge weights), so the twin has exactly the
//! four structural columns. The original also recomputes betweenness and
//! closeness of the whole graph inside its per-node loop; the numbers do not
//! depend on that, so the twin computes each once.

use super::CsrGraph;
use super::distances::{closeness_centrality, closeness_centrality_parallel};
use super::metrics::{clustering, clustering_parallel};
use super::{betweenness_centrality, betweenness_centrality_parallel};

/// Column names, in the original's order (its `feature_names`).
pub const NODE_FEATURE_NAMES: [&str; 4] = [
    "degree",
    "clustering_coefficient",
    "betweenness_centrality",
    "closeness_centrality",
];

/// Columns per row.
pub const NODE_FEATURE_COUNT: usize = NODE_FEATURE_NAMES.len();

/// K8 feature matrix, `n × 4` row-major (row = node id): degree as a float (a
/// self-loop adds 2, as `G.degree` counts it), `nx.clustering(G)`,
/// `nx.betweenness_centrality(G)` (normalized, exact) and
/// `nx.closeness_centrality(G)`. Degree, clustering and closeness are
/// bit-identical to networkx; betweenness adds the same terms in another
/// order (a few ulps, see `betweenness_centrality`).
pub fn extract_node_features(graph: &CsrGraph) -> Vec<f64> {
    assemble(
        graph,
        &clustering(graph),
        &betweenness_centrality(graph),
        &closeness_centrality(graph),
    )
}

/// [`extract_node_features`] with every column computed on the rayon pool;
/// bit-identical to it (the parallel betweenness sums sources along the same
/// fixed tree).
pub fn extract_node_features_parallel(graph: &CsrGraph) -> Vec<f64> {
    let ((coefficients, betweenness), closeness) = rayon::join(
        || {
            rayon::join(
                || clustering_parallel(graph),
                || betweenness_centrality_parallel(graph),
            )
        },
        || closeness_centrality_parallel(graph),
    );
    assemble(graph, &coefficients, &betweenness, &closeness)
}

fn assemble(
    graph: &CsrGraph,
    clustering: &[f64],
    betweenness: &[f64],
    closeness: &[f64],
) -> Vec<f64> {
    let (offsets, targets) = (graph.offsets(), graph.targets());
    let mut matrix = Vec::with_capacity(graph.node_count() * NODE_FEATURE_COUNT);
    for v in 0..graph.node_count() {
        let row = &targets[offsets[v]..offsets[v + 1]];
        let degree = row.len() + usize::from(row.binary_search(&(v as u32)).is_ok());
        matrix.extend_from_slice(&[degree as f64, clustering[v], betweenness[v], closeness[v]]);
    }
    matrix
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> CsrGraph {
        CsrGraph::unweighted(n, edges)
    }

    #[test]
    fn triangle_with_tail_self_loop_and_isolated_node() {
        // Checked against networkx 3.4.2: triangle 0-1-2, edge 2-3, a
        // self-loop on 3 and an isolated node 4. Rows are
        // [degree, clustering, betweenness, closeness].
        let g = graph(5, &[(0, 1), (0, 2), (1, 2), (2, 3), (3, 3)]);
        let x = extract_node_features(&g);
        let expected = [
            [2.0, 1.0, 0.0, 0.5625],
            [2.0, 1.0, 0.0, 0.5625],
            [3.0, 1.0 / 3.0, 1.0 / 3.0, 0.75],
            [3.0, 0.0, 0.0, (3.0 / 5.0) * (3.0 / 4.0)],
            [0.0, 0.0, 0.0, 0.0],
        ];
        assert_eq!(x, expected.concat());
    }

    #[test]
    fn null_graph_has_no_rows() {
        assert!(extract_node_features(&graph(0, &[])).is_empty());
    }

    #[test]
    fn parallel_matches_sequential() {
        let mut state = 0x2545_f491_u64;
        let mut edges = Vec::new();
        for v in 1..600u32 {
            for _ in 0..3 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                edges.push(((state % u64::from(v)) as u32, v));
            }
        }
        let g = graph(640, &edges);
        let (a, b) = (
            extract_node_features(&g),
            extract_node_features_parallel(&g),
        );
        assert_eq!(a.len(), 640 * NODE_FEATURE_COUNT);
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-12 * x.abs().max(1e-300), "{x} vs {y}");
        }
    }
}
