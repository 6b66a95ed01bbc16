//! Path analysis as `GraphAlgorithms.analyze_paths` asks networkx for it
//! (catalog analytics K4): per (source, target) pair either the one shortest
//! path `nx.shortest_path` returns, or every simple path
//! `nx.all_simple_paths(G, s, t, cutoff=max_depth)` yields, plus statistics
//! over the path lengths.
//!
//! The concrete paths, not only their lengths, match networkx 3.4.2 exactly,
//! given that every node's networkx adjacency order is ascending neighbour id
//! (the CSR row order; the harness adds edges in canonical order).

use rayon::prelude::*;

use super::CsrGraph;
use crate::bits::BitSet;

/// Marks "no node" in predecessor links and parent pointers.
const NONE: u32 = u32::MAX;

/// Which paths a request asks for (the original's `path_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// `"shortest"`: one shortest path per pair, kept if it has at most
    /// `max_depth` edges.
    Shortest,
    /// `"all_simple"`: every simple path of at most `max_depth` edges.
    AllSimple,
}

/// The parameters of one `analyze_paths` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRequest {
    /// Searched in this order; ids outside the graph are skipped.
    pub sources: Vec<u32>,
    /// `None` means every node in id order (the original's default).
    /// `Some(list)` is used as given, repeats and order included, so an empty
    /// list finds nothing (the original tests `is None`, not truthiness).
    pub targets: Option<Vec<u32>>,
    pub max_depth: usize,
    pub kind: PathKind,
}

/// `max_depth` of the benchmark's "shortest" request: the request default.
pub const SHORTEST_MAX_DEPTH: usize = 5;
/// `max_depth` (networkx's `cutoff`) of the benchmark's "all_simple" request.
/// The default 5 explodes on scale-free graphs (networkx re-enumerates every
/// simple path of up to `cutoff` edges from the source for each target).
pub const ALL_SIMPLE_CUTOFF: usize = 4;
/// The benchmark's "all_simple" request targets the nodes `0..32`.
pub const ALL_SIMPLE_TARGETS: usize = 32;

impl PathRequest {
    /// The benchmark's "shortest" request on an `n`-node graph: sources
    /// [`benchmark_sources`], every node a target, `max_depth` 5. Python
    /// builds the same request (`paths.paths_shortest_prepare`).
    pub fn benchmark_shortest(n: usize) -> Self {
        Self {
            sources: benchmark_sources(n),
            targets: None,
            max_depth: SHORTEST_MAX_DEPTH,
            kind: PathKind::Shortest,
        }
    }

    /// The benchmark's "all_simple" request: the newest node `n − 1` as the
    /// only source, targets `0..min(n, 32)`, cutoff 4 (Python:
    /// `paths.paths_all_simple_prepare`).
    pub fn benchmark_all_simple(n: usize) -> Self {
        let last = u32::try_from(n).ok().and_then(|n| n.checked_sub(1));
        let targets = (0..n.min(ALL_SIMPLE_TARGETS) as u32).collect();
        Self {
            sources: last.into_iter().collect(),
            targets: Some(targets),
            max_depth: ALL_SIMPLE_CUTOFF,
            kind: PathKind::AllSimple,
        }
    }
}

/// The oldest node (a hub of a Barabási–Albert graph), the middle one and the
/// newest one, without repeats, in that order.
pub fn benchmark_sources(n: usize) -> Vec<u32> {
    let mut sources: Vec<u32> = Vec::with_capacity(3);
    if n == 0 {
        return sources;
    }
    for node in [0, n / 2, n - 1] {
        // CsrGraph ids fit in u32, so the conversion only fails for an `n`
        // no graph can have.
        let node = u32::try_from(node).unwrap_or(u32::MAX);
        if !sources.contains(&node) {
            sources.push(node);
        }
    }
    sources
}

/// Paths as node lists, flattened: path `i` is
/// `nodes[offsets[i]..offsets[i + 1]]`, from its source to its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathList {
    pub nodes: Vec<u32>,
    /// `len() == path count + 1`, `offsets[0] == 0`.
    pub offsets: Vec<usize>,
}

impl Default for PathList {
    fn default() -> Self {
        Self {
            nodes: Vec::new(),
            offsets: vec![0],
        }
    }
}

