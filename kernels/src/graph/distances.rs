//! All-pairs hop distances by bit-parallel breadth-first search, and the
//! closeness centrality built on them (catalog analytics K1 closeness, K5,
//! K8).
//!
//! A plain BFS per source touches every arc once per source. Here
//! `64 · LANE_WORDS` sources advance together: each node holds one bit per
//! source in `seen` and in `frontier`, and one level of all those searches is
//!
//! ```text
//! next[v] = OR(frontier[u] for u in N(v)) & !seen[v]
//! ```
//!
//! a few word operations per arc for the whole batch. While the frontier is
//! small the same level is computed by pushing (`next[w] |= frontier[u]` over
//! the frontier's arcs), which touches fewer arcs. A set bit in `next[v]`
//! means "this source reaches `v` at the current depth", so the per-source
//! results the kernels need — the sum of distances, the number of nodes
//! reached and the eccentricity — follow from counting, per source, the new
//! bits of each level (`LaneCounter`, a positional population count with no
//! per-bit loop in the hot path). Everything is integer, hence exact; the
//! floating-point arithmetic on top is networkx's, in networkx's order.
//!
//! Sources are taken in component order and each batch only scans the
//! components its sources live in, so a graph of many small components costs
//! no more than its parts. A node stops being scanned once every source of its
//! component in the batch has reached it.
//!
//! Memory: three words of `32` bytes per node per worker thread (96 bytes per
//! node; 96 MB for a million nodes), on top of the graph.

use rayon::prelude::*;

use super::CsrGraph;

/// Words of source bits per node: a batch is `64 · LANE_WORDS` sources.
///
/// Measured on Barabási–Albert graphs (m = 3, n = 500…10 000, x86-64 without
/// `target-cpu`, so 128-bit SSE2): 4 words beat 1 by about 2× and 2 by
/// 10–30 %; 8 was no faster than 4 and halves the batches available to
/// the parallel variant.
const LANE_WORDS: usize = 4;

/// The source bits of one node.
type Lanes = [u64; LANE_WORDS];

const NO_LANES: Lanes = [0; LANE_WORDS];

/// Sources per batch.
const BATCH: usize = 64 * LANE_WORDS;

/// What one breadth-first search from a source found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SourceDistances {
    /// Sum of the hop distances to every node the source reaches.
    pub distance_sum: u64,
    /// Nodes reached, the source itself included (networkx's `len(sp)`).
    pub reached: u32,
    /// Largest hop distance to a reached node (0 for an isolated node).
    pub eccentricity: u32,
}

/// Connected components, numbered as `nx.connected_components` yields them
/// (by their smallest node id), with the nodes of each listed in ascending id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    /// Component number of each node.
    label: Vec<u32>,
    /// Node ids grouped by component, ascending within a component.
    nodes: Vec<u32>,
    /// `nodes[starts[c]..starts[c + 1]]` is component `c`.
    starts: Vec<usize>,
}

impl Components {
    /// Labels the components with one iterative BFS each (no recursion, so a
    /// long path cannot overflow the stack).
    pub fn of(graph: &CsrGraph) -> Self {
        const UNSEEN: u32 = u32::MAX;
        let n = graph.node_count();
        let (offsets, targets) = (graph.offsets(), graph.targets());
        let mut label = vec![UNSEEN; n];
        let mut queue: Vec<u32> = Vec::with_capacity(n);
        let mut sizes: Vec<usize> = Vec::new();
        for root in 0..n {
            if label[root] != UNSEEN {
                continue;
            }
            let c = sizes.len() as u32;
            label[root] = c;
            queue.clear();
            queue.push(root as u32);
            let mut head = 0;
            while head < queue.len() {
                let v = queue[head] as usize;
                head += 1;
                for &w in &targets[offsets[v]..offsets[v + 1]] {
                    if label[w as usize] == UNSEEN {
                        label[w as usize] = c;
                        queue.push(w);
                    }
                }
            }
            sizes.push(queue.len());
        }
        // Counting sort by label; scanning ids upwards keeps each group sorted.
        let mut starts = Vec::with_capacity(sizes.len() + 1);
        let mut running = 0;
        starts.push(0);
        for size in &sizes {
            running += size;
            starts.push(running);
        }
        let mut cursor = starts.clone();
        let mut nodes = vec![0u32; n];
        for (v, &c) in label.iter().enumerate() {
            nodes[cursor[c as usize]] = v as u32;
            cursor[c as usize] += 1;
        }
        Self {
            label,
            nodes,
            starts,
        }
    }

