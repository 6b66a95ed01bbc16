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

use rayon::prelude::*;
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

/// Rows per parallel task: fixed, so the order in which partial sums are
/// combined (and so the result, to the last bit) does not depend on the
/// number of threads.
const PARALLEL_CHUNK: usize = 4096;

/// Ranks of every node, indexed by node id; they sum to 1. An empty graph has
/// no ranks (networkx returns `{}`).
///
/// Allocates the two rank vectors and one coefficient per arc up front; the
/// iteration itself allocates nothing.
pub fn pagerank(graph: &CsrGraph, params: PageRankParams) -> Result<Vec<f64>, PageRankError> {
    iterate(graph, params, |setup, rank, next| {
        setup.update_rows(0, rank, next)
    })
}

/// Below this many nodes [`pagerank_parallel`] runs on the calling thread:
/// an iteration then takes tens of microseconds and waking the pool costs
/// more than it saves (measured on the 2-core benchmark machine: 0.9x at 10k
/// nodes, 1.35x at 100k).
pub const PARALLEL_MIN_NODES: usize = 50_000;

/// [`pagerank`] with each iteration's rows spread over the rayon pool in
/// fixed chunks of rows, for graphs of at least [`PARALLEL_MIN_NODES`] nodes.
/// Agrees with [`pagerank`] to rounding: every rank is computed the same way,
/// only the L1 change is summed per chunk (so the stopping test can differ
/// in its last bits).
pub fn pagerank_parallel(
    graph: &CsrGraph,
    params: PageRankParams,
) -> Result<Vec<f64>, PageRankError> {
    if graph.node_count() < PARALLEL_MIN_NODES {
        return pagerank(graph, params);
    }
    // One partial L1 change per chunk, combined in chunk order: the same
    // result whatever the number of threads, and no allocation per iteration.
    let mut partials = vec![0.0; graph.node_count().div_ceil(PARALLEL_CHUNK)];
    iterate(graph, params, |setup, rank, next| {
        next.par_chunks_mut(PARALLEL_CHUNK)
            .zip(partials.par_iter_mut())
            .enumerate()
            .for_each(|(chunk, (rows, partial))| {
                *partial = setup.update_rows(chunk * PARALLEL_CHUNK, rank, rows);
            });
        partials.iter().sum()
    })
}

/// What every iteration reuses.
struct Setup<'g> {
    offsets: &'g [usize],
    targets: &'g [u32],
    /// Transition probability of each arc, in the pull direction.
    coefficient: Vec<f64>,
    alpha: f64,
    /// `(1 − alpha)·(1/n)`: the teleport term, rounded as networkx rounds it.
    teleport: f64,
    /// `dangling mass / n`, recomputed per iteration.
    spread: f64,
}

impl Setup<'_> {
    /// Writes the new ranks of rows `first..first + next.len()` and returns
    /// their L1 change.
    #[inline]
    fn update_rows(&self, first: usize, rank: &[f64], next: &mut [f64]) -> f64 {
        let mut change = 0.0;
        for (k, slot) in next.iter_mut().enumerate() {
            let j = first + k;
            let span = self.offsets[j]..self.offsets[j + 1];
            let inflow: f64 = self.targets[span.clone()]
                .iter()
                .zip(&self.coefficient[span])
                .map(|(&i, &c)| rank[i as usize] * c)
                .sum();
            // networkx's order of operations, so the two agree to the bit.
            let value = self.alpha * (inflow + self.spread) + self.teleport;
            change += (value - rank[j]).abs();
            *slot = value;
        }
        change
    }
}

/// The power iteration shared by both variants; `sweep` computes one
/// iteration's new ranks and returns the L1 change.
fn iterate(
    graph: &CsrGraph,
    params: PageRankParams,
    mut sweep: impl FnMut(&Setup<'_>, &[f64], &mut [f64]) -> f64,
) -> Result<Vec<f64>, PageRankError> {
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
    // arc i→j; its coefficient is the transition probability i→j, formed as
    // networkx's `Q @ A` forms it: (1/rowsum_i)·w.
    let mut setup = Setup {
        offsets,
        targets,
        coefficient: targets
            .iter()
            .zip(weights)
            .map(|(&i, &w)| inverse_out_weight[i as usize] * w)
            .collect(),
        alpha: params.alpha,
        teleport: (1.0 - params.alpha) * (1.0 / n as f64),
        spread: 0.0,
    };

    let uniform = 1.0 / n as f64;
    let threshold = n as f64 * params.tol;
    let mut rank = vec![uniform; n];
    let mut next = vec![0.0; n];
    for _ in 0..params.max_iter {
        // networkx: alpha * (x @ A + sum(x[dangling]) * p) + (1 - alpha) * p.
        let dangling_mass: f64 = dangling.iter().map(|&v| rank[v as usize]).sum();
        setup.spread = dangling_mass * uniform;
        let change = sweep(&setup, &rank, &mut next);
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

    fn graph(n: usize, edges: &[(u32, u32, f64)]) -> CsrGraph {
        CsrGraph::weighted(n, edges)
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
    fn parallel_agrees_with_sequential() {
        let n = PARALLEL_MIN_NODES + 3 * PARALLEL_CHUNK + 17;
        let edges: Vec<(u32, u32, f64)> = (1..n as u32)
            .map(|v| ((v * 7919) % v, v, 1.0 + f64::from(v % 5)))
            .collect();
        let g = graph(n, &edges);
        let a = pagerank(&g, PageRankParams::default()).expect("converges");
        let b = pagerank_parallel(&g, PageRankParams::default()).expect("converges");
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-15, "{x} vs {y}");
        }
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
