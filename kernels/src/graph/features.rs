//! The node feature matrix of `MLAnalytics.extract_node_features` (catalog
//! analytics K8), with networkx 3.4.2's numbers.
//!
//! The original builds, per node and in node order, the row
//! `[degree, clustering, betweenness, closeness]` followed by every numeric
//! node attribute as an `attr_<name>` column. The original benchmark graph
//! gives each node a string `type` (skipped) and an int `weight`
//! (`hash(node) % 100`), so its matrix has a fifth column, `attr_weight`;
//! the twin takes such columns from its caller, in attribute order. The
//! original also recomputes betweenness and closeness of the whole graph
//! inside its per-node loop; the numbers do not depend on that, so the twin
//! computes each once.

use super::CsrGraph;
use super::distances::{closeness_centrality, closeness_centrality_parallel};
use super::metrics::{clustering, clustering_parallel};
use super::{betweenness_centrality, betweenness_centrality_parallel};

/// The structural columns' names, in the original's order (its
/// `feature_names`); the numeric attribute columns follow them.
pub const NODE_FEATURE_NAMES: [&str; 4] = [
    "degree",
    "clustering_coefficient",
    "betweenness_centrality",
    "closeness_centrality",
];

/// Structural columns per row.
pub const NODE_FEATURE_COUNT: usize = NODE_FEATURE_NAMES.len();

/// K8 feature matrix, `n × (4 + k)` row-major (row = node id): degree as a
/// float (a self-loop adds 2, as `G.degree` counts it), `nx.clustering(G)`,
/// `nx.betweenness_centrality(G)` (normalized, exact),
/// `nx.closeness_centrality(G)`, then the `k` numeric attribute columns
/// (`attributes[j][v]` is node `v`'s value of the `j`-th numeric attribute,
/// in attribute order; the original calls `float()` on each). Degree,
/// clustering and closeness are bit-identical to networkx; betweenness adds
/// the same terms in another order (a few ulps, see `betweenness_centrality`).
///
/// Every column must hold one value per node: the original's rows would be
/// ragged otherwise, which numpy 2 refuses (D020).
pub fn extract_node_features(
    graph: &CsrGraph,
    attributes: &[Vec<f64>],
) -> Result<Vec<f64>, FeatureError> {
    check_attributes(graph, attributes)?;
    Ok(assemble(
        graph,
        &clustering(graph),
        &betweenness_centrality(graph),
        &closeness_centrality(graph),
        attributes,
    ))
}

/// An attribute column that does not hold one value per node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("attribute column {column} has {len} values for {nodes} nodes")]
pub struct FeatureError {
    pub column: usize,
    pub len: usize,
    pub nodes: usize,
}

fn check_attributes(graph: &CsrGraph, attributes: &[Vec<f64>]) -> Result<(), FeatureError> {
    let nodes = graph.node_count();
    match attributes.iter().position(|c| c.len() != nodes) {
        Some(column) => Err(FeatureError {
            column,
            len: attributes[column].len(),
            nodes,
        }),
        None => Ok(()),
    }
}

/// [`extract_node_features`] with every column computed on the rayon pool;
/// bit-identical to it (the parallel betweenness sums sources along the same
/// fixed tree).
pub fn extract_node_features_parallel(
    graph: &CsrGraph,
    attributes: &[Vec<f64>],
) -> Result<Vec<f64>, FeatureError> {
    check_attributes(graph, attributes)?;
    let ((coefficients, betweenness), closeness) = rayon::join(
        || {
            rayon::join(
                || clustering_parallel(graph),
                || betweenness_centrality_parallel(graph),
            )
        },
        || closeness_centrality_parallel(graph),
    );
    Ok(assemble(
        graph,
        &coefficients,
        &betweenness,
        &closeness,
        attributes,
    ))
}

fn assemble(
    graph: &CsrGraph,
    clustering: &[f64],
    betweenness: &[f64],
    closeness: &[f64],
    attributes: &[Vec<f64>],
) -> Vec<f64> {
    let (offsets, targets) = (graph.offsets(), graph.targets());
    let width = NODE_FEATURE_COUNT + attributes.len();
    let mut matrix = Vec::with_capacity(graph.node_count() * width);
    for v in 0..graph.node_count() {
        let row = &targets[offsets[v]..offsets[v + 1]];
        let degree = row.len() + usize::from(row.binary_search(&(v as u32)).is_ok());
        matrix.extend_from_slice(&[degree as f64, clustering[v], betweenness[v], closeness[v]]);
        matrix.extend(attributes.iter().map(|column| column[v]));
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
        let x = extract_node_features(&g, &[]).expect("no attributes");
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
    fn attribute_columns_follow_the_structural_ones_in_order() {
        let g = graph(3, &[(0, 1), (1, 2)]);
        let weights = vec![7.0, 8.0, 9.0];
        let flags = vec![1.0, 0.0, 1.0];
        let x = extract_node_features(&g, &[weights, flags]).expect("columns fit");
        let width = NODE_FEATURE_COUNT + 2;
        assert_eq!(x.len(), 3 * width);
        let tails: Vec<&[f64]> = x
            .chunks(width)
            .map(|row| &row[NODE_FEATURE_COUNT..])
            .collect();
        assert_eq!(tails, [&[7.0, 1.0][..], &[8.0, 0.0], &[9.0, 1.0]]);
    }

    #[test]
    fn a_column_of_the_wrong_length_is_refused() {
        let g = graph(3, &[(0, 1)]);
        let err = extract_node_features(&g, &[vec![1.0; 3], vec![1.0; 2]]).expect_err("ragged");
        assert_eq!(
            err,
            FeatureError {
                column: 1,
                len: 2,
                nodes: 3
            }
        );
        assert!(extract_node_features_parallel(&g, &[vec![]]).is_err());
    }

    #[test]
    fn null_graph_has_no_rows() {
        assert!(
            extract_node_features(&graph(0, &[]), &[])
                .expect("no columns")
                .is_empty()
        );
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
        let weights: Vec<f64> = (0..640).map(|v| f64::from(v % 100)).collect();
        let columns = [weights];
        let (a, b) = (
            extract_node_features(&g, &columns).expect("fits"),
            extract_node_features_parallel(&g, &columns).expect("fits"),
        );
        assert_eq!(a.len(), 640 * (NODE_FEATURE_COUNT + 1));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-12 * x.abs().max(1e-300), "{x} vs {y}");
        }
    }
}
