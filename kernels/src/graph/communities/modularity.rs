//! Modularity of a partition: networkx's `nx.community.modularity` and
//! python-louvain's `community.modularity`, each with its own operation
//! order so the values agree with the originals to the last bit wherever
//! the summation order is the same (always, for integer weights).

use super::{CommunityError, CsrGraph, degree, weighted_degree};

/// Python's `x ** 2` for a float, which calls C `pow(x, 2.0)`. glibc's `pow`
/// does not round exactly like `x * x` (about 0.1% of inputs differ in the
/// last bit), and LLVM rewrites `powf(x, 2.0)` as `x * x`; `black_box`
/// hides the exponent so the libm call, and its rounding, stay.
pub(super) fn py_square(x: f64) -> f64 {
    x.powf(std::hint::black_box(2.0))
}

/// Which community each node is in, or an error unless `communities` is a
/// partition of the nodes (networkx's `is_partition`).
pub(super) fn community_index(
    node_count: usize,
    communities: &[Vec<u32>],
) -> Result<Vec<u32>, CommunityError> {
    const NONE: u32 = u32::MAX;
    let mut index = vec![NONE; node_count];
    let mut seen = 0usize;
    for (c, members) in communities.iter().enumerate() {
        for &node in members {
            match index.get_mut(node as usize) {
                Some(slot) if *slot == NONE => *slot = c as u32,
                _ => return Err(CommunityError::NotAPartition { node }),
            }
            seen += 1;
        }
    }
    if seen == node_count {
        Ok(index)
    } else {
        let node = index.iter().position(|&c| c == NONE).unwrap_or_default() as u32;
        Err(CommunityError::NotAPartition { node })
    }
}

/// `nx.community.modularity(G, communities, weight=..., resolution=...)`:
/// `Σ_c L_c/m − γ·(d_c)²/(2m)²`, with `L_c` the weight of the edges inside
/// `c` (self-loops once) and `d_c` its degree total.
///
/// `weighted` selects `weight='weight'` (edge weights) or `weight=None`
/// (every edge 1). The communities are summed in the order given, each
/// community's nodes in the order given (networkx walks `set(community)`,
/// whose order only matters for non-integer weights, in the last bits).
///
/// Errors: `NotAPartition` (networkx raises `NotAPartition`); a zero degree
/// total, e.g. a graph without edges (networkx raises `ZeroDivisionError`).
pub fn modularity(
    graph: &CsrGraph,
    communities: &[Vec<u32>],
    weighted: bool,
    resolution: f64,
) -> Result<f64, CommunityError> {
    let n = graph.node_count();
    let index = community_index(n, communities)?;
    let degrees: Vec<f64> = if weighted {
        (0..n).map(|v| weighted_degree(graph, v)).collect()
    } else {
        (0..n).map(|v| degree(graph, v) as f64).collect()
    };
    // Unweighted degrees are Python ints: the total and its square are exact.
    let deg_sum: f64 = degrees.iter().fold(0.0, |acc, &d| acc + d);
    if deg_sum == 0.0 {
        return Err(CommunityError::ZeroTotalWeight);
    }
    let m = deg_sum / 2.0;
    let norm = if weighted {
        1.0 / py_square(deg_sum)
    } else {
        1.0 / (deg_sum * deg_sum)
    };

    // position[v]: v's rank inside its community, so "edges from already
    // visited nodes are skipped" (networkx's `G.edges(comm)`) is a compare.
    let mut position = vec![0u32; n];
    for members in communities {
        for (rank, &v) in members.iter().enumerate() {
            position[v as usize] = rank as u32;
        }
    }
    let mut total = 0.0;
    for (c, members) in communities.iter().enumerate() {
        let mut internal = 0.0;
        let mut degree_sum = 0.0;
        for &u in members {
            let u = u as usize;
            for (v, weight) in graph.neighbors(u) {
                let v = v as usize;
                if index[v] == c as u32 && position[v] >= position[u] {
                    internal += if weighted { weight } else { 1.0 };
                }
            }
            degree_sum += degrees[u];
        }
        total += internal / m - resolution * degree_sum * degree_sum * norm;
    }
    Ok(total)
}

