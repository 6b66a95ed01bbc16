//! The forecasting engine of the predictive analytics (catalog
//! ml_monitoring.md §2, `monitoring/ai_detection/predictive_analytics.py`):
//! calendar features, autocorrelation seasonality, the linear-trend and
//! random-forest models with their design matrices, and the trend analysis
//! with its health roll-up.
//!
//! The data flow is the original's: a frame of hourly rows is sorted by
//! timestamp and given calendar columns ([`calendar`]); per metric the
//! seasonality is measured ([`seasonality`]) and two models are fitted on
//! designs built from the calendar and the metric ([`design`],
//! [`models`]); the history's trends are classified ([`trends`]).

pub mod calendar;
pub mod capacity;
pub mod design;
pub mod models;
pub mod point;
pub mod seasonality;
pub mod trends;

mod pearson;
