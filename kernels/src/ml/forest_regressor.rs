//! scikit-learn's `RandomForestRegressor` (1.6.1): the forecasting engine's
//! ensemble model (catalog ml_monitoring.md K2.4, 50 trees of depth 10) and
//! the AI performance optimizer's lag model (K5.1, 100 unbounded trees).
//!
//! # What is the same as scikit-learn
//! * Each of `n_estimators` trees is grown on a bootstrap sample: `n` row
//!   draws with replacement, a row drawn `k` times weighing `k` (sklearn's
//!   `sample_weight = bincount(indices)`). Rows never drawn are absent.
//! * The best split of a node over *all* features (`max_features = 1.0`)
//!   by the squared-error criterion on the weighted rows: the split
//!   maximising `S_l² / W_l + S_r² / W_r` (sklearn's
//!   `proxy_impurity_improvement`), between two consecutive distinct values
//!   of the feature (values closer than `FEATURE_THRESHOLD = 1e-7` are not
//!   split apart), at their midpoint (or the lower value when the midpoint
//!   rounds up to the upper one); rows `<= threshold` go left. Features are
//!   visited in a random order per node and the first best wins (strict
//!   `>`), so ties are broken at random, as sklearn's Fisher–Yates draw does.
//! * A node is a leaf at `max_depth`, with fewer than 2 rows
//!   (`min_samples_split = 2`, `min_samples_leaf = 1`), when its weighted
//!   variance is at most `f64::EPSILON`, or when every feature is constant
//!   in it. A leaf predicts the weighted mean of its rows' targets.
//! * `predict` sums the trees' predictions in tree order and divides by
//!   `n_estimators`; `feature_importances` are the mean over trees with a
//!   split of each tree's normalised weighted impurity decrease,
//!   renormalised to sum 1.
//!
//! # What differs, and why
//! * The random numbers: xoshiro256++ per tree from `(seed, tree index)`
//!   instead of numpy's MT19937, so the forests are statistically
//!   equivalent, never tree-for-tree equal (compared by in-sample R² and by
//!   the correlation of predictions). Per-tree streams make
//!   [`RandomForestRegressor::fit_parallel`] bit-identical to
//!   [`RandomForestRegressor::fit`].
//! * scikit-learn casts `X` to `float32`; the twin keeps `f64`.
//! * NaN and infinity in `X` or `y` are rejected with a typed error
//!   (sklearn 1.6.1 routes missing values in `X`; the forecasting engine
//!   fills them before the model ever sees one).
//!
//! # How it is fast
//! scikit-learn sorts the rows of every node by every feature (introsort,
//! `O(m log m)` per feature and node). The twin sorts each feature once per
//! fit, shared by all trees, and keeps every node's rows in each feature's
//! order by stable partitioning after a split: a tree level costs one
//! linear scan and one linear partition per feature. The values travel with
//! the row ids, so the scan reads memory in order.

use rayon::prelude::*;
use thiserror::Error;

use super::Matrix;
use super::rng::Xoshiro256pp;

/// scikit-learn's `FEATURE_THRESHOLD` (`sklearn/tree/_partitioner.pxd`).
const FEATURE_THRESHOLD: f64 = 1e-7;
/// scikit-learn's `EPSILON` (`sklearn/tree/_tree.pyx`): a node whose
/// impurity is at most this is pure.
const EPSILON: f64 = f64::EPSILON;
/// Marks a leaf in [`Node::feature`].
const LEAF: u32 = u32::MAX;

/// The parameters the original sets; the rest are scikit-learn's defaults
/// (`criterion='squared_error'`, `max_features=1.0`, `bootstrap=True`,
/// `min_samples_split=2`, `min_samples_leaf=1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForestRegressorParams {
    pub n_estimators: usize,
    /// `None`: grow until every leaf is pure or holds one row.
    pub max_depth: Option<usize>,
    pub seed: u64,
}

impl Default for ForestRegressorParams {
    fn default() -> Self {
        ForestRegressorParams {
            n_estimators: 100,
            max_depth: None,
            seed: 0,
        }
    }
}

