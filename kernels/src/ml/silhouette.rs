//! The mean silhouette coefficient: the twin of scikit-learn 1.6.1's
//! `metrics.silhouette_score(X, labels)` (euclidean, `sample_size=None`,
//! the exact `O(n²)` mean over all rows).
//!
//! For row `i` in cluster `A`, `a` is its mean distance to the other rows of
//! `A`, `b` the smallest mean distance to the rows of another cluster, and
//! `s = (b − a) / max(a, b)`; a row alone in its cluster scores 0, and so does
//! a row with `a = b = 0` (sklearn's `nan_to_num` on `0/0`).
//!
//! Distances are computed directly, `sqrt(Σ_c (x_c − y_c)²)`, not through
//! sklearn's `‖x‖² − 2x·y + ‖y‖²` expansion: the expansion goes through BLAS
//! (whose summation order is not reproducible) and loses digits to
//! cancellation, up to ~1e-8 absolute for a pair of equal rows. The score
//! therefore agrees with sklearn to within sklearn's own rounding error, not
//! bit for bit.
//!
//! Layout: rows are reordered so that every cluster is one contiguous range,
//! and stored column by column, so the distances from one row to a cluster
//! are a vectorised loop over that range. Each row's sums are computed the
//! same way whichever thread computes them, so [`silhouette_score`] and
//! [`silhouette_score_par`] return the same bits.

use super::Matrix;
use rayon::prelude::*;
use thiserror::Error;

/// Why a silhouette score could not be computed.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum SilhouetteError {
    #[error("{labels} labels for {rows} rows")]
    LabelCount { labels: usize, rows: usize },
    /// sklearn raises the same condition (`check_number_of_labels`); the
    /// caller decides what a single cluster scores.
    #[error("number of labels is {n_labels}; valid values are 2 to n_samples - 1 = {max}")]
    ClusterCount { n_labels: usize, max: usize },
    /// sklearn's input validation requires at least one column.
    #[error("input has no columns")]
    NoColumns,
    /// sklearn's input validation rejects NaN and infinities.
    #[error("input value at row {row}, column {col} is not finite")]
    NonFinite { row: usize, col: usize },
}

/// sklearn's `silhouette_score(x, labels)`, on one thread.
pub fn silhouette_score(x: &Matrix, labels: &[usize]) -> Result<f64, SilhouetteError> {
    let layout = Layout::new(x, labels)?;
    let mut scores = vec![0.0; x.rows()];
    layout.score_rows(0, &mut scores);
    Ok(mean(&scores))
}

/// [`silhouette_score`] with row blocks spread over rayon's pool; the same
/// bits as the serial version (each row is computed by the same code, and
/// the mean is taken serially over the same array).
pub fn silhouette_score_par(x: &Matrix, labels: &[usize]) -> Result<f64, SilhouetteError> {
    let layout = Layout::new(x, labels)?;
    let mut scores = vec![0.0; x.rows()];
    scores
        .par_chunks_mut(ROWS_PER_TASK)
        .enumerate()
        .for_each(|(block, out)| layout.score_rows(block * ROWS_PER_TASK, out));
    Ok(mean(&scores))
}

/// sklearn's `silhouette_samples(x, labels)`: one score per row, in the
/// input's row order. One thread.
pub fn silhouette_samples(x: &Matrix, labels: &[usize]) -> Result<Vec<f64>, SilhouetteError> {
    let layout = Layout::new(x, labels)?;
    let mut sorted = vec![0.0; x.rows()];
    layout.score_rows(0, &mut sorted);
    let mut scores = vec![0.0; x.rows()];
    for (&row, &s) in layout.order.iter().zip(&sorted) {
        scores[row] = s;
    }
    Ok(scores)
}

/// Rows per rayon task: enough work (rows × n distances) to amortise a
/// task, small enough to balance two to a few dozen threads.
const ROWS_PER_TASK: usize = 64;

/// Lanes of the distance loop: enough independent sums to fill SIMD
/// registers and hide the latency of `sqrt`.
const LANES: usize = 8;

