//! Whole-graph metrics as `GraphAlgorithms.calculate_graph_metrics` computes
//! them with networkx 3.4.2 (catalog analytics K5), plus `nx.clustering`,
//! which K8 reuses.
//!
//! Every quantity is an integer count until one final division, and each such
//! division is done as Python divides two ints (correctly rounded, see
//! `int_ratio`), so the results are networkx's to the bit. The mean
//! clustering adds the per-node values left to right from zero, as CPython
//! 3.11's `sum` does.

use rayon::prelude::*;

use super::CsrGraph;
use super::distances::{
    Components, SourceDistances, component_distances, component_distances_parallel,
};

/// The `GraphMetrics` model the original returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GraphMetrics {
    pub node_count: usize,
    /// Undirected edges, a self-loop counting one (`G.number_of_edges()`).
    pub edge_count: usize,
    /// `nx.density(G)`: `2m / (n(n − 1))`, 0 when `m == 0` or `n <= 1`.
    pub density: f64,
    /// `nx.average_clustering(G)`: mean of [`clustering`] over all nodes.
    pub average_clustering: f64,
    /// `nx.average_shortest_path_length` of the graph if connected, else of
    /// its largest component; `None` for the null graph.
    pub average_path_length: Option<f64>,
    /// `nx.diameter` of the same graph; `None` for the null graph.
    pub diameter: Option<u32>,
    pub connected_components: usize,
    /// Size of the largest component (0 for the null graph).
    pub largest_component_size: usize,
}

impl GraphMetrics {
    /// The fields in declaration order as floats, `None` as NaN: the layout of
    /// the Python baseline's `graph_metrics_output`.
    pub fn values(&self) -> [f64; 8] {
        [
            self.node_count as f64,
            self.edge_count as f64,
            self.density,
            self.average_clustering,
            self.average_path_length.unwrap_or(f64::NAN),
            self.diameter.map_or(f64::NAN, f64::from),
            self.connected_components as f64,
            self.largest_component_size as f64,
        ]
    }
}

/// K5 `calculate_graph_metrics(G)` on one thread.
pub fn calculate_graph_metrics(graph: &CsrGraph) -> GraphMetrics {
    metrics_with(graph, &clustering(graph), component_distances)
}

/// [`calculate_graph_metrics`] with the clustering coefficients and the
/// breadth-first searches spread over the rayon pool; the same answer to the
/// bit (all sums are integer, the clustering mean is still added in order).
pub fn calculate_graph_metrics_parallel(graph: &CsrGraph) -> GraphMetrics {
    metrics_with(
        graph,
        &clustering_parallel(graph),
        component_distances_parallel,
    )
}

fn metrics_with(
    graph: &CsrGraph,
    coefficients: &[f64],
    distances: fn(&CsrGraph, &Components, usize) -> Vec<SourceDistances>,
) -> GraphMetrics {
    let n = graph.node_count();
    let components = Components::of(graph);
    let (average_path_length, diameter, largest_component_size) = match components.largest() {
        None => (None, None, 0),
        Some(c) => {
            let summaries = distances(graph, &components, c);
            let (length, diameter) = path_metrics(&summaries);
            (Some(length), Some(diameter), summaries.len())
        }
    };
    GraphMetrics {
        node_count: n,
        edge_count: graph.edge_count(),
        density: density(graph),
        average_clustering: mean_in_order(coefficients),
        average_path_length,
        diameter,
        connected_components: components.count(),
        largest_component_size,
    }
}

/// `average_shortest_path_length` and `diameter` of one connected component
/// from its members' BFS summaries: the sum over ordered pairs divided by
/// `k(k − 1)`, and the largest eccentricity; `(0.0, 0)` for a single node.
fn path_metrics(summaries: &[SourceDistances]) -> (f64, u32) {
    let k = summaries.len() as u128;
    let diameter = summaries.iter().map(|s| s.eccentricity).max().unwrap_or(0);
    if k <= 1 {
        return (0.0, diameter);
    }
    let total: u128 = summaries.iter().map(|s| u128::from(s.distance_sum)).sum();
    (int_ratio(total, k * (k - 1)), diameter)
}

