//! Ward agglomerative clustering: the twin of scikit-learn 1.6.1's
//! `AgglomerativeClustering(n_clusters=k)` (linkage `"ward"`, euclidean, no
//! connectivity), which builds the full tree with scipy 1.15's
//! `hierarchy.ward` and cuts it with sklearn's `_hc_cut`.
//!
//! The target is the *same partition with the same label numbers*, not merely
//! an equivalent one. Ward's nearest-neighbour chain is only deterministic up
//! to floating-point ties (duplicate rows make many), and which pair wins a
//! tie depends on the exact bits of every Lance–Williams update. So this twin
//! replays scipy's arithmetic operation for operation:
//!
//! - leaf distances are `sqrt(Σ_c (a_c − b_c)²)`, summed over the columns in
//!   order from `0.0` (scipy's `pdist` euclidean kernel);
//! - the ward update is scipy's `_ward` with its evaluation order;
//! - the chain walks candidates in ascending position, keeps the first strict
//!   minimum and prefers the previous chain element on a tie (`nn_chain`);
//! - merges are stably sorted by height and relabelled with scipy's
//!   union-find (`label`), then cut with sklearn's heap walk (`_hc_cut`).
//!
//! What differs is the memory layout, which is where scipy's time goes: scipy
//! keeps a condensed triangle and reads half of every scan down a column (a
//! cache miss per element). Here the working matrix is square and symmetric,
//! so every scan is one contiguous row, and it is compacted to the live
//! clusters whenever half of them have merged. Dead columns and the diagonal
//! hold `+∞`, so a scan is a branch-free minimum over the row. The price is
//! `n²` doubles (3.2 GB at 20 000 rows) where scipy holds two condensed
//! copies (`n²` doubles as well).

use super::Matrix;
use thiserror::Error;

/// Why a ward clustering could not be computed.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum WardError {
    /// sklearn's `AgglomerativeClustering.fit` requires two samples.
    #[error("ward clustering needs at least 2 rows, got {rows}")]
    TooFewRows { rows: usize },
    /// sklearn's parameter validation requires `n_clusters >= 1`.
    #[error("n_clusters must be at least 1")]
    ZeroClusters,
    /// sklearn's `_hc_cut` raises the same condition.
    #[error("cannot extract {n_clusters} clusters from a tree with {n_leaves} leaves")]
    TooManyClusters { n_clusters: usize, n_leaves: usize },
    /// sklearn's input validation rejects NaN and infinities.
    #[error("input value at row {row}, column {col} is not finite")]
    NonFinite { row: usize, col: usize },
    /// scipy rejects a condensed matrix with non-finite distances; finite
    /// inputs reach it when a squared difference overflows.
    #[error("the distance between rows {a} and {b} overflows f64")]
    DistanceOverflow { a: usize, b: usize },
    /// The square working matrix (`rows²` doubles) could not be allocated.
    #[error("the {rows} x {rows} distance matrix does not fit in memory")]
    TooLarge { rows: usize },
    /// A Lance–Williams update left no finite candidate (only reachable when
    /// squares of finite distances overflow); scipy would return garbage.
    #[error("no finite ward distance left at merge {merge}")]
    NoFiniteNeighbour { merge: usize },
}

/// The full ward tree in sklearn's `children_` convention: merge `k` joins
/// `children[k][0] < children[k][1]` into node `n_leaves + k`; ids below
/// `n_leaves` are rows. `heights[k]` is scipy's merge height (the ward
/// distance, sklearn's `distances_`), non-decreasing.
///
/// Invariant: `children.len() == heights.len() == n_leaves - 1`, and the
/// merges form one binary tree whose root is node `2 * n_leaves - 2`.
#[derive(Debug, Clone, PartialEq)]
pub struct WardTree {
    n_leaves: usize,
    children: Vec<[usize; 2]>,
    heights: Vec<f64>,
}

impl WardTree {
    /// Number of rows the tree was built on.
    pub fn n_leaves(&self) -> usize {
        self.n_leaves
    }

    /// The merges, sklearn's `children_`.
    pub fn children(&self) -> &[[usize; 2]] {
        &self.children
    }

    /// The merge heights, scipy's `Z[:, 2]`.
    pub fn heights(&self) -> &[f64] {
        &self.heights
    }

