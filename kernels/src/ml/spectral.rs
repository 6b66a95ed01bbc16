//! Spectral clustering as scikit-learn 1.6.1's
//! `SpectralClustering(n_clusters=k, random_state=42,
//! affinity='nearest_neighbors')` computes it (catalog analytics K7, on
//! StandardScaler-scaled node features), with its defaults
//! `n_neighbors=10`, `assign_labels='kmeans'`, `n_init=10`:
//!
//! 1. **Graph.** Each row's `n_neighbors` nearest rows (Euclidean, the row
//!    itself included: sklearn's `kneighbors_graph(include_self=True)`),
//!    exact, from a kd-tree (as sklearn's, for few features); affinity `W = (C + Cᵀ)/2` of that 0/1
//!    connectivity, so an edge weighs 1 when the two rows list each other
//!    and 1/2 when only one does. Ties between equally distant rows go to
//!    the lower row index (sklearn's tree search orders them its own way; it
//!    only matters for duplicate rows).
//! 2. **Embedding.** The symmetric normalised Laplacian
//!    `L = I − D^-1/2 W D^-1/2`, where the degrees `D` leave out the
//!    diagonal of `W` and `L` has a unit diagonal (scipy's
//!    `csgraph.laplacian(normed=True)` followed by sklearn's `_set_diag`); its
//!    k smallest eigenpairs; each eigenvector divided by `sqrt(D)` (1 for a
//!    row without edges), then sign-flipped so its entry of largest magnitude
//!    is positive (`_deterministic_vector_sign_flip`). Column j of the
//!    embedding belongs to the j-th smallest eigenvalue.
//! 3. **Labels.** Our [`KMeans`] on the embedding, `n_init` runs.
//!
//! sklearn finds the eigenpairs with ARPACK in shift-invert mode, which
//! factorises `L + I`: on kNN graphs of 8-dimensional data that sparse LU
//! fills in badly and costs seconds at 20k rows. We use Chebyshev-filtered
//! subspace iteration (Zhou & Saad) instead: a block of `p > k` vectors is
//! repeatedly multiplied by a Chebyshev polynomial of `L` that damps the
//! unwanted part of the spectrum, re-orthonormalised, and rotated to the Ritz
//! vectors (Rayleigh–Ritz), until the k wanted residuals
//! `‖L v − θ v‖` are below [`RESIDUAL_TOL`]. A block method finds repeated
//! eigenvalues (a kNN graph of well-separated blobs has one connected
//! component per blob, hence eigenvalue 0 as often), which single-vector
//! Lanczos cannot; the extra vectors make convergence depend on the gap
//! between λ_k and λ_{p+1}, not λ_{k+1}. The work is sparse matrix times
//! block products plus dense `n × p²` steps.
//!
//! Eigenvectors of a repeated eigenvalue are only defined up to a rotation
//! of their eigenspace; any rotation gives the same k-means problem up to a
//! rotation of the points, so the labels do not depend on it (only on the
//! k-means seeding, as sklearn's do on its seeding).
//!
//! A disconnected graph is not an error (sklearn warns "Graph is not fully
//! connected" and proceeds): [`SpectralFit::components`] reports it.
//!
//! [`SpectralClustering::fit_parallel`] spreads the neighbour search, the
//! sparse products and the k-means runs over the rayon pool; rows are
//! independent there and every reduction keeps its serial order, so it is
//! bit-identical to [`SpectralClustering::fit`].

use rayon::prelude::*;
use thiserror::Error;

use super::Matrix;
use super::kmeans::{DEFAULT_SEED, Exec, KMeans, KMeansError, Rng};

/// sklearn's default `n_neighbors`.
pub const DEFAULT_NEIGHBORS: usize = 10;

/// The eigenpairs are converged when every wanted residual `‖L v − θ v‖`
/// (unit `v`, `‖L‖ ≤ 2`) is below this: eigenvalues are then within about
/// `RESIDUAL_TOL² / gap` of exact, far below 1e-8.
pub const RESIDUAL_TOL: f64 = 1e-9;

/// Filter applications (each of degree [`DEGREE`]) before giving up.
const MAX_ROUNDS: usize = 500;

/// Chebyshev degree per filter application: each costs `DEGREE` sparse
/// products against one orthonormalisation and Rayleigh–Ritz step.
const DEGREE: usize = 16;

/// Why spectral clustering cannot run; the cases where scikit-learn raises.
#[derive(Debug, Error, PartialEq)]
pub enum SpectralError {
    #[error("n_clusters must be at least 1")]
    NoClusters,
    #[error("n_neighbors must be at least 1")]
    NoNeighbors,
    #[error("spectral clustering needs at least 2 samples, got {0}")]
    TooFewSamples(usize),
    #[error(
        "Expected n_neighbors <= n_samples_fit, but n_neighbors = {n_neighbors}, n_samples_fit = {n_samples}"
    )]
    TooManyNeighbors {
        n_neighbors: usize,
        n_samples: usize,
    },
    /// scipy's `eigsh` needs fewer eigenpairs than rows.
    #[error("n_clusters={n_clusters} must be less than n_samples={n_samples}")]
    TooManyClusters { n_clusters: usize, n_samples: usize },
    #[error("the data has no features")]
    NoFeatures,
    #[error("the value at row {row}, column {col} is NaN or infinite")]
    NonFinite { row: usize, col: usize },
    #[error("eigenpairs did not converge in {rounds} filter rounds")]
    NotConverged { rounds: usize },
    #[error(transparent)]
    KMeans(#[from] KMeansError),
}