/// The input reordered by cluster.
///
/// Invariants: `order[r]` is the input row at sorted position `r`, sorted
/// stably by cluster; cluster `c` (labels encoded `0..k` in increasing label
/// order, as sklearn's `LabelEncoder`) occupies sorted positions
/// `bounds[c]..bounds[c + 1]`, and is non-empty; `columns[j][r]` is column `j`
/// of the row at sorted position `r`; `cluster[r]` is its cluster.
#[derive(Debug)]
struct Layout {
    order: Vec<usize>,
    bounds: Vec<usize>,
    cluster: Vec<usize>,
    columns: Vec<Vec<f64>>,
}

impl Layout {
    fn new(x: &Matrix, labels: &[usize]) -> Result<Self, SilhouetteError> {
        let n = x.rows();
        if labels.len() != n {
            return Err(SilhouetteError::LabelCount {
                labels: labels.len(),
                rows: n,
            });
        }
        if x.cols() == 0 {
            return Err(SilhouetteError::NoColumns);
        }
        check_finite(x)?;
        let mut distinct = labels.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 2 || distinct.len() >= n {
            return Err(SilhouetteError::ClusterCount {
                n_labels: distinct.len(),
                max: n.saturating_sub(1),
            });
        }
        // `distinct` is sorted, so a binary search is the label encoding.
        let code = |label: &usize| distinct.binary_search(label).unwrap_or(0);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&row| code(&labels[row]));
        let cluster: Vec<usize> = order.iter().map(|&row| code(&labels[row])).collect();
        let mut bounds = vec![0; distinct.len() + 1];
        for &c in &cluster {
            bounds[c + 1] += 1;
        }
        for c in 0..distinct.len() {
            bounds[c + 1] += bounds[c];
        }
        let columns = (0..x.cols())
            .map(|j| order.iter().map(|&row| x.row(row)[j]).collect())
            .collect();
        Ok(Layout {
            order,
            bounds,
            cluster,
            columns,
        })
    }

    /// Scores of the rows at sorted positions `first..first + out.len()`.
    fn score_rows(&self, first: usize, out: &mut [f64]) {
        let k = self.bounds.len() - 1;
        let mut sums = vec![0.0; k];
        let mut point = vec![0.0; self.columns.len()];
        for (r, score) in (first..).zip(out.iter_mut()) {
            for (p, col) in point.iter_mut().zip(&self.columns) {
                *p = col[r];
            }
            for (c, sum) in sums.iter_mut().enumerate() {
                *sum = self.distance_sum(&point, self.bounds[c], self.bounds[c + 1]);
            }
            *score = self.row_score(self.cluster[r], &sums);
        }
    }

    /// `Σ_{start <= j < end} ‖point − row_j‖` over sorted positions, in
    /// [`LANES`] partial sums folded in a fixed order (so the result depends
    /// only on the inputs, not on the thread).
    fn distance_sum(&self, point: &[f64], start: usize, end: usize) -> f64 {
        let mut total = [0.0_f64; LANES];
        let mut j = start;
        while j + LANES <= end {
            let mut d2 = [0.0_f64; LANES];
            for (col, &p) in self.columns.iter().zip(point) {
                for (acc, &v) in d2.iter_mut().zip(&col[j..j + LANES]) {
                    let diff = v - p;
                    *acc += diff * diff;
                }
            }
            for (t, d) in total.iter_mut().zip(d2) {
                *t += d.sqrt();
            }
            j += LANES;
        }
        let tail: f64 = (j..end)
            .map(|r| {
                let d2 = self.columns.iter().zip(point).fold(0.0, |acc, (col, &p)| {
                    let diff = col[r] - p;
                    acc + diff * diff
                });
                d2.sqrt()
            })
            .sum();
        total.iter().sum::<f64>() + tail
    }

    /// sklearn's per-row formula from the sums of distances to each cluster
    /// (the row's own distance to itself is 0 and included, as in sklearn).
    fn row_score(&self, own: usize, sums: &[f64]) -> f64 {
        let size = |c: usize| (self.bounds[c + 1] - self.bounds[c]) as f64;
        if size(own) <= 1.0 {
            return 0.0;
        }
        let a = sums[own] / (size(own) - 1.0);
        let b = sums
            .iter()
            .enumerate()
            .filter(|&(c, _)| c != own)
            .map(|(c, &s)| s / size(c))
            .fold(f64::INFINITY, f64::min);
        let s = (b - a) / a.max(b);
        if s.is_nan() { 0.0 } else { s }
    }
}

