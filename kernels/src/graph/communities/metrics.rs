//! Per-community metrics, as the original's `_calculate_community_metrics`
//! computes them (catalog analytics K3) on `graph.subgraph(nodes)`.

use super::pyset::PySet;
use super::{CommunityMetrics, CsrGraph};

/// How many central nodes the original reports per community.
const CENTRAL_NODES: usize = 5;

/// K3 for the community `id` (in `community_of`'s numbering), whose
/// members the original's partition dict lists in the order `listed`.
///
/// Density is internal edges (a self-loop is one) over `k(k−1)/2`, 0 for
/// `k < 2`. Central nodes are the top five by degree inside the community
/// (a self-loop adds 2, as `subgraph.degree()` counts it), by a stable
/// descending sort of the subgraph's node order. That order is the
/// subtle part: networkx's subgraph view walks its node *set* (built from
/// `listed`) in CPython hash-table order when the community has fewer than
/// half the graph's nodes, and the graph's node order otherwise; ties among
/// equal degrees follow it.
pub(super) fn measure(
    graph: &CsrGraph,
    community_of: &[u32],
    id: u32,
    listed: &[u32],
) -> CommunityMetrics {
    let k = listed.len();
    let mut members = listed.to_vec();
    members.sort_unstable();
    let walk: Vec<u32> = if 2 * k < graph.node_count() {
        PySet::from_adds(listed.iter().copied()).iter().collect()
    } else {
        members.clone()
    };
    let mut degrees: Vec<(usize, u32)> = walk
        .iter()
        .map(|&v| {
            let inside = graph
                .neighbors(v as usize)
                .filter(|&(w, _)| community_of[w as usize] == id)
                .count();
            let self_loop = graph.neighbors(v as usize).any(|(w, _)| w == v);
            (inside + usize::from(self_loop), v)
        })
        .collect();
    let edges = degrees.iter().map(|&(d, _)| d).sum::<usize>() / 2;
    let density = if k >= 2 {
        edges as f64 / ((k * (k - 1)) as f64 / 2.0)
    } else {
        0.0
    };
    degrees.sort_by_key(|&(d, _)| std::cmp::Reverse(d));
    let central_nodes = degrees
        .iter()
        .take(CENTRAL_NODES)
        .map(|&(_, v)| v)
        .collect();
    CommunityMetrics {
        members,
        density,
        central_nodes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> CsrGraph {
        CsrGraph::unweighted(n, edges)
    }

    // Checked against the original's K3 body on networkx 3.4.2.
    #[test]
    fn ties_follow_the_python_set_order_in_small_communities() {
        // Community {9, 1, 17} of a 40-node graph, a triangle: all degrees
        // are 2, so the order is the set's, [9, 1, 17] when listed 9, 1, 17
        // and [1, 9, 17] when listed 1, 9, 17.
        let g = graph(40, &[(1, 9), (9, 17), (1, 17)]);
        let mut community_of = vec![1u32; 40];
        for v in [1, 9, 17] {
            community_of[v] = 0;
        }
        let m = measure(&g, &community_of, 0, &[9, 1, 17]);
        assert_eq!(m.central_nodes, vec![9, 1, 17]);
        assert_eq!(m.members, vec![1, 9, 17]);
        assert_eq!(m.density, 1.0);
        let m = measure(&g, &community_of, 0, &[1, 9, 17]);
        assert_eq!(m.central_nodes, vec![1, 9, 17]);
    }

    #[test]
    fn large_communities_walk_node_order_and_self_loops_count_twice() {
        // Community {0, 1, 2, 3} of 6 nodes (not under half): node order.
        // Node 3 has a self-loop: degree 2 + 1 edge = 3; density 4/6.
        let g = graph(6, &[(0, 1), (1, 2), (2, 3), (3, 3), (4, 5)]);
        let community_of = [0, 0, 0, 0, 1, 1];
        let m = measure(&g, &community_of, 0, &[3, 2, 1, 0]);
        assert_eq!(m.central_nodes, vec![3, 1, 2, 0]);
        assert_eq!(m.density, 4.0 / 6.0);
    }
}