/// The parameters of sklearn's `SpectralClustering` that the original's
/// calls use (`affinity='nearest_neighbors'`, `assign_labels='kmeans'`).
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralClustering {
    /// k: clusters, and eigenvectors of the embedding.
    pub n_clusters: usize,
    /// Neighbours per row in the kNN graph, the row itself included.
    pub n_neighbors: usize,
    /// k-means runs on the embedding.
    pub n_init: usize,
    /// Seed of the start block and of the k-means runs.
    pub seed: u64,
}

/// A fitted spectral clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralFit {
    /// Cluster of every row, `0..n_clusters`.
    pub labels: Vec<usize>,
    /// The k smallest eigenvalues of the normalised Laplacian, ascending.
    pub eigenvalues: Vec<f64>,
    /// `n × k`: the rows in the spectral embedding k-means clustered.
    pub embedding: Matrix,
    /// Connected components of the kNN graph (sklearn warns when > 1).
    pub components: usize,
}

impl SpectralClustering {
    /// `SpectralClustering(n_clusters, random_state=42,
    /// affinity='nearest_neighbors')`: 10 neighbours, 10 k-means runs.
    pub fn new(n_clusters: usize) -> Self {
        SpectralClustering {
            n_clusters,
            n_neighbors: DEFAULT_NEIGHBORS,
            n_init: 10,
            seed: DEFAULT_SEED,
        }
    }

    /// Fits on one thread.
    pub fn fit(&self, x: &Matrix) -> Result<SpectralFit, SpectralError> {
        self.fit_with(x, Exec::Serial)
    }

    /// Fits on the rayon pool; bit-identical to [`SpectralClustering::fit`].
    pub fn fit_parallel(&self, x: &Matrix) -> Result<SpectralFit, SpectralError> {
        self.fit_with(x, Exec::Parallel)
    }

    fn fit_with(&self, x: &Matrix, exec: Exec) -> Result<SpectralFit, SpectralError> {
        self.validate(x)?;
        let neighbors = nearest_neighbors(x, self.n_neighbors, exec);
        let graph = Graph::from_neighbors(x.rows(), &neighbors, self.n_neighbors);
        let eigen = smallest_eigenpairs(&graph, self.n_clusters, self.seed, exec)?;
        let embedding = embed(&graph, &eigen.vectors, self.n_clusters);
        let kmeans = KMeans {
            n_init: self.n_init,
            seed: self.seed,
            ..KMeans::new(self.n_clusters)
        };
        let fit = kmeans.fit_with(&embedding, exec)?;
        Ok(SpectralFit {
            labels: fit.labels,
            eigenvalues: eigen.values,
            embedding,
            components: graph.components(),
        })
    }

