//! What a model check is: a case (its body, the component it exercises, and
//! (for the bug zoo) the catalog id and the invariant the bug must break.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The concurrent components: the eleven of issue 5, the alert pipeline's
/// state (issue 18), the error handler's (issue 19) and the rollout
/// controller (issue 21).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    Cache,
    CircuitBreaker,
    RateLimiter,
    ConnectionPool,
    Metrics,
    Singleton,
    IncidentStore,
    StreamProducer,
    Balancer,
    ServiceRegistry,
    Collector,
    AlertPipeline,
    ErrorAggregator,
    Rollout,
}

impl Component {
    pub const ALL: [Component; 14] = [
        Component::Cache,
        Component::CircuitBreaker,
        Component::RateLimiter,
        Component::ConnectionPool,
        Component::Metrics,
        Component::Singleton,
        Component::IncidentStore,
        Component::StreamProducer,
        Component::Balancer,
        Component::ServiceRegistry,
        Component::Collector,
        Component::AlertPipeline,
        Component::ErrorAggregator,
        Component::Rollout,
    ];

    /// Human name, as the report shows it.
    pub fn title(self) -> &'static str {
        match self {
            Component::Cache => "TTL + LRU cache",
            Component::CircuitBreaker => "circuit breaker",
            Component::RateLimiter => "token-bucket rate limiter",
            Component::ConnectionPool => "connection pool",
            Component::Metrics => "metrics registry",
            Component::Singleton => "lazy singleton",
            Component::IncidentStore => "incident store",
            Component::StreamProducer => "stream producer",
            Component::Balancer => "least-loaded balancer",
            Component::ServiceRegistry => "service registry + health monitor",
            Component::Collector => "background collector lifecycle",
            Component::AlertPipeline => "alert rules + correlation store",
            Component::ErrorAggregator => "error aggregator + handler state",
            Component::Rollout => "gradual-rollout controller",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// A model checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Checker {
    /// loom: every interleaving within a preemption bound.
    Loom,
    /// shuttle's random scheduler.
    ShuttleRandom,
    /// shuttle's PCT scheduler (probabilistic concurrency testing, depth 3).
    ShuttlePct,
}

impl Checker {
    pub const ALL: [Checker; 3] = [Checker::Loom, Checker::ShuttleRandom, Checker::ShuttlePct];

    pub fn name(self) -> &'static str {
        match self {
            Checker::Loom => "loom",
            Checker::ShuttleRandom => "shuttle-random",
            Checker::ShuttlePct => "shuttle-pct",
        }
    }

    pub fn parse(name: &str) -> Option<Checker> {
        Checker::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for Checker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A bug-zoo entry: which catalog race it ports and what it must break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZooEntry {
    /// Catalog id, e.g. `"R1.1"`, `"S2"`, `"seed003-breaker-counter"`.
    pub catalog_id: &'static str,
    /// The invariant a checker must report (the one the bug breaks).
    pub breaks: &'static str,
}

/// Fixed component or bug-zoo port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Fixed,
    Zoo(ZooEntry),
}

/// Sizes a case body runs at: loom explores every interleaving, so its
/// cases are small; shuttle samples schedules, so its are larger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    /// Worker threads (or tasks) besides the main one.
    pub threads: usize,
    /// Operations per worker.
    pub ops_per_thread: usize,
}

impl Scale {
    /// loom: 2 workers, 1–2 operations each.
    pub const LOOM: Scale = Scale {
        threads: 2,
        ops_per_thread: 1,
    };
    /// shuttle: more workers, more operations.
    pub const SHUTTLE: Scale = Scale {
        threads: 4,
        ops_per_thread: 3,
    };
}

/// One model check, compiled once per backend.
#[derive(Debug, Clone, Copy)]
pub struct CheckCase {
    /// Unique, stable id: `<component module>.<what>` or `zoo.<catalog id>`.
    pub id: &'static str,
    pub component: Component,
    pub subject: Subject,
    /// The operations the case runs concurrently, in one line.
    pub operations: &'static str,
    /// The invariants the body asserts (by name, as passed to [`violated`]).
    pub invariants: &'static [&'static str],
    /// Checkers this case runs under (normally all three).
    pub checkers: &'static [Checker],
    /// The body; under loom it runs inside `loom::model`, under shuttle inside
    /// a shuttle `Runner`.
    pub body: fn(),
}

/// Prefix of every invariant-violation panic; the runner parses it back.
pub const VIOLATION_PREFIX: &str = "invariant violated [";

/// Fails the current schedule, naming the broken invariant.
#[track_caller]
pub fn violated(invariant: &str, detail: impl fmt::Display) -> ! {
    panic!("{VIOLATION_PREFIX}{invariant}] {detail}")
}

/// Fails the current schedule unless `holds`.
#[track_caller]
pub fn ensure(holds: bool, invariant: &str, detail: impl FnOnce() -> String) {
    if !holds {
        violated(invariant, detail())
    }
}