fn check_finite(x: &Matrix) -> Result<(), SilhouetteError> {
    match x.as_slice().iter().position(|v| !v.is_finite()) {
        Some(at) => Err(SilhouetteError::NonFinite {
            row: at / x.cols().max(1),
            col: at % x.cols().max(1),
        }),
        None => Ok(()),
    }
}

/// The mean with a compensated (Neumaier) sum: accurate to about one unit
/// in the last place whatever `n`, and deterministic.
fn mean(values: &[f64]) -> f64 {
    let (mut sum, mut carry) = (0.0_f64, 0.0_f64);
    for &v in values {
        let t = sum + v;
        carry += if sum.abs() >= v.abs() {
            (sum - t) + v
        } else {
            (v - t) + sum
        };
        sum = t;
    }
    (sum + carry) / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[f64]) -> Matrix {
        Matrix::new(values.len(), 1, values.to_vec()).expect("shape")
    }

    fn close(got: f64, want: f64) {
        assert!((got - want).abs() <= 1e-15, "{got} vs {want}");
    }

    /// {0, 1} and {4, 6} on a line: a = 1, 1, 2, 2 and b = 5, 4, 3.5, 5.5.
    #[test]
    fn two_clusters_by_hand() {
        let x = column(&[0., 1., 4., 6.]);
        let hand = [0.8, 0.75, 1.5 / 3.5, 3.5 / 5.5];
        let samples = silhouette_samples(&x, &[3, 3, 7, 7]).expect("samples");
        samples.iter().zip(hand).for_each(|(&s, h)| close(s, h));
        close(
            silhouette_score(&x, &[3, 3, 7, 7]).expect("score"),
            hand.iter().sum::<f64>() / 4.0,
        );
    }

    /// A singleton cluster scores 0 and is the nearest cluster of row 6.
    #[test]
    fn a_row_alone_in_its_cluster_scores_zero() {
        let x = column(&[0., 1., 4., 6., 10.]);
        let samples = silhouette_samples(&x, &[0, 0, 1, 1, 2]).expect("samples");
        let hand = [0.8, 0.75, 1.5 / 3.5, 0.5, 0.0];
        samples.iter().zip(hand).for_each(|(&s, h)| close(s, h));
    }

    /// Two columns, a 3-4-5 triangle: a = 0 for the pair (0,0), (0,0).
    #[test]
    fn duplicate_rows_and_zero_distances() {
        let x = Matrix::new(4, 2, vec![0., 0., 0., 0., 3., 4., 3., 4.]).expect("shape");
        let samples = silhouette_samples(&x, &[0, 0, 1, 1]).expect("samples");
        samples.iter().for_each(|&s| close(s, 1.0));
        // All rows equal: a = b = 0 is sklearn's 0/0, scored 0.
        let same = column(&[2.0; 4]);
        close(silhouette_score(&same, &[0, 0, 1, 1]).expect("score"), 0.0);
    }

    #[test]
    fn invalid_inputs_are_typed_errors() {
        let x = column(&[0., 1., 2.]);
        let count = |n_labels| Err(SilhouetteError::ClusterCount { n_labels, max: 2 });
        assert_eq!(silhouette_score(&x, &[4, 4, 4]), count(1));
        assert_eq!(silhouette_score(&x, &[0, 1, 2]), count(3));
        assert_eq!(
            silhouette_score(&x, &[0, 1]),
            Err(SilhouetteError::LabelCount { labels: 2, rows: 3 })
        );
        let nan = column(&[0., f64::NAN, 2.]);
        assert_eq!(
            silhouette_score_par(&nan, &[0, 0, 1]),
            Err(SilhouetteError::NonFinite { row: 1, col: 0 })
        );
        let empty = Matrix::new(3, 0, vec![]).expect("shape");
        assert_eq!(
            silhouette_score(&empty, &[0, 0, 1]),
            Err(SilhouetteError::NoColumns)
        );
    }

    /// Deterministic pseudo-random rows and labels (a 64-bit LCG).
    fn lcg(rows: usize, cols: usize, k: u64) -> (Matrix, Vec<usize>) {
        let mut state = 7_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let data = (0..rows * cols)
            .map(|_| (next() % 1000) as f64 / 100.0)
            .collect();
        let labels = (0..rows).map(|_| (next() % k) as usize).collect();
        (Matrix::new(rows, cols, data).expect("shape"), labels)
    }

    #[test]
    fn serial_and_parallel_are_bit_identical() {
        let (x, labels) = lcg(333, 3, 5);
        let serial = silhouette_score(&x, &labels).expect("serial");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("pool");
        let par = pool
            .install(|| silhouette_score_par(&x, &labels))
            .expect("par");
        assert_eq!(serial.to_bits(), par.to_bits());
        let samples = silhouette_samples(&x, &labels).expect("samples");
        assert!((mean(&samples) - serial).abs() < 1e-15);
    }

    /// The direct O(n²) definition, pair by pair, as a check of the
    /// reordered, vectorised sums.
    #[test]
    fn matches_the_definition() {
        let (x, labels) = lcg(150, 2, 4);
        let n = x.rows();
        let dist = |i: usize, j: usize| {
            x.row(i)
                .iter()
                .zip(x.row(j))
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt()
        };
        let samples = silhouette_samples(&x, &labels).expect("samples");
        for i in 0..n {
            let mean_to = |c: usize| {
                let members: Vec<usize> = (0..n).filter(|&j| labels[j] == c && j != i).collect();
                members.iter().map(|&j| dist(i, j)).sum::<f64>() / members.len() as f64
            };
            let a = mean_to(labels[i]);
            let b = (0..4)
                .filter(|&c| c != labels[i])
                .map(mean_to)
                .fold(f64::INFINITY, f64::min);
            assert!((samples[i] - (b - a) / a.max(b)).abs() < 1e-12, "row {i}");
        }
    }

    /// Differential run against scikit-learn: reads `SIL_IN` (raw
    /// little-endian f64, `SIL_COLS` columns) and `SIL_LABELS` (one label a
    /// line), prints both scores with 17 significant digits, then times
    /// `SIL_REPS` runs of each version (`SIL_THREADS` rayon threads for the
    /// parallel one).
    #[test]
    #[ignore = "differential run: needs data files from the Python side"]
    fn differential_against_sklearn() {
        let var = |name: &str| std::env::var(name).expect(name);
        let bytes = std::fs::read(var("SIL_IN")).expect("read SIL_IN");
        let cols: usize = var("SIL_COLS").parse().expect("SIL_COLS");
        let reps: usize = std::env::var("SIL_REPS").map_or(3, |r| r.parse().expect("SIL_REPS"));
        let threads: usize = std::env::var("SIL_THREADS").map_or(2, |r| r.parse().expect("n"));
        let data: Vec<f64> = bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        let x = Matrix::new(data.len() / cols, cols, data).expect("shape");
        let labels: Vec<usize> = std::fs::read_to_string(var("SIL_LABELS"))
            .expect("labels")
            .lines()
            .map(|l| l.trim().parse().expect("label"))
            .collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let serial = silhouette_score(&x, &labels).expect("serial");
        let par = pool
            .install(|| silhouette_score_par(&x, &labels))
            .expect("par");
        println!(
            "scores serial={serial:.17e} par={par:.17e} identical={}",
            serial.to_bits() == par.to_bits()
        );
        let time = |f: &dyn Fn() -> f64| {
            let mut runs: Vec<(f64, f64)> = (0..reps)
                .map(|_| {
                    let (t, c) = (std::time::Instant::now(), process_cpu_seconds());
                    std::hint::black_box(f());
                    (t.elapsed().as_secs_f64(), process_cpu_seconds() - c)
                })
                .collect();
            runs.sort_by(|a, b| a.0.total_cmp(&b.0));
            runs[reps / 2]
        };
        let s = time(&|| silhouette_score(&x, &labels).expect("serial"));
        let p = time(&|| {
            pool.install(|| silhouette_score_par(&x, &labels))
                .expect("par")
        });
        println!(
            "timing rows={} serial_wall_s={:.4} serial_cpu_s={:.4} par{threads}_wall_s={:.4} par_cpu_s={:.4}",
            x.rows(),
            s.0,
            s.1,
            p.0,
            p.1
        );
    }

    /// On-CPU time of the whole process (`/proc/self/stat`, utime + stime,
    /// clock ticks of 10 ms): wall time alone misleads on a shared machine.
    fn process_cpu_seconds() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
        let after = stat.rsplit(')').next().expect("fields");
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| fields[i].parse::<f64>().expect("ticks");
        (ticks(11) + ticks(12)) / 100.0
    }
}