    /// Cuts the tree into `n_clusters` flat clusters numbered as sklearn's
    /// `_hc_cut` numbers them: repeatedly split the highest remaining node,
    /// keeping nodes in a binary heap, and number the final nodes by their
    /// position in the heap's array (not by size or by row order).
    pub fn cut(&self, n_clusters: usize) -> Result<Vec<usize>, WardError> {
        if n_clusters == 0 {
            return Err(WardError::ZeroClusters);
        }
        if n_clusters > self.n_leaves {
            return Err(WardError::TooManyClusters {
                n_clusters,
                n_leaves: self.n_leaves,
            });
        }
        let nodes = self.cut_nodes(n_clusters);
        Ok(self.label_descendants(&nodes))
    }

    /// sklearn's heap walk. Python's `heapq` is a min-heap, so sklearn stores
    /// negated node ids to pop the highest node first; [`MaxHeap`] keeps the
    /// ids positive and flips the comparison, which leaves the array order
    /// (and so the labels) identical.
    fn cut_nodes(&self, n_clusters: usize) -> Vec<usize> {
        let last = self.children[self.n_leaves - 2];
        let mut heap = MaxHeap {
            items: vec![last[0].max(last[1]) + 1],
        };
        for _ in 1..n_clusters {
            // With fewer nodes than leaves the highest node is a merge, so
            // this index is in range (`cut` checked n_clusters <= n_leaves).
            let split = self.children[heap.items[0] - self.n_leaves];
            heap.push(split[0]);
            heap.push_pop(split[1]);
        }
        heap.items
    }

    /// Label `i` for every row under `nodes[i]` (sklearn's
    /// `_hc_get_descendent`); the nodes partition the rows.
    fn label_descendants(&self, nodes: &[usize]) -> Vec<usize> {
        let mut labels = vec![0; self.n_leaves];
        let mut stack = Vec::new();
        for (label, &node) in nodes.iter().enumerate() {
            stack.push(node);
            while let Some(id) = stack.pop() {
                if id < self.n_leaves {
                    labels[id] = label;
                } else {
                    stack.extend(self.children[id - self.n_leaves]);
                }
            }
        }
        labels
    }
}

/// A fitted `AgglomerativeClustering(n_clusters, linkage="ward")`.
#[derive(Debug, Clone, PartialEq)]
pub struct WardClustering {
    /// sklearn's `labels_`, in `0..n_clusters`.
    pub labels: Vec<usize>,
    /// The full tree the labels were cut from.
    pub tree: WardTree,
}

/// sklearn's `AgglomerativeClustering(n_clusters=n_clusters).fit(x)`:
/// full ward tree, then the `_hc_cut` labels.
pub fn agglomerative_ward(x: &Matrix, n_clusters: usize) -> Result<WardClustering, WardError> {
    if n_clusters == 0 {
        return Err(WardError::ZeroClusters);
    }
    if n_clusters > x.rows() && x.rows() >= 2 {
        return Err(WardError::TooManyClusters {
            n_clusters,
            n_leaves: x.rows(),
        });
    }
    let tree = ward_tree(x)?;
    let labels = tree.cut(n_clusters)?;
    Ok(WardClustering { labels, tree })
}

/// scipy's `hierarchy.ward(x)` as sklearn's `ward_tree` returns it: the full
/// tree with merge heights. One thread; `O(rows²)` memory.
pub fn ward_tree(x: &Matrix) -> Result<WardTree, WardError> {
    let n = x.rows();
    if n < 2 {
        return Err(WardError::TooFewRows { rows: n });
    }
    check_finite(x)?;
    let mut dis = Dissimilarity::new(x)?;
    let merges = nn_chain(&mut dis, n)?;
    Ok(relabel(merges, n))
}

fn check_finite(x: &Matrix) -> Result<(), WardError> {
    match x.as_slice().iter().position(|v| !v.is_finite()) {
        Some(at) => Err(WardError::NonFinite {
            row: at / x.cols().max(1),
            col: at % x.cols().max(1),
        }),
        None => Ok(()),
    }
}

/// scipy's `_ward` Lance–Williams update: the ward distance from cluster `i`
/// to the union of `x` and `y`. The operations and their order are scipy's
/// (integer sums converted once, products left to right), because the
/// chain's tie-breaking depends on the exact bits.
#[inline]
fn ward_update(d_xi: f64, d_yi: f64, d_xy: f64, size_x: u32, size_y: u32, size_i: u32) -> f64 {
    let t = 1.0 / f64::from(size_x + size_y + size_i);
    (f64::from(size_i + size_x) * t * d_xi * d_xi + f64::from(size_i + size_y) * t * d_yi * d_yi
        - f64::from(size_i) * t * d_xy * d_xy)
        .sqrt()
}

