//! scikit-learn's `IsolationForest` (1.6.1): the AI detection's outlier
//! model (catalog ml_monitoring.md §1).
//!
//! # What is the same as scikit-learn
//! * Each of `n_estimators` trees is grown on `max_samples` rows drawn
//!   without replacement (`'auto'` = `min(256, n)`), all features
//!   (`max_features = 1.0`, `bootstrap = False`), to the height limit
//!   `ceil(log2(max(max_samples, 2)))`.
//! * A node splits on one feature drawn uniformly among those that are not
//!   constant in the node, at a threshold uniform in `[min, max)` of that
//!   feature over the node's rows (samples `<= threshold` go left). Like
//!   scikit-learn's `RandomSplitter` (max_features = 1), a feature whose
//!   spread in the node is at most `FEATURE_THRESHOLD = 1e-7` counts as
//!   constant and is skipped, and a node where every feature is constant is
//!   a leaf (so duplicate rows end in one leaf).
//! * A leaf at depth `d` (root = 0) holding `n` training rows contributes the
//!   path length `d + c(n)`, computed as scikit-learn does,
//!   `((d + 1) + c(n)) - 1`, with scikit-learn's `c`:
//!   `c(n) = 2 (ln(n − 1) + γ) − 2 (n − 1)/n` for `n > 2`, `c(2) = 1`,
//!   `c(n ≤ 1) = 0` (the `ln + γ` approximation of the harmonic number, not
//!   the exact sum). The per-tree path lengths of a row are summed in tree
//!   order starting from 0, as scikit-learn's `depths += …` loop does.
//! * `score_samples = −2^(−Σh / (n_estimators · c(max_samples)))`, and
//!   `−0.5` when that denominator is 0 (one training row), as scikit-learn.
//! * `decision_function = score_samples − offset`, `offset = −0.5` for
//!   contamination `'auto'`, else numpy's linear `percentile` of the training
//!   scores at `100 · contamination`; `predict` is `−1` where the decision is
//!   below 0, else `+1`.
//!
//! # What differs, and why
//! * The random numbers: xoshiro256++ seeded by SplitMix64 from
//!   `(seed, tree index)` instead of numpy's MT19937, so the forests are
//!   statistically equivalent, never tree-for-tree equal. Deriving each tree's
//!   generator from its index is what makes [`IsolationForest::fit_parallel`]
//!   bit-identical to [`IsolationForest::fit`].
//! * scikit-learn casts the input to `float32` before growing and scoring;
//!   this twin keeps `f64` (the same ordering of the values, up to float32
//!   rounding).
//! * NaN and infinity are rejected with a typed error (scikit-learn 1.6.1
//!   accepts both: its trees route missing values). A NaN in the detector's
//!   feature matrix is an upstream bug the twin reports rather than scores.
//! * Only `max_features = 1.0` and `bootstrap = False` (the defaults) exist.
//!
//! # How it is fast
//! Scoring is nearly all the work (growing 100 trees on 256 rows is a
//! millisecond), and it is bound by instructions per tree level, so each
//! tree is stored *complete*, in heap order: node `i`'s children are `2i`
//! and `2i + 1`, so no child index is loaded, and a row descends exactly
//! `height` levels with no branch: `i = 2i + (x[feature[i]] > threshold[i])`.
//! A leaf above the last level is continued by pass-through nodes
//! (threshold `+∞`, always left) down to a copy of its path length. With the
//! default `max_samples ≤ 256` every tree fits fixed-size arrays (256
//! features, 512 values), so the index masks are constants and the bounds
//! checks compile away. Rows are scored in chunks that stay in cache while
//! every tree passes over them, eight rows descending one tree side by side
//! so their load chains overlap. Scoring allocates nothing but its output.

use rayon::prelude::*;
use thiserror::Error;

use super::Matrix;
use super::rng::Xoshiro256pp;
use super::scale::linear_percentile;
use crate::bits::BitSet;

/// scikit-learn's `FEATURE_THRESHOLD` (`sklearn/tree/_partitioner.pxd`): a
/// feature spread at most this much over a node is treated as constant.
const FEATURE_THRESHOLD: f64 = 1e-7;
/// `max_samples = 'auto'` draws `min(256, n)` rows per tree.
const AUTO_MAX_SAMPLES: usize = 256;
/// `np.euler_gamma`.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;
/// Rows that descend one tree side by side (independent load chains).
const LANES: usize = 8;
/// Rows scored together against every tree: 1024 rows × 8 features × 8 bytes
/// = 64 KiB, which stays in L2 while each tree (≤ 8 KiB) sits in L1.
const CHUNK_ROWS: usize = 1024;

/// The share of outliers the threshold is set for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Contamination {
    /// scikit-learn's `'auto'`: `offset = −0.5`, the paper's threshold.
    Auto,
    /// A fraction in `(0, 0.5]`: `offset` is that percentile of the
    /// training scores.
    Fraction(f64),
}

/// Rows drawn (without replacement) to grow each tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxSamples {
    /// `min(256, n)`.
    Auto,
    /// This many rows, capped at `n` (scikit-learn warns and caps too).
    Count(usize),
    /// `floor(fraction · n)` rows, fraction in `(0, 1]`.
    Fraction(f64),
}

/// The model's parameters; `Default` is scikit-learn's defaults with a fixed
/// seed (scikit-learn's `random_state=None` is not reproducible).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IsolationForestParams {
    pub n_estimators: usize,
    pub max_samples: MaxSamples,
    pub contamination: Contamination,
    pub seed: u64,
}

impl Default for IsolationForestParams {
    fn default() -> Self {
        IsolationForestParams {
            n_estimators: 100,
            max_samples: MaxSamples::Auto,
            contamination: Contamination::Auto,
            seed: 0,
        }
    }
}

/// Why a forest could not be fitted or could not score a matrix.
#[derive(Debug, Clone, Copy, Error, PartialEq)]
pub enum IsolationForestError {
    #[error("input has {rows} rows and {cols} columns; at least one of each is required")]
    Empty { rows: usize, cols: usize },
    #[error("Input contains NaN (row {row}, column {col})")]
    NaN { row: usize, col: usize },
    #[error("Input contains infinity (row {row}, column {col})")]
    Infinite { row: usize, col: usize },
    #[error("contamination must be in (0, 0.5], got {0}")]
    Contamination(f64),
    #[error("n_estimators must be at least 1")]
    NoEstimators,
    #[error("max_samples must be a count ≥ 1 or a fraction in (0, 1] giving at least one row")]
    MaxSamples,
    #[error("input is too large for the forest's 32-bit node and feature indices")]
    TooLarge,
    #[error("X has {found} features, but the forest was fitted with {expected}")]
    FeatureCount { expected: usize, found: usize },
}