    fn validate(&self, x: &Matrix) -> Result<(), SpectralError> {
        let n = x.rows();
        if self.n_clusters == 0 {
            return Err(SpectralError::NoClusters);
        }
        if self.n_neighbors == 0 {
            return Err(SpectralError::NoNeighbors);
        }
        if n < 2 {
            return Err(SpectralError::TooFewSamples(n));
        }
        if x.cols() == 0 {
            return Err(SpectralError::NoFeatures);
        }
        if let Some(at) = x.as_slice().iter().position(|v| !v.is_finite()) {
            return Err(SpectralError::NonFinite {
                row: at / x.cols(),
                col: at % x.cols(),
            });
        }
        if self.n_neighbors > n {
            return Err(SpectralError::TooManyNeighbors {
                n_neighbors: self.n_neighbors,
                n_samples: n,
            });
        }
        if self.n_clusters >= n {
            return Err(SpectralError::TooManyClusters {
                n_clusters: self.n_clusters,
                n_samples: n,
            });
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Exact k nearest neighbours.

/// The `m` nearest rows of every row (itself included), nearest first, ties
/// to the lower index: `n × m` indices.
fn nearest_neighbors(x: &Matrix, m: usize, exec: Exec) -> Vec<u32> {
    let tree = KdTree::new(x);
    let mut out = vec![0u32; x.rows() * m];
    let search = |(i, out): (usize, &mut [u32])| {
        let mut best = Best::new(m);
        tree.search(0, x.row(i), &mut best);
        out.copy_from_slice(&best.rows);
    };
    match exec {
        Exec::Serial => out.chunks_mut(m).enumerate().for_each(search),
        Exec::Parallel => out.par_chunks_mut(m).enumerate().for_each(search),
    }
    out
}

/// Rows per kd-tree leaf: few enough to prune well, enough that the
/// descent costs little next to the distances.
const LEAF: usize = 16;

/// A kd-tree over the rows: each split halves its rows at the median of the
/// coordinate that spreads most, so rows left of a split have that
/// coordinate ≤ the split value and rows right of it ≥. A query descends to
/// its own side first and visits the other side only if the plane is no
/// farther than its current m-th nearest (ties included, so the lower index
/// still wins); the answer is the brute-force answer, distances included to
/// the bit (same sums in the same order).
struct KdTree {
    d: usize,
    /// The rows in tree order, row-major.
    points: Vec<f64>,
    /// Each tree-order row's index in the data.
    ids: Vec<u32>,
    /// Pre-order: a split's left child is the next node.
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Copy)]
enum Node {
    Leaf {
        start: usize,
        end: usize,
    },
    Split {
        dim: usize,
        value: f64,
        right: usize,
    },
}

impl KdTree {
    fn new(x: &Matrix) -> Self {
        let d = x.cols();
        let mut ids: Vec<u32> = (0..x.rows() as u32).collect();
        let mut nodes = Vec::new();
        Self::build(x, &mut ids, 0, &mut nodes);
        let points = ids
            .iter()
            .flat_map(|&i| x.row(i as usize).to_vec())
            .collect();
        KdTree {
            d,
            points,
            ids,
            nodes,
        }
    }

    /// Appends the subtree of `ids` (tree positions from `offset`).
    fn build(x: &Matrix, ids: &mut [u32], offset: usize, nodes: &mut Vec<Node>) {
        let leaf = Node::Leaf {
            start: offset,
            end: offset + ids.len(),
        };
        if ids.len() <= LEAF {
            nodes.push(leaf);
            return;
        }
        let coord = |i: u32, f: usize| x.row(i as usize)[f];
        let spread = |f: usize| {
            let (lo, hi) = ids
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &i| {
                    (lo.min(coord(i, f)), hi.max(coord(i, f)))
                });
            hi - lo
        };
        let (mut dim, mut widest) = (0, spread(0));
        for f in 1..x.cols() {
            let s = spread(f);
            if s > widest {
                (dim, widest) = (f, s);
            }
        }
        if widest <= 0.0 {
            // All rows equal: nothing to split.
            nodes.push(leaf);
            return;
        }
        let mid = ids.len() / 2;
        ids.select_nth_unstable_by(mid, |&a, &b| {
            coord(a, dim).total_cmp(&coord(b, dim)).then(a.cmp(&b))
        });
        let at = nodes.len();
        nodes.push(Node::Split {
            dim,
            value: coord(ids[mid], dim),
            right: 0,
        });
        let (left, right) = ids.split_at_mut(mid);
        Self::build(x, left, offset, nodes);
        let right_at = nodes.len();
        if let Node::Split { right, .. } = &mut nodes[at] {
            *right = right_at;
        }
        Self::build(x, right, offset + mid, nodes);
    }

    fn search(&self, node: usize, q: &[f64], best: &mut Best) {
        match self.nodes[node] {
            Node::Leaf { start, end } => {
                let rows = self.points[start * self.d..end * self.d].chunks_exact(self.d);
                for (p, &id) in rows.zip(&self.ids[start..end]) {
                    best.offer(sq_dist(p, q), id);
                }
            }
            Node::Split { dim, value, right } => {
                let diff = q[dim] - value;
                let (near, far) = if diff <= 0.0 {
                    (node + 1, right)
                } else {
                    (right, node + 1)
                };
                self.search(near, q, best);
                if diff * diff <= best.worst() {
                    self.search(far, q, best);
                }
            }
        }
    }
}

/// Squared Euclidean distance, summed in feature order from +0.0.
#[inline]
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0, |acc, (x, y)| acc + (x - y) * (x - y))
}

/// A query's m best rows so far, ordered by (distance, row).
struct Best {
    dists: Vec<f64>,
    rows: Vec<u32>,
}

impl Best {
    fn new(m: usize) -> Self {
        Best {
            dists: vec![f64::INFINITY; m],
            rows: vec![u32::MAX; m],
        }
    }

    /// The m-th best distance (infinite until m rows were offered).
    fn worst(&self) -> f64 {
        self.dists[self.dists.len() - 1]
    }

    /// Keeps `(dist, row)` if it is among the m smallest pairs.
    #[inline]
    fn offer(&mut self, dist: f64, row: u32) {
        let m = self.dists.len();
        let before = |at: usize| (dist, row) < (self.dists[at], self.rows[at]);
        if !before(m - 1) {
            return;
        }
        let mut at = m - 1;
        while at > 0 && before(at - 1) {
            at -= 1;
        }
        self.dists.copy_within(at..m - 1, at + 1);
        self.rows.copy_within(at..m - 1, at + 1);
        self.dists[at] = dist;
        self.rows[at] = row;
    }
}

// ---------------------------------------------------------------------------
// The normalised affinity.

/// `M = D^-1/2 W D^-1/2` without its diagonal, in CSR form (columns
/// ascending), and `dd = sqrt(D)` (1 for a row without edges), so that
/// `L = I − M`.
struct Graph {
    offsets: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<f64>,
    dd: Vec<f64>,
}

