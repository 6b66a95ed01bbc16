//! K9.1: threshold conditions and conjunctive rules
//! (`MetricEvaluator.evaluate_condition` / `evaluate_rule`).

/// A metric the engine flattens from the resource metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    CpuUsage,
    MemoryUsage,
    ConnectionCount,
    CacheHitRate,
}

impl Metric {
    /// The `MetricType` value (the key of the metrics dict).
    pub fn name(self) -> &'static str {
        match self {
            Metric::CpuUsage => "cpu_usage",
            Metric::MemoryUsage => "memory_usage",
            Metric::ConnectionCount => "connection_count",
            Metric::CacheHitRate => "cache_hit_rate",
        }
    }
}

/// `ThresholdCondition.operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Gt,
    Gte,
    Lt,
    Lte,
    /// Within 0.001 (absolute).
    Eq,
    /// Not within 0.001.
    Ne,
}

/// One `ThresholdCondition`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    pub metric: Metric,
    pub operator: Operator,
    pub value: f64,
    pub unit: &'static str,
}

impl Condition {
    /// `evaluate_condition`: every comparison with NaN is false, `eq` and
    /// `ne` included (`abs(NaN) >= 0.001` is false).
    pub fn holds(&self, x: f64) -> bool {
        let v = self.value;
        match self.operator {
            Operator::Gt => x > v,
            Operator::Gte => x >= v,
            Operator::Lt => x < v,
            Operator::Lte => x <= v,
            Operator::Eq => (x - v).abs() < 0.001,
            Operator::Ne => (x - v).abs() >= 0.001,
        }
    }
}

/// The flattened metrics of one evaluation (`Dict[str, float]`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    pub cpu_usage: Option<f64>,
    pub memory_usage: Option<f64>,
    pub connection_count: Option<f64>,
    pub cache_hit_rate: Option<f64>,
}

impl Metrics {
    pub fn get(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::CpuUsage => self.cpu_usage,
            Metric::MemoryUsage => self.memory_usage,
            Metric::ConnectionCount => self.connection_count,
            Metric::CacheHitRate => self.cache_hit_rate,
        }
    }
}

/// `AlertRule` (times in microseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: &'static str,
    pub description: &'static str,
    /// Severity code (`alerting::alert::SEVERITIES`).
    pub severity: u8,
    pub conditions: Vec<Condition>,
    pub enabled: bool,
    pub evaluation_window: i64,
    pub consecutive_breaches: usize,
    pub cooldown: i64,
    pub max_alerts_per_hour: usize,
}

/// The values of the conditions a rule evaluation visited, in condition
/// order (the original's `relevant_metrics` dict: a metric named twice is
/// one entry, at its first position).
pub type Relevant = Vec<(Metric, f64)>;

impl Rule {
    /// `evaluate_rule`: all conditions must hold. A missing metric makes
    /// the rule fail but the walk *continues*; a failing condition ends
    /// it. The values of the conditions visited are returned either way.
    pub fn evaluate(&self, metrics: &Metrics) -> (bool, Relevant) {
        if !self.enabled {
            return (false, Vec::new());
        }
        let mut relevant: Relevant = Vec::with_capacity(self.conditions.len());
        let mut met = true;
        for condition in &self.conditions {
            let Some(x) = metrics.get(condition.metric) else {
                met = false;
                continue;
            };
            match relevant.iter_mut().find(|(m, _)| *m == condition.metric) {
                Some(slot) => slot.1 = x,
                None => relevant.push((condition.metric, x)),
            }
            if !condition.holds(x) {
                met = false;
                break;
            }
        }
        (met, relevant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(operator: Operator, value: f64) -> Condition {
        Condition {
            metric: Metric::CpuUsage,
            operator,
            value,
            unit: "%",
        }
    }

    #[test]
    fn nan_fails_every_operator_and_eq_has_a_tolerance() {
        for op in [
            Operator::Gt,
            Operator::Gte,
            Operator::Lt,
            Operator::Lte,
            Operator::Eq,
            Operator::Ne,
        ] {
            assert!(!condition(op, 1.0).holds(f64::NAN), "{op:?}");
        }
        assert!(condition(Operator::Eq, 0.0).holds(0.000_999));
        assert!(!condition(Operator::Eq, 0.0).holds(0.001));
        assert!(condition(Operator::Ne, 0.0).holds(0.001));
    }
}
