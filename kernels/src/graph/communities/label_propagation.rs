//! Semi-synchronous label propagation, as networkx 3.4.2's
//! `label_propagation_communities(G)` runs it (Cordasco & Gargano).
//!
//! Nodes are coloured greedily, largest degree first; then, round after
//! round, every colour class in colour order updates its labels to the most
//! frequent label among its neighbours (ties: keep the current label if it is
//! among the most frequent, else take the largest). A colour class is an
//! independent set, so the order inside a class does not matter (a self-loop
//! only lets a node count its own label). Rounds stop when every node with
//! a neighbour holds one of its neighbourhood's most frequent labels.

use super::{CsrGraph, degree, group_by_first_appearance};

/// `nx.community.label_propagation_communities(G)`.
///
/// Communities come in networkx's order (the order in which their labels
/// first appear among the nodes `0..n`, i.e. by smallest member), members
/// ascending. Deterministic: networkx's version uses no randomness.
pub fn label_propagation_communities(graph: &CsrGraph) -> Vec<Vec<u32>> {
    let n = graph.node_count();
    let classes = colour_classes(graph);
    let mut labels: Vec<u32> = (0..n as u32).collect();
    let mut counter = LabelCounter::new(n);
    while !labelling_complete(graph, &labels, &mut counter) {
        for class in &classes {
            for &node in class {
                update_label(graph, node as usize, &mut labels, &mut counter);
            }
        }
    }
    group_by_first_appearance(&labels)
}

/// `nx.coloring.greedy_color(G, "largest_first")` as colour classes, colour
/// 0 first: nodes by degree descending (a self-loop adds 2; Python's stable
/// sort keeps node order among equal degrees), each taking the smallest
/// colour no coloured neighbour has.
fn colour_classes(graph: &CsrGraph) -> Vec<Vec<u32>> {
    let n = graph.node_count();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&u| std::cmp::Reverse(degree(graph, u as usize)));

    const UNCOLOURED: u32 = u32::MAX;
    let mut colour = vec![UNCOLOURED; n];
    // taken[c] == u + 1 while colouring u means a neighbour of u has colour c.
    let mut taken: Vec<u32> = Vec::new();
    let mut classes: Vec<Vec<u32>> = Vec::new();
    for &u in &order {
        for (w, _) in graph.neighbors(u as usize) {
            let c = colour[w as usize];
            if c != UNCOLOURED {
                if taken.len() <= c as usize {
                    taken.resize(c as usize + 1, 0);
                }
                taken[c as usize] = u + 1;
            }
        }
        let mut c = 0;
        while taken.get(c) == Some(&(u + 1)) {
            c += 1;
        }
        colour[u as usize] = c as u32;
        if classes.len() <= c {
            classes.resize_with(c + 1, Vec::new);
        }
        classes[c].push(u);
    }
    classes
}

/// Counts neighbour labels; reset after each node by walking what it
/// touched, so a round costs O(arcs), not O(n) per node.
#[derive(Debug)]
struct LabelCounter {
    count: Vec<u32>,
    touched: Vec<u32>,
}

impl LabelCounter {
    fn new(n: usize) -> Self {
        Self {
            count: vec![0; n],
            touched: Vec::new(),
        }
    }

    /// Counts the labels of `node`'s neighbours (itself once, if it has a
    /// self-loop) and returns the highest frequency (0 without neighbours).
    fn tally(&mut self, graph: &CsrGraph, node: usize, labels: &[u32]) -> u32 {
        for &l in &self.touched {
            self.count[l as usize] = 0;
        }
        self.touched.clear();
        let mut max = 0;
        for (w, _) in graph.neighbors(node) {
            let l = labels[w as usize];
            let c = &mut self.count[l as usize];
            if *c == 0 {
                self.touched.push(l);
            }
            *c += 1;
            max = max.max(*c);
        }
        max
    }
}

/// networkx's `_labeling_complete`.
fn labelling_complete(graph: &CsrGraph, labels: &[u32], counter: &mut LabelCounter) -> bool {
    (0..graph.node_count()).all(|node| {
        let max = counter.tally(graph, node, labels);
        max == 0 || counter.count[labels[node] as usize] == max
    })
}

/// networkx's `_update_label` (Prec-Max): a unique most frequent label is
/// taken; among several, the current label stays if it is one of them,
/// else the largest is taken.
fn update_label(graph: &CsrGraph, node: usize, labels: &mut [u32], counter: &mut LabelCounter) {
    let max = counter.tally(graph, node, labels);
    if max == 0 {
        return;
    }
    let mut top = counter
        .touched
        .iter()
        .copied()
        .filter(|&l| counter.count[l as usize] == max);
    let (Some(first), second) = (top.next(), top.next()) else {
        return;
    };
    if second.is_none() {
        labels[node] = first;
    } else if counter.count[labels[node] as usize] != max {
        labels[node] = counter
            .touched
            .iter()
            .copied()
            .filter(|&l| counter.count[l as usize] == max)
            .max()
            .unwrap_or(first);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> CsrGraph {
        CsrGraph::unweighted(n, edges)
    }

    // Expected partitions printed by networkx 3.4.2
    // (`list(label_propagation_communities(G))` on the same graphs).
    #[test]
    fn two_triangles_joined_by_a_bridge() {
        let g = graph(6, &[(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (3, 5), (4, 5)]);
        assert_eq!(
            label_propagation_communities(&g),
            vec![vec![0, 1, 2], vec![3, 4, 5]]
        );
    }

    #[test]
    fn isolated_nodes_and_self_loops() {
        let g = graph(5, &[(0, 1), (2, 2), (3, 4)]);
        assert_eq!(
            label_propagation_communities(&g),
            vec![vec![0, 1], vec![2], vec![3, 4]]
        );
    }

    #[test]
    fn star_takes_the_largest_leaf_label() {
        let g = graph(5, &[(0, 1), (0, 2), (0, 3), (0, 4)]);
        assert_eq!(label_propagation_communities(&g), vec![vec![0, 1, 2, 3, 4]]);
    }

    #[test]
    fn colouring_is_largest_first() {
        // Path 0-1-2-3: order 1, 2, 0, 3 → colours 1:0, 2:1, 0:1, 3:0.
        let g = graph(4, &[(0, 1), (1, 2), (2, 3)]);
        assert_eq!(colour_classes(&g), vec![vec![1, 3], vec![2, 0]]);
    }
}