impl Graph {
    /// `W = (C + Cᵀ)/2` for the 0/1 connectivity `C` of `neighbors`
    /// (`m` per row), normalised; the diagonal (a row listing itself) is
    /// dropped, as scipy leaves it out of the degrees and sklearn
    /// overwrites it.
    fn from_neighbors(n: usize, neighbors: &[u32], m: usize) -> Self {
        let mut edges: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        for (i, row) in neighbors.chunks_exact(m).enumerate() {
            for &j in row {
                let j = j as usize;
                if j != i {
                    edges[i].push((j as u32, 0.5));
                    edges[j].push((i as u32, 0.5));
                }
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut cols = Vec::new();
        let mut weights = Vec::new();
        for row in &mut edges {
            row.sort_unstable_by_key(|&(j, _)| j);
            let start = cols.len();
            for &(j, w) in row.iter() {
                match weights.last_mut() {
                    // Both rows list each other: the two halves make 1.
                    Some(last) if cols.len() > start && cols.last() == Some(&j) => *last += w,
                    _ => {
                        cols.push(j);
                        weights.push(w);
                    }
                }
            }
            offsets.push(cols.len());
        }
        let dd: Vec<f64> = (0..n)
            .map(|i| {
                let degree: f64 = weights[offsets[i]..offsets[i + 1]].iter().sum();
                if degree > 0.0 { degree.sqrt() } else { 1.0 }
            })
            .collect();
        let mut vals = weights;
        for i in 0..n {
            for at in offsets[i]..offsets[i + 1] {
                vals[at] /= dd[i] * dd[cols[at] as usize];
            }
        }
        Graph {
            offsets,
            cols,
            vals,
            dd,
        }
    }

    fn n(&self) -> usize {
        self.dd.len()
    }

    /// Connected components (union–find over the edges).
    fn components(&self) -> usize {
        let n = self.n();
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(parent: &mut [usize], mut v: usize) -> usize {
            while parent[v] != v {
                parent[v] = parent[parent[v]];
                v = parent[v];
            }
            v
        }
        let mut count = n;
        for i in 0..n {
            for &j in &self.cols[self.offsets[i]..self.offsets[i + 1]] {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j as usize));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                    count -= 1;
                }
            }
        }
        count
    }

    /// `y = scale · (α x − M x) + β z` for `n × p` row-major blocks: the
    /// step every Chebyshev term and every Rayleigh–Ritz product is made
    /// of. Rows are independent; each sums its row of `M` in column order.
    fn apply(&self, x: &[f64], step: Step, y: &mut [f64], p: usize, exec: Exec) {
        let row = |(i, y): (usize, &mut [f64])| {
            let xi = &x[i * p..(i + 1) * p];
            y.iter_mut().zip(xi).for_each(|(y, &v)| *y = step.alpha * v);
            for at in self.offsets[i]..self.offsets[i + 1] {
                let (j, w) = (self.cols[at] as usize, self.vals[at]);
                let xj = &x[j * p..(j + 1) * p];
                y.iter_mut().zip(xj).for_each(|(y, &v)| *y -= w * v);
            }
            y.iter_mut().for_each(|y| *y *= step.scale);
            if let Some((beta, z)) = step.add {
                let zi = &z[i * p..(i + 1) * p];
                y.iter_mut().zip(zi).for_each(|(y, &v)| *y += beta * v);
            }
        };
        match exec {
            Exec::Serial => y.chunks_mut(p).enumerate().for_each(row),
            Exec::Parallel => y.par_chunks_mut(p).enumerate().for_each(row),
        }
    }
}

/// The coefficients of one [`Graph::apply`].
#[derive(Clone, Copy)]
struct Step<'a> {
    alpha: f64,
    scale: f64,
    add: Option<(f64, &'a [f64])>,
}

impl Step<'_> {
    /// `L x = x − M x`.
    const LAPLACIAN: Step<'static> = Step {
        alpha: 1.0,
        scale: 1.0,
        add: None,
    };
}

// ---------------------------------------------------------------------------
// The k smallest eigenpairs of L.

/// Eigenvalues ascending and their unit eigenvectors, `n × k` row-major
/// (column j for value j).
struct Eigen {
    values: Vec<f64>,
    vectors: Vec<f64>,
}

/// Chebyshev-filtered subspace iteration for the `k` smallest eigenpairs of
/// `L = I − M` (spectrum in [0, 2]).
fn smallest_eigenpairs(g: &Graph, k: usize, seed: u64, exec: Exec) -> Result<Eigen, SpectralError> {
    let n = g.n();
    // Block size: room beyond k so the convergence of the k-th pair depends
    // on λ_k vs λ_{p+1}; the whole space when it is small.
    let p = (2 * k).max(k + 8).min(n);
    let mut rng = Rng::new(seed);
    let mut v: Vec<f64> = (0..n * p).map(|_| 2.0 * rng.uniform() - 1.0).collect();
    let mut lv = vec![0.0; n * p];
    let mut scratch = vec![0.0; n * p];
    orthonormalize(&mut v, n, p, &mut rng);
    let mut theta = rayleigh_ritz(g, &mut v, &mut lv, &mut scratch, p, exec);
    for _ in 0..MAX_ROUNDS {
        if p == n || residuals_below(&v, &lv, &theta, k, p) {
            return Ok(Eigen {
                values: theta[..k].to_vec(),
                vectors: (0..n).flat_map(|i| v[i * p..i * p + k].to_vec()).collect(),
            });
        }
        // Damp [θ_p, 2] (the unwanted end; θ_p is the largest Ritz value of
        // the block), scaled so the wanted end near 0 stays about 1.
        let upper = theta[p - 1].min(2.0);
        chebyshev_filter(g, &mut v, &mut lv, &mut scratch, p, upper, exec);
        orthonormalize(&mut v, n, p, &mut rng);
        theta = rayleigh_ritz(g, &mut v, &mut lv, &mut scratch, p, exec);
    }
    Err(SpectralError::NotConverged { rounds: MAX_ROUNDS })
}