/// Why a forest could not be fitted or could not predict.
#[derive(Debug, Clone, Copy, Error, PartialEq)]
pub enum ForestRegressorError {
    #[error("input has {rows} rows and {cols} columns; at least one of each is required")]
    Empty { rows: usize, cols: usize },
    #[error("Input X contains NaN (row {row}, column {col})")]
    NaN { row: usize, col: usize },
    #[error("Input X contains infinity (row {row}, column {col})")]
    Infinite { row: usize, col: usize },
    #[error("Input y contains NaN or infinity (row {row})")]
    Target { row: usize },
    #[error("X has {rows} rows but y has {targets} values")]
    TargetLength { rows: usize, targets: usize },
    #[error("n_estimators must be at least 1")]
    NoEstimators,
    #[error("input is too large for the forest's 32-bit row and node indices")]
    TooLarge,
    #[error("X has {found} features, but the forest was fitted with {expected}")]
    FeatureCount { expected: usize, found: usize },
}

/// A node of a fitted tree. A split sends `x[feature] <= value` to the next
/// node (`index + 1`, depth-first order) and the rest to `right`; a leaf
/// (`feature == LEAF`) predicts `value`.
#[derive(Debug, Clone, Copy)]
struct Node {
    value: f64,
    feature: u32,
    right: u32,
}

#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
    /// Normalised weighted impurity decrease per feature (all zero for a
    /// tree without a split).
    importances: Vec<f64>,
    /// The same tree in heap order, when it is shallow enough.
    complete: Option<Complete>,
}

/// Trees at most this high are also stored complete ([`Complete`]):
/// 2^12 slots × 24 bytes = 96 KiB, within L2…
const MAX_COMPLETE_HEIGHT: u32 = 12;

/// A tree of height `h` stored complete in heap order, so a row descends
/// exactly `h` levels without a branch: split `i ∈ [1, 2^h)` sends a row to
/// `2i + (x[features[i]] > thresholds[i])`, and slot `i ∈ [2^h, 2^(h+1))`
/// is leaf `leaves[i − 2^h]`. A leaf above the last level is continued by
/// pass-through splits (threshold +∞: every finite value goes left) down to
/// a copy of its value.
#[derive(Debug, Clone)]
struct Complete {
    height: u32,
    splits: Vec<Split>,
    leaves: Vec<f64>,
}

/// One split of a [`Complete`] tree: its threshold and feature side by side,
/// so a level costs one load (and one bounds check) for both.
#[derive(Debug, Clone, Copy)]
struct Split {
    threshold: f64,
    feature: u32,
}

impl Complete {
    fn new(nodes: &[Node]) -> Option<Self> {
        let height = depth_of(nodes, 0);
        // …and only when bushy: a deep, sparse tree (an unbounded tree on a
        // few hundred rows: ~250 nodes, 12 levels) would take 4,096 slots,
        // 16 times its nodes, for a predict nobody times. A balanced tree
        // has 2^height − 1 splits and 2^height leaves, so it passes.
        if height > MAX_COMPLETE_HEIGHT || (1usize << height) > 2 * nodes.len() {
            return None;
        }
        let slots = 1usize << height;
        let mut complete = Complete {
            height,
            splits: vec![
                Split {
                    threshold: f64::INFINITY,
                    feature: 0
                };
                slots
            ],
            leaves: vec![0.0; slots],
        };
        complete.fill(nodes, 0, 1, 0);
        Some(complete)
    }

    /// Places node `node` (and its subtree) at heap slot `slot`, `level`
    /// levels below the root.
    fn fill(&mut self, nodes: &[Node], node: usize, slot: usize, level: u32) {
        if level == self.height {
            self.leaves[slot - (1 << self.height)] = nodes[node].value;
            return;
        }
        let n = nodes[node];
        if n.feature == LEAF {
            // Pass-through: threshold stays +∞, the value continues left.
            self.fill(nodes, node, 2 * slot, level + 1);
            return;
        }
        self.splits[slot] = Split {
            threshold: n.value,
            feature: n.feature,
        };
        self.fill(nodes, node + 1, 2 * slot, level + 1);
        self.fill(nodes, n.right as usize, 2 * slot + 1, level + 1);
    }

