//! An undirected, weighted graph in compressed sparse row (CSR) form.

use thiserror::Error;

/// One undirected edge as handed to [`CsrGraph::from_undirected_edges`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub u: u32,
    pub v: u32,
    pub weight: f64,
}

/// Why a graph could not be built.
#[derive(Debug, Error, PartialEq)]
pub enum GraphError {
    #[error("edge {index} names node {node}, but the graph has only {n} nodes (ids 0..{n})")]
    NodeOutOfRange { index: usize, node: u32, n: usize },
    #[error("{n} nodes do not fit in u32 node ids")]
    TooManyNodes { n: usize },
}

/// Undirected weighted simple graph with the semantics of a `networkx.Graph`.
///
/// Every undirected edge `{u, v}` is stored as two arcs (`u→v` in row `u`,
/// `v→u` in row `v`), a self-loop as one arc, exactly as networkx's
/// `to_scipy_sparse_array` lays out an undirected graph. Node ids are `u32`
/// and each arc carries its `f64` weight, so an undirected edge costs
/// 2 × (4 + 8) = 24 bytes and a node 8 bytes of row offset.
///
/// Invariants: `offsets.len() == n + 1`, `offsets` is non-decreasing, and the
/// arcs of each row are sorted by target with no duplicates.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrGraph {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
}

