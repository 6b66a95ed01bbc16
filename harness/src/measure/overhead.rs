//! Locking overhead of the concurrent components (claim C10), read from the
//! `concurrent` criterion bench of `twinbench-kernels`: the same operations
//! on each component's unsynchronised core and on the shared component, one
//! thread and two.

use twinbench_checks::Component;

use crate::measure::BenchId;
use crate::measure::criterion_samples::Samples;
use crate::results::OverheadResult;
use crate::stats::{mean_estimate, ratio_estimate};

/// Operations per timed iteration in the bench (`common::OPS`).
pub const OPS_PER_ITERATION: f64 = 10_000.0;

/// The bench module name of a component (`kernels/benches/concurrent/<name>.rs`).
pub fn bench_name(component: Component) -> &'static str {
    match component {
        Component::Cache => "cache",
        Component::CircuitBreaker => "breaker",
        Component::RateLimiter => "rate_limiter",
        Component::ConnectionPool => "pool",
        Component::Metrics => "metrics",
        Component::Singleton => "singleton",
        Component::IncidentStore => "incidents",
        Component::StreamProducer => "producer",
        Component::Balancer => "balancer",
        Component::ServiceRegistry => "registry",
        Component::Collector => "collector",
        Component::AlertPipeline => "alert_pipeline",
        Component::ErrorAggregator => "error_aggregator",
        Component::Rollout => "rollout",
    }
}

fn bench_id(component: Component, function: &str) -> BenchId {
    BenchId {
        group: format!("concurrent_{}", bench_name(component)),
        function: function.to_string(),
        parameter: None,
    }
}

fn per_op(samples: &Samples) -> Vec<f64> {
    samples
        .per_iteration_ns
        .iter()
        .map(|ns| ns / OPS_PER_ITERATION)
        .collect()
}

/// Every component's overhead; a component whose samples are missing or
/// stale is reported in `problems` and left out.
pub fn collect(
    components: &[Component],
    read: impl Fn(&BenchId) -> Result<Samples, String>,
    problems: &mut Vec<String>,
) -> Vec<OverheadResult> {
    let mut out = Vec::new();
    for &component in components {
        let unsync = read(&bench_id(component, "unsynchronized"));
        let sync = read(&bench_id(component, "synchronized_1-thread"));
        let (unsync, sync) = match (unsync, sync) {
            (Ok(u), Ok(s)) => (per_op(&u), per_op(&s)),
            (u, s) => {
                for e in [u.err(), s.err()].into_iter().flatten() {
                    problems.push(format!(
                        "locking overhead of the {component}: {e} \
                         (`cargo bench -p twinbench-kernels --bench concurrent`)"
                    ));
                }
                continue;
            }
        };
        let two = read(&bench_id(component, "synchronized_2-threads"))
            .ok()
            .map(|s| per_op(&s));
        out.push(OverheadResult {
            component,
            unsynchronized_ns: mean_estimate(&unsync),
            synchronized_ns: mean_estimate(&sync),
            two_threads_ns: two.as_deref().map(mean_estimate),
            overhead_ratio: ratio_estimate(&sync, &unsync),
            two_thread_speedup: two.as_deref().map(|t| ratio_estimate(&sync, t)),
        });
    }
    out
}