    /// Adds this tree's prediction of each of `LANES` rows to `sums`. The
    /// rows are `block`, each padded to `stride` values (a power of two no
    /// smaller than the feature count), so `block.len() = LANES · stride`
    /// is a power of two too. The rows descend side by side, so their load
    /// chains overlap; a lane keeps only its slot.
    #[inline]
    fn add_lanes(&self, block: &[f64], stride: usize, sums: &mut [f64]) {
        let mut slot = [1usize; LANES];
        // Slots stay below 2^height = splits.len() until the last level and
        // a lane's feature below `stride`, so both masks change nothing but
        // let the compiler drop the bounds checks.
        let splits = self.splits.as_slice();
        let split_mask = splits.len().wrapping_sub(1);
        let row_mask = block.len().wrapping_sub(1);
        if splits.is_empty() || block.is_empty() {
            return;
        }
        for _ in 0..self.height {
            for (lane, s) in slot.iter_mut().enumerate() {
                let split = splits[*s & split_mask];
                let value = block[(lane * stride + split.feature as usize) & row_mask];
                *s = 2 * *s + usize::from(value > split.threshold);
            }
        }
        let leaf0 = 1usize << self.height;
        for (sum, s) in sums.iter_mut().zip(slot) {
            *sum += self.leaves[s - leaf0];
        }
    }
}

/// Rows descending one complete tree together.
const LANES: usize = 16;

/// Levels below `node` to its deepest leaf (a leaf: 0).
fn depth_of(nodes: &[Node], root: usize) -> u32 {
    let mut deepest = 0;
    let mut stack = vec![(root, 0u32)];
    while let Some((i, d)) = stack.pop() {
        let n = nodes[i];
        if n.feature == LEAF {
            deepest = deepest.max(d);
        } else {
            stack.push((i + 1, d + 1));
            stack.push((n.right as usize, d + 1));
        }
    }
    deepest
}

impl Tree {
    /// Adds this tree's prediction of rows `first..first + out.len()` of
    /// `x` to `out`; `padded` holds the same rows, each padded to `stride`
    /// values ([`Complete::add_lanes`]).
    fn add_predictions(
        &self,
        x: &Matrix,
        first: usize,
        padded: &[f64],
        stride: usize,
        out: &mut [f64],
    ) {
        let Some(complete) = &self.complete else {
            for (k, sum) in out.iter_mut().enumerate() {
                *sum += self.predict_row(x.row(first + k));
            }
            return;
        };
        let mut lanes = out.chunks_exact_mut(LANES);
        for (sums, block) in (&mut lanes).zip(padded.chunks_exact(LANES * stride)) {
            complete.add_lanes(block, stride, sums);
        }
        let done = out.len() - out.len() % LANES;
        for (k, sum) in out.iter_mut().enumerate().skip(done) {
            *sum += self.predict_row(x.row(first + k));
        }
    }

    #[inline]
    fn predict_row(&self, row: &[f64]) -> f64 {
        let mut i = 0;
        loop {
            let node = self.nodes[i];
            if node.feature == LEAF {
                return node.value;
            }
            i = if row[node.feature as usize] <= node.value {
                i + 1
            } else {
                node.right as usize
            };
        }
    }
}

/// A fitted random forest regressor.
#[derive(Debug, Clone)]
pub struct RandomForestRegressor {
    n_features: usize,
    trees: Vec<Tree>,
}

impl RandomForestRegressor {
    /// Grows the forest on the calling thread.
    pub fn fit(
        x: &Matrix,
        y: &[f64],
        params: &ForestRegressorParams,
    ) -> Result<Self, ForestRegressorError> {
        Self::fit_with(x, y, params, false)
    }

    /// Grows the trees on the rayon pool: the same trees as [`Self::fit`].
    pub fn fit_parallel(
        x: &Matrix,
        y: &[f64],
        params: &ForestRegressorParams,
    ) -> Result<Self, ForestRegressorError> {
        Self::fit_with(x, y, params, true)
    }