/// Replaces `v` by `T_m(L) v` for the Chebyshev polynomial of degree
/// [`DEGREE`] mapped to [a, 2], in Zhou–Saad's scaled three-term form (no
/// overflow: the value at 0 is kept near 1). `y`, `z` are scratch.
fn chebyshev_filter(
    g: &Graph,
    v: &mut Vec<f64>,
    y: &mut Vec<f64>,
    z: &mut Vec<f64>,
    p: usize,
    a: f64,
    exec: Exec,
) {
    let b = 2.0;
    let (e, c) = ((b - a) / 2.0, (b + a) / 2.0);
    let mut sigma = e / (0.0 - c);
    let tau = 2.0 / sigma;
    // y = (L − c) v · σ/e, with (L − c) x = (1 − c) x − M x.
    let first = Step {
        alpha: 1.0 - c,
        scale: sigma / e,
        add: None,
    };
    g.apply(v, first, y, p, exec);
    for _ in 1..DEGREE {
        let next = 1.0 / (tau - sigma);
        // z = (L − c) y · 2σ'/e − σσ' v
        let term = Step {
            alpha: 1.0 - c,
            scale: 2.0 * next / e,
            add: Some((-sigma * next, v)),
        };
        g.apply(y, term, z, p, exec);
        std::mem::swap(v, y);
        std::mem::swap(y, z);
        sigma = next;
    }
    std::mem::swap(v, y);
}

/// Rotates the orthonormal block `v` to the Ritz vectors of `L` (ascending
/// Ritz values, returned) and leaves `L v` in `lv`.
fn rayleigh_ritz(
    g: &Graph,
    v: &mut Vec<f64>,
    lv: &mut Vec<f64>,
    scratch: &mut Vec<f64>,
    p: usize,
    exec: Exec,
) -> Vec<f64> {
    let n = g.n();
    g.apply(v, Step::LAPLACIAN, lv, p, exec);
    // H = vᵀ L v, symmetrised.
    let mut h = vec![0.0; p * p];
    for i in 0..n {
        let (vi, li) = (&v[i * p..(i + 1) * p], &lv[i * p..(i + 1) * p]);
        for (a, &va) in vi.iter().enumerate() {
            for (hab, &lb) in h[a * p..(a + 1) * p].iter_mut().zip(li) {
                *hab += va * lb;
            }
        }
    }
    for a in 0..p {
        for b in a + 1..p {
            let mean = 0.5 * (h[a * p + b] + h[b * p + a]);
            h[a * p + b] = mean;
            h[b * p + a] = mean;
        }
    }
    let (theta, q) = symmetric_eigen(&mut h, p);
    rotate(v, scratch, &q, n, p);
    rotate(lv, scratch, &q, n, p);
    theta
}

/// `v ← v q` for an `n × p` block and a `p × p` matrix.
fn rotate(v: &mut Vec<f64>, scratch: &mut Vec<f64>, q: &[f64], n: usize, p: usize) {
    for i in 0..n {
        let out = &mut scratch[i * p..(i + 1) * p];
        out.fill(0.0);
        for (a, &va) in v[i * p..(i + 1) * p].iter().enumerate() {
            for (o, &qab) in out.iter_mut().zip(&q[a * p..(a + 1) * p]) {
                *o += va * qab;
            }
        }
    }
    std::mem::swap(v, scratch);
}

/// Whether the first `k` Ritz pairs have residuals below [`RESIDUAL_TOL`].
fn residuals_below(v: &[f64], lv: &[f64], theta: &[f64], k: usize, p: usize) -> bool {
    let mut sq = vec![0.0; k];
    for (vi, li) in v.chunks_exact(p).zip(lv.chunks_exact(p)) {
        for ((s, (&x, &l)), &t) in sq.iter_mut().zip(vi.iter().zip(li)).zip(theta) {
            let r = l - t * x;
            *s += r * r;
        }
    }
    sq.iter().all(|&s| s.sqrt() < RESIDUAL_TOL)
}