/// One merge as the chain finds it: the two *positions* (original row ids
/// whose slots hold the clusters; scipy's convention, `a < b`) and the height.
#[derive(Debug, Clone, Copy)]
struct RawMerge {
    a: usize,
    b: usize,
    height: f64,
}

/// The ward distances between live clusters, indexed by slot (scipy's
/// positions: slot `p` holds the cluster that contains input row `p` and was
/// formed last), one row per live cluster that has been looked at.
///
/// Why not scipy's matrix: a merge changes one row *and* one column of the
/// symmetric matrix, and a column costs a cache line and a TLB miss per live
/// cluster; with `n²` doubles the page faults alone are most of scipy's time
/// at 20 000 rows. Here a merge rewrites only its own row, and a row catches
/// up on the columns it missed ("sync") only when it is about to be read,
/// for just the clusters formed since it last did. Input rows get their row
/// only when the chain first reaches them; until then their distances to
/// other input rows are computed on demand and their distances to merged
/// clusters live in those clusters' rows. Rows of dead clusters are reused.
///
/// Invariants: `size[p] == 0` iff slot `p` is dead, and then `penalty[p] ==
/// +∞` (else `0.0`), which added to a row entry hides a dead slot from a row
/// minimum without a branch; `live` lists the live slots ascending (scipy's
/// scan order, hence its tie order); `stamp[p]` is the merge count at which
/// the cluster in slot `p` was formed (0 for an input row) and `formed[t - 1]`
/// is the slot formed at merge `t`; every formed live cluster has a row
/// (`row_of`); a row of slot `p` holds at index `q` the current distance to
/// every live `q != p` with `stamp[q] <= synced[p]`, and `+∞` at `p`.
#[derive(Debug)]
struct Dissimilarity<'a> {
    points: &'a Matrix,
    columns: Vec<Vec<f64>>,
    rows: Vec<Vec<f64>>,
    free: Vec<usize>,
    row_of: Vec<Option<usize>>,
    size: Vec<u32>,
    penalty: Vec<f64>,
    live: Vec<usize>,
    stamp: Vec<usize>,
    synced: Vec<usize>,
    formed: Vec<usize>,
}

/// Lanes of the vectorised loops: enough for the compiler to fill SIMD
/// registers and hide latency, few enough to stay in registers.
const LANES: usize = 8;

impl<'a> Dissimilarity<'a> {
    /// No distances yet; fails as scipy's `linkage` does when any leaf
    /// distance overflows.
    fn new(points: &'a Matrix) -> Result<Self, WardError> {
        check_leaf_distances(points)?;
        let n = points.rows();
        Ok(Dissimilarity {
            points,
            columns: transpose(points),
            rows: Vec::new(),
            free: Vec::new(),
            row_of: vec![None; n],
            size: vec![1; n],
            penalty: vec![0.0; n],
            live: (0..n).collect(),
            stamp: vec![0; n],
            synced: vec![0; n],
            formed: Vec::with_capacity(n),
        })
    }

    /// The row of live slot `p`, synced: built on first use, else brought
    /// up to date. Returns its index in `rows`.
    fn synced_row(&mut self, p: usize) -> Result<usize, WardError> {
        match self.row_of[p] {
            Some(r) => {
                self.sync(p, r);
                Ok(r)
            }
            None => self.build_row(p),
        }
    }

    /// First row of input row `p` (never merged, so `stamp[p] == 0`): leaf
    /// distances to the input rows, then the merged clusters' columns.
    fn build_row(&mut self, p: usize) -> Result<usize, WardError> {
        let r = self.take_buffer()?;
        let mut row = std::mem::take(&mut self.rows[r]);
        let point = self.points.row(p);
        if 4 * self.live.len() < row.len() {
            for &q in &self.live {
                row[q] = leaf_distance(point, self.points.row(q));
            }
        } else {
            leaf_row(&self.columns, point, &mut row);
        }
        row[p] = f64::INFINITY;
        self.for_each_formed_since(0, |q| {
            if let Some(rq) = self.row_of[q] {
                row[q] = self.rows[rq][p];
            }
        });
        self.rows[r] = row;
        self.row_of[p] = Some(r);
        self.synced[p] = self.formed.len();
        Ok(r)
    }

    /// A free row buffer of `n` values, reused or newly allocated.
    fn take_buffer(&mut self) -> Result<usize, WardError> {
        if let Some(r) = self.free.pop() {
            return Ok(r);
        }
        let n = self.points.rows();
        let mut buffer = Vec::new();
        buffer
            .try_reserve_exact(n)
            .map_err(|_| WardError::TooLarge { rows: n })?;
        buffer.resize(n, 0.0);
        self.rows.push(buffer);
        Ok(self.rows.len() - 1)
    }