    /// Number of components.
    pub fn count(&self) -> usize {
        self.starts.len() - 1
    }

    /// Component number of `node`.
    pub fn label(&self, node: usize) -> usize {
        self.label[node] as usize
    }

    /// Nodes of component `c`, ascending.
    pub fn members(&self, c: usize) -> &[u32] {
        &self.nodes[self.starts[c]..self.starts[c + 1]]
    }

    /// The largest component, the first enumerated among equals (Python's
    /// `max(components, key=len)`); `None` for the null graph.
    pub fn largest(&self) -> Option<usize> {
        (0..self.count()).fold(None, |best, c| match best {
            Some(b) if self.members(b).len() >= self.members(c).len() => Some(b),
            _ => Some(c),
        })
    }
}

/// A level pushes instead of pulling when the frontier's arcs times this are
/// fewer than the unfinished nodes' arcs (a pushed arc costs a
/// read-modify-write, a pulled one a read). On BA graphs pushing the first
/// one or two levels cuts the arcs touched per batch from about 5.2 to 3.4
/// passes over the graph and the time by 5–15 %.
const PUSH_FACTOR: usize = 2;

/// The BFS state of one batch, allocated once per thread and reset only on
/// the nodes a batch touches.
struct BatchSearch {
    seen: Vec<Lanes>,
    frontier: Vec<Lanes>,
    next: Vec<Lanes>,
    /// Nodes with a non-zero `frontier` / `next` entry.
    frontier_nodes: Vec<u32>,
    next_nodes: Vec<u32>,
    /// Per-source count of the nodes first reached at the current level.
    counter: LaneCounter,
    /// Components the batch spans, each with the lanes of its sources.
    segments: Vec<(usize, Lanes)>,
}

/// What one level found, and what steers the next level's direction.
#[derive(Default)]
struct Tally {
    /// Whether the level reached any node.
    reached_any: bool,
    /// Arcs leaving the new frontier (the cost of pushing from it).
    frontier_arcs: usize,
    /// Arcs of nodes some batch source has not reached yet (the cost of
    /// pulling into them).
    pending_arcs: usize,
}

impl BatchSearch {
    fn new(n: usize) -> Self {
        Self {
            seen: vec![NO_LANES; n],
            frontier: vec![NO_LANES; n],
            next: vec![NO_LANES; n],
            frontier_nodes: Vec::new(),
            next_nodes: Vec::new(),
            counter: LaneCounter::new(n),
            segments: Vec::new(),
        }
    }

    /// Runs the searches from the sources `components.nodes[lo..lo + out.len()]`
    /// (at most [`BATCH`] of them) and writes one summary per source to `out`.
    ///
    /// Each level either pulls (every unfinished node ORs its neighbours'
    /// frontier bits) or, while the frontier is small, pushes (frontier nodes
    /// OR their bits into their neighbours), whichever touches fewer arcs.
    fn run(
        &mut self,
        graph: &CsrGraph,
        components: &Components,
        lo: usize,
        out: &mut [SourceDistances],
    ) {
        debug_assert!(out.len() <= BATCH);
        let mut tally = self.start(graph, components, lo, lo + out.len());
        out.fill(SourceDistances {
            distance_sum: 0,
            reached: 1,
            eccentricity: 0,
        });
        for depth in 1u32.. {
            tally = if tally.frontier_arcs * PUSH_FACTOR < tally.pending_arcs {
                self.push_level(graph, components)
            } else {
                self.pull_level(graph, components)
            };
            if !tally.reached_any {
                break;
            }
            self.counter.drain(|lane, count| {
                let summary = &mut out[lane];
                summary.distance_sum += count * u64::from(depth);
                summary.reached += count as u32;
                summary.eccentricity = depth;
            });
            std::mem::swap(&mut self.frontier, &mut self.next);
            std::mem::swap(&mut self.frontier_nodes, &mut self.next_nodes);
        }
    }