impl PathList {
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Nodes of path `i`.
    pub fn path(&self, i: usize) -> &[u32] {
        &self.nodes[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Closes the path whose nodes were pushed since the last call.
    pub(super) fn close(&mut self) {
        self.offsets.push(self.nodes.len());
    }

    fn append(&mut self, other: &PathList) {
        let base = self.nodes.len();
        self.nodes.extend_from_slice(&other.nodes);
        self.offsets
            .extend(other.offsets[1..].iter().map(|&o| o + base));
    }

    /// Statistics over the lengths (edges) of all paths; `None` when empty.
    pub fn statistics(&self) -> Option<PathStatistics> {
        let lengths = self.offsets.windows(2).map(|w| w[1] - w[0] - 1);
        PathStatistics::of(lengths)
    }
}

/// The original's `statistics` dict (K4) / `path_statistics` (K10).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathStatistics {
    /// K4 computes `float(np.mean(lengths))`, K10 `sum(lengths) / len(lengths)`.
    /// Both are the exact integer sum divided once, correctly rounded (numpy's
    /// pairwise float64 sum of integers is exact below 2^53), so one formula
    /// serves both.
    pub average_path_length: f64,
    pub min_path_length: usize,
    pub max_path_length: usize,
    pub total_paths: usize,
}

impl PathStatistics {
    /// `None` for no lengths (the original leaves the dict empty).
    pub fn of(lengths: impl Iterator<Item = usize>) -> Option<Self> {
        let mut stats = Self {
            average_path_length: 0.0,
            min_path_length: usize::MAX,
            max_path_length: 0,
            total_paths: 0,
        };
        let mut sum: u64 = 0;
        for length in lengths {
            sum += length as u64;
            stats.min_path_length = stats.min_path_length.min(length);
            stats.max_path_length = stats.max_path_length.max(length);
            stats.total_paths += 1;
        }
        if stats.total_paths == 0 {
            return None;
        }
        stats.average_path_length = sum as f64 / stats.total_paths as f64;
        Some(stats)
    }
}

/// What `analyze_paths` returns: every path in the original's order
/// (sources in request order, then targets in request order, then the
/// pair's paths in networkx's order) and the statistics over them.
#[derive(Debug, Clone, PartialEq)]
pub struct PathAnalysis {
    pub paths: PathList,
    /// `len(paths)`; the original counts it separately, to the same value.
    pub paths_found: usize,
    /// `None` when no path was found.
    pub statistics: Option<PathStatistics>,
}

impl PathAnalysis {
    pub(super) fn from_paths(paths: PathList) -> Self {
        Self {
            paths_found: paths.len(),
            statistics: paths.statistics(),
            paths,
        }
    }
}

/// `GraphAlgorithms.analyze_paths(graph, sources, targets, max_depth,
/// path_type)` on one thread.
pub fn analyze_paths(graph: &CsrGraph, request: &PathRequest) -> PathAnalysis {
    let n = graph.node_count();
    let mut paths = PathList::default();
    match request.kind {
        PathKind::Shortest => {
            let mut tree = SourceTree::new(n);
            let mut search = ReverseSearch::new(n);
            for source in in_graph(&request.sources, n) {
                tree.build(graph, source);
                for target in targets_of(request, n) {
                    search.shortest_into(
                        graph,
                        &tree,
                        source,
                        target,
                        request.max_depth,
                        &mut paths,
                    );
                }
            }
        }
        PathKind::AllSimple => {
            let mut dfs = SimplePaths::new(n);
            for source in in_graph(&request.sources, n) {
                dfs.paths_into(graph, source, request, &mut paths);
            }
        }
    }
    PathAnalysis::from_paths(paths)
}

/// [`analyze_paths`] on the rayon pool: "shortest" splits each source's
/// targets into chunks (pairs are independent once the source's BFS tree is
/// built), "all_simple" runs sources in parallel (the benchmark request has
/// one source, so it gains nothing there). The output is identical.
pub fn analyze_paths_parallel(graph: &CsrGraph, request: &PathRequest) -> PathAnalysis {
    /// Targets per rayon task; each task's paths come back as one part, and
    /// parts are concatenated in target order.
    const CHUNK: usize = 256;
    let n = graph.node_count();
    let mut paths = PathList::default();
    match request.kind {
        PathKind::Shortest => {
            let mut tree = SourceTree::new(n);
            let targets: Vec<u32> = targets_of(request, n).collect();
            for source in in_graph(&request.sources, n) {
                tree.build(graph, source);
                let tree = &tree;
                let parts: Vec<PathList> = targets
                    .par_chunks(CHUNK)
                    .map_init(
                        || ReverseSearch::new(n),
                        |search, chunk| {
                            let mut part = PathList::default();
                            for &target in chunk {
                                search.shortest_into(
                                    graph,
                                    tree,
                                    source,
                                    target,
                                    request.max_depth,
                                    &mut part,
                                );
                            }
                            part
                        },
                    )
                    .collect();
                parts.iter().for_each(|part| paths.append(part));
            }
        }
        PathKind::AllSimple => {
            let sources: Vec<u32> = in_graph(&request.sources, n).collect();
            let parts: Vec<PathList> = sources
                .par_iter()
                .map_init(
                    || SimplePaths::new(n),
                    |dfs, &source| {
                        let mut part = PathList::default();
                        dfs.paths_into(graph, source, request, &mut part);
                        part
                    },
                )
                .collect();
            parts.iter().for_each(|part| paths.append(part));
        }
    }
    PathAnalysis::from_paths(paths)
}

/// Sources that are nodes of the graph, in request order (`source not in
/// graph` → skipped).
fn in_graph(sources: &[u32], n: usize) -> impl Iterator<Item = u32> + '_ {
    sources.iter().copied().filter(move |&s| (s as usize) < n)
}

