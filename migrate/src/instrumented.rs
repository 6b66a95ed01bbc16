//! One migrating component as the service calls it: the rollout controller
//! picks the side of each call, and every call's measurement goes to the
//! controller and to the metrics, each decision to the metrics. This is
//! the whole per-call cost of the migration's monitoring (claim C26): the
//! pairs bench times [`Migration::route`] + [`Migration::report`].

use std::sync::Arc;

use twinbench_kernels::concurrent::clock::Clock;
use twinbench_kernels::concurrent::rollout::{Decision, Policy, Rollout, Sample};

use crate::metrics::MigrationMetrics;

/// A component under gradual rollout, instrumented.
#[derive(Debug)]
pub struct Migration<C: Clock> {
    component: String,
    rollout: Rollout<C>,
    metrics: Arc<MigrationMetrics>,
}

impl<C: Clock> Migration<C> {
    /// `component` names it in the metrics (the seed's flag name, e.g.
    /// `ENABLE_CONDON_ANALYTICS`).
    pub fn new(
        component: impl Into<String>,
        policy: Policy,
        clock: C,
        metrics: Arc<MigrationMetrics>,
    ) -> Self {
        Self {
            component: component.into(),
            rollout: Rollout::new(policy, clock),
            metrics,
        }
    }

    /// Whether the call with this key goes to the twin.
    pub fn route(&self, key: u64) -> bool {
        self.rollout.routes_to_twin(key)
    }

    /// Reports one call's measurement to the controller and the metrics;
    /// returns the decisions it caused (also counted in the metrics).
    pub fn report(&self, sample: Sample) -> Vec<Decision> {
        self.metrics.observe(&self.component, sample);
        let decisions: Vec<Decision> = self.rollout.record(sample).into_iter().flatten().collect();
        self.note(&decisions);
        decisions
    }

    /// Closes the open period if the clock is past it (for a timer).
    pub fn tick(&self) -> Option<Decision> {
        let decision = self.rollout.tick();
        self.note(decision.as_slice());
        decision
    }

    pub fn rollout(&self) -> &Rollout<C> {
        &self.rollout
    }

    fn note(&self, decisions: &[Decision]) {
        for decision in decisions {
            self.metrics
                .decided(&self.component, decision, self.rollout.percent());
        }
    }
}
