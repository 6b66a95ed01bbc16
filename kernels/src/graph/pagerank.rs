//! PageRank as the analytics engine computes it (catalog analytics K1, PAGERANK).
//!
//! The original calls `networkx.pagerank(G)` with every default: alpha 0.85,
//! uniform personalization and start vector, `weight="weight"`, max_iter 100,
//! tol 1e-6. networkx 3.4.2 runs a power iteration on the row-normalised
//! weighted adjacency matrix, spreads the rank of dangling nodes (zero row sum)
//! uniformly, and stops when the L1 change of an iteration is below `n·tol`.
//! This twin runs the same iteration with the same arithmetic order where it
//! matters (each arc's coefficient is `w · (1/rowsum)`, as networkx's `Q @ A`
//! forms it), so the two agree to rounding, not just to the tolerance.

use thiserror::Error;

use super::CsrGraph;

/// Parameters of [`pagerank`]; `Default` is networkx's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageRankParams {
    /// Damping factor: probability of following an edge rather than teleporting.
    pub alpha: f64,
    /// Iterations before giving up with [`PageRankError::NotConverged`].
    pub max_iter: usize,
    /// Per-node tolerance: the iteration stops when the L1 change is `< n·tol`.
    pub tol: f64,
}

impl Default for PageRankParams {
    fn default() -> Self {
        Self {
            alpha: 0.85,
            max_iter: 100,
            tol: 1.0e-6,
        }
    }
}

/// Why PageRank produced no ranks.
#[derive(Debug, Error, PartialEq)]
pub enum PageRankError {
    /// networkx raises `PowerIterationFailedConvergence` in the same case.
    #[error("power iteration did not converge within {max_iter} iterations")]
    NotConverged { max_iter: usize },
}

/// Ranks of every node, indexed by node id; they sum to 1. An empty graph has
/// no ranks (networkx returns `{}`).
///
/// Allocates the two rank vectors and one coefficient per arc up front; the
/// iteration itself allocates nothing.
pub fn pagerank(graph: &CsrGraph, params: PageRankParams) -> Result<Vec<f64>, PageRankError> {
    let n = graph.node_count();
    if n == 0 {
        return Ok(Vec::new());
    }
    let offsets = graph.offsets();
    let targets = graph.targets();
    let weights = graph.weights();

    // 1 / row sum, or 0 for a dangling node (networkx: S[S != 0] = 1.0 / S[S != 0]).
    let inverse_out_weight: Vec<f64> = (0..n)
        .map(|row| {
            let sum: f64 = weights[offsets[row]..offsets[row + 1]].iter().sum();
            if sum != 0.0 { 1.0 / sum } else { 0.0 }
        })
        .collect();
    let dangling: Vec<u32> = (0..n as u32)
        .filter(|&v| inverse_out_weight[v as usize] == 0.0)
        .collect();

    // Pull formulation: the graph is symmetric, so row j lists every i with an
    // arc i→j; its coefficient is the transition probability i→j.
    let coefficient: Vec<f64> = targets
        .iter()
        .zip(weights)
        .map(|(&i, &w)| inverse_out_weight[i as usize] * w)
        .collect();

    let uniform = 1.0 / n as f64;
    let teleport = (1.0 - params.alpha) * uniform;
    let threshold = n as f64 * params.tol;
    let mut rank = vec![uniform; n];
    let mut next = vec![0.0; n];

    for _ in 0..params.max_iter {
        let dangling_mass: f64 = dangling.iter().map(|&v| rank[v as usize]).sum();
        let spread = dangling_mass * uniform;
        let mut change = 0.0;
        for (j, slot) in next.iter_mut().enumerate() {
            let span = offsets[j]..offsets[j + 1];
            let inflow: f64 = targets[span.clone()]
                .iter()
                .zip(&coefficient[span])
                .map(|(&i, &c)| rank[i as usize] * c)
                .sum();
            let value = params.alpha * (inflow + spread) + teleport;
            change += (value - rank[j]).abs();
            *slot = value;
        }
        std::mem::swap(&mut rank, &mut next);
        if change < threshold {
            return Ok(rank);
        }
    }
    Err(PageRankError::NotConverged {
        max_iter: params.max_iter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Edge;

    fn graph(n: usize, edges: &[(u32, u32, f64)]) -> CsrGraph {
        let edges: Vec<Edge> = edges
            .iter()
            .map(|&(u, v, weight)| Edge { u, v, weight })
            .collect();
        CsrGraph::from_undirected_edges(n, &edges).expect("valid graph")
    }

    #[test]
    fn empty_graph_has_no_ranks() {
        assert_eq!(
            pagerank(&graph(0, &[]), PageRankParams::default()),
            Ok(vec![])
        );
    }

    #[test]
    fn ranks_sum_to_one_and_hub_ranks_highest() {
        let g = graph(4, &[(0, 1, 1.0), (0, 2, 1.0), (0, 3, 1.0)]);
        let r = pagerank(&g, PageRankParams::default()).expect("converges");
        assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(r[0] > r[1] && (r[1] - r[2]).abs() < 1e-15);
    }

    #[test]
    fn isolated_nodes_share_rank_uniformly() {
        let r = pagerank(&graph(5, &[]), PageRankParams::default()).expect("converges");
        assert!(r.iter().all(|&x| (x - 0.2).abs() < 1e-15));
    }

    #[test]
    fn gives_up_after_max_iter() {
        let g = graph(3, &[(0, 1, 1.0), (1, 2, 1.0)]);
        let params = PageRankParams {
            max_iter: 1,
            tol: 0.0,
            ..PageRankParams::default()
        };
        assert_eq!(
            pagerank(&g, params),
            Err(PageRankError::NotConverged { max_iter: 1 })
        );
    }
}