    /// Copies into row `r` of slot `p` the distances to the clusters formed
    /// since its last sync, from their own rows.
    fn sync(&mut self, p: usize, r: usize) {
        let since = self.synced[p];
        let mut row = std::mem::take(&mut self.rows[r]);
        self.for_each_formed_since(since, |q| {
            if let Some(rq) = self.row_of[q] {
                row[q] = self.rows[rq][p];
            }
        });
        self.rows[r] = row;
        self.synced[p] = self.formed.len();
    }

    /// Calls `f` on every live slot whose cluster was formed after merge
    /// `since`, walking the merge log or the live list, whichever is shorter.
    fn for_each_formed_since(&self, since: usize, mut f: impl FnMut(usize)) {
        let now = self.formed.len();
        if now - since <= self.live.len() {
            for t in since + 1..=now {
                let q = self.formed[t - 1];
                if self.stamp[q] == t && self.size[q] > 0 {
                    f(q);
                }
            }
        } else {
            for &q in &self.live {
                if self.stamp[q] > since {
                    f(q);
                }
            }
        }
    }

    /// The smallest distance in synced row `r` over live slots and the first
    /// slot holding it: scipy keeps the first strict minimum.
    fn row_min(&self, r: usize) -> (usize, f64) {
        let row = &self.rows[r];
        if 3 * self.live.len() < row.len() {
            return self.live_min(row);
        }
        let masked = row.iter().zip(&self.penalty).map(|(&d, &m)| d + m);
        let mut lanes = [f64::INFINITY; LANES];
        for (dist, pen) in row
            .chunks_exact(LANES)
            .zip(self.penalty.chunks_exact(LANES))
        {
            for ((m, &d), &q) in lanes.iter_mut().zip(dist).zip(pen) {
                let v = d + q;
                *m = if v < *m { v } else { *m };
            }
        }
        let done = row.len() - row.len() % LANES;
        let min = lanes
            .into_iter()
            .chain(masked.clone().skip(done))
            .fold(f64::INFINITY, |m, v| if v < m { v } else { m });
        let at = masked.clone().position(|v| v == min).unwrap_or(usize::MAX);
        (at, min)
    }

    /// [`Self::row_min`] through the live list, cheaper than the full
    /// vectorised row once most slots are dead.
    fn live_min(&self, row: &[f64]) -> (usize, f64) {
        let mut best = (usize::MAX, f64::INFINITY);
        for &q in &self.live {
            if row[q] < best.1 {
                best = (q, row[q]);
            }
        }
        best
    }

    /// Merges slots `x < y` at `height`: `y` becomes the union and its row
    /// gets scipy's update for every live slot; `x` dies and frees its row.
    fn merge(&mut self, x: usize, y: usize, height: f64) -> Result<(), WardError> {
        let rx = self.synced_row(x)?;
        let ry = self.synced_row(y)?;
        let (size_x, size_y) = (self.size[x], self.size[y]);
        self.size[x] = 0;
        self.size[y] = size_x + size_y;
        self.penalty[x] = f64::INFINITY;
        if let Ok(at) = self.live.binary_search(&x) {
            self.live.remove(at);
        }
        let row_x = std::mem::take(&mut self.rows[rx]);
        let row_y = &mut self.rows[ry];
        for &i in &self.live {
            if i != y {
                row_y[i] = ward_update(row_x[i], row_y[i], height, size_x, size_y, self.size[i]);
            }
        }
        self.rows[rx] = row_x;
        self.free.push(rx);
        self.row_of[x] = None;
        self.formed.push(y);
        self.stamp[y] = self.formed.len();
        self.synced[y] = self.formed.len();
        Ok(())
    }
}

/// scipy refuses non-finite leaf distances. Every computed squared distance
/// is at most the (identically rounded) squared diagonal of the bounding
/// box, since rounding is monotone; only when that overflows are the pairs
/// checked one by one, in scipy's order.
fn check_leaf_distances(x: &Matrix) -> Result<(), WardError> {
    let n = x.rows();
    let diagonal = (0..x.cols()).fold(0.0, |acc, c| {
        let (lo, hi) = (0..n).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), i| {
            (lo.min(x.row(i)[c]), hi.max(x.row(i)[c]))
        });
        let span = hi - lo;
        acc + span * span
    });
    if diagonal.is_finite() {
        return Ok(());
    }
    for a in 0..n {
        for b in a + 1..n {
            if !leaf_distance(x.row(a), x.row(b)).is_finite() {
                return Err(WardError::DistanceOverflow { a, b });
            }
        }
    }
    Ok(())
}

