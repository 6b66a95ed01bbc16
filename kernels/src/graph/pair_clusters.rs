//! Pair clustering of the Kùzu analytics engine (catalog analytics K27,
//! `KuzuAnalyticsEngine._build_clusters_from_pairs(pairs, min_size)`).
//!
//! The original merges clusters by appending one Python list to another and
//! re-pointing every moved member (O(|moved|) per merge, O(n²) overall, and
//! it always moves the second cluster, whatever the sizes). Here members live
//! in linked lists that are spliced in O(1), and the entity → cluster map is
//! a union–find over cluster indices, so the output — clusters in creation
//! order, members in insertion/merge order — is the original's, in
//! near-linear time.

use super::CsrGraph;

/// Marks "no cluster" / "no slot".
const NONE: u32 = u32::MAX;

/// The benchmark's `min_cluster_size` (the original's default): clusters
/// need this many members.
pub const MIN_CLUSTER_SIZE: usize = 3;
/// The benchmark keeps pairs with `relationship_strength >= 8`.
///
/// The Cypher query filters on its strength (a count of parallel
/// relationships) being at least `min_cluster_size`. The benchmark graphs
/// carry a 1–10 weight per edge instead, used as the strength; with a cut at
/// 3 (80% of the edges) a Barabási–Albert graph is one giant cluster, while
/// "the strongest 30%" (≥ 8) leaves a large cluster and many small ones, so
/// every branch of the merge logic and the size filter is exercised.
pub const STRENGTH_THRESHOLD: f64 = 8.0;

/// The rows the Kùzu query hands to the clustering, built from a graph: one
/// `(entity_a, entity_b)` per undirected edge, self-loops excluded (the
/// query's `a.id < b.id`), with the endpoint whose STRING id `"e{id}"` is
/// smaller first (so 10 precedes 9), kept when its weight (the strength) is
/// not below `min_strength`, ordered by weight descending; equal weights keep
/// canonical edge order (by lower id, then higher id). Python builds the same
/// rows in `engine.pair_clusters_prepare`. Weights must not be NaN (Python
/// would keep such a row and sort it nowhere in particular; here it is
/// dropped).
pub fn pair_rows(graph: &CsrGraph, min_strength: f64) -> Vec<(u32, u32)> {
    let mut rows: Vec<(u32, u32, f64)> = Vec::new();
    for u in 0..graph.node_count() {
        let u32_id = u as u32;
        for (v, weight) in graph.neighbors(u) {
            if v > u32_id && weight >= min_strength {
                let (a, b) = if decimal_less(v, u32_id) {
                    (v, u32_id)
                } else {
                    (u32_id, v)
                };
                rows.push((a, b, weight));
            }
        }
    }
    rows.sort_by(|x, y| y.2.total_cmp(&x.2));
    rows.into_iter().map(|(a, b, _)| (a, b)).collect()
}

/// Whether `a`'s decimal digits sort before `b`'s as strings ("10" < "9").
fn decimal_less(a: u32, b: u32) -> bool {
    fn digits(mut x: u32, buf: &mut [u8; 10]) -> &[u8] {
        let mut at = buf.len();
        loop {
            at -= 1;
            buf[at] = b'0' + (x % 10) as u8;
            x /= 10;
            if x == 0 {
                return &buf[at..];
            }
        }
    }
    let (mut da, mut db) = ([0u8; 10], [0u8; 10]);
    digits(a, &mut da) < digits(b, &mut db)
}

/// Clusters flattened: cluster `i` is `members[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clusters {
    pub members: Vec<u32>,
    /// `len() == cluster count + 1`, `offsets[0] == 0`.
    pub offsets: Vec<usize>,
}