/// Levels of the fixed-size tree storage: `max_samples ≤ 256` (the
/// default) grows trees at most 8 levels high.
const SMALL_LEVELS: u32 = 8;
/// Split slots of a small tree (heap indices `1..256`; 0 unused).
const SMALL_SPLITS: usize = 1 << SMALL_LEVELS;
/// Value slots of a small tree: thresholds below 256, leaves from there.
const SMALL_VALUES: usize = 2 << SMALL_LEVELS;

/// A node of a tree being grown. Invariants: children of a split are
/// `left` and `left + 1`; a leaf has `left` = its own index.
#[derive(Debug, Clone, Copy)]
struct Node {
    threshold: f64,
    feature: u32,
    left: u32,
}

/// A fitted isolation forest.
///
/// Tree `t` of height `h` (its deepest leaf's depth, root = 0) is stored
/// complete in heap order: split `i ∈ [1, 2^h)` at `features[t·S + i]` and
/// `values[t·V + i]` (threshold), leaf `i ∈ [2^h, 2^(h+1))` at
/// `values[t·V + i]` (path length), with strides `S = 2^levels`,
/// `V = 2^(levels+1)`.
#[derive(Debug, Clone)]
pub struct IsolationForest {
    n_features: usize,
    max_samples: usize,
    /// `max(height limit, 8)`: the stride exponent.
    levels: u32,
    heights: Vec<u32>,
    features: Vec<u32>,
    values: Vec<f64>,
    /// `n_estimators · c(max_samples)`.
    denominator: f64,
    offset: f64,
}

impl IsolationForest {
    /// Grows the forest on `x` on the calling thread.
    pub fn fit(x: &Matrix, params: &IsolationForestParams) -> Result<Self, IsolationForestError> {
        Self::fit_with(x, params, false).map(|(forest, _)| forest)
    }

    /// [`IsolationForest::fit`] with trees grown (and, for a contamination
    /// fraction, the training rows scored) on the rayon pool; bit-identical.
    pub fn fit_parallel(
        x: &Matrix,
        params: &IsolationForestParams,
    ) -> Result<Self, IsolationForestError> {
        Self::fit_with(x, params, true).map(|(forest, _)| forest)
    }

    /// `fit(x)` then `decision_function(x)` (what the detector calls),
    /// scoring the training rows once: with a contamination fraction fitting
    /// already scores them to place the offset.
    pub fn fit_decision_function(
        x: &Matrix,
        params: &IsolationForestParams,
    ) -> Result<(Self, Vec<f64>), IsolationForestError> {
        Self::fit_decision_with(x, params, false)
    }

    /// [`IsolationForest::fit_decision_function`] on the rayon pool;
    /// bit-identical.
    pub fn fit_decision_function_parallel(
        x: &Matrix,
        params: &IsolationForestParams,
    ) -> Result<(Self, Vec<f64>), IsolationForestError> {
        Self::fit_decision_with(x, params, true)
    }

    /// scikit-learn's `score_samples`: the opposite of the anomaly score, in
    /// `[−1, 0)`; lower is more abnormal.
    pub fn score_samples(&self, x: &Matrix) -> Result<Vec<f64>, IsolationForestError> {
        self.check_columns(x)?;
        Ok(self.scores(x.as_slice(), false))
    }

    /// [`IsolationForest::score_samples`] with row chunks on the rayon pool;
    /// bit-identical (each row's sum runs over the trees in the same order).
    pub fn score_samples_parallel(&self, x: &Matrix) -> Result<Vec<f64>, IsolationForestError> {
        self.check_columns(x)?;
        Ok(self.scores(x.as_slice(), true))
    }

    /// `score_samples − offset`: negative for outliers.
    pub fn decision_function(&self, x: &Matrix) -> Result<Vec<f64>, IsolationForestError> {
        let mut scores = self.score_samples(x)?;
        self.subtract_offset(&mut scores);
        Ok(scores)
    }

    /// [`IsolationForest::decision_function`] on the rayon pool.
    pub fn decision_function_parallel(&self, x: &Matrix) -> Result<Vec<f64>, IsolationForestError> {
        let mut scores = self.score_samples_parallel(x)?;
        self.subtract_offset(&mut scores);
        Ok(scores)
    }

    /// `−1` for outliers (decision below 0), `+1` for inliers.
    pub fn predict(&self, x: &Matrix) -> Result<Vec<i8>, IsolationForestError> {
        Ok(labels(&self.decision_function(x)?))
    }

    /// [`IsolationForest::predict`] on the rayon pool.
    pub fn predict_parallel(&self, x: &Matrix) -> Result<Vec<i8>, IsolationForestError> {
        Ok(labels(&self.decision_function_parallel(x)?))
    }

