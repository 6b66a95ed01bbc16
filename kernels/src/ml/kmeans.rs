//! k-means as scikit-learn 1.6.1's `KMeans(n_clusters=k, random_state=42)`
//! fits it (catalog analytics K6, on StandardScaler-scaled node features):
//! greedy k-means++ seeding, Lloyd iterations, sklearn's stopping rules and
//! empty-cluster relocation, and a final E-step so the labels match the
//! centers.
//!
//! **Same semantics, not the same random numbers.** numpy's `RandomState`
//! cannot be replayed here, so the seeding draws from our own generator
//! ([`Rng`], xoshiro256**); the clustering found is the one sklearn finds
//! from an equally good seeding, not necessarily the same one. What is the
//! same, step by step:
//! * the data is centred on its column means first (sklearn does it for the
//!   accuracy of `‖x‖² − 2x·c + ‖c‖²`); the centers are shifted back at the
//!   end;
//! * k-means++ in sklearn's greedy variant: the first center uniformly at
//!   random, then for every other center `2 + ⌊ln k⌋` candidates drawn with
//!   probability ∝ the squared distance to the closest chosen center, keeping
//!   the candidate that lowers the potential (the sum of those distances)
//!   most;
//! * Lloyd: assign every point to the nearest center (first one on ties),
//!   move every center to the mean of its points; a center left without
//!   points takes over the point farthest from its own center (farthest
//!   first; the donor cluster loses it). Stop when no label changed (strict
//!   convergence) or when the squared center shift, summed over centers, is
//!   at most `tol × mean(var(X, axis=0))`, or after `max_iter` iterations;
//!   unless strictly converged, one more assignment step makes the labels
//!   match the returned centers;
//! * with `n_init > 1`, the run with the lowest inertia wins, unless it is
//!   the same partition as the best so far (sklearn's rounding guard).
//!
//! Distances are exact squared differences, `Σ (x − c)²`, where sklearn uses
//! `‖c‖² − 2x·c`; the two pick different centers only for rows equidistant
//! to rounding. `k = n` is allowed and `k > n` is an error, as in sklearn.
//!
//! **Why it is fast** (one thread, no SIMD beyond the x86-64 baseline):
//! * the centred data is stored in blocks of eight rows, feature-major, so
//!   every distance loop handles eight rows with a fixed trip count and no
//!   data-dependent branch (selects are min/max on f64, center indices too);
//! * Lloyd skips what Hamerly's bounds prove unchanged (an upper bound on the
//!   distance to the own center, a lower bound on every other), tested for a
//!   whole block at once; the seeding hands over exact bounds (it tracks the
//!   nearest and second-nearest chosen center), so the first step is nearly
//!   free; cluster sums follow the rows that changed cluster. The result is
//!   plain Lloyd's (a test replays plain Lloyd and compares labels, iteration
//!   count and centers).
//!
//! **Serial and parallel agree to the bit.** Every pass over the points walks
//! fixed chunks of [`CHUNK`] rows, each chunk combines its own partial
//! results in a fixed order and the partials are added in chunk order,
//! whether the chunks ran on one thread ([`KMeans::fit`]) or on the rayon
//! pool ([`KMeans::fit_parallel`]). Each of the `n_init` runs draws from its
//! own stream (seed, run index), so runs can be spread over threads too.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;
use thiserror::Error;

use super::Matrix;

/// sklearn's `random_state=42`, the seed the original passes.
pub const DEFAULT_SEED: u64 = 42;

/// Rows per chunk of every pass over the points. Fixed (never derived from
/// the thread count) so the parallel sums are the serial sums; big enough
/// that a chunk's partial sums (k × d values) cost nothing next to its rows.
pub(crate) const CHUNK: usize = 2048;

/// Why k-means cannot run; the cases where scikit-learn raises `ValueError`.
#[derive(Debug, Error, PartialEq)]
pub enum KMeansError {
    #[error("n_clusters must be at least 1")]
    NoClusters,
    #[error("n_samples={n_samples} should be >= n_clusters={n_clusters}")]
    TooFewSamples { n_samples: usize, n_clusters: usize },
    #[error("the data has no features")]
    NoFeatures,
    #[error("n_init and max_iter must be at least 1")]
    NoIterations,
    #[error("tol must be finite and non-negative, got {0}")]
    BadTolerance(f64),
    #[error("the value at row {row}, column {col} is NaN or infinite")]
    NonFinite { row: usize, col: usize },
}

/// The parameters of sklearn's `KMeans` that the original's calls use; the
/// rest are fixed at sklearn's defaults (`init='k-means++'`,
/// `algorithm='lloyd'`, unit sample weights).
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    /// k, at least 1 and at most the number of rows.
    pub n_clusters: usize,
    /// Independent seedings; the lowest inertia wins. sklearn's `'auto'`
    /// means 1 with k-means++ (spectral clustering passes 10).
    pub n_init: usize,
    /// Lloyd iterations per run, at most.
    pub max_iter: usize,
    /// Relative tolerance on the squared center shift (scaled by the mean
    /// per-feature variance of the data).
    pub tol: f64,
    /// Seed of our generator (the role of sklearn's `random_state`).
    pub seed: u64,
}

/// A fitted clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansFit {
    /// Cluster of every row, `0..n_clusters`.
    pub labels: Vec<usize>,
    /// `n_clusters × cols` centers, in the data's coordinates.
    pub centers: Matrix,
    /// Sum over rows of the squared distance to the row's center.
    pub inertia: f64,
    /// Lloyd iterations of the winning run (the final E-step not counted).
    pub n_iter: usize,
}

impl KMeans {
    /// `KMeans(n_clusters, random_state=42)` with sklearn's defaults:
    /// `n_init=1`, `max_iter=300`, `tol=1e-4`.
    pub fn new(n_clusters: usize) -> Self {
        KMeans {
            n_clusters,
            n_init: 1,
            max_iter: 300,
            tol: 1e-4,
            seed: DEFAULT_SEED,
        }
    }

    /// Fits on one thread.
    pub fn fit(&self, x: &Matrix) -> Result<KMeansFit, KMeansError> {
        self.fit_with(x, Exec::Serial)
    }

    /// Fits on the rayon pool: runs and row chunks in parallel. The result
    /// is bit-identical to [`KMeans::fit`].
    pub fn fit_parallel(&self, x: &Matrix) -> Result<KMeansFit, KMeansError> {
        self.fit_with(x, Exec::Parallel)
    }

    pub(crate) fn fit_with(&self, x: &Matrix, exec: Exec) -> Result<KMeansFit, KMeansError> {
        self.validate(x)?;
        let data = Centred::new(x)?;
        let tol = self.tol * data.mean_variance();
        let runs: Vec<Run> = match exec {
            Exec::Serial => (0..self.n_init)
                .map(|r| self.run_once(&data, tol, r, exec))
                .collect(),
            Exec::Parallel => (0..self.n_init)
                .into_par_iter()
                .map(|r| self.run_once(&data, tol, r, exec))
                .collect(),
        };
        let best = pick_best(runs, self.n_clusters);
        Ok(data.into_fit(best))
    }