/// python-louvain 0.16's `community.modularity(partition, G, weight='weight')`:
/// `Σ_c inc_c/links − (deg_c/(2·links))²`, where `inc_c` adds each internal
/// edge's weight in halves from both ends (a self-loop whole) and `links` is
/// the total edge weight. Communities are summed in the order given
/// (python-louvain sums over its labels `0..k`; the order only matters in
/// the last bits).
///
/// Errors as [`modularity`] (python-louvain raises `ValueError` for a graph
/// without edge weight).
pub fn louvain_modularity(
    graph: &CsrGraph,
    communities: &[Vec<u32>],
) -> Result<f64, CommunityError> {
    let n = graph.node_count();
    let index = community_index(n, communities)?;
    let k = communities.len();
    let mut deg = vec![0.0; k];
    let mut inc = vec![0.0; k];
    let mut deg_sum = 0.0;
    for node in 0..n {
        let com = index[node] as usize;
        let d = weighted_degree(graph, node);
        deg_sum += d;
        deg[com] += d;
        for (neighbor, weight) in graph.neighbors(node) {
            if index[neighbor as usize] as usize == com {
                inc[com] += if neighbor as usize == node {
                    weight
                } else {
                    weight / 2.0
                };
            }
        }
    }
    let links = deg_sum / 2.0;
    if links == 0.0 {
        return Err(CommunityError::ZeroTotalWeight);
    }
    Ok((0..k).fold(0.0, |res, com| {
        res + (inc[com] / links - py_square(deg[com] / (2.0 * links)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32, f64)]) -> CsrGraph {
        CsrGraph::weighted(n, edges)
    }

    fn two_triangles() -> CsrGraph {
        graph(
            6,
            &[
                (0, 1, 1.0),
                (0, 2, 2.0),
                (1, 2, 1.0),
                (2, 3, 5.0),
                (3, 4, 1.0),
                (3, 5, 1.0),
                (4, 5, 3.0),
                (5, 5, 2.0),
            ],
        )
    }

    // Expected values printed by networkx 3.4.2 / python-louvain 0.16 on the
    // same graph and partition.
    #[test]
    fn weighted_and_unweighted_match_networkx() {
        let g = two_triangles();
        let parts = vec![vec![0, 1, 2], vec![3, 4, 5]];
        let weighted = modularity(&g, &parts, true, 1.0).expect("partition");
        assert_eq!(weighted, 0.169921875);
        let unweighted = modularity(&g, &parts, false, 1.0).expect("partition");
        assert_eq!(unweighted, 0.3671875);
        let scaled = modularity(&g, &parts, true, 0.5).expect("partition");
        assert_eq!(scaled, 0.4287109375);
    }

    #[test]
    fn louvain_formula_matches_python_louvain() {
        let g = two_triangles();
        let parts = vec![vec![0, 1, 2], vec![3, 4, 5]];
        let q = louvain_modularity(&g, &parts).expect("partition");
        assert_eq!(q, 0.169921875);
    }

    #[test]
    fn no_edges_is_an_error() {
        let g = graph(3, &[]);
        let parts = vec![vec![0], vec![1], vec![2]];
        assert_eq!(
            modularity(&g, &parts, true, 1.0),
            Err(CommunityError::ZeroTotalWeight)
        );
        assert_eq!(
            louvain_modularity(&g, &parts),
            Err(CommunityError::ZeroTotalWeight)
        );
        assert_eq!(
            modularity(&graph(0, &[]), &[], true, 1.0),
            Err(CommunityError::ZeroTotalWeight)
        );
    }

    #[test]
    fn not_a_partition_is_an_error() {
        let g = two_triangles();
        let parts = vec![vec![0, 1, 2], vec![3, 4]];
        assert_eq!(
            modularity(&g, &parts, true, 1.0),
            Err(CommunityError::NotAPartition { node: 5 })
        );
        let parts = vec![vec![0, 1, 2], vec![2, 3, 4, 5]];
        assert_eq!(
            modularity(&g, &parts, true, 1.0),
            Err(CommunityError::NotAPartition { node: 2 })
        );
    }
}
