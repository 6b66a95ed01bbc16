//! The migration runtime from Python: seed 000's gradual-rollout controller
//! and its Prometheus metrics (`twinbench-migrate`), for the shadow runner
//! (`twinbench/shadow.py`) to route calls by and report every call to.
//!
//! Bindings only: routing, the period's decision and the exposition text are
//! the migrate crate's and the kernel's (`concurrent/rollout.rs`), the very
//! code the model checks explore. Every method here is a few atomic
//! operations or one uncontended lock, so none releases the GIL; the
//! `/metrics` endpoint serves from a thread of its own and never takes it.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use twinbench_kernels::concurrent::clock::SystemClock;
use twinbench_kernels::concurrent::rollout::{
    Action, Breach, Decision, HoldReason, Policy, Sample,
};
use twinbench_migrate::endpoint::MetricsEndpoint;
use twinbench_migrate::instrumented::Migration;
use twinbench_migrate::metrics::MigrationMetrics;

use crate::errors::BindingError;

/// The metrics of every migrating component of this process, and the
/// `/metrics` endpoint that serves them (at most one, on 127.0.0.1).
#[pyclass(frozen, name = "MigrationMetrics", module = "twinbench._twinbench")]
#[derive(Debug)]
pub struct PyMigrationMetrics {
    inner: Arc<MigrationMetrics>,
    endpoint: Mutex<Option<MetricsEndpoint>>,
}

#[pymethods]
impl PyMigrationMetrics {
    #[new]
    fn new() -> Self {
        Self {
            inner: Arc::new(MigrationMetrics::new()),
            endpoint: Mutex::new(None),
        }
    }

    /// The exposition text (Prometheus text format 0.0.4).
    fn text(&self) -> PyResult<String> {
        self.inner
            .encode()
            .map_err(|e| BindingError::input(e.to_string()).into())
    }

    /// Serves `GET /metrics` on 127.0.0.1:`port` (0: a free port the OS
    /// picks) until :meth:`stop`; returns the port. Serving twice is an
    /// error: stop the first endpoint first.
    #[pyo3(signature = (port = 0))]
    fn serve(&self, port: u16) -> PyResult<u16> {
        let mut endpoint = self.lock_endpoint();
        if let Some(running) = endpoint.as_ref() {
            return Err(BindingError::input(format!(
                "MigrationMetrics.serve: already serving on {}; call stop() first",
                running.addr()
            ))
            .into());
        }
        let started = MetricsEndpoint::start(Arc::clone(&self.inner), port)
            .map_err(|e| BindingError::input(format!("MigrationMetrics.serve: {e}")))?;
        let port = started.addr().port();
        *endpoint = Some(started);
        Ok(port)
    }

    /// Stops the endpoint (waits for its thread); a no-op when not serving.
    fn stop(&self, py: Python<'_>) {
        let running = self.lock_endpoint().take();
        // Joining the server's thread may wait for an in-flight scrape.
        py.detach(move || drop(running));
    }
}

impl PyMigrationMetrics {
    /// The lock is only held to swap the handle; a panic while holding it
    /// (none can happen) would leave the handle itself intact.
    fn lock_endpoint(&self) -> std::sync::MutexGuard<'_, Option<MetricsEndpoint>> {
        self.endpoint
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One component under gradual rollout, in this process: the controller
/// routes each call by its key and decides each period from the samples
/// reported; samples and decisions also go to the metrics.
#[pyclass(frozen, name = "Migration", module = "twinbench._twinbench")]
#[derive(Debug)]
pub struct PyMigration {
    inner: Migration<SystemClock>,
}

#[pymethods]
impl PyMigration {
    /// `component` labels the metrics (seed 000's flag names, e.g.
    /// `ENABLE_CONDON_ANALYTICS`); the policy defaults to seed 000's: 5%,
    /// +10% per 24-hour period, promotion at ≥ 90% of the original's speed
    /// with < 1% errors, at least 100 twin calls before a period's error
    /// rate counts.
    #[new]
    #[pyo3(signature = (
        component,
        metrics,
        *,
        initial_percent = 5,
        step_percent = 10,
        period_s = 86_400.0,
        min_performance = 0.9,
        max_error_rate = 0.01,
        min_calls = 100,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        component: &str,
        metrics: &PyMigrationMetrics,
        initial_percent: u8,
        step_percent: u8,
        period_s: f64,
        min_performance: f64,
        max_error_rate: f64,
        min_calls: u64,
    ) -> PyResult<Self> {
        if component.is_empty() {
            return Err(BindingError::input("Migration: component must not be empty").into());
        }
        let period_ms = finite_at_least("period_s", period_s * 1e3, 1.0)?;
        let per_mille = finite_at_least("min_performance", min_performance * 1e3, 1.0)?;
        let ppm = finite_at_least("max_error_rate", max_error_rate * 1e6, 1.0)?;
        // Rounded to the policy's integer units; out-of-range values are the
        // policy's to refuse, with its message.
        let policy = Policy::new(
            initial_percent,
            step_percent,
            period_ms.round() as u64,
            per_mille.round().min(f64::from(u32::MAX)) as u32,
            ppm.round().min(f64::from(u32::MAX)) as u32,
            min_calls,
        )
        .map_err(|e| BindingError::input(format!("Migration: {e}")))?;
        Ok(Self {
            inner: Migration::new(
                component,
                policy,
                SystemClock::new(),
                Arc::clone(&metrics.inner),
            ),
        })
    }