    fn validate(&self, x: &Matrix) -> Result<(), KMeansError> {
        if self.n_clusters == 0 {
            return Err(KMeansError::NoClusters);
        }
        if x.rows() < self.n_clusters {
            return Err(KMeansError::TooFewSamples {
                n_samples: x.rows(),
                n_clusters: self.n_clusters,
            });
        }
        if x.cols() == 0 {
            return Err(KMeansError::NoFeatures);
        }
        if self.n_init == 0 || self.max_iter == 0 {
            return Err(KMeansError::NoIterations);
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(KMeansError::BadTolerance(self.tol));
        }
        Ok(())
    }

    /// One seeding and its Lloyd run; run `r` draws from stream `r`.
    fn run_once(&self, data: &Centred, tol: f64, r: usize, exec: Exec) -> Run {
        let mut rng = Rng::stream(self.seed, r as u64);
        let seeding = plus_plus(data, self.n_clusters, &mut rng, exec);
        let state = seeding
            .blocks
            .iter()
            .map(|seed| Bounds::new(&seed.d1, &seed.d2, &seed.label))
            .collect();
        let centers = Centers::new(seeding.centers, data.d);
        lloyd_from(data, centers, state, self.max_iter, tol, exec)
    }
}

/// sklearn's choice among runs: strictly lower inertia and a different
/// partition (a permutation of the best labels with a rounding-level lower
/// inertia does not replace it). Earlier runs win ties.
fn pick_best(runs: Vec<Run>, k: usize) -> Run {
    let mut best: Option<Run> = None;
    for run in runs {
        let better = best
            .as_ref()
            .is_none_or(|b| run.inertia < b.inertia && !same_clustering(&run.labels, &b.labels, k));
        if better {
            best = Some(run);
        }
    }
    // `validate` guarantees n_init >= 1, so there is at least one run.
    best.unwrap_or_else(|| unreachable!("n_init >= 1 was validated"))
}

/// sklearn's `_is_same_clustering`: every label of `a` maps to one label of
/// `b` (a one-way check, as sklearn's).
fn same_clustering(a: &[u32], b: &[u32], k: usize) -> bool {
    let mut mapping = vec![u32::MAX; k];
    a.iter().zip(b).all(|(&la, &lb)| {
        let slot = &mut mapping[la as usize];
        if *slot == u32::MAX {
            *slot = lb;
        }
        *slot == lb
    })
}

// ---------------------------------------------------------------------------
// Execution: fixed chunks, ordered partials.

/// Where the chunks of a pass run. Either way the chunks and the order their
/// partial results are combined in are the same, hence so are the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exec {
    Serial,
    Parallel,
}

impl Exec {
    /// `f(rows)` for each chunk of `0..n`, results in chunk order.
    pub(crate) fn map_chunks<T, F>(self, n: usize, f: F) -> Vec<T>
    where
        T: Send,
        F: Fn(Range<usize>) -> T + Sync + Send,
    {
        let chunks = n.div_ceil(CHUNK);
        let range = move |c: usize| c * CHUNK..((c + 1) * CHUNK).min(n);
        match self {
            Exec::Serial => (0..chunks).map(|c| f(range(c))).collect(),
            Exec::Parallel => (0..chunks).into_par_iter().map(|c| f(range(c))).collect(),
        }
    }