impl Clusters {
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn cluster(&self, i: usize) -> &[u32] {
        &self.members[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// `_build_clusters_from_pairs(pairs, min_size)`: for each `(a, b)` row in
/// order — both unknown: a new cluster `[a, b]` (`[a, a]` for a self-pair);
/// one known: the other appended to its cluster; both known in different
/// clusters: b's cluster's members appended to a's, b's cluster left empty.
/// Returns the clusters with at least `min_size` members (so `min_size` 0
/// also returns the emptied ones), in creation order.
pub fn build_clusters_from_pairs(pairs: &[(u32, u32)], min_size: usize) -> Clusters {
    let entities = pairs
        .iter()
        .map(|&(a, b)| a.max(b) as usize + 1)
        .max()
        .unwrap_or(0);
    let mut state = Merge::new(entities, pairs.len());
    for &(a, b) in pairs {
        state.add_pair(a, b);
    }
    state.into_clusters(min_size)
}

/// Clusters as linked lists of member slots, plus the union–find that maps
/// an entity's first cluster to the cluster now holding it.
struct Merge {
    /// Cluster an entity joined first (`NONE` = unknown entity).
    joined: Vec<u32>,
    /// Union–find over cluster indices; `label[root]` is the index of the
    /// live cluster the set's members are in (the original's map value).
    uf_parent: Vec<u32>,
    uf_size: Vec<u32>,
    label: Vec<u32>,
    /// Per cluster index: first and last slot (`NONE` when empty), length.
    head: Vec<u32>,
    tail: Vec<u32>,
    len: Vec<usize>,
    /// Per slot: the member, and the next slot of the same cluster.
    member: Vec<u32>,
    next: Vec<u32>,
}

impl Merge {
    fn new(entities: usize, pairs: usize) -> Self {
        Self {
            joined: vec![NONE; entities],
            uf_parent: Vec::new(),
            uf_size: Vec::new(),
            label: Vec::new(),
            head: Vec::new(),
            tail: Vec::new(),
            len: Vec::new(),
            member: Vec::with_capacity(pairs + 1),
            next: Vec::with_capacity(pairs + 1),
        }
    }

    /// The original's `entity_map.get(entity)`.
    fn cluster_of(&mut self, entity: u32) -> Option<u32> {
        let first = self.joined[entity as usize];
        if first == NONE {
            return None;
        }
        let mut x = first;
        while self.uf_parent[x as usize] != x {
            let grand = self.uf_parent[self.uf_parent[x as usize] as usize];
            self.uf_parent[x as usize] = grand;
            x = grand;
        }
        Some(self.label[x as usize])
    }

    fn add_pair(&mut self, a: u32, b: u32) {
        match (self.cluster_of(a), self.cluster_of(b)) {
            (None, None) => {
                let c = self.new_cluster();
                self.append(c, a);
                self.append(c, b);
                self.joined[a as usize] = c;
                self.joined[b as usize] = c;
            }
            (Some(c), None) => {
                self.append(c, b);
                self.joined[b as usize] = c;
            }
            (None, Some(c)) => {
                self.append(c, a);
                self.joined[a as usize] = c;
            }
            (Some(ca), Some(cb)) if ca != cb => self.merge(ca, cb),
            (Some(_), Some(_)) => {}
        }
    }

    fn new_cluster(&mut self) -> u32 {
        let c = self.head.len() as u32;
        self.uf_parent.push(c);
        self.uf_size.push(1);
        self.label.push(c);
        self.head.push(NONE);
        self.tail.push(NONE);
        self.len.push(0);
        c
    }

    /// Appends `entity` to live cluster `c`. Live cluster indices are their
    /// own union–find label, so `joined[entity] = c` resolves back to `c`.
    fn append(&mut self, c: u32, entity: u32) {
        let slot = self.member.len() as u32;
        self.member.push(entity);
        self.next.push(NONE);
        let ci = c as usize;
        if self.tail[ci] == NONE {
            self.head[ci] = slot;
        } else {
            self.next[self.tail[ci] as usize] = slot;
        }
        self.tail[ci] = slot;
        self.len[ci] += 1;
    }

    /// `clusters[a].extend(clusters[b])`, members of b re-pointed to a,
    /// `clusters[b] = []`: a splice plus a union labelled `a`.
    fn merge(&mut self, a: u32, b: u32) {
        let (ai, bi) = (a as usize, b as usize);
        if self.head[bi] != NONE {
            if self.tail[ai] == NONE {
                self.head[ai] = self.head[bi];
            } else {
                self.next[self.tail[ai] as usize] = self.head[bi];
            }
            self.tail[ai] = self.tail[bi];
            self.len[ai] += self.len[bi];
            self.head[bi] = NONE;
            self.tail[bi] = NONE;
            self.len[bi] = 0;
        }
        let (ra, rb) = (self.root(a), self.root(b));
        let (big, small) = if self.uf_size[ra as usize] >= self.uf_size[rb as usize] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.uf_parent[small as usize] = big;
        self.uf_size[big as usize] += self.uf_size[small as usize];
        self.label[big as usize] = a;
    }

    fn root(&mut self, mut x: u32) -> u32 {
        while self.uf_parent[x as usize] != x {
            let grand = self.uf_parent[self.uf_parent[x as usize] as usize];
            self.uf_parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    fn into_clusters(self, min_size: usize) -> Clusters {
        let mut members = Vec::with_capacity(self.member.len());
        let mut offsets = vec![0];
        for c in 0..self.head.len() {
            if self.len[c] < min_size {
                continue;
            }
            let mut slot = self.head[c];
            while slot != NONE {
                members.push(self.member[slot as usize]);
                slot = self.next[slot as usize];
            }
            offsets.push(members.len());
        }
        Clusters { members, offsets }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Edge;
    use super::*;

    fn lists(c: &Clusters) -> Vec<Vec<u32>> {
        (0..c.len()).map(|i| c.cluster(i).to_vec()).collect()
    }

    /// Checked with the original's code in Python (ids as "e{i}" strings):
    /// pairs (1,2), (3,4), (5,3), (2,4), (6,7), (4,8), (6,6) with min_size 3
    /// give [["e1","e2","e3","e4","e5","e8"]]; min_size 2 adds ["e6","e7"];
    /// min_size 0 also returns the emptied second cluster.
    #[test]
    fn merge_order_and_filter_match_python() {
        let pairs = [(1, 2), (3, 4), (5, 3), (2, 4), (6, 7), (4, 8), (6, 6)];
        let c = build_clusters_from_pairs(&pairs, 3);
        assert_eq!(lists(&c), vec![vec![1, 2, 3, 4, 5, 8]]);
        let c = build_clusters_from_pairs(&pairs, 2);
        assert_eq!(lists(&c), vec![vec![1, 2, 3, 4, 5, 8], vec![6, 7]]);
        let c = build_clusters_from_pairs(&pairs, 0);
        assert_eq!(lists(&c), vec![vec![1, 2, 3, 4, 5, 8], vec![], vec![6, 7]]);
    }

    /// A self-pair of an unknown entity makes the cluster [a, a] (checked in
    /// Python: `_build_clusters_from_pairs([{a: 1, b: 1}, {a: 1, b: 2}], 3)`
    /// returns [["1", "1", "2"]]).
    #[test]
    fn self_pair_of_new_entity_lists_it_twice() {
        let c = build_clusters_from_pairs(&[(1, 1), (1, 2)], 3);
        assert_eq!(lists(&c), vec![vec![1, 1, 2]]);
    }

    /// Merging a larger cluster into a smaller one keeps the smaller one's
    /// index and member order first; later lookups still find the merged
    /// entities (union–find labels).
    #[test]
    fn repeated_merges_into_smaller_clusters() {
        let pairs = [
            (0, 1),
            (1, 2),
            (2, 3),
            (10, 11),
            (10, 0),
            (20, 21),
            (20, 3),
            (3, 30),
        ];
        let c = build_clusters_from_pairs(&pairs, 1);
        assert_eq!(lists(&c), vec![vec![20, 21, 10, 11, 0, 1, 2, 3, 30]]);
    }

    #[test]
    fn rows_order_by_strength_then_canonical_with_string_ids() {
        let e = |u, v, weight| Edge { u, v, weight };
        let g = CsrGraph::from_undirected_edges(
            12,
            &[
                e(9, 10, 9.0),
                e(1, 2, 8.0),
                e(0, 1, 9.0),
                e(3, 3, 10.0),
                e(2, 4, 2.0),
            ],
        )
        .expect("valid graph");
        assert_eq!(pair_rows(&g, 8.0), vec![(0, 1), (10, 9), (1, 2)]);
        assert!(decimal_less(10, 9) && decimal_less(1, 10) && !decimal_less(7, 7));
    }
}
