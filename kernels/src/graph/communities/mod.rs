//! Community detection and per-community metrics (catalog analytics K2 +
//! K3): the original's `GraphAlgorithms.detect_communities` followed by
//! `_calculate_community_metrics`.
//!
//! The detection algorithms reproduce the Python libraries the original
//! calls: networkx 3.4.2's greedy modularity (CNM) and label propagation
//! exactly, merge for merge and label for label; python-louvain 0.16's
//! Louvain exactly for a given `RandomState` seed (the original passes none,
//! so its own runs are random). Ties in the metrics follow CPython's set
//! iteration order, reproduced by the `pyset` submodule.

mod cnm;
mod label_propagation;
mod louvain;
mod metrics;
mod modularity;
mod mt19937;
mod pyset;

use thiserror::Error;

use super::CsrGraph;

pub use cnm::greedy_modularity_communities;
pub use label_propagation::label_propagation_communities;
pub use louvain::louvain_communities;
pub use modularity::{louvain_modularity, modularity};

/// The original's default `min_community_size`.
pub const DEFAULT_MIN_COMMUNITY_SIZE: usize = 3;

/// The `algorithm` argument of the original's `detect_communities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommunityAlgorithm {
    /// `"greedy_modularity"`: `nx.community.greedy_modularity_communities`
    /// (unweighted CNM). Also what `"louvain"` runs when python-louvain is
    /// not installed, the production case.
    GreedyModularity,
    /// `"label_propagation"`: `nx.community.label_propagation_communities`.
    LabelPropagation,
    /// `"louvain"` with python-louvain installed: `community.best_partition`
    /// (weighted) and python-louvain's own modularity.
    Louvain,
}

/// Why a partition or its modularity could not be computed.
#[derive(Debug, Error, PartialEq)]
pub enum CommunityError {
    /// The edge weights total zero, e.g. a graph without edges: modularity
    /// divides by it (networkx raises `ZeroDivisionError`, python-louvain
    /// `ValueError` or `ZeroDivisionError`), so the original's call fails.
    #[error("modularity needs a non-zero total edge weight; this graph's is 0 (no edges?)")]
    ZeroTotalWeight,
    /// python-louvain rejects a node whose weighted degree is negative.
    #[error("node {node} has weighted degree {degree} < 0; Louvain needs non-negative weights")]
    NegativeDegree { node: u32, degree: f64 },
    /// The communities handed to `modularity` do not partition the nodes.
    #[error(
        "node {node} is missing from the communities, repeated, or out of range: \
         they must partition the nodes 0..n"
    )]
    NotAPartition { node: u32 },
}

/// K3 metrics of one community (the original's `CommunityMetrics`).
///
/// The original also reports `keywords`, the most common `tags`/`keywords`
/// node attributes: our graphs carry no node attributes, so they are always
/// empty and not modelled. Its `modularity_contribution` is the constant 0.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityMetrics {
    /// The members, ascending; the original's `size` is `members.len()`.
    pub members: Vec<u32>,
    /// Internal edges (self-loops included) over `k(k−1)/2`; 0 when `k < 2`.
    pub density: f64,
    /// Up to five members with the most neighbours inside the community,
    /// best first, ties in the original's order (see the `metrics` submodule).
    pub central_nodes: Vec<u32>,
}

impl CommunityMetrics {
    /// Number of members.
    pub fn size(&self) -> usize {
        self.members.len()
    }
}

/// The original's `(filtered_partition, modularity, community_metrics)`.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityDetection {
    /// Modularity of the whole partition, before small communities are
    /// dropped: weighted, resolution 1 whatever resolution the detection
    /// used (networkx's `modularity(G, communities)`, or python-louvain's
    /// `modularity(partition, G)` for Louvain).
    pub modularity: f64,
    /// The communities with at least `min_community_size` members, ordered
    /// by smallest member. (The original lists them in its partition dict's
    /// order, an artefact of community numbering; each community's metrics
    /// do not depend on it.) The filtered partition is their members.
    pub communities: Vec<CommunityMetrics>,
}