    /// Lists the components the batch spans, clears their nodes' bits and
    /// plants each source's own bit.
    fn start(&mut self, graph: &CsrGraph, components: &Components, lo: usize, hi: usize) -> Tally {
        let offsets = graph.offsets();
        let mut tally = Tally::default();
        self.segments.clear();
        let first = components.label(components.nodes[lo] as usize);
        let last = components.label(components.nodes[hi - 1] as usize);
        for c in first..=last {
            let lane_lo = components.starts[c].max(lo) - lo;
            let lane_hi = components.starts[c + 1].min(hi) - lo;
            self.segments.push((c, lane_mask(lane_lo, lane_hi)));
            for &v in components.members(c) {
                let v = v as usize;
                self.seen[v] = NO_LANES;
                self.frontier[v] = NO_LANES;
                self.next[v] = NO_LANES;
                tally.pending_arcs += offsets[v + 1] - offsets[v];
            }
        }
        self.frontier_nodes.clear();
        for lane in 0..hi - lo {
            let s = components.nodes[lo + lane];
            let (word, bit) = (lane / 64, 1 << (lane % 64));
            self.seen[s as usize][word] |= bit;
            self.frontier[s as usize][word] |= bit;
            self.frontier_nodes.push(s);
            tally.frontier_arcs += offsets[s as usize + 1] - offsets[s as usize];
        }
        tally
    }

    /// One level by pulling: every unfinished node gathers its neighbours'
    /// frontier bits.
    fn pull_level(&mut self, graph: &CsrGraph, components: &Components) -> Tally {
        let (offsets, targets) = (graph.offsets(), graph.targets());
        let mut tally = Tally::default();
        self.next_nodes.clear();
        for i in 0..self.segments.len() {
            let (c, mask) = self.segments[i];
            for &v in components.members(c) {
                let v = v as usize;
                if same(&self.seen[v], &mask) {
                    self.next[v] = NO_LANES;
                    continue;
                }
                let mut reach = NO_LANES;
                for &u in &targets[offsets[v]..offsets[v + 1]] {
                    let f = &self.frontier[u as usize];
                    for k in 0..LANE_WORDS {
                        reach[k] |= f[k];
                    }
                }
                self.settle(graph, v, reach, mask, &mut tally);
            }
        }
        tally
    }

    /// One level by pushing: every frontier node scatters its bits to its
    /// neighbours, then each node keeps the bits it had not seen.
    fn push_level(&mut self, graph: &CsrGraph, components: &Components) -> Tally {
        let (offsets, targets) = (graph.offsets(), graph.targets());
        for &(c, _) in &self.segments {
            for &v in components.members(c) {
                self.next[v as usize] = NO_LANES;
            }
        }
        for &u in &self.frontier_nodes {
            let f = self.frontier[u as usize];
            let u = u as usize;
            for &w in &targets[offsets[u]..offsets[u + 1]] {
                let slot = &mut self.next[w as usize];
                for k in 0..LANE_WORDS {
                    slot[k] |= f[k];
                }
            }
        }
        let mut tally = Tally::default();
        self.next_nodes.clear();
        for i in 0..self.segments.len() {
            let (c, mask) = self.segments[i];
            for &v in components.members(c) {
                let v = v as usize;
                let reach = self.next[v];
                self.settle(graph, v, reach, mask, &mut tally);
            }
        }
        tally
    }

