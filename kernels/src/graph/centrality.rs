//! Node centralities as the analytics engine asks networkx for them
//! (catalog analytics K1): degree and eigenvector. Closeness lives with the
//! other all-pairs distance kernels (`distances`), betweenness in its own
//! module.
//!
//! Each function returns one score per node, indexed by node id, computed
//! with networkx 3.4.2's definitions and, where it matters for rounding, its
//! order of operations. All are unweighted, as the original calls them
//! (`weight=None` is networkx's default for these four).

use thiserror::Error;

use super::CsrGraph;

/// Why a centrality has no value.
#[derive(Debug, Error, PartialEq)]
pub enum CentralityError {
    /// networkx raises `NetworkXPointlessConcept` for eigenvector centrality
    /// of the null graph.
    #[error("eigenvector centrality of the null graph is undefined")]
    EmptyGraph,
    /// networkx raises `PowerIterationFailedConvergence`.
    #[error("power iteration did not converge within {max_iter} iterations")]
    NotConverged { max_iter: usize },
}

/// Degree of `v` as networkx counts it: a self-loop adds 2.
fn degree(graph: &CsrGraph, v: usize) -> usize {
    let span = graph.offsets()[v]..graph.offsets()[v + 1];
    let targets = &graph.targets()[span];
    targets.len() + usize::from(targets.binary_search(&(v as u32)).is_ok())
}

/// `nx.degree_centrality(G)`: degree / (n − 1); every node 1 when n = 1.
pub fn degree_centrality(graph: &CsrGraph) -> Vec<f64> {
    let n = graph.node_count();
    if n <= 1 {
        return vec![1.0; n];
    }
    let scale = 1.0 / (n - 1) as f64;
    (0..n).map(|v| degree(graph, v) as f64 * scale).collect()
}

/// `nx.eigenvector_centrality(G, max_iter=max_iter)` (tol 1e-6, unweighted):
/// power iteration on `A + I` from the uniform vector, unit L2 norm, stopping
/// when the L1 change is below `n·tol`.
///
/// Each new value is `x[u] + Σ x[v]` over u's neighbours in increasing id,
/// the order in which networkx's loop over nodes adds them, so the sums agree
/// to the bit; only the norm (Python's `math.hypot` vs a plain sum of
/// squares) rounds differently.
pub fn eigenvector_centrality(
    graph: &CsrGraph,
    max_iter: usize,
) -> Result<Vec<f64>, CentralityError> {
    const TOL: f64 = 1.0e-6;
    let n = graph.node_count();
    if n == 0 {
        return Err(CentralityError::EmptyGraph);
    }
    let (offsets, targets) = (graph.offsets(), graph.targets());
    let mut x = vec![1.0 / n as f64; n];
    let mut next = vec![0.0; n];
    for _ in 0..max_iter {
        for (u, slot) in next.iter_mut().enumerate() {
            *slot = targets[offsets[u]..offsets[u + 1]]
                .iter()
                .fold(x[u], |acc, &v| acc + x[v as usize]);
        }
        let norm = next.iter().map(|v| v * v).sum::<f64>().sqrt();
        let norm = if norm == 0.0 { 1.0 } else { norm };
        let mut change = 0.0;
        for (new, old) in next.iter_mut().zip(&x) {
            *new /= norm;
            change += (*new - old).abs();
        }
        std::mem::swap(&mut x, &mut next);
        if change < n as f64 * TOL {
            return Ok(x);
        }
    }
    Err(CentralityError::NotConverged { max_iter })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{
        betweenness_centrality, betweenness_centrality_parallel, closeness_centrality,
        closeness_centrality_parallel,
    };

    fn graph(n: usize, edges: &[(u32, u32)]) -> CsrGraph {
        CsrGraph::unweighted(n, edges)
    }

    fn path(n: u32) -> CsrGraph {
        graph(n as usize, &(1..n).map(|v| (v - 1, v)).collect::<Vec<_>>())
    }

    #[test]
    fn degree_counts_a_self_loop_twice() {
        let g = graph(3, &[(0, 1), (1, 1)]);
        assert_eq!(degree_centrality(&g), vec![0.5, 1.5, 0.0]);
        assert_eq!(degree_centrality(&graph(1, &[])), vec![1.0]);
    }

    #[test]
    fn path_closeness_and_betweenness_by_hand() {
        // Path 0-1-2: closeness of the middle is 2/2 = 1, of the ends 2/3;
        // the middle lies on the one path between the ends: normalized 1.
        let g = path(3);
        let c = closeness_centrality(&g);
        assert!((c[1] - 1.0).abs() < 1e-15 && (c[0] - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(betweenness_centrality(&g), vec![0.0, 1.0, 0.0]);
    }

    #[test]
    fn disconnected_closeness_uses_the_wasserman_faust_scaling() {
        // Two components {0,1} and {2}: node 0 reaches 1 node at distance 1,
        // so (1/1)·(1/2) = 0.5; the isolated node scores 0.
        let c = closeness_centrality(&graph(3, &[(0, 1)]));
        assert_eq!(c, vec![0.5, 0.5, 0.0]);
    }

    #[test]
    fn parallel_variants_agree() {
        let edges: Vec<(u32, u32)> = (1..300u32).map(|v| ((v * 7919) % v, v)).collect();
        let g = graph(300, &edges);
        assert_eq!(closeness_centrality(&g), closeness_centrality_parallel(&g));
        let (a, b) = (
            betweenness_centrality(&g),
            betweenness_centrality_parallel(&g),
        );
        assert!(
            a.iter()
                .zip(&b)
                .all(|(x, y)| (x - y).abs() <= 1e-12 * x.abs().max(1e-300))
        );
    }

    #[test]
    fn eigenvector_of_a_star_and_of_nothing() {
        let e =
            eigenvector_centrality(&graph(4, &[(0, 1), (0, 2), (0, 3)]), 1000).expect("converges");
        assert!(e[0] > e[1] && (e[1] - e[3]).abs() < 1e-12);
        assert!((e.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(
            eigenvector_centrality(&graph(0, &[]), 1000),
            Err(CentralityError::EmptyGraph)
        );
    }
}