    fn fit_with(
        x: &Matrix,
        y: &[f64],
        params: &ForestRegressorParams,
        parallel: bool,
    ) -> Result<Self, ForestRegressorError> {
        check_x(x)?;
        if y.len() != x.rows() {
            return Err(ForestRegressorError::TargetLength {
                rows: x.rows(),
                targets: y.len(),
            });
        }
        if let Some(row) = y.iter().position(|v| !v.is_finite()) {
            return Err(ForestRegressorError::Target { row });
        }
        if params.n_estimators == 0 {
            return Err(ForestRegressorError::NoEstimators);
        }
        // Node indices and row ids are u32; a tree has fewer than 2n nodes.
        if x.rows() >= (u32::MAX / 2) as usize || x.cols() >= LEAF as usize {
            return Err(ForestRegressorError::TooLarge);
        }
        let sorted = Presorted::new(x);
        let max_depth = params.max_depth.unwrap_or(usize::MAX);
        let grow = |grower: &mut Grower, tree: usize| {
            let mut rng = Xoshiro256pp::for_tree(params.seed, tree);
            grower.grow(&sorted, y, max_depth, &mut rng)
        };
        let trees = if parallel {
            (0..params.n_estimators)
                .into_par_iter()
                .map_init(Grower::default, grow)
                .collect()
        } else {
            let mut grower = Grower::default();
            (0..params.n_estimators)
                .map(|tree| grow(&mut grower, tree))
                .collect()
        };
        Ok(RandomForestRegressor {
            n_features: x.cols(),
            trees,
        })
    }

    /// The mean of the trees' predictions for every row, on this thread.
    pub fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ForestRegressorError> {
        self.check_predict(x)?;
        let mut out = vec![0.0; x.rows()];
        self.predict_rows(x, 0, &mut out);
        Ok(out)
    }

    /// [`Self::predict`] with row blocks on the rayon pool: every row sums
    /// its trees in the same order, so the answer is bit-identical.
    pub fn predict_parallel(&self, x: &Matrix) -> Result<Vec<f64>, ForestRegressorError> {
        self.check_predict(x)?;
        const BLOCK: usize = 512;
        let mut out = vec![0.0; x.rows()];
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(b, chunk)| self.predict_rows(x, b * BLOCK, chunk));
        Ok(out)
    }

    /// Rows `first..first + out.len()`, in blocks that stay in cache while
    /// every tree passes over them; each row sums its trees in tree order,
    /// then divides by the tree count.
    fn predict_rows(&self, x: &Matrix, first: usize, out: &mut [f64]) {
        const CHUNK: usize = 256;
        let width = x.cols();
        let stride = width.next_power_of_two();
        let mut padded = vec![0.0; CHUNK.min(out.len()) * stride];
        for (c, chunk) in out.chunks_mut(CHUNK).enumerate() {
            let start = first + c * CHUNK;
            for (row, r) in padded
                .chunks_exact_mut(stride)
                .zip(start..start + chunk.len())
            {
                row[..width].copy_from_slice(x.row(r));
            }
            let rows = &padded[..chunk.len() * stride];
            for tree in &self.trees {
                tree.add_predictions(x, start, rows, stride, chunk);
            }
        }
        let n = self.trees.len() as f64;
        out.iter_mut().for_each(|v| *v /= n);
    }

    fn check_predict(&self, x: &Matrix) -> Result<(), ForestRegressorError> {
        if x.cols() != self.n_features {
            return Err(ForestRegressorError::FeatureCount {
                expected: self.n_features,
                found: x.cols(),
            });
        }
        check_finite(x)
    }

    /// Impurity-based importance of every feature, summing to 1 (all zero
    /// when no tree has a split), as scikit-learn's `feature_importances_`.
    pub fn feature_importances(&self) -> Vec<f64> {
        let split: Vec<&Tree> = self.trees.iter().filter(|t| t.nodes.len() > 1).collect();
        let mut mean = vec![0.0; self.n_features];
        if split.is_empty() {
            return mean;
        }
        for tree in &split {
            for (m, v) in mean.iter_mut().zip(&tree.importances) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= split.len() as f64);
        let total: f64 = mean.iter().sum();
        if total > 0.0 {
            mean.iter_mut().for_each(|m| *m /= total);
        }
        mean
    }

    pub fn n_estimators(&self) -> usize {
        self.trees.len()
    }

    /// Nodes of every tree together (splits and leaves).
    pub fn node_count(&self) -> usize {
        self.trees.iter().map(|t| t.nodes.len()).sum()
    }
}