    /// Keeps the bits of `reach` that `v` had not seen as its next-frontier
    /// entry, marks them seen and counts them per source.
    #[inline(always)]
    fn settle(&mut self, graph: &CsrGraph, v: usize, reach: Lanes, mask: Lanes, tally: &mut Tally) {
        let seen = self.seen[v];
        let mut fresh = NO_LANES;
        let mut now_seen = NO_LANES;
        for k in 0..LANE_WORDS {
            fresh[k] = reach[k] & !seen[k];
            now_seen[k] = seen[k] | reach[k];
        }
        self.next[v] = fresh;
        let degree = graph.offsets()[v + 1] - graph.offsets()[v];
        if !is_zero(&fresh) {
            self.seen[v] = now_seen;
            self.next_nodes.push(v as u32);
            self.counter.add(fresh);
            tally.reached_any = true;
            tally.frontier_arcs += degree;
        }
        if !same(&now_seen, &mask) {
            tally.pending_arcs += degree;
        }
    }
}

/// Counts, for each of the `64 · LANE_WORDS` lanes, how many of the added
/// words had that lane's bit set (a positional population count).
///
/// Words are buffered 16 at a time and folded by a Harley–Seal tree of
/// carry-save adders into bit planes of weight 1, 2, 4 and 8; the weight-16
/// carries go into a rippling bit-sliced counter. That is about five word
/// operations per added word and no data-dependent branch, where rippling
/// every word into the counter costs a carry chain as long as the longest
/// among 64 lanes.
struct LaneCounter {
    buffer: [Lanes; 16],
    filled: usize,
    ones: Lanes,
    twos: Lanes,
    fours: Lanes,
    eights: Lanes,
    /// Plane `j` holds bit `j` of each lane's count of weight-16 carries.
    sixteens: Vec<Lanes>,
    /// Planes of `sixteens` that may be non-zero.
    used: usize,
}

impl LaneCounter {
    /// A counter for at most `capacity` added words.
    fn new(capacity: usize) -> Self {
        let planes = (usize::BITS - (capacity / 16).leading_zeros()) as usize + 1;
        Self {
            buffer: [NO_LANES; 16],
            filled: 0,
            ones: NO_LANES,
            twos: NO_LANES,
            fours: NO_LANES,
            eights: NO_LANES,
            sixteens: vec![NO_LANES; planes],
            used: 0,
        }
    }

    fn add(&mut self, word: Lanes) {
        self.buffer[self.filled] = word;
        self.filled += 1;
        if self.filled == 16 {
            self.fold_buffer();
        }
    }

    /// Folds the 16 buffered words into the planes.
    fn fold_buffer(&mut self) {
        let b = &self.buffer;
        let (mut ones, mut twos, mut fours, mut eights) =
            (self.ones, self.twos, self.fours, self.eights);
        let mut eights_carry = [NO_LANES; 2];
        for (half, carry) in eights_carry.iter_mut().enumerate() {
            let mut fours_carry = [NO_LANES; 2];
            for (quarter, four) in fours_carry.iter_mut().enumerate() {
                let i = half * 8 + quarter * 4;
                let (twos_a, o) = csa(ones, b[i], b[i + 1]);
                let (twos_b, o) = csa(o, b[i + 2], b[i + 3]);
                ones = o;
                let (f, t) = csa(twos, twos_a, twos_b);
                twos = t;
                *four = f;
            }
            let (e, f) = csa(fours, fours_carry[0], fours_carry[1]);
            fours = f;
            *carry = e;
        }
        let (sixteens, e) = csa(eights, eights_carry[0], eights_carry[1]);
        eights = e;
        (self.ones, self.twos, self.fours, self.eights) = (ones, twos, fours, eights);
        self.filled = 0;
        for (k, &carry_in) in sixteens.iter().enumerate() {
            let mut carry = carry_in;
            let mut plane = 0;
            while carry != 0 {
                let word = &mut self.sixteens[plane][k];
                let overflow = *word & carry;
                *word ^= carry;
                carry = overflow;
                plane += 1;
            }
            self.used = self.used.max(plane);
        }
    }