/// The original's `detect_communities(graph, algorithm, resolution,
/// min_community_size)` with K3 on the survivors.
///
/// `resolution` reaches the detection only (label propagation has none);
/// `seed` only Louvain (numpy `RandomState(seed)`, see
/// [`louvain_communities`]).
pub fn detect_communities(
    graph: &CsrGraph,
    algorithm: CommunityAlgorithm,
    resolution: f64,
    min_community_size: usize,
    seed: u64,
) -> Result<CommunityDetection, CommunityError> {
    let n = graph.node_count();
    let survives = |c: &[u32]| c.len() >= min_community_size;
    // networkx's subgraph walks its node set in hash order only below half
    // the graph; only then does the order of the partition's listing matter.
    let listing_matters = |c: &[u32]| survives(c) && 2 * c.len() < n;
    let detected = match algorithm {
        CommunityAlgorithm::GreedyModularity => {
            let run = cnm::run(graph, resolution);
            // `modularity` walks `set(frozenset)`; with integral weights
            // every walk order gives the same bits, so only the sets K3
            // needs are rebuilt.
            let any_order = integral_weights(graph);
            let wanted: Vec<bool> = run
                .communities
                .iter()
                .map(|c| listing_matters(c) || !any_order)
                .collect();
            let sets = cnm::frozensets(&run, &wanted);
            Detected::from_sets(run.communities, sets, any_order, graph)?
        }
        CommunityAlgorithm::LabelPropagation => {
            let communities = label_propagation_communities(graph);
            // networkx's communities are sets filled by `add` in node order.
            let sets = communities
                .iter()
                .map(|c| Some(pyset::PySet::from_adds(c.iter().copied())))
                .collect();
            Detected::from_sets(communities, sets, false, graph)?
        }
        CommunityAlgorithm::Louvain => {
            let communities = louvain_communities(graph, resolution, seed)?;
            let modularity = louvain_modularity(graph, &communities)?;
            // python-louvain's partition dict lists nodes in node order.
            Detected {
                listings: communities.clone(),
                communities,
                modularity,
            }
        }
    };
    let community_of = modularity::community_index(n, &detected.communities)?;
    let mut measured: Vec<CommunityMetrics> = detected
        .communities
        .iter()
        .zip(&detected.listings)
        .enumerate()
        .filter(|(_, (members, _))| survives(members))
        .map(|(c, (members, listed))| {
            let listed = if listing_matters(members) {
                listed
            } else {
                members
            };
            metrics::measure(graph, &community_of, c as u32, listed)
        })
        .collect();
    measured.sort_unstable_by_key(|m| m.members.first().copied());
    Ok(CommunityDetection {
        modularity: detected.modularity,
        communities: measured,
    })
}

/// A detection before filtering: the communities in the algorithm's order
/// (members ascending), each community's members in the order the
/// original's partition dict lists them, and the modularity.
#[derive(Debug)]
struct Detected {
    communities: Vec<Vec<u32>>,
    listings: Vec<Vec<u32>>,
    modularity: f64,
}

impl Detected {
    /// For the networkx algorithms, whose communities are Python sets: the
    /// partition lists each set in its iteration order, and
    /// `nx.community.modularity(G, communities)` walks `set(community)`.
    /// A community without a set (`None`), or any community when
    /// `any_order` says the walk order cannot change the sums, is walked
    /// ascending.
    fn from_sets(
        communities: Vec<Vec<u32>>,
        sets: Vec<Option<pyset::PySet>>,
        any_order: bool,
        graph: &CsrGraph,
    ) -> Result<Self, CommunityError> {
        let listings: Vec<Vec<u32>> = communities
            .iter()
            .zip(&sets)
            .map(|(c, set)| {
                set.as_ref()
                    .map_or_else(|| c.clone(), |s| s.iter().collect())
            })
            .collect();
        let walks: Vec<Vec<u32>> = communities
            .iter()
            .zip(&sets)
            .map(|(c, set)| match set {
                Some(s) if !any_order => s.copied().iter().collect(),
                _ => c.clone(),
            })
            .collect();
        let modularity = modularity(graph, &walks, true, 1.0)?;
        Ok(Self {
            communities,
            listings,
            modularity,
        })
    }
}

