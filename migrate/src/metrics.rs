//! Seed 000's migration metrics, exported with the `prometheus-client`
//! crate in the Prometheus text format (0.0.4):
//!
//! | metric | type | what it counts |
//! |---|---|---|
//! | `component_migration_success_total` | counter | twin calls that succeeded |
//! | `component_migration_failure_total` | counter | twin calls that failed (raised, or disagreed with the original in shadow mode) |
//! | `component_migration_duration_seconds` | histogram | call time, by `side` (`twin`, `original`) |
//! | `component_migration_rollback_total` | counter | rollbacks the controller decided |
//! | `component_performance_degradation_percent` | gauge | the last decided period's twin mean time over the original's, as a change in percent |
//!
//! plus `component_migration_rollout_percent` (gauge), the twin's share of
//! calls after the last decision, so a dashboard can draw the rollout.
//! Every metric carries a `component` label (the seed's flag names, e.g.
//! `ENABLE_CONDON_ANALYTICS`).
//!
//! The degradation gauge is `100 · (twin mean ÷ original mean − 1)`: +10
//! means the twin took 10% longer, −97.5 that it took 97.5% less time. It
//! is set only from a period that had calls on both sides; otherwise it
//! keeps its previous value (a period without a comparison says nothing).

use std::fmt::{self, Write};
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::{EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use twinbench_kernels::concurrent::rollout::{Action, Decision, Sample};

/// Failure to write the exposition text.
#[derive(Debug, thiserror::Error)]
#[error("could not encode the migration metrics: {0}")]
pub struct EncodeError(#[from] fmt::Error);

/// Labels of every metric: the component.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ComponentLabel {
    pub component: String,
}

/// Which side served a timed call (label values `twin`, `original`).
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum CallSide {
    Twin,
    Original,
}

impl EncodeLabelValue for CallSide {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), fmt::Error> {
        encoder.write_str(match self {
            CallSide::Twin => "twin",
            CallSide::Original => "original",
        })
    }
}

/// Labels of the duration histogram.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DurationLabels {
    pub component: String,
    pub side: CallSide,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// The metrics of every component of one process. Shared by reference
/// (`&self` everywhere; the metric types are atomics).
pub struct MigrationMetrics {
    registry: Registry,
    success: Family<ComponentLabel, Counter>,
    failure: Family<ComponentLabel, Counter>,
    duration: Family<DurationLabels, Histogram>,
    rollback: Family<ComponentLabel, Counter>,
    degradation: Family<ComponentLabel, FloatGauge>,
    percent: Family<ComponentLabel, Gauge>,
}

/// One component's per-call metrics (handles sharing the registry's
/// metrics: clones of a counter or histogram count into the same one).
#[derive(Debug, Clone)]
pub struct ComponentMetrics {
    success: Counter,
    failure: Counter,
    twin: Histogram,
    original: Histogram,
}

impl ComponentMetrics {
    /// Counts one call's sample, as reported to the controller.
    pub fn observe(&self, sample: Sample) {
        match sample {
            Sample::Twin { ns, error } => {
                if error {
                    self.failure.inc();
                } else {
                    self.success.inc();
                }
                self.twin.observe(seconds(ns));
            }
            Sample::Original { ns } => self.original.observe(seconds(ns)),
        }
    }
}

fn seconds(ns: u64) -> f64 {
    ns as f64 * 1e-9
}

/// Buckets of the duration histogram: 1 µs to ~4 s, ×4 apart, so a 2 µs
/// twin call and a 50 ms original call both land in a bucket of their own.
fn duration_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(1e-6, 4.0, 12)
}

