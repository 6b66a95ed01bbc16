//! Feature matrices with a known structure: the inputs of the ML kernels.
//!
//! A randomized model (isolation forest, k-means) cannot be compared with
//! scikit-learn value by value, so its input carries the truth both sides
//! are scored against: which rows were planted as anomalies and which blob
//! every other row was drawn from.

use super::SplitMix64;

/// `rows × cols` values, row-major, and what was planted in them.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    pub rows: usize,
    pub cols: usize,
    /// Row `i` is `data[i * cols..(i + 1) * cols]`.
    pub data: Vec<f64>,
    /// One flag per row: planted as an anomaly.
    pub outliers: Vec<bool>,
    /// The blob each row was drawn from (`usize::MAX` for a planted
    /// anomaly): the partition a clustering should recover.
    pub clusters: Vec<usize>,
}

/// Share of rows planted as anomalies (the original's contamination is 0.1:
/// fewer true anomalies than flagged rows, as in production).
const OUTLIER_RATE: f64 = 0.02;
/// Blobs: the original's auto-k rule gives 10 for any n ≥ 200.
const BLOBS: usize = 10;
/// Blob centres are uniform in `[-SPREAD, SPREAD]^cols`, unit-variance
/// blobs: neighbouring blobs overlap a little, as real node features do.
const SPREAD: f64 = 6.0;

/// Gaussian blobs plus uniform anomalies from a box twice as wide: the node
/// features of K6/K7 and the generic matrix of the model benchmarks.
pub fn blobs_with_outliers(rows: usize, cols: usize, rng: &mut SplitMix64) -> FeatureMatrix {
    let centres: Vec<f64> = (0..BLOBS * cols)
        .map(|_| SPREAD * (2.0 * rng.unit() - 1.0))
        .collect();
    let mut data = Vec::with_capacity(rows * cols);
    let mut outliers = Vec::with_capacity(rows);
    let mut clusters = Vec::with_capacity(rows);
    for _ in 0..rows {
        let outlier = rng.unit() < OUTLIER_RATE;
        outliers.push(outlier);
        if outlier {
            data.extend((0..cols).map(|_| 2.0 * SPREAD * (2.0 * rng.unit() - 1.0)));
            clusters.push(usize::MAX);
        } else {
            let blob = rng.below(BLOBS as u64) as usize;
            let centre = &centres[blob * cols..(blob + 1) * cols];
            data.extend(centre.iter().map(|c| c + rng.normal()));
            clusters.push(blob);
        }
    }
    FeatureMatrix {
        rows,
        cols,
        data,
        outliers,
        clusters,
    }
}

/// Samples per simulated day in a metric frame (5-minute resolution).
const FRAME_DAY: f64 = 288.0;

/// A timestamped multi-metric frame as the real-time anomaly monitor builds
/// it from Prometheus (one column per metric, one row per 5-minute fetch):
/// metrics share a daily load cycle with their own level, amplitude and
/// noise, and at anomalous rows several metrics jump together (an incident
/// shows in latency, errors and CPU at once). `clusters` is all zeros.
pub fn metric_frame(rows: usize, cols: usize, rng: &mut SplitMix64) -> FeatureMatrix {
    let levels: Vec<(f64, f64, f64)> = (0..cols)
        .map(|_| {
            let level = 10.0 + 990.0 * rng.unit();
            (level, 0.1 + 0.2 * rng.unit(), 0.02 + 0.03 * rng.unit())
        })
        .collect();
    let mut data = Vec::with_capacity(rows * cols);
    let mut outliers = Vec::with_capacity(rows);
    for row in 0..rows {
        let load = (std::f64::consts::TAU * row as f64 / FRAME_DAY).sin();
        let incident = rng.unit() < OUTLIER_RATE;
        outliers.push(incident);
        for &(level, amplitude, noise) in &levels {
            let mut value = level * (1.0 + amplitude * load + noise * rng.normal());
            if incident && rng.unit() < 0.7 {
                value += level * (0.5 + rng.unit());
            }
            data.push(value);
        }
    }
    FeatureMatrix {
        rows,
        cols,
        data,
        outliers,
        clusters: vec![0; rows],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plants_anomalies_at_about_the_stated_rate_and_labels_every_row() {
        for m in [
            blobs_with_outliers(20_000, 8, &mut SplitMix64::new(5)),
            metric_frame(20_000, 6, &mut SplitMix64::new(5)),
        ] {
            assert_eq!(m.data.len(), m.rows * m.cols);
            assert_eq!((m.clusters.len(), m.outliers.len()), (m.rows, m.rows));
            let rate = m.outliers.iter().filter(|&&o| o).count() as f64 / m.rows as f64;
            assert!((0.015..0.025).contains(&rate), "rate {rate}");
        }
    }
}
