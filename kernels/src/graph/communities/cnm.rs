//! Clauset–Newman–Moore greedy modularity maximisation, merge for merge as
//! networkx 3.4.2's `greedy_modularity_communities(G, resolution=r)` runs it
//! with its defaults: `weight=None` (every edge counts 1, whatever its
//! weight), `cutoff=1`, `best_n=None`.
//!
//! networkx keeps one `MappedQueue` per community plus a queue of row maxima;
//! their elements order by priority `-dq`, then by the `(row, col)` tuple.
//! That order is total, so whatever the heap layout, the merge it pops is the
//! pair with the largest `dq`, ties to the smallest `(row, col)`. Because the
//! `dq` matrix is symmetric bit for bit, that pair has `row < col`: the lower
//! community id is absorbed into the higher one. This module keeps the same
//! matrix as unordered rows whose entries point at their mirror entries
//! (so updating both directions of a pair is O(1)), caches each row's
//! maximum, keeps a lazy global heap of row maxima, and computes every `dq`
//! with networkx's operations in networkx's order: it pops the same merges
//! with the same `dq` values.
//!
//! Cost: each merge touches every neighbour of both communities, as in
//! networkx (a community that keeps absorbing makes CNM superlinear), but
//! at a few nanoseconds per neighbour instead of a Python heap update.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::pyset::PySet;
use super::{CsrGraph, degree};

/// Column of an empty row's (absent) maximum.
const NO_COL: u32 = u32::MAX;

/// One merge: community `absorbed` joined community `into` (the larger id,
/// which names the union from then on) at modularity gain `dq`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Merge {
    pub(super) absorbed: u32,
    pub(super) into: u32,
    pub(super) dq: f64,
}

/// A finished run: the communities in networkx's order (size descending,
/// then by the id of the surviving community), each with its id, and the
/// merges that built them, in order.
#[derive(Debug, Clone)]
pub(super) struct CnmRun {
    pub(super) communities: Vec<Vec<u32>>,
    pub(super) ids: Vec<u32>,
    pub(super) merges: Vec<Merge>,
}

/// `nx.community.greedy_modularity_communities(G, resolution=resolution)`
/// on the unweighted graph.
///
/// Returns the communities as networkx lists them (size descending; equal
/// sizes in the order of their surviving ids, which is each community's
/// largest member), each community's members ascending. Self-loops count in
/// degrees and in the edge total but are never merge candidates; isolated
/// nodes stay singletons. Merging stops at one community, when no two
/// communities share an edge, or before the first merge with `dq < 0`
/// (a merge with `dq == 0` is still made). A graph without edges gives one
/// singleton per node; the null graph gives no community.
pub fn greedy_modularity_communities(graph: &CsrGraph, resolution: f64) -> Vec<Vec<u32>> {
    run(graph, resolution).communities
}

/// A global-heap entry: the maximum of row `row` is at `col`, worth `dq`;
/// stale once the row's `stamp` has moved on.
#[derive(Debug, Clone, Copy)]
struct RowMax {
    dq: f64,
    row: u32,
    col: u32,
    stamp: u32,
}

impl Ord for RowMax {
    /// Greater = popped first: larger `dq` (compared with `==` as Python
    /// compares floats, so `-0.0 == 0.0`), then smaller `(row, col)`.
    fn cmp(&self, other: &Self) -> Ordering {
        match self.dq.partial_cmp(&other.dq) {
            Some(Ordering::Equal) | None => (other.row, other.col).cmp(&(self.row, self.col)),
            Some(order) => order,
        }
    }
}