impl CsrGraph {
    /// Builds the graph networkx would hold after `add_nodes_from(range(n))`
    /// and `add_weighted_edges_from(edges)`: a repeated edge (in either
    /// direction) keeps the weight of its *last* occurrence.
    pub fn from_undirected_edges(n: usize, edges: &[Edge]) -> Result<Self, GraphError> {
        if u32::try_from(n).is_err() {
            return Err(GraphError::TooManyNodes { n });
        }
        for (index, e) in edges.iter().enumerate() {
            for node in [e.u, e.v] {
                if node as usize >= n {
                    return Err(GraphError::NodeOutOfRange { index, node, n });
                }
            }
        }
        // Normalise to (low, high) and keep the last occurrence of each pair:
        // a stable sort groups duplicates in input order, the run's last wins.
        let mut order: Vec<(u32, u32, usize)> = edges
            .iter()
            .enumerate()
            .map(|(i, e)| (e.u.min(e.v), e.u.max(e.v), i))
            .collect();
        order.sort_by_key(|&(lo, hi, _)| (lo, hi));
        order.dedup_by(|later, earlier| {
            let same = (later.0, later.1) == (earlier.0, earlier.1);
            if same {
                earlier.2 = later.2;
            }
            same
        });

        let mut degree = vec![0usize; n + 1];
        for &(lo, hi, _) in &order {
            degree[lo as usize] += 1;
            if lo != hi {
                degree[hi as usize] += 1;
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut running = 0usize;
        for d in &degree[..n] {
            offsets.push(running);
            running += d;
        }
        offsets.push(running);

        let mut cursor = offsets.clone();
        let mut targets = vec![0u32; running];
        let mut weights = vec![0.0f64; running];
        let mut place = |row: u32, target: u32, weight: f64| {
            let slot = cursor[row as usize];
            targets[slot] = target;
            weights[slot] = weight;
            cursor[row as usize] += 1;
        };
        // `order` is sorted by (lo, hi), so row r first receives every lo < r
        // (as the `hi` side, lo increasing), then its self-loop, then every
        // hi > r: rows come out sorted without a second pass.
        for &(lo, hi, i) in &order {
            let w = edges[i].weight;
            place(lo, hi, w);
            if lo != hi {
                place(hi, lo, w);
            }
        }
        let graph = Self {
            offsets,
            targets,
            weights,
        };
        debug_assert!(
            (0..n).all(|row| {
                graph.targets[graph.offsets[row]..graph.offsets[row + 1]].is_sorted()
            })
        );
        Ok(graph)
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of stored arcs: two per undirected edge, one per self-loop.
    pub fn arc_count(&self) -> usize {
        self.targets.len()
    }

    /// Number of undirected edges, as `networkx.Graph.number_of_edges()`
    /// counts them: a self-loop is one edge (and one arc).
    pub fn edge_count(&self) -> usize {
        let self_loops = (0..self.node_count())
            .filter(|&v| self.has_self_loop(v))
            .count();
        (self.arc_count() - self_loops) / 2 + self_loops
    }

    /// Whether `node` has a self-loop (rows are sorted: a binary search).
    pub fn has_self_loop(&self, node: usize) -> bool {
        self.targets[self.offsets[node]..self.offsets[node + 1]]
            .binary_search(&(node as u32))
            .is_ok()
    }

    /// Row offsets (`n + 1` entries): row `i` is `offsets[i]..offsets[i + 1]`.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Arc targets, row by row.
    pub fn targets(&self) -> &[u32] {
        &self.targets
    }

    /// Arc weights, parallel to [`Self::targets`].
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Neighbours of `node` with the weight of each connecting edge.
    pub fn neighbors(&self, node: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        let span = self.offsets[node]..self.offsets[node + 1];
        self.targets[span.clone()]
            .iter()
            .copied()
            .zip(self.weights[span].iter().copied())
    }

    /// Heap bytes held by the graph (offsets, targets, weights).
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * size_of::<usize>()
            + self.targets.capacity() * size_of::<u32>()
            + self.weights.capacity() * size_of::<f64>()
    }
}

#[cfg(test)]
impl CsrGraph {
    /// Test helper shared by the kernels' unit tests: every weight 1.0.
    pub(crate) fn unweighted(n: usize, edges: &[(u32, u32)]) -> Self {
        let weighted: Vec<(u32, u32, f64)> = edges.iter().map(|&(u, v)| (u, v, 1.0)).collect();
        Self::weighted(n, &weighted)
    }

    /// Test helper shared by the kernels' unit tests: `(u, v, weight)` edges.
    pub(crate) fn weighted(n: usize, edges: &[(u32, u32, f64)]) -> Self {
        let edges: Vec<Edge> = edges
            .iter()
            .map(|&(u, v, weight)| Edge { u, v, weight })
            .collect();
        Self::from_undirected_edges(n, &edges).expect("valid test graph")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(u: u32, v: u32, weight: f64) -> Edge {
        Edge { u, v, weight }
    }

    #[test]
    fn repeated_edge_keeps_last_weight_in_either_direction() {
        let g = CsrGraph::from_undirected_edges(3, &[e(0, 1, 1.0), e(1, 0, 7.0), e(1, 2, 2.0)])
            .expect("valid graph");
        assert_eq!(g.neighbors(0).collect::<Vec<_>>(), vec![(1, 7.0)]);
        assert_eq!(g.neighbors(1).collect::<Vec<_>>(), vec![(0, 7.0), (2, 2.0)]);
        assert_eq!(g.arc_count(), 4);
    }

    #[test]
    fn self_loop_is_one_arc() {
        let g = CsrGraph::from_undirected_edges(2, &[e(1, 1, 3.0)]).expect("valid graph");
        assert_eq!(g.neighbors(1).collect::<Vec<_>>(), vec![(1, 3.0)]);
        assert_eq!(g.arc_count(), 1);
        assert_eq!(g.neighbors(0).count(), 0);
    }

    #[test]
    fn rows_are_sorted() {
        let g = CsrGraph::from_undirected_edges(4, &[e(3, 0, 1.0), e(2, 0, 1.0), e(0, 1, 1.0)])
            .expect("valid graph");
        let row0: Vec<u32> = g.neighbors(0).map(|(t, _)| t).collect();
        assert_eq!(row0, vec![1, 2, 3]);
    }

    #[test]
    fn memory_is_24_bytes_per_edge_and_8_per_node() {
        let n = 1000u32;
        let edges: Vec<Edge> = (1..n).map(|v| e(v / 2, v, 1.0)).collect();
        let g = CsrGraph::from_undirected_edges(n as usize, &edges).expect("valid graph");
        assert_eq!(g.heap_bytes(), 24 * edges.len() + 8 * (n as usize + 1));
        assert_eq!(g.edge_count(), edges.len());
    }

    #[test]
    fn out_of_range_node_is_an_error() {
        let err = CsrGraph::from_undirected_edges(2, &[e(0, 5, 1.0)]).expect_err("node 5 > n");
        assert_eq!(
            err,
            GraphError::NodeOutOfRange {
                index: 0,
                node: 5,
                n: 2
            }
        );
    }
}
