//! linfa as a Rust peer (issue 15): what a team gets from the Rust
//! ecosystem's k-means, linfa-clustering 0.8.1, without writing a model,
//! timed as its own column beside the hand-written twin.
//!
//! Only the k-means step is linfa's. The pair's scaling, silhouette and
//! output are the twin's own code (`clustering.rs` calls [`kmeans`] where
//! the twin calls its `KMeans`), so the ratio between the two columns is
//! the ratio between the two k-means and nothing else.
//!
//! Parameters follow scikit-learn 1.6.1's `KMeans(n_clusters=k,
//! random_state=42)` where linfa has them: k-means++ init, one start
//! (`n_init='auto'` means 1 with k-means++; linfa's default is 10), at most
//! 300 iterations, and scikit-learn's stopping rule (see [`tolerance`]).
//! What linfa does differently, and cannot be told otherwise: plain
//! k-means++ (one candidate per centre, where scikit-learn keeps the best of
//! 2 + ⌊ln k⌋), m_k-means centre updates (the old centre counts as one more
//! member, so a centre is not exactly its cluster's mean), and its own
//! random stream (Xoshiro256+ seeded with 42).

use std::sync::OnceLock;

use linfa::DatasetBase;
use linfa::traits::{Fit, Predict};
use linfa_clustering::KMeans;
use ndarray::ArrayView2;
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;
use thiserror::Error;
use twinbench_kernels::ml::Matrix;

/// The seed of the column's start: the original's `random_state=42` (also
/// what linfa's `KMeans::params` seeds its generator with).
pub const SEED: u64 = 42;

/// scikit-learn's `max_iter` default.
const MAX_ITER: u64 = 300;

/// scikit-learn's `tol` default, relative to the data's mean variance.
const SKLEARN_TOL: f64 = 1e-4;

/// Why linfa's k-means produced no clustering.
#[derive(Debug, Error)]
pub enum LinfaError {
    #[error("linfa k-means: {0}")]
    KMeans(#[from] linfa_clustering::KMeansError),
    /// linfa would seed duplicate centres instead (scikit-learn raises).
    #[error("linfa k-means: n_samples={n_samples} should be >= n_clusters={n_clusters}")]
    TooFewSamples { n_samples: usize, n_clusters: usize },
    #[error("the scaled rows are not a {rows}×{cols} array: {source}")]
    Shape {
        rows: usize,
        cols: usize,
        source: ndarray::ShapeError,
    },
    #[error("the one-thread pool linfa runs on did not start: {0}")]
    Pool(String),
}

/// linfa's k-means parallelises its assignment step on the current rayon
/// pool; it runs on this one-thread pool so the column is set against the
/// single-threaded twin like with like. Started by [`prepare`], outside any
/// timed or memory-measured call; never torn down (one idle thread).
fn one_thread() -> Result<&'static rayon::ThreadPool, LinfaError> {
    static POOL: OnceLock<Result<rayon::ThreadPool, String>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "linfa-peer".into())
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| LinfaError::Pool(e.clone()))
}

/// Starts the one-thread pool, so that neither the first timed call nor the
/// memory measurement pays for (or counts) the thread.
pub fn prepare() -> Result<(), LinfaError> {
    one_thread().map(|_| ())
}

/// linfa stops when the Euclidean norm of the whole centre shift is below
/// its tolerance; scikit-learn when the squared norm is at most
/// `tol × mean(var(X, axis=0))`. Both rules are the same with linfa's
/// tolerance at the square root of scikit-learn's (linfa refuses 0, which a
/// matrix of constant columns would give: the smallest positive float then).
fn tolerance(x: &Matrix) -> f64 {
    let (rows, cols) = (x.rows(), x.cols());
    if rows == 0 || cols == 0 {
        return f64::MIN_POSITIVE;
    }
    let n = rows as f64;
    let mut mean = vec![0.0; cols];
    for i in 0..rows {
        for (m, v) in mean.iter_mut().zip(x.row(i)) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0; cols];
    for i in 0..rows {
        for ((s, v), m) in var.iter_mut().zip(x.row(i)).zip(&mean) {
            *s += (v - m) * (v - m);
        }
    }
    let mean_var = var.iter().sum::<f64>() / n / cols as f64;
    (SKLEARN_TOL * mean_var).sqrt().max(f64::MIN_POSITIVE)
}

