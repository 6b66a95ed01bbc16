//! Barabási–Albert preferential-attachment graphs, as networkx builds them.

use twinbench_kernels::graph::Edge;

use super::{EdgeList, SplitMix64, python_tuple_hash};

/// The graph `networkx.barabasi_albert_graph(n, m, seed)` builds, drawn from
/// our own RNG (the original benchmark passes no seed at all, so no run of it
/// is reproducible; the model, not the stream, is what we keep).
///
/// networkx 3.x starts from a star on nodes `0..=m` (centre 0), then attaches
/// each new node to `m` distinct targets drawn from a list holding every node
/// once per unit of degree. That gives exactly `m·(n − m)` edges (`3n − 9` for
/// m = 3), a connected graph, no self-loops. Each edge `(u, v)`, `u < v`,
/// weighs `hash((u, v)) % 10 + 1`, the weight the original benchmark assigns.
///
/// Panics if `m == 0` or `n <= m`: callers validate sizes first
/// ([`super::Generator::min_size`]).
pub fn barabasi_albert(n: usize, m: usize, rng: &mut SplitMix64) -> EdgeList {
    assert!(
        m >= 1 && n > m,
        "Barabási–Albert needs 1 <= m < n (m={m}, n={n})"
    );
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(m * (n - m));
    let mut repeated: Vec<u32> = Vec::with_capacity(2 * m * (n - m));
    for leaf in 1..=m as u32 {
        pairs.push((0, leaf));
        repeated.extend([0, leaf]);
    }
    let mut targets: Vec<u32> = Vec::with_capacity(m);
    for source in (m + 1) as u32..n as u32 {
        targets.clear();
        while targets.len() < m {
            let pick = repeated[rng.below(repeated.len() as u64) as usize];
            if !targets.contains(&pick) {
                targets.push(pick);
            }
        }
        targets.sort_unstable();
        for &target in &targets {
            pairs.push((target, source));
        }
        repeated.extend_from_slice(&targets);
        repeated.extend(std::iter::repeat_n(source, m));
    }
    let edges = pairs
        .into_iter()
        .map(|(u, v)| Edge {
            u,
            v,
            weight: (python_tuple_hash(&[u64::from(u), u64::from(v)]).rem_euclid(10) + 1) as f64,
        })
        .collect();
    EdgeList {
        node_count: n,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_count_matches_networkx() {
        for (n, expected) in [(100, 291), (500, 1491), (1000, 2991), (2000, 5991)] {
            let g = barabasi_albert(n, 3, &mut SplitMix64::new(1));
            assert_eq!(g.edges.len(), expected, "n={n}");
        }
    }

    #[test]
    fn simple_connected_and_weighted_one_to_ten() {
        let g = barabasi_albert(300, 3, &mut SplitMix64::new(5));
        let csr = g.to_csr().expect("valid");
        assert_eq!(
            csr.arc_count(),
            2 * g.edges.len(),
            "no duplicates, no self-loops"
        );
        assert!(g.edges.iter().all(|e| (1.0..=10.0).contains(&e.weight)));
        // Connected: every node after the star attaches to an earlier node.
        let mut seen = vec![false; 300];
        let mut stack = vec![0usize];
        seen[0] = true;
        while let Some(v) = stack.pop() {
            for (t, _) in csr.neighbors(v) {
                if !std::mem::replace(&mut seen[t as usize], true) {
                    stack.push(t as usize);
                }
            }
        }
        assert!(seen.iter().all(|&s| s));
    }
}