    /// scikit-learn's `offset_`.
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// The rows each tree was grown on (scikit-learn's `max_samples_`).
    pub fn max_samples(&self) -> usize {
        self.max_samples
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of trees.
    pub fn n_estimators(&self) -> usize {
        self.heights.len()
    }

    fn fit_decision_with(
        x: &Matrix,
        params: &IsolationForestParams,
        parallel: bool,
    ) -> Result<(Self, Vec<f64>), IsolationForestError> {
        let (forest, training_scores) = Self::fit_with(x, params, parallel)?;
        let mut decision = match training_scores {
            Some(scores) => scores,
            None => forest.scores(x.as_slice(), parallel),
        };
        forest.subtract_offset(&mut decision);
        Ok((forest, decision))
    }

    /// Fits; also returns the training scores when the offset needed them.
    fn fit_with(
        x: &Matrix,
        params: &IsolationForestParams,
        parallel: bool,
    ) -> Result<(Self, Option<Vec<f64>>), IsolationForestError> {
        check_input(x)?;
        let contamination = check_params(params)?;
        let max_samples = resolve_max_samples(params.max_samples, x.rows())?;
        if x.cols() > (u32::MAX as usize) / LANES || max_samples > (u32::MAX / 2) as usize {
            return Err(IsolationForestError::TooLarge);
        }
        let max_depth = height_limit(max_samples);
        let grow_one = |grower: &mut Grower, tree: usize| {
            let mut rng = Xoshiro256pp::for_tree(params.seed, tree);
            grower.grow(x, max_samples, max_depth, &mut rng)
        };
        let grown: Vec<GrownTree> = if parallel {
            (0..params.n_estimators)
                .into_par_iter()
                .map_init(Grower::default, grow_one)
                .collect()
        } else {
            let mut grower = Grower::default();
            (0..params.n_estimators)
                .map(|tree| grow_one(&mut grower, tree))
                .collect()
        };
        let mut forest = Self::assemble(x.cols(), max_samples, max_depth, &grown);
        let Some(fraction) = contamination else {
            return Ok((forest, None));
        };
        let scores = forest.scores(x.as_slice(), parallel);
        let mut sorted = scores.clone();
        // numpy: `np.percentile(scores, 100.0 * contamination)`.
        forest.offset = linear_percentile(&mut sorted, 100.0 * fraction);
        Ok((forest, Some(scores)))
    }

    /// Lays the grown trees out complete (offset `−0.5` until a
    /// contamination fraction replaces it).
    fn assemble(
        n_features: usize,
        max_samples: usize,
        max_depth: u32,
        grown: &[GrownTree],
    ) -> Self {
        let levels = max_depth.max(SMALL_LEVELS);
        let (splits, values) = (1usize << levels, 2usize << levels);
        let mut forest = IsolationForest {
            n_features,
            max_samples,
            levels,
            heights: grown.iter().map(|t| t.height).collect(),
            features: vec![0; grown.len() * splits],
            values: vec![0.0; grown.len() * values],
            denominator: grown.len() as f64 * average_path_length(max_samples),
            offset: -0.5,
        };
        let slots = forest
            .features
            .chunks_exact_mut(splits)
            .zip(forest.values.chunks_exact_mut(values));
        for (tree, (f, v)) in grown.iter().zip(slots) {
            tree.write_complete(f, v);
        }
        forest
    }

    fn check_columns(&self, x: &Matrix) -> Result<(), IsolationForestError> {
        check_input(x)?;
        if x.cols() != self.n_features {
            return Err(IsolationForestError::FeatureCount {
                expected: self.n_features,
                found: x.cols(),
            });
        }
        Ok(())
    }

    fn subtract_offset(&self, scores: &mut [f64]) {
        for s in scores {
            *s -= self.offset;
        }
    }

    /// `score_samples` of validated row-major data with `n_features` columns.
    fn scores(&self, data: &[f64], parallel: bool) -> Vec<f64> {
        let d = self.n_features;
        let mut out = vec![0.0; data.len() / d];
        if parallel {
            out.par_chunks_mut(CHUNK_ROWS)
                .zip(data.par_chunks(CHUNK_ROWS * d))
                .for_each_init(Blocks::default, |blocks, (o, x)| {
                    self.score_chunk(x, o, blocks)
                });
        } else {
            let mut blocks = Blocks::default();
            for (o, x) in out.chunks_mut(CHUNK_ROWS).zip(data.chunks(CHUNK_ROWS * d)) {
                self.score_chunk(x, o, &mut blocks);
            }
        }
        out
    }

    /// Scores `out.len()` rows (`rows` holds them, row-major): the chunk is
    /// transposed into blocks once, then every tree passes over it,
    /// accumulating path lengths in `out`.
    fn score_chunk(&self, rows: &[f64], out: &mut [f64], blocks: &mut Blocks) {
        out.fill(0.0);
        let d = self.n_features;
        if d <= NARROW_FEATURES {
            blocks.fill_narrow(rows, d);
            self.accumulate_trees(blocks.narrow.iter(), out);
        } else {
            blocks.fill_wide(rows, d);
            let wide = blocks.wide.chunks_exact(LANES * d);
            self.accumulate_trees(wide, out);
        }
        for s in out {
            *s = self.score_of(*s);
        }
    }

    /// Adds every tree's path lengths for the rows of `blocks` to `out`.
    fn accumulate_trees<'b, B, I>(&self, blocks: I, out: &mut [f64])
    where
        B: Block + ?Sized + 'b,
        I: Iterator<Item = &'b B> + Clone,
    {
        let (splits, values) = (1usize << self.levels, 2usize << self.levels);
        let trees = self
            .features
            .chunks_exact(splits)
            .zip(self.values.chunks_exact(values))
            .zip(&self.heights);
        for ((features, values), &height) in trees {
            if self.levels == SMALL_LEVELS {
                let tree = SmallTree::new(features, values);
                accumulate(&tree, height, blocks.clone(), out);
            } else {
                let tree = LargeTree { features, values };
                accumulate(&tree, height, blocks.clone(), out);
            }
        }
    }

    /// scikit-learn: `−2 ** (−np.divide(depths, denominator, out=ones,
    /// where=denominator != 0))`.
    fn score_of(&self, path_sum: f64) -> f64 {
        let exponent = if self.denominator != 0.0 {
            -(path_sum / self.denominator)
        } else {
            -1.0
        };
        -(2.0_f64.powf(exponent))
    }
}

/// Read access to one complete tree in heap order.
trait HeapTree {
    /// Split feature of node `i < 2^height`, times `LANES` (see [`Block`]).
    fn feature(&self, i: usize) -> usize;
    /// Threshold of split `i < 2^height`.
    fn threshold(&self, i: usize) -> f64;
    /// Path length of leaf `2^height ≤ i < 2^(height+1)`.
    fn leaf(&self, i: usize) -> f64;
}

/// A tree of at most 8 levels, so splits are below 256 and leaves below
/// 512: the masks never change an index that occurs and, being constants,
/// let the compiler drop the bounds checks. Splits and leaves are two views
/// of the same values so that a split's feature and threshold share one
/// masked index.
#[derive(Debug, Clone, Copy)]
struct SmallTree<'a> {
    features: &'a [u32; SMALL_SPLITS],
    thresholds: &'a [f64; SMALL_SPLITS],
    values: &'a [f64; SMALL_VALUES],
}

impl<'a> SmallTree<'a> {
    fn new(features: &'a [u32], values: &'a [f64]) -> Self {
        SmallTree {
            features: features.try_into().expect("stride 2^8"),
            thresholds: values[..SMALL_SPLITS].try_into().expect("stride 2^9"),
            values: values.try_into().expect("stride 2^9"),
        }
    }
}

impl HeapTree for SmallTree<'_> {
    #[inline(always)]
    fn feature(&self, i: usize) -> usize {
        self.features[i & (SMALL_SPLITS - 1)] as usize
    }

    #[inline(always)]
    fn threshold(&self, i: usize) -> f64 {
        self.thresholds[i & (SMALL_SPLITS - 1)]
    }

    #[inline(always)]
    fn leaf(&self, i: usize) -> f64 {
        self.values[i & (SMALL_VALUES - 1)]
    }
}