fn check_x(x: &Matrix) -> Result<(), ForestRegressorError> {
    if x.rows() == 0 || x.cols() == 0 {
        return Err(ForestRegressorError::Empty {
            rows: x.rows(),
            cols: x.cols(),
        });
    }
    check_finite(x)
}

fn check_finite(x: &Matrix) -> Result<(), ForestRegressorError> {
    let cols = x.cols().max(1);
    match x.as_slice().iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(k) if x.as_slice()[k].is_nan() => Err(ForestRegressorError::NaN {
            row: k / cols,
            col: k % cols,
        }),
        Some(k) => Err(ForestRegressorError::Infinite {
            row: k / cols,
            col: k % cols,
        }),
    }
}

/// Every feature's rows in ascending order of value, sorted once per fit
/// and shared by every tree: `order[f·n..(f+1)·n]` and the matching
/// values in `values`.
struct Presorted {
    rows: usize,
    cols: usize,
    order: Vec<u32>,
    values: Vec<f64>,
}

impl Presorted {
    fn new(x: &Matrix) -> Self {
        let (n, p) = (x.rows(), x.cols());
        let mut order = Vec::with_capacity(n * p);
        let mut values = Vec::with_capacity(n * p);
        let mut column: Vec<(f64, u32)> = Vec::with_capacity(n);
        for f in 0..p {
            column.clear();
            column.extend((0..n).map(|r| (x.row(r)[f], r as u32)));
            column.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            order.extend(column.iter().map(|&(_, r)| r));
            values.extend(column.iter().map(|&(v, _)| v));
        }
        Presorted {
            rows: n,
            cols: p,
            order,
            values,
        }
    }
}

/// Weighted target sums of a set of rows.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    /// Σ w
    weight: f64,
    /// Σ w·y
    sum: f64,
    /// Σ w·y²
    square: f64,
}

impl Stats {
    /// The weighted variance, as sklearn's `MSE.node_impurity`.
    fn impurity(self) -> f64 {
        let mean = self.sum / self.weight;
        self.square / self.weight - mean * mean
    }
}

/// A node waiting to be grown: its rows are `start..end` of every
/// feature's block.
#[derive(Debug, Clone, Copy)]
struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    /// The split whose right child this is, to patch its `right`.
    parent: Option<usize>,
    stats: Stats,
}

/// The best split found in a node.
#[derive(Debug, Clone, Copy)]
struct Best {
    feature: usize,
    /// First position of the right child within the feature's block.
    pos: usize,
    threshold: f64,
}

/// Buffers reused from tree to tree.
#[derive(Debug, Default)]
struct Grower {
    /// Bootstrap draws per row.
    counts: Vec<u32>,
    weight: Vec<f64>,
    weighted_y: Vec<f64>,
    /// Per feature, the in-bag rows of every node in ascending value
    /// order: feature `f`'s block is `[f·m, (f+1)·m)`.
    rows: Vec<u32>,
    values: Vec<f64>,
    scratch_rows: Vec<u32>,
    scratch_values: Vec<f64>,
    goes_left: Vec<bool>,
    features: Vec<usize>,
    stack: Vec<Pending>,
}