impl PartialOrd for RowMax {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RowMax {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RowMax {}

/// `(dq, col)` beats `(best_dq, best_col)` in networkx's order.
fn beats(dq: f64, col: u32, best_dq: f64, best_col: u32) -> bool {
    dq > best_dq || (dq == best_dq && col < best_col)
}

/// One direction of an adjacent pair of communities: in row `x`, the entry
/// for column `y` sits at `row[x][i]`, and `row[y][mirror]` is the entry for
/// column `x`, holding the same `dq`. The mirror index makes every update of
/// the other direction O(1) (networkx pays a dict lookup and a heap sift).
#[derive(Debug, Clone, Copy)]
struct Entry {
    col: u32,
    mirror: u32,
    dq: f64,
}

/// One row of the `dq` matrix plus what networkx keeps per community.
#[derive(Debug, Clone)]
struct Community {
    /// Unordered; the maximum is found by explicit comparison.
    row: Vec<Entry>,
    /// networkx's `a[c]`: the community's share of the degree total.
    a: f64,
    max_dq: f64,
    /// Column of the row maximum, `NO_COL` for an empty row.
    max_col: u32,
    /// Bumped whenever the maximum changes; older heap entries are stale.
    stamp: u32,
}

/// The maximum of a row in networkx's order: largest `dq`, ties to the
/// smallest column.
fn row_max(row: &[Entry]) -> (f64, u32) {
    let mut best = (f64::NEG_INFINITY, NO_COL);
    for e in row {
        if best.1 == NO_COL || beats(e.dq, e.col, best.0, best.1) {
            best = (e.dq, e.col);
        }
    }
    best
}

/// The `dq` matrix and its row maxima.
///
/// Invariants: `comms[c].row` never holds `c`; an entry `(y, mirror, dq)`
/// in row `x` has its twin `(x, i, dq)` (same bits) at `comms[y].row[mirror]`;
/// `(max_dq, max_col)` is `row_max` of the row, and the heap holds an entry
/// with the community's current `stamp` for every non-empty row (possibly
/// under stale ones). `mark` is all zero between merges.
#[derive(Debug)]
struct Matrix {
    comms: Vec<Community>,
    heap: BinaryHeap<RowMax>,
    resolution: f64,
    /// During a merge: `mark[w] = i + 1` while `row[u][i]` (column `w`)
    /// has not been folded into `v` yet.
    mark: Vec<u32>,
}

impl Matrix {
    /// The initial matrix: `dq[u][v] = 1/m − r·(a_u·a_v + a_u·a_v)` for every
    /// edge `u ≠ v` (networkx's `q0 * wt - resolution * (a[u]*b[v] + b[u]*a[v])`
    /// with `wt == 1.0` and `a is b`).
    fn new(graph: &CsrGraph, edge_count: usize, resolution: f64) -> Self {
        let n = graph.node_count();
        let q0 = 1.0 / edge_count as f64;
        let a: Vec<f64> = (0..n).map(|u| degree(graph, u) as f64 * q0 * 0.5).collect();
        let mut comms: Vec<Community> = (0..n)
            .map(|u| {
                let row: Vec<Entry> = graph
                    .neighbors(u)
                    .filter(|&(w, _)| w as usize != u)
                    .map(|(w, _)| {
                        let p = a[u] * a[w as usize];
                        Entry {
                            col: w,
                            mirror: 0,
                            dq: q0 * 1.0 - resolution * (p + p),
                        }
                    })
                    .collect();
                let (max_dq, max_col) = row_max(&row);
                Community {
                    row,
                    a: a[u],
                    max_dq,
                    max_col,
                    stamp: 0,
                }
            })
            .collect();
        // Rows start in the CSR's ascending order, so u's entry in row w
        // comes after those of w's smaller neighbours: visiting u ascending,
        // a running count per row is each mirror index.
        let mut filled = vec![0u32; n];
        for comm in &mut comms {
            for entry in &mut comm.row {
                entry.mirror = filled[entry.col as usize];
                filled[entry.col as usize] += 1;
            }
        }
        let heap = comms
            .iter()
            .enumerate()
            .filter(|(_, c)| c.max_col != NO_COL)
            .map(|(row, c)| RowMax {
                dq: c.max_dq,
                row: row as u32,
                col: c.max_col,
                stamp: 0,
            })
            .collect();
        Self {
            comms,
            heap,
            resolution,
            mark: vec![0; n],
        }
    }