/// Orthonormalises the columns of the `n × p` block in place: classical
/// Gram–Schmidt, twice per column (CGS2, as accurate as Householder for
/// this purpose); a column left without a direction of its own is replaced
/// by a random one.
fn orthonormalize(v: &mut [f64], n: usize, p: usize, rng: &mut Rng) {
    for j in 0..p {
        let mut attempts = 0;
        loop {
            let before = column_norm(v, n, p, j);
            for _ in 0..2 {
                let mut h = vec![0.0; j];
                for row in v.chunks_exact(p) {
                    let x = row[j];
                    for (hc, &r) in h.iter_mut().zip(&row[..j]) {
                        *hc += r * x;
                    }
                }
                for row in v.chunks_exact_mut(p) {
                    let dot: f64 = row[..j].iter().zip(&h).map(|(r, hc)| r * hc).sum();
                    row[j] -= dot;
                }
            }
            let after = column_norm(v, n, p, j);
            if after > 1e-10 * before && after > 0.0 {
                v.chunks_exact_mut(p).for_each(|row| row[j] /= after);
                break;
            }
            attempts += 1;
            if attempts > 8 {
                // Only possible with j >= n, which the block size rules out.
                break;
            }
            v.chunks_exact_mut(p)
                .for_each(|row| row[j] = 2.0 * rng.uniform() - 1.0);
        }
    }
}

fn column_norm(v: &[f64], _n: usize, p: usize, j: usize) -> f64 {
    v.chunks_exact(p)
        .map(|row| row[j] * row[j])
        .sum::<f64>()
        .sqrt()
}

/// Eigenvalues (ascending) and eigenvectors (columns of the returned
/// row-major `p × p` matrix) of the symmetric `a`, by cyclic Jacobi
/// rotations; `a` is destroyed. Jacobi is slow for big matrices but exact
/// to the last bits for the small ones here (p ≤ a few dozen).
fn symmetric_eigen(a: &mut [f64], p: usize) -> (Vec<f64>, Vec<f64>) {
    let mut q = vec![0.0; p * p];
    for i in 0..p {
        q[i * p + i] = 1.0;
    }
    let norm: f64 = a.iter().map(|v| v * v).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let off: f64 = (0..p)
            .flat_map(|r| (r + 1..p).map(move |c| (r, c)))
            .map(|(r, c)| a[r * p + c] * a[r * p + c])
            .sum();
        if off.sqrt() <= 1e-15 * norm {
            break;
        }
        for r in 0..p {
            for c in r + 1..p {
                rotate_pair(a, &mut q, p, r, c);
            }
        }
    }
    let mut order: Vec<usize> = (0..p).collect();
    order.sort_by(|&x, &y| a[x * p + x].total_cmp(&a[y * p + y]).then(x.cmp(&y)));
    let values = order.iter().map(|&i| a[i * p + i]).collect();
    let mut vectors = vec![0.0; p * p];
    for (to, &from) in order.iter().enumerate() {
        for row in 0..p {
            vectors[row * p + to] = q[row * p + from];
        }
    }
    (values, vectors)
}

/// One Jacobi rotation zeroing `a[r][c]`, accumulated into `q`.
fn rotate_pair(a: &mut [f64], q: &mut [f64], p: usize, r: usize, c: usize) {
    let arc = a[r * p + c];
    if arc == 0.0 {
        return;
    }
    let theta = (a[c * p + c] - a[r * p + r]) / (2.0 * arc);
    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
    let cos = 1.0 / (t * t + 1.0).sqrt();
    let sin = t * cos;
    for k in 0..p {
        let (akr, akc) = (a[k * p + r], a[k * p + c]);
        a[k * p + r] = cos * akr - sin * akc;
        a[k * p + c] = sin * akr + cos * akc;
    }
    for k in 0..p {
        let (ark, ack) = (a[r * p + k], a[c * p + k]);
        a[r * p + k] = cos * ark - sin * ack;
        a[c * p + k] = sin * ark + cos * ack;
    }
    a[r * p + c] = 0.0;
    a[c * p + r] = 0.0;
    for k in 0..p {
        let (qkr, qkc) = (q[k * p + r], q[k * p + c]);
        q[k * p + r] = cos * qkr - sin * qkc;
        q[k * p + c] = sin * qkr + cos * qkc;
    }
}

// ---------------------------------------------------------------------------
// The embedding.