/// The request's targets in order: the given list, or every node.
fn targets_of(request: &PathRequest, n: usize) -> Targets<'_> {
    match &request.targets {
        Some(list) => Targets::List(list.iter()),
        None => Targets::All(0..n as u32),
    }
}

/// Iterator over a request's targets without materialising "every node".
enum Targets<'a> {
    List(std::slice::Iter<'a, u32>),
    All(std::ops::Range<u32>),
}

impl Iterator for Targets<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        match self {
            Targets::List(list) => list.next().copied(),
            Targets::All(range) => range.next(),
        }
    }
}

/// The breadth-first tree of one source, shared by all of its targets.
///
/// networkx's bidirectional search (`_bidirectional_pred_succ`) expands
/// whole levels on each side, so its forward side is exactly this tree,
/// level by level: the forward fringe after `k` expansions is level `k` in
/// BFS order, `pred` holds the nodes at distance ≤ `k`, and `pred[w]` is the
/// first node of the previous level (BFS order, ascending neighbours) that
/// reaches `w`, i.e. the BFS parent. Only the reverse side depends on the
/// target.
struct SourceTree {
    /// Hop distance from the source; `u32::MAX` = unreachable.
    dist: Vec<u32>,
    /// BFS parent (first discoverer); `NONE` for the source.
    parent: Vec<u32>,
    /// Index of each reached node in `order`.
    pos: Vec<u32>,
    /// Reached nodes in BFS order; level `k` is
    /// `order[level_start[k]..level_start[k + 1]]`.
    order: Vec<u32>,
    level_start: Vec<usize>,
    /// Arcs scanned when level `k` is expanded (sum of its degrees).
    level_arcs: Vec<usize>,
}

impl SourceTree {
    fn new(n: usize) -> Self {
        Self {
            dist: vec![u32::MAX; n],
            parent: vec![NONE; n],
            pos: vec![0; n],
            order: Vec::new(),
            level_start: Vec::new(),
            level_arcs: Vec::new(),
        }
    }

    fn build(&mut self, graph: &CsrGraph, source: u32) {
        for &v in &self.order {
            self.dist[v as usize] = u32::MAX;
        }
        self.order.clear();
        self.level_start.clear();
        self.level_arcs.clear();
        let offsets = graph.offsets();
        let adjacency = graph.targets();
        self.dist[source as usize] = 0;
        self.parent[source as usize] = NONE;
        self.pos[source as usize] = 0;
        self.order.push(source);
        let mut head = 0;
        while head < self.order.len() {
            let level_end = self.order.len();
            self.level_start.push(head);
            let mut arcs = 0;
            while head < level_end {
                let v = self.order[head];
                head += 1;
                let (from, to) = (offsets[v as usize], offsets[v as usize + 1]);
                arcs += to - from;
                let next = self.dist[v as usize] + 1;
                for &w in &adjacency[from..to] {
                    let wi = w as usize;
                    if self.dist[wi] == u32::MAX {
                        self.dist[wi] = next;
                        self.parent[wi] = v;
                        self.pos[wi] = self.order.len() as u32;
                        self.order.push(w);
                    }
                }
            }
            self.level_arcs.push(arcs);
        }
        self.level_start.push(self.order.len());
    }