    /// Percentage of calls the twin serves now.
    #[getter]
    fn percent(&self) -> u8 {
        self.inner.rollout().percent()
    }

    /// Whether the call with this key goes to the twin (a key keeps its
    /// side while the percentage stands).
    fn route(&self, key: u64) -> bool {
        self.inner.route(key)
    }

    /// Reports one call: which side served it (`"twin"` or `"original"`),
    /// in how many nanoseconds, and for the twin whether it failed (raised,
    /// or disagreed with the original). Returns the decisions it caused.
    #[pyo3(signature = (side, ns, *, error = false))]
    fn report<'py>(
        &self,
        py: Python<'py>,
        side: &str,
        ns: u64,
        error: bool,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let sample = match side {
            "twin" => Sample::Twin { ns, error },
            "original" if !error => Sample::Original { ns },
            "original" => {
                return Err(BindingError::input(
                    "Migration.report: error=True is for the twin's calls; an original that \
                     raises is not the twin's failure",
                )
                .into());
            }
            other => {
                return Err(BindingError::input(format!(
                    "Migration.report: side must be \"twin\" or \"original\", got {other:?}"
                ))
                .into());
            }
        };
        self.inner
            .report(sample)
            .iter()
            .map(|d| decision_dict(py, d))
            .collect()
    }

    /// Closes the open period if it is over (for a timer: a quiet period is
    /// still decided); returns its decision, if any.
    fn tick<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner.tick().map(|d| decision_dict(py, &d)).transpose()
    }

    /// Every decision so far, oldest first.
    fn decisions<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.inner
            .rollout()
            .decisions()
            .iter()
            .map(|d| decision_dict(py, d))
            .collect()
    }
}

fn finite_at_least(name: &str, value: f64, min: f64) -> Result<f64, BindingError> {
    if value.is_finite() && value >= min {
        Ok(value)
    } else {
        Err(BindingError::input(format!(
            "Migration: {name} is out of range (got {value} in the policy's units, \
             at least {min} needed)"
        )))
    }
}

/// A decision as a dict: `period`, `action` (`promoted`, `held`,
/// `rolled_back`), `percent_from`/`percent_to` or `reason`/`breach`, and
/// the period's counts.
fn decision_dict<'py>(py: Python<'py>, decision: &Decision) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("period", decision.period)?;
    match decision.action {
        Action::Promoted { from, to } => {
            d.set_item("action", "promoted")?;
            d.set_item("percent_from", from)?;
            d.set_item("percent_to", to)?;
        }
        Action::Held(reason) => {
            d.set_item("action", "held")?;
            d.set_item(
                "reason",
                match reason {
                    HoldReason::TooFewTwinCalls => "too_few_twin_calls",
                    HoldReason::NoOriginalCalls => "no_original_calls",
                    HoldReason::AtFull => "at_full",
                    HoldReason::RolledBack => "rolled_back",
                },
            )?;
        }
        Action::RolledBack { from, breach } => {
            d.set_item("action", "rolled_back")?;
            d.set_item("percent_from", from)?;
            d.set_item("percent_to", 0)?;
            d.set_item(
                "breach",
                match breach {
                    Breach::ErrorRate => "error_rate",
                    Breach::Performance => "performance",
                },
            )?;
        }
    }
    let s = decision.stats;
    d.set_item("twin_calls", s.twin_calls)?;
    d.set_item("twin_errors", s.twin_errors)?;
    d.set_item("twin_ns", s.twin_ns)?;
    d.set_item("original_calls", s.original_calls)?;
    d.set_item("original_ns", s.original_ns)?;
    Ok(d)
}

/// Registers the classes on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<PyMigrationMetrics>()?;
    module.add_class::<PyMigration>()?;
    Ok(())
}