/// linfa's k-means on the scaled rows (no copy: linfa reads a view of
/// them), its generator seeded with `seed` ([`SEED`] in the column; the
/// differential tests draw others to measure its spread): the labels of the
/// final centres (linfa's `predict`, as scikit-learn's final E-step) and the
/// inertia, Σ‖x − c(x)‖², of those labels. linfa's own `inertia()` is a
/// mean over rows, of the distances to the centres before their last
/// update, so it is recomputed here.
pub fn kmeans(scaled: &Matrix, k: usize, seed: u64) -> Result<(Vec<usize>, f64), LinfaError> {
    let (rows, cols) = (scaled.rows(), scaled.cols());
    if k > rows {
        return Err(LinfaError::TooFewSamples {
            n_samples: rows,
            n_clusters: k,
        });
    }
    let view = ArrayView2::from_shape((rows, cols), scaled.as_slice())
        .map_err(|source| LinfaError::Shape { rows, cols, source })?;
    let tol = tolerance(scaled);
    one_thread()?.install(|| {
        let data = DatasetBase::from(view);
        let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
            .n_runs(1)
            .max_n_iterations(MAX_ITER)
            .tolerance(tol)
            .fit(&data)?;
        let labels = model.predict(&view).to_vec();
        let centres = model.centroids();
        let inertia = labels
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                scaled
                    .row(i)
                    .iter()
                    .zip(centres.row(c))
                    .map(|(x, m)| (x - m) * (x - m))
                    .sum::<f64>()
            })
            .sum();
        Ok((labels, inertia))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tolerance_is_sklearns_on_linfas_scale() {
        // Two columns of variance 1 and 4 (population): mean 2.5, so
        // scikit-learn's threshold 2.5e-4 on the squared shift.
        let x = Matrix::new(2, 2, vec![-1.0, -2.0, 1.0, 2.0]).expect("matrix");
        assert!((tolerance(&x) - 2.5e-4_f64.sqrt()).abs() < 1e-15);
        let constant = Matrix::new(2, 1, vec![3.0, 3.0]).expect("matrix");
        assert_eq!(tolerance(&constant), f64::MIN_POSITIVE);
    }

    #[test]
    fn separated_blobs_are_found_and_the_inertia_is_a_sum_of_squares() {
        // Two tight pairs far apart: any start ends at the pairs.
        let x = Matrix::new(4, 1, vec![0.0, 1.0, 100.0, 101.0]).expect("matrix");
        let (labels, inertia) = kmeans(&x, 2, SEED).expect("fit");
        assert_eq!(labels[0], labels[1]);
        assert_eq!(labels[2], labels[3]);
        assert_ne!(labels[0], labels[2]);
        // A sum over rows, at least the optimum 1.0 (centres 0.5 and
        // 100.5); not linfa's mean over rows (about a quarter of it). Above
        // 1.0 by what m_k-means leaves: it stops once the centres move less
        // than the tolerance, here sqrt(1e-4 × variance 2500.25) = 0.5.
        assert!((1.0..1.2).contains(&inertia), "{inertia}");
    }

    #[test]
    fn more_clusters_than_rows_is_an_error_not_duplicate_centres() {
        let x = Matrix::new(2, 1, vec![0.0, 1.0]).expect("matrix");
        assert!(matches!(
            kmeans(&x, 3, SEED),
            Err(LinfaError::TooFewSamples { .. })
        ));
    }
}