    /// Size of level `k` (0 past the last level): networkx's forward fringe.
    fn level_len(&self, k: usize) -> usize {
        match (self.level_start.get(k), self.level_start.get(k + 1)) {
            (Some(&a), Some(&b)) => b - a,
            _ => 0,
        }
    }

    fn level(&self, k: usize) -> &[u32] {
        &self.order[self.level_start[k]..self.level_start[k + 1]]
    }
}

/// Per-thread state for one (source, target) pair: the reverse side of
/// networkx's bidirectional search, with epoch-stamped `succ`, so a pair
/// costs only what its search touches and allocates nothing.
struct ReverseSearch {
    succ: Vec<u32>,
    /// `succ[v]` is valid iff `succ_epoch[v] == epoch`.
    succ_epoch: Vec<u32>,
    epoch: u32,
    fringe: Vec<u32>,
    level: Vec<u32>,
    /// Every node in `succ`, and the sum of their degrees.
    seen: Vec<u32>,
    seen_arcs: usize,
}

impl ReverseSearch {
    fn new(n: usize) -> Self {
        Self {
            succ: vec![NONE; n],
            succ_epoch: vec![0; n],
            epoch: 0,
            fringe: Vec::new(),
            level: Vec::new(),
            seen: Vec::new(),
            seen_arcs: 0,
        }
    }

    fn in_succ(&self, v: u32) -> bool {
        self.succ_epoch[v as usize] == self.epoch
    }

    /// `if nx.has_path(G, s, t): path = nx.shortest_path(G, s, t)`, appended
    /// when `len(path) - 1 <= max_depth`; `tree` is the source's BFS tree.
    /// Pairs the tree rules out (unreachable; longer than `max_depth`, which
    /// the original drops) cost nothing.
    fn shortest_into(
        &mut self,
        graph: &CsrGraph,
        tree: &SourceTree,
        source: u32,
        target: u32,
        max_depth: usize,
        out: &mut PathList,
    ) {
        let Some(&d) = tree.dist.get(target as usize) else {
            return; // target not in graph
        };
        if target == source || d == u32::MAX || d as usize > max_depth {
            return;
        }
        let Some(meet) = self.meet(graph, tree, target) else {
            debug_assert!(false, "a reachable target always meets the source tree");
            return;
        };
        let start = out.nodes.len();
        let mut w = meet;
        while w != NONE {
            out.nodes.push(w);
            w = tree.parent[w as usize];
        }
        out.nodes[start..].reverse();
        let mut w = self.succ[meet as usize];
        while w != NONE {
            out.nodes.push(w);
            w = self.succ[w as usize];
        }
        debug_assert_eq!(out.nodes.len() - start, d as usize + 1);
        out.close();
    }

    /// networkx 3.4.2's `_bidirectional_pred_succ` loop for an undirected
    /// graph: while both fringes are non-empty, the smaller one (forward on
    /// ties) expands one whole level; a scanned neighbour joins that side if
    /// new to it, and the search stops at the first scanned neighbour the
    /// other side has seen. Returns that meeting node. The forward side is
    /// `tree` (see [`SourceTree`]): `pred` = distance ≤ `depth`.
    fn meet(&mut self, graph: &CsrGraph, tree: &SourceTree, target: u32) -> Option<u32> {
        if self.epoch == u32::MAX {
            self.succ_epoch.fill(0);
            self.epoch = 0;
        }
        self.epoch += 1;
        let offsets = graph.offsets();
        let adjacency = graph.targets();
        let degree = |v: u32| offsets[v as usize + 1] - offsets[v as usize];
        self.succ_epoch[target as usize] = self.epoch;
        self.succ[target as usize] = NONE;
        self.fringe.clear();
        self.fringe.push(target);
        self.seen.clear();
        self.seen.push(target);
        self.seen_arcs = degree(target);
        let mut depth = 0usize; // forward levels expanded
        loop {
            let forward_len = tree.level_len(depth);
            if forward_len == 0 || self.fringe.is_empty() {
                return None;
            }
            if forward_len <= self.fringe.len() {
                if let Some(w) = self.forward_hit(graph, tree, depth) {
                    return Some(w);
                }
                depth += 1;
                continue;
            }
            std::mem::swap(&mut self.fringe, &mut self.level);
            self.fringe.clear();
            for i in 0..self.level.len() {
                let v = self.level[i];
                for &w in &adjacency[offsets[v as usize]..offsets[v as usize + 1]] {
                    if !self.in_succ(w) {
                        self.succ_epoch[w as usize] = self.epoch;
                        self.succ[w as usize] = v;
                        self.fringe.push(w);
                        self.seen.push(w);
                        self.seen_arcs += degree(w);
                    }
                    if (tree.dist[w as usize] as usize) <= depth {
                        return Some(w);
                    }
                }
            }
        }
    }