/// scipy's `pdist` euclidean distance: `sqrt(Σ_c (a_c − b_c)²)` summed over
/// the columns in order from `0.0`. `(a−b)²` and `(b−a)²` are the same bits,
/// so it is symmetric.
#[inline]
fn leaf_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0, |acc, (&u, &v)| {
            let diff = v - u;
            acc + diff * diff
        })
        .sqrt()
}

/// [`leaf_distance`] from `point` to every input row, [`LANES`] rows at a
/// time over the column-major copy; each lane sums in column order, so the
/// bits are those of [`leaf_distance`].
fn leaf_row(columns: &[Vec<f64>], point: &[f64], out: &mut [f64]) {
    for (start, chunk) in (0..).step_by(LANES).zip(out.chunks_mut(LANES)) {
        let mut acc = [0.0_f64; LANES];
        for (col, &v) in columns.iter().zip(point) {
            for (a, &b) in acc.iter_mut().zip(&col[start..start + chunk.len()]) {
                let diff = b - v;
                *a += diff * diff;
            }
        }
        for (o, a) in chunk.iter_mut().zip(acc) {
            *o = a.sqrt();
        }
    }
}

/// Column-major copy of `x`, so distances from one row to many are computed
/// lane-wise.
fn transpose(x: &Matrix) -> Vec<Vec<f64>> {
    (0..x.cols())
        .map(|c| (0..x.rows()).map(|r| x.row(r)[c]).collect())
        .collect()
}

/// scipy's `nn_chain`: grow a chain of nearest neighbours until its last two
/// elements are each other's nearest, merge them, and continue from what is
/// left of the chain. Ward is reducible, so the merges are the ward tree.
fn nn_chain(dis: &mut Dissimilarity, n: usize) -> Result<Vec<RawMerge>, WardError> {
    let mut merges = Vec::with_capacity(n - 1);
    let mut chain: Vec<usize> = Vec::with_capacity(n);
    for merge in 0..n - 1 {
        if chain.is_empty() {
            chain.push(dis.live[0]);
        }
        let (x, y, height) = grow_chain(dis, &mut chain, merge)?;
        let (a, b) = (x.min(y), x.max(y));
        merges.push(RawMerge { a, b, height });
        dis.merge(a, b, height)?;
    }
    Ok(merges)
}

/// Extends `chain` until its top two are reciprocal nearest neighbours, pops
/// them and returns them with their distance. The previous chain element
/// wins ties, as in scipy, which is what guarantees termination.
fn grow_chain(
    dis: &mut Dissimilarity,
    chain: &mut Vec<usize>,
    merge: usize,
) -> Result<(usize, usize, f64), WardError> {
    loop {
        let x = *chain.last().ok_or(WardError::NoFiniteNeighbour { merge })?;
        let r = dis.synced_row(x)?;
        let (nearest, min) = dis.row_min(r);
        if !min.is_finite() {
            return Err(WardError::NoFiniteNeighbour { merge });
        }
        if let Some(&prev) = chain.len().checked_sub(2).and_then(|at| chain.get(at)) {
            let to_prev = dis.rows[r][prev];
            if to_prev <= min {
                chain.truncate(chain.len() - 2);
                return Ok((x, prev, to_prev));
            }
        }
        chain.push(nearest);
    }
}