    /// `f(c, part)` for each part `c` of `out`, `per_chunk` elements a part
    /// (one chunk's worth); results in part order.
    pub(crate) fn map_parts_mut<S, T, F>(self, out: &mut [S], per_chunk: usize, f: F) -> Vec<T>
    where
        S: Send,
        T: Send,
        F: Fn(usize, &mut [S]) -> T + Sync + Send,
    {
        match self {
            Exec::Serial => out
                .chunks_mut(per_chunk)
                .enumerate()
                .map(|(c, part)| f(c, part))
                .collect(),
            Exec::Parallel => out
                .par_chunks_mut(per_chunk)
                .enumerate()
                .map(|(c, part)| f(c, part))
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------
// Random numbers.

/// xoshiro256** (Blackman & Vigna), state filled by SplitMix64: small, fast,
/// and good enough for seeding choices. Not numpy's generator, on purpose:
/// the twin promises sklearn's semantics, not its draws.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// Independent stream `index` of `seed` (run `index` of `n_init`).
    pub(crate) fn stream(seed: u64, index: u64) -> Self {
        let mixed = Rng::new(index).next_u64();
        Rng::new(seed ^ mixed.rotate_left(17) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1), 53 random bits.
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n >= 1`), without modulo bias (Lemire).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as usize;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The data, centred.

/// Rows per block of the feature-major copy: the hot loops work on eight
/// rows at once, a fixed trip count the compiler turns into packed
/// arithmetic whatever `d` and `k` are, with no data-dependent branch.
const LANES: usize = 8;

/// One feature (or one per-row value) of the eight rows of a block.
type Lane = [f64; LANES];

/// Blocks per chunk.
const BLOCKS: usize = CHUNK / LANES;

/// The rows minus their column means, in blocks of [`LANES`] rows,
/// feature-major inside a block (block b, feature f at `blocks[b × d + f]`;
/// the last block padded with zero rows, which no count, sum or label ever
/// includes). Built in two passes over the input (column sums, then
/// centring with the squared deviations), the only full passes besides the
/// algorithm's own.
struct Centred {
    n: usize,
    d: usize,
    blocks: Vec<Lane>,
    mean: Vec<f64>,
    /// Per column, the sum of squared deviations from the mean.
    deviations: Vec<f64>,
}

impl Centred {
    /// Rejects NaN and infinite values (sklearn's `check_array`), found
    /// through the column sums so valid data pays no extra pass.
    fn new(m: &Matrix) -> Result<Self, KMeansError> {
        let (n, d) = (m.rows(), m.cols());
        let mut mean = vec![0.0; d];
        for row in m.as_slice().chunks_exact(d) {
            for (s, v) in mean.iter_mut().zip(row) {
                *s += v;
            }
        }
        if mean.iter().any(|s| !s.is_finite()) {
            if let Some(at) = m.as_slice().iter().position(|v| !v.is_finite()) {
                return Err(KMeansError::NonFinite {
                    row: at / d,
                    col: at % d,
                });
            }
        }
        mean.iter_mut().for_each(|s| *s /= n as f64);
        let mut deviations = vec![0.0; d];
        let mut blocks = vec![[0.0; LANES]; n.div_ceil(LANES) * d];
        for (i, row) in m.as_slice().chunks_exact(d).enumerate() {
            let block = &mut blocks[(i / LANES) * d..(i / LANES + 1) * d];
            let columns = block.iter_mut().zip(row).zip(&mean).zip(&mut deviations);
            for (((lane, &v), &mu), dev) in columns {
                let centred = v - mu;
                lane[i % LANES] = centred;
                *dev += centred * centred;
            }
        }
        Ok(Centred {
            n,
            d,
            blocks,
            mean,
            deviations,
        })
    }

    fn n_blocks(&self) -> usize {
        self.n.div_ceil(LANES)
    }

    /// Row `i` (centred), gathered from its block: for the few per-row
    /// uses (chosen centers, relocated rows).
    fn row(&self, i: usize) -> Vec<f64> {
        self.block(i / LANES).iter().map(|f| f[i % LANES]).collect()
    }

    fn block(&self, b: usize) -> &[Lane] {
        &self.blocks[b * self.d..(b + 1) * self.d]
    }

    /// Real rows in block `b`: [`LANES`] but in the last block.
    fn real(&self, b: usize) -> usize {
        LANES.min(self.n - b * LANES)
    }

    /// `mean(var(X, axis=0))`, population variances (numpy's `ddof=0`).
    fn mean_variance(&self) -> f64 {
        self.deviations.iter().sum::<f64>() / (self.n as f64 * self.d as f64)
    }

    fn into_fit(self, run: Run) -> KMeansFit {
        let mut centers = run.centers;
        for row in centers.chunks_exact_mut(self.d) {
            for (c, mu) in row.iter_mut().zip(&self.mean) {
                *c += mu;
            }
        }
        let k = centers.len() / self.d;
        KMeansFit {
            labels: run.labels.iter().map(|&l| l as usize).collect(),
            centers: Matrix::new(k, self.d, centers)
                .unwrap_or_else(|_| unreachable!("k × d centers by construction")),
            inertia: run.inertia,
            n_iter: run.n_iter,
        }
    }
}

/// Squared Euclidean distance, summed in feature order from +0.0, as
/// [`block_dist`] sums every lane: the same pair always gets the same bits.
#[inline]
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0, |acc, (x, y)| acc + (x - y) * (x - y))
}

/// Squared distances of a block's eight rows to `c`.
#[inline]
fn block_dist(block: &[Lane], c: &[f64]) -> Lane {
    let mut acc = [0.0; LANES];
    for (lane, &cf) in block.iter().zip(c) {
        for (a, &x) in acc.iter_mut().zip(lane) {
            *a += (x - cf) * (x - cf);
        }
    }
    acc
}

/// Squared distance of one row of a block to `c`, summed as [`sq_dist`]
/// sums (read from the block, which the assignment step has in cache).
#[inline]
fn lane_dist(block: &[Lane], lane: usize, c: &[f64]) -> f64 {
    block
        .iter()
        .zip(c)
        .fold(0.0, |acc, (x, y)| acc + (x[lane] - y) * (x[lane] - y))
}

/// The smaller of two numbers that are not NaN (a plain compare, which
/// compiles to one packed instruction where `f64::min` does not).
#[inline]
fn min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// The larger of two numbers that are not NaN.
#[inline]
fn max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// Takes a new distance `v` to center `j` into a row's nearest (`d1`, at
/// center `at`) and second-nearest (`d2`) squared distances; ties keep the
/// earlier center. Written as min, max and one select, all on f64 (the
/// center index too), so eight rows compile to packed instructions.
#[inline]
fn take_in(d1: &mut Lane, d2: &mut Lane, at: &mut Lane, v: &Lane, j: f64) {
    for lane in 0..LANES {
        d2[lane] = min(d2[lane], max(d1[lane], v[lane]));
        at[lane] = if v[lane] < d1[lane] { j } else { at[lane] };
        d1[lane] = min(d1[lane], v[lane]);
    }
}

/// Relative slack of the bound tests of Hamerly's algorithm: a test skips
/// work only when it holds with this margin, so the rounding of the bounds
/// (about 1e-16 per operation, a few hundred operations at most) can never
/// skip a row whose nearest center is not decided beyond rounding.
const SLACK: f64 = 1e-10;

// ---------------------------------------------------------------------------
// k-means++ (sklearn's greedy variant).
//
// Every step computes, block by block, the squared distance of every row to
// every candidate: branch-free, eight rows at a time. The seeding also
// tracks each row's nearest and second-nearest chosen center, which are
// exactly Hamerly's bounds for Lloyd's first step.

/// The seeding's view of a block's rows: squared distance to the nearest
/// chosen center (0 for padding rows), to the second nearest (infinite while
/// there is none), and the nearest center (as f64, see [`take_in`]).
#[derive(Debug, Clone, Copy)]
struct SeedBlock {
    d1: Lane,
    d2: Lane,
    label: Lane,
}

/// The initial centers and each block's [`SeedBlock`] for them.
struct Seeding {
    centers: Vec<f64>,
    blocks: Vec<SeedBlock>,
}

/// sklearn's greedy k-means++ on the centred data.
fn plus_plus(data: &Centred, k: usize, rng: &mut Rng, exec: Exec) -> Seeding {
    let trials = 2 + (k as f64).ln() as usize;
    let first = rng.below(data.n);
    let mut centers = data.row(first);
    let mut seeds = vec![
        SeedBlock {
            d1: [0.0; LANES],
            d2: [f64::INFINITY; LANES],
            label: [0.0; LANES],
        };
        data.n_blocks()
    ];
    let mut totals = take(data, &mut seeds, &data.row(first), 0, exec);
    for c in 1..k {
        let pot: f64 = totals.iter().sum();
        let candidates: Vec<usize> = (0..trials)
            .map(|_| sample(data, &seeds, &totals, rng.uniform() * pot))
            .collect();
        let best = candidates[best_candidate(data, &seeds, &candidates, exec)];
        let best = data.row(best);
        totals = take(data, &mut seeds, &best, c as u32, exec);
        centers.extend_from_slice(&best);
    }
    Seeding {
        centers,
        blocks: seeds,
    }
}

/// The first row whose cumulative distance exceeds `r` (so a row at
/// distance 0 is never drawn), the last row if rounding leaves none. The
/// cumulative sum is the ordered sum of the chunk totals before the row's
/// chunk plus the running sum inside it, identical for both executions.
fn sample(data: &Centred, seeds: &[SeedBlock], totals: &[f64], r: f64) -> usize {
    let mut before = 0.0;
    for (c, &total) in totals.iter().enumerate() {
        if before + total > r {
            let mut run = 0.0;
            for (b, seed) in seeds.iter().enumerate().skip(c * BLOCKS).take(BLOCKS) {
                for (lane, &v) in seed.d1[..data.real(b)].iter().enumerate() {
                    run += v;
                    if before + run > r {
                        return b * LANES + lane;
                    }
                }
            }
        }
        before += total;
    }
    data.n - 1
}

/// The candidate that leaves the smallest potential (first on ties, as
/// `np.argmin`). Padding rows add `min(·, 0) = 0`.
fn best_candidate(data: &Centred, seeds: &[SeedBlock], candidates: &[usize], exec: Exec) -> usize {
    let t = candidates.len();
    let candidates: Vec<Vec<f64>> = candidates.iter().map(|&c| data.row(c)).collect();
    let partials = exec.map_chunks(data.n, |rows| {
        // A chunk's rows start a block: CHUNK is a multiple of LANES.
        let first = rows.start / LANES;
        let mut pots = vec![[0.0; LANES]; t];
        for (b, seed) in seeds.iter().enumerate().skip(first).take(BLOCKS) {
            let block = data.block(b);
            for (pot, cand) in pots.iter_mut().zip(&candidates) {
                let dist = block_dist(block, cand);
                for ((p, &v), &d1) in pot.iter_mut().zip(&dist).zip(&seed.d1) {
                    *p += min(v, d1);
                }
            }
        }
        pots.iter().map(|p| p.iter().sum()).collect::<Vec<f64>>()
    });
    let mut pots = vec![0.0; t];
    for part in &partials {
        for (p, v) in pots.iter_mut().zip(part) {
            *p += v;
        }
    }
    let mut best = 0;
    for (j, &p) in pots.iter().enumerate() {
        if p < pots[best] {
            best = j;
        }
    }
    best
}

/// Makes `center` chosen center `c`: every row's nearest and second-nearest
/// distance take it in, the nearest exactly as [`best_candidate`] counted
/// it. Returns each chunk's sum of the nearest distances over its real rows,
/// summed in row order from zero ([`sample`] relies on exactly these).
fn take(data: &Centred, seeds: &mut [SeedBlock], center: &[f64], c: u32, exec: Exec) -> Vec<f64> {
    exec.map_parts_mut(seeds, BLOCKS, |chunk, part| {
        let mut total = 0.0;
        for (i, seed) in part.iter_mut().enumerate() {
            let b = chunk * BLOCKS + i;
            let real = data.real(b);
            let mut dist = block_dist(data.block(b), center);
            dist[real..].fill(0.0);
            if c == 0 {
                seed.d1 = dist;
            } else {
                take_in(
                    &mut seed.d1,
                    &mut seed.d2,
                    &mut seed.label,
                    &dist,
                    f64::from(c),
                );
            }
            total = seed.d1[..real].iter().fold(total, |t, &v| t + v);
        }
        total
    })
}

// ---------------------------------------------------------------------------
// Lloyd, with Hamerly's bounds.
//
// Every assignment step gives each row its nearest center (first on ties),
// as Lloyd's does. Hamerly's bounds (an upper bound on the distance to the
// row's center, a lower bound on the distance to every other center) skip
// a block whose eight rows provably kept their center, which after the
// first few iterations is most blocks; the other blocks get all k distances
// at once, branch-free. The per-cluster sums are kept up to date from the
// rows that changed cluster, so a step costs little more than its blocks
// that could change.

/// One run's outcome, in centred coordinates.
struct Run {
    labels: Vec<u32>,
    centers: Vec<f64>,
    inertia: f64,
    n_iter: usize,
}

/// A block's clusters and Hamerly's two bounds (Euclidean distances):
/// `upper` ≥ the distance to the row's center, `lower` ≤ the distance to
/// any other center.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    label: [u32; LANES],
    upper: Lane,
    lower: Lane,
}

impl Bounds {
    /// From squared distances to the nearest and second-nearest center and
    /// the nearest center's index (an exact small integer held in f64).
    fn new(d1: &Lane, d2: &Lane, at: &Lane) -> Self {
        Bounds {
            label: at.map(|j| j as u32),
            upper: d1.map(f64::sqrt),
            lower: d2.map(f64::sqrt),
        }
    }
}

/// Centers with what the bound tests need.
struct Centers {
    k: usize,
    d: usize,
    /// `k × d`, row-major.
    c: Vec<f64>,
    /// Half the distance from each center to the nearest other one: a row
    /// closer than that to its center has no nearer center (infinite when
    /// k = 1).
    half_gap: Vec<f64>,
}

impl Centers {
    fn new(c: Vec<f64>, d: usize) -> Self {
        let k = c.len() / d;
        let mut half_gap = vec![f64::INFINITY; k];
        for (a, ca) in c.chunks_exact(d).enumerate() {
            for (b, cb) in c.chunks_exact(d).enumerate().skip(a + 1) {
                let half = 0.5 * sq_dist(ca, cb).sqrt();
                half_gap[a] = min(half_gap[a], half);
                half_gap[b] = min(half_gap[b], half);
            }
        }
        Centers { k, d, c, half_gap }
    }

    fn row(&self, j: usize) -> &[f64] {
        &self.c[j * self.d..(j + 1) * self.d]
    }

    /// Every row's nearest center (first on ties), its distance, and the
    /// distance to the nearest other center.
    fn nearest(&self, block: &[Lane]) -> Bounds {
        let mut d1 = [f64::INFINITY; LANES];
        let mut d2 = [f64::INFINITY; LANES];
        let mut at = [0.0; LANES];
        for (j, c) in self.c.chunks_exact(self.d).enumerate() {
            take_in(&mut d1, &mut d2, &mut at, &block_dist(block, c), j as f64);
        }
        Bounds::new(&d1, &d2, &at)
    }

    /// The nearest center of one row of a block, as [`Centers::nearest`]
    /// finds it for the whole block (same distances, same choice).
    fn nearest_one(&self, bounds: &mut Bounds, block: &[Lane], lane: usize) {
        let (mut d1, mut d2, mut at) = (f64::INFINITY, f64::INFINITY, 0);
        for (j, c) in self.c.chunks_exact(self.d).enumerate() {
            let v = lane_dist(block, lane, c);
            d2 = min(d2, max(d1, v));
            at = if v < d1 { j } else { at };
            d1 = min(d1, v);
        }
        bounds.label[lane] = at as u32;
        bounds.upper[lane] = d1.sqrt();
        bounds.lower[lane] = d2.sqrt();
    }

    /// Makes every real row of block `b` carry its nearest center, doing
    /// as little as the bounds allow: nothing when they prove every row
    /// kept its center (one branch-free test); when a few rows fail, the
    /// exact distance to their own center, then all distances for those
    /// that still fail, row by row; when more fail (the first iterations,
    /// when centers move far), all distances of the whole block, packed.
    fn settle(&self, bounds: &mut Bounds, data: &Centred, b: usize) {
        /// Above this many rows, the whole block's distances cost less.
        const FEW: usize = 3;
        let mut limit = [0.0; LANES];
        let mut fails = 0;
        let lanes = limit
            .iter_mut()
            .zip(&bounds.label)
            .zip(&bounds.lower)
            .zip(&bounds.upper);
        for (((limit, &j), &lower), &upper) in lanes {
            *limit = max(self.half_gap[j as usize], lower) * (1.0 - SLACK);
            fails += usize::from(upper >= *limit);
        }
        if fails == 0 {
            return;
        }
        let block = data.block(b);
        if fails > FEW {
            *bounds = self.nearest(block);
            return;
        }
        let mut failing = [0; LANES];
        let mut fails = 0;
        for (lane, &limit) in limit.iter().enumerate().take(data.real(b)) {
            if bounds.upper[lane] < limit {
                continue;
            }
            let own = self.row(bounds.label[lane] as usize);
            bounds.upper[lane] = lane_dist(block, lane, own).sqrt();
            if bounds.upper[lane] >= limit {
                failing[fails] = lane;
                fails += 1;
            }
        }
        if fails > FEW {
            *bounds = self.nearest(block);
        } else {
            for &lane in &failing[..fails] {
                self.nearest_one(bounds, block, lane);
            }
        }
    }
}

/// How far each center moved in the last update, to loosen the bounds.
struct Motion {
    moves: Vec<f64>,
    largest: f64,
    largest_at: usize,
    /// The largest move of any center but `largest_at`.
    second: f64,
}

impl Motion {
    fn new(old: &Centers, new: &Centers) -> Self {
        let moves: Vec<f64> = (0..old.k)
            .map(|j| sq_dist(old.row(j), new.row(j)).sqrt())
            .collect();
        let (mut largest, mut largest_at, mut second) = (0.0, 0, 0.0);
        for (j, &m) in moves.iter().enumerate() {
            if m > largest {
                (second, largest, largest_at) = (largest, m, j);
            } else if m > second {
                second = m;
            }
        }
        Motion {
            moves,
            largest,
            largest_at,
            second,
        }
    }

    /// Centers moved: the upper bounds grow by the own center's move, the
    /// lower bounds shrink by the largest move of another center.
    #[inline]
    fn loosen(&self, bounds: &mut Bounds) {
        for lane in 0..LANES {
            let j = bounds.label[lane] as usize;
            bounds.upper[lane] += self.moves[j];
            bounds.lower[lane] -= if j == self.largest_at {
                self.second
            } else {
                self.largest
            };
        }
    }
}

/// A chunk's changes to the per-cluster sums and counts, and how many of
/// its labels changed.
struct Delta {
    sums: Vec<f64>,
    counts: Vec<i64>,
    changed: usize,
}

impl Delta {
    /// Adds (`sign` 1) or removes (−1) row `lane` of `block` to cluster
    /// `j`.
    #[inline]
    fn move_row(&mut self, block: &[Lane], lane: usize, j: usize, sign: f64) {
        let d = block.len();
        self.counts[j] += sign as i64;
        let sum = &mut self.sums[j * d..(j + 1) * d];
        sum.iter_mut()
            .zip(block)
            .for_each(|(s, f)| *s += sign * f[lane]);
    }
}

/// One assignment step: loosens the bounds by `motion` (none before the
/// first step), relabels the rows and returns each chunk's [`Delta`]. In
/// the first step every row counts as changed: it enters the sums.
fn assign(
    data: &Centred,
    centers: &Centers,
    motion: Option<&Motion>,
    state: &mut [Bounds],
    exec: Exec,
) -> Vec<Delta> {
    let (k, d) = (centers.k, data.d);
    exec.map_parts_mut(state, BLOCKS, |chunk, part| {
        let mut delta = Delta {
            sums: vec![0.0; k * d],
            counts: vec![0; k],
            changed: 0,
        };
        for (i, bounds) in part.iter_mut().enumerate() {
            let b = chunk * BLOCKS + i;
            let old = bounds.label;
            if let Some(motion) = motion {
                motion.loosen(bounds);
            }
            centers.settle(bounds, data, b);
            if motion.is_some() && bounds.label == old {
                continue;
            }
            let labels = old.iter().zip(&bounds.label).take(data.real(b));
            let block = data.block(b);
            for (lane, (&was, &new)) in labels.enumerate() {
                if motion.is_none() {
                    delta.changed += 1;
                    delta.move_row(block, lane, new as usize, 1.0);
                } else if new != was {
                    delta.changed += 1;
                    delta.move_row(block, lane, was as usize, -1.0);
                    delta.move_row(block, lane, new as usize, 1.0);
                }
            }
        }
        delta
    })
}

/// The members' sums and counts of every cluster.
struct Sums {
    sums: Vec<f64>,
    counts: Vec<i64>,
}

impl Sums {
    /// Adds the chunks' deltas in chunk order; returns how many labels
    /// changed.
    fn apply(&mut self, deltas: &[Delta]) -> usize {
        let mut changed = 0;
        for delta in deltas {
            for (s, v) in self.sums.iter_mut().zip(&delta.sums) {
                *s += v;
            }
            for (c, v) in self.counts.iter_mut().zip(&delta.counts) {
                *c += v;
            }
            changed += delta.changed;
        }
        changed
    }
}

/// Lloyd from the centers `init` with sklearn's stopping rules.
#[cfg(test)]
fn lloyd(data: &Centred, init: Vec<f64>, max_iter: usize, tol: f64, exec: Exec) -> Run {
    let centers = Centers::new(init, data.d);
    let state = (0..data.n_blocks())
        .map(|b| centers.nearest(data.block(b)))
        .collect();
    lloyd_from(data, centers, state, max_iter, tol, exec)
}

/// Lloyd with sklearn's stopping rules from `centers`, given valid bounds
/// for them in `state` (the labels need not be the nearest centers).
fn lloyd_from(
    data: &Centred,
    mut centers: Centers,
    mut state: Vec<Bounds>,
    max_iter: usize,
    tol: f64,
    exec: Exec,
) -> Run {
    let (k, d) = (centers.k, data.d);
    let mut members = Sums {
        sums: vec![0.0; k * d],
        counts: vec![0; k],
    };
    let mut motion: Option<Motion> = None;
    let mut strict = false;
    let mut n_iter = 0;
    while n_iter < max_iter {
        n_iter += 1;
        let deltas = assign(data, &centers, motion.as_ref(), &mut state, exec);
        let changed = members.apply(&deltas);
        let labels = labels_of(data, &state);
        let next = Centers::new(m_step(data, &centers, &labels, &members), d);
        let shift: f64 = (0..k).map(|j| sq_dist(next.row(j), centers.row(j))).sum();
        motion = Some(Motion::new(&centers, &next));
        centers = next;
        if changed == 0 {
            strict = true;
            break;
        }
        if shift <= tol {
            break;
        }
    }
    if !strict {
        assign(data, &centers, motion.as_ref(), &mut state, exec);
    }
    let labels = labels_of(data, &state);
    let inertia = inertia(data, &centers.c, &labels, exec);
    Run {
        labels,
        centers: centers.c,
        inertia,
        n_iter,
    }
}

/// The labels of the real rows, in row order.
fn labels_of(data: &Centred, state: &[Bounds]) -> Vec<u32> {
    let mut labels: Vec<u32> = state.iter().flat_map(|b| b.label).collect();
    labels.truncate(data.n);
    labels
}

/// New centers: the members' means, after empty clusters took their
/// farthest rows (on a copy: the member sums stay those of the labels).
fn m_step(data: &Centred, old: &Centers, labels: &[u32], members: &Sums) -> Vec<f64> {
    let mut sums = members.sums.clone();
    let mut counts: Vec<usize> = members.counts.iter().map(|&c| c as usize).collect();
    if counts.contains(&0) {
        relocate_empty(data, old, labels, &mut sums, &mut counts);
    }
    average(&mut sums, &counts, data.d);
    sums
}

/// sklearn's `_relocate_empty_clusters_dense`: each empty cluster takes one
/// of the rows farthest from their (old) center, farthest first, ties to
/// the lower row; the row's own cluster gives it up. Nothing moves when
/// every row sits on its center (more clusters than distinct rows).
fn relocate_empty(
    data: &Centred,
    old: &Centers,
    labels: &[u32],
    sums: &mut [f64],
    counts: &mut [usize],
) {
    let d = data.d;
    let empty: Vec<usize> = (0..old.k).filter(|&j| counts[j] == 0).collect();
    if empty.is_empty() {
        return;
    }
    let far = farthest_rows(data, old, labels, empty.len());
    for (&new, &row) in empty.iter().zip(&far) {
        let from = labels[row] as usize;
        let x = data.row(row);
        for (f, &v) in x.iter().enumerate() {
            sums[from * d + f] -= v;
            sums[new * d + f] = v;
        }
        counts[new] = 1;
        counts[from] -= 1;
    }
}

/// The `m` rows farthest from their own center, farthest first; none when
/// every distance is 0.
fn farthest_rows(data: &Centred, old: &Centers, labels: &[u32], m: usize) -> Vec<usize> {
    let d = data.d;
    let mut dist: Vec<(f64, usize)> = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            let c = &old.c[l as usize * d..(l as usize + 1) * d];
            (lane_dist(data.block(i / LANES), i % LANES, c), i)
        })
        .collect();
    let farther = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    let m = m.min(dist.len());
    if m < dist.len() {
        dist.select_nth_unstable_by(m, farther);
    }
    dist.truncate(m);
    dist.sort_unstable_by(farther);
    if dist.first().is_none_or(|&(top, _)| top == 0.0) {
        return Vec::new();
    }
    dist.into_iter().map(|(_, i)| i).collect()
}

/// Sums to means (multiplying by the reciprocal, as sklearn). A cluster
/// still empty (relocation was pointless) takes the center of the largest
/// cluster; sklearn copies that cluster's row of the array being averaged,
/// which is still a sum when the largest cluster comes later, so there we
/// copy the mean instead.
fn average(sums: &mut [f64], counts: &[usize], d: usize) {
    let mut largest = 0;
    for (j, &c) in counts.iter().enumerate() {
        if c > counts[largest] {
            largest = j;
        }
    }
    for (row, &c) in sums.chunks_exact_mut(d).zip(counts) {
        if c > 0 {
            let alpha = 1.0 / c as f64;
            row.iter_mut().for_each(|v| *v *= alpha);
        }
    }
    let mean_of_largest = sums[largest * d..(largest + 1) * d].to_vec();
    for (row, &c) in sums.chunks_exact_mut(d).zip(counts) {
        if c == 0 {
            row.copy_from_slice(&mean_of_largest);
        }
    }
}

/// Σ ‖x − c_label‖², chunk partials added in order.
fn inertia(data: &Centred, centers: &[f64], labels: &[u32], exec: Exec) -> f64 {
    let d = data.d;
    exec.map_chunks(data.n, |rows| {
        rows.map(|i| {
            let l = labels[i] as usize;
            lane_dist(
                data.block(i / LANES),
                i % LANES,
                &centers[l * d..(l + 1) * d],
            )
        })
        .sum::<f64>()
    })
    .iter()
    .sum()
}

// ---------------------------------------------------------------------------
// Adjusted Rand index.

/// The adjusted Rand index of two labelings of the same rows, as
/// `sklearn.metrics.adjusted_rand_score` computes it: from the pair
/// confusion matrix, 1.0 when the two agree on every pair (including both
/// empty, or both all-one-cluster, or both all-singletons), otherwise
/// `2(tp·tn − fn·fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn))`. Labels are
/// arbitrary values; only equality matters. Pair counts are exact integers
/// (i128), so only the final division rounds.
///
/// # Panics
/// When `a` and `b` differ in length (a caller bug: the labelings must be of
/// the same rows).
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    assert_eq!(a.len(), b.len(), "labelings of different lengths");
    let n = a.len() as i128;
    let mut cells: HashMap<(usize, usize), i128> = HashMap::new();
    let mut rows: HashMap<usize, i128> = HashMap::new();
    let mut cols: HashMap<usize, i128> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *cells.entry((x, y)).or_default() += 1;
        *rows.entry(x).or_default() += 1;
        *cols.entry(y).or_default() += 1;
    }
    let sum_squares = squares(&cells);
    let tp = sum_squares - n;
    let fp = squares(&cols) - sum_squares;
    let fn_ = squares(&rows) - sum_squares;
    let tn = n * n - fp - fn_ - sum_squares;
    if fn_ == 0 && fp == 0 {
        return 1.0;
    }
    let num = 2 * (tp * tn - fn_ * fp);
    let den = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
    num as f64 / den as f64
}

/// Σ count² over a table of counts.
fn squares<K>(counts: &HashMap<K, i128>) -> i128 {
    counts.values().map(|c| c * c).sum()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn matrix(rows: usize, cols: usize, data: Vec<f64>) -> Matrix {
        Matrix::new(rows, cols, data).expect("shape")
    }

    /// `per` points around each of `centers` (uniform noise of width
    /// `spread` on every feature), deterministic; shared with the spectral
    /// clustering tests.
    pub(crate) fn blobs(centers: &[&[f64]], per: usize, spread: f64, seed: u64) -> Matrix {
        let d = centers[0].len();
        let mut rng = Rng::new(seed);
        let mut data = Vec::new();
        for c in centers {
            for _ in 0..per {
                data.extend(c.iter().map(|v| v + spread * (rng.uniform() - 0.5)));
            }
        }
        matrix(centers.len() * per, d, data)
    }

    #[test]
    fn ari_matches_hand_computed_values() {
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]), -0.5);
        // tp = 2, fn = 0, fp = 2, tn = 8: 32 / 56.
        let ari = adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]);
        assert!((ari - 32.0 / 56.0).abs() < 1e-15, "{ari}");
        assert_eq!(adjusted_rand_index(&[0, 0, 0, 0], &[0, 1, 2, 3]), 0.0);
        assert_eq!(adjusted_rand_index(&[5, 5, 5], &[7, 7, 7]), 1.0);
        assert_eq!(adjusted_rand_index(&[], &[]), 1.0);
        // Symmetric in its arguments.
        let (a, b) = ([0, 1, 1, 2, 2, 2, 0], [1, 1, 0, 2, 2, 0, 1]);
        assert_eq!(adjusted_rand_index(&a, &b), adjusted_rand_index(&b, &a));
    }

    #[test]
    fn bad_input_is_rejected() {
        let x = matrix(3, 1, vec![0.0, 1.0, 2.0]);
        assert_eq!(KMeans::new(0).fit(&x), Err(KMeansError::NoClusters));
        assert_eq!(
            KMeans::new(4).fit(&x),
            Err(KMeansError::TooFewSamples {
                n_samples: 3,
                n_clusters: 4
            })
        );
        let nan = matrix(2, 2, vec![0.0, 1.0, f64::NAN, 2.0]);
        assert_eq!(
            KMeans::new(1).fit(&nan),
            Err(KMeansError::NonFinite { row: 1, col: 0 })
        );
        assert_eq!(
            KMeans::new(1).fit(&matrix(2, 0, vec![])),
            Err(KMeansError::NoFeatures)
        );
        let mut bad = KMeans::new(1);
        bad.tol = -1.0;
        assert_eq!(bad.fit(&x), Err(KMeansError::BadTolerance(-1.0)));
    }

    #[test]
    fn one_cluster_is_the_mean() {
        let x = matrix(4, 2, vec![0.0, 0.0, 2.0, 0.0, 0.0, 4.0, 2.0, 4.0]);
        let fit = KMeans::new(1).fit(&x).expect("fit");
        assert_eq!(fit.labels, vec![0; 4]);
        assert_eq!(fit.centers.row(0), &[1.0, 2.0]);
        assert!((fit.inertia - 4.0 * 5.0).abs() < 1e-12);
        // Labels change once (from none to 0), then strictly converge.
        assert_eq!(fit.n_iter, 2);
    }

    #[test]
    fn as_many_clusters_as_rows_is_allowed() {
        let x = matrix(3, 1, vec![0.0, 5.0, 9.0]);
        let fit = KMeans::new(3).fit(&x).expect("fit");
        assert_eq!(fit.inertia, 0.0);
        let mut labels = fit.labels.clone();
        labels.sort_unstable();
        assert_eq!(labels, vec![0, 1, 2]);
    }

    #[test]
    fn duplicate_rows_leave_no_nan() {
        // Two distinct rows, ten copies each, three clusters: one cluster
        // cannot get a distinct row, relocation is pointless.
        let mut data = Vec::new();
        for i in 0..20 {
            data.extend_from_slice(if i % 2 == 0 { &[1.0, 1.0] } else { &[3.0, 1.0] });
        }
        let x = matrix(20, 2, data);
        let fit = KMeans::new(3).fit(&x).expect("fit");
        assert_eq!(fit.inertia, 0.0);
        assert!(fit.centers.as_slice().iter().all(|v| v.is_finite()));
        assert_ne!(fit.labels[0], fit.labels[1]);
        assert!(fit.labels.chunks(2).all(|p| p == &fit.labels[..2]));
    }

    #[test]
    fn a_single_column_splits_at_the_gap() {
        let x = matrix(6, 1, vec![0.0, 0.5, 1.0, 10.0, 10.5, 11.0]);
        let fit = KMeans::new(2).fit(&x).expect("fit");
        assert_eq!(fit.labels[0], fit.labels[2]);
        assert_eq!(fit.labels[3], fit.labels[5]);
        assert_ne!(fit.labels[0], fit.labels[3]);
        assert!((fit.inertia - 1.0).abs() < 1e-12);
    }

    #[test]
    fn an_empty_cluster_takes_the_farthest_row() {
        // Rows 0, 1, 3, 10; centers 1, 10, 100: the third center gets no row
        // and takes row 2 (distance 4 from center 1, the farthest).
        let data = Centred::new(&matrix(4, 1, vec![0.0, 1.0, 3.0, 10.0])).expect("finite");
        let shift = data.mean[0];
        let init = vec![1.0 - shift, 10.0 - shift, 100.0 - shift];
        let run = lloyd(&data, init, 300, 0.0, Exec::Serial);
        assert_eq!(run.labels, vec![0, 0, 2, 1]);
        let centers: Vec<f64> = run.centers.iter().map(|c| c + shift).collect();
        assert_eq!(centers, vec![0.5, 10.0, 3.0]);
        assert_eq!(run.inertia, 0.5);
    }

    #[test]
    fn recovers_separated_blobs() {
        let x = blobs(
            &[&[0.0, 0.0, 0.0], &[10.0, 0.0, 0.0], &[0.0, 10.0, 5.0]],
            50,
            1.0,
            7,
        );
        let truth: Vec<usize> = (0..150).map(|i| i / 50).collect();
        let fit = KMeans::new(3).fit(&x).expect("fit");
        assert_eq!(adjusted_rand_index(&fit.labels, &truth), 1.0);
    }

    #[test]
    fn parallel_is_serial_bit_for_bit() {
        let c: [&[f64]; 4] = [&[0.0, 0.0], &[1.0, 0.5], &[0.2, 1.5], &[1.5, 1.5]];
        let x = blobs(&c, 3 * CHUNK / 2 + 3, 1.5, 11);
        let mut km = KMeans::new(5);
        km.n_init = 3;
        let serial = km.fit(&x).expect("fit");
        let parallel = km.fit_parallel(&x).expect("fit");
        assert_eq!(serial, parallel);
        assert_eq!(serial.inertia.to_bits(), parallel.inertia.to_bits());
    }

    #[test]
    fn more_inits_never_raise_the_inertia() {
        let c: [&[f64]; 3] = [&[0.0, 0.0], &[1.0, 0.0], &[0.5, 0.8]];
        let x = blobs(&c, 200, 1.2, 3);
        let one = KMeans::new(6).fit(&x).expect("fit");
        let mut km = KMeans::new(6);
        km.n_init = 5;
        let five = km.fit(&x).expect("fit");
        assert!(five.inertia <= one.inertia);
    }

    #[test]
    fn rng_draws_stay_in_range() {
        let mut rng = Rng::new(1);
        for n in 1..50 {
            assert!(rng.below(n) < n);
            let u = rng.uniform();
            assert!((0.0..1.0).contains(&u));
        }
        assert_ne!(Rng::stream(42, 0).next_u64(), Rng::stream(42, 1).next_u64());
    }

    /// Plain Lloyd with sklearn's rules: every distance every iteration,
    /// sums from scratch. The reference the bounded version reproduces.
    fn plain_lloyd(data: &Centred, init: &[f64], tol: f64) -> (Vec<u32>, Vec<f64>, usize) {
        let (n, d, k) = (data.n, data.d, init.len() / data.d);
        let mut centers = init.to_vec();
        let mut labels = vec![u32::MAX; n];
        let nearest = |centers: &[f64], x: &[f64]| {
            let dists = centers.chunks_exact(d).map(|c| sq_dist(x, c));
            let (mut best, mut best_dist) = (0, f64::INFINITY);
            for (j, v) in dists.enumerate() {
                if v < best_dist {
                    (best, best_dist) = (j as u32, v);
                }
            }
            best
        };
        let mut n_iter = 0;
        let mut strict = false;
        while n_iter < 300 {
            n_iter += 1;
            let mut changed = 0;
            for (i, label) in labels.iter_mut().enumerate() {
                let j = nearest(&centers, &data.row(i));
                changed += usize::from(*label != j);
                *label = j;
            }
            let mut sums = vec![0.0; k * d];
            let mut counts = vec![0usize; k];
            for (i, &j) in labels.iter().enumerate() {
                counts[j as usize] += 1;
                for (s, v) in sums[j as usize * d..].iter_mut().zip(&data.row(i)) {
                    *s += v;
                }
            }
            let old = Centers::new(centers.clone(), d);
            relocate_empty(data, &old, &labels, &mut sums, &mut counts);
            average(&mut sums, &counts, d);
            let shift: f64 = sums
                .chunks_exact(d)
                .zip(centers.chunks_exact(d))
                .map(|(a, b)| sq_dist(a, b))
                .sum();
            centers = sums;
            if changed == 0 {
                strict = true;
                break;
            }
            if shift <= tol {
                break;
            }
        }
        if !strict {
            for (i, label) in labels.iter_mut().enumerate() {
                *label = nearest(&centers, &data.row(i));
            }
        }
        (labels, centers, n_iter)
    }

    #[test]
    fn bounded_lloyd_is_plain_lloyd() {
        let c: [&[f64]; 4] = [
            &[0.0, 0.0, 0.0],
            &[1.0, 0.2, 0.0],
            &[0.3, 1.0, 0.5],
            &[1.0, 1.0, 1.0],
        ];
        let x = blobs(&c, 500, 2.0, 21);
        let data = Centred::new(&x).expect("finite");
        for (k, seed) in [(7, 1), (3, 2), (12, 3)] {
            let init = plus_plus(&data, k, &mut Rng::new(seed), Exec::Serial).centers;
            let tol = 1e-4 * data.mean_variance();
            let run = lloyd(&data, init.clone(), 300, tol, Exec::Serial);
            let (labels, centers, n_iter) = plain_lloyd(&data, &init, tol);
            assert!(n_iter > 3, "a test that needs several iterations");
            assert_eq!(run.n_iter, n_iter);
            assert_eq!(run.labels, labels);
            for (a, b) in run.centers.iter().zip(&centers) {
                assert!((a - b).abs() < 1e-12, "{a} vs {b}");
            }
        }
    }

    /// Reads `u64 rows, u64 cols` then row-major f64, little-endian.
    pub(crate) fn read_matrix(path: &str) -> Matrix {
        let bytes = std::fs::read(path).expect("read input");
        let word = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            b
        };
        let rows = u64::from_le_bytes(word(0)) as usize;
        let cols = u64::from_le_bytes(word(1)) as usize;
        let data = (0..rows * cols)
            .map(|i| f64::from_le_bytes(word(2 + i)))
            .collect();
        matrix(rows, cols, data)
    }

    /// CPU time of the calling thread so far, in seconds (Linux
    /// `/proc/thread-self/schedstat`; NaN elsewhere): on a shared machine
    /// it measures our work, not our wait for a core.
    pub(crate) fn thread_cpu_secs() -> f64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(f64::NAN, |ns| ns * 1e-9)
    }

    /// The median wall time and the mean thread CPU time of `reps` calls, in
    /// seconds. The CPU time is taken over the whole loop: the kernel
    /// updates it only at scheduler ticks, so single calls would read 0 or
    /// a whole tick.
    pub(crate) fn median_secs<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
        let reps = reps.max(1);
        let cpu = thread_cpu_secs();
        let mut wall: Vec<f64> = (0..reps)
            .map(|_| {
                let start = std::time::Instant::now();
                std::hint::black_box(f());
                start.elapsed().as_secs_f64()
            })
            .collect();
        let cpu = (thread_cpu_secs() - cpu) / reps as f64;
        wall.sort_by(f64::total_cmp);
        (wall[wall.len() / 2], cpu)
    }

    /// Verification against scikit-learn, driven by /tmp scripts (not a
    /// unit test): fits `KMEANS_IN` with `KMEANS_K` clusters (`KMEANS_N_INIT`
    /// runs, seed `KMEANS_SEED`) and writes inertia, n_iter, median serial and parallel seconds
    /// over `KMEANS_REPS` fits, the ARI against the labels in `KMEANS_REF`
    /// (if set) and the mean serial thread CPU seconds, then the labels,
    /// to `KMEANS_OUT`.
    #[test]
    #[ignore]
    fn compare_with_sklearn() {
        let var = |name: &str| std::env::var(name).expect(name);
        let x = read_matrix(&var("KMEANS_IN"));
        let mut km = KMeans::new(var("KMEANS_K").parse().expect("k"));
        km.n_init = std::env::var("KMEANS_N_INIT").map_or(1, |v| v.parse().expect("n_init"));
        km.seed = std::env::var("KMEANS_SEED").map_or(DEFAULT_SEED, |v| v.parse().expect("seed"));
        let reps = var("KMEANS_REPS").parse().expect("reps");
        let fit = km.fit(&x).expect("fit");
        let (serial, serial_cpu) = median_secs(reps, || km.fit(&x));
        let (parallel, _) = median_secs(reps, || km.fit_parallel(&x));
        let labels: Vec<String> = fit.labels.iter().map(|l| l.to_string()).collect();
        let ari = std::env::var("KMEANS_REF").map_or(f64::NAN, |path| {
            let text = std::fs::read_to_string(path).expect("read reference labels");
            let reference: Vec<usize> = text
                .split_whitespace()
                .map(|v| v.parse().expect("label"))
                .collect();
            adjusted_rand_index(&fit.labels, &reference)
        });
        let out = format!(
            "{:.17e} {} {serial} {parallel} {ari:.17e} {serial_cpu}\n{}\n",
            fit.inertia,
            fit.n_iter,
            labels.join(" ")
        );
        std::fs::write(var("KMEANS_OUT"), out).expect("write output");
    }
}