/// A tree of more than 8 levels (`max_samples > 256`), bounds-checked.
#[derive(Debug, Clone, Copy)]
struct LargeTree<'a> {
    features: &'a [u32],
    values: &'a [f64],
}

impl HeapTree for LargeTree<'_> {
    #[inline(always)]
    fn feature(&self, i: usize) -> usize {
        self.features[i] as usize
    }

    #[inline(always)]
    fn threshold(&self, i: usize) -> f64 {
        self.values[i]
    }

    #[inline(always)]
    fn leaf(&self, i: usize) -> f64 {
        self.values[i]
    }
}

/// Features up to which a block is a fixed-size array (the detector's
/// matrices have 8).
const NARROW_FEATURES: usize = 8;
/// Values in a narrow block.
const NARROW_BLOCK: usize = LANES * NARROW_FEATURES;

/// `LANES` rows transposed: feature `f` of the block's row `k` at
/// `f · LANES + k`, so a lane's value is at a constant offset from the
/// feature's (pre-multiplied) index. A chunk's last block is padded with
/// zero rows, whose results are never added.
trait Block {
    /// Feature `feature_offset / LANES` of row `k`.
    fn x(&self, feature_offset: usize, k: usize) -> f64;
}

/// A narrow block: the mask never changes an offset that occurs (a
/// multiple of `LANES` below `NARROW_BLOCK`) and, being a constant, drops
/// the bounds check while `k` stays a constant displacement.
impl Block for [f64; NARROW_BLOCK] {
    #[inline(always)]
    fn x(&self, feature_offset: usize, k: usize) -> f64 {
        self[(feature_offset & (NARROW_BLOCK - LANES)) + k]
    }
}

impl Block for [f64] {
    #[inline(always)]
    fn x(&self, feature_offset: usize, k: usize) -> f64 {
        self[feature_offset + k]
    }
}

/// A chunk's rows as blocks (scratch reused from chunk to chunk).
#[derive(Debug, Default)]
struct Blocks {
    narrow: Vec<[f64; NARROW_BLOCK]>,
    wide: Vec<f64>,
}

impl Blocks {
    fn fill_narrow(&mut self, rows: &[f64], d: usize) {
        self.narrow.clear();
        for block_rows in rows.chunks(LANES * d) {
            let mut block = [0.0; NARROW_BLOCK];
            transpose_into(block_rows, d, &mut block);
            self.narrow.push(block);
        }
    }

    fn fill_wide(&mut self, rows: &[f64], d: usize) {
        self.wide.clear();
        self.wide
            .resize(rows.len().div_ceil(LANES * d) * LANES * d, 0.0);
        for (block_rows, block) in rows
            .chunks(LANES * d)
            .zip(self.wide.chunks_exact_mut(LANES * d))
        {
            transpose_into(block_rows, d, block);
        }
    }
}

/// Up to `LANES` rows of `d` values into a zeroed block.
fn transpose_into(rows: &[f64], d: usize, block: &mut [f64]) {
    for (k, row) in rows.chunks_exact(d).enumerate() {
        for (f, &v) in row.iter().enumerate() {
            block[f * LANES + k] = v;
        }
    }
}

/// Adds one tree's path length to `out` for every row of `blocks`.
#[inline]
fn accumulate<'b, T, B>(tree: &T, height: u32, blocks: impl Iterator<Item = &'b B>, out: &mut [f64])
where
    T: HeapTree,
    B: Block + ?Sized + 'b,
{
    for (block, acc) in blocks.zip(out.chunks_mut(LANES)) {
        descend_block(tree, height, block, acc);
    }
}

/// Eight rows descend one tree in lock step, `height` levels, then add
/// their leaves' path lengths (`acc` is shorter for a padded block).
#[inline(always)]
fn descend_block<T: HeapTree, B: Block + ?Sized>(
    tree: &T,
    height: u32,
    block: &B,
    acc: &mut [f64],
) {
    let mut at = [1usize; LANES];
    for _ in 0..height {
        for (k, i) in at.iter_mut().enumerate() {
            let x = block.x(tree.feature(*i), k);
            *i = 2 * *i + usize::from(x > tree.threshold(*i));
        }
    }
    for (a, i) in acc.iter_mut().zip(at) {
        *a += tree.leaf(i);
    }
}

fn labels(decision: &[f64]) -> Vec<i8> {
    decision
        .iter()
        .map(|&d| if d < 0.0 { -1 } else { 1 })
        .collect()
}

/// Rejects an empty matrix and any NaN or infinity (first one reported).
fn check_input(x: &Matrix) -> Result<(), IsolationForestError> {
    let (rows, cols) = (x.rows(), x.cols());
    if rows == 0 || cols == 0 {
        return Err(IsolationForestError::Empty { rows, cols });
    }
    match x.as_slice().iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(at) if x.as_slice()[at].is_nan() => Err(IsolationForestError::NaN {
            row: at / cols,
            col: at % cols,
        }),
        Some(at) => Err(IsolationForestError::Infinite {
            row: at / cols,
            col: at % cols,
        }),
    }
}

/// Validates the parameters; returns the contamination fraction, if any.
fn check_params(params: &IsolationForestParams) -> Result<Option<f64>, IsolationForestError> {
    if params.n_estimators == 0 {
        return Err(IsolationForestError::NoEstimators);
    }
    match params.contamination {
        Contamination::Auto => Ok(None),
        // Written so that NaN fails too.
        Contamination::Fraction(c) if c > 0.0 && c <= 0.5 => Ok(Some(c)),
        Contamination::Fraction(c) => Err(IsolationForestError::Contamination(c)),
    }
}

/// scikit-learn's `max_samples_` for `n ≥ 1` rows.
fn resolve_max_samples(max_samples: MaxSamples, n: usize) -> Result<usize, IsolationForestError> {
    let count = match max_samples {
        MaxSamples::Auto => AUTO_MAX_SAMPLES.min(n),
        MaxSamples::Count(c) => c.min(n),
        // `int(max_samples * X.shape[0])`, truncation toward zero.
        MaxSamples::Fraction(f) if f > 0.0 && f <= 1.0 => (f * n as f64) as usize,
        MaxSamples::Fraction(_) => 0,
    };
    if count == 0 {
        return Err(IsolationForestError::MaxSamples);
    }
    Ok(count)
}

/// `int(np.ceil(np.log2(max(max_samples, 2))))`.
fn height_limit(max_samples: usize) -> u32 {
    (max_samples.max(2) as f64).log2().ceil() as u32
}