    /// Pops the best merge still current, or `None` when no two communities
    /// share an edge.
    fn pop_best(&mut self) -> Option<RowMax> {
        while let Some(top) = self.heap.pop() {
            if top.stamp == self.comms[top.row as usize].stamp {
                return Some(top);
            }
        }
        None
    }

    /// Records a row's new maximum.
    fn set_max(&mut self, c: usize, (max_dq, max_col): (f64, u32)) {
        let comm = &mut self.comms[c];
        comm.max_dq = max_dq;
        comm.max_col = max_col;
        comm.stamp = comm.stamp.wrapping_add(1);
        if max_col != NO_COL {
            self.heap.push(RowMax {
                dq: max_dq,
                row: c as u32,
                col: max_col,
                stamp: comm.stamp,
            });
        }
    }

    /// Row `w`'s entry for `v` became `dq` (and its entry for `u`, if any,
    /// went or became that entry): its maximum is recomputed only if it sat
    /// on `u` or `v`.
    fn refresh_max(&mut self, w: usize, u: u32, v: u32, dq: f64) {
        let comm = &self.comms[w];
        let (old_dq, old_col) = (comm.max_dq, comm.max_col);
        let max = if old_col == u || old_col == v {
            row_max(&comm.row)
        } else if beats(dq, v, old_dq, old_col) {
            (dq, v)
        } else {
            return;
        };
        if max.1 != old_col || max.0 != old_dq {
            self.set_max(w, max);
        }
    }

    /// Swap-removes entry `pos` of community `owner`'s row and repoints the
    /// twin of the entry moved into `pos`. `row_v` stands in for community
    /// `v`'s row, which the merge holds outside `comms`.
    fn swap_remove(&mut self, owner: usize, pos: usize, v: usize, row_v: &mut [Entry]) {
        let row = &mut self.comms[owner].row;
        row.swap_remove(pos);
        if let Some(&moved) = row.get(pos) {
            let twin = if moved.col as usize == v {
                &mut row_v[moved.mirror as usize]
            } else {
                &mut self.comms[moved.col as usize].row[moved.mirror as usize]
            };
            twin.mirror = pos as u32;
        }
    }