    /// Calls `visit(lane, count)` for every lane with a non-zero count, then
    /// resets the counter.
    fn drain(&mut self, mut visit: impl FnMut(usize, u64)) {
        if self.filled > 0 {
            self.buffer[self.filled..].fill(NO_LANES);
            self.fold_buffer();
        }
        for lane in 0..BATCH {
            let (k, bit) = (lane / 64, lane % 64);
            let low = [self.ones, self.twos, self.fours, self.eights]
                .iter()
                .enumerate()
                .fold(0u64, |acc, (j, plane)| acc | (((plane[k] >> bit) & 1) << j));
            let high = self.sixteens[..self.used]
                .iter()
                .enumerate()
                .fold(0u64, |acc, (j, plane)| acc | (((plane[k] >> bit) & 1) << j));
            let count = low + 16 * high;
            if count > 0 {
                visit(lane, count);
            }
        }
        (self.ones, self.twos, self.fours, self.eights) = (NO_LANES, NO_LANES, NO_LANES, NO_LANES);
        self.sixteens[..self.used].fill(NO_LANES);
        self.used = 0;
    }
}

/// Whether no lane is set (word by word, so the compiler keeps the lanes in
/// registers instead of comparing them through memory).
#[inline(always)]
fn is_zero(x: &Lanes) -> bool {
    x.iter().fold(0, |acc, &w| acc | w) == 0
}

/// Whether `a` and `b` set the same lanes.
#[inline(always)]
fn same(a: &Lanes, b: &Lanes) -> bool {
    a.iter().zip(b).fold(0, |acc, (&x, &y)| acc | (x ^ y)) == 0
}

/// Carry-save adder on each bit: returns (carry, sum) of `a + b + c`.
fn csa(a: Lanes, b: Lanes, c: Lanes) -> (Lanes, Lanes) {
    let mut carry = NO_LANES;
    let mut sum = NO_LANES;
    for k in 0..LANE_WORDS {
        let u = a[k] ^ b[k];
        carry[k] = (a[k] & b[k]) | (u & c[k]);
        sum[k] = u ^ c[k];
    }
    (carry, sum)
}

/// The lanes `lo..hi` set.
fn lane_mask(lo: usize, hi: usize) -> Lanes {
    let mut mask = NO_LANES;
    for (k, word) in mask.iter_mut().enumerate() {
        let (a, b) = ((k * 64).max(lo), ((k + 1) * 64).min(hi));
        if a < b {
            let width = b - a;
            let ones = if width == 64 {
                u64::MAX
            } else {
                (1 << width) - 1
            };
            *word = ones << (a - k * 64);
        }
    }
    mask
}

/// BFS summaries of the sources `components.nodes[range]`, in that order.
fn search_range(
    graph: &CsrGraph,
    components: &Components,
    range: std::ops::Range<usize>,
) -> Vec<SourceDistances> {
    let mut out = vec![SourceDistances::default(); range.len()];
    let mut search = BatchSearch::new(graph.node_count());
    for (i, chunk) in out.chunks_mut(BATCH).enumerate() {
        search.run(graph, components, range.start + i * BATCH, chunk);
    }
    out
}

/// [`search_range`] with batches spread over the rayon pool; the answer does
/// not depend on the split (each batch writes its own sources' summaries).
fn search_range_parallel(
    graph: &CsrGraph,
    components: &Components,
    range: std::ops::Range<usize>,
) -> Vec<SourceDistances> {
    let mut out = vec![SourceDistances::default(); range.len()];
    let n = graph.node_count();
    out.par_chunks_mut(BATCH).enumerate().for_each_init(
        || BatchSearch::new(n),
        |search, (i, chunk)| search.run(graph, components, range.start + i * BATCH, chunk),
    );
    out
}

/// Scatters summaries listed in component order back to node-id order.
fn by_node(components: &Components, ordered: &[SourceDistances]) -> Vec<SourceDistances> {
    let mut out = vec![SourceDistances::default(); ordered.len()];
    for (&v, summary) in components.nodes.iter().zip(ordered) {
        out[v as usize] = *summary;
    }
    out
}