/// scikit-learn's `_average_path_length` for one leaf size.
fn average_path_length(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let n = n as f64;
            2.0 * ((n - 1.0).ln() + EULER_GAMMA) - 2.0 * (n - 1.0) / n
        }
    }
}

/// One grown tree, node indices local to it.
#[derive(Debug)]
struct GrownTree {
    nodes: Vec<Node>,
    path_lengths: Vec<f64>,
    height: u32,
}

impl GrownTree {
    /// Writes the tree complete in heap order (see [`IsolationForest`]):
    /// a leaf at depth `< height` becomes pass-through splits (feature 0,
    /// threshold `+∞`, so a finite value always goes left) above copies of
    /// its path length on the last level.
    fn write_complete(&self, features: &mut [u32], values: &mut [f64]) {
        let mut stack = vec![(0usize, 1usize, 0u32)];
        while let Some((node, slot, depth)) = stack.pop() {
            let n = self.nodes[node];
            let (children, threshold) = if n.left as usize != node {
                (n.left as usize, n.threshold)
            } else if depth == self.height {
                values[slot] = self.path_lengths[node];
                continue;
            } else {
                (node, f64::INFINITY)
            };
            features[slot] = if children == node {
                0
            } else {
                n.feature * LANES as u32
            };
            values[slot] = threshold;
            let right = if children == node { node } else { children + 1 };
            stack.push((children, 2 * slot, depth + 1));
            stack.push((right, 2 * slot + 1, depth + 1));
        }
    }
}

/// A node waiting to be split: its training rows are `order[start..end]`.
#[derive(Debug, Clone, Copy)]
struct Pending {
    node: u32,
    start: usize,
    end: usize,
    depth: u32,
}

/// Scratch reused from tree to tree (one per thread).
#[derive(Debug, Default)]
struct Grower {
    /// The drawn rows' values, column-major: feature `f` of drawn row `i` at
    /// `columns[f * m + i]`, so a node's min/max scan reads one column.
    columns: Vec<f64>,
    /// Drawn rows as positions `0..m`, partitioned node by node.
    order: Vec<u32>,
    rows: Vec<usize>,
    seen: BitSet,
    stack: Vec<Pending>,
    candidates: Vec<u32>,
}

impl Grower {
    /// Draws `m` rows of `x` and grows one tree on them to depth
    /// `max_depth`.
    fn grow(&mut self, x: &Matrix, m: usize, max_depth: u32, rng: &mut Xoshiro256pp) -> GrownTree {
        self.draw_rows(x.rows(), m, rng);
        self.gather(x);
        let mut tree = GrownTree {
            nodes: vec![LEAF_PLACEHOLDER],
            path_lengths: vec![0.0],
            height: 0,
        };
        self.order.clear();
        self.order.extend(0..m as u32);
        self.stack.clear();
        self.stack.push(Pending {
            node: 0,
            start: 0,
            end: m,
            depth: 0,
        });
        while let Some(p) = self.stack.pop() {
            let split = if p.depth < max_depth && p.end - p.start >= 2 {
                self.choose_split(x.cols(), m, p, rng)
            } else {
                None
            };
            match split {
                None => make_leaf(&mut tree, p),
                Some((feature, threshold)) => self.split(&mut tree, m, p, feature, threshold),
            }
        }
        tree
    }

    /// `m` distinct rows of `0..n`, uniformly (Floyd's algorithm); all rows
    /// when `m == n` (a tree depends only on the set of its rows).
    /// Membership is a bitset over `0..n`, all clear between calls (only the
    /// drawn bits are set, and they are cleared again at the end).
    fn draw_rows(&mut self, n: usize, m: usize, rng: &mut Xoshiro256pp) {
        self.rows.clear();
        if m == n {
            self.rows.extend(0..n);
            return;
        }
        self.seen.grow_to(n);
        for j in n - m..n {
            let t = rng.below(j + 1);
            let pick = if self.seen.contains(t) { j } else { t };
            self.seen.insert(pick);
            self.rows.push(pick);
        }
        for &r in &self.rows {
            self.seen.remove(r);
        }
    }

    fn gather(&mut self, x: &Matrix) {
        let m = self.rows.len();
        self.columns.clear();
        self.columns.resize(m * x.cols(), 0.0);
        for (i, &r) in self.rows.iter().enumerate() {
            for (f, &v) in x.row(r).iter().enumerate() {
                self.columns[f * m + i] = v;
            }
        }
    }

    /// A uniformly drawn non-constant feature and a threshold in `[min, max)`
    /// of it over the node, or `None` when every feature is constant there.
    fn choose_split(
        &mut self,
        d: usize,
        m: usize,
        p: Pending,
        rng: &mut Xoshiro256pp,
    ) -> Option<(u32, f64)> {
        self.candidates.clear();
        self.candidates.extend(0..d as u32);
        let members = &self.order[p.start..p.end];
        while !self.candidates.is_empty() {
            let j = rng.below(self.candidates.len());
            let feature = self.candidates[j];
            let column = &self.columns[feature as usize * m..][..m];
            let (lo, hi) = min_max(members.iter().map(|&i| column[i as usize]));
            if hi <= lo + FEATURE_THRESHOLD {
                self.candidates.swap_remove(j);
                continue;
            }
            return Some((feature, draw_threshold(lo, hi, rng.unit())));
        }
        None
    }

    /// Partitions the node's rows (`<= threshold` first) and queues its two
    /// children, allocated side by side.
    fn split(&mut self, tree: &mut GrownTree, m: usize, p: Pending, feature: u32, threshold: f64) {
        let column = &self.columns[feature as usize * m..][..m];
        let mid = p.start + partition(&mut self.order[p.start..p.end], column, threshold);
        let left = tree.nodes.len() as u32;
        tree.nodes[p.node as usize] = Node {
            threshold,
            feature,
            left,
        };
        tree.nodes.extend([LEAF_PLACEHOLDER; 2]);
        tree.path_lengths.extend([0.0; 2]);
        let depth = p.depth + 1;
        self.stack.push(Pending {
            node: left + 1,
            start: mid,
            end: p.end,
            depth,
        });
        self.stack.push(Pending {
            node: left,
            start: p.start,
            end: mid,
            depth,
        });
    }
}

/// Overwritten before the tree is used: every pushed node becomes a split or
/// a leaf.
const LEAF_PLACEHOLDER: Node = Node {
    threshold: f64::INFINITY,
    feature: 0,
    left: 0,
};