    /// The forward expansion of level `depth`: the first arc `(v, w)` in
    /// scan order (v in BFS order, then ascending w) with `w` in `succ`.
    /// Scanning the level finds it directly; when `succ`'s nodes have fewer
    /// arcs than the level, the same arc is found from their side as the
    /// minimum `(pos[v], w)` over `w` in `succ`, `v` a neighbour in the level
    /// (CSR rows ascend, so scan order within `v` is ascending `w`).
    /// No hit means the level expands without meeting: nothing to record,
    /// since the next fringe is the next level of the tree.
    fn forward_hit(&self, graph: &CsrGraph, tree: &SourceTree, depth: usize) -> Option<u32> {
        let offsets = graph.offsets();
        let adjacency = graph.targets();
        if tree.level_arcs[depth] <= self.seen_arcs {
            for &v in tree.level(depth) {
                for &w in &adjacency[offsets[v as usize]..offsets[v as usize + 1]] {
                    if self.in_succ(w) {
                        return Some(w);
                    }
                }
            }
            return None;
        }
        let mut best: Option<(u32, u32)> = None;
        for &w in &self.seen {
            // Neighbours of a level-`depth` node lie within one level of it.
            let d = tree.dist[w as usize] as usize;
            if d + 1 < depth || d > depth + 1 {
                continue;
            }
            for &v in &adjacency[offsets[w as usize]..offsets[w as usize + 1]] {
                if tree.dist[v as usize] as usize == depth {
                    let key = (tree.pos[v as usize], w);
                    if best.is_none_or(|b| key < b) {
                        best = Some(key);
                    }
                }
            }
        }
        best.map(|(_, w)| w)
    }
}

/// Per-thread state for "all_simple": one depth-first enumeration per source
/// serves every target.
///
/// networkx runs a separate DFS per (source, target) pair, which differs from
/// the full DFS from the source only in not extending a path through its
/// target. A path ending at `t` never passes through `t` earlier, so the
/// pair's paths are exactly the full DFS's paths ending at `t`, in the same
/// relative (preorder) order. The full DFS records every path ending at a
/// target; they are then grouped by target in request order.
///
/// Memory per call is O(n / 8) bytes plus the paths: membership is one bit
/// per node (on the path; among the targets), and a target's dense index is
/// looked up only when its bit is set, among the request's few targets, so
/// nothing of the twin's scratch grows at four or more bytes per node (the
/// original holds only its path and a dict of the targets).
struct SimplePaths {
    on_path: BitSet,
    path: Vec<u32>,
    /// Next arc to try for each node on `path` (parallel to `path`).
    cursor: Vec<usize>,
    /// The request's distinct targets…
    is_target: BitSet,
    /// …and each one's dense index, sorted by node.
    target_index: Vec<(u32, u32)>,
    /// Recorded paths in DFS order, and each one's dense target index.
    found: PathList,
    found_target: Vec<u32>,
    /// Start of each dense target's bucket in `order`.
    bucket: Vec<usize>,
    order: Vec<u32>,
}

impl SimplePaths {
    fn new(n: usize) -> Self {
        Self {
            on_path: BitSet::with_len(n),
            path: Vec::new(),
            cursor: Vec::new(),
            is_target: BitSet::with_len(n),
            target_index: Vec::new(),
            found: PathList::default(),
            found_target: Vec::new(),
            bucket: Vec::new(),
            order: Vec::new(),
        }
    }

