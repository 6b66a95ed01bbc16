//! The statistics: pure maths on sample times, no I/O and no twinbench
//! types beyond [`Estimate`]. File names are the method.

pub mod bootstrap;
pub mod rank;
pub mod rng;
pub mod scaling;
pub mod wilson;

pub use bootstrap::{
    Estimate, geomean_ratio_estimate, mean_estimate, means_statistic_estimate, ratio_estimate,
};
pub use scaling::loglog_slope;
pub use wilson::wilson;

/// The middle value (the upper one of an even count), ignoring order;
/// `None` for no values.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

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