impl Grower {
    fn grow(
        &mut self,
        sorted: &Presorted,
        y: &[f64],
        max_depth: usize,
        rng: &mut Xoshiro256pp,
    ) -> Tree {
        let (n, p) = (sorted.rows, sorted.cols);
        self.counts.clear();
        self.counts.resize(n, 0);
        for _ in 0..n {
            self.counts[rng.below(n)] += 1;
        }
        self.weight.clear();
        self.weight
            .extend(self.counts.iter().map(|&c| f64::from(c)));
        self.weighted_y.clear();
        self.weighted_y
            .extend(self.weight.iter().zip(y).map(|(w, y)| w * y));
        self.rows.clear();
        self.values.clear();
        for f in 0..p {
            let block = f * n..(f + 1) * n;
            for (&r, &v) in sorted.order[block.clone()]
                .iter()
                .zip(&sorted.values[block])
            {
                if self.counts[r as usize] > 0 {
                    self.rows.push(r);
                    self.values.push(v);
                }
            }
        }
        let m = self.rows.len() / p;
        self.goes_left.clear();
        self.goes_left.resize(n, false);
        self.features.clear();
        self.features.extend(0..p);

        let mut nodes: Vec<Node> = Vec::with_capacity(2 * m.min(1 << 12));
        let mut importances = vec![0.0; p];
        let root = self.stats(0, 0, m, y);
        let root_weight = root.weight;
        self.stack.clear();
        self.stack.push(Pending {
            start: 0,
            end: m,
            depth: 0,
            parent: None,
            stats: root,
        });
        while let Some(node) = self.stack.pop() {
            let index = nodes.len();
            if let Some(parent) = node.parent {
                nodes[parent].right = index as u32;
            }
            let impurity = node.stats.impurity();
            let leaf = Node {
                value: node.stats.sum / node.stats.weight,
                feature: LEAF,
                right: 0,
            };
            if node.depth >= max_depth || node.end - node.start < 2 || impurity <= EPSILON {
                nodes.push(leaf);
                continue;
            }
            let Some(best) = self.best_split(m, &node, rng) else {
                nodes.push(leaf);
                continue;
            };
            self.partition(m, p, &node, best);
            let left = self.stats(best.feature * m, node.start, best.pos, y);
            let right = self.stats(best.feature * m, best.pos, node.end, y);
            importances[best.feature] += node.stats.weight * impurity
                - left.weight * left.impurity()
                - right.weight * right.impurity();
            nodes.push(Node {
                value: best.threshold,
                feature: best.feature as u32,
                right: 0,
            });
            // Left is popped first, so it is node index + 1.
            self.stack.push(Pending {
                start: best.pos,
                end: node.end,
                depth: node.depth + 1,
                parent: Some(index),
                stats: right,
            });
            self.stack.push(Pending {
                start: node.start,
                end: best.pos,
                depth: node.depth + 1,
                parent: None,
                stats: left,
            });
        }
        // sklearn divides by the root's weighted count, then normalises.
        importances.iter_mut().for_each(|v| *v /= root_weight);
        let total: f64 = importances.iter().sum();
        if total > 0.0 {
            importances.iter_mut().for_each(|v| *v /= total);
        }
        nodes.shrink_to_fit();
        let complete = Complete::new(&nodes);
        Tree {
            nodes,
            importances,
            complete,
        }
    }

    /// Weighted sums over positions `start..end` of the block at `base`.
    fn stats(&self, base: usize, start: usize, end: usize, y: &[f64]) -> Stats {
        let mut s = Stats::default();
        for &r in &self.rows[base + start..base + end] {
            let r = r as usize;
            s.weight += self.weight[r];
            s.sum += self.weighted_y[r];
            s.square += self.weighted_y[r] * y[r];
        }
        s
    }

    /// The split maximising `S_l²/W_l + S_r²/W_r` over the features in a
    /// random order (first best wins); `None` when every feature is
    /// constant in the node.
    fn best_split(&mut self, m: usize, node: &Pending, rng: &mut Xoshiro256pp) -> Option<Best> {
        let p = self.features.len();
        for i in (1..p).rev() {
            let j = rng.below(i + 1);
            self.features.swap(i, j);
        }
        let (total_w, total_s) = (node.stats.weight, node.stats.sum);
        let mut best: Option<Best> = None;
        let mut best_proxy = f64::NEG_INFINITY;
        for &f in &self.features {
            let base = f * m;
            let values = &self.values[base + node.start..base + node.end];
            let rows = &self.rows[base + node.start..base + node.end];
            let (Some(&first), Some(&last)) = (values.first(), values.last()) else {
                continue;
            };
            if last <= first + FEATURE_THRESHOLD {
                continue;
            }
            let (mut wl, mut sl) = (0.0, 0.0);
            for i in 0..values.len() - 1 {
                let r = rows[i] as usize;
                wl += self.weight[r];
                sl += self.weighted_y[r];
                if values[i + 1] <= values[i] + FEATURE_THRESHOLD {
                    continue;
                }
                let (wr, sr) = (total_w - wl, total_s - sl);
                let proxy = sl * sl / wl + sr * sr / wr;
                if proxy > best_proxy {
                    best_proxy = proxy;
                    best = Some(Best {
                        feature: f,
                        pos: node.start + i + 1,
                        threshold: midpoint(values[i], values[i + 1]),
                    });
                }
            }
        }
        best
    }