/// `nx.density(G)` for an undirected graph: `m / (n(n − 1))`, then doubled.
fn density(graph: &CsrGraph) -> f64 {
    let n = graph.node_count() as u128;
    let m = graph.edge_count() as u128;
    if m == 0 || n <= 1 {
        return 0.0;
    }
    int_ratio(m, n * (n - 1)) * 2.0
}

/// `sum(values) / len(values)` as CPython 3.11 evaluates it: a plain
/// left-to-right float sum from 0 (3.12+ would use compensated summation and
/// may differ in the last bit). 0 for no values, where the original never
/// asks (it returns early on the null graph).
fn mean_in_order(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().fold(0.0, |acc, &x| acc + x) / values.len() as f64
}

/// Reusable neighbour marks for [`clustering_of`]: `mark[x] == stamp` means
/// `x` is a neighbour of the node being scored, so nothing is cleared between
/// nodes.
struct Marks {
    mark: Vec<u32>,
    stamp: u32,
}

impl Marks {
    fn new(n: usize) -> Self {
        Self {
            mark: vec![u32::MAX; n],
            stamp: u32::MAX,
        }
    }
}

/// `nx.clustering(G)[v]` (unweighted): with `vs` the neighbours of `v`
/// other than itself and `d = |vs|`, `t` counts the ordered pairs of `vs`
/// joined by an edge (twice the triangles through `v`; self-loops ignored),
/// and the coefficient is `t / (d(d − 1))`, 0 when `t == 0`.
fn clustering_of(graph: &CsrGraph, marks: &mut Marks, v: usize) -> f64 {
    let (offsets, targets) = (graph.offsets(), graph.targets());
    let row = &targets[offsets[v]..offsets[v + 1]];
    marks.stamp = v as u32;
    let mut d: u64 = 0;
    for &w in row {
        if w as usize != v {
            marks.mark[w as usize] = marks.stamp;
            d += 1;
        }
    }
    // Each edge {w, x} inside vs is found once, from its lower end.
    let mut links: u64 = 0;
    for &w in row {
        let w = w as usize;
        if w == v {
            continue;
        }
        let higher = &targets[offsets[w]..offsets[w + 1]];
        let start = higher.partition_point(|&x| x as usize <= w);
        links += higher[start..]
            .iter()
            .filter(|&&x| marks.mark[x as usize] == marks.stamp)
            .count() as u64;
    }
    if links == 0 {
        0.0
    } else {
        int_ratio(u128::from(2 * links), u128::from(d * (d - 1)))
    }
}

/// `nx.clustering(G)`: one coefficient per node id (see `clustering_of`).
pub fn clustering(graph: &CsrGraph) -> Vec<f64> {
    let n = graph.node_count();
    let mut marks = Marks::new(n);
    (0..n)
        .map(|v| clustering_of(graph, &mut marks, v))
        .collect()
}

/// Fewest nodes per rayon task in [`clustering_parallel`]: one node costs
/// well under a microsecond on sparse graphs, so smaller tasks would cost
/// more to schedule than to run (and graphs below this run on one thread).
const CLUSTERING_GRAIN: usize = 1024;

/// [`clustering`] with nodes spread over the rayon pool; identical result.
pub fn clustering_parallel(graph: &CsrGraph) -> Vec<f64> {
    let n = graph.node_count();
    (0..n)
        .into_par_iter()
        .with_min_len(CLUSTERING_GRAIN)
        .map_init(|| Marks::new(n), |marks, v| clustering_of(graph, marks, v))
        .collect()
}