    /// Appends, for each target in request order, the paths
    /// `list(nx.all_simple_paths(G, source, target, cutoff=max_depth))`.
    fn paths_into(
        &mut self,
        graph: &CsrGraph,
        source: u32,
        request: &PathRequest,
        out: &mut PathList,
    ) {
        let n = graph.node_count();
        self.target_index.clear();
        for t in targets_of(request, n) {
            if (t as usize) < n && t != source && !self.is_target.contains(t as usize) {
                self.is_target.insert(t as usize);
                self.target_index.push((t, self.target_index.len() as u32));
            }
        }
        let distinct = self.target_index.len();
        self.target_index.sort_unstable();
        self.enumerate(graph, source, request.max_depth);
        self.group(distinct);
        for t in targets_of(request, n) {
            if (t as usize) >= n || t == source {
                continue;
            }
            let k = self.index_of(t) as usize;
            for &i in &self.order[self.bucket[k]..self.bucket[k + 1]] {
                out.nodes.extend_from_slice(self.found.path(i as usize));
                out.close();
            }
        }
        for &(t, _) in &self.target_index {
            self.is_target.remove(t as usize);
        }
    }

    /// The dense index of target `t` (whose bit is set).
    fn index_of(&self, t: u32) -> u32 {
        match self
            .target_index
            .binary_search_by_key(&t, |&(node, _)| node)
        {
            Ok(at) => self.target_index[at].1,
            Err(_) => NONE,
        }
    }

    /// networkx's `_all_simple_edge_paths` loop without the per-target
    /// pruning: extend the path by the next neighbour (adjacency order) not on
    /// it, record it if that neighbour is a target, and descend while the
    /// path holds fewer than `cutoff` nodes.
    fn enumerate(&mut self, graph: &CsrGraph, source: u32, cutoff: usize) {
        let (offsets, adjacency) = (graph.offsets(), graph.targets());
        self.found.nodes.clear();
        self.found.offsets.truncate(1);
        self.found_target.clear();
        if cutoff == 0 {
            return;
        }
        self.path.clear();
        self.cursor.clear();
        self.path.push(source);
        self.cursor.push(offsets[source as usize]);
        self.on_path.insert(source as usize);
        while let Some(&v) = self.path.last() {
            let end = offsets[v as usize + 1];
            let top = self.cursor.len() - 1;
            let mut arc = self.cursor[top];
            while arc < end && self.on_path.contains(adjacency[arc] as usize) {
                arc += 1;
            }
            if arc == end {
                self.on_path.remove(v as usize);
                self.path.pop();
                self.cursor.pop();
                continue;
            }
            self.cursor[top] = arc + 1;
            let w = adjacency[arc];
            if self.is_target.contains(w as usize) {
                let k = self.index_of(w);
                self.found.nodes.extend_from_slice(&self.path);
                self.found.nodes.push(w);
                self.found.close();
                self.found_target.push(k);
            }
            if self.path.len() < cutoff {
                self.on_path.insert(w as usize);
                self.path.push(w);
                self.cursor.push(offsets[w as usize]);
            }
        }
    }