fn make_leaf(tree: &mut GrownTree, p: Pending) {
    tree.nodes[p.node as usize] = Node {
        threshold: f64::INFINITY,
        feature: 0,
        left: p.node,
    };
    // scikit-learn: depths (root = 1) + c(n) − 1.
    tree.path_lengths[p.node as usize] =
        (f64::from(p.depth + 1) + average_path_length(p.end - p.start)) - 1.0;
    tree.height = tree.height.max(p.depth);
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// scikit-learn's `rand_uniform(lo, hi)` = `(hi − lo)·u + lo`, with its rule
/// that a threshold equal to `hi` becomes `lo`. Invariant kept for any finite
/// `lo < hi`: the result is in `[lo, hi)`, so both children are non-empty
/// (when `hi − lo` overflows, the convex combination is used instead).
fn draw_threshold(lo: f64, hi: f64, u: f64) -> f64 {
    let span = hi - lo;
    let t = if span.is_finite() {
        span * u + lo
    } else {
        lo * (1.0 - u) + hi * u
    };
    if t >= hi || t < lo { lo } else { t }
}

/// Moves the positions whose value is `<= threshold` to the front; returns
/// how many there are.
fn partition(order: &mut [u32], column: &[f64], threshold: f64) -> usize {
    let (mut i, mut j) = (0, order.len());
    while i < j {
        if column[order[i] as usize] <= threshold {
            i += 1;
        } else {
            j -= 1;
            order.swap(i, j);
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: usize, cols: usize, f: impl Fn(usize, usize) -> f64) -> Matrix {
        let data = (0..rows * cols).map(|k| f(k / cols, k % cols)).collect();
        Matrix::new(rows, cols, data).expect("rows × cols values")
    }

    /// Deterministic pseudo-random cloud in [-1, 1)^cols with `outliers`
    /// extra rows far away (the last rows).
    fn cloud(rows: usize, cols: usize, outliers: usize) -> Matrix {
        let mut rng = Xoshiro256pp::for_tree(7, 0);
        let mut data = Vec::with_capacity((rows + outliers) * cols);
        for _ in 0..rows * cols {
            data.push(2.0 * rng.unit() - 1.0);
        }
        for k in 0..outliers * cols {
            data.push(8.0 + (k % 3) as f64);
        }
        Matrix::new(rows + outliers, cols, data).expect("shape")
    }

    fn params(contamination: Contamination) -> IsolationForestParams {
        IsolationForestParams {
            contamination,
            seed: 42,
            ..IsolationForestParams::default()
        }
    }

    #[test]
    fn average_path_length_matches_sklearn() {
        // sklearn.ensemble._iforest._average_path_length([n]).
        assert_eq!(average_path_length(0), 0.0);
        assert_eq!(average_path_length(1), 0.0);
        assert_eq!(average_path_length(2), 1.0);
        assert_eq!(average_path_length(3), 1.207392357589623);
        assert_eq!(average_path_length(10), 3.748880484475505);
        assert_eq!(average_path_length(256), 10.244770920119917);
    }

    #[test]
    fn height_limit_is_ceil_log2() {
        let cases = [(1, 1), (2, 1), (3, 2), (4, 2), (255, 8), (256, 8), (257, 9)];
        for (m, h) in cases {
            assert_eq!(height_limit(m), h, "max_samples {m}");
        }
    }

    #[test]
    fn one_row_scores_minus_one_half() {
        let x = matrix(1, 3, |_, j| j as f64);
        for c in [Contamination::Auto, Contamination::Fraction(0.1)] {
            let forest = IsolationForest::fit(&x, &params(c)).expect("fits");
            assert_eq!(forest.max_samples(), 1);
            assert_eq!(forest.score_samples(&x).expect("scores"), vec![-0.5]);
            assert_eq!(forest.offset(), -0.5);
            assert_eq!(forest.predict(&x).expect("predicts"), vec![1]);
        }
    }

    #[test]
    fn duplicate_rows_end_in_one_leaf() {
        let x = matrix(50, 4, |_, j| j as f64 * 1.5);
        let forest = IsolationForest::fit(&x, &params(Contamination::Fraction(0.1))).expect("fits");
        // Every tree is a single leaf of 50 rows: h = c(50), score −2^−1 up
        // to the rounding of Σh / (100·c(50)); scikit-learn 1.6.1 prints
        // the same -0.5000000000000002 for both.
        assert!(forest.heights.iter().all(|&h| h == 0));
        let scores = forest.score_samples(&x).expect("scores");
        assert!(
            scores.iter().all(|&s| s == -0.500_000_000_000_000_2),
            "{scores:?}"
        );
        assert_eq!(forest.offset(), -0.500_000_000_000_000_2);
        assert!(
            forest
                .predict(&x)
                .expect("predicts")
                .iter()
                .all(|&p| p == 1)
        );
    }

    /// Every (tree, slot, feature, threshold) of the real splits (finite
    /// thresholds) of a fitted forest.
    fn splits(forest: &IsolationForest) -> Vec<(usize, usize, u32, f64)> {
        let (s, v) = (1usize << forest.levels, 2usize << forest.levels);
        let mut out = Vec::new();
        for (t, &h) in forest.heights.iter().enumerate() {
            for i in 1..1usize << h {
                let threshold = forest.values[t * v + i];
                if threshold.is_finite() {
                    out.push((t, i, forest.features[t * s + i] / LANES as u32, threshold));
                }
            }
        }
        out
    }

    #[test]
    fn constant_columns_are_never_split_on() {
        let x = matrix(300, 3, |i, j| match j {
            1 => 4.0,
            2 => 4.0 + 1e-8 * (i % 2) as f64, // within FEATURE_THRESHOLD
            _ => (i * 37 % 101) as f64,
        });
        let forest = IsolationForest::fit(&x, &params(Contamination::Auto)).expect("fits");
        let splits = splits(&forest);
        assert!(splits.len() > 1000);
        assert!(
            splits.iter().all(|&(_, _, f, _)| f == 0),
            "split on a constant column"
        );
    }

    #[test]
    fn grown_trees_keep_their_invariants() {
        let x = cloud(600, 3, 5);
        let mut grower = Grower::default();
        for t in 0..20 {
            let mut rng = Xoshiro256pp::for_tree(42, t);
            let tree = grower.grow(&x, 256, 8, &mut rng);
            assert!(tree.height <= 8 && tree.nodes.len() < 2 * 256);
            let mut leaves = 0;
            for (k, node) in tree.nodes.iter().enumerate() {
                if node.left as usize == k {
                    assert!(tree.path_lengths[k] >= 0.0);
                    leaves += 1;
                } else {
                    assert!(node.threshold.is_finite());
                    assert!(node.left as usize > k && (node.left as usize) + 1 < tree.nodes.len());
                }
            }
            assert_eq!(leaves * 2 - 1, tree.nodes.len(), "a full binary tree");
        }
    }

    #[test]
    fn the_complete_layout_scores_as_the_grown_tree() {
        // Walk the grown (sparse) trees directly and compare with the
        // forest's layout: small trees and narrow blocks, large trees
        // (max_samples > 256) and wide blocks (d > 8), and a chunk tail.
        for (rows, d, max_samples) in [(500, 4, 256), (700, 11, 300), (1030, 1, 40)] {
            let x = cloud(rows, d, 4);
            let p = IsolationForestParams {
                n_estimators: 5,
                max_samples: MaxSamples::Count(max_samples),
                ..params(Contamination::Auto)
            };
            let forest = IsolationForest::fit(&x, &p).expect("fits");
            let limit = height_limit(max_samples);
            let mut grower = Grower::default();
            let trees: Vec<GrownTree> = (0..5)
                .map(|t| grower.grow(&x, max_samples, limit, &mut Xoshiro256pp::for_tree(42, t)))
                .collect();
            let expected: Vec<f64> = (0..x.rows())
                .map(|r| {
                    let row = x.row(r);
                    let sum = trees.iter().fold(0.0, |acc, tree| {
                        let mut k = 0;
                        while tree.nodes[k].left as usize != k {
                            let n = tree.nodes[k];
                            let right = row[n.feature as usize] > n.threshold;
                            k = n.left as usize + usize::from(right);
                        }
                        acc + tree.path_lengths[k]
                    });
                    forest.score_of(sum)
                })
                .collect();
            assert_eq!(
                forest.score_samples(&x).expect("scores"),
                expected,
                "{rows}×{d}"
            );
        }
    }

    #[test]
    fn a_single_column_finds_the_far_points() {
        let x = cloud(500, 1, 3);
        let forest = IsolationForest::fit(&x, &params(Contamination::Auto)).expect("fits");
        let scores = forest.score_samples(&x).expect("scores");
        let worst_inlier = scores[..500].iter().copied().fold(f64::INFINITY, f64::min);
        assert!(
            scores[500..].iter().all(|&s| s < worst_inlier),
            "{:?}",
            &scores[500..]
        );
        assert!(scores.iter().all(|&s| (-1.0..0.0).contains(&s)));
    }

    #[test]
    fn contamination_sets_the_flagged_fraction() {
        let x = cloud(2000, 4, 0);
        let forest = IsolationForest::fit(&x, &params(Contamination::Fraction(0.1))).expect("fits");
        let flagged = forest
            .predict(&x)
            .expect("predicts")
            .iter()
            .filter(|&&p| p == -1)
            .count();
        assert!((195..=205).contains(&flagged), "{flagged} flagged");
        let (_, decision) =
            IsolationForest::fit_decision_function(&x, &params(Contamination::Fraction(0.1)))
                .expect("fits");
        assert_eq!(decision, forest.decision_function(&x).expect("scores"));
    }

    #[test]
    fn contamination_bounds_are_checked() {
        let x = cloud(20, 2, 0);
        for ok in [1e-9, 0.25, 0.5] {
            assert!(IsolationForest::fit(&x, &params(Contamination::Fraction(ok))).is_ok());
        }
        for bad in [0.0, -0.1, 0.5000001, 1.0, f64::NAN] {
            let err = IsolationForest::fit(&x, &params(Contamination::Fraction(bad)));
            assert!(
                matches!(err, Err(IsolationForestError::Contamination(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let mut data = vec![0.5; 12];
        data[7] = f64::NAN;
        let x = Matrix::new(4, 3, data.clone()).expect("shape");
        let p = params(Contamination::Auto);
        assert_eq!(
            IsolationForest::fit(&x, &p).err(),
            Some(IsolationForestError::NaN { row: 2, col: 1 })
        );
        data[7] = f64::NEG_INFINITY;
        let x = Matrix::new(4, 3, data).expect("shape");
        assert_eq!(
            IsolationForest::fit(&x, &p).err(),
            Some(IsolationForestError::Infinite { row: 2, col: 1 })
        );
        let empty = Matrix::new(0, 3, vec![]).expect("shape");
        assert_eq!(
            IsolationForest::fit(&empty, &p).err(),
            Some(IsolationForestError::Empty { rows: 0, cols: 3 })
        );
        let no_cols = Matrix::new(3, 0, vec![]).expect("shape");
        assert!(matches!(
            IsolationForest::fit(&no_cols, &p),
            Err(IsolationForestError::Empty { .. })
        ));
        let zero_trees = IsolationForestParams {
            n_estimators: 0,
            ..p
        };
        let x = cloud(10, 3, 0);
        assert_eq!(
            IsolationForest::fit(&x, &zero_trees).err(),
            Some(IsolationForestError::NoEstimators)
        );
        for ms in [
            MaxSamples::Count(0),
            MaxSamples::Fraction(0.0),
            MaxSamples::Fraction(0.05),
        ] {
            let q = IsolationForestParams {
                max_samples: ms,
                ..p
            };
            assert_eq!(
                IsolationForest::fit(&x, &q).err(),
                Some(IsolationForestError::MaxSamples)
            );
        }
        let forest = IsolationForest::fit(&x, &p).expect("fits");
        assert_eq!(
            forest.score_samples(&cloud(4, 2, 0)).err(),
            Some(IsolationForestError::FeatureCount {
                expected: 3,
                found: 2
            })
        );
    }

    #[test]
    fn max_samples_bounds_each_tree() {
        let x = cloud(400, 2, 0);
        let p = IsolationForestParams {
            max_samples: MaxSamples::Count(10),
            ..params(Contamination::Auto)
        };
        let forest = IsolationForest::fit(&x, &p).expect("fits");
        assert_eq!(forest.max_samples(), 10);
        assert!(forest.heights.iter().all(|&h| h <= 4));
        assert!(splits(&forest).len() <= 9 * 100);
        let capped = IsolationForestParams {
            max_samples: MaxSamples::Count(10_000),
            ..p
        };
        let forest = IsolationForest::fit(&x, &capped).expect("fits");
        assert_eq!(forest.max_samples(), 400);
        let fraction = IsolationForestParams {
            max_samples: MaxSamples::Fraction(0.5),
            ..p
        };
        let forest = IsolationForest::fit(&x, &fraction).expect("fits");
        assert_eq!(forest.max_samples(), 200);
    }

    #[test]
    fn parallel_is_bit_identical_to_serial() {
        let x = cloud(3000, 5, 20);
        let p = params(Contamination::Fraction(0.05));
        let serial = IsolationForest::fit(&x, &p).expect("fits");
        let parallel = IsolationForest::fit_parallel(&x, &p).expect("fits");
        assert_eq!(serial.offset().to_bits(), parallel.offset().to_bits());
        let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        let a = bits(serial.score_samples(&x).expect("scores"));
        assert_eq!(a, bits(parallel.score_samples(&x).expect("scores")));
        assert_eq!(a, bits(serial.score_samples_parallel(&x).expect("scores")));
        let (_, d1) = IsolationForest::fit_decision_function(&x, &p).expect("fits");
        let (_, d2) = IsolationForest::fit_decision_function_parallel(&x, &p).expect("fits");
        assert_eq!(bits(d1), bits(d2));
        assert_eq!(
            serial.predict(&x).expect("predicts"),
            parallel.predict_parallel(&x).expect("predicts")
        );
    }

    #[test]
    fn the_seed_decides_the_forest() {
        let x = cloud(300, 3, 0);
        let fit = |seed| {
            let p = IsolationForestParams {
                seed,
                ..params(Contamination::Auto)
            };
            IsolationForest::fit(&x, &p)
                .and_then(|f| f.score_samples(&x))
                .expect("fits and scores")
        };
        assert_eq!(fit(1), fit(1));
        assert_ne!(fit(1), fit(2));
    }

    #[test]
    fn below_and_threshold_stay_in_range() {
        let mut rng = Xoshiro256pp::for_tree(3, 9);
        for n in 1..50 {
            assert!(rng.below(n) < n);
        }
        assert_eq!(draw_threshold(1.0, 2.0, 0.0), 1.0);
        // 1 + (1 − ε/2) rounds to 2 = hi, which scikit-learn maps to lo.
        assert_eq!(draw_threshold(1.0, 2.0, 1.0 - f64::EPSILON / 2.0), 1.0);
        assert_eq!(draw_threshold(1.0, 2.0, 0.5), 1.5);
        let t = draw_threshold(-f64::MAX, f64::MAX, 0.75);
        assert!(t.is_finite() && t > 0.0);
        assert_eq!(draw_threshold(0.0, 1e-300, 0.5), 5e-301);
    }

    /// Reads `u64 rows, u64 cols, rows·cols f64` (little-endian).
    fn read_matrix(path: &str) -> Matrix {
        let bytes = std::fs::read(path).expect("readable input");
        let word =
            |k: usize| u64::from_le_bytes(bytes[8 * k..8 * k + 8].try_into().expect("8 bytes"));
        let (rows, cols) = (word(0) as usize, word(1) as usize);
        let data = (0..rows * cols)
            .map(|k| f64::from_bits(word(2 + k)))
            .collect();
        Matrix::new(rows, cols, data).expect("shape")
    }

    /// On-CPU nanoseconds of the calling thread (`/proc/thread-self/schedstat`),
    /// which, unlike wall time, other processes on a busy machine do not
    /// inflate.
    fn thread_cpu_ns() -> u64 {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        stat.split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// Median wall seconds, minimum wall seconds and median calling-thread
    /// CPU seconds over `reps` runs.
    fn time_it(reps: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
        let mut wall = Vec::with_capacity(reps);
        let mut cpu = Vec::with_capacity(reps);
        for _ in 0..reps {
            let (start, cpu_start) = (std::time::Instant::now(), thread_cpu_ns());
            f();
            wall.push(start.elapsed().as_secs_f64());
            cpu.push((thread_cpu_ns() - cpu_start) as f64 * 1e-9);
        }
        wall.sort_by(f64::total_cmp);
        cpu.sort_by(f64::total_cmp);
        (wall[reps / 2], wall[0], cpu[reps / 2])
    }

    /// Verification against scikit-learn (driven by a script outside the
    /// repo): `IFOREST_IN` matrix → `IFOREST_OUT` = score_samples then the
    /// offset (f64 LE); `IFOREST_SEED`, `IFOREST_CONTAMINATION` (a fraction
    /// or `auto`), `IFOREST_REPS` timing repetitions (0: no timing).
    #[test]
    #[ignore = "needs IFOREST_IN; run in release by the verification script"]
    fn verify_against_sklearn() {
        let env = |k: &str| std::env::var(k).expect(k);
        let x = read_matrix(&env("IFOREST_IN"));
        let contamination = match env("IFOREST_CONTAMINATION").as_str() {
            "auto" => Contamination::Auto,
            c => Contamination::Fraction(c.parse().expect("a fraction")),
        };
        let p = IsolationForestParams {
            contamination,
            seed: env("IFOREST_SEED").parse().expect("a seed"),
            ..IsolationForestParams::default()
        };
        let forest = IsolationForest::fit(&x, &p).expect("fits");
        let scores = forest.score_samples(&x).expect("scores");
        let mut out: Vec<u8> = Vec::with_capacity(8 * (scores.len() + 1));
        for v in scores.iter().chain([forest.offset()].iter()) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        std::fs::write(env("IFOREST_OUT"), out).expect("writable output");
        let reps: usize = env("IFOREST_REPS").parse().expect("a count");
        if reps == 0 {
            return;
        }
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        let timings = [
            ("fit", time_it(reps, || drop(IsolationForest::fit(&x, &p)))),
            (
                "score_samples",
                time_it(reps, || drop(forest.score_samples(&x))),
            ),
            (
                "fit+decision_function",
                time_it(reps, || {
                    drop(IsolationForest::fit(&x, &p).and_then(|f| f.decision_function(&x)))
                }),
            ),
            (
                "fit_decision_function",
                time_it(reps, || {
                    drop(IsolationForest::fit_decision_function(&x, &p))
                }),
            ),
            (
                "2t fit+decision_function",
                time_it(reps, || {
                    two.install(|| {
                        drop(
                            IsolationForest::fit_parallel(&x, &p)
                                .and_then(|f| f.decision_function_parallel(&x)),
                        )
                    })
                }),
            ),
            (
                "2t fit_decision_function",
                time_it(reps, || {
                    two.install(|| drop(IsolationForest::fit_decision_function_parallel(&x, &p)))
                }),
            ),
        ];
        for (name, (median, min, cpu)) in timings {
            println!("TIMING {name} median {median:.6} min {min:.6} thread_cpu {cpu:.6}");
        }
    }
}
