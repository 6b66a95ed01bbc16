//! The forecasting twins (catalog ml_monitoring K2.2): the seasonality
//! test behind `TimeSeriesForecaster._detect_seasonality`.

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use twinbench_kernels::forecast::seasonality;

use crate::detect::contiguous;
use crate::errors::BindingError;

/// The fields of `_detect_seasonality`'s dict: `(seasonal, period,
/// strength, daily_autocorr, weekly_autocorr)`; `period` and the two
/// autocorrelations are None off the seasonal branch, where the dict has
/// no such keys (and `period` is None).
type SeasonalityFields = (bool, Option<u32>, f64, Option<f64>, Option<f64>);

/// The seasonality of one metric's series (NaN included, as the frame holds
/// it): `Series.autocorr` at 24 and 168 rows (the latter from 336 rows on,
/// else 0.0), strength Python's `max` of their magnitudes, seasonal above
/// 0.3; fewer than 168 rows are never seasonal, with strength 0.0.
///
/// Read in place with the GIL released (see `detect_spikes`).
#[pyfunction]
fn detect_seasonality(
    py: Python<'_>,
    series: PyReadonlyArray1<'_, f64>,
) -> Result<SeasonalityFields, BindingError> {
    let series = contiguous(&series, "series")?;
    let s = py.detach(|| seasonality::detect_seasonality(series));
    Ok((
        s.seasonal,
        s.period,
        s.strength,
        s.daily_autocorr,
        s.weekly_autocorr,
    ))
}

/// Registers the forecasting functions on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(detect_seasonality, module)?)?;
    Ok(())
}