    /// Stable counting sort of the recorded paths by dense target index.
    fn group(&mut self, distinct: usize) {
        self.bucket.clear();
        self.bucket.resize(distinct + 1, 0);
        for &k in &self.found_target {
            self.bucket[k as usize + 1] += 1;
        }
        for k in 0..distinct {
            self.bucket[k + 1] += self.bucket[k];
        }
        self.order.clear();
        self.order.resize(self.found_target.len(), 0);
        let mut fill = self.bucket.clone();
        for (i, &k) in self.found_target.iter().enumerate() {
            self.order[fill[k as usize]] = i as u32;
            fill[k as usize] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Edge;
    use super::*;

    fn graph(n: usize, pairs: &[(u32, u32)]) -> CsrGraph {
        let edges: Vec<Edge> = pairs
            .iter()
            .map(|&(u, v)| Edge { u, v, weight: 1.0 })
            .collect();
        CsrGraph::from_undirected_edges(n, &edges).expect("valid graph")
    }

    fn lists(paths: &PathList) -> Vec<Vec<u32>> {
        (0..paths.len()).map(|i| paths.path(i).to_vec()).collect()
    }

    fn request(
        sources: &[u32],
        targets: Option<&[u32]>,
        max_depth: usize,
        kind: PathKind,
    ) -> PathRequest {
        PathRequest {
            sources: sources.to_vec(),
            targets: targets.map(<[u32]>::to_vec),
            max_depth,
            kind,
        }
    }

    /// networkx's docstring example: `nx.add_path(G, [0, 1, 2, 3, 0, 4, 5,
    /// 6, 7, 4])`, `nx.bidirectional_shortest_path(G, 2, 6) == [2, 1, 0, 4,
    /// 5, 6]` (the tie 2-3-0 vs 2-1-0 goes to the lower neighbour).
    #[test]
    fn bidirectional_tie_break_matches_networkx_docstring() {
        let g = graph(
            8,
            &[
                (0, 1),
                (1, 2),
                (2, 3),
                (3, 0),
                (0, 4),
                (4, 5),
                (5, 6),
                (6, 7),
                (7, 4),
            ],
        );
        let r = analyze_paths(&g, &request(&[2], Some(&[6]), 5, PathKind::Shortest));
        assert_eq!(lists(&r.paths), vec![vec![2, 1, 0, 4, 5, 6]]);
    }

    /// 4-cycle 0-1-2-3-0 plus pendant 3-4, checked with networkx 3.4.2:
    /// `[nx.shortest_path(G, 0, t) for t in range(5)]` skipping t = 0 gives
    /// [0,1], [0,1,2], [0,3], [0,3,4]; max_depth 1 keeps only the first and
    /// third; statistics (mean 1.5, min 1, max 2, total 4) for max_depth 5.
    #[test]
    fn shortest_with_default_targets_and_depth_filter() {
        let g = graph(5, &[(0, 1), (1, 2), (2, 3), (3, 0), (3, 4)]);
        let r = analyze_paths(&g, &request(&[0], None, 5, PathKind::Shortest));
        assert_eq!(
            lists(&r.paths),
            vec![vec![0, 1], vec![0, 1, 2], vec![0, 3], vec![0, 3, 4]]
        );
        let stats = r.statistics.expect("paths found");
        assert_eq!(stats.average_path_length, 1.5);
        assert_eq!(
            (
                stats.min_path_length,
                stats.max_path_length,
                stats.total_paths
            ),
            (1, 2, 4)
        );
        let r = analyze_paths(&g, &request(&[0], None, 1, PathKind::Shortest));
        assert_eq!(lists(&r.paths), vec![vec![0, 1], vec![0, 3]]);
    }

    /// Unreachable targets, unknown ids and the source itself are skipped;
    /// an explicit empty target list finds nothing.
    #[test]
    fn skips_missing_and_unreachable() {
        let g = graph(4, &[(0, 1), (2, 3)]);
        let r = analyze_paths(
            &g,
            &request(&[9, 0], Some(&[0, 2, 7, 1, 1]), 5, PathKind::Shortest),
        );
        assert_eq!(lists(&r.paths), vec![vec![0, 1], vec![0, 1]]);
        let r = analyze_paths(&g, &request(&[0], Some(&[]), 5, PathKind::Shortest));
        assert_eq!(r.paths_found, 0);
        assert_eq!(r.statistics, None);
    }

    /// K4 complete graph: `list(nx.all_simple_paths(nx.complete_graph(4), 0,
    /// 3, cutoff=2))` is [[0, 1, 3], [0, 2, 3], [0, 3]] in networkx 3.4.2
    /// (DFS order: the direct edge comes last because 3 is the last
    /// neighbour); with cutoff 3 the list is [[0,1,2,3], [0,1,3], [0,2,1,3],
    /// [0,2,3], [0,3]].
    #[test]
    fn all_simple_dfs_order_matches_networkx() {
        let g = graph(4, &[(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]);
        let r = analyze_paths(&g, &request(&[0], Some(&[3]), 2, PathKind::AllSimple));
        assert_eq!(
            lists(&r.paths),
            vec![vec![0, 1, 3], vec![0, 2, 3], vec![0, 3]]
        );
        let r = analyze_paths(&g, &request(&[0], Some(&[3, 1]), 3, PathKind::AllSimple));
        assert_eq!(
            lists(&r.paths),
            vec![
                vec![0, 1, 2, 3],
                vec![0, 1, 3],
                vec![0, 2, 1, 3],
                vec![0, 2, 3],
                vec![0, 3],
                vec![0, 1],
                vec![0, 2, 1],
                vec![0, 2, 3, 1],
                vec![0, 3, 1],
                vec![0, 3, 2, 1],
            ]
        );
        let stats = r.statistics.expect("paths found");
        assert_eq!(stats.average_path_length, 2.2);
    }

    /// networkx's `_bidirectional_pred_succ` + path assembly transcribed
    /// literally (hash maps, two fringes): the oracle for the tree-based
    /// search.
    fn literal_shortest(g: &CsrGraph, s: u32, t: u32) -> Option<Vec<u32>> {
        use std::collections::HashMap;
        use std::collections::hash_map::Entry;
        let adj = |v: u32| g.neighbors(v as usize).map(|(w, _)| w).collect::<Vec<_>>();
        let mut pred: HashMap<u32, Option<u32>> = HashMap::from([(s, None)]);
        let mut succ: HashMap<u32, Option<u32>> = HashMap::from([(t, None)]);
        let (mut forward, mut reverse) = (vec![s], vec![t]);
        let mut meet = None;
        'search: while !forward.is_empty() && !reverse.is_empty() {
            if forward.len() <= reverse.len() {
                for v in std::mem::take(&mut forward) {
                    for w in adj(v) {
                        if let Entry::Vacant(slot) = pred.entry(w) {
                            forward.push(w);
                            slot.insert(Some(v));
                        }
                        if succ.contains_key(&w) {
                            meet = Some(w);
                            break 'search;
                        }
                    }
                }
            } else {
                for v in std::mem::take(&mut reverse) {
                    for w in adj(v) {
                        if let Entry::Vacant(slot) = succ.entry(w) {
                            slot.insert(Some(v));
                            reverse.push(w);
                        }
                        if pred.contains_key(&w) {
                            meet = Some(w);
                            break 'search;
                        }
                    }
                }
            }
        }
        let meet = meet?;
        let mut path = vec![meet];
        while let Some(Some(p)) = pred.get(path.last()?) {
            path.push(*p);
        }
        path.reverse();
        let mut w = meet;
        while let Some(Some(next)) = succ.get(&w) {
            path.push(*next);
            w = *next;
        }
        Some(path)
    }

    /// The tree-based search returns networkx's path for every ordered pair
    /// of random graphs with hubs (preferential attachment, some extra
    /// random edges, self-loops, isolated nodes), so both ways of finding a
    /// forward hit are exercised.
    #[test]
    fn shortest_matches_literal_networkx_on_random_graphs() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        for round in 0..40 {
            let n = 5 + next(60) as usize;
            let mut pairs: Vec<(u32, u32)> = Vec::new();
            let mut ends: Vec<u32> = vec![0];
            for v in 1..n as u32 - 2 {
                for _ in 0..1 + next(2) {
                    let u = ends[next(ends.len() as u64) as usize];
                    pairs.push((u, v));
                    ends.extend([u, v]);
                }
            }
            for _ in 0..next(6) {
                let (u, v) = (next(n as u64) as u32, next(n as u64) as u32);
                pairs.push((u, v));
            }
            let g = graph(n, &pairs);
            let all: Vec<u32> = (0..n as u32).collect();
            let r = analyze_paths(&g, &request(&all, None, n, PathKind::Shortest));
            let mut expected = Vec::new();
            for s in 0..n as u32 {
                for t in 0..n as u32 {
                    if s != t {
                        expected.extend(literal_shortest(&g, s, t));
                    }
                }
            }
            assert_eq!(lists(&r.paths), expected, "round {round}");
        }
    }

    #[test]
    fn parallel_equals_sequential() {
        let pairs: Vec<(u32, u32)> = (1..400u32).flat_map(|v| [(v / 2, v), (v / 3, v)]).collect();
        let g = graph(400, &pairs);
        for req in [
            PathRequest::benchmark_shortest(400),
            PathRequest::benchmark_all_simple(400),
        ] {
            assert_eq!(analyze_paths(&g, &req), analyze_paths_parallel(&g, &req));
        }
    }

    #[test]
    fn benchmark_requests_on_tiny_graphs() {
        assert_eq!(benchmark_sources(0), Vec::<u32>::new());
        assert_eq!(benchmark_sources(1), vec![0]);
        assert_eq!(benchmark_sources(2), vec![0, 1]);
        assert_eq!(benchmark_sources(10), vec![0, 5, 9]);
        assert_eq!(
            PathRequest::benchmark_all_simple(0).sources,
            Vec::<u32>::new()
        );
        assert_eq!(
            PathRequest::benchmark_all_simple(3).targets,
            Some(vec![0, 1, 2])
        );
    }
}