/// One BFS summary per node (indexed by node id): every node as a source.
/// `components` must be `Components::of(graph)` (the same graph).
pub fn all_source_distances(graph: &CsrGraph, components: &Components) -> Vec<SourceDistances> {
    let ordered = search_range(graph, components, 0..graph.node_count());
    by_node(components, &ordered)
}

/// [`all_source_distances`] on the rayon pool; identical result.
pub fn all_source_distances_parallel(
    graph: &CsrGraph,
    components: &Components,
) -> Vec<SourceDistances> {
    let ordered = search_range_parallel(graph, components, 0..graph.node_count());
    by_node(components, &ordered)
}

/// BFS summaries of the members of component `c`, in the order of
/// [`Components::members`]. `components` must be `Components::of(graph)`.
pub fn component_distances(
    graph: &CsrGraph,
    components: &Components,
    c: usize,
) -> Vec<SourceDistances> {
    search_range(
        graph,
        components,
        components.starts[c]..components.starts[c + 1],
    )
}

/// [`component_distances`] on the rayon pool; identical result.
pub fn component_distances_parallel(
    graph: &CsrGraph,
    components: &Components,
    c: usize,
) -> Vec<SourceDistances> {
    search_range_parallel(
        graph,
        components,
        components.starts[c]..components.starts[c + 1],
    )
}

/// networkx's closeness of one node, from its BFS summary, in networkx's
/// order of operations: `(r - 1.0) / totsp`, then `*= (r - 1.0) / (n - 1)`;
/// 0 when the node reaches nothing or the graph has one node.
fn closeness_of(summary: &SourceDistances, n: usize) -> f64 {
    if summary.distance_sum > 0 && n > 1 {
        let reached = f64::from(summary.reached);
        let closeness = (reached - 1.0) / summary.distance_sum as f64;
        closeness * ((reached - 1.0) / (n - 1) as f64)
    } else {
        0.0
    }
}

/// `nx.closeness_centrality(G)` (networkx 3.4.2: hop distances,
/// `wf_improved=True`), one score per node id, bit-identical to networkx and
/// to [`super::closeness_centrality`]: `((r − 1)/Σd) · ((r − 1)/(n − 1))`
/// with `r` the nodes reached (itself included), 0 for a node that reaches
/// nothing. The distance sums come from bit-parallel BFS.
pub fn closeness_centrality(graph: &CsrGraph) -> Vec<f64> {
    let components = Components::of(graph);
    closeness_from(
        &all_source_distances(graph, &components),
        graph.node_count(),
    )
}

/// [`closeness_centrality_fast`] with source batches spread over the rayon
/// pool; bit-identical to it.
pub fn closeness_centrality_parallel(graph: &CsrGraph) -> Vec<f64> {
    let components = Components::of(graph);
    closeness_from(
        &all_source_distances_parallel(graph, &components),
        graph.node_count(),
    )
}