impl MigrationMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let success = Family::<ComponentLabel, Counter>::default();
        let failure = Family::<ComponentLabel, Counter>::default();
        let duration = Family::<DurationLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(duration_buckets())) as fn() -> Histogram,
        );
        let rollback = Family::<ComponentLabel, Counter>::default();
        let degradation = Family::<ComponentLabel, FloatGauge>::default();
        let percent = Family::<ComponentLabel, Gauge>::default();
        // The text encoder appends `_total` to counters: registered without it.
        registry.register(
            "component_migration_success",
            "Calls the twin served successfully",
            success.clone(),
        );
        registry.register(
            "component_migration_failure",
            "Calls the twin failed: raised, or disagreed with the original in shadow mode",
            failure.clone(),
        );
        registry.register(
            "component_migration_duration_seconds",
            "Time of one call, by the side that served it",
            duration.clone(),
        );
        registry.register(
            "component_migration_rollback",
            "Rollbacks to 0% the rollout controller decided",
            rollback.clone(),
        );
        registry.register(
            "component_performance_degradation_percent",
            "Last decided period: 100 x (twin mean time / original mean time - 1)",
            degradation.clone(),
        );
        registry.register(
            "component_migration_rollout_percent",
            "Share of calls the twin serves after the last decision",
            percent.clone(),
        );
        Self {
            registry,
            success,
            failure,
            duration,
            rollback,
            degradation,
            percent,
        }
    }

    /// Counts one call's sample, as reported to the controller.
    pub fn observe(&self, component: &str, sample: Sample) {
        self.component(component).observe(sample);
    }

    /// The handles of one component's per-call metrics, looked up once:
    /// observing through them is an atomic add and a histogram update, no
    /// label hashing or family lock per call (what [`Self::observe`] pays).
    /// The component's rollback counter is registered here too, at 0: a
    /// scrape before any rollback says "none" rather than leaving the
    /// metric out (the degradation gauge stays absent until a period has
    /// been decided: 0 would claim "as fast as the original").
    pub fn component(&self, component: &str) -> ComponentMetrics {
        let label = ComponentLabel {
            component: component.to_string(),
        };
        drop(self.rollback.get_or_create(&label));
        let histogram = |side| {
            self.duration
                .get_or_create(&DurationLabels {
                    component: component.to_string(),
                    side,
                })
                .clone()
        };
        ComponentMetrics {
            success: self.success.get_or_create(&label).clone(),
            failure: self.failure.get_or_create(&label).clone(),
            twin: histogram(CallSide::Twin),
            original: histogram(CallSide::Original),
        }
    }

    /// Records a decision of the controller and the percentage it left.
    pub fn decided(&self, component: &str, decision: &Decision, percent_after: u8) {
        let label = ComponentLabel {
            component: component.to_string(),
        };
        if matches!(decision.action, Action::RolledBack { .. }) {
            self.rollback.get_or_create(&label).inc();
        }
        if let Some(performance) = decision.stats.performance() {
            self.degradation
                .get_or_create(&label)
                .set(100.0 * (1.0 / performance - 1.0));
        }
        self.percent
            .get_or_create(&label)
            .set(i64::from(percent_after));
    }

    /// The exposition text (Prometheus text format 0.0.4).
    pub fn encode(&self) -> Result<String, EncodeError> {
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

impl Default for MigrationMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MigrationMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MigrationMetrics { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinbench_kernels::concurrent::rollout::{Breach, PeriodStats};

    fn decision(action: Action, twin_ns: u64, original_ns: u64) -> Decision {
        Decision {
            period: 0,
            action,
            stats: PeriodStats {
                twin_calls: 1,
                twin_errors: 0,
                twin_ns,
                original_calls: 1,
                original_ns,
            },
        }
    }

    /// The value of the first sample line starting with `prefix`.
    fn value(text: &str, prefix: &str) -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    #[test]
    fn the_seeds_five_metrics_count_what_they_say() -> Result<(), EncodeError> {
        let metrics = MigrationMetrics::new();
        let c = "ENABLE_CONDON_ANALYTICS";
        metrics.observe(
            c,
            Sample::Twin {
                ns: 2_000,
                error: false,
            },
        );
        metrics.observe(
            c,
            Sample::Twin {
                ns: 3_000,
                error: false,
            },
        );
        metrics.observe(
            c,
            Sample::Twin {
                ns: 3_000,
                error: true,
            },
        );
        metrics.observe(c, Sample::Original { ns: 50_000_000 });
        metrics.decided(
            c,
            &decision(Action::Promoted { from: 5, to: 15 }, 110, 100),
            15,
        );
        metrics.decided(
            c,
            &decision(
                Action::RolledBack {
                    from: 15,
                    breach: Breach::ErrorRate,
                },
                50,
                100,
            ),
            0,
        );
        let text = metrics.encode()?;
        let l = "{component=\"ENABLE_CONDON_ANALYTICS\"}";
        assert_eq!(
            value(&text, &format!("component_migration_success_total{l}")),
            Some(2.0)
        );
        assert_eq!(
            value(&text, &format!("component_migration_failure_total{l}")),
            Some(1.0)
        );
        assert_eq!(
            value(&text, &format!("component_migration_rollback_total{l}")),
            Some(1.0)
        );
        assert_eq!(
            value(
                &text,
                &format!("component_performance_degradation_percent{l}")
            ),
            Some(-50.0),
            "the last decision's period: twin 50 ns against 100 ns\n{text}"
        );
        assert_eq!(
            value(&text, &format!("component_migration_rollout_percent{l}")),
            Some(0.0)
        );
        let twin_count = "component_migration_duration_seconds_count{component=\"ENABLE_CONDON_ANALYTICS\",side=\"twin\"}";
        assert_eq!(value(&text, twin_count), Some(3.0), "{text}");
        assert!(text.contains("# TYPE component_migration_duration_seconds histogram"));
        Ok(())
    }

    #[test]
    fn a_component_shows_zero_rollbacks_and_no_degradation_before_any_decision()
    -> Result<(), EncodeError> {
        let metrics = MigrationMetrics::new();
        let _handles = metrics.component("ENABLE_CONDON_MONITORING");
        let text = metrics.encode()?;
        let l = "{component=\"ENABLE_CONDON_MONITORING\"}";
        assert_eq!(
            value(&text, &format!("component_migration_rollback_total{l}")),
            Some(0.0)
        );
        assert_eq!(
            value(
                &text,
                &format!("component_performance_degradation_percent{l}")
            ),
            None
        );
        Ok(())
    }
}