/// `num / den` correctly rounded to the nearest `f64` (ties to even), which is
/// what Python's `int / int` returns. `den` must be positive.
///
/// Below 2⁵³ both convert exactly and one IEEE division is correctly rounded;
/// above, the quotient is formed in integers with 55–56 significant bits and
/// rounded by hand (never reached by graphs that fit in memory today, but it
/// keeps the twin exact by construction). `den` up to 2⁶⁴ and `num` up to
/// 2¹²⁰ keep the shifted operands inside `u128`.
fn int_ratio(num: u128, den: u128) -> f64 {
    const EXACT: u128 = 1 << 53;
    debug_assert!(den > 0);
    if num < EXACT && den < EXACT {
        return num as f64 / den as f64;
    }
    if num == 0 {
        return 0.0;
    }
    let bits = |x: u128| i32::try_from(u128::BITS - x.leading_zeros()).unwrap_or(128);
    // Scale so the integer quotient has at least 55 bits: 53 kept, one to
    // round on, and the remainder as a sticky bit.
    let shift = 55 - (bits(num) - bits(den));
    let (a, b) = if shift >= 0 {
        (num << shift, den)
    } else {
        (num, den << -shift)
    };
    let (mut q, sticky) = (a / b, a % b != 0);
    let extra = bits(q) - 53;
    let dropped = q & ((1 << extra) - 1);
    let half = 1u128 << (extra - 1);
    q >>= extra;
    if dropped > half || (dropped == half && (sticky || q & 1 == 1)) {
        q += 1;
    }
    q as f64 * 2f64.powi(extra - shift)
}

#[cfg(test)]
mod tests {
    //! Expected values were checked against networkx 3.4.2 on the same graphs
    //! (built with nodes 0..n in order, then the edges).
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> CsrGraph {
        CsrGraph::unweighted(n, edges)
    }

    #[test]
    fn null_graph_is_all_zeros_without_path_metrics() {
        let m = calculate_graph_metrics(&graph(0, &[]));
        assert_eq!(
            m,
            GraphMetrics {
                node_count: 0,
                edge_count: 0,
                density: 0.0,
                average_clustering: 0.0,
                average_path_length: None,
                diameter: None,
                connected_components: 0,
                largest_component_size: 0,
            }
        );
    }

    #[test]
    fn single_node_has_zero_path_length_and_diameter() {
        // nx: density 0, clustering 0, APL 0 (n == 1), diameter 0.
        let m = calculate_graph_metrics(&graph(1, &[]));
        assert_eq!(m.average_path_length, Some(0.0));
        assert_eq!(m.diameter, Some(0));
        assert_eq!((m.connected_components, m.largest_component_size), (1, 1));
    }

    #[test]
    fn isolated_nodes_use_the_first_singleton() {
        // nx: 3 components of size 1, APL 0 and diameter 0 on the first.
        let m = calculate_graph_metrics(&graph(3, &[]));
        assert_eq!(m.connected_components, 3);
        assert_eq!(m.average_path_length, Some(0.0));
        assert_eq!(m.diameter, Some(0));
    }

    #[test]
    fn self_loops_count_as_edges_but_not_in_clustering() {
        // Triangle 0-1-2 with a self-loop on 0, plus a pendant 3 on 2 and an
        // isolated 4. nx: m = 5, density 5/20*2 = 0.5, clustering
        // [1, 1, 1/3, 0, 0] → mean 7/15; largest component {0,1,2,3}:
        // APL 16/12, diameter 2.
        let g = graph(5, &[(0, 1), (1, 2), (0, 2), (0, 0), (2, 3)]);
        let m = calculate_graph_metrics(&g);
        assert_eq!(m.edge_count, 5);
        assert_eq!(m.density, 0.5);
        assert_eq!(clustering(&g), vec![1.0, 1.0, 1.0 / 3.0, 0.0, 0.0]);
        assert_eq!(m.average_clustering, (1.0 + 1.0 + 1.0 / 3.0) / 5.0);
        assert_eq!(m.average_path_length, Some(16.0 / 12.0));
        assert_eq!(m.diameter, Some(2));
        assert_eq!((m.connected_components, m.largest_component_size), (2, 4));
    }

