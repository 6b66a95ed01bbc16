//! Percentile bootstrap for a mean and for a ratio of two means.

use serde::{Deserialize, Serialize};

use super::rng::SplitMix64;

/// Resamples per interval; 10 000 keeps the percentile error well below the
/// interval's own width for the sample counts criterion produces.
pub const RESAMPLES: usize = 10_000;
/// Two-sided confidence level of every interval.
pub const CONFIDENCE: f64 = 0.95;
/// Fixed so a report rebuilt from the same samples shows the same intervals.
const SEED: u64 = 0x7477_696E_6265_6E63;

/// A point estimate with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Estimate {
    pub point: f64,
    pub low: f64,
    pub high: f64,
    pub confidence: f64,
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn resampled_mean(xs: &[f64], rng: &mut SplitMix64) -> f64 {
    let n = xs.len() as u64;
    (0..xs.len())
        .map(|_| xs[rng.below(n) as usize])
        .sum::<f64>()
        / xs.len() as f64
}

fn percentile_interval(point: f64, mut draws: Vec<f64>) -> Estimate {
    draws.sort_by(f64::total_cmp);
    let tail = (1.0 - CONFIDENCE) / 2.0;
    let at = |q: f64| draws[((q * (draws.len() - 1) as f64).round() as usize).min(draws.len() - 1)];
    Estimate {
        point,
        low: at(tail),
        high: at(1.0 - tail),
        confidence: CONFIDENCE,
    }
}

/// Mean of `xs` with its bootstrap interval. `xs` must not be empty.
pub fn mean_estimate(xs: &[f64]) -> Estimate {
    let mut rng = SplitMix64::new(SEED);
    let draws = (0..RESAMPLES)
        .map(|_| resampled_mean(xs, &mut rng))
        .collect();
    percentile_interval(mean(xs), draws)
}

/// `mean(numerator) / mean(denominator)` with its bootstrap interval, the
/// two samples resampled independently (they come from separate runs).
/// A speedup is `ratio(slow side, fast side)`. Neither may be empty.
pub fn ratio_estimate(numerator: &[f64], denominator: &[f64]) -> Estimate {
    let mut rng = SplitMix64::new(SEED);
    let draws = (0..RESAMPLES)
        .map(|_| resampled_mean(numerator, &mut rng) / resampled_mean(denominator, &mut rng))
        .collect();
    percentile_interval(mean(numerator) / mean(denominator), draws)
}

/// Any statistic of several sample sets' means, with its bootstrap
/// interval: each resample redraws every set independently and applies
/// `statistic` to the resampled means (e.g. a log–log slope over sizes).
/// No set may be empty.
pub fn means_statistic_estimate(sets: &[&[f64]], statistic: impl Fn(&[f64]) -> f64) -> Estimate {
    let point = statistic(&sets.iter().map(|s| mean(s)).collect::<Vec<_>>());
    let mut rng = SplitMix64::new(SEED);
    let draws = (0..RESAMPLES)
        .map(|_| {
            let means: Vec<f64> = sets.iter().map(|s| resampled_mean(s, &mut rng)).collect();
            statistic(&means)
        })
        .collect();
    percentile_interval(point, draws)
}

/// Geometric mean of several ratios `mean(num_i) / mean(den_i)`, with a joint
/// bootstrap interval: each resample redraws every sample set independently
/// (the set of ratios is fixed). `ratios` must not be empty, nor any sample.
pub fn geomean_ratio_estimate(ratios: &[(&[f64], &[f64])]) -> Estimate {
    let geomean = |values: &mut dyn Iterator<Item = f64>| {
        let logs: Vec<f64> = values.map(f64::ln).collect();
        (logs.iter().sum::<f64>() / logs.len() as f64).exp()
    };
    let point = geomean(&mut ratios.iter().map(|(n, d)| mean(n) / mean(d)));
    let mut rng = SplitMix64::new(SEED);
    let draws = (0..RESAMPLES)
        .map(|_| {
            geomean(
                &mut ratios
                    .iter()
                    .map(|(n, d)| resampled_mean(n, &mut rng) / resampled_mean(d, &mut rng)),
            )
        })
        .collect();
    percentile_interval(point, draws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_give_a_degenerate_interval() {
        let e = ratio_estimate(&[10.0; 5], &[2.0; 7]);
        assert_eq!((e.point, e.low, e.high), (5.0, 5.0, 5.0));
    }

    #[test]
    fn interval_contains_the_point_and_widens_with_noise() {
        let slow: Vec<f64> = (0..30).map(|i| 100.0 + (i % 7) as f64).collect();
        let fast: Vec<f64> = (0..30).map(|i| 10.0 + (i % 3) as f64).collect();
        let e = ratio_estimate(&slow, &fast);
        assert!(e.low < e.point && e.point < e.high);
        let noisy: Vec<f64> = (0..30).map(|i| 10.0 + (i % 3) as f64 * 5.0).collect();
        let wide = ratio_estimate(&slow, &noisy);
        assert!(wide.high - wide.low > e.high - e.low);
    }

    #[test]
    fn deterministic_for_the_same_samples() {
        let xs = [1.0, 5.0, 2.0, 8.0];
        assert_eq!(mean_estimate(&xs), mean_estimate(&xs));
    }
}