    /// Splits the node's rows in every feature's block, keeping each
    /// side in ascending order (stable partition).
    fn partition(&mut self, m: usize, p: usize, node: &Pending, best: Best) {
        let split_base = best.feature * m;
        for (k, &r) in self.rows[split_base + node.start..split_base + node.end]
            .iter()
            .enumerate()
        {
            self.goes_left[r as usize] = node.start + k < best.pos;
        }
        for f in (0..p).filter(|&f| f != best.feature) {
            let range = f * m + node.start..f * m + node.end;
            self.scratch_rows.clear();
            self.scratch_values.clear();
            let mut write = range.start;
            for k in range.clone() {
                let (r, v) = (self.rows[k], self.values[k]);
                if self.goes_left[r as usize] {
                    self.rows[write] = r;
                    self.values[write] = v;
                    write += 1;
                } else {
                    self.scratch_rows.push(r);
                    self.scratch_values.push(v);
                }
            }
            self.rows[write..range.end].copy_from_slice(&self.scratch_rows);
            self.values[write..range.end].copy_from_slice(&self.scratch_values);
        }
    }
}

/// sklearn's threshold between consecutive distinct values: their
/// midpoint, or the lower one when the midpoint rounds to the upper one
/// (or overflows), so the upper value always goes right.
fn midpoint(lower: f64, upper: f64) -> f64 {
    let mid = lower / 2.0 + upper / 2.0;
    if mid == upper || mid.is_infinite() {
        lower
    } else {
        mid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: usize, cols: usize, f: impl Fn(usize, usize) -> f64) -> Matrix {
        let data = (0..rows * cols).map(|k| f(k / cols, k % cols)).collect();
        Matrix::new(rows, cols, data).expect("rows × cols values")
    }

    fn r2(y: &[f64], pred: &[f64]) -> f64 {
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let ss_res: f64 = y.iter().zip(pred).map(|(a, b)| (a - b).powi(2)).sum();
        let ss_tot: f64 = y.iter().map(|a| (a - mean).powi(2)).sum();
        1.0 - ss_res / ss_tot
    }

    #[test]
    fn a_step_function_is_learned_exactly() {
        let x = matrix(
            200,
            2,
            |r, c| if c == 0 { r as f64 } else { (r % 7) as f64 },
        );
        let y: Vec<f64> = (0..200).map(|r| if r < 120 { 3.0 } else { -1.0 }).collect();
        let params = ForestRegressorParams {
            n_estimators: 10,
            max_depth: Some(3),
            seed: 1,
        };
        let forest = RandomForestRegressor::fit(&x, &y, &params).expect("fits");
        let pred = forest.predict(&x).expect("predicts");
        // Every bootstrap sample holds rows on both sides of 120 near it,
        // but the threshold may fall anywhere between two drawn rows.
        let wrong = pred
            .iter()
            .zip(&y)
            .filter(|(p, y)| (*p - *y).abs() > 0.5)
            .count();
        assert!(wrong <= 4, "{wrong} rows mispredicted");
        let importances = forest.feature_importances();
        assert!(importances[0] > 0.99, "{importances:?}");
        assert!((importances.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn unbounded_trees_fit_distinct_rows_closely_and_depth_limits_bind() {
        let x = matrix(500, 3, |r, c| ((r * (c + 3)) % 97) as f64 + 0.01 * r as f64);
        let y: Vec<f64> = (0..500).map(|r| ((r as f64) * 0.37).sin() * 10.0).collect();
        let deep =
            RandomForestRegressor::fit(&x, &y, &ForestRegressorParams::default()).expect("fits");
        let shallow = RandomForestRegressor::fit(
            &x,
            &y,
            &ForestRegressorParams {
                max_depth: Some(2),
                ..ForestRegressorParams::default()
            },
        )
        .expect("fits");
        let deep_r2 = r2(&y, &deep.predict(&x).expect("predicts"));
        let shallow_r2 = r2(&y, &shallow.predict(&x).expect("predicts"));
        // scikit-learn 1.6.1 on this input (random_state 0): in-sample R²
        // 0.837 unbounded (62,946 nodes), 0.032 at depth 2.
        assert!((0.8..0.88).contains(&deep_r2), "{deep_r2}");
        assert!(shallow_r2 < 0.2, "{shallow_r2}");
        assert!(
            (55_000..70_000).contains(&deep.node_count()),
            "{}",
            deep.node_count()
        );
        // Depth 2: at most 7 nodes per tree.
        assert!(shallow.node_count() <= 7 * 100);
    }

    #[test]
    fn parallel_fit_and_predict_are_bit_identical() {
        let x = matrix(300, 4, |r, c| ((r * 31 + c * 17) % 53) as f64);
        let y: Vec<f64> = (0..300).map(|r| (r % 11) as f64 * 1.5).collect();
        let params = ForestRegressorParams {
            n_estimators: 8,
            max_depth: Some(6),
            seed: 42,
        };
        let one = RandomForestRegressor::fit(&x, &y, &params).expect("fits");
        let many = RandomForestRegressor::fit_parallel(&x, &y, &params).expect("fits");
        let a = one.predict(&x).expect("predicts");
        let b = many.predict_parallel(&x).expect("predicts");
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_constant_target_or_constant_features_give_single_leaves() {
        let x = matrix(50, 2, |r, _| r as f64);
        let forest = RandomForestRegressor::fit(&x, &[4.5; 50], &ForestRegressorParams::default())
            .expect("fits");
        assert_eq!(forest.node_count(), 100);
        assert_eq!(forest.predict(&x).expect("predicts"), vec![4.5; 50]);
        assert_eq!(forest.feature_importances(), vec![0.0, 0.0]);
        let flat = matrix(50, 2, |_, _| 1.0);
        let y: Vec<f64> = (0..50).map(f64::from).collect();
        let forest =
            RandomForestRegressor::fit(&flat, &y, &ForestRegressorParams::default()).expect("fits");
        assert_eq!(forest.node_count(), 100);
    }

    #[test]
    fn bad_input_is_named() {
        let x = matrix(3, 2, |r, c| if r == 1 && c == 1 { f64::NAN } else { 1.0 });
        let params = ForestRegressorParams::default();
        assert_eq!(
            RandomForestRegressor::fit(&x, &[1.0; 3], &params).err(),
            Some(ForestRegressorError::NaN { row: 1, col: 1 })
        );
        let x = matrix(3, 2, |_, _| 1.0);
        assert_eq!(
            RandomForestRegressor::fit(&x, &[1.0; 2], &params).err(),
            Some(ForestRegressorError::TargetLength {
                rows: 3,
                targets: 2
            })
        );
        assert_eq!(
            RandomForestRegressor::fit(&x, &[1.0, f64::INFINITY, 0.0], &params).err(),
            Some(ForestRegressorError::Target { row: 1 })
        );
        let forest = RandomForestRegressor::fit(&x, &[1.0; 3], &params).expect("fits");
        assert_eq!(
            forest.predict(&matrix(1, 3, |_, _| 0.0)).err(),
            Some(ForestRegressorError::FeatureCount {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn midpoint_never_sends_the_upper_value_left() {
        assert_eq!(midpoint(1.0, 3.0), 2.0);
        let upper = 1.0f64.next_up();
        assert_eq!(midpoint(1.0, upper), 1.0);
    }
}