/// scipy's post-processing: a stable sort by height, then a union-find pass
/// that renames each merge's positions to the ids of the clusters holding
/// them (a leaf `i` or node `n + k`), smaller id first.
fn relabel(mut merges: Vec<RawMerge>, n: usize) -> WardTree {
    merges.sort_by(|a, b| {
        a.height
            .partial_cmp(&b.height)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut forest = UnionFind::new(2 * n - 1);
    let mut children = Vec::with_capacity(n - 1);
    let mut heights = Vec::with_capacity(n - 1);
    for (k, m) in merges.iter().enumerate() {
        let (ra, rb) = (forest.find(m.a), forest.find(m.b));
        children.push([ra.min(rb), ra.max(rb)]);
        heights.push(m.height);
        forest.join(ra, rb, n + k);
    }
    WardTree {
        n_leaves: n,
        children,
        heights,
    }
}

/// Union-find over tree nodes where the root of a set is the id of the
/// latest node built from it (scipy's `LinkageUnionFind`).
#[derive(Debug)]
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(len: usize) -> Self {
        UnionFind {
            parent: (0..len).collect(),
        }
    }

    fn find(&mut self, x: usize) -> usize {
        let mut root = x;
        while self.parent[root] != root {
            root = self.parent[root];
        }
        let mut p = x;
        while self.parent[p] != root {
            p = std::mem::replace(&mut self.parent[p], root);
        }
        root
    }

    fn join(&mut self, a: usize, b: usize, node: usize) {
        self.parent[a] = node;
        self.parent[b] = node;
    }
}

/// Python's `heapq` on negated ids, replayed on positive ids with the
/// comparison flipped: same sift paths, same array order.
#[derive(Debug)]
struct MaxHeap {
    items: Vec<usize>,
}

impl MaxHeap {
    /// `heapq.heappush`.
    fn push(&mut self, item: usize) {
        self.items.push(item);
        self.sift_down(0, self.items.len() - 1);
    }

    /// `heapq.heappushpop`: pushes `item` then pops the top, without a push
    /// when `item` would be the top itself.
    fn push_pop(&mut self, item: usize) -> usize {
        match self.items.first() {
            Some(&top) if top > item => {
                self.items[0] = item;
                self.sift_up(0);
                top
            }
            _ => item,
        }
    }

    /// heapq's `_siftdown`: moves the item at `pos` towards `start` while it
    /// beats its parent.
    fn sift_down(&mut self, start: usize, mut pos: usize) {
        let item = self.items[pos];
        while pos > start {
            let parent = (pos - 1) >> 1;
            if item > self.items[parent] {
                self.items[pos] = self.items[parent];
                pos = parent;
            } else {
                break;
            }
        }
        self.items[pos] = item;
    }

    /// heapq's `_siftup`: bubbles the smaller-child path up to a leaf, then
    /// sifts the item back down (Floyd's trick, which fixes the array order).
    fn sift_up(&mut self, mut pos: usize) {
        let end = self.items.len();
        let start = pos;
        let item = self.items[pos];
        let mut child = 2 * pos + 1;
        while child < end {
            let right = child + 1;
            if right < end && self.items[child] <= self.items[right] {
                child = right;
            }
            self.items[pos] = self.items[child];
            pos = child;
            child = 2 * pos + 1;
        }
        self.items[pos] = item;
        self.sift_down(start, pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: &[&[f64]]) -> Matrix {
        let cols = rows.first().map_or(0, |r| r.len());
        let data = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Matrix::new(rows.len(), cols, data).expect("rectangular test matrix")
    }

    fn assert_tree(tree: &WardTree, children: &[[usize; 2]], heights: &[f64]) {
        assert_eq!(tree.children(), children);
        for (got, want) in tree.heights().iter().zip(heights) {
            assert!((got - want).abs() <= 1e-12 * want.abs(), "{got} vs {want}");
        }
    }

    /// sklearn's `ward_tree` docstring example: ties everywhere (five pairs
    /// at distance 2), heights by hand: 2, 2, √12, √12, √27.
    #[test]
    fn docstring_example_matches_sklearn() {
        let x = matrix(&[
            &[1., 2.],
            &[1., 4.],
            &[1., 0.],
            &[4., 2.],
            &[4., 4.],
            &[4., 0.],
        ]);
        let tree = ward_tree(&x).expect("tree");
        let (r12, r27) = (12f64.sqrt(), 27f64.sqrt());
        assert_tree(
            &tree,
            &[[0, 1], [3, 5], [2, 6], [4, 7], [8, 9]],
            &[2.0, 2.0, r12, r12, r27],
        );
        let labels = |k| tree.cut(k).expect("cut");
        assert_eq!(labels(1), [0, 0, 0, 0, 0, 0]);
        assert_eq!(labels(2), [1, 1, 1, 0, 0, 0]);
        assert_eq!(labels(3), [0, 0, 0, 1, 2, 1]);
        assert_eq!(labels(4), [1, 1, 3, 0, 2, 0]);
        assert_eq!(labels(5), [0, 0, 3, 4, 2, 1]);
        assert_eq!(labels(6), [5, 4, 3, 1, 2, 0]);
    }

    /// Duplicate rows merge at height 0 in scipy's tie order; heights by
    /// hand: √(2·3·2/5)·1 and √(2·5·1/6)·‖(4.6, 5)‖.
    #[test]
    fn duplicate_rows_match_sklearn() {
        let x = matrix(&[
            &[0., 0.],
            &[5., 5.],
            &[0., 0.],
            &[1., 0.],
            &[0., 0.],
            &[1., 0.],
        ]);
        let fit = agglomerative_ward(&x, 3).expect("fit");
        assert_tree(
            &fit.tree,
            &[[0, 2], [3, 5], [4, 6], [7, 8], [1, 9]],
            &[0.0, 0.0, 0.0, 2.4f64.sqrt(), (5.0 / 3.0 * 46.16f64).sqrt()],
        );
        assert_eq!(fit.labels, [0, 1, 0, 2, 0, 2]);
        assert_eq!(fit.tree.cut(4).expect("cut"), [2, 3, 2, 0, 1, 0]);
        assert_eq!(fit.tree.cut(5).expect("cut"), [0, 3, 0, 4, 1, 2]);
    }

    /// One column; `k = 1` puts everything in cluster 0 and `k = n` numbers
    /// the rows in the heap's order, not the rows' order.
    #[test]
    fn single_column_and_extreme_k_match_sklearn() {
        let x = matrix(&[&[0.], &[1.], &[3.], &[7.], &[15.], &[16.]]);
        let tree = ward_tree(&x).expect("tree");
        // Heights by hand: {0,1}, {15,16}, 3 vs {0,1}, 7 vs {0,1,3}, then
        // {0,1,3,7} vs {15,16}: √(2·|A||B|/(|A|+|B|))·|c_A − c_B|.
        let ward = |a: f64, b: f64, gap: f64| (2.0 * a * b / (a + b)).sqrt() * gap;
        assert_eq!(tree.children(), [[0, 1], [4, 5], [2, 6], [3, 8], [7, 9]]);
        let hand = [
            1.0,
            1.0,
            ward(1., 2., 2.5),
            ward(1., 3., 7. - 4. / 3.),
            ward(4., 2., 12.75),
        ];
        for (got, want) in tree.heights().iter().zip(hand) {
            assert!((got - want).abs() <= 1e-12 * want, "{got} vs {want}");
        }
        assert_eq!(tree.cut(1).expect("cut"), [0; 6]);
        assert_eq!(tree.cut(2).expect("cut"), [0, 0, 0, 0, 1, 1]);
        assert_eq!(tree.cut(4).expect("cut"), [1, 1, 3, 2, 0, 0]);
        assert_eq!(tree.cut(6).expect("cut"), [5, 4, 3, 2, 1, 0]);
    }

    #[test]
    fn two_rows_make_one_merge() {
        let x = matrix(&[&[0., 0.], &[3., 4.]]);
        let fit = agglomerative_ward(&x, 2).expect("fit");
        assert_tree(&fit.tree, &[[0, 1]], &[5.0]);
        assert_eq!(fit.labels, [1, 0]);
    }

    #[test]
    fn invalid_inputs_are_typed_errors() {
        let one = matrix(&[&[1., 2.]]);
        assert_eq!(ward_tree(&one), Err(WardError::TooFewRows { rows: 1 }));
        let x = matrix(&[&[0.], &[1.], &[2.]]);
        assert_eq!(agglomerative_ward(&x, 0), Err(WardError::ZeroClusters));
        assert_eq!(
            agglomerative_ward(&x, 4),
            Err(WardError::TooManyClusters {
                n_clusters: 4,
                n_leaves: 3
            })
        );
        let nan = matrix(&[&[0., 1.], &[f64::NAN, 2.]]);
        assert_eq!(
            ward_tree(&nan),
            Err(WardError::NonFinite { row: 1, col: 0 })
        );
        let huge = matrix(&[&[-1e154], &[0.], &[1e154]]);
        assert_eq!(
            ward_tree(&huge),
            Err(WardError::DistanceOverflow { a: 0, b: 2 })
        );
    }

    /// Deterministic pseudo-random rows (a 64-bit LCG), `levels` distinct
    /// values per column: few levels make many duplicate rows and ties.
    fn lcg_matrix(rows: usize, cols: usize, levels: u64, seed: u64) -> Matrix {
        let mut state = seed;
        let data = (0..rows * cols)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) % levels) as f64 / levels as f64 - 0.5
            })
            .collect();
        Matrix::new(rows, cols, data).expect("shape")
    }

    /// scipy's `nn_chain` written the direct way, on the full matrix with
    /// eager Lance–Williams updates: the lazy rows must give the same bits.
    fn reference_tree(x: &Matrix) -> WardTree {
        let n = x.rows();
        let mut d: Vec<Vec<f64>> = (0..n)
            .map(|i| (0..n).map(|j| leaf_distance(x.row(i), x.row(j))).collect())
            .collect();
        let mut size = vec![1u32; n];
        let (mut chain, mut merges) = (Vec::new(), Vec::new());
        for _ in 0..n - 1 {
            if chain.is_empty() {
                chain.push((0..n).find(|&i| size[i] > 0).expect("live"));
            }
            let (x, y, h) = loop {
                let x = *chain.last().expect("chain");
                let (mut y, mut min) = (0, f64::INFINITY);
                if chain.len() > 1 {
                    y = chain[chain.len() - 2];
                    min = d[x][y];
                }
                for i in (0..n).filter(|&i| size[i] > 0 && i != x) {
                    if d[x][i] < min {
                        (y, min) = (i, d[x][i]);
                    }
                }
                if chain.len() > 1 && y == chain[chain.len() - 2] {
                    chain.truncate(chain.len() - 2);
                    break (x.min(y), x.max(y), min);
                }
                chain.push(y);
            };
            let (nx, ny) = (size[x], size[y]);
            size[x] = 0;
            size[y] = nx + ny;
            for i in (0..n).filter(|&i| size[i] > 0 && i != y) {
                let v = ward_update(d[i][x], d[i][y], h, nx, ny, size[i]);
                d[i][y] = v;
                d[y][i] = v;
            }
            merges.push(RawMerge {
                a: x,
                b: y,
                height: h,
            });
        }
        relabel(merges, n)
    }

    #[test]
    fn lazy_rows_reproduce_the_eager_algorithm_bit_for_bit() {
        for (rows, cols, levels, seed) in [(300, 3, 4, 1), (300, 2, 1 << 20, 2), (257, 1, 7, 3)] {
            let x = lcg_matrix(rows, cols, levels, seed);
            let tree = ward_tree(&x).expect("tree");
            assert_eq!(tree, reference_tree(&x), "rows={rows} levels={levels}");
            assert!(tree.heights().windows(2).all(|h| h[0] <= h[1]));
        }
    }

    #[test]
    fn every_cut_is_a_partition_into_k_clusters() {
        let x = lcg_matrix(120, 4, 5, 9);
        let tree = ward_tree(&x).expect("tree");
        for k in [1, 2, 7, 119, 120] {
            let labels = tree.cut(k).expect("cut");
            let mut seen = vec![false; k];
            labels.iter().for_each(|&l| seen[l] = true);
            assert!(seen.iter().all(|&s| s), "k={k}");
        }
    }

    /// Differential run against scikit-learn: reads `WARD_IN` (raw
    /// little-endian f64, `WARD_COLS` columns), clusters into `WARD_K`
    /// clusters and writes labels, children and heights (`{:e}` round-trips
    /// exactly) to `WARD_OUT`, then times `WARD_REPS` runs.
    #[test]
    #[ignore = "differential run: needs data files from the Python side"]
    fn differential_against_sklearn() {
        let var = |name: &str| std::env::var(name).expect(name);
        let bytes = std::fs::read(var("WARD_IN")).expect("read WARD_IN");
        let cols: usize = var("WARD_COLS").parse().expect("WARD_COLS");
        let k: usize = var("WARD_K").parse().expect("WARD_K");
        let reps: usize = std::env::var("WARD_REPS").map_or(3, |r| r.parse().expect("WARD_REPS"));
        let data: Vec<f64> = bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        let x = Matrix::new(data.len() / cols, cols, data).expect("shape");
        let fit = agglomerative_ward(&x, k).expect("ward");
        let mut out = String::new();
        for l in &fit.labels {
            out.push_str(&format!("{l}\n"));
        }
        for (c, h) in fit.tree.children().iter().zip(fit.tree.heights()) {
            out.push_str(&format!("{} {} {:e}\n", c[0], c[1], h));
        }
        std::fs::write(var("WARD_OUT"), out).expect("write WARD_OUT");
        let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..reps)
            .map(|_| {
                let (t, c) = (std::time::Instant::now(), thread_cpu_seconds());
                std::hint::black_box(agglomerative_ward(&x, k).expect("ward"));
                (t.elapsed().as_secs_f64(), thread_cpu_seconds() - c)
            })
            .unzip();
        wall.sort_by(f64::total_cmp);
        cpu.sort_by(f64::total_cmp);
        if reps > 0 {
            println!(
                "ward rows={} k={k} median_wall_s={:.4} median_cpu_s={:.4} wall={wall:.4?} cpu={cpu:.4?}",
                x.rows(),
                wall[reps / 2],
                cpu[reps / 2]
            );
        }
    }

    /// On-CPU time of this thread (`/proc/thread-self/schedstat`, first
    /// field, nanoseconds): wall time alone misleads on a shared machine.
    fn thread_cpu_seconds() -> f64 {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
        let ns: f64 = stat
            .split_whitespace()
            .next()
            .expect("field")
            .parse()
            .expect("ns");
        ns / 1e9
    }
}