fn closeness_from(summaries: &[SourceDistances], n: usize) -> Vec<f64> {
    summaries.iter().map(|s| closeness_of(s, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> CsrGraph {
        CsrGraph::unweighted(n, edges)
    }

    /// xorshift64 edges `(random lower node, v)`: a random tree plus extras.
    fn random_edges(n: u32, per_node: usize, mut state: u64) -> Vec<(u32, u32)> {
        let mut edges = Vec::new();
        for v in 1..n {
            for _ in 0..per_node {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                edges.push(((state % u64::from(v)) as u32, v));
            }
        }
        edges
    }

    fn summary(distance_sum: u64, reached: u32, eccentricity: u32) -> SourceDistances {
        SourceDistances {
            distance_sum,
            reached,
            eccentricity,
        }
    }

    #[test]
    fn path_summaries_by_hand() {
        // 0-1-2-3 plus the isolated node 4 and a self-loop on 2.
        let g = graph(5, &[(0, 1), (1, 2), (2, 3), (2, 2)]);
        let c = Components::of(&g);
        assert_eq!(
            all_source_distances(&g, &c),
            vec![
                summary(6, 4, 3),
                summary(4, 4, 2),
                summary(4, 4, 2),
                summary(6, 4, 3),
                summary(0, 1, 0),
            ]
        );
    }

    #[test]
    fn a_star_counts_past_sixteen_per_level() {
        // The centre reaches 300 leaves at depth 1; each leaf reaches the
        // centre at 1 and 299 leaves at 2 — counts that need the counter's
        // weight-16 planes.
        let edges: Vec<(u32, u32)> = (1..=300).map(|v| (0, v)).collect();
        let g = graph(301, &edges);
        let s = all_source_distances(&g, &Components::of(&g));
        assert_eq!(s[0], summary(300, 301, 1));
        assert!(s[1..].iter().all(|&x| x == summary(1 + 2 * 299, 301, 2)));
    }

    #[test]
    fn components_in_networkx_order_and_first_largest_wins() {
        // {0, 3}, {1, 2, 5}, {4}, {6, 7, 8}: the two of size three tie and
        // the one holding node 1 is enumerated first.
        let g = graph(9, &[(3, 0), (1, 5), (5, 2), (6, 7), (7, 8)]);
        let c = Components::of(&g);
        assert_eq!(c.count(), 4);
        assert_eq!(c.members(0), &[0, 3]);
        assert_eq!(c.members(1), &[1, 2, 5]);
        assert_eq!(c.members(2), &[4]);
        assert_eq!(c.largest(), Some(1));
        assert_eq!(Components::of(&graph(0, &[])).largest(), None);
    }

    /// The reference: a queue-based BFS per source, then networkx's
    /// `((r - 1) / total) * ((r - 1) / (n - 1))`.
    fn closeness_one_source_at_a_time(g: &CsrGraph) -> Vec<f64> {
        let n = g.node_count();
        (0..n)
            .map(|s| {
                let mut dist = vec![u32::MAX; n];
                let mut queue = std::collections::VecDeque::from([s]);
                dist[s] = 0;
                let (mut total, mut reached) = (0u64, 1usize);
                while let Some(v) = queue.pop_front() {
                    for (w, _) in g.neighbors(v) {
                        let w = w as usize;
                        if dist[w] == u32::MAX {
                            dist[w] = dist[v] + 1;
                            total += u64::from(dist[w]);
                            reached += 1;
                            queue.push_back(w);
                        }
                    }
                }
                if total > 0 && n > 1 {
                    let r = reached as f64 - 1.0;
                    (r / total as f64) * (r / (n - 1) as f64)
                } else {
                    0.0
                }
            })
            .collect()
    }

    #[test]
    fn batches_spanning_components_match_one_search_per_source() {
        // 700 nodes: a random part, a few chains and isolated nodes, so
        // batches straddle component boundaries. Compared bit for bit with
        // one plain BFS per source and networkx's formula.
        let mut edges = random_edges(400, 2, 0x1234_5678);
        edges.extend((400..520).map(|v| (v, v + 1)));
        edges.extend((530..560).filter(|v| v % 3 != 0).map(|v| (v, v + 1)));
        let g = graph(700, &edges);
        let expected = closeness_one_source_at_a_time(&g);
        assert_eq!(closeness_centrality(&g), expected);
        assert_eq!(closeness_centrality_parallel(&g), expected);
        let c = Components::of(&g);
        let big = c.largest().expect("non-empty");
        assert_eq!(c.members(big).len(), 400);
        assert_eq!(
            component_distances(&g, &c, big),
            component_distances_parallel(&g, &c, big)
        );
    }

    #[test]
    fn lane_counter_counts_each_lane() {
        let mut counter = LaneCounter::new(1000);
        let mut expected = vec![0u64; BATCH];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..1000 {
            let mut word = NO_LANES;
            for w in &mut word {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *w = state & (state >> 3);
            }
            for (lane, count) in expected.iter_mut().enumerate() {
                *count += (word[lane / 64] >> (lane % 64)) & 1;
            }
            counter.add(word);
        }
        let mut got = vec![0u64; BATCH];
        counter.drain(|lane, count| got[lane] = count);
        assert_eq!(got, expected);
        counter.drain(|_, _| panic!("drained counter must be empty"));
    }
}