/// Whether every edge weight is an integer and their total stays below
/// 2⁵³, so every partial sum is exact and summation order cannot matter.
fn integral_weights(graph: &CsrGraph) -> bool {
    let mut total = 0.0f64;
    for &w in graph.weights() {
        if w.fract() != 0.0 {
            return false;
        }
        total += w.abs();
    }
    total < 2f64.powi(53)
}

/// `G.degree(node, weight='weight')`: the weights in adjacency order, then
/// a self-loop's weight once more.
fn weighted_degree(graph: &CsrGraph, node: usize) -> f64 {
    let mut sum = 0.0;
    let mut self_loop = None;
    for (w, weight) in graph.neighbors(node) {
        sum += weight;
        if w as usize == node {
            self_loop = Some(weight);
        }
    }
    self_loop.map_or(sum, |weight| sum + weight)
}

/// `G.degree(node)` (unweighted): a self-loop counts 2.
fn degree(graph: &CsrGraph, node: usize) -> usize {
    let row = &graph.targets()[graph.offsets()[node]..graph.offsets()[node + 1]];
    row.len() + usize::from(row.binary_search(&(node as u32)).is_ok())
}

/// Nodes grouped by label, groups in order of the label's first appearance
/// along `0..n`, members ascending. Labels must be below `labels.len()`.
fn group_by_first_appearance(labels: &[u32]) -> Vec<Vec<u32>> {
    const NONE: usize = usize::MAX;
    let mut slot = vec![NONE; labels.len()];
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for (node, &label) in labels.iter().enumerate() {
        let at = &mut slot[label as usize];
        if *at == NONE {
            *at = groups.len();
            groups.push(Vec::new());
        }
        groups[*at].push(node as u32);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32, f64)]) -> CsrGraph {
        CsrGraph::weighted(n, edges)
    }

    /// Two weighted 4-cliques joined by an edge, a triangle hanging off the
    /// second, an isolated node and a pair (dropped by the size filter).
    fn cliques_and_stragglers() -> CsrGraph {
        let edges = [
            (0, 1, 1.0),
            (0, 2, 2.0),
            (0, 3, 1.0),
            (1, 2, 1.0),
            (1, 3, 3.0),
            (2, 3, 1.0),
            (3, 4, 1.0),
            (4, 5, 2.0),
            (4, 6, 1.0),
            (4, 7, 1.0),
            (5, 6, 1.0),
            (5, 7, 4.0),
            (6, 7, 1.0),
            (7, 8, 1.0),
            (8, 9, 2.0),
            (8, 10, 1.0),
            (9, 10, 1.0),
            (12, 13, 5.0),
        ];
        graph(14, &edges)
    }

    fn summary(d: &CommunityDetection) -> Vec<(Vec<u32>, Vec<u32>, f64)> {
        d.communities
            .iter()
            .map(|c| (c.members.clone(), c.central_nodes.clone(), c.density))
            .collect()
    }

    // Expected values: the baselines in python_baselines/twinbench_baselines/
    // communities.py (the original's code on networkx 3.4.2 and
    // python-louvain 0.16) on the same graph.
    #[test]
    fn all_three_algorithms_agree_with_the_original() {
        let g = cliques_and_stragglers();
        let expected = vec![
            (vec![0, 1, 2, 3], vec![0, 1, 2, 3], 1.0),
            (vec![4, 5, 6, 7], vec![4, 5, 6, 7], 1.0),
            (vec![8, 9, 10], vec![8, 9, 10], 1.0),
        ];
        for (algorithm, q) in [
            (CommunityAlgorithm::GreedyModularity, 0.6483333333333332),
            (CommunityAlgorithm::LabelPropagation, 0.6483333333333332),
            // python-louvain's own modularity formula rounds differently.
            (CommunityAlgorithm::Louvain, 0.6483333333333333),
        ] {
            let d = detect_communities(&g, algorithm, 1.0, DEFAULT_MIN_COMMUNITY_SIZE, 0)
                .expect("graph has edges");
            assert_eq!(d.modularity, q, "{algorithm:?}");
            assert_eq!(summary(&d), expected, "{algorithm:?}");
        }
    }

    #[test]
    fn louvain_labels_follow_python_louvain() {
        // community.best_partition(G, random_state=0) labels the nodes
        // [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 0, 0]; random_state=7 gives
        // [0, 0, 0, 0, 2, 2, 2, 2, 3, 3, 3, 4, 1, 1].
        let g = cliques_and_stragglers();
        let by_label = |seed| louvain_communities(&g, 1.0, seed).expect("edges");
        assert_eq!(
            by_label(0),
            vec![
                vec![12, 13],
                vec![0, 1, 2, 3],
                vec![4, 5, 6, 7],
                vec![8, 9, 10],
                vec![11]
            ]
        );
        assert_eq!(by_label(7)[0], vec![0, 1, 2, 3]);
        assert_eq!(by_label(7)[1], vec![12, 13]);
    }

    #[test]
    fn central_node_ties_follow_python_set_order() {
        // Two 6-cliques on ids that collide in CPython's set tables, joined
        // by the edge 73-3, in a 100-node graph. Every member ties on
        // in-community degree, so the top five follow the set order.
        let a = [40, 8, 72, 9, 41, 73];
        let c = [3, 35, 67, 4, 36, 68];
        let mut edges = Vec::new();
        for clique in [a, c] {
            for (i, &u) in clique.iter().enumerate() {
                for &v in &clique[i + 1..] {
                    edges.push((u, v, 1.0));
                }
            }
        }
        edges.push((73, 3, 1.0));
        let g = graph(100, &edges);
        let d =
            detect_communities(&g, CommunityAlgorithm::GreedyModularity, 1.0, 3, 0).expect("edges");
        assert_eq!(d.modularity, 0.467741935483871);
        assert_eq!(
            summary(&d),
            vec![
                (vec![3, 4, 35, 36, 67, 68], vec![35, 67, 3, 4, 36], 1.0),
                (vec![8, 9, 40, 41, 72, 73], vec![8, 73, 40, 72, 9], 1.0),
            ]
        );
        // Label propagation joins the cliques; 3 and 73 lead on degree 6.
        let d =
            detect_communities(&g, CommunityAlgorithm::LabelPropagation, 1.0, 3, 0).expect("edges");
        assert_eq!(d.modularity, 0.0);
        assert_eq!(d.communities.len(), 1);
        assert_eq!(d.communities[0].central_nodes, vec![3, 73, 35, 67, 4]);
        assert_eq!(d.communities[0].density, 0.4696969696969697);
    }

    #[test]
    fn a_graph_without_edges_fails_like_the_original() {
        let g = graph(4, &[]);
        for algorithm in [
            CommunityAlgorithm::GreedyModularity,
            CommunityAlgorithm::LabelPropagation,
            CommunityAlgorithm::Louvain,
        ] {
            assert_eq!(
                detect_communities(&g, algorithm, 1.0, 3, 0),
                Err(CommunityError::ZeroTotalWeight)
            );
        }
    }

    #[test]
    fn size_filter_keeps_communities_of_at_least_the_minimum() {
        let g = cliques_and_stragglers();
        let d =
            detect_communities(&g, CommunityAlgorithm::GreedyModularity, 1.0, 1, 0).expect("edges");
        let sizes: Vec<usize> = d.communities.iter().map(CommunityMetrics::size).collect();
        assert_eq!(sizes, vec![4, 4, 3, 1, 2]);
        let d =
            detect_communities(&g, CommunityAlgorithm::GreedyModularity, 1.0, 4, 0).expect("edges");
        assert_eq!(d.communities.len(), 2);
    }
}