    /// Merges community `u` into community `v` (`u < v`, adjacent), with
    /// networkx's three update rules for each neighbour `w` of either:
    /// `dq_vw + dq_uw` (both), `dq_vw − r·2·a_u·a_w` (only `v`),
    /// `dq_uw − r·2·a_v·a_w` (only `u`).
    fn merge(&mut self, u: usize, v: usize) {
        let res = self.resolution;
        let (au, av) = (self.comms[u].a, self.comms[v].a);
        let mut row_u = std::mem::take(&mut self.comms[u].row);
        let mut row_v = std::mem::take(&mut self.comms[v].row);
        for (i, e) in row_u.iter().enumerate() {
            self.mark[e.col as usize] = i as u32 + 1;
        }
        // v's entry for u goes; u's entry for v is never folded.
        let u_in_v = row_u[self.mark[v] as usize - 1].mirror as usize;
        self.mark[v] = 0;
        row_v.swap_remove(u_in_v);
        if let Some(&moved) = row_v.get(u_in_v) {
            self.comms[moved.col as usize].row[moved.mirror as usize].mirror = u_in_v as u32;
        }
        // Neighbours of v (and maybe of u).
        for p in 0..row_v.len() {
            let w = row_v[p].col as usize;
            let dq = match self.mark[w] {
                0 => {
                    let x = au * self.comms[w].a;
                    row_v[p].dq - res * (x + x)
                }
                k => {
                    self.mark[w] = 0;
                    let from_u = row_u[k as usize - 1];
                    let dq = row_v[p].dq + from_u.dq;
                    self.swap_remove(w, from_u.mirror as usize, v, &mut row_v);
                    dq
                }
            };
            row_v[p].dq = dq;
            let mirror = row_v[p].mirror as usize;
            self.comms[w].row[mirror].dq = dq;
            self.refresh_max(w, u as u32, v as u32, dq);
        }
        // Neighbours of u only: their entries move over to v.
        for e in &row_u {
            let w = e.col as usize;
            if self.mark[w] == 0 {
                continue;
            }
            self.mark[w] = 0;
            let x = av * self.comms[w].a;
            let dq = e.dq - res * (x + x);
            self.comms[w].row[e.mirror as usize] = Entry {
                col: v as u32,
                mirror: row_v.len() as u32,
                dq,
            };
            row_v.push(Entry {
                col: w as u32,
                mirror: e.mirror,
                dq,
            });
            self.refresh_max(w, u as u32, v as u32, dq);
        }
        row_u.clear();
        let max_v = row_max(&row_v);
        self.comms[v].row = row_v;
        self.comms[u].row = row_u;
        self.set_max(v, max_v);
        self.set_max(u, (f64::NEG_INFINITY, NO_COL));
        self.comms[v].a = av + au;
        self.comms[u].a = 0.0;
    }
}

/// Number of edges as `G.size()` counts them: a self-loop is one edge.
fn edge_count(graph: &CsrGraph) -> usize {
    let loops = (0..graph.node_count())
        .filter(|&u| graph.neighbors(u).any(|(w, _)| w as usize == u))
        .count();
    (graph.arc_count() - loops) / 2 + loops
}

/// Runs CNM and keeps the merge history (needed to replay the frozensets
/// networkx builds, whose iteration order the original's tie-breaks follow).
pub(super) fn run(graph: &CsrGraph, resolution: f64) -> CnmRun {
    let n = graph.node_count();
    let edges = edge_count(graph);
    let mut merges = Vec::new();
    if edges > 0 {
        let mut matrix = Matrix::new(graph, edges, resolution);
        let mut communities = n;
        while communities > 1 {
            let Some(best) = matrix.pop_best() else {
                break;
            };
            if best.dq < 0.0 {
                break;
            }
            merges.push(Merge {
                absorbed: best.row,
                into: best.col,
                dq: best.dq,
            });
            matrix.merge(best.row as usize, best.col as usize);
            communities -= 1;
        }
    }
    let (communities, ids) = communities_from_merges(n, &merges);
    CnmRun {
        communities,
        ids,
        merges,
    }
}

/// The surviving communities after `merges`, in networkx's order: size
/// descending, then surviving id ascending (the dict's insertion order).
fn communities_from_merges(n: usize, merges: &[Merge]) -> (Vec<Vec<u32>>, Vec<u32>) {
    // Every merge absorbs into a larger id, so one descending sweep resolves
    // each id to its final community.
    let mut target: Vec<u32> = (0..n as u32).collect();
    for m in merges {
        target[m.absorbed as usize] = m.into;
    }
    for id in (0..n).rev() {
        let next = target[id] as usize;
        if next != id {
            target[id] = target[next];
        }
    }
    let mut size = vec![0usize; n];
    for &t in &target {
        size[t as usize] += 1;
    }
    let mut ids: Vec<u32> = (0..n as u32)
        .filter(|&id| target[id as usize] == id)
        .collect();
    ids.sort_by_key(|&id| std::cmp::Reverse(size[id as usize]));
    let mut slot = vec![0usize; n];
    for (k, &id) in ids.iter().enumerate() {
        slot[id as usize] = k;
    }
    let mut communities: Vec<Vec<u32>> = ids
        .iter()
        .map(|&id| Vec::with_capacity(size[id as usize]))
        .collect();
    for (node, &t) in target.iter().enumerate() {
        communities[slot[t as usize]].push(node as u32);
    }
    (communities, ids)
}

/// Each wanted community's `frozenset` as networkx builds it:
/// `frozenset([n])` per node, then `frozenset(communities[u] |
/// communities[v])` per merge (a copy of `u`'s set first). The original
/// walks these sets (to list members, and inside `modularity`), so their
/// table order decides its tie-breaks and summation orders. Only merges
/// inside wanted communities are replayed; the others get `None`.
pub(super) fn frozensets(run: &CnmRun, wanted: &[bool]) -> Vec<Option<PySet>> {
    let n: usize = run.communities.iter().map(Vec::len).sum();
    let mut community_of = vec![0usize; n];
    for (c, members) in run.communities.iter().enumerate() {
        for &v in members {
            community_of[v as usize] = c;
        }
    }
    let mut sets: Vec<Option<PySet>> = (0..n).map(|_| None).collect();
    let singleton = |v: u32| PySet::from_adds([v]);
    for m in &run.merges {
        if !wanted[community_of[m.into as usize]] {
            continue;
        }
        let absorbed = sets[m.absorbed as usize]
            .take()
            .unwrap_or_else(|| singleton(m.absorbed));
        let into = sets[m.into as usize]
            .take()
            .unwrap_or_else(|| singleton(m.into));
        sets[m.into as usize] = Some(PySet::union(&absorbed, &into));
    }
    run.ids
        .iter()
        .enumerate()
        .map(|(c, &id)| {
            wanted[c].then(|| sets[id as usize].take().unwrap_or_else(|| singleton(id)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> CsrGraph {
        CsrGraph::unweighted(n, edges)
    }

    // Expected partitions printed by networkx 3.4.2
    // (`greedy_modularity_communities(G)` on the same graphs).
    #[test]
    fn two_triangles_joined_by_a_bridge() {
        let g = graph(6, &[(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (3, 5), (4, 5)]);
        assert_eq!(
            greedy_modularity_communities(&g, 1.0),
            vec![vec![0, 1, 2], vec![3, 4, 5]]
        );
    }

    #[test]
    fn first_merge_is_the_lowest_pair_among_ties() {
        // Path 0-1-2-3: the two end pairs tie at dq = 2/9 ahead of the
        // middle pair; networkx merges 0 into 1, then 2 into 3, then stops
        // because the last merge would have dq = -1/6.
        let g = graph(4, &[(0, 1), (1, 2), (2, 3)]);
        let run = run(&g, 1.0);
        assert_eq!(run.communities, vec![vec![0, 1], vec![2, 3]]);
        assert_eq!(run.ids, vec![1, 3]);
        let pairs: Vec<(u32, u32)> = run.merges.iter().map(|m| (m.absorbed, m.into)).collect();
        assert_eq!(pairs, vec![(0, 1), (2, 3)]);
        assert!(run.merges.iter().all(|m| m.dq == 0.2222222222222222));
    }

    #[test]
    fn isolated_nodes_and_self_loops_stay_apart() {
        // networkx: [frozenset({0, 1, 2}), frozenset({3}), frozenset({4})]
        let g = graph(5, &[(0, 1), (1, 2), (0, 2), (3, 3)]);
        assert_eq!(
            greedy_modularity_communities(&g, 1.0),
            vec![vec![0, 1, 2], vec![3], vec![4]]
        );
    }

    #[test]
    fn edgeless_and_null_graphs() {
        assert_eq!(
            greedy_modularity_communities(&graph(3, &[]), 1.0),
            vec![vec![0], vec![1], vec![2]]
        );
        assert!(greedy_modularity_communities(&graph(0, &[]), 1.0).is_empty());
    }

    #[test]
    fn low_resolution_merges_everything_connected() {
        // networkx, resolution=0.0: every merge has dq > 0, so each
        // component ends as one community: [{0, 1, 2, 3}, {4, 5}].
        let g = graph(6, &[(0, 1), (1, 2), (2, 3), (4, 5)]);
        assert_eq!(
            greedy_modularity_communities(&g, 0.0),
            vec![vec![0, 1, 2, 3], vec![4, 5]]
        );
    }
}