    #[test]
    fn ties_for_largest_component_go_to_the_first() {
        // Path 0-1-2 and triangle 3-4-5 have three nodes each; networkx's
        // `max(components, key=len)` keeps the path (enumerated first):
        // APL (1+2+1+1+2+1)/6 = 8/6 and diameter 2 (the triangle: 1 and 1).
        let g = graph(6, &[(0, 1), (1, 2), (3, 4), (4, 5), (3, 5)]);
        let m = calculate_graph_metrics(&g);
        assert_eq!(m.average_path_length, Some(8.0 / 6.0));
        assert_eq!(m.diameter, Some(2));
        assert_eq!(m.average_clustering, 0.5);
        assert_eq!((m.connected_components, m.largest_component_size), (2, 3));
    }

    #[test]
    fn parallel_matches_sequential() {
        // A random graph over 800 nodes (xorshift), more than one batch of
        // sources, with a few isolated nodes at the end.
        let mut state = 0x9e37_79b9_u64;
        let mut edges = Vec::new();
        for v in 1..760u32 {
            for _ in 0..2 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                edges.push(((state % u64::from(v)) as u32, v));
            }
        }
        let g = graph(800, &edges);
        let m = calculate_graph_metrics(&g);
        assert_eq!(m, calculate_graph_metrics_parallel(&g));
        assert_eq!(m.connected_components, 41);
        assert_eq!(clustering(&g), clustering_parallel(&g));
    }

    #[test]
    fn int_ratio_rounds_like_python() {
        // (num, den, bits of Python's num / den): random big ints, then ties
        // (2**53 + 1, 2**53 + 3, ...) that must round to even.
        let table: [(u128, u128, u64); 20] = [
            (12007621696699967246, 574919, 0x42b2fed8748e22f8),
            (15594863447304209, 10293263326392719453, 0x3f58d29a4585b58a),
            (1143551226132869021708844617944, 597536, 0x44f95421c6ae3c5b),
            (1065898056443064014, 1, 0x43ad95a9451a22de),
            (842244957756412904334080872541, 1, 0x462542e16670724c),
            (16153159766772469, 18008728104892228252, 0x3f4d644503e38af8),
            (989746748710819646, 1, 0x43ab7892d91d032e),
            (9973894190648387236, 5265749391392088512, 0x3ffe4e436c0af5af),
            (
                12580729232405932079,
                11124414319067141515,
                0x3ff21836c3e79de8,
            ),
            (
                742557835664658951434327283015,
                13136125050165459753,
                0x422a52a73cc7b8f5,
            ),
            (11151083976132020, 18380603107244094943, 0x3f43e12c551d84e5),
            (
                320876222232461536595367275481444478,
                17034486841352872401,
                0x4350bb017c609842,
            ),
            (
                960342079138942123083693,
                12591964415668634,
                0x41922eec5ef67b13,
            ),
            (922624420064620207, 1, 0x43a99ba40b261add),
            (
                952561250007731406695712,
                17657261709376764,
                0x4189b95c83de5f5e,
            ),
            (16539431629359036, 1, 0x434d6143418703de),
            (9007199254740993, 1, 0x4340000000000000),
            (9007199254740995, 1, 0x4340000000000002),
            (18014398509481986, 2, 0x4340000000000000),
            (3458764513820540929, 3, 0x43b0000000000000),
        ];
        for (num, den, bits) in table {
            assert_eq!(int_ratio(num, den).to_bits(), bits, "{num} / {den}");
        }
        assert_eq!(int_ratio(7, 2), 3.5);
        assert_eq!(int_ratio(0, 1 << 60), 0.0);
    }
}