/// `n × k`: eigenvector j divided by `dd`, then flipped so that its entry
/// of largest magnitude (the first such) is positive.
fn embed(g: &Graph, vectors: &[f64], k: usize) -> Matrix {
    let n = g.n();
    let mut u: Vec<f64> = vectors
        .chunks_exact(k)
        .zip(&g.dd)
        .flat_map(|(row, &dd)| row.iter().map(move |v| v / dd))
        .collect();
    for j in 0..k {
        let mut at = 0;
        for i in 1..n {
            if u[i * k + j].abs() > u[at * k + j].abs() {
                at = i;
            }
        }
        if u[at * k + j] < 0.0 {
            (0..n).for_each(|i| u[i * k + j] = -u[i * k + j]);
        }
    }
    Matrix::new(n, k, u).unwrap_or_else(|_| unreachable!("n × k embedding by construction"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::kmeans::adjusted_rand_index;
    use crate::ml::kmeans::tests::{blobs, matrix};

    /// The dense `L` of a graph.
    fn dense_laplacian(g: &Graph) -> Vec<f64> {
        let n = g.n();
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            l[i * n + i] = 1.0;
            for at in g.offsets[i]..g.offsets[i + 1] {
                l[i * n + g.cols[at] as usize] -= g.vals[at];
            }
        }
        l
    }

    #[test]
    fn jacobi_finds_known_eigenpairs() {
        // [[2, 1, 0], [1, 2, 1], [0, 1, 2]]: 2 − √2, 2, 2 + √2.
        let mut a = vec![2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0];
        let (values, vectors) = symmetric_eigen(&mut a.clone(), 3);
        let r2 = 2f64.sqrt();
        for (v, want) in values.iter().zip([2.0 - r2, 2.0, 2.0 + r2]) {
            assert!((v - want).abs() < 1e-14, "{v} vs {want}");
        }
        // A q = λ q for every column.
        for (j, &lambda) in values.iter().enumerate() {
            for r in 0..3 {
                let aq: f64 = (0..3).map(|c| a[r * 3 + c] * vectors[c * 3 + j]).sum();
                assert!((aq - lambda * vectors[r * 3 + j]).abs() < 1e-14);
            }
        }
        a.iter_mut().for_each(|v| *v = 0.0);
        assert_eq!(symmetric_eigen(&mut a, 3).0, vec![0.0; 3]);
    }

    /// Every row's 10 nearest by a full sort on (distance, index).
    fn sorted_neighbours(x: &Matrix) -> Vec<u32> {
        let n = x.rows();
        let mut out = Vec::new();
        for i in 0..n {
            let mut all: Vec<(f64, usize)> =
                (0..n).map(|j| (sq_dist(x.row(j), x.row(i)), j)).collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            out.extend(all[..10].iter().map(|&(_, j)| j as u32));
        }
        out
    }

    #[test]
    fn neighbours_break_ties_by_index() {
        // A 7 × 7 integer grid, each point three times: distances tie
        // everywhere, duplicates at distance 0.
        let data: Vec<f64> = (0..147)
            .flat_map(|i| [f64::from((i / 3) % 7), f64::from((i / 3) / 7)])
            .collect();
        let x = matrix(147, 2, data);
        assert_eq!(
            nearest_neighbors(&x, 10, Exec::Serial),
            sorted_neighbours(&x)
        );
    }

    #[test]
    fn neighbours_match_a_full_sort() {
        let x = blobs(&[&[0.0, 0.0, 0.0], &[1.0, 1.0, 0.0]], 40, 2.0, 5);
        assert_eq!(
            nearest_neighbors(&x, 10, Exec::Serial),
            sorted_neighbours(&x)
        );
        let n = x.rows();
        let found = nearest_neighbors(&x, 10, Exec::Serial);
        for i in 0..n {
            let mut all: Vec<(f64, usize)> = (0..n)
                .map(|j| {
                    let d: f64 = x
                        .row(i)
                        .iter()
                        .zip(x.row(j))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum();
                    (d, j)
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<u32> = all[..10].iter().map(|&(_, j)| j as u32).collect();
            assert_eq!(&found[i * 10..(i + 1) * 10], &want[..]);
        }
        assert_eq!(found, nearest_neighbors(&x, 10, Exec::Parallel));
    }

    #[test]
    fn affinity_weighs_mutual_edges_one_and_others_half() {
        // 1-D points 0, 1, 3 with 2 neighbours each (self included):
        // 0 → {0, 1}, 1 → {1, 0}, 3 → {3, 1}. W(0,1) = 1, W(1,2) = 1/2.
        let x = matrix(3, 1, vec![0.0, 1.0, 3.0]);
        let nb = nearest_neighbors(&x, 2, Exec::Serial);
        assert_eq!(nb, vec![0, 1, 1, 0, 2, 1]);
        let g = Graph::from_neighbors(3, &nb, 2);
        let degrees = [1.0, 1.5, 0.5];
        for (dd, deg) in g.dd.iter().zip(degrees) {
            assert!((dd - f64::sqrt(deg)).abs() < 1e-15);
        }
        assert_eq!(g.cols, vec![1, 0, 2, 1]);
        let want = [
            1.0 / 1.5f64.sqrt(),
            1.0 / 1.5f64.sqrt(),
            0.5 / 0.75f64.sqrt(),
            0.5 / 0.75f64.sqrt(),
        ];
        for (v, w) in g.vals.iter().zip(want) {
            assert!((v - w).abs() < 1e-15);
        }
        assert_eq!(g.components(), 1);
    }

    #[test]
    fn subspace_iteration_matches_dense_eigenvalues() {
        let x = blobs(&[&[0.0, 0.0], &[3.0, 0.0], &[0.0, 3.0]], 30, 4.0, 9);
        let nb = nearest_neighbors(&x, 10, Exec::Serial);
        let g = Graph::from_neighbors(x.rows(), &nb, 10);
        let n = g.n();
        let mut dense = dense_laplacian(&g);
        let (all, _) = symmetric_eigen(&mut dense, n);
        let eig = smallest_eigenpairs(&g, 4, 1, Exec::Serial).expect("converges");
        for (got, want) in eig.values.iter().zip(&all) {
            assert!((got - want).abs() < 1e-10, "{got} vs {want}");
        }
    }

    #[test]
    fn disconnected_blobs_are_found_with_repeated_zero_eigenvalues() {
        let x = blobs(&[&[0.0, 0.0], &[50.0, 0.0], &[0.0, 50.0]], 40, 1.0, 2);
        let truth: Vec<usize> = (0..120).map(|i| i / 40).collect();
        let fit = SpectralClustering::new(3).fit(&x).expect("fit");
        assert_eq!(fit.components, 3);
        assert!(
            fit.eigenvalues.iter().all(|v| v.abs() < 1e-10),
            "{:?}",
            fit.eigenvalues
        );
        assert_eq!(adjusted_rand_index(&fit.labels, &truth), 1.0);
    }

    #[test]
    fn parallel_is_serial_bit_for_bit() {
        let x = blobs(
            &[&[0.0, 0.0, 0.0], &[2.0, 0.0, 1.0], &[0.0, 2.0, 2.0]],
            60,
            3.0,
            4,
        );
        let sc = SpectralClustering::new(3);
        let serial = sc.fit(&x).expect("fit");
        assert_eq!(serial, sc.fit_parallel(&x).expect("fit"));
        assert_eq!(serial.components, 1);
    }

    #[test]
    fn duplicate_rows_form_their_own_clusters() {
        // Five distinct points, twelve copies each: each group is a clique
        // of its own (more than ten copies), five components.
        let base = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0], [9.0, 1.0]];
        let data: Vec<f64> = base.iter().flat_map(|p| p.repeat(12)).collect();
        let x = matrix(60, 2, data);
        let fit = SpectralClustering::new(5).fit(&x).expect("fit");
        let truth: Vec<usize> = (0..60).map(|i| i / 12).collect();
        assert_eq!(fit.components, 5);
        assert_eq!(adjusted_rand_index(&fit.labels, &truth), 1.0);
    }

    #[test]
    fn small_inputs_are_rejected_as_sklearn_does() {
        let x = blobs(&[&[0.0, 0.0]], 9, 1.0, 1);
        assert_eq!(
            SpectralClustering::new(2).fit(&x),
            Err(SpectralError::TooManyNeighbors {
                n_neighbors: 10,
                n_samples: 9
            })
        );
        let x = blobs(&[&[0.0, 0.0]], 10, 1.0, 1);
        assert_eq!(
            SpectralClustering::new(10).fit(&x),
            Err(SpectralError::TooManyClusters {
                n_clusters: 10,
                n_samples: 10
            })
        );
        // Ten rows, ten neighbours: the complete graph, still fine; and
        // k = n − 1 takes the whole space.
        assert!(SpectralClustering::new(2).fit(&x).is_ok());
        assert!(SpectralClustering::new(9).fit(&x).is_ok());
        let one = matrix(1, 2, vec![0.0, 0.0]);
        assert_eq!(
            SpectralClustering::new(1).fit(&one),
            Err(SpectralError::TooFewSamples(1))
        );
        assert_eq!(
            SpectralClustering::new(0).fit(&x),
            Err(SpectralError::NoClusters)
        );
    }

    #[test]
    fn a_single_column_works() {
        let data: Vec<f64> = (0..30)
            .map(|i| f64::from(i % 15) * 0.1 + if i < 15 { 0.0 } else { 10.0 })
            .collect();
        let x = matrix(30, 1, data);
        let fit = SpectralClustering::new(2).fit(&x).expect("fit");
        let truth: Vec<usize> = (0..30).map(|i| i / 15).collect();
        assert_eq!(adjusted_rand_index(&fit.labels, &truth), 1.0);
    }

    /// Verification against scikit-learn, driven by /tmp scripts (not a
    /// unit test): fits `SPECTRAL_IN` (see `kmeans::tests::read_matrix`)
    /// with `SPECTRAL_K` clusters and writes the median serial and parallel
    /// wall seconds and the mean serial thread CPU seconds over
    /// `SPECTRAL_REPS` fits, the connected components, the eigenvalues, then
    /// the labels, to `SPECTRAL_OUT`.
    #[test]
    #[ignore]
    fn compare_with_sklearn() {
        use crate::ml::kmeans::tests::{median_secs, read_matrix};
        let var = |name: &str| std::env::var(name).expect(name);
        let x = read_matrix(&var("SPECTRAL_IN"));
        let sc = SpectralClustering::new(var("SPECTRAL_K").parse().expect("k"));
        let reps = var("SPECTRAL_REPS").parse().expect("reps");
        let fit = sc.fit(&x).expect("fit");
        let (serial, serial_cpu) = median_secs(reps, || sc.fit(&x));
        let (parallel, _) = median_secs(reps, || sc.fit_parallel(&x));
        let values: Vec<String> = fit
            .eigenvalues
            .iter()
            .map(|v| format!("{v:.17e}"))
            .collect();
        let labels: Vec<String> = fit.labels.iter().map(|l| l.to_string()).collect();
        let out = format!(
            "{serial} {parallel} {serial_cpu} {}\n{}\n{}\n",
            fit.components,
            values.join(" "),
            labels.join(" ")
        );
        std::fs::write(var("SPECTRAL_OUT"), out).expect("write output");
    }
}
