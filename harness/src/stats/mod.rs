//! The statistics: pure maths on sample times, no I/O and no twinbench
//! types beyond [`Estimate`]. File names are the method.

pub mod bootstrap;
pub mod rng;
pub mod scaling;
pub mod wilson;

pub use bootstrap::{
    Estimate, geomean_ratio_estimate, mean_estimate, means_statistic_estimate, ratio_estimate,
};
pub use scaling::loglog_slope;
pub use wilson::wilson;

/// A ratio as a percent change: 1.25 → +25.0, 0.9 → −10.0.
pub fn percent_change(ratio: f64) -> f64 {
    (ratio - 1.0) * 100.0
}

impl Estimate {
    /// The estimate of a ratio as a percent change with its interval, to
    /// `decimals` places: `+4.2% [+1.0%, +7.5%]`.
    pub fn percent_change(&self, decimals: usize) -> String {
        format!(
            "{:+.d$}% [{:+.d$}%, {:+.d$}%]",
            percent_change(self.point),
            percent_change(self.low),
            percent_change(self.high),
            d = decimals
        )
    }
}
